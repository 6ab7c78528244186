"""What ``forward`` itself states about its input: a jaxtyping / torchtyping annotation on
its first tensor parameter, or ``assert x.shape == ...`` before the first use of it.

Only what is written becomes a dimension: an integer is exact, a name is a symbolic
dimension, anything else is unknown; a rank that is not fixed (``*batch``, ``...``)
states nothing usable.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from ..layers import Dim, Shape
from .index import ProjectIndex
from .walk import walk

_JAX_DIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def forward_statements(index: ProjectIndex, cls: Any) -> List[Any]:
    """StatedInputs from ``cls``'s own ``forward`` (inherited ones are the base's business)."""
    from .stated import StatedInput

    fwd = _forward(cls.node)
    if fwd is None:
        return []
    params = list(fwd.params.posonly_params) + list(fwd.params.params)
    if len(params) < 2 or params[0].name.value != "self":
        return []
    first = params[1]
    out = []
    if first.annotation is not None:
        shape, kind = _annotation(first.annotation.annotation, cls.info)
        if shape is not None:
            out.append(StatedInput(shape, f"forward's {kind} annotation"))
    asserted = _asserts(fwd, first.name.value, cls.info)
    if asserted is not None:
        out.append(StatedInput(asserted[0], f"the assert at line {asserted[1]}"))
    for where, node in (("forward's docstring", fwd), ("the class docstring", cls.node)):
        shape = _docstring_dims(node)
        if shape is not None:
            out.append(StatedInput(shape, where))
            break
    return out


# ``Input: (N, 1, 28, 28)`` on a line of its own in a docstring; nothing looser is read
_DOC_INPUT = re.compile(r"^\s*(?:input|input shape|input size)\s*:\s*[\(\[]([^\)\]\n]*)[\)\]]\s*\.?\s*$", re.IGNORECASE | re.MULTILINE)


def _docstring_dims(node: Any) -> Optional[Shape]:
    doc = node.get_docstring(clean=True)
    if not doc:
        return None
    found = _DOC_INPUT.findall(doc)
    if len(found) != 1:
        return None  # none, or several lines that may describe different things
    dims: List[Dim] = []
    for word in (w.strip() for w in found[0].split(",")):
        if word.isdigit() and int(word) > 0:
            dims.append(int(word))
        elif _JAX_DIM.match(word):
            dims.append(word)
        else:
            return None  # ``H*W``, ``...``: not a plain shape
    return _usable(tuple(dims))


def _forward(node: cst.ClassDef) -> Optional[cst.FunctionDef]:
    found = None
    if isinstance(node.body, cst.IndentedBlock):
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "forward":
                found = stmt
    return found


def _qualname(node: cst.BaseExpression, info: Any) -> str:
    if isinstance(node, cst.Name):
        return str(info.imports.get(node.value, ""))
    if isinstance(node, cst.Attribute):
        base = _qualname(node.value, info)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def _int(node: cst.BaseExpression) -> Optional[int]:
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    return None


# ---------------------------------------------------------------------- annotations
def _annotation(node: cst.BaseExpression, info: Any) -> Tuple[Optional[Shape], str]:
    if isinstance(node, cst.SimpleString):  # a string annotation: its expression
        try:
            node = cst.parse_expression(str(node.evaluated_value))
        except (cst.ParserSyntaxError, TypeError):
            return None, ""
    if not isinstance(node, cst.Subscript):
        return None, ""
    qual = _qualname(node.value, info)
    items = [e.slice for e in node.slice]
    if qual.startswith("jaxtyping.") and len(items) == 2:
        text = items[1].value if isinstance(items[1], cst.Index) else None
        if isinstance(text, cst.SimpleString) and isinstance(text.evaluated_value, str):
            return _jaxtyping_dims(text.evaluated_value), "jaxtyping"
        return None, ""
    if qual == "torchtyping.TensorType":
        return _torchtyping_dims(items), "torchtyping"
    return None, ""


def _jaxtyping_dims(text: str) -> Optional[Shape]:
    """``"batch 3 224 224"``; ``*b`` / ``...`` (any number of dims) give no rank: None."""
    dims: List[Dim] = []
    for word in text.split():
        if word.startswith(("*", "#*")) or word == "...":
            return None
        if word.isdigit():
            dims.append(int(word))
        elif word == "_" or word.startswith("#"):  # anonymous, or broadcastable: any size
            dims.append(None)
        elif _JAX_DIM.match(word):
            dims.append(word)
        else:  # an expression such as ``h+1``: one dim, its size not read
            dims.append(None)
    return _usable(tuple(dims))


def _torchtyping_dims(items: List[Any]) -> Optional[Shape]:
    """``TensorType["batch", 3, 32, 32]``; a ``"name": size`` pair is that size; dtypes and
    other details after the dims are ignored; ``...`` gives no rank."""
    dims: List[Dim] = []
    for item in items:
        if isinstance(item, cst.Slice):  # "name": size
            size = _int(item.upper) if item.upper is not None else None
            dims.append(size if size is not None else (_name(item.lower) if item.lower is not None else None))
            continue
        value = item.value
        if isinstance(value, cst.Ellipsis):
            return None
        if isinstance(value, cst.Integer):
            n = int(value.evaluated_value)
            dims.append(n if n > 0 else None)
        elif isinstance(value, cst.SimpleString):
            dims.append(_name(value))
        elif isinstance(value, cst.UnaryOperation):  # -1: any size
            dims.append(None)
        else:
            break  # a dtype or detail (float, is_float): the dims are over
    return _usable(tuple(dims))


def _name(node: Optional[cst.BaseExpression]) -> Dim:
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str) and _JAX_DIM.match(node.evaluated_value):
        return node.evaluated_value
    return None


def _usable(shape: Shape) -> Optional[Shape]:
    """A shape worth checking: a known rank with at least one exact size."""
    if shape and any(isinstance(d, int) for d in shape):
        return shape
    return None


# ---------------------------------------------------------------------- asserts
def _asserts(fn: cst.FunctionDef, x: str, info: Any) -> Optional[Tuple[Shape, int]]:
    """The asserts on ``x`` before anything else uses it, combined into one shape."""
    rank: Optional[int] = None
    exact: Dict[int, int] = {}  # index (negative: from the end) -> size
    line = 0
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    if not any(isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(small, cst.Assert) for small in stmt.body) for stmt in body):
        return None  # most forwards assert nothing: no walk over their statements
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            if _uses(stmt, x):
                break
            continue
        small = stmt.body[0] if len(stmt.body) == 1 else None
        if isinstance(small, cst.Assert) and _uses(small.test, x):
            facts = _facts(small.test, x)
            if facts is None:
                break  # an assert we do not read: stop before guessing around it
            for key, value in facts:
                if key == "rank":
                    if rank is not None and rank != value:
                        return None  # contradictory: the assert always fails
                    rank = value
                elif exact.get(key, value) != value:
                    return None
                else:
                    exact[key] = value
            line = line or info.line(stmt)
            continue
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
            continue  # the docstring
        if _uses(stmt, x):
            break
    if rank is None or not exact:
        return None
    dims: List[Dim] = [None] * rank
    for i, size in exact.items():
        j = i + rank if i < 0 else i
        if not 0 <= j < rank:
            return None
        dims[j] = size
    if rank >= 2 and dims[0] is None:
        dims[0] = "N"  # the batch: any size, the same everywhere
    return tuple(dims), line


def _uses(node: cst.CSTNode, x: str) -> bool:
    found = False

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            nonlocal found
            found = found or n.value == x

    walk(node, V())
    return found


Fact = Tuple[Any, int]  # ("rank", n) or (index, size)


def _facts(test: cst.BaseExpression, x: str) -> Optional[List[Fact]]:
    """What one assert's test says about ``x``'s shape; None for anything else in it."""
    if isinstance(test, cst.BooleanOperation):
        if not isinstance(test.operator, cst.And):
            return None
        left, right = _facts(test.left, x), _facts(test.right, x)
        return None if left is None or right is None else left + right
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)):
        return None
    a, b = test.left, test.comparisons[0].comparator
    for side, other in ((a, b), (b, a)):
        facts = _compare(side, other, x)
        if facts is not None:
            return facts
    return None


def _compare(side: cst.BaseExpression, other: cst.BaseExpression, x: str) -> Optional[List[Fact]]:
    n = _int(other)
    if n is not None:
        if _is_rank(side, x):
            return [("rank", n)]
        index = _one_dim(side, x)
        return [(index, n)] if index is not None else None
    sizes = _sizes(other)
    if sizes is None:
        return None
    start = _shape_slice(side, x)
    if start is None:
        return None
    if start >= 0:
        return [("rank", start + len(sizes))] + [(start + i, s) for i, s in enumerate(sizes)]
    if -start != len(sizes):
        return None  # x.shape[-2:] == (a, b, c) is always false
    return [(start + i, s) for i, s in enumerate(sizes)]


def _sizes(node: cst.BaseExpression) -> Optional[List[int]]:
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute)) and node.args and (_dotted_tail(node.func) == "Size"):
        node = node.args[0].value  # torch.Size([...])
    if not isinstance(node, (cst.Tuple, cst.List)):
        return None
    out = []
    for e in node.elements:
        n = _int(e.value) if isinstance(e, cst.Element) else None
        if n is None or n < 1:
            return None
        out.append(n)
    return out


def _dotted_tail(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else node.attr.value if isinstance(node, cst.Attribute) else ""


def _strip(node: cst.BaseExpression) -> cst.BaseExpression:
    """``tuple(e)`` / ``list(e)`` -> ``e``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("tuple", "list") and len(node.args) == 1:
        return node.args[0].value
    return node


def _shape_of_x(node: cst.BaseExpression, x: str) -> bool:
    """``x.shape`` or ``x.size()``."""
    if isinstance(node, cst.Attribute) and node.attr.value == "shape":
        return isinstance(node.value, cst.Name) and node.value.value == x
    if isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size":
        return isinstance(node.func.value, cst.Name) and node.func.value.value == x
    return False


def _is_rank(node: cst.BaseExpression, x: str) -> bool:
    """``x.dim()``, ``x.ndim``, ``x.ndimension()``, ``len(x.shape)``."""
    if isinstance(node, cst.Attribute) and node.attr.value == "ndim":
        return isinstance(node.value, cst.Name) and node.value.value == x
    if isinstance(node, cst.Call) and not node.args and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("dim", "ndimension"):
        return isinstance(node.func.value, cst.Name) and node.func.value.value == x
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len" and len(node.args) == 1:
        return _shape_of_x(node.args[0].value, x)
    return False


def _one_dim(node: cst.BaseExpression, x: str) -> Optional[int]:
    """``x.shape[i]`` or ``x.size(i)``: i."""
    if isinstance(node, cst.Subscript) and _shape_of_x(node.value, x) and len(node.slice) == 1:
        item = node.slice[0].slice
        return _signed(item.value) if isinstance(item, cst.Index) else None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" and len(node.args) == 1 and _is_name(node.func.value, x):
        return _signed(node.args[0].value)
    return None


def _is_name(node: cst.BaseExpression, x: str) -> bool:
    return isinstance(node, cst.Name) and node.value == x


def _signed(node: cst.BaseExpression) -> Optional[int]:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        n = _int(node.expression)
        return -n if n is not None else None
    return _int(node)


def _shape_slice(node: cst.BaseExpression, x: str) -> Optional[int]:
    """``x.shape`` (0), ``x.shape[1:]`` (1), ``x.shape[-2:]`` (-2), through tuple()/list()."""
    node = _strip(node)
    if _shape_of_x(node, x):
        return 0
    if isinstance(node, cst.Subscript) and _shape_of_x(node.value, x) and len(node.slice) == 1:
        item = node.slice[0].slice
        if isinstance(item, cst.Slice) and item.upper is None and item.step is None and item.lower is not None:
            return _signed(item.lower)
    return None
