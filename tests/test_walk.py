"""The read-only walk visits what libcst's own ``visit`` visits, in the same order."""

from pathlib import Path

import libcst as cst
import pytest

from shapelint.extract.walk import _TRIVIA, walk

FILES = sorted((Path(__file__).resolve().parent.parent / "fixtures").rglob("*.py")) + [Path(__file__).resolve().parent.parent / "src" / "shapelint" / "interp" / "statements.py"]


class Record(cst.CSTVisitor):
    def __init__(self, skip: type = type(None)) -> None:
        self.seen: list = []
        self.skip = skip

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.seen.append(node)
        return not isinstance(node, self.skip)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_walk_visits_what_libcst_visits(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    for skip in (type(None), cst.FunctionDef, cst.Call):  # pruning below a node works the same way
        ours, theirs = Record(skip), Record(skip)
        walk(module, ours)
        module.visit(theirs)
        expected = [id(n) for n in theirs.seen if not isinstance(n, _TRIVIA)]
        assert [id(n) for n in ours.seen] == expected
        assert len(expected) > 10
