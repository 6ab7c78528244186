"""The abstract interpreter: runs ``__init__``, helpers and ``forward`` over values.

It reads code, it never runs it: a call to user code is interpreted statement by
statement; a call to torch goes through the layer algebra; anything else is UNKNOWN.
Conditions it cannot decide run both branches (in forward) or none (in __init__, where
the layer tree is then marked incomplete).  Work is bounded by a step budget.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from ..layers import UNKNOWN, Failure, Layer, Result, lookup
from ..layers.core import is_int, prod
from ..layers.reshape import flatten_shape
from ..layers.tensor import broadcast, cat, chunk, expand, permute, reduce, repeat, reshape, split, squeeze, stack, transpose, unsqueeze
from ..extract.index import ModuleInfo, ProjectIndex
from .values import BoundMethod, ClassRef, FuncRef, ModuleObj, ModuleRef, Note, Parameter, Partial, Site, Tensor, TorchRef

CONTAINER_QUALNAMES = {
    "torch.nn.Sequential": "sequential",
    "torch.nn.modules.container.Sequential": "sequential",
    "torch.nn.ModuleList": "modulelist",
    "torch.nn.modules.container.ModuleList": "modulelist",
    "torch.nn.ModuleDict": "moduledict",
    "torch.nn.modules.container.ModuleDict": "moduledict",
}
MODULE_QUALNAMES = {"torch.nn.Module", "torch.nn.modules.module.Module"}

# functions and methods that keep the shape of their first tensor argument
PRESERVING = {
    "relu", "relu_", "relu6", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "softplus", "softsign",
    "logsigmoid", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "softmax", "log_softmax", "softmin", "normalize", "abs", "exp", "log", "sqrt", "rsqrt", "clamp", "clamp_",
    "clip", "neg", "sin", "cos", "sign", "tanh_", "sigmoid_", "contiguous", "clone", "detach", "float", "double",
    "half", "bfloat16", "to", "cpu", "cuda", "type_as", "requires_grad_", "zero_", "fill_", "mul_", "add_",
    "div_", "sub_", "pow", "square", "reciprocal", "exp_", "floor", "ceil", "round", "erf", "silu_", "hardswish_",
}
TENSOR_MODULES = ("torch", "torch.nn.functional", "torch.special")

MAX_STEPS = 400_000
MAX_DEPTH = 60
MAX_LOOP = 4096


class Budget(Exception):
    """The step budget ran out: the analysis stops, keeping what it found so far."""


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Raise(Exception):
    """The path ends in ``raise``: it contributes no value."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


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


@dataclass(frozen=True)
class Row:
    """One leaf-module call, as the ``shapes`` table shows it."""

    name: str
    type: str
    site: Optional[Site]  # the module's constructor call
    input_shape: Any
    output_shape: Any
    params: Optional[int]
    macs: Optional[int]

    @property
    def line(self) -> int:
        return self.site.info.line(self.site.node) if self.site is not None else 0


class Reporter:
    """Collects failures (deduplicated by place and message) and table rows."""

    def __init__(self) -> None:
        # (failure, where to report it, provenance note, the constructor call if any)
        self.failures: List[Tuple[Failure, Site, str, Optional[Site]]] = []
        self._seen: set = set()
        self.rows: List[Row] = []

    def fail(self, failure: Optional[Failure], site: Optional[Site], note: Any = "", call: Optional[Site] = None) -> None:
        if failure is None or site is None:
            return
        key = (id(site.node), failure.kind, failure.message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.failures.append((failure, site, note, call))


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


def _truth(v: Any) -> Optional[bool]:
    """Python truthiness, or None when it cannot be known."""
    if v is UNKNOWN or isinstance(v, (Sym, Tensor)):
        return None
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
    if isinstance(v, (list, tuple)):
        return all(_plain(e) for e in v)
    if isinstance(v, dict):
        return all(_plain(k) and _plain(e) for k, e in v.items())
    return isinstance(v, _SAFE_TYPES)


class Machine:
    """Interprets the code of one project; one instance per checked file run."""

    def __init__(self, index: ProjectIndex, reporter: Optional[Reporter] = None, training: Optional[bool] = None) -> None:
        self.index = index
        self.training = UNKNOWN if training is None else training  # a module's ``self.training``
        self.reporter = reporter or Reporter()
        self.steps = 0
        self.depth = 0
        self.names: Dict[int, str] = {}  # id(ModuleObj) -> named_modules name, during forward
        self._globals_busy: set = set()
        self.current_site: Optional[Site] = None  # the call a library builtin is answering
        self._strings: Dict[int, Tuple[Any, Any]] = {}
        self.block_inputs: List[set] = [set()]  # ids of the tensors the innermost module call received  # id(node) -> (node, value); the node keeps the id alive

    # ------------------------------------------------------------------ budget
    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Budget()

    # ------------------------------------------------------------------ names
    def global_value(self, info: ModuleInfo, name: str) -> Any:
        if name in info.globals:
            return info.globals[name]
        key = (id(info), name)
        if key in self._globals_busy:
            return UNKNOWN
        self._globals_busy.add(key)
        try:
            value: Any = UNKNOWN
            node = info.defs.get(name)
            if isinstance(node, cst.ClassDef):
                value = ClassRef(info, node)
            elif isinstance(node, cst.FunctionDef):
                value = FuncRef(info, node)
            elif node is not None:
                value = self.eval(node, Frame(info, {}, phase="init"))  # type: ignore[arg-type]
            elif name in info.imports:
                value = self.resolve_qualname(info.imports[name])
            elif name in BUILTINS:
                value = BUILTINS[name]
            info.globals[name] = value
            return value
        finally:
            self._globals_busy.discard(key)

    def resolve_qualname(self, qual: str, depth: int = 0) -> Any:
        head = qual.split(".")[0]
        if head == "torch" or qual in LIBRARY or head in ("math", "collections", "functools", "typing", "operator"):
            return TorchRef(qual)
        if depth > 8:
            return UNKNOWN
        found = self.index.split(qual)
        if found is None:
            return UNKNOWN
        info, rest = found
        if not rest:
            return ModuleRef(info)
        value = self.global_value(info, rest[0])
        for attr in rest[1:]:
            value = self.getattr(value, attr)
        return value

    def lookup_name(self, name: str, frame: Frame) -> Any:
        if name in frame.env:
            return frame.env[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        return self.global_value(frame.info, name)

    # ------------------------------------------------------------------ statements
    def exec_block(self, block: Any, frame: Frame) -> None:
        body = block.body if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)) else block
        for stmt in body:
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> None:
        self.tick()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, frame)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, frame)
        elif isinstance(stmt, (cst.With,)):
            self.exec_block(stmt.body, frame)
        elif isinstance(stmt, cst.Try):
            self.exec_block(stmt.body, frame)
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body, frame)
        elif isinstance(stmt, cst.FunctionDef):
            frame.env[stmt.name.value] = FuncRef(frame.info, stmt, dict(frame.env))
        elif isinstance(stmt, cst.ClassDef):
            frame.env[stmt.name.value] = UNKNOWN
        else:  # while loops and anything else: what they assign is unknown afterwards
            self.forget(stmt, frame)

    def exec_small(self, small: cst.CSTNode, frame: Frame) -> None:
        if isinstance(small, cst.Return):
            raise _Return(self.eval(small.value, frame) if small.value is not None else None)
        if isinstance(small, cst.Raise):
            raise _Raise()
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, frame)
            for t in small.targets:
                self.assign(t.target, value, frame, small.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame, small.value)
        elif isinstance(small, cst.AugAssign):
            op = _AUG.get(type(small.operator))
            current = self.eval(small.target, frame)
            other = self.eval(small.value, frame)
            if isinstance(current, list) and op is cst.Add and isinstance(other, (list, tuple)):
                current.extend(other)  # += on a list mutates it
                return
            value = self.binop(op(), current, other, Site(frame.info, small)) if op is not None else UNKNOWN
            self.assign(small.target, value, frame, None)
        elif isinstance(small, cst.Expr):
            if not isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):  # docstrings do nothing
                self.eval(small.value, frame)
        elif isinstance(small, cst.Break):
            raise _Break()
        elif isinstance(small, cst.Continue):
            raise _Continue()

    def assign(self, target: cst.BaseExpression, value: Any, frame: Frame, source: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            frame.env[target.value] = value
            frame.origins.pop(target.value, None)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, frame)
            if isinstance(obj, ModuleObj):
                obj.register(target.attr.value, value)
                if value is UNKNOWN and frame.phase == "init" and not isinstance(source, _NOT_MODULES):
                    obj.complete = False  # it may have been a module: the tree is not whole
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = list(value) if isinstance(value, (tuple, list)) else None
            if items is not None and len(items) != len(elements) and not any(isinstance(e, cst.StarredElement) for e in elements):
                items = None
            for i, el in enumerate(elements):
                if isinstance(el, cst.StarredElement):
                    self.assign(el.value, UNKNOWN, frame, None)
                    items = None
                    continue
                self.assign(el.value, items[i] if items is not None else UNKNOWN, frame, None)
        elif isinstance(target, cst.Subscript):
            obj = self.eval(target.value, frame)
            if isinstance(obj, (list, dict)) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = self.eval(target.slice[0].slice.value, frame)
                try:
                    if isinstance(obj, dict) and _plain(key):
                        obj[key] = value
                    elif isinstance(obj, list) and is_int(key):
                        obj[key] = value
                except (IndexError, TypeError):
                    pass

    def forget(self, stmt: cst.CSTNode, frame: Frame) -> None:
        """Make every name (and self attribute) a statement assigns unknown."""
        names: List[str] = []
        attrs: List[str] = []

        class V(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                pass

            def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
                _targets(node.target, names, attrs)

            def visit_AugAssign(self, node: cst.AugAssign) -> None:
                _targets(node.target, names, attrs)

            def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
                _targets(node.target, names, attrs)

            def visit_For(self, node: cst.For) -> None:
                _targets(node.target, names, attrs)

        stmt.visit(V())
        for n in names:
            frame.env[n] = UNKNOWN
        me = frame.env.get("self")
        if isinstance(me, ModuleObj) and attrs:
            for a in attrs:
                if frame.phase == "init":
                    me.register(a, UNKNOWN)
                    me.complete = False

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        cond = _truth(self.eval(stmt.test, frame))
        orelse = stmt.orelse
        if cond is True:
            self.exec_block(stmt.body, frame)
            return
        if cond is False:
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            elif isinstance(orelse, cst.Else):
                self.exec_block(orelse.body, frame)
            return
        if frame.phase == "init":
            self.forget(stmt, frame)
            return
        # forward: follow both branches, merge what they leave behind
        outcomes: List[Tuple[str, Any]] = []
        for branch in (stmt.body, orelse):
            sub = Frame(frame.info, dict(frame.env), dict(frame.origins), frame.phase)
            try:
                if isinstance(branch, cst.If):
                    self.exec_if(branch, sub)
                elif isinstance(branch, cst.Else):
                    self.exec_block(branch.body, sub)
                elif branch is not None:
                    self.exec_block(branch, sub)
                outcomes.append(("fall", sub.env))
            except _Return as r:
                outcomes.append(("return", r.value))
            except _Raise:
                outcomes.append(("raise", None))
            frame.early.extend(sub.early)
        falls = [o[1] for o in outcomes if o[0] == "fall"]
        returns = [o[1] for o in outcomes if o[0] == "return"]
        if not falls:
            if returns:
                raise _Return(merge_values(returns))
            raise _Raise()
        merged: Dict[str, Any] = {}
        for name in set().union(*[set(e) for e in falls]):
            merged[name] = merge_values([e.get(name, UNKNOWN) for e in falls])
        frame.env.clear()
        frame.env.update(merged)
        frame.early.extend(returns)  # one branch returned, another goes on: the result is either

    def exec_for(self, stmt: cst.For, frame: Frame) -> None:
        items = self.iterate(self.eval(stmt.iter, frame))
        if items is None:
            self.forget(stmt, frame)
            return
        broke = False
        for item in items:
            self.tick()
            self.assign(stmt.target, item, frame, None)
            try:
                self.exec_block(stmt.body, frame)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke and stmt.orelse is not None:
            self.exec_block(stmt.orelse.body, frame)

    def iterate(self, value: Any) -> Optional[List[Any]]:
        """The items of a known iterable, or None."""
        if isinstance(value, (list, tuple)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, str):
            return list(value)
        if isinstance(value, ModuleObj) and (value.kind in ("sequential", "modulelist") or value.container in ("sequential", "modulelist")):
            return list(value.children.values())
        if isinstance(value, ModuleObj) and (value.kind == "moduledict" or value.container == "moduledict"):
            return list(value.children.keys())
        if isinstance(value, _Iter):
            return list(value.items)
        return None

    # ------------------------------------------------------------------ functions
    def call_function(self, fn: FuncRef, args: List[Any], kwargs: Dict[str, Any], sites: Optional["ArgSites"] = None, phase: str = "forward", open_ended: bool = False) -> Any:
        """Interpret a call; ``open_ended``: arguments not given are unknown, not absent."""
        if self.depth >= MAX_DEPTH:
            return UNKNOWN
        env: Dict[str, Any] = dict(fn.closure or {})
        if fn.owner is not None:
            env["__class__"] = fn.owner
        frame = Frame(fn.info, env, phase=phase, fn=fn.node)
        if not self.bind_params(fn.node.params, args, kwargs, frame, sites, open_ended):
            return UNKNOWN
        self.depth += 1
        try:
            self.exec_block(fn.node.body, frame)
            result: Any = None
        except _Return as r:
            result = r.value
        except _Raise:
            result = UNKNOWN
        except (_Break, _Continue):
            result = UNKNOWN
        finally:
            self.depth -= 1
        if frame.early:
            result = merge_values(frame.early + [result])
        return result

    def bind_params(self, params: cst.Parameters, args: List[Any], kwargs: Dict[str, Any], frame: Frame, sites: Optional["ArgSites"], open_ended: bool = False) -> bool:
        positional = list(params.posonly_params) + list(params.params)
        env, origins = frame.env, frame.origins
        remaining = dict(kwargs)
        for i, p in enumerate(positional):
            name = p.name.value
            if i < len(args):
                env[name] = args[i]
                if sites is not None and i < len(sites.positional) and sites.positional[i] is not None:
                    origins[name] = sites.positional[i]  # type: ignore[assignment]
            elif name in remaining:
                env[name] = remaining.pop(name)
                if sites is not None and name in sites.keywords:
                    origins[name] = sites.keywords[name]
            elif p.default is not None:
                env[name] = self.eval(p.default, Frame(frame.info, {}, phase="init"))
            else:
                env[name] = UNKNOWN
        extra = args[len(positional):]
        star = params.star_arg
        if isinstance(star, cst.Param):
            env[star.name.value] = UNKNOWN if open_ended else tuple(extra)
        elif extra:
            return False
        for p in params.kwonly_params:
            name = p.name.value
            if name in remaining:
                env[name] = remaining.pop(name)
                if sites is not None and name in sites.keywords:
                    origins[name] = sites.keywords[name]
            elif p.default is not None:
                env[name] = self.eval(p.default, Frame(frame.info, {}, phase="init"))
            else:
                env[name] = UNKNOWN
        if params.star_kwarg is not None:
            kw = params.star_kwarg.name.value
            env[kw] = UNKNOWN if open_ended else remaining
            if sites is not None:
                for key in remaining:
                    if key in sites.keywords:
                        origins[f"**{kw}.{key}"] = sites.keywords[key]
        elif remaining:
            return False
        return True

    # ------------------------------------------------------------------ classes
    def mro(self, cls: ClassRef) -> List[Any]:
        """The class and its bases, depth first: ClassRefs, then the torch base (a TorchRef)."""
        out: List[Any] = []
        seen: set = set()

        def visit(c: Any, depth: int) -> None:
            if depth > 20:
                return
            if isinstance(c, ClassRef):
                if id(c.node) in seen:
                    return
                seen.add(id(c.node))
                out.append(c)
                for base in c.node.bases:
                    visit(self.eval(base.value, Frame(c.info, {}, phase="init")), depth + 1)
            elif isinstance(c, TorchRef):
                out.append(c)

        visit(cls, 0)
        return out

    def find_method(self, cls: ClassRef, name: str) -> Optional[FuncRef]:
        for c in self.mro(cls):
            if isinstance(c, ClassRef):
                found = self._own_method(c, name)
                if found is not None:
                    return found
        return None

    def class_attr(self, cls: ClassRef, name: str) -> Any:
        for c in self.mro(cls):
            if isinstance(c, ClassRef) and isinstance(c.node.body, cst.IndentedBlock):
                for stmt in c.node.body.body:
                    if isinstance(stmt, cst.SimpleStatementLine):
                        for small in stmt.body:
                            value = _assigned_value(small, name)
                            if value is not None:
                                return self.eval(value, Frame(c.info, {}, phase="init"))
        return UNKNOWN

    def torch_base(self, cls: ClassRef) -> Optional[str]:
        for c in self.mro(cls):
            if isinstance(c, TorchRef):
                return c.qualname
        return None

    def is_module_class(self, cls: ClassRef) -> bool:
        base = self.torch_base(cls)
        return base is not None and (base in MODULE_QUALNAMES or base in CONTAINER_QUALNAMES or (lookup(base) is not None and not lookup(base).functional))  # type: ignore[union-attr]

    def instantiate(self, cls: ClassRef, args: List[Any], kwargs: Dict[str, Any], site: Optional[Site], sites: Optional["ArgSites"], open_ended: bool = False) -> Any:
        base = self.torch_base(cls)
        container = CONTAINER_QUALNAMES.get(base or "")
        obj = ModuleObj(cls.name, "custom", site=site, cls=cls, container=container)
        base_spec = lookup(base) if base else None
        if base_spec is not None and not base_spec.functional:
            obj.kind = "leaf-subclass"
        init = self.find_method(cls, "__init__")
        if init is not None:
            self.call_function(init, [obj] + list(args), kwargs, sites.after_self() if sites else None, phase="init", open_ended=open_ended)
        elif open_ended:
            obj.complete = False  # torch's own constructor, with arguments we do not know
        elif container:
            self.fill_container(obj, container, args, kwargs, sites)
        elif base_spec is not None:
            self.init_leaf_base(obj, base_spec, args, kwargs, sites)
        return obj

    def init_leaf_base(self, obj: ModuleObj, spec: Layer, args: List[Any], kwargs: Dict[str, Any], sites: Optional["ArgSites"]) -> None:
        leaf = self.make_leaf(spec, spec.name, args, kwargs, obj.site, sites)
        obj.spec, obj.cfg, obj.bind_failure, obj.arg_sites = leaf.spec, leaf.cfg, leaf.bind_failure, leaf.arg_sites

    def fill_container(self, obj: ModuleObj, kind: str, args: List[Any], kwargs: Dict[str, Any], sites: Optional["ArgSites"]) -> None:
        if kind == "sequential":
            if len(args) == 1 and isinstance(args[0], dict):
                for k, v in args[0].items():
                    obj.register(str(k), v if isinstance(v, ModuleObj) else _unknown_module())
            else:
                for i, v in enumerate(args):
                    obj.register(str(i), v if isinstance(v, ModuleObj) else _unknown_module())
                    if not isinstance(v, ModuleObj):
                        obj.complete = False
        elif kind == "modulelist":
            items = self.iterate(args[0]) if args else []
            if items is None:
                obj.complete = False
                return
            for i, v in enumerate(items):
                obj.register(str(i), v if isinstance(v, ModuleObj) else _unknown_module())
        elif kind == "moduledict":
            src = args[0] if args else {}
            if isinstance(src, dict):
                pairs = list(src.items())
            elif isinstance(src, (list, tuple)) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in src):
                pairs = [tuple(p) for p in src]
            else:
                obj.complete = False
                return
            for k, v in pairs:
                obj.register(str(k), v if isinstance(v, ModuleObj) else _unknown_module())

    def make_leaf(self, spec: Layer, type_name: str, args: List[Any], kwargs: Dict[str, Any], site: Optional[Site], sites: Optional["ArgSites"]) -> ModuleObj:
        clean_args = [_config(a) for a in args]
        clean_kwargs = {k: _config(v) for k, v in kwargs.items()}
        arg_sites: Dict[str, Site] = {}
        positional = [p.name for p in spec.signature if not p.kw_only]
        if sites is not None:
            for i, s in enumerate(sites.positional):
                if s is not None and i < len(positional):
                    arg_sites[positional[i]] = s
            for k, s in sites.keywords.items():
                arg_sites[k] = s
        bound = spec.bind(clean_args, clean_kwargs)
        if isinstance(bound, Failure):
            return ModuleObj(type_name, "leaf", site=site, spec=spec, bind_failure=bound, arg_sites=arg_sites)
        obj = ModuleObj(type_name, "leaf", site=site, spec=spec, cfg=bound, arg_sites=arg_sites)
        failure = spec.check(bound)
        if failure is not None and failure.stage == "init":
            obj.bind_failure = failure
        return obj

    # ------------------------------------------------------------------ expressions
    def eval(self, node: cst.BaseExpression, frame: Frame) -> Any:
        self.tick()
        if isinstance(node, cst.Name):
            return self.lookup_name(node.value, frame)
        if isinstance(node, cst.Integer):
            return int(node.value.replace("_", ""), 0)
        if isinstance(node, cst.Float):
            return float(node.value.replace("_", ""))
        if isinstance(node, cst.Imaginary):
            return UNKNOWN
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return self.string(node)
        if isinstance(node, cst.FormattedString):
            return self.fstring(node, frame)
        if isinstance(node, cst.Attribute):
            return self.getattr(self.eval(node.value, frame), node.attr.value)
        if isinstance(node, cst.Call):
            return self.eval_call(node, frame)
        if isinstance(node, cst.Subscript):
            return self.subscript(node, frame)
        if isinstance(node, cst.BinaryOperation):
            return self.binop(node.operator, self.eval(node.left, frame), self.eval(node.right, frame), Site(frame.info, node))
        if isinstance(node, cst.UnaryOperation):
            return self.unary(node, frame)
        if isinstance(node, cst.BooleanOperation):
            return self.boolop(node, frame)
        if isinstance(node, cst.Comparison):
            return self.compare(node, frame)
        if isinstance(node, cst.IfExp):
            cond = _truth(self.eval(node.test, frame))
            if cond is None:
                return merge_values([self.eval(node.body, frame), self.eval(node.orelse, frame)])
            return self.eval(node.body if cond else node.orelse, frame)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            items: List[Any] = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    inner = self.iterate(self.eval(el.value, frame))
                    if inner is None:
                        return UNKNOWN
                    items.extend(inner)
                else:
                    items.append(self.eval(el.value, frame))
            if isinstance(node, cst.Tuple):
                return tuple(items)
            return items if isinstance(node, cst.List) else UNKNOWN
        if isinstance(node, cst.Dict):
            out: Dict[Any, Any] = {}
            entry: Any
            for entry in node.elements:
                el = entry
                if isinstance(el, cst.StarredDictElement):
                    inner = self.eval(el.value, frame)
                    if not isinstance(inner, dict):
                        return UNKNOWN
                    out.update(inner)
                    continue
                key = self.eval(el.key, frame)
                if not _plain(key) or isinstance(key, (list, dict)):
                    return UNKNOWN
                out[key] = self.eval(el.value, frame)
            return out
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            return self.comprehension(node, frame)
        if isinstance(node, cst.NamedExpr):
            value = self.eval(node.value, frame)
            self.assign(node.target, value, frame, None)
            return value
        return UNKNOWN

    def string(self, node: Any) -> Any:
        """A string literal's value (libcst evaluates it with a compile: cache it per node)."""
        key = id(node)
        if key not in self._strings:
            v = node.evaluated_value
            self._strings[key] = (node, v if isinstance(v, str) else UNKNOWN)
        return self._strings[key][1]

    def fstring(self, node: cst.FormattedString, frame: Frame) -> Any:
        parts: List[str] = []
        for p in node.parts:
            if isinstance(p, cst.FormattedStringText):
                parts.append(p.value)
            elif isinstance(p, cst.FormattedStringExpression):
                v = self.eval(p.expression, frame)
                if not isinstance(v, (int, float, str)) or p.format_spec or p.conversion:
                    return UNKNOWN
                parts.append(str(v))
        return "".join(parts)

    def comprehension(self, node: Any, frame: Frame) -> Any:
        results: List[Any] = []
        env = dict(frame.env)
        sub = Frame(frame.info, env, dict(frame.origins), frame.phase)

        def run(clause: Optional[cst.CompFor]) -> bool:
            if clause is None:
                if isinstance(node, cst.DictComp):
                    results.append((self.eval(node.key, sub), self.eval(node.value, sub)))
                else:
                    results.append(self.eval(node.elt, sub))
                return True
            items = self.iterate(self.eval(clause.iter, sub))
            if items is None:
                return False
            for item in items[:MAX_LOOP]:
                self.tick()
                self.assign(clause.target, item, sub, None)
                keep = True
                for cond in clause.ifs:
                    t = _truth(self.eval(cond.test, sub))
                    if t is None:
                        return False
                    keep = keep and t
                if keep and not run(clause.inner_for_in):
                    return False
            return True

        if not run(node.for_in):
            return UNKNOWN
        if isinstance(node, cst.DictComp):
            return {k: v for k, v in results} if all(_plain(k) and not isinstance(k, (list, dict)) for k, _ in results) else UNKNOWN
        if isinstance(node, cst.SetComp):
            return UNKNOWN
        return results if isinstance(node, cst.ListComp) else _Iter(tuple(results))

    def unary(self, node: cst.UnaryOperation, frame: Frame) -> Any:
        v = self.eval(node.expression, frame)
        if isinstance(node.operator, cst.Not):
            t = _truth(v)
            return UNKNOWN if t is None else not t
        if isinstance(v, Tensor):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool) or isinstance(v, bool):
            if isinstance(node.operator, cst.Minus):
                return -v
            if isinstance(node.operator, cst.Plus):
                return +v
            if isinstance(node.operator, cst.BitInvert) and isinstance(v, int):
                return ~v
        return UNKNOWN

    def boolop(self, node: cst.BooleanOperation, frame: Frame) -> Any:
        left = self.eval(node.left, frame)
        t = _truth(left)
        if isinstance(node.operator, cst.And):
            if t is False:
                return left
            right = self.eval(node.right, frame)
            if t is True:
                return right
            return False if _truth(right) is False else UNKNOWN
        if t is True:
            return left
        right = self.eval(node.right, frame)
        if t is False:
            return right
        return True if _truth(right) is True else UNKNOWN

    def compare(self, node: cst.Comparison, frame: Frame) -> Any:
        left = self.eval(node.left, frame)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, frame)
            op = target.operator
            if isinstance(op, (cst.Is, cst.IsNot)):
                if right is None or left is None:
                    if left is UNKNOWN or right is UNKNOWN:
                        r: Any = UNKNOWN
                    else:
                        r = (left is None) == (right is None) if (left is None or right is None) else UNKNOWN
                    if isinstance(op, cst.IsNot) and r is not UNKNOWN:
                        r = not r
                elif isinstance(left, bool) and isinstance(right, bool):
                    r = (left is right) if isinstance(op, cst.Is) else (left is not right)
                else:
                    r = UNKNOWN
            elif isinstance(op, (cst.In, cst.NotIn)):
                if _plain(left) and _plain(right) and isinstance(right, (list, tuple, dict, str)):
                    try:
                        r = left in right
                    except TypeError:
                        r = UNKNOWN
                    if isinstance(op, cst.NotIn) and r is not UNKNOWN:
                        r = not r
                else:
                    r = UNKNOWN
            else:
                fn = _CMP.get(type(op))
                refs = (TorchRef, ClassRef, FuncRef)
                if type(op) in (cst.Equal, cst.NotEqual) and isinstance(left, refs) and isinstance(right, refs):
                    r = (left == right) == isinstance(op, cst.Equal)
                elif isinstance(left, Sym) and isinstance(right, Sym) and type(op) in (cst.Equal, cst.NotEqual) and left == right:
                    r = isinstance(op, cst.Equal)
                elif fn is not None and _plain(left) and _plain(right):
                    try:
                        r = fn(left, right)
                    except TypeError:
                        r = UNKNOWN
                else:
                    r = UNKNOWN
            if r is False:
                return False
            if r is UNKNOWN:
                result = UNKNOWN
            left = right
        return result

    def binop(self, op: cst.BaseBinaryOp, left: Any, right: Any, site: Optional[Site]) -> Any:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return self.tensor_binop(op, left, right, site)
        fn = _BINOPS.get(type(op))
        if isinstance(op, cst.Add) and type(left) is type(right) and isinstance(left, (list, tuple)):
            return left + right  # concatenation never looks inside the items
        if isinstance(op, cst.Multiply) and isinstance(left, (list, tuple)) and is_int(right) and 0 <= right <= MAX_LOOP:
            return left * right
        if fn is None or not (_plain(left) and _plain(right)):
            return UNKNOWN
        if isinstance(op, cst.Power) and isinstance(right, (int, float)) and abs(right) > 64:
            return UNKNOWN
        if isinstance(op, cst.Multiply) and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            count = right if isinstance(right, int) else left
            if not isinstance(count, int) or count > MAX_LOOP:
                return UNKNOWN
        try:
            return fn(left, right)
        except (ArithmeticError, TypeError, ValueError, OverflowError):
            return UNKNOWN

    def tensor_binop(self, op: cst.BaseBinaryOp, left: Any, right: Any, site: Optional[Site]) -> Any:
        if isinstance(op, cst.MatrixMultiply):
            return Tensor(None)
        symbol = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/"}.get(type(op), "?")
        if isinstance(left, Tensor) and isinstance(right, Tensor):
            res = broadcast(left.shape, right.shape, symbol)
            self.fail(res.failure, site, "", left, right)
            return Tensor(res.shape, "", _assumed(left, right) | _after(res))
        tensor = left if isinstance(left, Tensor) else right
        other = right if tensor is left else left
        if isinstance(other, (int, float, bool)) and not isinstance(other, Sym):
            return tensor
        return Tensor(None)

    def subscript(self, node: cst.Subscript, frame: Frame) -> Any:
        base = self.eval(node.value, frame)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            if isinstance(base, Tensor):
                return self.tensor_index(base, node, frame)
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
                return self.slice_value(base, node.slice[0].slice, frame)
            return UNKNOWN
        if isinstance(base, Tensor):
            return self.tensor_index(base, node, frame)
        key = self.eval(node.slice[0].slice.value, frame)
        if isinstance(base, (list, tuple, str)) and is_int(key):
            try:
                return base[key]
            except IndexError:
                return UNKNOWN
        if isinstance(base, dict) and _plain(key) and not isinstance(key, (list, dict)):
            return base.get(key, UNKNOWN)
        if isinstance(base, ModuleObj) and (base.kind in ("sequential", "modulelist") or base.container in ("sequential", "modulelist")) and is_int(key):
            children = list(base.children.values())
            try:
                return children[key]
            except IndexError:
                return UNKNOWN
        if isinstance(base, ModuleObj) and (base.kind == "moduledict" or base.container == "moduledict") and isinstance(key, str):
            return base.children.get(key, UNKNOWN)
        return UNKNOWN

    def slice_value(self, base: Any, sl: cst.Slice, frame: Frame) -> Any:
        parts = [self.eval(p, frame) if p is not None else None for p in (sl.lower, sl.upper, sl.step)]
        if not all(p is None or is_int(p) for p in parts):
            return UNKNOWN
        s = slice(*parts)
        if isinstance(base, (list, tuple, str)):
            return base[s]
        if isinstance(base, ModuleObj) and base.is_sequential:
            sub = ModuleObj("Sequential", "sequential", site=base.site)
            for k in list(base.children.keys())[s]:
                sub.children[k] = base.children[k]
            return sub
        return UNKNOWN

    def tensor_index(self, t: Tensor, node: cst.Subscript, frame: Frame) -> Any:
        """Basic indexing: ints drop a dim, full slices keep it, None adds one."""
        if t.shape is None:
            return Tensor(None)
        out: List[Any] = []
        dims = list(t.shape)
        pos = 0
        for el in node.slice:
            s = el.slice
            if isinstance(s, cst.Index):
                v = self.eval(s.value, frame)
                if v is None:
                    out.append(1)
                    continue
                if isinstance(s.value, cst.Name) and s.value.value == "Ellipsis" or v is Ellipsis:
                    return Tensor(None)
                if not is_int(v) or pos >= len(dims):
                    return Tensor(None)
                pos += 1
            elif isinstance(s, cst.Slice):
                if pos >= len(dims):
                    return Tensor(None)
                if s.lower is None and s.upper is None and s.step is None:
                    out.append(dims[pos])
                else:
                    parts = [self.eval(p, frame) if p is not None else None for p in (s.lower, s.upper, s.step)]
                    size = dims[pos]
                    if is_int(size) and all(p is None or is_int(p) for p in parts):
                        out.append(len(range(size)[slice(*parts)]))
                    else:
                        out.append(None)
                pos += 1
            else:
                return Tensor(None)
        return Tensor(tuple(out) + tuple(dims[pos:]))

    # ------------------------------------------------------------------ attributes
    def getattr(self, obj: Any, name: str) -> Any:
        if obj is UNKNOWN:
            return UNKNOWN
        if isinstance(obj, TorchRef):
            return TorchRef(f"{obj.qualname}.{name}")
        if isinstance(obj, ModuleObj):
            if name in obj.children:
                return obj.children[name]
            if name in obj.attrs:
                return obj.attrs[name]
            if name in obj.parameters:
                return Tensor(obj.parameters[name].shape)
            if obj.cls is not None:
                method = self.find_method(obj.cls, name)
                if method is not None:
                    kind = _method_kind(method)
                    if kind == "static":
                        return method
                    return BoundMethod(obj.cls if kind == "class" else obj, method)
                value = self.class_attr(obj.cls, name)
                if value is not UNKNOWN:
                    return value
            if obj.cfg is not None and name in obj.cfg.values:  # a torch layer's attributes
                v = obj.cfg.values[name]
                return UNKNOWN if v is UNKNOWN else v
            if name in MODULE_METHODS:
                return BoundMethod(obj, name)
            if name == "training":
                return self.training
            return UNKNOWN
        if isinstance(obj, Tensor):
            if name == "shape":
                return tuple(_dim_value(d) for d in obj.shape) if obj.shape is not None else UNKNOWN
            if name == "ndim":
                return len(obj.shape) if obj.shape is not None else UNKNOWN
            if name == "T" and obj.shape is not None:
                return Tensor(tuple(reversed(obj.shape)))
            return BoundMethod(obj, name)
        if isinstance(obj, ModuleRef):
            value = self.global_value(obj.info, name)
            if value is UNKNOWN:  # a submodule: ``from proj import layers``; ``layers.blocks``
                sub = self.index.module(f"{obj.info.name}.{name}") if obj.info.name else None
                return ModuleRef(sub) if sub is not None else UNKNOWN
            return value
        if isinstance(obj, Partial):
            return {"func": obj.func, "args": obj.args, "keywords": dict(obj.kwargs)}.get(name, UNKNOWN)
        if isinstance(obj, ClassRef):
            method = self.find_method(obj, name)
            if method is not None:
                return BoundMethod(obj, method) if _method_kind(method) == "class" else method
            return self.class_attr(obj, name)
        if isinstance(obj, (list, dict, str, tuple)):
            return BoundMethod(obj, name)
        return UNKNOWN

    # ------------------------------------------------------------------ calls
    def eval_call(self, node: cst.Call, frame: Frame) -> Any:
        func = node.func
        # super().__init__(...) / super().forward(...)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) and func.value.func.value == "super":
            return self.call_super(func.attr.value, node, frame)
        callee = self.eval(func, frame)
        args, kwargs, sites = self.eval_args(node, frame)
        if args is None and isinstance(callee, TorchRef):
            spec = lookup(callee.qualname)
            if spec is not None and not spec.functional:
                return ModuleObj(spec.name, "leaf", site=Site(frame.info, node), spec=spec, complete=False)
        if args is None:
            if isinstance(callee, ModuleObj) or (isinstance(callee, BoundMethod) and isinstance(callee.obj, (ModuleObj, Tensor))):
                return Tensor(None)
            return UNKNOWN
        return self.call(callee, args, kwargs, Site(frame.info, node), sites, frame.phase)

    def eval_args(self, node: cst.Call, frame: Frame) -> Tuple[Optional[List[Any]], Dict[str, Any], "ArgSites"]:
        args: List[Any] = []
        kwargs: Dict[str, Any] = {}
        sites = ArgSites([], {})
        for a in node.args:
            value = self.eval(a.value, frame)
            if a.star == "*":
                items = self.iterate(value)
                if items is None:
                    return None, {}, sites
                args.extend(items)
                sites.positional.extend([None] * len(items))
            elif a.star == "**":
                if not isinstance(value, dict):
                    return None, {}, sites
                kwargs.update(value)
                name = a.value.value if isinstance(a.value, cst.Name) else None
                for k in value:
                    origin = frame.origins.get(f"**{name}.{k}") if name else None
                    if origin is not None:
                        sites.keywords[k] = origin
            elif a.keyword is not None:
                kwargs[a.keyword.value] = value
                sites.keywords[a.keyword.value] = self.origin(a.value, frame)
            else:
                args.append(value)
                sites.positional.append(self.origin(a.value, frame))
        return args, kwargs, sites

    def origin(self, expr: cst.BaseExpression, frame: Frame) -> Site:
        """Where an argument was written: for a parameter, the caller's argument (with this
        expression appended as an inner site), else the expression itself."""
        here = Site(frame.info, expr)
        if isinstance(expr, cst.Name) and expr.value in frame.origins:
            outer = frame.origins[expr.value]
            return Site(outer.info, outer.node, outer.inner + (here,))
        return here

    def call_super(self, method: str, node: cst.Call, frame: Frame) -> Any:
        me = frame.env.get("self")
        args, kwargs, sites = self.eval_args(node, frame)
        if not isinstance(me, ModuleObj) or me.cls is None or args is None:
            return UNKNOWN
        # the classes after the one that defines the running method, in self's MRO
        current = frame.env.get("__class__", me.cls)
        chain = self.mro(me.cls)
        after = chain[chain.index(current) + 1:] if current in chain else chain[1:]
        for c in after:
            if isinstance(c, ClassRef):
                fn = self._own_method(c, method)
                if fn is not None:
                    return self.call_function(fn, [me] + list(args), kwargs, sites.after_self(), phase=frame.phase)
            elif isinstance(c, TorchRef):
                kind = CONTAINER_QUALNAMES.get(c.qualname)
                if method == "__init__":
                    if kind:
                        self.fill_container(me, kind, args, kwargs, sites)
                    else:
                        spec = lookup(c.qualname)
                        if spec is not None and not spec.functional:
                            self.init_leaf_base(me, spec, args, kwargs, sites)
                    return None
                if method == "forward":
                    return self.call_module(me, args, kwargs, Site(frame.info, node), builtin_forward=True)
                return UNKNOWN
        return UNKNOWN

    def _own_method(self, cls: ClassRef, name: str) -> Optional[FuncRef]:
        """The method ``name`` defined in the class body itself; the last definition wins
        (as in Python: ``@overload`` stubs come first)."""
        found = None
        if isinstance(cls.node.body, cst.IndentedBlock):
            for stmt in cls.node.body.body:
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                    found = FuncRef(cls.info, stmt, owner=cls)
        return found

    def call(self, callee: Any, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites", phase: str) -> Any:
        self.current_site = site
        if isinstance(callee, Partial):
            merged = dict(callee.kwargs)
            merged.update(kwargs)
            bound: List[Optional[Site]] = [None] * len(callee.args)
            extra = ArgSites(bound + list(sites.positional), dict(sites.keywords))
            return self.call(callee.func, list(callee.args) + list(args), merged, site, extra, phase)
        if isinstance(callee, TorchRef):
            return self.call_torch(callee.qualname, args, kwargs, site, sites)
        if isinstance(callee, ClassRef):
            if self.is_module_class(callee):
                return self.instantiate(callee, args, kwargs, site, sites)
            return UNKNOWN
        if isinstance(callee, FuncRef):
            return self.call_function(callee, args, kwargs, sites, phase)
        if isinstance(callee, BoundMethod):
            return self.call_method(callee, args, kwargs, site, sites, phase)
        if isinstance(callee, ModuleObj):
            return self.call_module(callee, args, kwargs, site)
        if callable(callee) and getattr(callee, "__shapelint_builtin__", False):
            return callee(self, args, kwargs)
        return UNKNOWN

    def call_method(self, bm: BoundMethod, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites", phase: str) -> Any:
        obj, fn = bm.obj, bm.func
        if isinstance(fn, FuncRef):
            frame_phase = phase
            return self.call_function(fn, [obj] + list(args), kwargs, sites.after_self(), frame_phase)
        if isinstance(obj, Tensor):
            return self.tensor_method(obj, fn, args, kwargs, site)
        if isinstance(obj, ModuleObj):
            return self.module_method(obj, fn, args, kwargs)
        return python_method(obj, fn, args, kwargs)

    def module_method(self, obj: ModuleObj, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if name == "add_module" or name == "register_module":
            if len(args) == 2 and isinstance(args[0], str):
                obj.register(args[0], args[1])
            return None
        if name == "append":
            if args:
                obj.register(str(len(obj.children)), args[0] if isinstance(args[0], ModuleObj) else _unknown_module())
            return obj
        if name == "extend":
            items = self.iterate(args[0]) if args else None
            if items is None:
                obj.complete = False
                return obj
            for v in items:
                obj.register(str(len(obj.children)), v if isinstance(v, ModuleObj) else _unknown_module())
            return obj
        if name == "insert":
            obj.complete = False
            return None
        if name in ("items", "named_children"):
            return list(obj.children.items())
        if name in ("keys",):
            return list(obj.children.keys())
        if name in ("values", "children"):
            return list(obj.children.values())
        if name == "register_buffer":
            return None
        return UNKNOWN

    def call_torch(self, qual: str, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites") -> Any:
        kind = CONTAINER_QUALNAMES.get(qual)
        if kind is not None:
            obj = ModuleObj(qual.rsplit(".", 1)[1], kind, site=site)
            self.fill_container(obj, kind, args, kwargs, sites)
            return obj
        if qual in LIBRARY:
            return LIBRARY[qual](self, args, kwargs)
        if qual in ("torch.nn.Parameter", "torch.nn.parameter.Parameter"):
            t = args[0] if args else kwargs.get("data")
            return Parameter(t.shape if isinstance(t, Tensor) else None)
        short = qual.rsplit(".", 1)[-1]
        module = qual.rsplit(".", 1)[0]
        if module in TENSOR_MODULES and short in TENSOR_METHOD_FUNCS and args and isinstance(args[0], Tensor):
            label = f"torch.{short}" if module == "torch" else f"F.{short}"
            return self.tensor_method(args[0], short, list(args[1:]), kwargs, site, label)  # torch.f(x, ...) is x.f(...)
        spec = lookup(qual)
        if spec is not None and not spec.functional:
            return self.make_leaf(spec, spec.name, args, kwargs, site, sites)
        if spec is not None:
            return self.apply_function(spec, args, kwargs, site)
        if module in TENSOR_MODULES and short in PRESERVING:
            first = args[0] if args else kwargs.get("input")
            return first if isinstance(first, Tensor) else UNKNOWN
        if module == "torch" and short in CREATORS:
            return self.creator(args, kwargs)
        if qual.startswith("torch.nn.") and short[:1].isupper() and module in ("torch.nn",) or ".modules." in qual and short[:1].isupper():
            return ModuleObj(short, "leaf", site=site)  # a torch layer we have no spec for
        return UNKNOWN

    def creator(self, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        """``torch.zeros(2, 3)``, ``torch.empty((n, m))``: the shape when its rank is known."""
        if "size" in kwargs:
            sizes = kwargs["size"]
        elif len(args) == 1 and isinstance(args[0], (tuple, list)):
            sizes = args[0]
        elif len(args) == 1 and not (is_int(args[0]) or isinstance(args[0], Sym)):
            return Tensor(None)  # an unknown single argument may be a whole size tuple
        else:
            sizes = args  # several positional sizes: one dim each
        if not isinstance(sizes, (tuple, list)) or not all(is_int(v) or isinstance(v, Sym) or v is UNKNOWN for v in sizes):
            return Tensor(None)
        return Tensor(tuple(_to_dim(v) for v in sizes))

    def apply_function(self, spec: Layer, args: List[Any], kwargs: Dict[str, Any], site: Site) -> Any:
        tensor_params = {p.name for p in spec.signature if p.tensor}
        bound = spec.bind([_config(a) for a in args], {k: _config(v) for k, v in kwargs.items()})
        if isinstance(bound, Failure):
            return Tensor(None)
        for p in tensor_params:
            v = bound.values.get(p)
            if v is UNKNOWN:
                return Tensor(None)
        res = spec.apply(bound)
        first = args[0] if args and isinstance(args[0], Tensor) else None
        tensors = [a for a in list(args) + list(kwargs.values()) if isinstance(a, Tensor)]
        self.fail(res.failure, site, first.note if first else "", *tensors)
        return Tensor(res.shape, self.note(spec.name, res.shape, first.shape if first else None, site), _assumed(*tensors) | _after(res))

    # ------------------------------------------------------------------ tensors
    def tensor_method(self, t: Tensor, name: str, args: List[Any], kwargs: Dict[str, Any], site: Site, label: str = "") -> Any:
        """``t.name(*args)``; ``label`` names it in messages when called as a function."""
        shape = t.shape
        if name in PRESERVING:
            return t
        if name == "size":
            if shape is None:
                return UNKNOWN
            if not args and "dim" not in kwargs:
                return tuple(_dim_value(d) for d in shape)
            d = args[0] if args else kwargs["dim"]
            if is_int(d) and -len(shape) <= d < len(shape):
                return _dim_value(shape[d])
            return UNKNOWN
        if name == "dim" or name == "ndimension":
            return len(shape) if shape is not None else UNKNOWN
        if name == "numel":
            n = prod(shape) if shape is not None else None
            return n if is_int(n) else UNKNOWN
        res: Optional[Result] = None
        if name in ("view", "reshape"):
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            sizes = kwargs.get("shape", sizes)
            if not isinstance(sizes, (tuple, list)) or any(not (is_int(s) or isinstance(s, Sym)) for s in sizes):
                return Tensor(None)
            res = reshape(name, shape, [_to_dim(s) for s in sizes])
        elif name == "flatten":
            start = args[0] if args else kwargs.get("start_dim", 0)
            end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
            res = flatten_shape("flatten", shape, start, end)
        elif name == "permute":
            dims = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            res = permute(shape, list(kwargs.get("dims", dims)))
        elif name in ("transpose", "swapaxes", "swapdims"):
            if len(args) == 2:
                res = transpose(shape, args[0], args[1])
        elif name == "t":
            res = transpose(shape, 0, 1) if shape is not None and len(shape) == 2 else Result(shape)
        elif name == "squeeze":
            res = squeeze(shape, args[0] if args else kwargs.get("dim"))
        elif name == "unsqueeze":
            res = unsqueeze(shape, args[0] if args else kwargs.get("dim"))
        elif name in ("max", "min"):
            if args and isinstance(args[0], Tensor):  # torch.max(a, b): elementwise
                return self.tensor_binop(cst.Add(), t, args[0], site)
            dim = args[0] if args else kwargs.get("dim")
            if dim is None:
                return Tensor(())
            keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
            res = reduce(shape, dim, keep) if is_int(dim) else Result(None)
            self.fail(res.failure, site, t.note, t)
            values = Tensor(res.shape, self.note(label or name, res.shape, shape, site), t.assumed | _after(res))
            return (values, Tensor(res.shape, "", values.assumed))  # (values, indices)
        elif name in ("mean", "sum", "amax", "amin", "prod", "std", "var"):
            dim = args[0] if args else kwargs.get("dim")
            keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
            res = reduce(shape, dim, keep)
        elif name in ("chunk", "split"):
            how = args[0] if args else kwargs.get("chunks", kwargs.get("split_size", kwargs.get("split_size_or_sections")))
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
            pieces, failure = (chunk if name == "chunk" else split)(shape, how, dim)
            self.fail(failure, site, t.note, t)
            if pieces is None:
                return UNKNOWN  # not even the number of pieces is known
            return tuple(Tensor(p, "", t.assumed) for p in pieces)
        elif name in ("expand", "repeat"):
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            if not isinstance(sizes, (tuple, list)) or any(not (is_int(v) or isinstance(v, Sym)) for v in sizes):
                return Tensor(None)
            res = (expand if name == "expand" else repeat)(shape, [_to_dim(v) for v in sizes])
        elif name in ("expand_as", "view_as", "reshape_as") and args and isinstance(args[0], Tensor):
            return Tensor(args[0].shape, "", args[0].assumed)
        elif name in ("add", "sub", "mul", "div") and args:
            return self.tensor_binop({"add": cst.Add(), "sub": cst.Subtract(), "mul": cst.Multiply(), "div": cst.Divide()}[name], t, args[0], site)
        if res is None:
            return Tensor(None)
        self.fail(res.failure, site, t.note, t)
        return Tensor(res.shape, self.note(label or name, res.shape, shape, site), t.assumed | _after(res))

    # ------------------------------------------------------------------ modules in forward
    def call_module(self, obj: ModuleObj, args: List[Any], kwargs: Dict[str, Any], site: Optional[Site], builtin_forward: bool = False) -> Any:
        if obj.kind == "leaf" or (obj.kind == "leaf-subclass" and (builtin_forward or obj.cls is None or self.find_method(obj.cls, "forward") is None)):
            return self.call_leaf(obj, args)
        if obj.kind == "sequential" or (obj.container == "sequential" and (builtin_forward or obj.cls is None or self.find_method(obj.cls, "forward") is None)):
            x: Any = args[0] if args else UNKNOWN
            self.block_inputs.append({id(x)})
            try:
                return self.run_sequential(obj, x)
            finally:
                self.block_inputs.pop()
        if obj.cls is not None:
            fwd = self.find_method(obj.cls, "forward")
            if fwd is not None:
                self.block_inputs.append({id(a) for a in args})
                try:
                    return self.call_function(fwd, [obj] + list(args), kwargs, None, "forward")
                finally:
                    self.block_inputs.pop()
        return Tensor(None)

    def run_sequential(self, obj: ModuleObj, x: Any) -> Any:
        name = self.names.get(id(obj))
        if not obj.children and name is not None and obj.complete:  # an empty Sequential: an identity leaf
            shape = x.shape if isinstance(x, Tensor) else None
            self.reporter.rows.append(Row(name, obj.type_name, obj.site, shape, shape, 0, 0))
        for child in obj.children.values():
            x = self.call_module(child, [x], {}, None)
        return x

    def call_leaf(self, obj: ModuleObj, args: List[Any]) -> Any:
        x = args[0] if args else UNKNOWN
        shape = x.shape if isinstance(x, Tensor) else None
        name = self.names.get(id(obj))
        spec, cfg = obj.spec, obj.cfg
        if spec is None or cfg is None:
            if obj.bind_failure is not None:
                self.fail_module(obj, obj.bind_failure, "")
            if name is not None:
                self.reporter.rows.append(Row(name, obj.type_name, obj.site, shape, None, spec.params(cfg) if spec and cfg else None, None))
            return Tensor(None)
        assumed = _assumed(*[a for a in args if isinstance(a, Tensor)])
        if shape is None and isinstance(x, Tensor):
            shape = spec.seed(cfg)
            if shape is not None:
                assumed = assumed | {"last" if spec.seed_keeps_leading else "batched"}
        inputs = [shape] if spec.n_inputs == 1 else [a.shape if isinstance(a, Tensor) else None for a in args[: spec.n_inputs]]
        res = spec.apply(cfg, *inputs)
        note = x.note if isinstance(x, Tensor) else ""
        if _reportable(res.failure, assumed):
            self.fail_module(obj, res.failure, note, id(x) in self.block_inputs[-1])
        assumed = assumed | _after(res)
        if name is not None:
            macs = spec.macs(cfg, inputs, res.shape) if res.failure is None else None
            self.reporter.rows.append(Row(name, obj.type_name, obj.site, shape, res.shape, spec.params(cfg), macs))
        label = name or obj.type_name
        note = Note(f"from {label}, line {{line}}", obj.site)
        if res.outputs is not None:  # several tensors: the same nesting of tuples
            return _tensors(res.outputs, note, assumed)
        if res.shape is not None and res.shape == shape and isinstance(x, Tensor):
            return Tensor(res.shape, x.note, assumed)  # shape-preserving: the producer stays the earlier one
        return Tensor(res.shape, note, assumed)

    # ------------------------------------------------------------------ reporting
    def fail(self, failure: Optional[Failure], site: Optional[Site], note: Any = "", *inputs: Tensor) -> None:
        """Report a failure of an operation on ``inputs`` unless it rests on an assumed shape."""
        if _reportable(failure, _assumed(*inputs)):
            self.reporter.fail(failure, site, note)

    def fail_module(self, obj: ModuleObj, failure: Optional[Failure], note: Any, at_block_input: bool = True) -> None:
        """Report at the argument to change.  An argument a block or helper received: at the
        caller when the layer takes the block's own input (the caller chose the wrong value),
        inside the block otherwise (the block wired it wrong)."""
        if failure is None or obj.site is None:
            return
        target = obj.arg_sites.get(failure.arg) if failure.arg else None
        if target is not None and not at_block_input:
            target = target.innermost
        self.reporter.fail(failure, target or obj.site, note, obj.site)

    def note(self, op: str, out: Any, before: Any, site: Site) -> Note:
        """For a flatten or reshape: how the merged last dim was made, e.g. 16×5×5."""
        if out is None or before is None or not out:
            return Note(f"after {op}, line {{line}}", site)
        last = out[-1]
        tail: List[Any] = []
        for d in reversed(before):
            tail.insert(0, d)
            if prod(tail) == last:
                break
        if len(tail) > 1 and prod(tail) == last:
            return Note(f"{'×'.join(str(d) for d in tail)} after {op}, line {{line}}", site)
        return Note(f"after {op}, line {{line}}", site)


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


# expressions that never evaluate to a module
_NOT_MODULES = (cst.BinaryOperation, cst.Comparison, cst.BooleanOperation, cst.UnaryOperation, cst.Integer, cst.Float, cst.SimpleString, cst.FormattedString)


def _assigned_value(small: cst.BaseSmallStatement, name: str) -> Optional[cst.BaseExpression]:
    """The value of ``name = value`` (or ``name: T = value``), if that is what ``small`` is."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target: cst.BaseExpression = small.targets[0].target
        value: Optional[cst.BaseExpression] = small.value
    elif isinstance(small, cst.AnnAssign):
        target, value = small.target, small.value
    else:
        return None
    return value if isinstance(target, cst.Name) and target.value == name else None


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


MODULE_METHODS = {
    "add_module", "register_module", "append", "extend", "insert", "items", "keys", "values", "children",
    "named_children", "register_buffer",
}
TENSOR_METHOD_FUNCS = {
    "chunk", "split", "max", "min",
    "flatten", "reshape", "permute", "transpose", "squeeze", "unsqueeze", "mean", "sum", "amax", "amin", "t",
    "swapaxes", "swapdims",
}
CREATORS = {"zeros", "ones", "randn", "rand", "empty", "full"}


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


# ---------------------------------------------------------------------- builtins


def _builtin(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn.__shapelint_builtin__ = True  # type: ignore[attr-defined]
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
    if isinstance(v, ModuleObj) and (v.kind in ("sequential", "modulelist", "moduledict") or v.container):
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
    if items is None or not _numbers(items):
        return UNKNOWN
    return sum(items) + (args[1] if len(args) > 1 and isinstance(args[1], (int, float)) else 0)


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
        else:
            args[0].complete = False  # a name we cannot read: the tree is not whole
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
    fn.__shapelint_type__ = f"py:{name}"  # type: ignore[attr-defined]
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


def _math(fn: Callable[..., Any]) -> Callable[..., Any]:
    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if not args or not _numbers(args) or kwargs:
            return UNKNOWN
        try:
            return fn(*args)
        except (ValueError, OverflowError, TypeError):
            return UNKNOWN

    return call


@_builtin
def _partial(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args:
        return UNKNOWN
    return Partial(args[0], tuple(args[1:]), tuple(kwargs.items()))


@_builtin
def _ordered_dict(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _convert(dict)(m, args, kwargs) if args else dict(kwargs)


@_builtin
def _false(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return False


@_builtin
def _none(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return None


@_builtin
def _annotate(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return args[1] if len(args) == 2 else UNKNOWN


@_builtin
def _cat(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return m_merge(m, args, kwargs, cat)


@_builtin
def _stack(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return m_merge(m, args, kwargs, stack)


def m_merge(m: Machine, args: List[Any], kwargs: Dict[str, Any], fn: Callable[..., Result]) -> Any:
    tensors = args[0] if args else kwargs.get("tensors")
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    items = m.iterate(tensors)
    if items is None or not all(isinstance(t, Tensor) for t in items) or not is_int(dim):
        return Tensor(None)
    res = fn([t.shape for t in items], dim)
    m.fail(res.failure, m.current_site, "", *items)
    return Tensor(res.shape, "", _assumed(*items) | _after(res))


LIBRARY: Dict[str, Any] = {
    "functools.partial": _partial,
    "collections.OrderedDict": _ordered_dict,
    "typing.OrderedDict": _ordered_dict,
    "math.ceil": _math(math.ceil),
    "math.floor": _math(math.floor),
    "math.sqrt": _math(math.sqrt),
    "math.log": _math(math.log),
    "math.log2": _math(math.log2),
    "math.prod": _fold(math.prod),
    "torch.jit.is_scripting": _false,
    "torch.jit.is_tracing": _false,
    "torch.jit.annotate": _annotate,
    "torch._assert": _none,
    "torch.cat": _cat,
    "torch.concat": _cat,
    "torch.concatenate": _cat,
    "torch.stack": _stack,
}
