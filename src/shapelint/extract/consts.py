"""A small evaluator for the constant expressions that configure layers.

It never executes user code: it folds literals, tuples/lists, unary minus and integer
arithmetic, and names bound in an environment.  Anything else is UNKNOWN.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Dict, Mapping

import libcst as cst

from ..layers import UNKNOWN

_BINOPS: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.FloorDivide: operator.floordiv,
    cst.Divide: operator.truediv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
}

_NAMES = {"True": True, "False": False, "None": None}


def evaluate(node: cst.BaseExpression, env: Mapping[str, Any] = {}) -> Any:
    """The value of a constant expression, or UNKNOWN."""
    try:
        return _eval(node, env)
    except (ArithmeticError, TypeError, ValueError, OverflowError):
        return UNKNOWN


def _eval(node: cst.BaseExpression, env: Mapping[str, Any]) -> Any:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Float):
        return float(node.value.replace("_", ""))
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    if isinstance(node, cst.Name):
        if node.value in _NAMES:
            return _NAMES[node.value]
        return env.get(node.value, UNKNOWN)
    if isinstance(node, (cst.Tuple, cst.List)):
        items = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                return UNKNOWN
            items.append(_eval(el.value, env))
        return tuple(items) if isinstance(node, cst.Tuple) else list(items)
    if isinstance(node, cst.UnaryOperation):
        v = _eval(node.expression, env)
        if v is UNKNOWN or not isinstance(v, (int, float)):
            return UNKNOWN
        if isinstance(node.operator, cst.Minus):
            return -v
        if isinstance(node.operator, cst.Plus):
            return +v
        return UNKNOWN
    if isinstance(node, cst.BinaryOperation):
        return binop(node.operator, _eval(node.left, env), _eval(node.right, env))
    return UNKNOWN


def binop(operator_node: cst.BaseBinaryOp, a: Any, b: Any) -> Any:
    """``a <op> b`` for numbers; UNKNOWN for anything else (or a huge power)."""
    op = _BINOPS.get(type(operator_node))
    if op is None or not _number(a) or not _number(b):
        return UNKNOWN
    if isinstance(operator_node, cst.Power) and abs(b) > 64:
        return UNKNOWN
    try:
        return op(a, b)
    except (ArithmeticError, ValueError, OverflowError):
        return UNKNOWN


def _number(v: Any) -> bool:
    return isinstance(v, (int, float))
