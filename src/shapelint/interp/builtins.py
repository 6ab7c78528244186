"""Python's builtins on known values, and the list/dict/str methods model code uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List

from ..layers import UNKNOWN
from ..layers.core import is_int
from .common import MAX_LOOP, Sym, _Iter, _plain

if TYPE_CHECKING:
    from .machine import Machine
from .values import ClassRef, FuncRef, ModuleObj, Partial, Tensor, TorchRef


def python_method(obj: Any, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """The few list/dict/str methods model code uses while building layers."""
    try:
        if isinstance(obj, list):
            if name == "append" and len(args) == 1:
                obj.append(args[0])
                return None
            if name == "extend" and len(args) == 1 and isinstance(args[0], (list, tuple, _Iter)):
                obj.extend(args[0].items if isinstance(args[0], _Iter) else args[0])
                return None
            if name == "insert" and len(args) == 2 and is_int(args[0]):
                obj.insert(args[0], args[1])
                return None
            if name == "pop":
                return obj.pop(*args) if all(is_int(a) for a in args) else UNKNOWN
            if name in ("index", "count") and all(_plain(a) for a in args):
                return getattr(obj, name)(*args)
        if isinstance(obj, dict):
            if name == "items":
                return list(obj.items())
            if name == "keys":
                return list(obj.keys())
            if name == "values":
                return list(obj.values())
            if name == "get" and args and _plain(args[0]) and not isinstance(args[0], (list, dict)):
                return obj.get(args[0], args[1] if len(args) > 1 else None)
            if name == "pop" and args and _plain(args[0]) and not isinstance(args[0], (list, dict)):
                return obj.pop(args[0], args[1] if len(args) > 1 else UNKNOWN)
            if name == "update" and len(args) == 1 and isinstance(args[0], dict):
                obj.update(args[0])
                return None
            if name == "setdefault" and args and _plain(args[0]):
                return obj.setdefault(args[0], args[1] if len(args) > 1 else None)
        if isinstance(obj, str) and all(_plain(a) for a in args) and not kwargs:
            if name in ("format",) and all(isinstance(a, (int, float, str)) for a in args):
                return obj.format(*args)
            if name in ("startswith", "endswith", "lower", "upper", "strip", "split", "replace", "join"):
                if name == "join" and not (isinstance(args[0], (list, tuple)) and all(isinstance(a, str) for a in args[0])):
                    return UNKNOWN
                return getattr(obj, name)(*args)
        if isinstance(obj, tuple) and name in ("index", "count") and all(_plain(a) for a in args):
            return getattr(obj, name)(*args)
    except (ValueError, IndexError, KeyError, TypeError):
        return UNKNOWN
    return UNKNOWN


def _builtin(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn.__shapelint_builtin__ = True
    return fn


def _numbers(values: Iterable[Any]) -> bool:
    return all(isinstance(v, (int, float)) for v in values)


@_builtin
def _len(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1:
        return UNKNOWN
    v = args[0]
    if isinstance(v, (list, tuple, dict, str)):
        return len(v)
    if isinstance(v, _Iter):
        return len(v.items)
    if isinstance(v, ModuleObj) and v.members_known and (v.kind in ("sequential", "modulelist", "moduledict") or v.container):
        return len(v.children)
    if isinstance(v, Tensor) and v.shape:
        return v.shape[0] if is_int(v.shape[0]) else (Sym(v.shape[0]) if isinstance(v.shape[0], str) else UNKNOWN)
    return UNKNOWN


@_builtin
def _range(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args or not all(is_int(a) for a in args) or kwargs:
        return UNKNOWN
    r = range(*args)
    return _Iter(tuple(r)) if len(r) <= MAX_LOOP else UNKNOWN


@_builtin
def _zip(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    seqs = [m.iterate(a) for a in args]
    if any(s is None for s in seqs):
        return UNKNOWN
    return _Iter(tuple(zip(*seqs)))


@_builtin
def _enumerate(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = m.iterate(args[0]) if args else None
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if items is None or not is_int(start):
        return UNKNOWN
    return _Iter(tuple(enumerate(items, start)))


def _convert(kind: Any) -> Callable[..., Any]:
    @_builtin
    def convert(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if not args:
            return kind()
        v = args[0]
        if kind in (list, tuple):
            items = m.iterate(v)
            return UNKNOWN if items is None else kind(items)
        if kind is dict:
            if isinstance(v, dict):
                return dict(v)
            items = m.iterate(v)
            if items is None or not all(isinstance(p, (tuple, list)) and len(p) == 2 and _plain(p[0]) for p in items):
                return UNKNOWN
            return dict(items)
        if kind is str and isinstance(v, (int, float, str, bool)):
            return str(v)
        if kind in (int, float, bool) and isinstance(v, (int, float, bool)) or kind in (int, float) and isinstance(v, str):
            try:
                return kind(v)
            except (ValueError, OverflowError):
                return UNKNOWN
        return UNKNOWN

    return convert


def _fold(fn: Callable[..., Any]) -> Callable[..., Any]:
    @_builtin
    def fold(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        items = args
        if len(args) == 1:
            seq = m.iterate(args[0])
            if seq is None:
                return UNKNOWN
            items = seq
        if not items or not _numbers(items) or kwargs:
            return UNKNOWN
        return fn(items)

    return fold


@_builtin
def _sum(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = m.iterate(args[0]) if args else None
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if items is None or not _numbers(items) or not isinstance(start, (int, float)):
        return UNKNOWN
    return sum(items) + start


@_builtin
def _abs(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return abs(args[0]) if len(args) == 1 and isinstance(args[0], (int, float)) else UNKNOWN


@_builtin
def _round(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if args and _numbers(args) and len(args) <= 2 and (len(args) == 1 or is_int(args[1])):
        return round(*args)
    return UNKNOWN


@_builtin
def _isinstance(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 2:
        return UNKNOWN
    v, kinds = args
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    names = []
    for k in kinds:
        if isinstance(k, TorchRef):
            names.append(k.qualname)
        elif k in (_convert_types.get("int"), _convert_types.get("float")):
            names.append(k)
        elif callable(k) and getattr(k, "__shapelint_type__", None):
            names.append(k.__shapelint_type__)
        else:
            return UNKNOWN
    is_tensor_type = [n == "torch.Tensor" for n in names]
    if isinstance(v, Tensor):
        if any(is_tensor_type):
            return True
        return False if all(isinstance(n, str) and n.startswith("py:") for n in names) else UNKNOWN
    if isinstance(v, (list, tuple, int, float, str, dict)) and not isinstance(v, bool):
        if all(isinstance(n, str) and (n.startswith("py:") or n == "torch.Tensor") for n in names):
            return any(type(v).__name__ == n[3:] for n in names if n.startswith("py:"))
    return UNKNOWN


@_builtin
def _super(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return UNKNOWN


@_builtin
def _print(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return None


@_builtin
def _sorted(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = m.iterate(args[0]) if args else None
    if items is None or kwargs or not all(_plain(i) for i in items):
        return UNKNOWN
    try:
        return sorted(items)
    except TypeError:
        return UNKNOWN


@_builtin
def _reversed(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = m.iterate(args[0]) if args else None
    return UNKNOWN if items is None else _Iter(tuple(reversed(items)))


@_builtin
def _type(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1:
        return UNKNOWN
    v = args[0]
    if isinstance(v, Partial):
        return TorchRef("functools.partial")
    if isinstance(v, Tensor):
        return TorchRef("torch.Tensor")
    if isinstance(v, ModuleObj) and v.cls is not None:
        return v.cls
    if isinstance(v, (TorchRef, ClassRef)) and not (isinstance(v, TorchRef) and v.qualname.split(".")[-1][:1].islower()):
        return TorchRef("builtins.type")  # a class: its type is ``type``
    if isinstance(v, FuncRef):
        return TorchRef("builtins.function")
    if isinstance(v, (int, float, str, bool, list, tuple, dict)) and type(v).__name__ in BUILTINS:
        return BUILTINS[type(v).__name__]
    return UNKNOWN


@_builtin
def _setattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) == 3 and isinstance(args[0], ModuleObj):
        if isinstance(args[1], str):
            args[0].register(args[1], args[2])
            if args[2] is UNKNOWN:
                args[0].lose_members()  # it may have been a module
        elif isinstance(args[2], ModuleObj) or args[2] is UNKNOWN:
            args[0].keep_place(args[2])
        else:
            args[0].lose_members()  # a name we cannot read: the tree is not whole
    return None


@_builtin
def _hasattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) == 2 and isinstance(args[0], ModuleObj) and isinstance(args[1], str):
        obj = args[0]
        if args[1] in obj.children or args[1] in obj.attrs or args[1] in obj.parameters:
            return True
    return UNKNOWN


@_builtin
def _getattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) >= 2 and isinstance(args[1], str):
        v = m.getattr(args[0], args[1])
        if v is UNKNOWN and len(args) == 3:
            return UNKNOWN
        return v
    return UNKNOWN


_convert_types: Dict[str, Any] = {}


def _typed(kind: Any, name: str) -> Callable[..., Any]:
    fn = _convert(kind)
    fn.__shapelint_type__ = f"py:{name}"
    return fn


BUILTINS: Dict[str, Any] = {
    "len": _len,
    "range": _range,
    "zip": _zip,
    "enumerate": _enumerate,
    "int": _typed(int, "int"),
    "float": _typed(float, "float"),
    "bool": _typed(bool, "bool"),
    "str": _typed(str, "str"),
    "list": _typed(list, "list"),
    "tuple": _typed(tuple, "tuple"),
    "dict": _typed(dict, "dict"),
    "max": _fold(max),
    "min": _fold(min),
    "sum": _sum,
    "abs": _abs,
    "round": _round,
    "isinstance": _isinstance,
    "super": _super,
    "print": _print,
    "sorted": _sorted,
    "reversed": _reversed,
    "getattr": _getattr,
    "setattr": _setattr,
    "type": _type,
    "hasattr": _hasattr,
}
