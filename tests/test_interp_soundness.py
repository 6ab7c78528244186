"""No value is made from an unknown: each place the interpreter could turn an unknown
into a value, on a minimal model that real torch runs.

Each model is written to a file, analysed without a constructor argument (what the
analysis cannot know stays unknown), and built in torch with the arguments real use
gives.  shapelint must stay silent where torch runs, and the rows of ``shapes`` must
agree with torch's forward hooks: a shape shown as ``[..., 32]`` (rank not known) must
be a suffix of torch's.
"""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

import pytest
import torch
from oracle import kind_of
from test_shapes_torch import torch_calls

from shapelint.layers.symbolic import evaluate
from shapelint.analysis import Trace, analyse
from shapelint.extract.index import ProjectIndex
from shapelint.report import shapes as shapes_report

HEADER = "import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n"


def trace_of(tmp_path: Path, source: str, name: str, shape: Optional[Tuple[Any, ...]] = None, training: Optional[bool] = None) -> Trace:
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(source))
    index = ProjectIndex()
    info = index.load(path)
    [trace] = analyse(index, info, {name: shape}, only=name, training=training)
    assert trace.error is None, trace.error
    return trace


def build(tmp_path: Path, name: str, *args: Any, **kwargs: Any) -> torch.nn.Module:
    spec = importlib.util.spec_from_file_location(f"sound_{tmp_path.name}", tmp_path / "model.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]  # tests only: our own source
    model = getattr(module, name)(*args, **kwargs)
    model.eval()
    return model


def fits(ours: Optional[Sequence[Any]], theirs: Optional[Sequence[int]]) -> bool:
    """Our shape states only facts about torch's: ``None`` any dim, a leading ``...`` any rank."""
    if ours is None:
        return True
    if theirs is None:
        return False
    if ours and ours[0] is Ellipsis:
        tail = list(ours[1:])
        if len(tail) > len(theirs):
            return False
        theirs = list(theirs)[len(theirs) - len(tail):]
        ours = tail
    return len(ours) == len(theirs) and all(o is None or isinstance(o, str) or o == t for o, t in zip(ours, theirs))


def assert_rows_fit(trace: Trace, model: torch.nn.Module, x: torch.Tensor) -> List[Tuple[str, str, Any, Any]]:
    calls, _ = torch_calls(model, x)
    ours = [(r.name, r.type) for r in trace.rows]
    assert ours == [(c[0], c[1]) for c in calls]
    for row, call in zip(trace.rows, calls):
        assert fits(row.input_shape, call[2]), (row, call)
        assert fits(row.output_shape, call[3]), (row, call)
    return calls


# --------------------------------------------------------------------------- boolean operators

def test_or_with_an_unknown_left_operand_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, width):
                super().__init__()
                self.fc = nn.Linear(width or 8, 4)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 16))
    assert trace.findings == []
    assert trace.rows[0].params is None and trace.params is None  # not Linear(True, 4)
    model = build(tmp_path, "Net", 16)
    assert tuple(model(torch.zeros(2, 16)).shape) == (2, 4)


def test_and_with_an_unknown_left_operand_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, flag):
                super().__init__()
                scale = flag and 0
                if scale is False:
                    self.fc = nn.Linear(5, 4)
                else:
                    self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 8))
    assert trace.findings == []
    build(tmp_path, "Net", True)(torch.zeros(2, 8))


# --------------------------------------------------------------------------- unknown inputs

BLOCK = """
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 32)
            self.norm = nn.LayerNorm(32)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            x = self.norm(self.fc(x))
            x = torch.cat([x[:, 0], x[:, 1:].mean(dim=1)], dim=1)
            return self.head(x)
"""


def test_a_layer_on_an_unknown_input_states_only_its_last_dim(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, BLOCK, "Block")
    assert trace.findings == []
    fc = trace.rows[0]
    assert (fc.input_shape, fc.output_shape) == ((Ellipsis, 16), (Ellipsis, 32))
    assert fc.macs is None  # per sample, it depends on the rank we do not know
    assert_rows_fit(trace, build(tmp_path, "Block"), torch.zeros(8, 49, 16))
    table = shapes_report.table([trace])
    assert "[..., 16]" in table and "[..., 32]" in table and "[?, 32]" not in table
    layers = json.loads(shapes_report.as_json([trace]))[0]["layers"]
    assert layers[0]["input_shape"] == ["...", 16] and layers[0]["output_shape"] == ["...", 32]


def test_a_conv_on_an_unknown_input_states_the_dims_from_its_channels(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)

            def forward(self, x):
                return self.conv(x)
    """, "Net")
    # the undeclared input's sizes are named (H, W: solve.py) and followed exactly
    assert [(r.input_shape, r.output_shape) for r in trace.rows] == [((Ellipsis, 3, "H", "W"), (Ellipsis, 8, "H - 2", "W - 2"))]
    assert "[..., 8, H - 2, W - 2]" in shapes_report.table([trace])
    model = build(tmp_path, "Net")
    for x in (torch.zeros(3, 9, 9), torch.zeros(2, 3, 9, 9)):  # batched or not: both fit
        calls = assert_rows_fit(trace, model, x)
        out = trace.rows[0].output_shape
        assert [evaluate(d, {"H": 9, "W": 9}) for d in out[-2:]] == list(calls[0][3][-2:])


def test_indexing_a_tensor_of_assumed_rank_keeps_no_definite_rank(tmp_path: Path) -> None:
    """diffusers transformer_chroma: ``emb[:, a:a + 6].flatten(1, 2)`` after a Linear."""
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(4, 12)

            def forward(self, x):
                emb = self.proj(x)
                shift, scale = emb[:, 2:4].flatten(1, 2).chunk(2, dim=1)
                return shift * scale
    """, "Net")
    assert trace.findings == []
    build(tmp_path, "Net")(torch.zeros(2, 10, 4))


@pytest.mark.parametrize("expr", ["x.ndim == 2", "x.dim() == 2", "len(x.shape) == 2", "len(x.size()) == 2"])
def test_the_rank_of_an_assumed_tensor_is_unknown(tmp_path: Path, expr: str) -> None:
    trace = trace_of(tmp_path, f"""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 8)
                self.flat = nn.Linear(5, 8)

            def forward(self, x):
                x = self.fc(x)
                if {expr}:
                    x = self.flat(x)
                return x
    """, "Net")
    assert trace.findings == []
    build(tmp_path, "Net")(torch.zeros(2, 3, 4))  # 3-D: the branch is not taken


def test_dims_counted_from_the_end_stay_known(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 8)
                self.out = nn.Linear(4, 2)

            def forward(self, x):
                x = self.fc(x)
                return self.out(x[..., : x.shape[-1] // 2])
    """, "Net")
    assert trace.findings == []
    assert trace.rows[1].input_shape == (Ellipsis, 4)
    assert_rows_fit(trace, build(tmp_path, "Net"), torch.zeros(2, 3, 4))


def test_a_dim_from_the_end_still_finds_a_real_mismatch(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 8)
                self.out = nn.Linear(8, 2)

            def forward(self, x):
                x = self.fc(x)
                return self.out(x[..., :4])
    """, "Net")
    assert [f.code for f in trace.findings] == ["SHP003"]
    with pytest.raises(RuntimeError) as e:
        build(tmp_path, "Net")(torch.zeros(2, 3, 4))
    assert "in-features-mismatch" in kind_of(str(e.value))


# --------------------------------------------------------------------------- the layer tree

def test_add_module_with_an_unknown_name_keeps_the_place(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, prefix):
                super().__init__()
                self.body = nn.Sequential()
                self.body.add_module(prefix + "0", nn.Conv2d(3, 8, 3))
                self.body.add_module("act", nn.ReLU())
                self.body.add_module("1", nn.Conv2d(8, 16, 3))

            def forward(self, x):
                return self.body(x)
    """, "Net", ("N", 3, 16, 16))
    assert trace.findings == []
    assert trace.params is None  # the tree is not whole
    assert tuple(build(tmp_path, "Net", "c")(torch.zeros(2, 3, 16, 16)).shape) == (2, 16, 12, 12)


def test_setattr_with_an_unknown_name_keeps_the_place(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, name):
                super().__init__()
                setattr(self, name, nn.Linear(4, 8))
                self.out = nn.Linear(8, 2)

            def forward(self, x):
                for m in self.children():
                    x = m(x)
                return x
    """, "Net", ("N", 4))
    assert trace.findings == []
    build(tmp_path, "Net", "inp")(torch.zeros(2, 4))


@pytest.mark.parametrize("loop", ["for layer in self.layers:\n                    x = layer(x)", "for i in range(len(self.layers)):\n                    x = self.layers[i](x)"], ids=["iterate", "len"])
def test_a_container_of_layers_we_cannot_see_is_not_run_as_empty(tmp_path: Path, loop: str) -> None:
    trace = trace_of(tmp_path, f"""
        class Net(nn.Module):
            def __init__(self, blocks):
                super().__init__()
                self.layers = nn.ModuleList(blocks)
                self.head = nn.Linear(16, 2)

            def forward(self, x):
                {loop}
                return self.head(x)
    """, "Net", ("N", 8))
    assert trace.findings == []
    build(tmp_path, "Net", [torch.nn.Linear(8, 16)])(torch.zeros(2, 8))


def test_a_registry_lookup_by_name_is_followed(tmp_path: Path) -> None:
    """diffusers get_activation: ``if name in ACT2CLS: return ACT2CLS[name]()``."""
    trace = trace_of(tmp_path, """
        ACT2CLS = {"silu": nn.SiLU, "gelu": nn.GELU}


        def get_activation(name):
            if name in ACT2CLS:
                return ACT2CLS[name]()
            raise ValueError(name)


        class Net(nn.Module):
            def __init__(self, act="silu"):
                super().__init__()
                self.fc = nn.Linear(8, 4)
                self.act = get_activation(act)

            def forward(self, x):
                return self.act(self.fc(x))
    """, "Net", ("N", 8))
    assert [(r.name, r.type) for r in trace.rows] == [("fc", "Linear"), ("act", "SiLU")]
    assert_rows_fit(trace, build(tmp_path, "Net"), torch.zeros(2, 8))


# --------------------------------------------------------------------------- returns we could not follow

def test_a_return_inside_a_skipped_while_loop_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        def width():
            i = 0
            while i < 1:
                return 16
            return 8


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(width(), 4)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 16))
    assert trace.findings == []
    build(tmp_path, "Net")(torch.zeros(2, 16))


def test_a_return_inside_an_undecided_if_in_init_is_unknown(tmp_path: Path) -> None:
    """diffusers resnet.py:280 and unet_2d_blocks.py:797, reached through controlnet_xs."""
    trace = trace_of(tmp_path, """
        def groups_for(channels, mult):
            if mult > 1:
                return 4
            return 32


        class Net(nn.Module):
            def __init__(self, mult):
                super().__init__()
                self.norm = nn.GroupNorm(groups_for(16, mult), 16)

            def forward(self, x):
                return self.norm(x)
    """, "Net", ("N", 16, 8, 8))
    assert trace.findings == []
    build(tmp_path, "Net", 2)(torch.zeros(2, 16, 8, 8))


def test_a_return_inside_an_except_handler_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        def width():
            size = 8
            try:
                int("not a number")
            except ValueError:
                return 16
            return size


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(width(), 4)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 16))
    assert trace.findings == []
    build(tmp_path, "Net")(torch.zeros(2, 16))


# --------------------------------------------------------------------------- undecided conditions

EITHER = """
    class Net(nn.Module):
        def __init__(self, flag):
            super().__init__()
            self.flag = flag
            self.a = nn.Linear(8, 4)
            self.b = nn.Linear({b_in}, 4)

        def forward(self, x):
            {body}
"""

IF_ELSE = "if self.flag:\n                x = self.a(x)\n            else:\n                x = self.b(x)\n            return x"
EARLY = "if self.flag:\n                return self.a(x)\n            return self.b(x)"
IF_EXP = "return self.a(x) if self.flag else self.b(x)"


@pytest.mark.parametrize("body", [IF_ELSE, EARLY, IF_EXP], ids=["if-else", "early-return", "if-exp"])
def test_a_failure_on_one_undecided_path_only_is_not_reported(tmp_path: Path, body: str) -> None:
    trace = trace_of(tmp_path, EITHER.format(b_in=5, body=body), "Net", ("N", 8))
    assert trace.findings == []
    assert tuple(build(tmp_path, "Net", True)(torch.zeros(2, 8)).shape) == (2, 4)


@pytest.mark.parametrize("body", [IF_ELSE, EARLY, IF_EXP], ids=["if-else", "early-return", "if-exp"])
def test_a_failure_on_every_undecided_path_is_reported(tmp_path: Path, body: str) -> None:
    source = EITHER.format(b_in=5, body=body).replace("nn.Linear(8, 4)", "nn.Linear(6, 4)")
    trace = trace_of(tmp_path, source, "Net", ("N", 8))
    assert sorted(f.code for f in trace.findings) == ["SHP003", "SHP003"]
    for flag in (True, False):
        with pytest.raises(RuntimeError) as e:
            build(tmp_path, "Net", flag)(torch.zeros(2, 8))
        assert "in-features-mismatch" in kind_of(str(e.value))


def test_a_failure_in_a_training_branch_is_reported(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)
                self.aux = nn.Linear(5, 4)

            def forward(self, x):
                if self.training:
                    return self.aux(x)
                return self.fc(x)
    """, "Net", ("N", 8))
    assert [f.code for f in trace.findings] == ["SHP003"]
    model = build(tmp_path, "Net")
    model(torch.zeros(2, 8))  # eval runs
    model.train()
    with pytest.raises(RuntimeError):
        model(torch.zeros(2, 8))


def test_a_failure_after_an_undecided_if_on_every_path_is_reported(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, flag):
                super().__init__()
                self.flag = flag
                self.a = nn.Linear(8, 8)
                self.b = nn.Linear(5, 4)

            def forward(self, x):
                if self.flag:
                    x = self.a(x)
                return self.b(x)
    """, "Net", ("N", 8))
    assert [f.code for f in trace.findings] == ["SHP003"]
    for flag in (True, False):
        with pytest.raises(RuntimeError):
            build(tmp_path, "Net", flag)(torch.zeros(2, 8))


# --------------------------------------------------------------------------- leaf modules with their own forward

LEAVES = """
    class LayerScale(nn.Module):
        def __init__(self, dim, init_values=1e-5):
            super().__init__()
            self.gamma = nn.Parameter(init_values * torch.ones(dim))

        def forward(self, x):
            return x * self.gamma


    class LayerNorm2d(nn.LayerNorm):
        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)


    class Scaled(nn.Conv2d):
        def forward(self, x):
            return super().forward(x) * 2


    class Swish(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = Scaled(3, 16, 3, padding=1)
            self.norm = LayerNorm2d(16)
            self.act = Swish()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 16)
            self.ls = LayerScale(16)

        def forward(self, x):
            x = self.act(self.norm(self.conv(x)))
            x = self.pool(x).flatten(1)
            return self.ls(self.fc(x))
"""


def test_a_module_without_children_is_one_row_as_torch_hooks_count_it(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, LEAVES, "Net", ("N", 3, 8, 8))
    assert trace.findings == []
    model = build(tmp_path, "Net")
    calls = assert_rows_fit(trace, model, torch.zeros(2, 3, 8, 8))
    assert [(r.input_shape, r.output_shape) for r in trace.rows] == [(c[2][:1] and ("N",) + c[2][1:], ("N",) + c[3][1:]) for c in calls]
    params = {n: sum(p.numel() for p in m.parameters()) for n, m in model.named_modules()}
    assert [r.params for r in trace.rows] == [params[r.name] for r in trace.rows]
    assert trace.params == sum(p.numel() for p in model.parameters())
    by_name = {r.name: r for r in trace.rows}
    assert by_name["act"].macs == 0  # no parameters: elementwise work, not counted as for functions
    assert by_name["ls"].macs is None  # its arithmetic on its own parameters is not followed
    assert by_name["conv"].macs == 2 * 3 * 16 * 9 * 64 // 2  # the convolution it calls, per sample


# --------------------------------------------------------------------------- where forward lost the thread

def line_of(tmp_path: Path, text: str) -> int:
    lines = (tmp_path / "model.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_the_table_says_where_forward_stopped_following(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, act_layer):
                super().__init__()
                self.fc = nn.Linear(8, 4)
                self.act = act_layer()

            def forward(self, x):
                x = self.fc(x)
                return self.act(x)
    """, "Net", ("N", 8))
    line = line_of(tmp_path, "return self.act(x)")
    assert trace.not_followed == [("forward", line, "unknown callee self.act")]
    assert f"1 call not followed: forward line {line} (unknown callee self.act)" in shapes_report.table([trace])
    [model] = json.loads(shapes_report.as_json([trace]))
    assert model["not_followed"] == [{"function": "forward", "line": line, "reason": "unknown callee self.act"}]
    build(tmp_path, "Net", torch.nn.ReLU)(torch.zeros(2, 8))


def test_loops_and_torch_functions_not_modelled_are_listed(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.n = n

            def forward(self, x):
                y = torch.fft.fft(self.fc(x)).real
                for _ in range(self.n):
                    x = self.fc(x)
                while x.sum() > 0:
                    x = x - 1
                return x + y
    """, "Net", ("N", 8))
    lines = [line_of(tmp_path, text) for text in ("torch.fft.fft", "for _ in", "while x.sum()")]
    assert [(fn, line) for fn, line, _ in trace.not_followed] == [("forward", line) for line in lines]
    assert trace.not_followed[0][2] == "not modelled torch.fft.fft"
    assert "3 places not followed" in shapes_report.table([trace])
    build(tmp_path, "Net", 2)(torch.zeros(2, 8))


def test_a_model_followed_to_the_end_lists_nothing(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, BLOCK, "Block", ("N", 5, 16))
    assert trace.not_followed == []
    assert "not followed" not in shapes_report.table([trace])


# --------------------------------------------------------------------------- loops we could not follow

def test_a_break_under_an_undecided_condition_loses_the_loop(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, stop):
                super().__init__()
                self.stop = stop
                self.blocks = nn.ModuleList([nn.Linear(8, 16), nn.Linear(16, 8)])
                self.head = nn.Linear(8, 2)

            def forward(self, x):
                for i, blk in enumerate(self.blocks):
                    x = blk(x)
                    if i == self.stop:
                        break
                return self.head(x)
    """, "Net", ("N", 8))
    assert trace.findings == []
    assert [fn for fn, _, why in trace.not_followed if why == "loop exit not decided"] == ["forward"]
    build(tmp_path, "Net", 5)(torch.zeros(2, 8))


@pytest.mark.parametrize("loop", [
    "for w in (16, 32):\n                    if w > n:\n                        break\n                    layers.append(nn.Linear(dims[-1], w))\n                    dims.append(w)",
    "for w in range(n):\n                    layers.append(nn.Linear(dims[-1], 16))\n                    dims.append(16)",
    "i = 0\n                while i < n:\n                    layers.append(nn.Linear(dims[-1], 16))\n                    dims.append(16)\n                    i += 1",
], ids=["undecided-break", "unknown-range", "while"])
def test_a_list_built_in_a_loop_we_could_not_follow_is_unknown(tmp_path: Path, loop: str) -> None:
    trace = trace_of(tmp_path, f"""
        class Net(nn.Module):
            def __init__(self, n):
                super().__init__()
                layers = []
                dims = [8]
                {loop}
                self.body = nn.Sequential(*layers)
                self.head = nn.Linear(16, 2)

            def forward(self, x):
                return self.head(self.body(x))
    """, "Net", ("N", 8))
    assert trace.findings == []
    build(tmp_path, "Net", 16 if "break" in loop else 1)(torch.zeros(2, 8))


def test_a_global_bound_on_branches_of_a_top_level_try_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        try:
            import torch.nn.functional as F2
            WIDTH = 16
        except ImportError:
            WIDTH = 8


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(WIDTH, 4)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 16))
    assert trace.findings == []
    assert trace.params is None
    build(tmp_path, "Net")(torch.zeros(2, 16))


def test_a_generator_is_not_run_as_a_function(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 16)
                self.out = nn.Linear(16, 2)
                self.skip = nn.Linear(8, 2)

            def stages(self):
                yield self.fc

            def forward(self, x):
                if self.stages():  # a generator object is true
                    x = self.fc(x)
                return self.out(x)
    """, "Net", ("N", 8))
    assert trace.findings == []
    build(tmp_path, "Net")(torch.zeros(2, 8))


def test_a_dict_filled_in_a_loop_we_could_not_follow_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, names):
                super().__init__()
                widths = {"fc": 4}
                for name in names:
                    widths[name] = 8
                self.fc = nn.Linear(widths["fc"], 2)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 8))
    assert trace.findings == []
    build(tmp_path, "Net", ["fc"])(torch.zeros(2, 8))


def test_sum_with_an_unknown_start_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, extra):
                super().__init__()
                self.fc = nn.Linear(sum([4, 4], extra), 2)

            def forward(self, x):
                return self.fc(x)
    """, "Net", ("N", 12))
    assert trace.findings == []
    build(tmp_path, "Net", 4)(torch.zeros(2, 12))


def test_a_list_appended_to_on_one_undecided_branch_is_unknown(tmp_path: Path) -> None:
    trace = trace_of(tmp_path, """
        class Net(nn.Module):
            def __init__(self, use_mid):
                super().__init__()
                self.use_mid = use_mid
                self.a = nn.Conv2d(3, 8, 1)
                self.b = nn.Conv2d(8, 8, 1)
                self.fuse = nn.Conv2d(8, 4, 1)

            def forward(self, x):
                feats = []
                x = self.a(x)
                if self.use_mid:
                    feats.append(x)
                feats.append(self.b(x))
                return self.fuse(torch.cat(feats, dim=1))
    """, "Net", ("N", 3, 8, 8))
    assert trace.findings == []
    build(tmp_path, "Net", False)(torch.zeros(2, 3, 8, 8))
