"""collections: ``OrderedDict`` is a dict (insertion order is every dict's order)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

from ..builtins import _builtin, _convert

if TYPE_CHECKING:
    from ..machine import Machine


@_builtin
def _ordered_dict(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _convert(dict)(m, args, kwargs) if args else dict(kwargs)


MEMBERS: Dict[str, Any] = {
    "collections.OrderedDict": _ordered_dict,
    "typing.OrderedDict": _ordered_dict,
}
