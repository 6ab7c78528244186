"""Type dispatch: ``isinstance``, ``issubclass``, ``type``, ``callable`` and the attribute
builtins (``getattr``/``hasattr``/``setattr``/``vars``) on what the interpreter knows.

Models choose a forward path by type (``if isinstance(block, ResBlock)``); an undecided
test makes forward follow every branch, which feeds blocks inputs they never get.  So a
test answers True or False when the value's class and all its bases are known, and
UNKNOWN otherwise: an unresolved base might be the class asked about.
"""

from __future__ import annotations

import collections.abc
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Tuple

from ..layers import REGISTRY, UNKNOWN, lookup
from .builtins import BUILTINS, _builtin
from .classes import CONTAINER_QUALNAMES, MODULE_QUALNAMES
from .common import Sym, _Iter
from .overlays import CONSTANTS, LIBRARY
from .values import BoundMethod, ClassRef, EnumMember, FuncRef, Instance, LambdaRef, ModuleObj, Partial, Record, Tensor, TorchNames, TorchRef, TupleType

if TYPE_CHECKING:
    from .machine import Machine

# torch layer classes that derive from another layer the registry knows (checked against torch)
LAYER_PARENTS: Dict[str, Tuple[str, ...]] = {
    "ReLU6": ("Hardtanh",),
    "UpsamplingNearest2d": ("Upsample",),
    "UpsamplingBilinear2d": ("Upsample",),
    "ZeroPad1d": ("ConstantPad1d",),
    "ZeroPad2d": ("ConstantPad2d",),
    "ZeroPad3d": ("ConstantPad3d",),
}
PY_TYPES: Dict[str, Any] = {
    "py:int": int, "py:float": float, "py:bool": bool, "py:str": str, "py:list": list, "py:tuple": tuple, "py:dict": dict,
    "abc:Iterable": collections.abc.Iterable, "abc:Sequence": collections.abc.Sequence,
    "abc:Mapping": collections.abc.Mapping, "abc:Callable": collections.abc.Callable,
}
ABC_NAMES = {
    "Iterable": "abc:Iterable", "Sequence": "abc:Sequence", "Mapping": "abc:Mapping", "Callable": "abc:Callable",
    "List": "py:list", "Tuple": "py:tuple", "Dict": "py:dict",
}
# what a builtin base makes a class also count as
IMPLIED = {
    "py:bool": ("py:int",), "py:list": ("abc:Sequence", "abc:Iterable"), "py:tuple": ("abc:Sequence", "abc:Iterable"),
    "py:str": ("abc:Sequence", "abc:Iterable"), "py:dict": ("abc:Mapping", "abc:Iterable"),
    "abc:Sequence": ("abc:Iterable",), "abc:Mapping": ("abc:Iterable",),
}

# functions of torch.nn.functional the interpreter models (their existence checked against torch)
FUNCTIONAL_MEMBERS = frozenset({
    "relu", "relu_", "relu6", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "softplus", "softsign",
    "logsigmoid", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "softmax", "log_softmax", "softmin", "normalize", "layer_norm", "group_norm", "batch_norm", "instance_norm",
    "rms_norm", "local_response_norm",
})


def torch_has(qual: str) -> Any:
    """``hasattr`` on a torch module: True for a member the interpreter models (every one
    exists in the torch it models), UNKNOWN for any other (it may exist too, or not)."""
    module, _, name = qual.rpartition(".")
    if lookup(qual) is not None or qual in CONTAINER_QUALNAMES or qual in MODULE_QUALNAMES:
        return True
    return True if module == "torch.nn.functional" and name in FUNCTIONAL_MEMBERS else UNKNOWN



def _prefixes(quals: Any) -> FrozenSet[str]:
    return frozenset(q.rsplit(".", i)[0] for q in quals for i in range(q.count(".") + 1))


_KNOWN_NAMES: Optional[FrozenSet[str]] = None


def torch_known(qual: str) -> bool:
    """A name in torch or a modelled library that certainly exists: one the registry, the
    overlays or the class tokens know, or a module holding one (``torch.missing`` is not)."""
    global _KNOWN_NAMES
    if _KNOWN_NAMES is None:
        _KNOWN_NAMES = _prefixes(list(REGISTRY) + list(LIBRARY) + list(CONSTANTS) + list(CONTAINER_QUALNAMES) + list(MODULE_QUALNAMES))
    return qual in _KNOWN_NAMES or torch_has(qual) is True or torch_token(qual) is not None


def torch_token(qual: str) -> Optional[str]:
    """The one name a torch or library class is tested by, None for one we do not model."""
    if qual in MODULE_QUALNAMES:
        return "torch.nn.Module"
    if qual in CONTAINER_QUALNAMES:
        return f"container:{CONTAINER_QUALNAMES[qual]}"
    if qual in ("torch.Tensor", "functools.partial", "builtins.type", "builtins.object"):
        return qual
    if qual in ("types.FunctionType", "types.LambdaType", "builtins.function"):
        return "builtins.function"  # one class: what ``def`` and ``lambda`` make
    if qual.startswith("enum.") or qual == "typing.NamedTuple":
        return qual
    head, _, short = qual.rpartition(".")
    if head in ("collections.abc", "typing", "typing_extensions") and short in ABC_NAMES:
        return ABC_NAMES[short]
    spec = lookup(qual)
    if spec is not None and not spec.functional:
        return f"layer:{spec.name}"
    return None


def kind_token(kind: Any) -> Any:
    """A classinfo as a token: ("cls", node id) for a user class, a name for the rest."""
    if isinstance(kind, ClassRef):
        return ("cls", id(kind.node))
    if isinstance(kind, TupleType):
        return ("cls", id(kind))
    if isinstance(kind, TorchRef):
        return torch_token(kind.qualname)
    if callable(kind) and getattr(kind, "__shapelint_type__", None):
        return kind.__shapelint_type__
    return None


def _with_implied(tokens: set) -> FrozenSet[Any]:
    for t in list(tokens):
        tokens.update(IMPLIED.get(t, ()) if isinstance(t, str) else ())
    return frozenset(tokens)


def _layer_tokens(name: str) -> set:
    return {f"layer:{name}", *(f"layer:{p}" for p in LAYER_PARENTS.get(name, ()))}


def class_tokens(m: Machine, cls: Any) -> Tuple[FrozenSet[Any], bool]:
    """Every token the class is a subclass of, and whether that list is the whole truth."""
    if isinstance(cls, TupleType):
        return _with_implied({("cls", id(cls)), "py:tuple", "builtins.object"}), True
    if isinstance(cls, TorchRef):
        token = torch_token(cls.qualname)
        if token is None:
            return frozenset(), False
        out = {token, "builtins.object"}
        if token.startswith(("layer:", "container:")):
            out.add("torch.nn.Module")
        if token.startswith("layer:"):
            out |= _layer_tokens(token[6:])
        return _with_implied(out), not token.startswith("abc:")
    if callable(cls) and getattr(cls, "__shapelint_type__", None):
        return _with_implied({cls.__shapelint_type__, "builtins.object"}), True
    if not isinstance(cls, ClassRef):
        return frozenset(), False
    lin = m.lineage(cls)
    tokens: set = {"builtins.object"}
    complete = lin.complete
    for c in lin.classes:
        if isinstance(c, (ClassRef, TupleType)):
            tokens.add(kind_token(c))
        elif isinstance(c, TorchRef):
            sub, whole = class_tokens(m, c)
            tokens |= sub
            complete = complete and whole
    for t in lin.tokens:
        if t.startswith("py:"):
            tokens.add(t)
    if "enum.IntEnum" in tokens or "enum.IntFlag" in tokens:
        tokens.add("py:int")
    if "enum.StrEnum" in tokens:
        tokens.add("py:str")
    if any(t in ("enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag") for t in tokens):
        tokens.add("enum.Enum")
    if "typing.NamedTuple" in tokens:
        tokens.add("py:tuple")
    if m.defines(cls, "__iter__"):
        tokens.add("abc:Iterable")
    if m.defines(cls, "__call__"):
        tokens.add("abc:Callable")
    return _with_implied(tokens), complete


def value_class(m: Machine, v: Any) -> Any:
    """The class of a value as the interpreter knows it, or UNKNOWN."""
    if isinstance(v, Instance):
        return v.cls
    if isinstance(v, EnumMember):
        return v.cls
    if isinstance(v, Record):
        return v.kind
    if isinstance(v, Tensor):
        return TorchRef("torch.Tensor")
    if isinstance(v, Partial):
        return TorchRef("functools.partial")
    if isinstance(v, ModuleObj):
        if v.cls is not None:
            return v.cls
        if v.spec is not None and v.kind == "leaf" and v.spec.qualnames:
            return TorchRef(v.spec.qualnames[0])
        if v.kind in ("sequential", "modulelist", "moduledict"):
            return TorchRef({"sequential": "torch.nn.Sequential", "modulelist": "torch.nn.ModuleList", "moduledict": "torch.nn.ModuleDict"}[v.kind])
        return UNKNOWN
    if isinstance(v, (bool, int, float, str, list, tuple, dict)) and type(v).__name__ in BUILTINS:
        return BUILTINS[type(v).__name__]
    return UNKNOWN


def instance_of(m: Machine, v: Any, kind: Any) -> Any:
    """``isinstance(v, kind)`` for one class: True, False or UNKNOWN."""
    want = kind_token(kind)
    if want is None or v is UNKNOWN or isinstance(v, Sym):
        return UNKNOWN
    if want == "builtins.object":
        return True
    if isinstance(v, (bool, int, float, str, list, tuple, dict)) and not isinstance(v, Record) or v is None:
        if isinstance(want, str) and want in PY_TYPES:
            return isinstance(v, PY_TYPES[want])
        return False  # a builtin value is no instance of a user, torch or enum class
    if isinstance(v, _Iter):
        return True if want == "abc:Iterable" else UNKNOWN  # a range, a generator, a zip...
    if want == "builtins.type":
        if isinstance(v, (ClassRef, TupleType)) or callable(v) and getattr(v, "__shapelint_type__", None):
            return True
        if not isinstance(v, TorchRef):
            return False
    if isinstance(v, TorchRef):
        return _torch_object_is(v.qualname, want)
    if want == "builtins.function" and (isinstance(v, LambdaRef) or isinstance(v, FuncRef) and not v.node.decorators):
        return True  # a plain ``def`` or ``lambda`` (a decorator may return anything)
    if want == "builtins.function" and (isinstance(v, FuncRef) or callable(v) and getattr(v, "__shapelint_builtin__", False)):
        return UNKNOWN  # decorated, or a library function: Python-level or builtin
    if isinstance(v, (FuncRef, LambdaRef, BoundMethod, ClassRef, TupleType)) or callable(v) and getattr(v, "__shapelint_builtin__", False):
        return want == "abc:Callable"
    cls = value_class(m, v)
    if cls is UNKNOWN:
        if isinstance(v, ModuleObj):  # a torch layer we have no spec for
            return True if want == "torch.nn.Module" else UNKNOWN
        return UNKNOWN
    tokens, complete = class_tokens(m, cls)
    if isinstance(v, ModuleObj):
        tokens = tokens | {"torch.nn.Module"}
    if want in tokens:
        return True
    if isinstance(want, str) and want.startswith("abc:") and not isinstance(v, (Record, Partial, EnumMember, Instance)):
        return UNKNOWN  # tensors and modules: iterable or not, we do not say
    return False if complete else UNKNOWN


def torch_callable(qual: str) -> Optional[str]:
    """"class" or "function" for a torch name the registry or the overlays know, else None."""
    spec = lookup(qual)
    if torch_token(qual) in ("torch.nn.Module", "torch.Tensor") or str(torch_token(qual)).startswith(("layer:", "container:")):
        return "class"
    if spec is not None or qual in LIBRARY:
        return "function"
    return None


def _torch_object_is(qual: str, want: Any) -> Any:
    """``isinstance(nn.Conv2d, ...)``: a torch class or function is a class or a callable, nothing else."""
    if isinstance(want, tuple):
        return False  # a torch object is no project class
    what = torch_callable(qual)
    if what is None:
        return UNKNOWN  # a constant such as torch.float32, or a module
    if want == "builtins.type":
        return what == "class"
    if want == "builtins.function":
        return False if what == "class" else UNKNOWN  # torch.cat is builtin, F.relu is a def
    return want == "abc:Callable"


def _classinfo(kinds: Any) -> Optional[List[Any]]:
    if isinstance(kinds, tuple) and not isinstance(kinds, Record):
        out: List[Any] = []
        for k in kinds:
            inner = _classinfo(k)
            if inner is None:
                return None
            out.extend(inner)
        return out
    return [kinds]


def _any(results: List[Any]) -> Any:
    if any(r is True for r in results):
        return True
    return False if all(r is False for r in results) else UNKNOWN


@_builtin
def _isinstance(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    kinds = _classinfo(args[1]) if len(args) == 2 and not kwargs else None
    if kinds is None:
        return UNKNOWN
    return _any([instance_of(m, args[0], k) for k in kinds])


@_builtin
def _issubclass(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    kinds = _classinfo(args[1]) if len(args) == 2 and not kwargs else None
    if kinds is None:
        return UNKNOWN
    tokens, complete = class_tokens(m, args[0])
    if not tokens:
        return UNKNOWN
    results = []
    for k in kinds:
        want = kind_token(k)
        results.append(UNKNOWN if want is None else True if want in tokens else False if complete else UNKNOWN)
    return _any(results)


@_builtin
def _type(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1 or kwargs:
        return UNKNOWN
    v = args[0]
    if isinstance(v, (ClassRef, TupleType)):
        return TorchRef("builtins.type")  # without metaclasses: a class's type is ``type``
    if isinstance(v, TorchRef) and v.qualname.split(".")[-1][:1].isupper():
        return TorchRef("builtins.type")
    if isinstance(v, (FuncRef, LambdaRef)):
        return TorchRef("builtins.function")
    return value_class(m, v)


@_builtin
def _callable(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 1:
        return UNKNOWN
    v = args[0]
    if isinstance(v, (FuncRef, LambdaRef, ClassRef, TupleType, Partial, BoundMethod, ModuleObj)):
        return True
    if callable(v) and getattr(v, "__shapelint_builtin__", False):
        return True
    if isinstance(v, TorchRef):
        return True if torch_callable(v.qualname) else UNKNOWN
    if isinstance(v, (bool, int, float, str, list, tuple, dict, Tensor)) or v is None:
        return False
    if isinstance(v, (Instance, EnumMember)):
        tokens, complete = class_tokens(m, v.cls)
        return True if "abc:Callable" in tokens else False if complete else UNKNOWN
    return UNKNOWN


@_builtin
def _getattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) not in (2, 3) or not isinstance(args[1], str):
        return UNKNOWN
    obj, name = args[0], args[1]
    if len(args) == 3 and isinstance(obj, Instance):
        has = m.has_attr(obj, name)
        if has is False:
            return args[2]
        if has is UNKNOWN:
            return UNKNOWN
    v = m.getattr(obj, name)
    return v


@_builtin
def _hasattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 2 or not isinstance(args[1], str):
        return UNKNOWN
    obj, name = args
    if isinstance(obj, Instance):
        return m.has_attr(obj, name)
    if isinstance(obj, ModuleObj) and (name in obj.children or name in obj.attrs or name in obj.parameters):
        return True
    if isinstance(obj, TorchRef) and obj.qualname.startswith("torch"):
        return torch_has(f"{obj.qualname}.{name}")
    return UNKNOWN


@_builtin
def _dir(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``dir(torch.nn.functional)``, asked only whether it holds a name (timm's ``_has_silu``)."""
    if len(args) == 1 and not kwargs and isinstance(args[0], TorchRef) and args[0].qualname.startswith("torch"):
        return TorchNames(args[0].qualname)
    return UNKNOWN


@_builtin
def _setattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) != 3:
        return None
    obj, name, value = args
    if isinstance(obj, ModuleObj):
        if isinstance(name, str):
            obj.register(name, value)
            if value is UNKNOWN:
                obj.lose_members()  # it may have been a module
        elif isinstance(value, ModuleObj) or value is UNKNOWN:
            obj.keep_place(value)
        else:
            obj.lose_members()  # a name we cannot read: the tree is not whole
    elif isinstance(obj, Instance):
        if isinstance(name, str):
            m.set_attr(obj, name, value)
        else:
            obj.open = True
    return None


@_builtin
def _object_setattr(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``object.__setattr__(self, name, value)``: how a frozen dataclass sets a field."""
    if len(args) == 3 and isinstance(args[0], Instance):
        if isinstance(args[1], str):
            args[0].attrs[args[1]] = args[2]
            args[0].maybe.discard(args[1])
        else:
            args[0].open = True
    return None


@_builtin
def _vars(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], Instance):
        return m.instance_attr(args[0], "__dict__")
    return UNKNOWN


_type.__shapelint_type__ = "builtins.type"
DISPATCH: Dict[str, Any] = {
    "isinstance": _isinstance,
    "issubclass": _issubclass,
    "type": _type,
    "callable": _callable,
    "getattr": _getattr,
    "hasattr": _hasattr,
    "setattr": _setattr,
    "vars": _vars,
    "dir": _dir,
    "object": TorchRef("builtins.object"),
}
LIBRARY_DISPATCH: Dict[str, Any] = {"builtins.object.__setattr__": _object_setattr}


def class_key(v: Any) -> Any:
    """What identifies a class value, so that ``type(x) is C`` and ``cls == nn.Conv2d``
    can be decided; None for a value that is not a class."""
    if isinstance(v, (ClassRef, TupleType)):
        return kind_token(v)
    if isinstance(v, TorchRef):
        return torch_token(v.qualname) or ("torch", v.qualname)
    if callable(v) and getattr(v, "__shapelint_type__", None):
        return v.__shapelint_type__
    return None


def same_class(a: Any, b: Any) -> Any:
    ka, kb = class_key(a), class_key(b)
    if ka is None or kb is None:
        return UNKNOWN
    if ka == kb:
        return True
    if isinstance(ka, tuple) and isinstance(kb, tuple) and ka[0] == kb[0] == "torch":
        return UNKNOWN  # two names in torch may be one object (torch.concat is torch.cat)
    return False


def _settled(v: Any) -> bool:
    """A value whose identity differs from any Instance's or enum member's."""
    return v is None or isinstance(v, (bool, int, float, str, list, tuple, dict, Tensor, ModuleObj))


def identical(a: Any, b: Any) -> Any:
    """``a is b`` for classes, enum members and instances; UNKNOWN for the rest."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if class_key(a) is not None and class_key(b) is not None:
        return same_class(a, b)
    for kind in (EnumMember, Instance):
        if isinstance(a, kind) or isinstance(b, kind):
            if isinstance(a, kind) and isinstance(b, kind):
                return a == b if kind is EnumMember else a is b
            other = b if isinstance(a, kind) else a
            return False if _settled(other) or isinstance(other, (EnumMember, Instance)) else UNKNOWN
    return UNKNOWN


def unwrap(v: Any) -> Any:
    """An IntEnum or StrEnum member compares and computes as its value."""
    return v.value if isinstance(v, EnumMember) and v.mixin else v
