"""itertools on known items.  Endless iterators (``repeat(x)``, ``cycle``, ``count``) are
values that only ``zip``, ``islice`` and ``zip_longest`` take from; every result is capped
at MAX_ITEMS items (a ``product`` that would be larger is UNKNOWN)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

import libcst as cst

from ...layers import UNKNOWN
from ...layers.core import is_int
from ..builtins import _builtin
from ..common import Endless, _Iter, call_value
from .support import MAX_ITEMS, known_items

if TYPE_CHECKING:
    from ..machine import Machine

_ADD = cst.Add()  # accumulate's default: the interpreter's own ``+``


def _finite(items: Optional[List[Any]]) -> Any:
    return UNKNOWN if items is None or len(items) > MAX_ITEMS else _Iter(tuple(items))


@_builtin
def _repeat(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args or len(args) > 2:
        return UNKNOWN
    times = args[1] if len(args) == 2 else kwargs.get("times")
    if times is None and "times" not in kwargs and len(args) == 1:
        return Endless((args[0],))
    if not is_int(times) or times > MAX_ITEMS:
        return UNKNOWN
    return _Iter((args[0],) * max(times, 0))


@_builtin
def _cycle(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = known_items(m, args[0]) if len(args) == 1 else None
    return UNKNOWN if items is None else Endless(tuple(items))


@_builtin
def _count(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    start = args[0] if args else kwargs.get("start", 0)
    step = args[1] if len(args) > 1 else kwargs.get("step", 1)
    if not all(isinstance(v, (int, float)) for v in (start, step)):
        return UNKNOWN
    return Endless((start,), step)


def _chain_of(m: Machine, iterables: List[Any]) -> Any:
    out: List[Any] = []
    for it in iterables:
        items = known_items(m, it)
        if items is None:
            return UNKNOWN
        out.extend(items)
        if len(out) > MAX_ITEMS:
            return UNKNOWN
    return _Iter(tuple(out))


@_builtin
def _chain(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return UNKNOWN if kwargs else _chain_of(m, args)


@_builtin
def _chain_from_iterable(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    outer = known_items(m, args[0]) if len(args) == 1 else None
    return UNKNOWN if outer is None else _chain_of(m, outer)


@_builtin
def _accumulate(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    items = known_items(m, args[0]) if args else None
    func = args[1] if len(args) > 1 else kwargs.get("func")
    if items is None or len(args) > 2 or set(kwargs) - {"func", "initial"}:
        return UNKNOWN
    out: List[Any] = [kwargs["initial"]] if kwargs.get("initial") is not None else []
    for item in items:
        m.tick()
        if not out:
            out.append(item)
            continue
        if func is None:
            nxt = m.binop(_ADD, out[-1], item, m.current_site)
        else:
            nxt = call_value(m, func, [out[-1], item])
        out.append(nxt)
    return _Iter(tuple(out))


@_builtin
def _product(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    repeat = kwargs.get("repeat", 1)
    if set(kwargs) - {"repeat"} or not is_int(repeat) or repeat < 0:
        return UNKNOWN
    pools: List[List[Any]] = []
    for a in args:
        items = known_items(m, a)
        if items is None:
            return UNKNOWN
        pools.append(items)
    pools = pools * repeat
    size = 1
    for p in pools:
        size *= len(p)
        if size > MAX_ITEMS:
            return UNKNOWN
    result: List[tuple] = [()]
    for p in pools:
        result = [r + (x,) for r in result for x in p]
    return _Iter(tuple(result))


@_builtin
def _islice(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) not in (2, 3, 4) or kwargs:
        return UNKNOWN
    bounds = args[1:]
    if not all(b is None or (is_int(b) and b >= 0) for b in bounds):
        return UNKNOWN
    s = slice(*bounds) if len(bounds) > 1 else slice(bounds[0])
    source = args[0]
    if isinstance(source, Endless):
        if s.stop is None or s.stop > MAX_ITEMS:
            return UNKNOWN
        return _Iter(tuple(source.take(s.stop)[s]))
    items = known_items(m, source)
    return UNKNOWN if items is None else _Iter(tuple(items[s]))


@_builtin
def _zip_longest(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if set(kwargs) - {"fillvalue"}:
        return UNKNOWN
    fill = kwargs.get("fillvalue")
    seqs: List[Optional[List[Any]]] = [None if isinstance(a, Endless) else known_items(m, a) for a in args]
    finite = [s for s in seqs if s is not None]
    if len(finite) + sum(isinstance(a, Endless) for a in args) != len(args) or not finite:
        return UNKNOWN
    n = max(len(s) for s in finite)
    cols: List[List[Any]] = []
    for a, s in zip(args, seqs):
        cols.append(a.take(n) if isinstance(a, Endless) else (s or []) + [fill] * (n - len(s or [])))
    return _Iter(tuple(zip(*cols)))



MEMBERS: Dict[str, Any] = {
    "itertools.repeat": _repeat,
    "itertools.cycle": _cycle,
    "itertools.count": _count,
    "itertools.chain": _chain,
    "itertools.chain.from_iterable": _chain_from_iterable,
    "itertools.accumulate": _accumulate,
    "itertools.product": _product,
    "itertools.islice": _islice,
    "itertools.zip_longest": _zip_longest,
}
