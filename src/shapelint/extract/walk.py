"""A read-only walk of a libcst tree, in the order ``node.visit`` takes, without rebuilding it.

libcst's ``visit`` rebuilds every node it passes (each node's constructor and validation
run again, then the copy is thrown away): on torchvision + timm that was a third of the
interpreter's time.  The syntax scans the interpreter caches per node only read the tree,
so they walk it here: the same nodes, the same order, the same ``visit_*`` pruning.
Tokens and whitespace (commas, brackets, operators, comments) are not walked: no scan
looks at them, and they are most of a tree's nodes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import libcst as cst

# Leaves of the syntax that hold nothing but more of their own kind.
_TRIVIA: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.Asynchronous, cst.ImportStar,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp,
)

_NODE, _TOKEN, _OTHER = 0, 1, 2
_KIND: dict[type, int] = {}  # a value's type -> what it is to the walk
_FIELDS: dict[type, tuple[str, ...]] = {}
_ORDER: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}  # fields holding nodes -> in visiting order


def _kind(t: type) -> int:
    kind = _KIND.get(t)
    if kind is None:
        kind = _KIND[t] = (_TOKEN if issubclass(t, _TRIVIA) else _NODE) if issubclass(t, cst.CSTNode) else _OTHER
    return kind


def _order(node: cst.CSTNode, present: tuple[str, ...]) -> tuple[str, ...]:
    """The fields in the order libcst visits them, learnt once per shape from ``children``."""
    first = {id(child): i for i, child in reversed(list(enumerate(node.children)))}

    def position(name: str) -> int:
        value = getattr(node, name)
        items = value if isinstance(value, (list, tuple)) else (value,)
        return min((first.get(id(v), len(first)) for v in items), default=len(first))

    return tuple(sorted(present, key=position))


# Fields that hold only tokens and whitespace, by name: not read at all.
_SKIPPED = {"lpar", "rpar", "leading_lines", "lines_after_decorators", "comma", "semicolon"}


def _fields(t: type) -> tuple[str, ...]:
    names = tuple(f.name for f in dataclasses.fields(t) if f.name not in _SKIPPED and not f.name.startswith("whitespace"))
    _FIELDS[t] = names
    return names


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children that are statements, expressions and their parts, in source order."""
    t = type(node)
    names = _FIELDS.get(t) or _fields(t)
    kinds = _KIND
    values: dict[str, list[cst.CSTNode]] = {}
    for name in names:
        value = getattr(node, name)
        vt = type(value)
        if vt is tuple or vt is list:
            items = [v for v in value if (kinds.get(type(v)) if type(v) in kinds else _kind(type(v))) == _NODE]
            if items:
                values[name] = items
        elif (kinds.get(vt) if vt in kinds else _kind(vt)) == _NODE:
            values[name] = [value]
    if len(values) > 1:
        present = tuple(values)
        order = _ORDER.get((t, present))
        if order is None:
            order = _ORDER[(t, present)] = _order(node, present)
        return [c for name in order for c in values[name]]
    return [c for items in values.values() for c in items]


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only reads and only looks at statements
    and expressions (``visit_*`` returning False skips the children; no ``leave_*``)."""
    stack = [node]
    if type(visitor).on_visit is not cst.CSTVisitor.on_visit:  # its own dispatch
        on_visit = visitor.on_visit
        while stack:
            current = stack.pop()
            if on_visit(current):
                stack.extend(reversed(children(current)))
        return
    methods: dict[type, Any] = {}  # as CSTVisitor.on_visit finds them, once per node type
    while stack:
        current = stack.pop()
        t = type(current)
        if t in methods:
            method = methods[t]
        else:
            method = methods[t] = getattr(visitor, f"visit_{t.__name__}", None)
        if method is None or method(current) is not False:
            stack.extend(reversed(children(current)))


def innermost_first(node: cst.CSTNode, kind: type, prune: type) -> list[Any]:
    """The nodes of type ``kind`` under ``node`` (itself included) in the order a
    visitor's ``leave_*`` sees them (a node after everything inside it), not entering
    nodes of type ``prune``."""
    out: list[Any] = []
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, left = stack.pop()
        if left:
            out.append(current)
            continue
        t = type(current)
        if t is prune:
            continue
        if t is kind:
            stack.append((current, True))
        stack.extend((c, False) for c in reversed(children(current)))
    return out


__all__ = ["children", "innermost_first", "walk"]
