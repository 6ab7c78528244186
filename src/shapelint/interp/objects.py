"""Instances of user classes that are not nn.Modules: config objects, builders, dataclasses,
enums and namedtuples.

A model's ``__init__`` reads its sizes from such objects (``config.hidden_size``), so they
are built by running their ``__init__`` as any other user code.  What a class builds is read
once from its bases and decorators (``class_kind``); the library parts (dataclass fields,
enum members, namedtuple fields) live in ``overlays/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Tuple, cast

import libcst as cst

from ..extract.walk import walk
from ..layers import UNKNOWN
from .classes import _is_accessor
from .common import _AUG, MAX_DEPTH, ArgSites, Frame
from .overlays import dataclasses as dc
from .overlays import enum as en
from .overlays.namedtuple import make_record

if TYPE_CHECKING:
    from .machine import Machine
from .values import BoundMethod, ClassRef, EnumMember, FuncRef, Instance, Record, Site, TorchRef, TupleType

# bases that add nothing an instance's attributes or type tests depend on
NEUTRAL_BASES = {"builtins.object", "abc.ABC", "typing.Generic", "typing.Protocol"}
# Python builtins that take part in a class's type: ``class Cfg(dict)``
MIXIN_TOKENS = {"enum.IntEnum": "py:int", "enum.IntFlag": "py:int", "enum.StrEnum": "py:str", "typing.NamedTuple": "py:tuple"}


@dataclass(frozen=True)
class Lineage:
    """A class's bases in method resolution order (depth first, each once).

    ``classes`` holds ClassRefs, TorchRefs of library bases and TupleTypes; ``tokens`` the
    names of library and builtin bases (``"py:dict"``, ``"enum.Enum"``); ``complete`` is
    False when a base could not be resolved, so that a type test may not answer "no".
    """

    classes: Tuple[Any, ...]
    tokens: FrozenSet[str]
    complete: bool


def _decorator_names(fn: FuncRef) -> List[str]:
    out = []
    for d in fn.node.decorators:
        expr = d.decorator
        if isinstance(expr, cst.Attribute):
            out.append(f"{expr.value.value if isinstance(expr.value, cst.Name) else '?'}.{expr.attr.value}")
        elif isinstance(expr, cst.Name):
            out.append(expr.value)
    return out


def is_property(fn: FuncRef) -> bool:
    return any(n in ("property", "cached_property", "functools.cached_property") for n in _decorator_names(fn))


def _bound_names(stmt: cst.CSTNode) -> List[str]:
    """Names a compound statement of a class body may bind."""
    names: List[str] = []

    def bind(t: Any) -> None:
        if isinstance(t, cst.Name):
            names.append(t.value)
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                bind(el.value)

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            bind(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            bind(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            bind(node.target)

        def visit_For(self, node: cst.For) -> None:
            bind(node.target)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.append(node.name.value)
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            names.append(node.name.value)
            return False

        def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
            bind(node.asname.name if node.asname is not None else node.name)

    walk(stmt, V())
    return names


def _setters(node: cst.ClassDef) -> Dict[str, cst.FunctionDef]:
    """A class body's ``@x.setter`` methods by name, the first of each name."""
    out: Dict[str, cst.FunctionDef] = {}
    for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else []:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value not in out and any(
            isinstance(d.decorator, cst.Attribute) and d.decorator.attr.value == "setter" for d in stmt.decorators
        ):
            out[stmt.name.value] = stmt
    return out


def _class_body(cls: ClassRef) -> List[cst.CSTNode]:
    return list(cls.node.body.body) if isinstance(cls.node.body, cst.IndentedBlock) else []


class Objects:
    """Builds and reads instances of plain classes, dataclasses, enums and namedtuples."""

    _lineages: Dict[int, Lineage]
    _namespaces: Dict[int, Dict[str, Tuple[str, Any]]]
    _enum_members: Dict[int, Dict[str, EnumMember]]

    @property
    def machine(self) -> Machine:
        """This object as the whole Machine, for the overlays."""
        return cast("Machine", self)

    # ------------------------------------------------------------------ classes
    def lineage(self, cls: ClassRef) -> Lineage:
        key = id(cls.node)
        if key in self._lineages:
            return self._lineages[key]
        classes: List[Any] = []
        tokens: set = set()
        complete = True
        seen: set = set()

        def visit(c: ClassRef, depth: int) -> None:
            nonlocal complete
            if id(c.node) in seen or depth > 20:
                return
            seen.add(id(c.node))
            classes.append(c)
            for base in c.node.bases:
                expr = base.value
                if isinstance(expr, cst.Subscript):  # Generic[T], Protocol[T]
                    expr = expr.value
                v = self.eval(expr, Frame(c.info, {}, phase="init"))
                if isinstance(v, ClassRef):
                    visit(v, depth + 1)
                elif isinstance(v, TorchRef):
                    if v.qualname in NEUTRAL_BASES:
                        continue
                    classes.append(v)
                    tokens.add(v.qualname)
                    if v.qualname in MIXIN_TOKENS:
                        tokens.add(MIXIN_TOKENS[v.qualname])
                elif isinstance(v, TupleType):
                    classes.append(v)
                    tokens.add("py:tuple")
                elif callable(v) and isinstance(getattr(v, "__shapelint_type__", None), str):
                    tokens.add(v.__shapelint_type__)
                else:
                    complete = False

        self._lineages[key] = Lineage((), frozenset(), False)  # a class among its own bases
        visit(cls, 0)
        result = Lineage(tuple(classes), frozenset(tokens), complete)
        self._lineages[key] = result
        return result

    def class_kind(self, cls: ClassRef) -> str:
        """"module", "enum", "namedtuple", or "plain" (dataclasses are plain classes whose
        ``__init__`` the decorator wrote)."""
        if self.is_module_class(cls):
            return "module"
        lin = self.lineage(cls)
        if any(t in en.ENUM_BASES for t in lin.tokens):
            return "enum"
        if "typing.NamedTuple" in lin.tokens or any(isinstance(c, TupleType) for c in lin.classes):
            return "namedtuple"
        return "plain"

    def class_member(self, cls: ClassRef, name: str) -> Tuple[str, Any]:
        """Where ``name`` is defined along the MRO: ("def", FuncRef), ("value", its value),
        or ("", UNKNOWN) when no class we can read defines it."""
        for c in self.lineage(cls).classes:
            if isinstance(c, ClassRef):
                found = self.class_namespace(c).get(name)
                if found is not None:
                    return found
        return "", UNKNOWN

    def class_namespace(self, cls: ClassRef) -> Dict[str, Tuple[str, Any]]:
        """The class body run once, in order: a value may use the names assigned before it
        (``D = C * 2`` reads the class's ``C``, not a global); what a nested block assigns
        is unknown."""
        key = id(cls.node)
        if key in self._namespaces:
            return self._namespaces[key]
        out: Dict[str, Tuple[str, Any]] = {}
        self._namespaces[key] = out  # a body that reads its own class sees what is done so far
        env: Dict[str, Any] = {}
        frame = Frame(cls.info, env, phase="init")
        for stmt in _class_body(cls):
            if isinstance(stmt, cst.FunctionDef):
                if not _is_accessor(stmt):
                    out[stmt.name.value] = ("def", FuncRef(cls.info, stmt, owner=cls))
                    env.pop(stmt.name.value, None)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
                    value = getattr(small, "value", None)
                    if not targets or value is None:
                        continue
                    v = self.eval(value, frame)
                    if isinstance(small, cst.AugAssign):
                        op = _AUG.get(type(small.operator))
                        current = env.get(small.target.value, UNKNOWN) if isinstance(small.target, cst.Name) else UNKNOWN
                        v = self.binop(op(), current, v, None) if op is not None else UNKNOWN
                    if isinstance(v, dc.FieldSpec):
                        v = UNKNOWN if v.default is dc.NO_DEFAULT else v.default
                    for t in targets:
                        if isinstance(t, cst.Name):
                            env[t.value] = v
                            out[t.value] = ("value", v)
            else:  # if/for/try/class in the body: what it binds is not followed
                for n in _bound_names(stmt):
                    env[n] = UNKNOWN
                    out[n] = ("value", UNKNOWN)
        return out

    def defines(self, cls: ClassRef, *names: str) -> bool:
        return any(self.class_member(cls, n)[0] for n in names)

    def setter(self, cls: ClassRef, name: str) -> Optional[FuncRef]:
        for c in self.lineage(cls).classes:
            if isinstance(c, ClassRef):
                stmt = self.machine.scan(c.info, "setters", c.node, _setters).get(name)
                if stmt is not None:
                    return FuncRef(c.info, stmt, owner=c)
        return None

    def member_value(self, obj: Any, cls: ClassRef, name: str) -> Any:
        """``obj.name`` found in the class: a bound method, a property's value, a class attribute."""
        kind, value = self.class_member(cls, name)
        if kind != "def":
            return value
        fn: FuncRef = value
        names = _decorator_names(fn)
        if "staticmethod" in names:
            return fn
        if "classmethod" in names:
            return BoundMethod(cls, fn)
        if is_property(fn):
            return self.call_function(fn, [obj], {}, None, "forward")
        return BoundMethod(obj, fn)

    # ------------------------------------------------------------------ construction
    def construct(self, cls: ClassRef, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: Optional[ArgSites]) -> Any:
        """``Cls(...)`` for a class that is not an nn.Module."""
        kind = self.class_kind(cls)
        if kind == "enum":
            return self.enum_lookup(cls, args[0]) if len(args) == 1 and not kwargs else UNKNOWN
        if self.depth >= MAX_DEPTH or self.defines(cls, "__new__"):
            return UNKNOWN
        if kind == "namedtuple":
            return self.construct_record(cls, args, kwargs)
        lin = self.lineage(cls)
        inst = Instance(cls, open=not lin.complete, truth=self.class_truth(cls))
        for c in lin.classes:
            if isinstance(c, ClassRef):
                kind, init = self.class_namespace(c).get("__init__", ("", None))
                if kind:
                    if not isinstance(init, FuncRef):
                        return UNKNOWN  # ``__init__ = something`` we cannot follow
                    self.call_function(init, [inst, *args], kwargs, sites.after_self() if sites else None, phase="init")
                    return inst
                options = dc.options(self.machine, c)
                if options is not None and options.get("init", True) is not False:
                    return inst if dc.init(self.machine, inst, cls, args, kwargs, site) else UNKNOWN
            elif isinstance(c, TorchRef):
                inst.open = True  # a library base's own constructor: its attributes are unknown
                return inst
        if any(t.startswith("py:") for t in lin.tokens):
            inst.open = True  # ``class Cfg(dict)``: the builtin's constructor, not followed
            return inst
        if args or kwargs:
            return UNKNOWN  # object() takes no arguments: torch would never get here
        return inst

    def construct_record(self, cls: Any, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if isinstance(cls, ClassRef):
            fields, defaults = self.namedtuple_fields(cls)
        else:
            fields, defaults = cls.fields, cls.defaults
        return make_record(cls, fields, defaults, args, kwargs)

    def namedtuple_fields(self, cls: ClassRef) -> Tuple[Tuple[str, ...], Dict[str, Any]]:
        """The fields of a ``typing.NamedTuple`` class (its annotated names) or of the
        ``namedtuple(...)`` it derives from."""
        classes = self.lineage(cls).classes
        for i, c in enumerate(classes):
            if isinstance(c, TupleType):
                return c.fields, c.defaults
            after = classes[i + 1] if i + 1 < len(classes) else None
            if isinstance(c, ClassRef) and isinstance(after, TorchRef) and after.qualname == "typing.NamedTuple":
                names: List[str] = []
                defaults: Dict[str, Any] = {}
                for stmt in _class_body(c):
                    if isinstance(stmt, cst.SimpleStatementLine):
                        for small in stmt.body:
                            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                                names.append(small.target.value)
                                if small.value is not None:
                                    defaults[small.target.value] = self.eval(small.value, Frame(c.info, {}, phase="init"))
                return tuple(names), defaults
        return (), {}

    # ------------------------------------------------------------------ attributes
    def instance_attr(self, inst: Instance, name: str) -> Any:
        if name in inst.attrs:
            return inst.attrs[name]
        if name == "__class__":
            return inst.cls
        if name == "__dict__":
            inst.open = True  # whatever is done to this dict may add attributes
            return dict(inst.attrs)
        return self.member_value(inst, inst.cls, name)

    def has_attr(self, inst: Instance, name: str) -> Any:
        """``hasattr``: True, False, or UNKNOWN when code we did not follow may have set it."""
        if name in inst.attrs and name not in inst.maybe:
            return True
        if self.class_member(inst.cls, name)[0]:
            return True
        if inst.open or name in inst.maybe or self.defines(inst.cls, "__getattr__", "__getattribute__"):
            return UNKNOWN
        return False

    def set_attr(self, inst: Instance, name: str, value: Any) -> None:
        fn = self.setter(inst.cls, name)
        if fn is not None:
            self.call_function(fn, [inst, value], {}, None, "init")
            return
        inst.attrs[name] = value
        inst.maybe.discard(name)

    def as_mapping(self, inst: Instance, site: Site) -> Any:
        """``f(**config)``: Python reads ``keys()`` then each item; a dict or UNKNOWN."""
        keys_fn = self.member_value(inst, inst.cls, "keys")
        item_fn = self.member_value(inst, inst.cls, "__getitem__")
        if not (isinstance(keys_fn, BoundMethod) and isinstance(item_fn, BoundMethod)):
            return UNKNOWN
        none = ArgSites([], {})
        keys = self.iterate(self.call_method(keys_fn, [], {}, site, none, "init"))
        if keys is None or not all(isinstance(k, str) for k in keys):
            return UNKNOWN
        return {k: self.call_method(item_fn, [k], {}, site, none, "init") for k in keys}

    def forget_attrs(self, inst: Instance, names: List[str]) -> None:
        """Attributes a branch or loop we could not follow may have set."""
        for n in names:
            inst.attrs[n] = UNKNOWN
            inst.maybe.add(n)

    def class_attr_value(self, cls: ClassRef, name: str) -> Any:
        """``Cls.name``: an enum member, a classmethod bound to the class, a class attribute."""
        if self.class_kind(cls) == "enum":
            members = self.enum_members(cls)
            if name in members:
                return members[name]
        kind, value = self.class_member(cls, name)
        if kind == "def":
            return BoundMethod(cls, value) if "classmethod" in _decorator_names(value) else value
        return value

    def class_truth(self, cls: ClassRef) -> Optional[bool]:
        """An instance's truth: True unless its class may define ``__bool__`` or ``__len__``."""
        lin = self.lineage(cls)
        if not lin.complete or any(t.startswith("py:") for t in lin.tokens) or self.defines(cls, "__bool__", "__len__"):
            return None
        return True

    # ------------------------------------------------------------------ enums
    def enum_members(self, cls: ClassRef) -> Dict[str, EnumMember]:
        key = id(cls.node)
        if key not in self._enum_members:
            self._enum_members[key] = en.members(self.machine, cls)
        return self._enum_members[key]

    def enum_lookup(self, cls: ClassRef, value: Any) -> Any:
        """``Color(1)``: the member with that value (the first, for aliases)."""
        if isinstance(value, EnumMember):
            return value if value.cls.node is cls.node else UNKNOWN
        for member in self.enum_members(cls).values():
            if member.value is UNKNOWN:
                return UNKNOWN
            try:
                if type(member.value) is type(value) and member.value == value:
                    return member
            except Exception:  # noqa: BLE001 - values of ours that refuse comparison
                return UNKNOWN
        return UNKNOWN  # torch would never see a ValueError's path

    def enum_attr(self, member: EnumMember, name: str) -> Any:
        if name in ("name", "_name_"):
            return member.name
        if name in ("value", "_value_"):
            return member.value
        if self.defines(member.cls, "__init__"):  # members with attributes of their own
            kind = self.class_member(member.cls, name)[0]
            if kind != "def":
                return UNKNOWN
        return self.member_value(member, member.cls, name)

    def record_attr(self, rec: Record, name: str) -> Any:
        if name in rec.fields:
            return rec.field(name)
        if name == "_fields":
            return rec.fields
        if name in ("_replace", "_asdict"):
            return BoundMethod(rec, name)
        if isinstance(rec.kind, ClassRef):
            return self.member_value(rec, rec.kind, name)
        return BoundMethod(rec, name)  # tuple methods: index, count


__all__ = ["Lineage", "Objects", "is_property"]
