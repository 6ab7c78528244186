"""copy: ``copy``/``deepcopy`` of the values model code copies (architecture dicts and
lists, modules); a copy of anything else is unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from ...layers import UNKNOWN
from ..builtins import _builtin
from ..classes import clone
from ..values import ClassRef, FuncRef, LambdaRef, ModuleObj, Partial, TorchRef

if TYPE_CHECKING:
    from ..machine import Machine

_SHARED = (bool, int, float, str, TorchRef, ClassRef, FuncRef, LambdaRef, Partial)  # immutable: a copy is the same value
_MAX_DEPTH = 32


def _copy(v: Any, deep: bool, depth: int) -> Any:
    if v is None or v is UNKNOWN or isinstance(v, _SHARED):
        return v
    if depth > _MAX_DEPTH:
        return UNKNOWN
    inner = (lambda e: _copy(e, True, depth + 1)) if deep else (lambda e: e)
    if type(v) is list:
        return [inner(e) for e in v]
    if type(v) is dict:
        return {k: inner(e) for k, e in v.items()}
    if type(v) is tuple:
        return tuple(inner(e) for e in v)
    if isinstance(v, ModuleObj) and deep:
        return clone(v)
    return UNKNOWN  # an object whose copy we do not model


@_builtin
def _deepcopy(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _copy(args[0], True, 0) if len(args) == 1 and not kwargs else UNKNOWN


@_builtin
def _shallow(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _copy(args[0], False, 0) if len(args) == 1 and not kwargs else UNKNOWN


MEMBERS: Dict[str, Any] = {"copy.deepcopy": _deepcopy, "copy.copy": _shallow}
