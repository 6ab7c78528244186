"""Python's builtins on known values, and the list/dict/str methods model code uses."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple

from ..layers import UNKNOWN
from ..layers.core import is_int
from .common import MAX_LOOP, Endless, Sym, _Iter, _plain, _truth, call_value, narrow_format

if TYPE_CHECKING:
    from .machine import Machine
from .values import ClassRef, ConstTensor, ModuleObj, Tensor


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
        if isinstance(obj, str):
            return str_method(obj, name, args, kwargs)
        if isinstance(obj, tuple) and name in ("index", "count") and all(_plain(a) for a in args):
            return getattr(obj, name)(*args)
    except (ValueError, IndexError, KeyError, TypeError):
        return UNKNOWN
    return UNKNOWN


_STR_PLAIN = {
    "startswith", "endswith", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "split", "rsplit",
    "partition", "rpartition", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isupper", "islower",
    "isidentifier", "isspace", "find", "rfind", "index", "rindex", "count", "title", "capitalize", "swapcase",
    "casefold", "removeprefix", "removesuffix", "splitlines",
}
_STR_WIDTH = {"zfill", "ljust", "rjust", "center"}
_STR_KEYWORDS = {"sep", "maxsplit", "keepends"}
MAX_STR = 4096  # characters a str method may build (``zfill``, ``center``, ``replace``, ``join``)


def _scalar(v: Any) -> bool:
    return isinstance(v, (int, float, str, bool)) or v is None


def str_method(obj: str, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """str methods on known strings; results are capped at MAX_STR characters."""
    if not all(_plain(a) for a in args) or not all(_plain(v) for v in kwargs.values()):
        return UNKNOWN
    if name == "format":
        return _format(obj, args, kwargs)
    if name == "join":
        items = args[0] if len(args) == 1 else None
        if isinstance(items, _Iter):
            items = items.items
        if not isinstance(items, (list, tuple)) or not all(isinstance(a, str) for a in items) or kwargs:
            return UNKNOWN
        out: Any = obj.join(items)
    elif name in _STR_WIDTH:
        if kwargs or not args or not is_int(args[0]) or args[0] > MAX_STR:
            return UNKNOWN
        out = getattr(obj, name)(*args)
    elif name in _STR_PLAIN:
        if set(kwargs) - _STR_KEYWORDS:
            return UNKNOWN
        if name == "replace" and len(args) > 1 and isinstance(args[1], str) and len(obj) * (len(args[1]) + 1) > MAX_STR * 64:
            return UNKNOWN  # the result could be huge before it is capped
        out = getattr(obj, name)(*args, **kwargs)
    else:
        return UNKNOWN
    if isinstance(out, str) and len(out) > MAX_STR:
        return UNKNOWN
    return out


def _format(template: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``str.format`` with positional, indexed and keyword fields on plain scalars; no
    attribute or item lookups in fields, no wide fields."""
    if not narrow_format(template) or not all(_scalar(a) for a in [*args, *kwargs.values()]):
        return UNKNOWN
    try:
        for _, field, spec, _ in string.Formatter().parse(template):
            if field is not None and ("." in field or "[" in field or "{" in (spec or "")):
                return UNKNOWN
        out = template.format(*args, **kwargs)
    except (ValueError, IndexError, KeyError, TypeError):
        return UNKNOWN
    return out if len(out) <= MAX_STR else UNKNOWN


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
    if isinstance(v, ClassRef):  # an Enum class: its members
        members = m.iterate(v)
        return UNKNOWN if members is None else len(members)
    if isinstance(v, ModuleObj) and v.members_known and (v.kind in ("sequential", "modulelist", "moduledict") or v.container):
        return len(v.children)
    if isinstance(v, Tensor) and v.shape:
        if v.assumed:
            m.shape_doubt = True
        return v.shape[0] if is_int(v.shape[0]) else (Sym(v.shape[0]) if isinstance(v.shape[0], str) else UNKNOWN)
    return UNKNOWN


@_builtin
def _range(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args or not all(is_int(a) for a in args) or kwargs:
        return UNKNOWN
    try:
        r = range(*args)
        n = len(r)
    except (ValueError, OverflowError):  # a zero step; more items than a C size
        return UNKNOWN
    return _Iter(tuple(r)) if n <= MAX_LOOP else UNKNOWN


@_builtin
def _zip(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``zip``, with endless iterators (``itertools.repeat``) cut to the shortest finite one;
    ``strict=True`` with unequal lengths raises in Python: that path gives no value."""
    strict = kwargs.get("strict", False)
    if set(kwargs) - {"strict"} or not isinstance(strict, bool):
        return UNKNOWN
    seqs: List[Optional[List[Any]]] = [None if isinstance(a, Endless) else m.iterate(a) for a in args]
    finite = [s for s in seqs if s is not None]
    if len(finite) + sum(isinstance(a, Endless) for a in args) != len(args) or not finite:
        return UNKNOWN
    n = min(len(s) for s in finite)
    if strict and any(len(s) != n for s in finite) or strict and len(finite) < len(args):
        return UNKNOWN
    cols = [a.take(n) if isinstance(a, Endless) else s[:n] for a, s in zip(args, seqs) if s is not None or isinstance(a, Endless)]  # type: ignore[index]
    return _Iter(tuple(zip(*cols)))


@_builtin
def _any(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _any_all(m, args, kwargs, True)


@_builtin
def _all(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _any_all(m, args, kwargs, False)


def _any_all(m: Machine, args: List[Any], kwargs: Dict[str, Any], want: bool) -> Any:
    """``any``: True at the first known true item even if others are unknown; False only
    when every item is known false (``all`` the other way round)."""
    items = m.iterate(args[0]) if len(args) == 1 and not kwargs else None
    if items is None:
        return UNKNOWN
    truths = [_truth(i) for i in items]
    if want in truths:
        return want
    return UNKNOWN if None in truths else not want


@_builtin
def _map(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) < 2 or kwargs:
        return UNKNOWN
    zipped = _zip(m, args[1:], {})
    if not isinstance(zipped, _Iter):
        return UNKNOWN
    return _Iter(tuple(call_value(m, args[0], list(row)) for row in zipped.items))


@_builtin
def _filter(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = m.iterate(args[1]) if len(args) == 2 and not kwargs else None
    if items is None:
        return UNKNOWN
    kept = []
    for item in items:
        t = _truth(item if args[0] is None else call_value(m, args[0], [item]))
        if t is None:
            return UNKNOWN
        if t:
            kept.append(item)
    return _Iter(tuple(kept))


def _keyed(m: Machine, items: List[Any], key: Any) -> Optional[List[Any]]:
    """The sort keys of ``items`` (the items themselves when ``key`` is None), if all plain."""
    keys = items if key is None else [call_value(m, key, [i]) for i in items]
    return keys if all(_plain(k) for k in keys) else None


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if set(kwargs) - {"key", "default"}:
            return UNKNOWN
        items = args if len(args) > 1 else (m.iterate(args[0]) if args else None)
        if items is None:
            return UNKNOWN
        if not items:
            return kwargs.get("default", UNKNOWN)
        keys = _keyed(m, items, kwargs.get("key"))
        if keys is None:
            return UNKNOWN
        try:
            best = pick(range(len(items)), key=lambda i: keys[i])  # the first of equal keys, as Python
        except TypeError:
            return UNKNOWN
        return items[best]

    return call


@_builtin
def _divmod(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 2 or kwargs or not _numbers(args):
        return UNKNOWN
    try:
        return divmod(args[0], args[1])
    except (ArithmeticError, TypeError):
        return UNKNOWN


@_builtin
def _pow(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``pow(b, e)`` bounded as ``**`` is; ``pow(b, e, mod)`` on ints (fast at any size)."""
    if kwargs or len(args) not in (2, 3) or not _numbers(args):
        return UNKNOWN
    if len(args) == 2 and abs(args[1]) > 64 and isinstance(args[0], int) and abs(args[0]) > 1:
        return UNKNOWN
    try:
        return pow(*args)
    except (ArithmeticError, TypeError, ValueError):
        return UNKNOWN


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
        if kind is dict and kwargs:  # dict(a=1), dict(pairs, a=1)
            base = convert(m, args, {})
            return UNKNOWN if not isinstance(base, dict) else {**base, **kwargs}
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
        if kind is int and len(args) == 2 and isinstance(v, str) and is_int(args[1]):
            try:
                return int(v, args[1]) if len(v) <= MAX_STR else UNKNOWN
            except ValueError:
                return UNKNOWN
        if len(args) > 1:
            return UNKNOWN
        if kind is bool:
            truth = _truth(v)
            return UNKNOWN if truth is None else truth
        if kind is str and isinstance(v, (int, float, str, bool)):
            return str(v)
        if isinstance(v, ConstTensor) and len(v.data) == 1 and kind in (int, float, bool):
            v = v.data[0]  # ``int(t)`` of a one-element tensor
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
    ndigits = args[1] if len(args) == 2 else kwargs.get("ndigits")
    if len(args) in (1, 2) and _numbers(args[:1]) and (ndigits is None or is_int(ndigits) and abs(ndigits) <= 400) and not set(kwargs) - {"ndigits"}:
        try:
            return round(args[0], ndigits)
        except (OverflowError, ValueError):
            return UNKNOWN
    return UNKNOWN



# abstract base classes model code tests plain values against (``_ntuple``'s Iterable)
_ABCS: Dict[str, Tuple[type, ...]] = {
    f"{module}.{name}": kinds
    for module in ("collections.abc", "typing")
    for name, kinds in {"Iterable": (list, tuple, str, dict), "Sequence": (list, tuple, str), "Mapping": (dict,), "Collection": (list, tuple, str, dict)}.items()
}


def returns(value: Any) -> Callable[..., Any]:
    """A builtin that answers every call with ``value`` (``print`` gives None)."""

    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        return value

    return call


@_builtin
def _sorted(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``sorted`` with ``key=`` and ``reverse=``: stable, keys computed once, as Python."""
    items = m.iterate(args[0]) if len(args) == 1 else None
    reverse = kwargs.get("reverse", False)
    if items is None or set(kwargs) - {"key", "reverse"} or not isinstance(reverse, bool):
        return UNKNOWN
    keys = _keyed(m, items, kwargs.get("key"))
    if keys is None:
        return UNKNOWN
    try:
        order = sorted(range(len(items)), key=lambda i: keys[i], reverse=reverse)
    except TypeError:
        return UNKNOWN
    return [items[i] for i in order]


@_builtin
def _reversed(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = m.iterate(args[0]) if args else None
    return UNKNOWN if items is None else _Iter(tuple(reversed(items)))






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
    "max": _extreme(max),
    "min": _extreme(min),
    "any": _any,
    "all": _all,
    "map": _map,
    "filter": _filter,
    "divmod": _divmod,
    "pow": _pow,
    "sum": _sum,
    "abs": _abs,
    "round": _round,
    "super": returns(UNKNOWN),
    "print": returns(None),
    "sorted": _sorted,
    "reversed": _reversed,
}
