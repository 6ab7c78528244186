"""Calls into user code: arguments and where they were written, parameter binding, super()."""

from __future__ import annotations

from types import FunctionType
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from ..extract.walk import walk
from ..layers import UNKNOWN, lookup
from .builtins import python_method
from .classes import CONTAINER_QUALNAMES
from .common import MAX_DEPTH, ArgSites, Frame, _Break, _Continue, _Raise, _Return, merge_values
from .overlays import DEFINITIONS
from .overlays.namedtuple import record_method
from .values import BoundMethod, ClassRef, FuncRef, Instance, LambdaRef, ModuleObj, Partial, PyValue, Record, Site, Tensor, TorchRef, TupleType, tensor_written

# list and dict methods that change their receiver
MUTATING = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem"}


def _escape(values: Any, depth: int) -> None:
    """Instances handed to code we do not follow (also inside lists, tuples and dicts)."""
    for v in values:
        if isinstance(v, Instance):
            v.open = True
        elif depth and isinstance(v, (list, tuple)):
            _escape(v, depth - 1)
        elif depth and isinstance(v, dict):
            _escape(v.values(), depth - 1)


def _yields(node: cst.FunctionDef) -> bool:
    """Does the function's own body ``yield`` (not a function nested in it)?"""
    found: List[cst.CSTNode] = []

    class V(cst.CSTVisitor):
        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is node

        def visit_Lambda(self, inner: cst.Lambda) -> bool:
            return False

        def visit_Yield(self, inner: cst.Yield) -> None:
            found.append(inner)

    walk(node, V())
    return bool(found)


def _handed_over(args: List[Any], kwargs: Dict[str, Any]) -> None:
    """Tensors handed to code not followed may be written in place there."""
    given = [*args, *kwargs.values()]
    given += [v for g in given if isinstance(g, (list, tuple)) for v in g]
    if any(isinstance(v, Tensor) for v in given):
        tensor_written()


# default values that neither write to their frame nor keep it (as a lambda does): one
# empty frame serves them all
_READ_ONLY = (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)


class Calls:
    """Calls functions, methods and classes."""

    current_site: Optional[Site]  # the call a library builtin is answering
    doubts: int  # values not wholly known met so far (see Machine)
    undecided: int  # > 0 on a path an undecided condition guards (SHP009 stays silent there)

    def call_function(self, fn: FuncRef, args: List[Any], kwargs: Dict[str, Any], sites: Optional["ArgSites"] = None, phase: str = "forward", open_ended: bool = False) -> Any:
        """Interpret a call; ``open_ended``: arguments not given are unknown, not absent."""
        # a file without the word ``yield`` has no generator: no walk of the body (an
        # editor checks the buffer at each keystroke, so these walks count); the answer is
        # kept per function, as the search of the file's text costs as much as a short call
        known = fn.info.scans.get(("generator", id(fn.node)))
        if known is not None:
            generator = known[1]
        else:
            source = fn.info.source
            generator = self.scan(fn.info, "generator", fn.node, lambda node: "yield" in source and _yields(node))
        if generator or self.depth >= MAX_DEPTH:  # not followed: what it does is not known
            _handed_over(args, kwargs)
            self.doubts += 1
        if generator:
            return UNKNOWN  # a generator: its items are made lazily, not by running it now
        if self.depth >= MAX_DEPTH:
            if phase == "forward" and self.current_site is not None:
                self.reporter.lose(fn.name, self.current_site, "calls nested too deep")
            return UNKNOWN
        env: Dict[str, Any] = dict(fn.closure or {})
        if fn.owner is not None:
            env["__class__"] = fn.owner
        frame = Frame(fn.info, env, phase=phase, fn=fn.node)
        if not self.bind_params(fn.node.params, args, kwargs, frame, sites, open_ended):
            self.doubts += 1  # Python refuses the call: TypeError
            return UNKNOWN
        self.depth += 1
        undecided = self.undecided
        try:
            self.exec_block(fn.node.body, frame)
            result: Any = None
        except _Return as r:
            result = r.value
        except _Raise:
            self.doubts += 1  # it raises (or may): a handler around the call may run
            result = UNKNOWN
        except (_Break, _Continue):
            self.doubts += 1
            result = UNKNOWN
        finally:
            self.depth -= 1
            self.undecided = undecided
            self.resolve_guards(frame)
        if frame.early:
            result = merge_values(frame.early + [result])
        return result

    def bind_params(self, params: cst.Parameters, args: List[Any], kwargs: Dict[str, Any], frame: Frame, sites: Optional["ArgSites"], open_ended: bool = False) -> bool:
        positional = list(params.posonly_params) + list(params.params)
        env, origins = frame.env, frame.origins
        remaining = dict(kwargs)
        blank: List[Frame] = []  # one empty frame for the defaults that only read names

        def by_name(p: cst.Param) -> None:
            """A parameter not given by position: its keyword, else its default, else unknown."""
            name = p.name.value
            if name in remaining:
                env[name] = remaining.pop(name)
                if sites is not None and name in sites.keywords:
                    origins[name] = sites.keywords[name]
            elif p.default is not None:
                if type(p.default) not in _READ_ONLY:  # a lambda keeps its frame's names, a walrus writes them
                    env[name] = self.eval(p.default, Frame(frame.info, {}, phase="init"))
                else:
                    if not blank:
                        blank.append(Frame(frame.info, {}, phase="init"))
                    env[name] = self.eval(p.default, blank[0])
            else:
                env[name] = UNKNOWN
                self.doubts += 1  # not given: Python may refuse the call

        for i, p in enumerate(positional):
            if i < len(args):
                env[p.name.value] = args[i]
                if sites is not None and i < len(sites.positional) and sites.positional[i] is not None:
                    origins[p.name.value] = sites.positional[i]  # type: ignore[assignment]
            else:
                by_name(p)
        extra = args[len(positional):]
        star = params.star_arg
        if isinstance(star, cst.Param):
            env[star.name.value] = UNKNOWN if open_ended else tuple(extra)
        elif extra:
            return False
        for p in params.kwonly_params:
            by_name(p)
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

    def eval_call(self, node: cst.Call, frame: Frame) -> Any:
        func = node.func
        # super().__init__(...) / super().forward(...)
        if type(func) is cst.Attribute and type(func.value) is cst.Call and type(func.value.func) is cst.Name and func.value.func.value == "super":
            return self.call_super(func.attr.value, node, frame)
        callee = self.eval(func, frame)
        args, kwargs, sites = self.eval_args(node, frame)
        if args is None and isinstance(callee, TorchRef):
            spec = lookup(callee.qualname)
            if spec is not None and not spec.functional:
                return ModuleObj(spec.name, "leaf", site=Site(frame.info, node), spec=spec, complete=False)
        if args is None:
            if frame.phase == "forward":
                self.lost_thread(frame, node, "arguments not known")
            if isinstance(callee, ModuleObj) or (isinstance(callee, BoundMethod) and isinstance(callee.obj, (ModuleObj, Tensor))):
                return Tensor(None)
            if isinstance(callee, BoundMethod) and isinstance(callee.obj, (list, dict)) and isinstance(func, cst.Attribute):
                self.lose(func.value, frame)
            return UNKNOWN
        if callee is UNKNOWN:
            _handed_over(args, kwargs)
        result = self.call(callee, args, kwargs, Site(frame.info, node), sites, frame.phase)
        if isinstance(callee, BoundMethod) and isinstance(callee.obj, (list, dict)) and callee.func in MUTATING and result is UNKNOWN and isinstance(func, cst.Attribute):
            self.lose(func.value, frame)  # a change we could not follow: the list is no longer known
        if result is UNKNOWN and frame.phase == "forward" and (callee is UNKNOWN or isinstance(callee, TorchRef)):
            given = list(args) + list(kwargs.values()) if callee is UNKNOWN else args[:1]  # torch: its input, not a weight
            if any(isinstance(a, Tensor) for a in given):
                what = callee.qualname if isinstance(callee, TorchRef) else frame.info.module.code_for_node(func)
                self.lost_thread(frame, node, f"{'not modelled' if isinstance(callee, TorchRef) else 'unknown callee'} {what[:60]}")
        return result

    def lose(self, expr: cst.BaseExpression, frame: Frame) -> None:
        """The value at ``name`` or ``obj.attr`` changed in a way we do not know."""
        if isinstance(expr, cst.Name):
            frame.env[expr.value] = UNKNOWN
        elif isinstance(expr, cst.Attribute):
            base = self._reach(expr.value, frame)
            if isinstance(base, Instance):
                self.forget_attrs(base, [expr.attr.value])
            elif isinstance(base, ModuleObj) and expr.attr.value in base.attrs:
                base.attrs[expr.attr.value] = UNKNOWN

    def lost_thread(self, frame: Frame, node: cst.CSTNode, reason: str) -> None:
        """Record that forward stopped following here (the ``shapes`` table says so)."""
        self.reporter.lose(frame.fn.name.value if frame.fn is not None else "?", Site(frame.info, node), reason)

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
                if isinstance(value, Instance):
                    value = self.as_mapping(value, Site(frame.info, a.value))
                if not isinstance(value, dict):
                    return None, {}, sites
                kwargs.update(value)
                name = a.value.value if isinstance(a.value, cst.Name) else None
                for k in value:
                    origin = frame.origins.get(f"**{name}.{k}") if name else None
                    if origin is not None:
                        sites.keywords[k] = origin
            else:
                expr = a.value  # self.origin, inline: this runs for every argument
                site = self.origin(expr, frame) if type(expr) is cst.Name and expr.value in frame.origins else Site(frame.info, expr)
                if a.keyword is not None:
                    kwargs[a.keyword.value] = value
                    sites.keywords[a.keyword.value] = site
                else:
                    args.append(value)
                    sites.positional.append(site)
        return args, kwargs, sites

    def origin(self, expr: cst.BaseExpression, frame: Frame) -> Site:
        """Where an argument was written: for a parameter, the caller's argument (with this
        expression appended as an inner site), else the expression itself."""
        here = Site(frame.info, expr)
        if type(expr) is cst.Name and expr.value in frame.origins:
            outer = frame.origins[expr.value]
            return Site(outer.info, outer.node, outer.inner + (here,))
        return here

    def call_super(self, method: str, node: cst.Call, frame: Frame) -> Any:
        me = frame.env.get("self")
        args, kwargs, sites = self.eval_args(node, frame)
        if isinstance(me, Instance) and args is not None:
            return self.instance_super(me, method, frame, args, kwargs, sites)
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

    def instance_super(self, me: Instance, method: str, frame: Frame, args: List[Any], kwargs: Dict[str, Any], sites: ArgSites) -> Any:
        """``super().method(...)`` in a plain class: the next class along the MRO that has it."""
        current = frame.env.get("__class__", me.cls)
        chain = list(self.lineage(me.cls).classes)
        after = chain[chain.index(current) + 1:] if current in chain else chain[1:]
        for c in after:
            if isinstance(c, TorchRef):
                me.open = True  # a library base: what it does is not followed
                return UNKNOWN
            if isinstance(c, ClassRef):
                fn = self._own_method(c, method)
                if fn is not None:
                    return self.call_function(fn, [me, *args], kwargs, sites.after_self(), phase=frame.phase)
        if not self.lineage(me.cls).complete:
            me.open = True
            return UNKNOWN
        return None if method == "__init__" else UNKNOWN

    def call(self, callee: Any, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites", phase: str) -> Any:
        if site.info.library:
            return self._call(callee, args, kwargs, site, sites, phase)
        self.project_calls.append(site)  # where a failure inside a library is reported
        try:
            return self._call(callee, args, kwargs, site, sites, phase)
        finally:
            self.project_calls.pop()

    def _call(self, callee: Any, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites", phase: str) -> Any:
        self.current_site = site
        if type(callee) is FunctionType and getattr(callee, "__shapelint_builtin__", False):
            return callee(self, args, kwargs)  # a builtin (the last case below, the most common one)
        if isinstance(callee, Partial):
            merged = dict(callee.kwargs)
            merged.update(kwargs)
            bound: List[Optional[Site]] = [None] * len(callee.args)
            extra = ArgSites(bound + list(sites.positional), dict(sites.keywords))
            return self._call(callee.func, list(callee.args) + list(args), merged, site, extra, phase)
        if isinstance(callee, TorchRef):
            if callee.qualname == "torch._assert" and args and isinstance(site.node, cst.Call) and site.node.args:
                self.check_assert(args[0], site.node.args[0].value, Frame(site.info, {}, phase=phase), site)
            made = self.call_torch(callee.qualname, args, kwargs, site, sites)
            if isinstance(made, ModuleObj) and site.info.library and self.project_calls:
                self.built_from[id(made)] = (made, self.project_calls[-1])  # its construction's project call
            return made
        if isinstance(callee, ClassRef):
            if self.is_module_class(callee):
                return self.instantiate(callee, args, kwargs, site, sites)
            return self.construct(callee, args, kwargs, site, sites)
        if isinstance(callee, TupleType):
            return self.construct_record(callee, args, kwargs)
        if isinstance(callee, Instance):
            fn = self.member_value(callee, callee.cls, "__call__")
            if isinstance(fn, BoundMethod):
                return self.call_method(fn, args, kwargs, site, sites, phase)
            callee.open = True
            return UNKNOWN
        if isinstance(callee, FuncRef):
            overlay = DEFINITIONS.get((callee.info.name, callee.name))
            if overlay is not None and callee.info.library:
                return overlay(self, callee, args, kwargs, site, sites)
            return self.call_function(callee, args, kwargs, sites, phase)
        if isinstance(callee, LambdaRef):
            return self.call_lambda(callee, args, kwargs, phase)
        if isinstance(callee, BoundMethod):
            return self.call_method(callee, args, kwargs, site, sites, phase)
        if isinstance(callee, ModuleObj):
            return self.call_module(callee, args, kwargs, site)
        if callable(callee) and getattr(callee, "__shapelint_builtin__", False):
            return callee(self, args, kwargs)
        _escape([*args, *kwargs.values()], 2)  # code we do not follow may set attributes on them
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
        if isinstance(obj, PyValue):
            return obj.method(self, fn, args, kwargs)
        if isinstance(obj, Record):
            return record_method(obj, fn, args, kwargs)
        return python_method(obj, fn, args, kwargs)

    def call_lambda(self, fn: LambdaRef, args: List[Any], kwargs: Dict[str, Any], phase: str) -> Any:
        """A lambda's body with its parameters bound over the names it was made with."""
        if self.depth >= MAX_DEPTH:
            return UNKNOWN
        frame = Frame(fn.info, dict(fn.closure), phase=phase)
        if not self.bind_params(fn.node.params, args, kwargs, frame, None):
            return UNKNOWN
        self.depth += 1
        try:
            return self.eval(fn.node.body, frame)
        finally:
            self.depth -= 1
