"""``typing``: what matters at run time is that it does nothing.  ``cast(T, v)`` is ``v``,
``TYPE_CHECKING`` is False, decorators such as ``final`` hand back what they decorate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from ...layers import UNKNOWN
from ..builtins import _builtin

if TYPE_CHECKING:
    from ..machine import Machine


@_builtin
def _cast(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return args[1] if len(args) == 2 and not kwargs else UNKNOWN


@_builtin
def _identity(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return args[0] if len(args) == 1 and not kwargs else UNKNOWN


@_builtin
def _assert_type(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return args[0] if len(args) == 2 and not kwargs else UNKNOWN


MEMBERS: Dict[str, Any] = {
    "typing.cast": _cast,
    "typing.assert_type": _assert_type,
    "typing.final": _identity,
    "typing.no_type_check": _identity,
    "typing.runtime_checkable": _identity,
    "typing.overload": _identity,
    "typing.reveal_type": _identity,
    "typing_extensions.cast": _cast,
    "typing_extensions.final": _identity,
    "typing_extensions.overload": _identity,
}

# names whose value is not a callable: read, not called
CONSTANTS: Dict[str, Any] = {"typing.TYPE_CHECKING": False, "typing_extensions.TYPE_CHECKING": False}
