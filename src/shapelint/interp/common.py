"""What every part of the interpreter shares: frames, control flow, the budget, and
the small helpers on values (truth, plainness, merging paths)."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst

from ..extract.index import ModuleInfo
from ..extract.parse import Budget as Budget  # the interpreter raises it; the index too, before a late parse
from ..layers import UNKNOWN, Failure, Result
from ..layers.core import Condition, is_int
from .values import BoundMethod, ClassRef, EnumMember, FuncRef, Instance, ModuleObj, Partial, Site, Tensor, TorchRef

MAX_STEPS = 400_000
MAX_DEPTH = 60
MAX_LOOP = 4096
MAX_WIDTH = 4  # digits of a field width or precision in a format spec (at most 9999)
MAX_FORMAT = 512  # characters of a format string
_WIDE = re.compile(r"\d{%d,}" % (MAX_WIDTH + 1))


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Raise(Exception):
    """The path ends in ``raise``: it contributes no value."""


class TorchRaises(Exception):
    """Inside a ``try`` with a handler: torch refuses to build a layer here, so the
    handler runs instead (``act_layer(inplace=True)`` retried without ``inplace``)."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _LoopLost(_Break):
    """A ``break``/``continue`` under a condition we could not decide: which iterations
    ran, and with what, is not known; the loop's assignments are unknown afterwards."""


@dataclass(frozen=True)
class Sym:
    """A symbolic dimension as a Python value (``x.size(0)`` of a batch ``N``)."""

    name: str


@dataclass
class Frame:
    info: ModuleInfo
    env: Dict[str, Any]
    origins: Dict[str, Site] = field(default_factory=dict)  # local -> where its value was written
    phase: str = "forward"  # "init" while building modules
    early: List[Any] = field(default_factory=list)  # values returned on paths that ended early
    fn: Optional[cst.FunctionDef] = None  # the function whose body runs
    guards: List["Guard"] = field(default_factory=list)  # undecided ifs whose one branch returned


Held = Tuple[Failure, Site, Any, Optional[Site]]


@dataclass(frozen=True)
class Row:
    """One leaf-module call, as the ``shapes`` table shows it.  A shape may start with
    ``...`` (Ellipsis): its rank is not known, only the dims after it."""

    name: str
    type: str
    site: Optional[Site]  # the module's constructor call
    input_shape: Any
    output_shape: Any
    params: Optional[int]
    macs: Optional[int]
    # the module calls written in forward code that led here, outermost first (the editor's
    # hover and inlay hints find a row by its call); one Site object per call made
    calls: Tuple[Site, ...] = ()

    @property
    def line(self) -> int:
        return self.site.info.line(self.site.node) if self.site is not None else 0


@dataclass(frozen=True)
class Lost:
    """Where forward stopped following a tensor: in which function, at which node, why."""

    function: str
    site: Site
    reason: str

    @property
    def line(self) -> int:
        return self.site.info.line(self.site.node)


class Reporter:
    """Collects failures (deduplicated by place and message), table rows, and the places
    where forward lost the thread."""

    def __init__(self) -> None:
        # (failure, where to report it, provenance note, the constructor call if any)
        self.failures: List[Tuple[Failure, Site, str, Optional[Site]]] = []
        self.raised = 0  # failures met, each time (torch raises there: a handler may run)
        self._seen: set = set()
        self.rows: List[Row] = []
        # a place in an installed library -> the project's call that led there (None: keep it)
        self.anchor: Optional[Callable[[Site], Optional[Site]]] = None
        self.lost: List[Lost] = []
        self._lost_at: set = set()
        # what torch requires of sizes of an unknown input: (condition, where, what made it, call)
        self.conditions: List[Tuple[Condition, Site, str, Optional[Site]]] = []
        self._required: set = set()

    def require(self, cond: Condition, site: Site, label: str, call: Optional[Site] = None) -> None:
        """Record a condition on the input's sizes, once per place and expression."""
        outer = self.anchor(site) if self.anchor is not None else None
        if outer is not None:  # inside an installed library: at the project's call
            cond = replace(cond, arg=None)
            site, call = outer, None
        key = (id(site.node), cond.kind, str(cond.lhs), str(cond.rhs), cond.alternatives)
        if key not in self._required:
            self._required.add(key)
            self.conditions.append((cond, site, label, call))

    def lose(self, function: str, site: Site, reason: str) -> None:
        if id(site.node) not in self._lost_at:
            self._lost_at.add(id(site.node))
            self.lost.append(Lost(function, site, reason))

    def fail(self, failure: Optional[Failure], site: Optional[Site], note: Any = "", call: Optional[Site] = None, outer: Optional[Site] = None) -> None:
        """``outer``: the project's call that built a library's layer, for a failure of its construction."""
        if failure is None or site is None:
            return
        self.raised += 1
        if self.anchor is not None and self.anchor(site) is not None:
            outer = outer or self.anchor(site)
        else:
            outer = None
        if outer is not None:  # the user cannot edit the library: report at their call, without a fix
            where = f"inside {site.info.name}, line {site.info.line(site.node)}"
            failure = replace(failure, message=f"{failure.message} ({where})", arg=None, suggestion=None)
            site, call = outer, None
        key = (id(site.node), failure.kind, failure.message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.failures.append((failure, site, note, call))

    def mark(self) -> int:
        return len(self.failures)

    def take(self, start: int) -> List[Held]:
        """Withdraw the failures reported since ``start``: they are held until we know
        whether every path fails."""
        held = self.failures[start:]
        del self.failures[start:]
        for failure, site, _, _ in held:
            self._seen.discard((id(site.node), failure.kind, failure.message))
        return held

    def release(self, held: Sequence[Held]) -> None:
        for item in held:
            self.fail(*item)


def every_path_fails(paths: Sequence[Tuple[str, List[Held]]]) -> bool:
    """``paths``: (how each branch ended, what it held).  The failures count only when
    every branch that goes on (does not raise) fails; when all raise, all must fail."""
    going = [held for how, held in paths if how != "raise"] or [held for _, held in paths]
    return bool(going) and all(going)


@dataclass
class Guard:
    """An undecided ``if`` where one branch returned and the other went on: the rest of
    the function runs on the going-on path only."""

    returned: List[Held]  # what the returning branches held
    going: List[Held]  # what the going-on branch held
    start: int  # the reporter's mark after the ``if``


@dataclass
class ArgSites:
    """Where each argument of a call was written, to report a finding at the caller."""

    positional: List[Optional[Site]]
    keywords: Dict[str, Site]

    def after_self(self) -> "ArgSites":
        """The same call seen by a method: ``self`` comes first and was written nowhere."""
        return ArgSites([None, *self.positional], self.keywords)


@dataclass(frozen=True)
class _Iter:
    """A generator or ``range``/``zip``/``enumerate`` result: iterable once known."""

    items: Tuple[Any, ...]


@dataclass(frozen=True)
class Endless:
    """``itertools.repeat(x)``, ``cycle(seq)``, ``count(start, step)``: never exhausted, so
    never iterated whole; ``zip`` and ``islice`` take the items they need."""

    items: Tuple[Any, ...]  # the period (``count``: the start)
    step: Any = None  # for ``count``: the increment

    def take(self, n: int) -> List[Any]:
        if self.step is not None:
            return [self.items[0] + i * self.step for i in range(n)]
        return [self.items[i % len(self.items)] for i in range(n)] if self.items else []


def _dim_value(d: Any) -> Any:
    if is_int(d):
        return d
    if isinstance(d, str):
        return Sym(d)
    return UNKNOWN


def _to_dim(v: Any) -> Any:
    """A Python value used as a size -> a shape dim (int, symbolic str or None)."""
    if is_int(v):
        return v
    if isinstance(v, Sym):
        return v.name
    return None


def _is_known(v: Any) -> bool:
    if v is UNKNOWN:
        return False
    if isinstance(v, (list, tuple)):
        return all(_is_known(e) for e in v)
    return True


_ATOMS = frozenset({int, float, str, bool, type(None)})


def _truth(v: Any) -> Optional[bool]:
    """Python truthiness, or None when it cannot be known."""
    if type(v) in _ATOMS:
        return bool(v)
    if v is UNKNOWN or isinstance(v, (Sym, Tensor)):
        return None
    if isinstance(v, (Instance, EnumMember)):
        return v.truth
    if isinstance(v, (ModuleObj, FuncRef, ClassRef, TorchRef, Partial, BoundMethod)):
        return True
    if isinstance(v, (list, tuple, dict)) and not isinstance(v, str):
        return len(v) > 0
    try:
        return bool(v)
    except Exception:
        return None


_BINOPS: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.FloorDivide: operator.floordiv,
    cst.Divide: operator.truediv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
    cst.LeftShift: operator.lshift,
    cst.RightShift: operator.rshift,
    cst.BitAnd: operator.and_,
    cst.BitOr: operator.or_,
    cst.BitXor: operator.xor,
    cst.MatrixMultiply: operator.matmul,
}


_AUG: Dict[type, Any] = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.FloorDivideAssign: cst.FloorDivide, cst.DivideAssign: cst.Divide, cst.ModuloAssign: cst.Modulo,
    cst.PowerAssign: cst.Power, cst.BitOrAssign: cst.BitOr, cst.BitAndAssign: cst.BitAnd,
}


_CMP: Dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le, cst.GreaterThan: operator.gt, cst.GreaterThanEqual: operator.ge,
}


_SAFE_TYPES = (int, float, str, bool, type(None), tuple, list, dict)


def _plain(v: Any) -> bool:
    """A value Python's own operators may act on without calling anything of ours."""
    if type(v) in _ATOMS:
        return True
    if isinstance(v, (list, tuple)):
        # a list of numbers or strings is answered by a scan in C (``x in big_list`` in a loop)
        return _ATOMS.issuperset(map(type, v)) or all(_plain(e) for e in v)
    if isinstance(v, dict):
        return all(_plain(k) and _plain(e) for k, e in v.items())
    if isinstance(v, EnumMember):
        return v.mixin is None or _plain(v.value)  # compares and hashes as Python's members do
    return isinstance(v, _SAFE_TYPES)


# expressions that never evaluate to a module
_NOT_MODULES = (cst.BinaryOperation, cst.Comparison, cst.BooleanOperation, cst.UnaryOperation, cst.Integer, cst.Float, cst.SimpleString, cst.FormattedString)


def _tensors(structure: Any, note: Any, assumed: FrozenSet[str]) -> Any:
    """Nested tuples of shapes -> the same nesting of Tensors."""
    if isinstance(structure, tuple) and structure and all(isinstance(e, tuple) or e is None for e in structure):
        return tuple(_tensors(e, note, assumed) for e in structure)
    return Tensor(structure, note, assumed)


def _method_kind(fn: FuncRef) -> str:
    """"static", "class" or "" (an instance method), from the decorators."""
    for d in fn.node.decorators:
        name = d.decorator.value if isinstance(d.decorator, cst.Name) else None
        if name == "staticmethod":
            return "static"
        if name == "classmethod":
            return "class"
    return ""


def _assumed(*tensors: Any) -> FrozenSet[str]:
    """Everything the inputs of an operation rest on."""
    flags: FrozenSet[str] = frozenset()
    for t in tensors:
        if isinstance(t, Tensor):
            flags = flags | t.assumed
    return flags


RANK_FLAGS = frozenset({"batched", "last"})


def _rank_assumed(t: Any) -> bool:
    """The tensor's rank was assumed (a seeded input): its length is not a fact."""
    return isinstance(t, Tensor) and bool(t.assumed & RANK_FLAGS)


def shown(shape: Any, assumed: FrozenSet[str]) -> Any:
    """A shape as the ``shapes`` table may state it: with an assumed rank only the dims
    from the first known one to the end are facts, so ``(None, 32)`` reads ``(..., 32)``."""
    if shape is None or not assumed & RANK_FLAGS:
        return shape
    rest = list(shape)
    while rest and rest[0] is None:
        rest.pop(0)
    return (Ellipsis, *rest) if rest else None


def _after(res: Result) -> FrozenSet[str]:
    return frozenset({"failed"}) if res.failure is not None else frozenset()


def _reportable(failure: Optional[Failure], assumed: FrozenSet[str]) -> bool:
    """Only what does not rest on an assumption: with only the last dim known, only a
    features mismatch on it; with an assumed rank, no rank failure; after a refused call,
    no merge failure (the two sides may disagree only because of that one bug)."""
    if failure is None:
        return False
    if "last" in assumed:
        return failure.kind == "in-features-mismatch"
    if "batched" in assumed and failure.kind == "rank-mismatch":
        return False
    if "failed" in assumed and failure.kind == "merge-mismatch":
        return False
    return True


def _unknown_module() -> ModuleObj:
    return ModuleObj("?", "leaf")


def _config(v: Any) -> Any:
    """A Python value as a layer configuration value (tensors become their shapes)."""
    if isinstance(v, Tensor):
        return v.shape
    if isinstance(v, Sym):
        return UNKNOWN
    if isinstance(v, EnumMember) and v.mixin:  # an IntEnum member is its int
        return _config(v.value)
    if isinstance(v, (list, tuple)):
        items = [_config(e) for e in v]
        return tuple(items) if isinstance(v, tuple) else items
    if isinstance(v, _Iter):
        return tuple(_config(e) for e in v.items)
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    return UNKNOWN


def merge_values(values: Sequence[Any]) -> Any:
    """What a name holds after paths that may differ: equal values stay, else unknown."""
    if not values:
        return UNKNOWN
    first = values[0]
    if all(v is first for v in values):
        return first
    if all(isinstance(v, Tensor) for v in values):
        shapes = [v.shape for v in values]
        if any(s is None for s in shapes) or len({len(s) for s in shapes}) != 1:
            return Tensor(None)
        merged = tuple(col[0] if all(c == col[0] for c in col) else None for col in zip(*shapes))
        return Tensor(merged, "", _assumed(*values))
    try:
        if all(_plain(v) for v in values) and all(v == first for v in values):
            return first
    except Exception:
        pass
    return UNKNOWN


def _targets(target: cst.BaseExpression, names: List[str], attrs: List[str]) -> None:
    if isinstance(target, cst.Name):
        names.append(target.value)
    elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
        attrs.append(target.attr.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            _targets(el.value, names, attrs)
    elif isinstance(target, (cst.Subscript, cst.StarredElement)):  # d[k] = v: the container d changed
        _targets(target.value, names, attrs)


def narrow_format(spec: str) -> bool:
    """A format string whose widths and precisions are small (no ``{:999999999}``)."""
    return len(spec) <= MAX_FORMAT and _WIDE.search(spec) is None


def call_value(m: Any, fn: Any, args: List[Any]) -> Any:
    """Call a value model code handed to a library function (``key=``, ``map``, ``reduce``):
    a lambda, a user function, a builtin, ``operator.mul``.  Builtins answering a call
    change ``m.current_site``; it is put back afterwards."""
    site = m.current_site
    if site is None:
        return UNKNOWN
    try:
        return m.call(fn, list(args), {}, site, ArgSites([None] * len(args), {}), "init")
    finally:
        m.current_site = site
