"""Definitions put off by ``extract/lazy.py``: the stand-ins keep every line and column,
a definition parsed later renders as in the file, and only what is looked up is parsed."""

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from shapelint.engine import check_source
from shapelint.extract.index import ModuleInfo, ProjectIndex
from shapelint.extract.lazy import lazy_tree, mask

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "fixtures").rglob("*.py")) + sorted((ROOT / "src" / "shapelint" / "interp").glob("*.py"))

ODD = [
    "import torch\r\n\r\ndef f(x):\r\n    return x\r\n\r\nTABLE = {\r\n    'a': 1,\r\n    'b': 2,\r\n}\r\n",  # CRLF
    "def f():\n  return 1\n\n\ndef g():\n    return 2\n",  # two indentations: the first wins as libcst's default
    "x = {\n 1: 2,\n 3: 4}; y = 1\n\n@dec(1)\n# a comment\n@other\ndef h(a,\n      b):\n    pass\n    # a trailing comment, indented\n# and one that is not\nclass C:\n    z = 1\n",
    "def last():\n    return {\n        1: 2,\n    }",  # no newline at the end
    "'''doc'''\nif True:\n    def inner():\n        pass\nT: dict = dict(\n    a=1,\n)\n",
    "class A: pass\nV = [\n    1,\n    2,\n] # trailing\n\x0c\ndef after():\n    return V\n",
]


def _every_region_parsed(source: str, classes: bool) -> ModuleInfo:
    module, regions = lazy_tree(source, classes=classes)
    info = ModuleInfo(None, source, module, "", regions)
    for region in regions:
        assert info.parse(region) is not None, region
    return info


def _positions(module: cst.Module) -> list:
    """(line, column) of every top-level statement and every name, in order."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    pos = wrapper.resolve(PositionProvider)
    nodes = [n for n in pos if isinstance(n, (cst.Name, cst.SimpleStatementLine, cst.BaseCompoundStatement))]
    return sorted((pos[n].start.line, pos[n].start.column, pos[n].end.line, pos[n].end.column, type(n).__name__, getattr(n, "value", "")) for n in nodes)


@pytest.mark.parametrize("source", [p.read_text(encoding="utf-8") for p in FILES] + ODD, ids=[p.name for p in FILES] + [f"odd{i}" for i in range(len(ODD))])
@pytest.mark.parametrize("classes", [False, True])
def test_parsed_later_renders_the_file_and_its_positions(source: str, classes: bool) -> None:
    masked, regions = mask(source, ast.parse(source), classes)
    assert masked.count("\n") == source.count("\n") and len(masked.splitlines()) == len(source.splitlines())
    info = _every_region_parsed(source, classes)
    assert info.module.code == source
    assert _positions(info.module) == _positions(cst.parse_module(source))


def test_a_stand_in_keeps_the_lines_of_what_is_parsed() -> None:
    source = ODD[2]
    module, regions = lazy_tree(source, classes=False)
    assert [r.kind for r in regions] == ["def"]  # ``x = {...}; y = 1`` shares a line; the class is kept
    info = ModuleInfo(None, source, module, "", regions)
    cls = next(s for s in module.body if isinstance(s, cst.ClassDef))
    assert info.line(cls) == source.splitlines().index("class C:") + 1


def test_only_what_a_model_uses_is_parsed(tmp_path: Path) -> None:
    (tmp_path / "blocks.py").write_text(textwrap.dedent('''
        import torch.nn as nn

        def unused_helper(n):
            return [n] * 3

        TABLE = dict(
            a=1,
            b=2,
        )

        def width(c):
            return c * 2

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, width(c), 3)

            def forward(self, x):
                return self.conv(x)

        class Unused(nn.Module):
            pass
    '''))
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent('''
        import torch.nn as nn
        from blocks import Block

        class Net(nn.Module):  # shapelint: input=[1, 3, 16, 16]
            def __init__(self):
                super().__init__()
                self.block = Block(3)
                self.fc = nn.Linear(5, 10)

            def forward(self, x):
                return self.fc(self.block(x).flatten(1))
    '''))
    index = ProjectIndex()
    result = check_source(str(model), model.read_text(), index=index)
    assert [f.code for f in result.findings] == ["SHP003"]  # 6*14*14 features reach fc
    assert "1176" in result.findings[0].message
    blocks = index.load(tmp_path / "blocks.py")
    assert blocks is not None
    parsed = {r.names[0]: r.node is not None for r in blocks.regions}
    assert parsed == {"unused_helper": False, "TABLE": False, "width": True, "Block": True, "Unused": False}


def test_the_reader_parses_functions_that_call_a_checked_class(tmp_path: Path) -> None:
    """A function naming the class only in an annotation stays unparsed; one calling the
    model on a tensor is read, and its input is the one checked."""
    model = tmp_path / "net.py"
    model.write_text(textwrap.dedent('''
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 5)

            def forward(self, x):
                return self.conv(x)

        def entry_point(pretrained: bool = False) -> Net:
            return build("net", pretrained)

        def demo():
            net = Net()
            return net(torch.randn(1, 3, 4, 4))
    '''))
    index = ProjectIndex()
    result = check_source(str(model), model.read_text(), index=index)
    assert [f.code for f in result.findings] == ["SHP001"]  # a 5x5 kernel on 4x4
    assert "the call at line 18" in result.findings[0].message
    info = index.load(model)
    assert info is not None
    assert {r.names[0]: r.node is not None for r in info.regions} == {"entry_point": False, "demo": True}
