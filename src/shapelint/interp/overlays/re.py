"""re on known strings (timm decodes its architecture strings with it).

Bounded: subject strings and patterns of at most MAX_TEXT characters, and only patterns
without the shapes that backtrack catastrophically (a repeat inside a repeat, an
alternation inside a repeat, backreferences, more than three unbounded repeats); any
other call is UNKNOWN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ...layers import UNKNOWN
from ...layers.core import is_int
from ..builtins import _builtin
from ..common import _Iter
from ..values import PyValue
from .support import MAX_TEXT

try:
    from re import _parser as _sre
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre

if TYPE_CHECKING:
    from ..machine import Machine

MAX_WIDE_REPEATS = 3
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_REFUSED = {"GROUPREF", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE", "GROUPREF_EXISTS"}


def _tame(pattern: str, flags: int) -> bool:
    """A pattern whose matching time is small on a subject of MAX_TEXT characters."""
    if len(pattern) > MAX_TEXT:
        return False
    try:
        tree = _sre.parse(pattern, flags)
    except (re.error, TypeError, ValueError, OverflowError, RecursionError):
        return False
    wide = 0

    def walk(items: Any, in_repeat: bool) -> bool:
        nonlocal wide
        for op, av in items:
            name = str(op)
            if name in _REFUSED:
                return False
            if name in _REPEATS:
                lo, hi, sub = av
                repeats = hi != 1
                if repeats and in_repeat:
                    return False
                if repeats and hi - lo > 16:
                    wide += 1
                if not walk(sub, in_repeat or repeats):
                    return False
            elif name == "SUBPATTERN":
                if not walk(av[-1], in_repeat):
                    return False
            elif name == "BRANCH":
                if in_repeat or not all(walk(b, in_repeat) for b in av[1]):
                    return False
            elif name in ("ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
                if not walk(av[-1] if name != "ATOMIC_GROUP" else av, in_repeat):
                    return False
        return True

    return walk(tree, False) and wide <= MAX_WIDE_REPEATS


def _compile(pattern: Any, flags: Any = 0) -> Optional["re.Pattern[str]"]:
    if isinstance(pattern, RePattern):
        return pattern.pattern if flags == 0 else None
    if not isinstance(pattern, str) or not is_int(flags) or not _tame(pattern, flags):
        return None
    try:
        return re.compile(pattern, flags)
    except (re.error, TypeError, ValueError, OverflowError, RecursionError):
        return None


def _text(s: Any) -> bool:
    return isinstance(s, str) and len(s) <= MAX_TEXT


@dataclass(frozen=True)
class ReMatch(PyValue):
    """A match object: ``group``, ``groups``, ``span``, ``start``, ``end``, ``groupdict``."""

    match: "re.Match[str]"

    def attribute(self, name: str) -> Any:
        if name == "string":
            return self.match.string
        if name in ("lastindex", "lastgroup", "pos", "endpos"):
            return getattr(self.match, name)
        return super().attribute(name)

    def method(self, m: Any, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if kwargs or not all(is_int(a) or isinstance(a, str) or a is None for a in args):
            return UNKNOWN
        try:
            if name in ("group", "span", "start", "end", "groups", "groupdict"):
                return getattr(self.match, name)(*args)
        except (IndexError, TypeError):
            return UNKNOWN
        return UNKNOWN


@dataclass(frozen=True)
class RePattern(PyValue):
    """A compiled pattern (only tame ones are compiled): its methods are the module's."""

    pattern: "re.Pattern[str]"

    def attribute(self, name: str) -> Any:
        if name in ("pattern", "flags", "groups"):
            return getattr(self.pattern, name)
        return super().attribute(name)

    def method(self, m: Any, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        fn = _ACTIONS.get(name)
        return UNKNOWN if fn is None else fn(self.pattern, args, kwargs)


def _search(kind: str) -> Any:
    def run(p: "re.Pattern[str]", args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if len(args) != 1 or kwargs or not _text(args[0]):
            return UNKNOWN
        found = getattr(p, kind)(args[0])
        return None if found is None else ReMatch(found)

    return run


def _split(p: "re.Pattern[str]", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    maxsplit = args[1] if len(args) > 1 else kwargs.get("maxsplit", 0)
    if len(args) not in (1, 2) or set(kwargs) - {"maxsplit"} or not _text(args[0]) or not is_int(maxsplit):
        return UNKNOWN
    return p.split(args[0], maxsplit)


def _findall(p: "re.Pattern[str]", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1 or kwargs or not _text(args[0]):
        return UNKNOWN
    return p.findall(args[0])


def _finditer(p: "re.Pattern[str]", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1 or kwargs or not _text(args[0]):
        return UNKNOWN
    return _Iter(tuple(ReMatch(x) for x in p.finditer(args[0])))


def _sub(p: "re.Pattern[str]", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    count = args[2] if len(args) > 2 else kwargs.get("count", 0)
    if len(args) not in (2, 3) or set(kwargs) - {"count"} or not _text(args[1]) or not is_int(count):
        return UNKNOWN
    if not isinstance(args[0], str) or len(args[0]) > MAX_TEXT:
        return UNKNOWN  # a function as the replacement is not followed
    try:
        return p.sub(args[0], args[1], count)
    except (re.error, IndexError):
        return UNKNOWN


_ACTIONS = {
    "match": _search("match"), "fullmatch": _search("fullmatch"), "search": _search("search"),
    "split": _split, "findall": _findall, "finditer": _finditer, "sub": _sub,
}


def _module_function(name: str, n_before_flags: int) -> Any:
    """``re.name(pattern, *args, flags=0)``: compile (if tame), then the pattern's method."""

    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if not args:
            return UNKNOWN
        rest = dict(kwargs)
        flags = rest.pop("flags", args[n_before_flags + 1] if len(args) > n_before_flags + 1 else 0)
        p = _compile(args[0], flags)
        if p is None:
            return UNKNOWN
        return _ACTIONS[name](p, list(args[1 : n_before_flags + 1]), rest)

    return call


@_builtin
def _re_compile(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args or len(args) > 2 or set(kwargs) - {"flags"}:
        return UNKNOWN
    p = _compile(args[0], args[1] if len(args) > 1 else kwargs.get("flags", 0))
    return UNKNOWN if p is None else RePattern(p)


@_builtin
def _escape(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return re.escape(args[0]) if len(args) == 1 and _text(args[0]) and not kwargs else UNKNOWN


MEMBERS: Dict[str, Any] = {
    "re.compile": _re_compile,
    "re.escape": _escape,
    "re.match": _module_function("match", 1),
    "re.fullmatch": _module_function("fullmatch", 1),
    "re.search": _module_function("search", 1),
    "re.findall": _module_function("findall", 1),
    "re.finditer": _module_function("finditer", 1),
    "re.split": _module_function("split", 2),
    "re.sub": _module_function("sub", 3),
}

CONSTANTS: Dict[str, Any] = {
    f"re.{name}": int(getattr(re, name))
    for name in ("I", "IGNORECASE", "M", "MULTILINE", "S", "DOTALL", "X", "VERBOSE", "A", "ASCII")
}
