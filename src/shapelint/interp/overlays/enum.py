"""``enum``: the members of a user Enum class, ``auto()``, and the mixin types.

Models pick layers by enum (``if mode is Mode.UP``), so members must be values that
compare as Python's do: one object per member, aliases being the first member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

import libcst as cst

from ...layers import UNKNOWN
from ..builtins import _builtin
from ..common import Frame
from ..values import ClassRef, EnumMember, TorchRef

if TYPE_CHECKING:
    from ..machine import Machine

# enum base -> the Python type its members also are
ENUM_BASES: Dict[str, Any] = {
    "enum.Enum": None, "enum.IntEnum": "int", "enum.StrEnum": "str", "enum.Flag": None, "enum.IntFlag": "int",
}


class _Auto:
    """The value of ``auto()``, replaced by the member's value when the class is read."""


AUTO = _Auto()


def mixin(m: Machine, cls: ClassRef) -> Any:
    """"int" or "str" when members are also ints or strs (``class C(str, Enum)``)."""
    tokens = m.lineage(cls).tokens
    for t in tokens:
        if ENUM_BASES.get(t):
            return ENUM_BASES[t]
    for t in ("int", "str"):
        if f"py:{t}" in tokens:
            return t
    return None


def members(m: Machine, cls: ClassRef) -> Dict[str, EnumMember]:
    """Name -> member, in definition order; an alias maps to the first member of its value."""
    kind = mixin(m, cls)
    flag = any(t in ("enum.Flag", "enum.IntFlag") for t in m.lineage(cls).tokens)
    custom_auto = m.class_member(cls, "_generate_next_value_")[0] != ""
    custom_truth = m.defines(cls, "__bool__", "__len__")

    def truth(value: Any) -> Any:
        if custom_truth or kind and not isinstance(value, (int, str)):
            return None
        return bool(value) if kind else True

    frame = Frame(cls.info, {}, phase="init")
    out: Dict[str, EnumMember] = {}
    values: List[Any] = []
    body = cls.node.body.body if isinstance(cls.node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)):
                continue
            name = small.targets[0].target.value
            if name.startswith("_"):
                continue
            value = m.eval(small.value, frame)
            if value is AUTO:
                value = _next_value(name, values, kind, flag, custom_auto)
            alias = next((mem for mem in out.values() if _same(mem.value, value)), None)
            out[name] = alias if alias is not None else EnumMember(cls, name, value, kind, truth(value))
            values.append(value)
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return a is not UNKNOWN and b is not UNKNOWN and type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - a value that refuses comparison is not an alias
        return False


def _next_value(name: str, before: List[Any], kind: Any, flag: bool, custom: bool) -> Any:
    """What ``auto()`` gives: 1, 2, 3... (powers of two for Flag), the lower-cased name for StrEnum."""
    if custom:
        return UNKNOWN
    if kind == "str":
        return name.lower()
    if not before:
        return 1
    last = before[-1]
    if not isinstance(last, int) or isinstance(last, bool):
        return UNKNOWN
    if flag:
        return 1 << last.bit_length() if last > 0 else 1
    return last + 1


def canonical(found: Dict[str, EnumMember]) -> List[EnumMember]:
    """Iteration order: each member once, aliases left out."""
    out: List[EnumMember] = []
    for name, mem in found.items():
        if mem.name == name:
            out.append(mem)
    return out


@_builtin
def _auto(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return AUTO if not args and not kwargs else UNKNOWN


def is_enum_base(v: Any) -> bool:
    return isinstance(v, TorchRef) and v.qualname in ENUM_BASES


MEMBERS: Dict[str, Any] = {"enum.auto": _auto}
