"""Calls into torch: layers through the algebra, tensor methods, module calls in forward, reporting."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst

from ..layers import UNKNOWN, Failure, Layer, Result, lookup
from ..layers.core import is_int, prod
from ..layers.reshape import flatten_shape
from ..layers.tensor import chunk, expand, permute, reduce, repeat, reshape, split, squeeze, transpose, unsqueeze
from .classes import CONTAINER_QUALNAMES
from .common import ArgSites, Row, Sym, _after, _assumed, _config, _dim_value, _reportable, _tensors, _to_dim
from .overlays import LIBRARY
from .overlays.arrays import array_function, array_method, plain
from .values import ConstTensor, ModuleObj, Note, Parameter, Site, Tensor

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
TENSOR_METHOD_FUNCS = {
    "chunk", "split", "max", "min",
    "flatten", "reshape", "permute", "transpose", "squeeze", "unsqueeze", "mean", "sum", "amax", "amin", "t",
    "swapaxes", "swapdims",
}
VALUE_METHODS = {"tolist", "item", "numpy", "data_ptr", "__len__"}
CREATORS = {"zeros", "ones", "randn", "rand", "empty", "full"}


class TorchCalls:
    """Runs torch operations and modules."""

    def call_torch(self, qual: str, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: "ArgSites") -> Any:
        kind = CONTAINER_QUALNAMES.get(qual)
        if kind is not None:
            obj = ModuleObj(qual.rsplit(".", 1)[1], kind, site=site)
            self.fill_container(obj, kind, args, kwargs, sites)
            return obj
        if qual in LIBRARY:
            return LIBRARY[qual](self, args, kwargs)
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

    def tensor_method(self, t: Tensor, name: str, args: List[Any], kwargs: Dict[str, Any], site: Site, label: str = "") -> Any:
        """``t.name(*args)``; ``label`` names it in messages when called as a function."""
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
