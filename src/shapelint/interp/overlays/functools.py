"""functools: ``partial`` as a value, ``reduce`` over known items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from ...layers import UNKNOWN
from ..builtins import _builtin
from ..common import call_value
from ..values import Partial
from .support import known_items

if TYPE_CHECKING:
    from ..machine import Machine


@_builtin
def _partial(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args:
        return UNKNOWN
    return Partial(args[0], tuple(args[1:]), tuple(kwargs.items()))


_NO_INITIAL = object()


@_builtin
def _reduce(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) not in (2, 3) or kwargs:
        return UNKNOWN
    items = known_items(m, args[1])
    if items is None:
        return UNKNOWN
    acc: Any = args[2] if len(args) == 3 else _NO_INITIAL
    for item in items:
        m.tick()
        if acc is _NO_INITIAL:
            acc = item
            continue
        acc = call_value(m, args[0], [acc, item])
        if acc is UNKNOWN:
            return UNKNOWN
    return UNKNOWN if acc is _NO_INITIAL else acc


MEMBERS: Dict[str, Any] = {
    "functools.partial": _partial,
    "functools.reduce": _reduce,
}
