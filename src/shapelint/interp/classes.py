"""User classes and modules: MRO, methods, class attributes, instantiation, containers and leaves."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from ..layers import UNKNOWN, Failure, Layer, lookup
from ..layers.core import is_int
from .common import MAX_LOOP, ArgSites, Frame, TorchRaises, _config, _unknown_module
from .values import ClassRef, FuncRef, ModuleObj, Site, Tensor, TorchRef

CONTAINER_QUALNAMES = {
    "torch.nn.Sequential": "sequential",
    "torch.nn.modules.container.Sequential": "sequential",
    "torch.nn.ModuleList": "modulelist",
    "torch.nn.modules.container.ModuleList": "modulelist",
    "torch.nn.ModuleDict": "moduledict",
    "torch.nn.modules.container.ModuleDict": "moduledict",
}
MODULE_QUALNAMES = {"torch.nn.Module", "torch.nn.modules.module.Module"}
MODULE_METHODS = {
    "add_module", "register_module", "append", "extend", "insert", "items", "keys", "values", "children",
    "named_children", "register_buffer", "named_buffers", "buffers",
}


STACKS = {
    "torch.nn.TransformerEncoder": "TransformerEncoder",
    "torch.nn.modules.transformer.TransformerEncoder": "TransformerEncoder",
    "torch.nn.TransformerDecoder": "TransformerDecoder",
    "torch.nn.modules.transformer.TransformerDecoder": "TransformerDecoder",
}


def clone(m: ModuleObj) -> ModuleObj:
    """``copy.deepcopy`` of a module: a new instance all the way down (parameters count again)."""
    return replace(m, children={k: clone(v) for k, v in m.children.items()}, attrs=dict(m.attrs), parameters=dict(m.parameters), buffers=list(m.buffers))


def _is_accessor(stmt: cst.FunctionDef) -> bool:
    """``@x.setter`` / ``@x.deleter``: not the attribute's getter."""
    return any(isinstance(d.decorator, cst.Attribute) and d.decorator.attr.value in ("setter", "deleter") for d in stmt.decorators)


def _named_buffers(obj: ModuleObj, prefix: str, seen: Optional[set] = None) -> Optional[List[Tuple[str, Any]]]:
    """torch's ``named_buffers()``: a module's own buffers that are not None, then its
    children's, each under its dotted name (a module met twice, once); None when any
    module was not wholly followed."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if not (obj.complete and obj.members_known):
        return None
    out: List[Tuple[str, Any]] = []
    for key in obj.buffers:
        value = obj.attrs.get(key, UNKNOWN)
        if value is UNKNOWN:
            return None
        if value is not None:
            out.append((prefix + key, value))
    for child_name, child in obj.children.items():
        inner = _named_buffers(child, f"{prefix}{child_name}.", seen)
        if inner is None:
            return None
        out.extend(inner)
    return out


def _dotted(expr: cst.BaseExpression) -> bool:
    """``name`` or ``a.b.c``: read from globals alone, the same each time."""
    while type(expr) is cst.Attribute:
        expr = expr.value
    return type(expr) is cst.Name


class Classes:
    """Builds module objects."""

    try_depth: int  # ``try`` blocks with handlers the running code is inside
    doubts: int
    _globals_busy: set
    # id(class node) -> (node, its mro, the doubts reading its bases counted); the node keeps the id alive
    _mros: Dict[int, Tuple[cst.ClassDef, Optional[List[Any]], int]]
    _methods: Dict[int, Tuple[cst.ClassDef, Dict[str, cst.FunctionDef]]]  # id(class node) -> (node, its methods by name)

    def mro(self, cls: ClassRef) -> List[Any]:
        """The class and its bases, depth first: ClassRefs, then the torch base (a TorchRef).
        Cached per class where its bases are names: read from globals, which are cached
        too, so from the second reading on they give the same values and doubts; a hit
        counts the doubts the second reading counted.  The list is shared: read it only."""
        key = id(cls.node)
        hit = self._mros.get(key)
        if hit is not None and hit[1] is not None:
            self.doubts += hit[2]
            return hit[1]
        out: List[Any] = []
        seen: set = set()
        doubts = self.doubts
        cacheable = not self._globals_busy  # a global being bound reads as unknown only meanwhile

        def visit(c: Any, depth: int) -> None:
            nonlocal cacheable
            if depth > 20:
                return
            if isinstance(c, ClassRef):
                if id(c.node) in seen:
                    return
                seen.add(id(c.node))
                out.append(c)
                for base in c.node.bases:
                    cacheable = cacheable and _dotted(base.value)
                    visit(self.eval(base.value, Frame(c.info, {}, phase="init")), depth + 1)
            elif isinstance(c, TorchRef):
                out.append(c)

        visit(cls, 0)
        if cacheable:  # the first reading may bind globals (and count their doubts): kept from the second on
            self._mros[key] = (cls.node, out if hit is not None else None, self.doubts - doubts)
        return out

    def find_method(self, cls: ClassRef, name: str) -> Optional[FuncRef]:
        for c in self.mro(cls):
            if isinstance(c, ClassRef):
                found = self._own_method(c, name)
                if found is not None:
                    return found
        return None

    def _own_method(self, cls: ClassRef, name: str) -> Optional[FuncRef]:
        """The method ``name`` defined in the class body itself; the last definition wins
        (as in Python: ``@overload`` stubs come first)."""
        key = id(cls.node)
        methods = self._methods.get(key)
        if methods is None or methods[0] is not cls.node:
            defs: Dict[str, cst.FunctionDef] = {}
            if isinstance(cls.node.body, cst.IndentedBlock):
                for stmt in cls.node.body.body:
                    if isinstance(stmt, cst.FunctionDef) and not _is_accessor(stmt):
                        defs[stmt.name.value] = stmt
            methods = self._methods[key] = (cls.node, defs)
        fn = methods[1].get(name)
        return None if fn is None else FuncRef(cls.info, fn, owner=cls)

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
            obj.lose_members()  # torch's own constructor, with arguments we do not know
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
                obj.lose_members()
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
                obj.lose_members()
                return
            for k, v in pairs:
                obj.register(str(k), v if isinstance(v, ModuleObj) else _unknown_module())

    def make_stack(self, type_name: str, args: List[Any], kwargs: Dict[str, Any], site: Optional[Site]) -> ModuleObj:
        """``nn.TransformerEncoder(layer, num_layers, norm)`` (or Decoder): ``layers`` holds
        num_layers deep copies of the layer, then an optional final ``norm``."""
        which = "decoder_layer" if type_name == "TransformerDecoder" else "encoder_layer"
        layer = args[0] if args else kwargs.get(which)
        count = args[1] if len(args) > 1 else kwargs.get("num_layers", UNKNOWN)
        norm = args[2] if len(args) > 2 else kwargs.get("norm")
        obj = ModuleObj(type_name, "stack", site=site)
        layers = ModuleObj("ModuleList", "modulelist", site=site)
        obj.register("layers", layers)
        if isinstance(layer, ModuleObj) and is_int(count) and 0 <= count <= MAX_LOOP:
            for i in range(count):
                layers.register(str(i), clone(layer))
        else:
            obj.complete = layers.complete = False
        if isinstance(norm, ModuleObj):
            obj.register("norm", norm)
        elif norm is not None:
            obj.complete = False
        return obj

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
        failure = bound if isinstance(bound, Failure) else spec.check(bound)
        if failure is not None and (failure is bound or failure.stage == "init") and self.try_depth:
            raise TorchRaises()  # torch's constructor raises and a handler around it takes over: no finding
        if isinstance(bound, Failure):
            return ModuleObj(type_name, "leaf", site=site, spec=spec, bind_failure=bound, arg_sites=arg_sites)
        obj = ModuleObj(type_name, "leaf", site=site, spec=spec, cfg=bound, arg_sites=arg_sites)
        if failure is not None and failure.stage == "init":
            obj.bind_failure = failure
        return obj

    def module_method(self, obj: ModuleObj, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if name == "add_module" or name == "register_module":
            name_arg = args[0] if args else kwargs.get("name", UNKNOWN)
            value = args[1] if len(args) > 1 else kwargs.get("module", UNKNOWN)
            if isinstance(name_arg, str) and value is not UNKNOWN:
                obj.register(name_arg, value)
            else:
                obj.keep_place(value)
            return None
        if name == "append":
            if args:
                obj.register(str(len(obj.children)), args[0] if isinstance(args[0], ModuleObj) else _unknown_module())
            return obj
        if name == "extend":
            items = self.iterate(args[0]) if args else None
            if items is None:
                obj.lose_members()
                return obj
            for v in items:
                obj.register(str(len(obj.children)), v if isinstance(v, ModuleObj) else _unknown_module())
            return obj
        if name == "insert":
            obj.lose_members()
            return None
        if name in ("items", "named_children", "keys", "values", "children") and not obj.members_known:
            return UNKNOWN
        if name in ("items", "named_children"):
            return list(obj.children.items())
        if name in ("keys",):
            return list(obj.children.keys())
        if name in ("values", "children"):
            return list(obj.children.values())
        if name == "register_buffer":
            self.register_buffer(obj, args, kwargs)
            return None
        if name in ("named_buffers", "buffers") and not args and not kwargs:
            found = _named_buffers(obj, "")
            if found is None:
                return UNKNOWN
            return found if name == "named_buffers" else [t for _, t in found]
        return UNKNOWN

    def register_buffer(self, obj: ModuleObj, args: List[Any], kwargs: Dict[str, Any]) -> None:
        """``self.register_buffer(name, tensor)``: an attribute holding the tensor (or None),
        listed by ``named_buffers()``, never a parameter.  torch takes only a tensor or None."""
        key = args[0] if args else kwargs.get("name", UNKNOWN)
        value = args[1] if len(args) > 1 else kwargs.get("tensor", UNKNOWN)
        if not isinstance(key, str):
            obj.lose_members()  # an attribute we cannot name: what it is not known
            return
        if not (value is None or isinstance(value, Tensor)):
            value = UNKNOWN  # a tensor or None, we cannot tell which
        obj.register(key, value)
        if key not in obj.buffers:
            obj.buffers.append(key)
