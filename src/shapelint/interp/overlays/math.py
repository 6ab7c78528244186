"""math on known numbers: exact where Python is exact, UNKNOWN on anything unknown."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from ...layers import UNKNOWN
from ...layers.core import is_int
from ..builtins import _builtin, _fold, _numbers

if TYPE_CHECKING:
    from ..machine import Machine

MAX_COMB = 4096  # comb/perm/factorial arguments: the result's digits grow with them


def _numeric(fn: Callable[..., Any], ints: bool = False, arity: tuple = (1,)) -> Callable[..., Any]:
    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if len(args) not in arity or kwargs or not _numbers(args):
            return UNKNOWN
        if ints and not all(is_int(a) for a in args):
            return UNKNOWN
        try:
            return fn(*args)
        except (ValueError, OverflowError, TypeError, ZeroDivisionError):
            return UNKNOWN

    return call


def _small(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if any(abs(a) > MAX_COMB for a in args):
            raise OverflowError
        return fn(*args)

    return call


_ANY = tuple(range(0, 65))

MEMBERS: Dict[str, Any] = {
    "math.ceil": _numeric(math.ceil),
    "math.floor": _numeric(math.floor),
    "math.trunc": _numeric(math.trunc),
    "math.sqrt": _numeric(math.sqrt),
    "math.isqrt": _numeric(math.isqrt, ints=True),
    "math.exp": _numeric(math.exp),
    "math.log": _numeric(math.log, arity=(1, 2)),
    "math.log2": _numeric(math.log2),
    "math.log10": _numeric(math.log10),
    "math.pow": _numeric(math.pow, arity=(2,)),
    "math.fabs": _numeric(math.fabs),
    "math.isclose": _numeric(math.isclose, arity=(2,)),
    "math.gcd": _numeric(math.gcd, ints=True, arity=_ANY),
    "math.lcm": _numeric(math.lcm, ints=True, arity=_ANY),
    "math.comb": _numeric(_small(math.comb), ints=True, arity=(2,)),
    "math.perm": _numeric(_small(math.perm), ints=True, arity=(1, 2)),
    "math.factorial": _numeric(_small(math.factorial), ints=True),
    "math.prod": _fold(math.prod),
}

CONSTANTS: Dict[str, Any] = {
    "math.pi": math.pi,
    "math.e": math.e,
    "math.tau": math.tau,
    "math.inf": math.inf,
    "math.nan": math.nan,
}
