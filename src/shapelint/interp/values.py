"""The values the abstract interpreter computes with.

Plain Python values (int, float, str, bool, None, tuple, list, dict) stand for
themselves; ``UNKNOWN`` for anything not followed.  The classes here stand for what
user code builds: tensors (a shape), modules (a layer tree), and references to
functions and classes that are *read*, never run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Set, Tuple, Type, TypeVar

import libcst as cst

from ..layers import UNKNOWN, Bound, Failure, Layer, Shape

if TYPE_CHECKING:
    from ..extract.index import ModuleInfo


@dataclass(frozen=True)
class Note:
    """Provenance for messages, e.g. "16×5×5 after flatten, line {line}".

    The line is looked up only when a message is written: positions cost a pass over
    the whole file, which a clean run should not pay for.
    """

    template: str
    site: Optional["Site"] = None

    def __str__(self) -> str:
        return self.text()

    def text(self, here: Optional["ModuleInfo"] = None) -> str:
        """The note for a finding in ``here``: a line in another file (a library's) names its module."""
        if self.site is None or "{line}" not in self.template:
            return self.template
        line = str(self.site.info.line(self.site.node))
        if here is not None and self.site.info is not here and self.site.info.name:
            line += f" of {self.site.info.name}"
        return self.template.replace("{line}", line)

    def __bool__(self) -> bool:
        return bool(self.template)


@dataclass(frozen=True)
class Tensor:
    shape: Optional[Shape]  # None: not even the rank is known
    note: Any = ""  # provenance for messages: a Note (or "")
    # What the shape rests on besides facts: "batched", a seeded input's rank was assumed;
    # "last", only its last dim is known (a Linear's input may have any leading dims);
    # "failed", it comes after a call torch refuses (the shape that call would give if right).
    assumed: FrozenSet[str] = frozenset()
    # its dtype where known ("int64", "bool", "float32"...): an integer tensor indexes,
    # a bool one masks; None: not known (any operation not modelled gives that)
    dtype: Optional[str] = None

    def __init__(self, shape: Optional[Shape], note: Any = "", assumed: FrozenSet[str] = frozenset(), dtype: Optional[str] = None) -> None:
        # as Site's: the fields set directly (ConstTensor has the dataclass's own __init__)
        fields = self.__dict__
        fields["shape"] = shape
        fields["note"] = note
        fields["assumed"] = assumed
        fields["dtype"] = dtype

    @property
    def rank(self) -> Optional[int]:
        return None if self.shape is None else len(self.shape)


INTEGER_DTYPES = frozenset({"int64", "int32", "int16", "int8", "uint8"})
FLOAT_DTYPES = frozenset({"float32", "float64", "float16", "bfloat16"})


class _Writes:
    """In-place writes to tensors seen so far (``t[i] = v``, ``t.add_(1)``, a tensor handed
    to code not followed): any of them may have changed any array made before it, through
    a view or an alias the interpreter does not track."""

    count = 0


def tensor_written() -> None:
    _Writes.count += 1


@dataclass(frozen=True)
class ConstTensor(Tensor):
    """A small tensor or numpy array whose values are known (``torch.linspace(0, .1, 12)``,
    ``np.arange(8)``): flat, row-major, already rounded to its dtype.  It is a Tensor of
    its shape everywhere; only the operations ``overlays/arrays.py`` models keep values."""

    data: Tuple[Any, ...] = ()
    dtype: str = "float32"  # float32, float64, int64, int32 or bool
    lib: str = "torch"  # "torch" or "numpy": their promotion rules differ
    written: int = field(default_factory=lambda: _Writes.count, compare=False)  # the writes before it was made

    @property
    def stale(self) -> bool:
        """Its values may have been written over since it was made."""
        return self.written < _Writes.count


@dataclass(frozen=True)
class Parameter:
    """An ``nn.Parameter`` attribute: counts towards the parameter total."""

    shape: Optional[Shape]


@dataclass(frozen=True)
class TorchRef:
    """A name inside torch, e.g. ``torch.nn.Conv2d`` or ``torch.nn.functional``."""

    qualname: str


@dataclass(frozen=True)
class TorchNames:
    """``dir(torch.nn.functional)``: only ``name in`` it is answered, and only for a
    member the interpreter knows torch has (see ``dispatch.torch_has``)."""

    qualname: str


@dataclass(frozen=True)
class Site:
    """A place in the source: the file it is in and the node.

    For an argument handed down through helpers and blocks, the site is the outermost
    place it was written, and ``inner`` the places it was passed on to, in order; the
    last of them is the argument of the layer itself.
    """

    info: "ModuleInfo"
    node: cst.CSTNode
    inner: Tuple["Site", ...] = ()

    def __init__(self, info: "ModuleInfo", node: cst.CSTNode, inner: Tuple["Site", ...] = ()) -> None:
        # the dataclass's own __init__ of a frozen class sets each field through
        # object.__setattr__; a site is made for every call and argument read
        fields = self.__dict__
        fields["info"] = info
        fields["node"] = node
        fields["inner"] = inner

    @property
    def innermost(self) -> "Site":
        return self.inner[-1] if self.inner else self


@dataclass(frozen=True)
class ModuleRef:
    """A module of the project used as a value (``from . import heads``; ``heads.Head``)."""

    info: "ModuleInfo"


@dataclass(frozen=True)
class FuncRef:
    info: "ModuleInfo"
    node: cst.FunctionDef
    closure: Optional[Dict[str, Any]] = None  # for nested functions
    owner: Optional["ClassRef"] = None  # the class a method is defined in, for super()

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(frozen=True, eq=False)
class LambdaRef:
    """A ``lambda``: called like a function; its free names are read from the frame it was
    made in when it runs (late binding, as in Python)."""

    info: "ModuleInfo"
    node: cst.Lambda
    closure: Dict[str, Any]


class PyValue:
    """A library object an overlay models (a regex match, a compiled pattern, an endless
    iterator): the overlay answers its attributes and methods; anything else is UNKNOWN."""

    def attribute(self, name: str) -> Any:
        return BoundMethod(self, name)

    def method(self, m: Any, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        return UNKNOWN


@dataclass(frozen=True)
class ClassRef:
    info: "ModuleInfo"
    node: cst.ClassDef

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(frozen=True)
class Partial:
    """``functools.partial(func, *args, **kwargs)``."""

    func: Any
    args: Tuple[Any, ...]
    kwargs: Tuple[Tuple[str, Any], ...]


@dataclass(frozen=True)
class BoundMethod:
    obj: Any
    func: Any  # FuncRef, or a str naming a builtin method


class Struct(tuple):
    """A ``torch.return_types`` value (``x.max(1)``, ``x.topk(k)``): a tuple whose items
    also have names, so ``.values`` and ``[0]`` both work."""

    fields: Tuple[str, ...] = ()

    def __new__(cls, items: Tuple[Any, ...], fields: Tuple[str, ...]) -> "Struct":
        obj = super().__new__(cls, items)
        obj.fields = fields
        return obj
@dataclass(eq=False)
class Instance:
    """An instance of a user class that is not an nn.Module: a config object, a builder,
    a dataclass.  Its identity matters (builders keep state), so it compares by identity.

    ``maybe`` names attributes that may or may not have been set (a branch or loop we
    could not follow assigned them); ``open`` is True once code we do not follow may have
    changed it, so an attribute we have not seen may still exist.
    """

    cls: ClassRef
    attrs: Dict[str, Any] = field(default_factory=dict)
    maybe: Set[str] = field(default_factory=set)
    open: bool = False
    truth: Optional[bool] = None  # bool(instance); None when its class may decide otherwise


@dataclass(frozen=True, eq=False)
class EnumMember:
    """A member of a user ``enum.Enum`` class; ``mixin`` is "int" or "str" for IntEnum,
    StrEnum and ``class C(str, Enum)``, whose members also behave as their values."""

    cls: ClassRef
    name: str
    value: Any
    mixin: Optional[str] = None
    truth: Optional[bool] = True

    def __eq__(self, other: object) -> bool:
        if self.mixin:  # an IntEnum member is the int it holds
            return bool(self.value == (other.value if isinstance(other, EnumMember) and other.mixin else other))
        if isinstance(other, EnumMember):
            return self.cls.node is other.cls.node and self.name == other.name
        return False

    def __hash__(self) -> int:
        return hash(self.value) if self.mixin else hash((id(self.cls.node), self.name))


@dataclass(eq=False)
class TupleType:
    """A class made by ``collections.namedtuple(...)`` or functional ``typing.NamedTuple``."""

    name: str
    fields: Tuple[str, ...]
    defaults: Dict[str, Any] = field(default_factory=dict)


_R = TypeVar("_R", bound="Record")


class Record(tuple):
    """A namedtuple instance: a real tuple (indexing, unpacking, ``len``) whose items also
    have names; ``kind`` is its class (a ClassRef or a TupleType)."""

    kind: Any
    fields: Tuple[str, ...]

    def __new__(cls: Type[_R], items: Any, kind: Any, fields: Tuple[str, ...]) -> _R:
        self = super().__new__(cls, items)
        self.kind = kind
        self.fields = fields
        return self

    def field(self, name: str) -> Any:
        return self[self.fields.index(name)] if name in self.fields else UNKNOWN


CONTAINERS = ("sequential", "modulelist", "moduledict")


@dataclass(eq=False)
class ModuleObj:
    """A module instance: a torch layer (leaf), a container, or a user nn.Module."""

    type_name: str
    kind: str  # "leaf", "sequential", "modulelist", "moduledict", "custom"
    site: Optional[Site] = None  # the constructor call
    spec: Optional[Layer] = None
    cfg: Optional[Bound] = None
    bind_failure: Optional[Failure] = None
    arg_sites: Dict[str, Site] = field(default_factory=dict)  # argument -> where to report it
    children: Dict[str, "ModuleObj"] = field(default_factory=dict)
    attrs: Dict[str, Any] = field(default_factory=dict)
    cls: Optional[ClassRef] = None  # user class, for its forward and methods
    container: Optional[str] = None  # torch container base of a user class
    complete: bool = True  # False when __init__ did something we could not follow
    members_known: bool = True  # False when children may be missing at places we do not know
    parameters: Dict[str, Parameter] = field(default_factory=dict)
    buffers: List[str] = field(default_factory=list)  # register_buffer's names; the tensors are in attrs

    def register(self, name: str, value: Any) -> None:
        """``setattr`` on an nn.Module: modules become children, in order."""
        if isinstance(value, ModuleObj):
            self.children.pop(name, None)
            self.children[name] = value
            self.attrs.pop(name, None)
            self.parameters.pop(name, None)
        elif isinstance(value, Parameter):
            self.parameters[name] = value
            self.children.pop(name, None)
        else:
            if name in self.children and value is None:
                self.children.pop(name)
            self.attrs[name] = value

    def lose_members(self) -> None:
        """Children may be missing, where we cannot say: iterating them or running them in
        order would be a guess."""
        self.complete = False
        self.members_known = False

    def keep_place(self, value: Any) -> None:
        """A child registered under a name we cannot read: it keeps its place in the
        order (a Sequential still runs it, as an unknown layer), the tree is not whole."""
        self.complete = False
        if isinstance(value, ModuleObj) or value is UNKNOWN:
            self.children[f"?{len(self.children)}"] = value if isinstance(value, ModuleObj) else ModuleObj("?", "leaf")

    @property
    def is_sequential(self) -> bool:
        return self.kind == "sequential" or self.container == "sequential"


def walk_modules(root: ModuleObj, prefix: str = "") -> List[Tuple[str, ModuleObj]]:
    """torch's ``named_modules()``: pre-order, each instance once."""
    seen: set = set()
    out: List[Tuple[str, ModuleObj]] = []

    def visit(name: str, m: ModuleObj) -> None:
        if id(m) in seen:
            return
        seen.add(id(m))
        out.append((name, m))
        for child_name, child in m.children.items():
            visit(f"{name}.{child_name}" if name else child_name, child)

    visit(prefix, root)
    return out


__all__ = [
    "UNKNOWN", "ModuleRef", "Note", "Tensor", "ConstTensor", "LambdaRef", "PyValue", "Parameter", "TorchRef", "Site", "FuncRef", "ClassRef", "Partial", "BoundMethod",
    "ModuleObj", "walk_modules", "CONTAINERS", "Struct", "Instance", "EnumMember", "TupleType", "Record",
]
