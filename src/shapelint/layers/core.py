"""Shapes, results and the base class every layer spec derives from.

A dimension is an ``int`` (known), a ``str`` (a symbolic name such as the batch ``N``,
carried through unchanged; or an exact expression of the unknown input sizes, an
``Expr`` from ``symbolic.py``) or ``None`` (unknown).  Nothing here raises on bad user
input: torch's refusals come back as :class:`Failure` values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from .symbolic import Expr, product

if TYPE_CHECKING:  # only for the type checker: no runtime dependency
    from typing_extensions import TypeGuard

Dim = Union[int, str, None]
Shape = Tuple[Dim, ...]


class _Unknown:
    """A constructor argument whose value the analysis could not determine."""

    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
REQUIRED: Any = object()

# Failure kinds are the rule names; the rule module maps them to codes.
SPATIAL = "spatial-collapse"
CHANNELS = "channel-mismatch"
FEATURES = "in-features-mismatch"
NORM = "norm-features-mismatch"
ARGS = "invalid-layer-args"
MERGE = "merge-mismatch"
RESHAPE = "reshape-mismatch"
RANK = "rank-mismatch"
ASSERT = "shape-assert"  # a user's own assert on shapes, not a torch check


@dataclass(frozen=True)
class Failure:
    """Why torch would refuse: at construction (``stage='init'``) or in forward."""

    kind: str
    message: str
    arg: Optional[str] = None  # the argument whose value should change
    suggestion: Any = None  # a value for ``arg`` that torch would accept
    stage: str = "forward"


@dataclass(frozen=True)
class Result:
    """The output shape of one call, and the failure if torch would refuse it.

    On failure ``shape`` is what the layer would produce were it right (so one bug is
    one finding); ``None`` means not even the rank is known.
    """

    shape: Optional[Shape]
    failure: Optional[Failure] = None
    # layers that return several tensors (an LSTM's output, (h_n, c_n)): the whole
    # structure as nested tuples of shapes; ``shape`` is then the first one
    outputs: Any = None
    # what torch will require of sizes that are expressions of an unknown input
    conditions: Tuple["Condition", ...] = ()


@dataclass(frozen=True)
class Condition:
    """A requirement torch checks on sizes that are expressions of the unknown input
    (``layers/symbolic.py``): ``lhs == rhs``, or ``lhs >= 1`` when ``rhs`` is None.  It
    becomes a finding of ``kind`` (at ``arg``) only if no input size can meet it."""

    kind: str
    lhs: Any
    rhs: Any
    what: str  # what is compared, for the message: "in_features", "dim 2 of the tensors"
    arg: Optional[str] = None
    alternatives: Tuple[Tuple[Any, Any], ...] = ()  # other (lhs, rhs) pairs, any of which also does


@dataclass(frozen=True)
class Param:
    name: str
    default: Any = REQUIRED
    tensor: bool = False  # functional forms: a tensor argument, bound to its shape
    kw_only: bool = False


@dataclass(frozen=True)
class Bound:
    """Arguments bound to a signature, defaults filled in."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


# --- dimension helpers -----------------------------------------------------------


def is_int(v: Any) -> "TypeGuard[int]":
    return isinstance(v, int) and not isinstance(v, bool)


def known(*values: Any) -> bool:
    """True when every value (recursing into tuples/lists) is fully known."""
    for v in values:
        if v is UNKNOWN or v is None:
            return False
        if isinstance(v, (tuple, list)) and not known(*v):
            return False
    return True


def prod(dims: Iterable[Dim]) -> Dim:
    """Product of dims; unknown if any is not an int."""
    total = 1
    for d in dims:
        if not is_int(d):
            return None
        total *= d
    return total


def exact_prod(dims: Iterable[Dim]) -> Dim:
    """Product of dims that are ints or expressions of the unknown input (flatten's merged
    size); unknown if any is neither.  Kept apart from ``prod``, whose callers do int math."""
    values = list(dims)
    if all(is_int(d) for d in values):
        return prod(values)
    exprs = [d for d in values if is_int(d) or isinstance(d, Expr)]
    if len(exprs) != len(values):
        return None
    return product(exprs)


def fmt_dim(d: Any) -> str:
    """A dim in a message: ``?`` unknown, ``...`` any number of leading dims."""
    return "?" if d is None else "..." if d is Ellipsis else str(d)


def fmt_shape(shape: Optional[Sequence[Dim]]) -> str:
    if shape is None:
        return "(?)"
    return "(" + ", ".join(fmt_dim(d) for d in shape) + ")"


def ntuple(value: Any, n: int) -> Optional[Tuple[Any, ...]]:
    """torch's ``_ntuple``: an int repeats, a sequence must have length n (else None)."""
    if value is UNKNOWN:
        return (UNKNOWN,) * n
    if isinstance(value, (tuple, list)):
        return tuple(value) if len(value) == n else None
    return (value,) * n


def norm_dim(dim: int, rank: int) -> Optional[int]:
    """Wrap a possibly negative dim index; None when out of range (torch's IndexError)."""
    r = max(rank, 1)
    if -r <= dim < r:
        return dim % r
    return None


def rank_names(ranks: Sequence[int]) -> str:
    return " or ".join(f"{r}-D" for r in ranks)


# --- the base spec ---------------------------------------------------------------


class Layer:
    """One torch layer or function: signature, construction checks, forward shape.

    ``name`` is torch's class or function name; ``qualnames`` the fully qualified
    names that resolve to it.  Functional forms set ``functional = True`` and mark
    their tensor parameters in the signature.
    """

    name: str = ""
    qualnames: Tuple[str, ...] = ()
    signature: Tuple[Param, ...] = ()
    functional: bool = False
    n_inputs: int = 1
    seed_keeps_leading = False  # its seed knows only the last dim (leading dims may be anything)

    def reads_only_last_dim(self, cfg: Bound) -> bool:
        """Whether its check of the input reads nothing but the last dim: then a failure
        stands even where only that dim is known (an input of any rank ending in it)."""
        return False

    # binding -----------------------------------------------------------------
    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Union[Bound, Failure]:
        params = [p for p in self.signature]
        positional = [p for p in params if not p.kw_only]
        values: dict = {}
        if len(args) > len(positional):
            return Failure(
                ARGS,
                f"{self.name}() takes {len(positional)} positional arguments but {len(args)} were given",
                stage="init",
            )
        for p, v in zip(positional, args):
            values[p.name] = v
        names = {p.name for p in params}
        for k, v in kwargs.items():
            if k not in names:
                return Failure(ARGS, f"{self.name}() got an unexpected keyword argument '{k}'", stage="init")
            if k in values:
                return Failure(ARGS, f"{self.name}() got multiple values for argument '{k}'", stage="init")
            values[k] = v
        for p in params:
            if p.name not in values:
                if p.default is REQUIRED:
                    return Failure(
                        ARGS, f"{self.name}() missing required argument '{p.name}'", arg=p.name, stage="init"
                    )
                values[p.name] = p.default
        return Bound(values)

    # the spec ------------------------------------------------------------------
    def check(self, cfg: Bound) -> Optional[Failure]:
        """What torch's constructor refuses (or, for functions, argument errors)."""
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        """Output shape for the given input shape(s), or the failure."""
        raise NotImplementedError

    def params(self, cfg: Bound) -> Optional[int]:
        return 0

    def weights(self, cfg: Bound) -> Mapping[str, Shape]:
        """The shapes of its parameters by name, where known (for weight_norm's extra one)."""
        return {}

    def seed(self, cfg: Bound) -> Optional[Shape]:
        """An input to assume when none is known: only the dims this layer itself names
        (its channels or features), batched; None when the layer names none."""
        return None

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        return 0

    # convenience -----------------------------------------------------------------
    def apply(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        """Construction checks, then forward: the whole life of one call."""
        failure = self.check(cfg)
        if failure is not None:
            return Result(None, failure)
        return self.forward(cfg, *inputs)

    def __repr__(self) -> str:
        return f"<layer {self.name}>"
