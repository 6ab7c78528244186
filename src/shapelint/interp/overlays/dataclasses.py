"""``dataclasses``: the ``__init__`` the decorator writes, ``field``, ``replace``, ``asdict``,
``astuple``, ``fields``, ``is_dataclass``.

Model configs are often dataclasses; their generated ``__init__`` binds arguments to the
annotated fields in order, fills defaults and factories, then runs ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional

import libcst as cst

from ...layers import UNKNOWN
from ..builtins import _builtin
from ..common import ArgSites, Frame
from ..values import ClassRef, Instance, Record, TorchRef, TupleType

if TYPE_CHECKING:
    from ..machine import Machine
    from ..values import Site

NO_DEFAULT = object()  # a field without a default: a required argument
FIELD = TupleType("Field", ("name", "default", "init"))


@dataclass(frozen=True)
class FieldSpec:
    """What ``dataclasses.field(...)`` says about a field."""

    default: Any = NO_DEFAULT
    factory: Any = None
    init: Any = True
    kw_only: Any = False


@dataclass
class Field:
    name: str
    default: Any  # a value, or NO_DEFAULT
    factory: Any
    init: bool
    kw_only: bool
    initvar: bool


def options(m: Machine, cls: ClassRef) -> Optional[Dict[str, Any]]:
    """The ``@dataclass(...)`` keyword arguments of the class itself, None if not decorated."""
    for d in cls.node.decorators:
        expr = d.decorator
        kw: Dict[str, Any] = {}
        frame = Frame(cls.info, {}, phase="init")
        if isinstance(expr, cst.Call):
            kw = {a.keyword.value: m.eval(a.value, frame) for a in expr.args if a.keyword is not None}
            expr = expr.func
        v = m.eval(expr, frame)
        if isinstance(v, TorchRef) and v.qualname == "dataclasses.dataclass":
            return kw
    return None


def is_dataclass_class(m: Machine, cls: ClassRef) -> Any:
    lin = m.lineage(cls)
    if any(isinstance(c, ClassRef) and options(m, c) is not None for c in lin.classes):
        return True
    return False if lin.complete else UNKNOWN


def fields_of(m: Machine, cls: ClassRef) -> List[Field]:
    """The fields of a dataclass, bases first, a redefined field keeping its place."""
    out: Dict[str, Field] = {}
    for c in reversed(m.lineage(cls).classes):
        if not isinstance(c, ClassRef):
            continue
        opts = options(m, c)
        if opts is None:
            continue
        kw_only = opts.get("kw_only") is True
        frame = Frame(c.info, {}, phase="init")
        body = c.node.body.body if isinstance(c.node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)):
                    continue
                ann = small.annotation.annotation
                head = ann.value if isinstance(ann, cst.Subscript) else ann
                kind = m.eval(head, frame)
                qual = kind.qualname if isinstance(kind, TorchRef) else ""
                if qual == "dataclasses.KW_ONLY":
                    kw_only = True
                    continue
                if qual.endswith("ClassVar"):
                    continue
                name = small.target.value
                value = m.eval(small.value, frame) if small.value is not None else NO_DEFAULT
                spec = value if isinstance(value, FieldSpec) else FieldSpec(default=value)
                out[name] = Field(
                    name, spec.default, spec.factory, spec.init is not False, kw_only or spec.kw_only is True,
                    qual == "dataclasses.InitVar",
                )
    return list(out.values())


def init(m: Machine, inst: Instance, cls: ClassRef, args: List[Any], kwargs: Dict[str, Any], site: Site) -> bool:
    """The generated ``__init__``; False where Python raises a TypeError."""
    fields = fields_of(m, cls)
    positional = [f for f in fields if f.init and not f.kw_only]
    if len(args) > len(positional):
        return False
    values: Dict[str, Any] = {f.name: a for f, a in zip(positional, args)}
    names = {f.name for f in fields if f.init}
    for k, v in kwargs.items():
        if k not in names or k in values:
            return False
        values[k] = v
    for f in fields:
        if f.name in values:
            continue
        if f.factory is not None:
            values[f.name] = m.call(f.factory, [], {}, site, ArgSites([], {}), "init")
        elif f.default is not NO_DEFAULT:
            values[f.name] = f.default
        elif f.init:
            return False  # a required argument missing
        else:
            values[f.name] = UNKNOWN
    for f in fields:
        if not f.initvar:
            inst.attrs[f.name] = values[f.name]
    kind, post = m.class_member(cls, "__post_init__")
    if kind == "def":
        initvars = [values[f.name] for f in fields if f.initvar]
        m.call_function(post, [inst, *initvars], {}, None, phase="init")
    return True


def _dataclass_instance(m: Machine, v: Any) -> bool:
    return isinstance(v, Instance) and is_dataclass_class(m, v.cls) is True


def _plain_copy(m: Machine, v: Any, as_tuple: bool) -> Any:
    """``asdict``/``astuple``: nested dataclasses, lists, tuples and dicts copied."""
    if _dataclass_instance(m, v):
        items = {f.name: _plain_copy(m, v.attrs.get(f.name, UNKNOWN), as_tuple) for f in fields_of(m, v.cls) if not f.initvar}
        return tuple(items.values()) if as_tuple else items
    if isinstance(v, list):
        return [_plain_copy(m, e, as_tuple) for e in v]
    if isinstance(v, tuple) and not isinstance(v, Record):
        return tuple(_plain_copy(m, e, as_tuple) for e in v)
    if isinstance(v, dict):
        return {k: _plain_copy(m, e, as_tuple) for k, e in v.items()}
    return v


@_builtin
def _field(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return FieldSpec(
        kwargs.get("default", NO_DEFAULT), kwargs.get("default_factory"), kwargs.get("init", True), kwargs.get("kw_only", False)
    )


@_builtin
def _replace(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1 or not _dataclass_instance(m, args[0]) or m.current_site is None:
        return UNKNOWN
    obj: Instance = args[0]
    current = {f.name: obj.attrs.get(f.name, UNKNOWN) for f in fields_of(m, obj.cls) if f.init and not f.initvar}
    current.update(kwargs)
    return m.construct(obj.cls, [], current, m.current_site, None)


@_builtin
def _asdict(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _plain_copy(m, args[0], False) if len(args) == 1 and _dataclass_instance(m, args[0]) else UNKNOWN


@_builtin
def _astuple(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _plain_copy(m, args[0], True) if len(args) == 1 and _dataclass_instance(m, args[0]) else UNKNOWN


@_builtin
def _fields(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    target = args[0] if len(args) == 1 else None
    cls = target.cls if isinstance(target, Instance) else target
    if not isinstance(cls, ClassRef) or is_dataclass_class(m, cls) is not True:
        return UNKNOWN
    return tuple(
        Record((f.name, UNKNOWN if f.default is NO_DEFAULT else f.default, f.init), FIELD, FIELD.fields)
        for f in fields_of(m, cls) if not f.initvar
    )


@_builtin
def _is_dataclass(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1:
        return UNKNOWN
    v = args[0]
    cls = v.cls if isinstance(v, Instance) else v
    if isinstance(cls, ClassRef):
        return is_dataclass_class(m, cls)
    if isinstance(v, (int, float, str, bool, list, tuple, dict)) or v is None:
        return False
    return UNKNOWN


MEMBERS: Dict[str, Any] = {
    "dataclasses.field": _field,
    "dataclasses.replace": _replace,
    "dataclasses.asdict": _asdict,
    "dataclasses.astuple": _astuple,
    "dataclasses.fields": _fields,
    "dataclasses.is_dataclass": _is_dataclass,
}
