"""Calls into torch: layers through the algebra, tensor methods, module calls in forward, reporting."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, FrozenSet, List, Optional, Sequence

import libcst as cst

from ..layers import UNKNOWN, Failure, Layer, Result, lookup
from ..layers.core import SPATIAL, Condition, Shape, fmt_shape, is_int, prod
from ..layers.reshape import flatten_shape
from ..layers.symbolic import Expr, symbol
from ..layers.tensor import chunk, expand, permute, reduce, repeat, reshape, split, squeeze, topk, transpose, unbind, unsqueeze
from .classes import CONTAINER_QUALNAMES, STACKS
from .common import MAX_LOOP, RANK_FLAGS, ArgSites, Row, Sym, _after, _assumed, _config, _dim_value, _rank_assumed, _reportable, _tensors, _to_dim, shown
from .dispatch import LIBRARY_DISPATCH
from .overlays import LIBRARY
from .overlays.arrays import array_function, array_method, dtype_of, plain
from .values import FLOAT_DTYPES, INTEGER_DTYPES, ConstTensor, ModuleObj, Note, Parameter, Site, Struct, Tensor, tensor_written

# functions and methods that keep the shape of their first tensor argument
PRESERVING = {
    "relu", "relu_", "relu6", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "softplus", "softsign",
    "logsigmoid", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "softmax", "log_softmax", "softmin", "normalize", "abs", "exp", "log", "sqrt", "rsqrt", "clamp", "clamp_",
    "clip", "neg", "sin", "cos", "sign", "tanh_", "sigmoid_", "contiguous", "clone", "detach", "float", "double",
    "half", "bfloat16", "to", "cpu", "cuda", "type_as", "requires_grad_", "zero_", "fill_", "mul_", "add_",
    "div_", "sub_", "pow", "square", "reciprocal", "exp_", "floor", "ceil", "round", "erf", "silu_", "hardswish_",
    # functional norms keep the shape when torch runs them (their checks are the modules')
    "layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm", "local_response_norm",
}
TENSOR_MODULES = ("torch", "torch.nn.functional", "torch.special")
TENSOR_METHOD_FUNCS = {
    "chunk", "split", "unbind", "max", "min", "median", "mode", "kthvalue", "sort", "topk", "argmax", "argmin",
    "flatten", "reshape", "permute", "transpose", "squeeze", "unsqueeze", "mean", "sum", "amax", "amin", "t",
    "swapaxes", "swapdims",
}
VALUE_METHODS = {"tolist", "item", "numpy", "data_ptr", "__len__"}
CREATORS = {"zeros", "ones", "randn", "rand", "empty", "full"}
# shape-keeping operations that keep any dtype (the rest of PRESERVING keep a float one only:
# ``torch.sigmoid`` of an integer tensor is a float tensor)
KEEPS_DTYPE = {
    "contiguous", "clone", "detach", "cpu", "cuda", "requires_grad_", "zero_", "fill_", "abs", "neg", "clamp",
    "clamp_", "clip", "sign", "floor", "ceil", "round", "square", "mul_", "add_", "sub_", "roll", "flip",
    "masked_fill", "masked_fill_", "copy_",
}
CASTS = {"long": "int64", "int": "int32", "bool": "bool", "float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16"}
# what keeps its input's shape and dtype besides PRESERVING
SHAPE_KEEPING = {"roll", "flip", "masked_fill", "masked_fill_", "copy_"}
# methods whose result has the input's dtype (the ones that only move elements around)
MOVES = {"view", "reshape", "flatten", "permute", "transpose", "swapaxes", "swapdims", "t", "squeeze", "unsqueeze", "expand", "repeat", "amax", "amin"}


def _kept_dtype(name: str, t: Tensor) -> Optional[str]:
    """The dtype of a shape-keeping operation's result."""
    return t.dtype if name in KEEPS_DTYPE or t.dtype in FLOAT_DTYPES else None


def _cast_dtype(name: str, t: Tensor, args: List[Any], kwargs: Dict[str, Any]) -> Optional[str]:
    """``t.long()``, ``t.to(torch.long)``, ``t.to(other)``, ``t.type_as(other)``: the new dtype
    (None when not known); ``t.to(device)`` keeps it."""
    if name in CASTS:
        return CASTS[name]
    given = [*args, *kwargs.values()]
    for a in given:
        if isinstance(a, Tensor):
            return a.dtype
        found = dtype_of(a, "torch") if not isinstance(a, str) else None
        if found is not None:
            return found
    if all(isinstance(a, (str, bool)) for a in given):  # a device name, non_blocking, copy
        return t.dtype
    return None


def _defaulted(params: cst.Parameters, given: int, kwargs: Dict[str, Any]) -> FrozenSet[str]:
    """The parameters a call with ``given`` positional arguments leaves at their defaults."""
    positional = list(params.posonly_params) + list(params.params)
    names = [p.name.value for p in positional[given:] if p.default is not None]
    names += [p.name.value for p in params.kwonly_params if p.default is not None]
    return frozenset(n for n in names if n not in kwargs)


def _shape_of(v: Any) -> Any:
    """A layer's extra input as the algebra takes it: a shape, or a tuple of shapes (an LSTM's (h0, c0))."""
    if isinstance(v, Tensor):
        return v.shape
    if isinstance(v, tuple) and v and all(isinstance(e, Tensor) for e in v):
        return tuple(e.shape for e in v)
    return None
DIM_METHODS = {
    "flatten", "permute", "transpose", "swapaxes", "swapdims", "squeeze", "unsqueeze", "mean", "sum", "amax", "amin",
    "prod", "std", "var", "max", "min", "chunk", "split",
}


def _counts_from_front(name: str, args: List[Any], kwargs: Dict[str, Any]) -> bool:
    """Does ``t.name(*args)`` name a dim counted from the front (or act on the rank, as ``t()``)?"""
    if name == "t":
        return True
    if name not in DIM_METHODS:
        return False
    dims = list(args[1:] if name in ("chunk", "split") else args)
    for key in ("dim", "dims", "start_dim", "end_dim", "dim0", "dim1"):
        if key in kwargs:
            dims.append(kwargs[key])
    if name in ("chunk", "split") and len(args) < 2 and "dim" not in kwargs:
        return True  # dim 0 by default
    flat: List[Any] = []
    for d in dims:
        flat.extend(d if isinstance(d, (tuple, list)) else [d])
    return any(is_int(d) and d >= 0 for d in flat) or any(not (is_int(d) or isinstance(d, bool) or d is None) for d in flat)


def _method_dtype(name: str, t: Tensor) -> Optional[str]:
    """The dtype of ``t.name(...)`` for the methods that change the shape."""
    if name in MOVES:
        return t.dtype
    if name in ("argmax", "argmin"):
        return "int64"
    if name in ("sum", "prod") and (t.dtype in INTEGER_DTYPES or t.dtype == "bool"):
        return "int64"
    if name in ("sum", "prod", "mean", "std", "var") and t.dtype in FLOAT_DTYPES:
        return t.dtype
    return None


def _macs(rows: List[Row]) -> Optional[int]:
    return None if any(r.macs is None for r in rows) else sum(r.macs or 0 for r in rows)


def sum_params(obj: ModuleObj) -> Optional[int]:
    """The parameters a module holds itself: its nn.Parameters and, for a subclass of a
    torch layer, the layer's own; None when any is unknown."""
    total = 0
    for p in obj.parameters.values():
        n = prod(p.shape) if p.shape is not None else None
        if not is_int(n):
            return None
        total += n
    if obj.spec is not None:
        own = obj.spec.params(obj.cfg) if obj.cfg is not None else None
        if own is None:
            return None
        total += own
    return total



SPATIAL_SYMBOLS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def symbolic_seed(shape: Shape) -> Shape:
    """A seed ``(batch, C, ?, ?)`` for the model's own undeclared input: its spatial sizes
    become the symbols the solver works on (``H``, ``W``; ``L``; ``D``, ``H``, ``W``)."""
    names = SPATIAL_SYMBOLS.get(len(shape) - 2)
    if names is None or not is_int(shape[1]) or any(d is not None for d in shape[2:]):
        return shape
    return tuple(shape[:2]) + tuple(symbol(n) for n in names)

class TorchCalls:
    """Runs torch operations and modules."""

    solve_input: Any  # set by Machine: see its __init__
    solve_shape: Optional[Shape]

    def call_torch(self, qual: str, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites") -> Any:
        short = qual.rsplit(".", 1)[-1]
        if (short.endswith("_") and not short.endswith("__")) or "out" in kwargs:
            tensor_written()  # ``nn.init.zeros_(t)``, ``torch.add(a, b, out=c)``
        kind = CONTAINER_QUALNAMES.get(qual)
        if kind is not None:
            obj = ModuleObj(qual.rsplit(".", 1)[1], kind, site=site)
            self.fill_container(obj, kind, args, kwargs, sites)
            return obj
        if qual in LIBRARY:
            return LIBRARY[qual](self, args, kwargs)
        if qual in STACKS:
            return self.make_stack(STACKS[qual], args, kwargs, site)
        if qual in LIBRARY_DISPATCH:
            return LIBRARY_DISPATCH[qual](self, args, kwargs)
        if qual.startswith("torch.Tensor.") and qual.count(".") == 2 and args and isinstance(args[0], Tensor):
            return self.tensor_method(args[0], qual.rsplit(".", 1)[1], list(args[1:]), kwargs, site)  # torch.Tensor.tolist(t)
        if any(isinstance(a, ConstTensor) for a in [*args, *kwargs.values()]):
            found = array_function(qual.rsplit(".", 1)[-1], args, kwargs) if qual.count(".") == 1 else NotImplemented
            if found is not NotImplemented:
                return found
            args, kwargs = [plain(a) for a in args], {k: plain(v) for k, v in kwargs.items()}
        if qual in ("torch.nn.Parameter", "torch.nn.parameter.Parameter"):
            t = args[0] if args else kwargs.get("data")
            return Parameter(t.shape if isinstance(t, Tensor) else None)
        module = qual.rsplit(".", 1)[0]
        if module in TENSOR_MODULES and short in TENSOR_METHOD_FUNCS and args and isinstance(args[0], Tensor):
            label = f"torch.{short}" if module == "torch" else f"F.{short}"
            return self.tensor_method(args[0], short, list(args[1:]), kwargs, site, label)  # torch.f(x, ...) is x.f(...)
        if qual in ("torch.einsum", "torch.functional.einsum") and len(args) == 2 and isinstance(args[1], (list, tuple)):
            args = [args[0], *args[1]]  # the operands as one sequence (a tuple's shapes would read as one shape)
        spec = lookup(qual)
        if spec is not None and not spec.functional:
            return self.make_leaf(spec, spec.name, args, kwargs, site, sites)
        if spec is not None:
            return self.apply_function(spec, args, kwargs, site)
        if module in TENSOR_MODULES and (short in PRESERVING or short in SHAPE_KEEPING):
            first = args[0] if args else kwargs.get("input")
            if not isinstance(first, Tensor):
                return UNKNOWN
            dtype = _kept_dtype(short, first)
            return self.recast(first, dtype)
        if module == "torch" and short in CREATORS:
            made = self.creator(args, kwargs)
            return Tensor(made.shape, made.note, made.assumed, dtype_of(kwargs.get("dtype"), "torch")) if "dtype" in kwargs else made
        if qual.startswith("torch.nn.") and short[:1].isupper() and module in ("torch.nn",) or ".modules." in qual and short[:1].isupper():
            return ModuleObj(short, "leaf", site=site)  # a torch layer we have no spec for
        return UNKNOWN

    def recast(self, t: Tensor, dtype: Optional[str]) -> Tensor:
        """``t`` with another dtype: the same tensor where the dtype stays, and still the
        block's own input where ``t`` was (a finding is reported where it was)."""
        if dtype == t.dtype and not isinstance(t, ConstTensor):
            return t
        out = Tensor(t.shape, t.note, t.assumed, dtype)
        if id(t) in self.block_inputs[-1]:
            self.block_inputs[-1].add(id(out))
        return out

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
        if any(is_int(v) and v < 0 for v in sizes):  # torch refuses a negative size: nothing is made
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
        self.fail_result(res, site, first.note if first else "", *tensors, label=spec.name)
        return Tensor(res.shape, self.note(spec.name, res.shape, first.shape if first else None, site), _assumed(*tensors) | _after(res))

    def tensor_method(self, t: Tensor, name: str, args: List[Any], kwargs: Dict[str, Any], site: Site, label: str = "") -> Any:
        """``t.name(*args)``; ``label`` names it in messages when called as a function."""
        if (name.endswith("_") and not name.endswith("__")) or "out" in kwargs:
            tensor_written()  # ``t.add_(1)``, ``t.copy_(u)``: in place
        if isinstance(t, ConstTensor):
            found = array_method(t, name, args, kwargs)
            if found is not NotImplemented:
                return found
            if t.lib == "numpy":
                return UNKNOWN  # a numpy method not modelled (its reductions give scalars, not tensors)
            t = plain(t)
        if name in VALUE_METHODS:
            return UNKNOWN  # Python values read out of a tensor whose values are not known
        shape = t.shape
        if name in CASTS or name in ("to", "type_as"):
            return self.recast(t, _cast_dtype(name, t, args, kwargs))
        if name in PRESERVING or name in SHAPE_KEEPING:
            dtype = _kept_dtype(name, t)
            return self.recast(t, dtype)
        if name in ("size", "dim", "ndimension", "numel") and t.assumed:
            self.shape_doubt = True
        ranked = _rank_assumed(t)
        if name == "size":
            if shape is None:
                return UNKNOWN
            if not args and "dim" not in kwargs:
                return UNKNOWN if ranked else tuple(_dim_value(d) for d in shape)
            d = args[0] if args else kwargs["dim"]
            if is_int(d) and -len(shape) <= d < len(shape) and not (ranked and d >= 0):
                return _dim_value(shape[d])  # with an assumed rank, only dims counted from the end are facts
            return UNKNOWN
        if name == "dim" or name == "ndimension":
            return len(shape) if shape is not None and not ranked else UNKNOWN
        if "last" in t.assumed and _counts_from_front(name, args, kwargs):
            return Tensor(None)  # only the last dim is known: a dim counted from the front could be any
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
        elif name in ("max", "min", "median", "mode", "kthvalue", "sort", "topk"):
            if name in ("max", "min") and args and isinstance(args[0], Tensor):  # torch.max(a, b): elementwise
                return self.tensor_binop(cst.Add(), t, args[0], site)
            k = None
            if name in ("kthvalue", "topk"):
                k, args = (args[0] if args else kwargs.get("k")), list(args[1:])
            dim = args[0] if args else kwargs.get("dim", -1 if name in ("mode", "kthvalue", "sort", "topk") else None)
            if dim is None:
                return Tensor(())  # over all elements: one value, no indices
            if name == "sort":
                res = reduce(shape, dim, True) if is_int(dim) else Result(None)
                res = Result(shape if res.failure is None and res.shape is not None else res.shape, res.failure)
            elif name == "topk":
                res = topk(shape, k, dim)
            else:
                keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
                res = reduce(shape, dim, keep) if is_int(dim) else Result(None)
            self.fail_result(res, site, t.note, t, label=label or name)
            values = Tensor(res.shape, self.note(label or name, res.shape, shape, site), t.assumed | _after(res), t.dtype)
            return Struct((values, Tensor(res.shape, "", values.assumed, "int64")), ("values", "indices"))
        elif name in ("argmax", "argmin"):
            dim = args[0] if args else kwargs.get("dim")
            keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
            res = reduce(shape, dim, keep) if dim is None or is_int(dim) else Result(None)
        elif name in ("mean", "sum", "amax", "amin", "prod", "std", "var"):
            dim = args[0] if args else kwargs.get("dim")
            keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
            res = reduce(shape, dim, keep)
        elif name == "unbind":
            pieces, failure = unbind(shape, args[0] if args else kwargs.get("dim", 0))
            self.fail(failure, site, t.note, t)
            if pieces is None or len(pieces) > MAX_LOOP:
                return UNKNOWN
            return tuple(Tensor(p, "", t.assumed, t.dtype) for p in pieces)
        elif name in ("chunk", "split"):
            how = args[0] if args else kwargs.get("chunks", kwargs.get("split_size", kwargs.get("split_size_or_sections")))
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
            pieces, failure = (chunk if name == "chunk" else split)(shape, how, dim)
            self.fail(failure, site, t.note, t)
            if pieces is None:
                return UNKNOWN  # not even the number of pieces is known
            return tuple(Tensor(p, "", t.assumed, t.dtype) for p in pieces)
        elif name in ("expand", "repeat"):
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            if not isinstance(sizes, (tuple, list)) or any(not (is_int(v) or isinstance(v, Sym)) for v in sizes):
                return Tensor(None)
            res = (expand if name == "expand" else repeat)(shape, [_to_dim(v) for v in sizes])
        elif name in ("expand_as", "view_as", "reshape_as") and args and isinstance(args[0], Tensor):
            return Tensor(args[0].shape, "", args[0].assumed)
        elif name in ("matmul", "bmm", "mm") and args:
            spec = lookup(f"torch.Tensor.{name}")
            if spec is not None:
                return self.apply_function(spec, [t, *args], kwargs, site)
        elif name in ("add", "sub", "mul", "div") and args:
            return self.tensor_binop({"add": cst.Add(), "sub": cst.Subtract(), "mul": cst.Multiply(), "div": cst.Divide()}[name], t, args[0], site)
        if res is None:
            return Tensor(None)
        self.fail_result(res, site, t.note, t, label=label or name)
        return Tensor(res.shape, self.note(label or name, res.shape, shape, site), t.assumed | _after(res), _method_dtype(name, t))

    def call_module(self, obj: ModuleObj, args: List[Any], kwargs: Dict[str, Any], site: Optional[Site], builtin_forward: bool = False) -> Any:
        if site is None:
            return self._call_module(obj, args, kwargs, site, builtin_forward)
        self.module_calls.append(Site(site.info, site.node))  # a Site of its own: one per call made
        try:
            return self._call_module(obj, args, kwargs, site, builtin_forward)
        finally:
            self.module_calls.pop()

    def _call_module(self, obj: ModuleObj, args: List[Any], kwargs: Dict[str, Any], site: Optional[Site], builtin_forward: bool = False) -> Any:
        if obj.kind == "leaf" or (obj.kind == "leaf-subclass" and (builtin_forward or obj.cls is None or self.find_method(obj.cls, "forward") is None)):
            return self.call_leaf(obj, args)
        if obj.kind == "sequential" or (obj.container == "sequential" and (builtin_forward or obj.cls is None or self.find_method(obj.cls, "forward") is None)):
            x: Any = args[0] if args else UNKNOWN
            self.block_inputs.append({id(x)})
            try:
                return self.run_sequential(obj, x)
            finally:
                self.block_inputs.pop()
        if obj.kind == "stack":
            memory = args[1] if len(args) > 1 else kwargs.get("memory")
            self.block_inputs.append({id(a) for a in args})
            try:
                return self.run_stack(obj, args[0] if args else kwargs.get("src", kwargs.get("tgt", UNKNOWN)), memory)
            finally:
                self.block_inputs.pop()
        if obj.cls is not None:
            fwd = self.find_method(obj.cls, "forward")
            if fwd is not None:
                self.block_inputs.append({id(a) for a in args})
                start = len(self.reporter.rows)
                try:
                    if self.depth == 0:  # the model's own forward: what its caller may pass is not known
                        self.guessed = (fwd.node, _defaulted(fwd.node.params, len(args) + 1, kwargs))
                    out = self.call_function(fwd, [obj] + list(args), kwargs, None, "forward")
                finally:
                    self.block_inputs.pop()
                if not obj.children and obj.complete and id(obj) in self.names:
                    self.own_row(obj, args[0] if args else UNKNOWN, out, start)
                return out
        return Tensor(None)

    def own_row(self, obj: ModuleObj, x: Any, out: Any, start: int) -> None:
        """A module without children is a leaf to torch's hooks, whatever its forward does:
        one row for the whole call, in place of the rows its forward made for itself
        (``super().forward``), after the rows of other modules it called."""
        name = self.names[id(obj)]
        rows = self.reporter.rows
        inner = [r for r in rows[start:] if r.name == name]
        rows[start:] = [r for r in rows[start:] if r.name != name]
        first = out[0] if isinstance(out, tuple) and out else out
        params: Optional[int] = sum_params(obj)
        # the layers it ran for itself; with none, its own arithmetic on parameters is not counted
        macs = _macs(inner) if inner else (None if obj.parameters else 0)
        rows.append(Row(
            name, obj.type_name, obj.site,
            shown(x.shape, x.assumed) if isinstance(x, Tensor) else None,
            shown(first.shape, first.assumed) if isinstance(first, Tensor) else None,
            params, macs, tuple(self.module_calls),
        ))

    def run_sequential(self, obj: ModuleObj, x: Any) -> Any:
        name = self.names.get(id(obj))
        if not obj.members_known:  # layers may be missing where we cannot say
            if self.current_site is not None:
                self.reporter.lose("forward", self.current_site, f"layers of {name or obj.type_name} not known")
            return Tensor(None)
        if not obj.children and name is not None and obj.complete:  # an empty Sequential: an identity leaf
            shape = x.shape if isinstance(x, Tensor) else None
            shape = shown(shape, x.assumed) if isinstance(x, Tensor) else None
            self.reporter.rows.append(Row(name, obj.type_name, obj.site, shape, shape, 0, 0, tuple(self.module_calls)))
        for child in obj.children.values():
            x = self.call_module(child, [x], {}, None)
        return x

    def run_stack(self, obj: ModuleObj, x: Any, memory: Any) -> Any:
        """A TransformerEncoder/Decoder: its layers in order (a decoder's each see ``memory``), then the norm."""
        layers = obj.children.get("layers")
        if layers is None or not obj.complete:
            return Tensor(None)
        for layer in layers.children.values():
            x = self.call_module(layer, [x] if obj.type_name == "TransformerEncoder" else [x, memory], {}, None)
        if "norm" in obj.children:
            x = self.call_module(obj.children["norm"], [x], {}, None)
        return x

    def call_leaf(self, obj: ModuleObj, args: List[Any]) -> Any:
        x = args[0] if args else UNKNOWN
        shape = x.shape if isinstance(x, Tensor) else None
        given = x.assumed if isinstance(x, Tensor) else frozenset()
        name = self.names.get(id(obj))
        spec, cfg = obj.spec, obj.cfg
        if spec is None or cfg is None:
            if obj.bind_failure is not None:
                self.fail_module(obj, obj.bind_failure, "")
            if name is not None:
                self.reporter.rows.append(Row(name, obj.type_name, obj.site, shown(shape, given), None, spec.params(cfg) if spec and cfg else None, None, tuple(self.module_calls)))
            return Tensor(None)
        assumed = _assumed(*[a for a in args if isinstance(a, Tensor)])
        if shape is None and isinstance(x, Tensor):
            shape = spec.seed(cfg)
            if shape is not None:
                assumed = assumed | {"last" if spec.seed_keeps_leading else "batched"}
                if x is self.solve_input:
                    shape = symbolic_seed(shape)
                    first: Optional[Shape] = self.solve_shape
                    if first is None:
                        self.solve_shape = shape
                    elif len(first) != len(shape):
                        shape = spec.seed(cfg)  # seen as another rank before: no symbols
        inputs = [shape] + [_shape_of(a) for a in args[1 : spec.n_inputs]]
        res = spec.apply(cfg, *inputs)
        note = x.note if isinstance(x, Tensor) else ""
        failure = res.failure
        if failure is not None and assumed == {"last"} and failure.kind != "in-features-mismatch" and spec.reads_only_last_dim(cfg):
            # only the last dim is known, and it is all this layer's check reads: the
            # failure stands for an input of any rank, and says so
            failure = replace(failure, message=failure.message.replace(fmt_shape(shape), fmt_shape(shown(shape, assumed))))
            self.fail_module(obj, failure, note, id(x) in self.block_inputs[-1])
        elif _reportable(failure, assumed):
            self.fail_module(obj, failure, note, id(x) in self.block_inputs[-1])
        if self.recording(res, assumed):
            label = f"{name or obj.type_name}"
            for cond in self.conditions_of(res, inputs):
                if cond.kind == SPATIAL and cond.arg is None and any(p.name == "kernel_size" for p in spec.signature):
                    cond = replace(cond, arg="kernel_size")  # as torch's collapse is reported
                target = obj.arg_sites.get(cond.arg) if cond.arg else None
                if target is not None and id(x) not in self.block_inputs[-1]:
                    target = target.innermost
                if obj.site is not None:
                    self.reporter.require(cond, target or obj.site, label, obj.site)
        assumed = assumed | _after(res)
        if name is not None:
            macs = spec.macs(cfg, inputs, res.shape) if res.failure is None and not assumed & RANK_FLAGS else None  # per sample: needs the rank
            self.reporter.rows.append(Row(name, obj.type_name, obj.site, shown(shape, assumed), shown(res.shape, assumed), spec.params(cfg), macs, tuple(self.module_calls)))
        label = name or obj.type_name
        note = Note(f"from {label}, line {{line}}", obj.site)
        if res.outputs is not None:  # several tensors: the same nesting of tuples
            return _tensors(res.outputs, note, assumed)
        if res.shape is not None and res.shape == shape and isinstance(x, Tensor):
            return Tensor(res.shape, x.note, assumed)  # shape-preserving: the producer stays the earlier one
        return Tensor(res.shape, note, assumed)

    def recording(self, res: Result, assumed: FrozenSet[str]) -> bool:
        """Conditions on the input's sizes count on paths that certainly run, and not
        after a refused call (its bug is reported already: no cascade)."""
        return self.solve_input is not None and self.undecided == 0 and self.try_depth == 0 and res.failure is None and "failed" not in assumed

    def conditions_of(self, res: Result, inputs: Sequence[Any]) -> List[Condition]:
        """The layer's own conditions, and torch's refusal of any new size below 1."""
        seen = {d for shape in inputs if isinstance(shape, tuple) for d in shape if isinstance(d, Expr)}
        out = list(res.conditions)
        for d in res.shape or ():
            if isinstance(d, Expr) and d not in seen:
                seen.add(d)
                out.append(Condition(SPATIAL, d, None, "output size"))
        return out

    def fail_result(self, res: Result, site: Optional[Site], note: Any = "", *inputs: Tensor, label: str = "") -> None:
        """Report the failure, or record the conditions on the input's sizes."""
        self.fail(res.failure, site, note, *inputs)
        if site is not None and self.recording(res, _assumed(*inputs)):
            shapes = [t.shape for t in inputs if isinstance(t, Tensor)]
            for cond in self.conditions_of(res, shapes):
                self.reporter.require(cond, site, label or "this call")

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
        built = self.built_from.get(id(obj)) if failure.stage == "init" else None
        self.reporter.fail(failure, target or obj.site, note, obj.site, outer=built[1] if built else None)

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
