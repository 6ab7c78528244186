"""operator: the arithmetic functions, as the interpreter's own operators (same bounds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List

import libcst as cst

from ...layers import UNKNOWN
from ..builtins import _builtin

if TYPE_CHECKING:
    from ..machine import Machine


def _binary(op: Callable[[], cst.BaseBinaryOp]) -> Callable[..., Any]:
    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if len(args) != 2 or kwargs:
            return UNKNOWN
        return m.binop(op(), args[0], args[1], m.current_site)

    return call


MEMBERS: Dict[str, Any] = {
    f"operator.{name}": _binary(op)
    for name, op in {
        "add": cst.Add, "sub": cst.Subtract, "mul": cst.Multiply, "truediv": cst.Divide,
        "floordiv": cst.FloorDivide, "mod": cst.Modulo, "pow": cst.Power, "and_": cst.BitAnd,
        "or_": cst.BitOr, "xor": cst.BitXor, "lshift": cst.LeftShift, "rshift": cst.RightShift,
    }.items()
}
