"""The read-only walk visits what libcst's own ``visit`` visits, in the same order."""

from pathlib import Path

import libcst as cst
import pytest

from shapelint.extract.walk import _TRIVIA, innermost_first, walk

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


class Named(cst.CSTVisitor):
    """A visitor as the interpreter's scans write them: ``visit_*`` methods, some pruning."""

    def __init__(self) -> None:
        self.seen: list = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.seen.append(node)
        return node.name.value.startswith("_")  # the bodies of some functions only

    def visit_Call(self, node: cst.Call) -> None:
        self.seen.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        self.seen.append(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.seen.append(node)
        return False


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_walk_calls_visit_methods_as_libcst_does(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    ours, theirs = Named(), Named()
    walk(module, ours)
    module.visit(theirs)
    assert [id(n) for n in ours.seen] == [id(n) for n in theirs.seen]
    assert len(theirs.seen) > 3


class Leave(cst.CSTVisitor):
    """Collects calls on leaving them, lambdas pruned: innermost first."""

    def __init__(self) -> None:
        self.calls: list = []

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def leave_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_innermost_first_is_the_order_of_leave(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    theirs = Leave()
    module.visit(theirs)
    ours = innermost_first(module, cst.Call, cst.Lambda)
    assert [id(n) for n in ours] == [id(n) for n in theirs.calls]
    assert len(ours) > 3


def test_innermost_first_puts_an_argument_before_its_call() -> None:
    expr = cst.parse_expression("f(g(h(1)), k(2), lambda: m(3))")
    names = [c.func.value for c in innermost_first(expr, cst.Call, cst.Lambda)]
    assert names == ["h", "g", "k", "f"]
