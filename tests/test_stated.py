"""Inputs the code states, with no declaration anywhere: each form is read, and what
shapelint says at the stated input (and constructor arguments) is what torch does."""

import json
import textwrap

import pytest
import torch

from shapelint.cli import main
from shapelint.engine import check_path

MODEL = '''\
import torch
import torch.nn as nn
from jaxtyping import Float
from torch import Tensor

SIDE = 16


class Net(nn.Module):
    def __init__(self, in_ch=3, depth=2):
        super().__init__()
        layers = []
        for i in range(depth):
            layers += [nn.Conv2d(in_ch if i == 0 else 8, 8, 3), nn.MaxPool2d(2)]
        self.body = nn.Sequential(*layers)

    def forward(self, x{ann}):
{asserts}        return self.body(x)
'''


def source(tail="", ann="", asserts=""):
    body = "".join(f"        {line}\n" for line in textwrap.dedent(asserts).splitlines())
    return MODEL.format(ann=ann, asserts=body) + "\n\n" + textwrap.dedent(tail)


# (id, tail, annotation, asserts, stated shape, constructor kwargs, where the source says it is)
STATED = [
    ("main-block", """
        if __name__ == "__main__":
            net = Net(in_ch=1)
            net.eval()
            print(net(torch.randn(2, 1, 32, 32)).shape)
        """, "", "", (2, 1, 32, 32), {"in_ch": 1}, "the call at line"),
    ("module-level-direct-call", "Net(depth=3)(torch.rand(1, 3, SIDE, SIDE))\n", "", "", (1, 3, 16, 16), {"depth": 3}, "the call at line"),
    ("forward-method-and-variable", """
        model = Net().eval()
        x = torch.zeros((1, 3, 2 * SIDE, 2 * SIDE))
        y = model.forward(x)
        """, "", "", (1, 3, 32, 32), {}, "the call at line"),
    ("torchinfo-summary-in-main", """
        def main():
            from torchinfo import summary
            model = Net()
            summary(model, input_size=(1, 3, 8, 8))
        """, "", "", (1, 3, 8, 8), {}, "the call at line"),
    ("torchsummary-no-batch", """
        if __name__ == "__main__":
            import torchsummary
            torchsummary.summary(Net(in_ch=2).cuda(), (2, 24, 24))
        """, "", "", ("N", 2, 24, 24), {"in_ch": 2}, "the call at line"),
    ("onnx-export", """
        torch.onnx.export(Net(in_ch=2), torch.randn(1, 2, 20, 20), "net.onnx")
        """, "", "", (1, 2, 20, 20), {"in_ch": 2}, "the call at line"),
    ("jit-trace-tuple", """
        def export():
            m = torch.compile(Net(depth=1))
            return torch.jit.trace(m, (torch.ones(3, 3, 5, 5),))
        """, "", "", (3, 3, 5, 5), {"depth": 1}, "the call at line"),
    ("pytest-function", """
        def test_net_runs():
            net = Net(depth=3)
            with torch.no_grad():
                out = net(torch.randn(2, 3, 30, 30))
            assert out.shape[0] == 2
        """, "", "", (2, 3, 30, 30), {"depth": 3}, "the call at line"),
    ("test-class-method", """
        class TestNet:
            def test_small(self):
                for _ in range(2):
                    Net()(torch.randn(1, 3, 9, 9))
        """, "", "", (1, 3, 9, 9), {}, "the call at line"),
    ("jaxtyping", "", ': Float[Tensor, "b 3 12 12"]', "", ("b", 3, 12, 12), {}, "forward's jaxtyping annotation"),
    ("jaxtyping-as-string", "", ': "Float[Tensor, \'batch 3 6 6\']"', "", ("batch", 3, 6, 6), {}, "forward's jaxtyping annotation"),
    ("forward-docstring", "", "", '"""Runs the body.\n\nInput: (2, 3, 10, 10)\n"""', (2, 3, 10, 10), {}, "forward's docstring"),
    ("assert-full-shape", "", "", "assert x.shape == (4, 3, 6, 6)", (4, 3, 6, 6), {}, "the assert at line"),
    ("assert-tail", "", "", "assert x.shape[1:] == (3, 14, 14), 'CIFAR crops'", ("N", 3, 14, 14), {}, "the assert at line"),
    ("assert-rank-and-dims", "", "", """
        assert x.ndim == 4
        assert x.size(1) == 3 and x.shape[-1] == 40 and 40 == x.shape[-2]
        """, ("N", 3, 40, 40), {}, "the assert at line"),
]


def _torch_outcome(text, shape, kwargs):
    """torch's verdict on the class at the stated input: "runs" or "fails"."""
    namespace = {}
    exec(compile(MODEL.format(ann="", asserts=""), "<model>", "exec"), namespace)  # tests only: our own model
    model = namespace["Net"](**kwargs)
    try:
        with torch.no_grad():
            model(torch.zeros(tuple(2 if isinstance(d, str) else d for d in shape)))
    except RuntimeError:
        return "fails"
    return "runs"


@pytest.mark.parametrize("name,tail,ann,asserts,shape,kwargs,where", STATED, ids=[c[0] for c in STATED])
def test_stated_input_is_read_and_judged_as_torch_judges_it(tmp_path, name, tail, ann, asserts, shape, kwargs, where):
    path = tmp_path / "net.py"
    text = source(tail, ann, asserts)
    path.write_text(text)
    result = check_path(path)
    assert result.declared == {"Net": None}
    stated = result.stated["Net"]
    assert [(s.shape, dict(s.kwargs)) for s in stated] == [(shape, kwargs)]
    assert stated[0].source.startswith(where)
    line = int(stated[0].source.rsplit(" ", 1)[1]) if "line" in where else None
    if line is not None:  # the line named holds the statement
        assert any(tok in text.splitlines()[line - 1] for tok in ("Net", "net", "model", "m,", "summary", "assert"))
    verdict = _torch_outcome(text, shape, kwargs)
    assert ("fails" if result.findings else "runs") == verdict, [f.message for f in result.findings]
    for f in result.findings:
        assert f.message.endswith(f" from {stated[0].source})")


NOTHING = [
    ("undecided-branches", """
        import sys
        if len(sys.argv) > 1:
            x = torch.randn(1, 3, 8, 8)
        else:
            x = torch.randn(1, 3, 64, 64)
        Net()(x)
        """, "", ""),
    ("loop-over-data", """
        def train(loader):
            net = Net()
            for x in loader:
                net(x)
        """, "", ""),
    ("unknown-config", """
        def build(cfg):
            net = Net(**cfg)
            net(torch.randn(1, 3, 8, 8))
        """, "", ""),
    ("rebound-name", """
        def other():
            return None
        m = Net()
        m = other()
        m(torch.randn(1, 3, 8, 8))
        """, "", ""),
    ("layer-replaced-after-build", """
        net = Net()
        net.body = torch.nn.Identity()
        net(torch.randn(1, 3, 4, 4))
        """, "", ""),
    ("handed-to-other-code", """
        def shrink(model):
            model.body = torch.nn.Identity()
        net = Net().eval()
        shrink(net)
        net(torch.randn(1, 3, 4, 4))
        """, "", ""),
    ("forward-hook", """
        net = Net()
        net.register_forward_pre_hook(lambda m, args: torch.zeros(1, 3, 64, 64))
        net(torch.randn(1, 3, 4, 4))
        """, "", ""),
    ("lambda-not-called", "f = lambda: Net()(torch.randn(1, 3, 8, 8))\n", "", ""),
    ("size-from-outside", """
        import sys
        n = int(sys.argv[1])
        Net()(torch.randn(n, n, n, n))
        """, "", ""),
    ("docstring-names-only", "", "", '"""Input: (N, C, H, W)"""'),
    ("docstring-two-inputs", "", "", '"""Input: (N, 3, 8, 8)\nInput: (N, 3, 64, 64)\n"""'),
    ("docstring-in-prose", "", "", '"""Works on any input: (N, 3, 8, 8) crops or larger."""'),
    ("jaxtyping-any-rank", "", ': Float[Tensor, "*batch 3 h w"]', ""),
    ("jaxtyping-only-names", "", ': Float[Tensor, "b c h w"]', ""),
    ("assert-after-use", "", "", """
        y = x + 1
        assert x.shape == (1, 3, 8, 8)
        """),
    ("assert-tail-without-rank", "", "", "assert tuple(x.shape[-2:]) == (28, 28)"),
    ("assert-contradiction", "", "", """
        assert x.shape[1] == 3 and x.dim() == 4
        assert x.shape[1] == 1
        """),
    ("assert-on-attribute", "", "", "assert x.shape[1:] == self.size"),
    ("assert-or", "", "", "assert x.shape == (1, 3, 8, 8) or x.shape == (1, 3, 64, 64)"),
]


@pytest.mark.parametrize("name,tail,ann,asserts", NOTHING, ids=[c[0] for c in NOTHING])
def test_what_is_not_a_statement_states_nothing(tmp_path, name, tail, ann, asserts):
    path = tmp_path / "net.py"
    path.write_text(source(tail, ann, asserts))
    result = check_path(path)
    assert "Net" not in result.stated
    assert result.findings == []


def test_disagreeing_statements_are_each_checked(tmp_path):
    """Two calls at different sizes: each is a run of its own, none is merged into a guess."""
    path = tmp_path / "net.py"
    path.write_text(source("""
        if __name__ == "__main__":
            net = Net()
            net(torch.randn(1, 3, 32, 32))
            net(torch.randn(1, 3, 8, 8))
        """))
    result = check_path(path)
    assert [s.shape for s in result.stated["Net"]] == [(1, 3, 32, 32), (1, 3, 8, 8)]
    assert [t.input for t in result.traces] == [(1, 3, 32, 32), (1, 3, 8, 8)]
    assert _torch_outcome("", (1, 3, 32, 32), {}) == "runs" and _torch_outcome("", (1, 3, 8, 8), {}) == "fails"
    assert len(result.findings) == 1 and result.findings[0].message.endswith("(input [1, 3, 8, 8] from the call at line 25)")


DECLARED_64 = "# shapelint: input=(N, 3, 64, 64)\nclass Net(nn.Module):"


def test_a_declaration_wins_over_what_the_code_states(tmp_path, capsys):
    text = source('if __name__ == "__main__":\n    Net()(torch.randn(1, 3, 8, 8))\n').replace("class Net(nn.Module):", DECLARED_64)
    path = tmp_path / "net.py"
    path.write_text(text)
    result = check_path(path)
    assert result.declared == {"Net": ("N", 3, 64, 64)} and result.stated == {} and result.findings == []
    # the command line wins over both
    assert main(["check", "--no-cache", "--input", "Net=1x3x8x8", str(path)]) == 1
    assert "from the call" not in capsys.readouterr().out
    # the configuration wins over what the code states
    path.write_text(text.replace(DECLARED_64, "class Net(nn.Module):"))
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint.inputs]\n"Net" = ["N", 3, 64, 64]\n')
    assert main(["check", "--no-cache", str(path)]) == 0
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\n")
    assert main(["check", "--no-cache", str(path)]) == 1
    assert "(input [1, 3, 8, 8] from the call at line" in capsys.readouterr().out


def test_shapes_without_input_uses_the_stated_one_and_says_where(tmp_path, capsys):
    path = tmp_path / "net.py"
    text = source('if __name__ == "__main__":\n    Net(in_ch=1)(torch.randn(2, 1, 32, 32))\n')
    path.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "Net(in_ch=1)" in s)
    assert main(["shapes", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"input [2, 1, 32, 32] (from the call at line {line})" in out
    assert main(["shapes", str(path), "--output-format", "json"]) == 0
    (model,) = json.loads(capsys.readouterr().out)
    assert model["input"] == [2, 1, 32, 32] and model["input_source"] == f"the call at line {line}"
    assert model["layers"][0]["input_shape"] == [2, 1, 32, 32]  # built with in_ch=1, as the call wrote it


PROJECT_MODEL = '''\
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, in_ch=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(in_ch, 8, 5), nn.MaxPool2d(2), nn.Conv2d(8, 8, 5))

    def forward(self, x):
        return self.body(x)
'''

PROJECT_TEST = '''\
import torch

from pkg.encoder import Encoder


def test_encoder_on_small_crops():
    enc = Encoder(in_ch=1)
    assert enc(torch.randn(2, 1, {side}, {side})).shape[1] == 8
'''


def test_a_project_test_states_the_input(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "encoder.py").write_text(PROJECT_MODEL)
    (tmp_path / "tests").mkdir()
    test = tmp_path / "tests" / "test_encoder.py"
    test.write_text(PROJECT_TEST.format(side=12))  # 12 -> 8 -> 4: the second 5x5 conv does not fit
    result = check_path(tmp_path / "pkg" / "encoder.py")
    assert [(s.shape, s.source, dict(s.kwargs)) for s in result.stated["Encoder"]] == [((2, 1, 12, 12), "tests/test_encoder.py:8", {"in_ch": 1})]
    (finding,) = result.findings
    assert finding.code == "SHP001" and finding.message.endswith("(input [2, 1, 12, 12] from tests/test_encoder.py:8)")
    namespace = {}
    exec(compile(PROJECT_MODEL, "<encoder>", "exec"), namespace)  # tests only: our own model
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        namespace["Encoder"](in_ch=1)(torch.zeros(2, 1, 12, 12))
    assert str(test) in result.read  # the cache watches the test that stated it
    # the cache notices a changed test: the finding goes with the size that caused it
    cache = tmp_path / "cache"
    assert main(["check", "--cache-dir", str(cache), str(tmp_path / "pkg")]) == 1
    test.write_text(PROJECT_TEST.format(side=32))
    assert main(["check", "--cache-dir", str(cache), str(tmp_path / "pkg")]) == 0
    namespace["Encoder"](in_ch=1)(torch.zeros(2, 1, 32, 32))
    capsys.readouterr()
