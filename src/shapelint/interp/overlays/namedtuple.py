"""``collections.namedtuple`` and functional ``typing.NamedTuple``: classes of tuples whose
items have names.  Instances are Records (real tuples), so unpacking and indexing work
as for any tuple; ``typing.NamedTuple`` subclasses are read in ``objects.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ...layers import UNKNOWN
from ..builtins import _builtin
from ..values import Record, TupleType

if TYPE_CHECKING:
    from ..machine import Machine


def make_record(kind: Any, fields: Tuple[str, ...], defaults: Dict[str, Any], args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``P(1, b=2)``; UNKNOWN where Python raises a TypeError."""
    if len(args) > len(fields):
        return UNKNOWN
    values: Dict[str, Any] = dict(zip(fields, args))
    for k, v in kwargs.items():
        if k not in fields or k in values:
            return UNKNOWN
        values[k] = v
    for f in fields:
        if f not in values:
            if f not in defaults:
                return UNKNOWN
            values[f] = defaults[f]
    return Record(tuple(values[f] for f in fields), kind, fields)


def record_method(rec: Record, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if name == "_replace" and not args and all(k in rec.fields for k in kwargs):
        return Record(tuple(kwargs.get(f, rec.field(f)) for f in rec.fields), rec.kind, rec.fields)
    if name == "_asdict" and not args and not kwargs:
        return dict(zip(rec.fields, rec))
    return UNKNOWN


def _names(spec: Any) -> Any:
    if isinstance(spec, str):
        return tuple(spec.replace(",", " ").split())
    if isinstance(spec, (list, tuple)) and all(isinstance(s, str) for s in spec):
        return tuple(spec)
    return None


@_builtin
def _namedtuple(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    name = args[0] if args else kwargs.get("typename")
    fields = _names(args[1] if len(args) > 1 else kwargs.get("field_names"))
    defaults = kwargs.get("defaults") or ()
    if not isinstance(name, str) or fields is None or kwargs.get("rename") or not isinstance(defaults, (list, tuple)):
        return UNKNOWN
    if len(defaults) > len(fields) or any(not f.isidentifier() or f.startswith("_") for f in fields):
        return UNKNOWN
    return TupleType(name, fields, dict(zip(fields[len(fields) - len(defaults):], defaults)))


@_builtin
def _typed_namedtuple(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``NamedTuple("P", [("a", int), ("b", float)])``."""
    if len(args) != 2 or kwargs or not isinstance(args[0], str) or not isinstance(args[1], (list, tuple)):
        return UNKNOWN
    pairs = args[1]
    if not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in pairs):
        return UNKNOWN
    return TupleType(args[0], tuple(p[0] for p in pairs))


MEMBERS: Dict[str, Any] = {
    "collections.namedtuple": _namedtuple,
    "typing.NamedTuple": _typed_namedtuple,
}
