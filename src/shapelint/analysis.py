"""The interpreter: runs ``forward()`` abstractly, shapes flowing through the algebra.

Values are tensors with a (possibly partly unknown) shape, constants, or unknown.
Nothing the analysis cannot follow becomes a guess: it becomes unknown, and every check
that needs it is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .extract.consts import binop, evaluate
from .extract.imports import ImportTable
from .extract.model import LayerNode, ModelDef
from .findings import KIND_TO_CODE, Edit, Finding, Fix
from .layers import UNKNOWN, Dim, Failure, Layer, Result, Shape, lookup
from .layers.core import is_int, prod
from .layers.reshape import flatten_shape, infer_sizes

# functions that keep the shape of their first argument
_PRESERVING_FUNCS = {
    f"{mod}.{fn}"
    for mod in ("torch", "torch.nn.functional")
    for fn in (
        "relu", "relu_", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
        "leaky_relu", "hardtanh", "hardswish", "hardsigmoid", "softplus", "softsign", "logsigmoid",
        "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "softmax", "log_softmax",
        "normalize", "abs", "exp", "log", "sqrt", "clamp", "neg",
    )
}
_PRESERVING_METHODS = {
    "relu", "relu_", "sigmoid", "tanh", "contiguous", "clone", "detach", "float", "double", "half",
    "abs", "exp", "log", "sqrt", "neg", "clamp", "softmax", "log_softmax", "to", "cpu", "cuda",
}


@dataclass(frozen=True)
class Tensor:
    shape: Optional[Shape]  # None: not even the rank is known
    note: str = ""  # where it came from, for messages: "16×5×5 after flatten, line 21"


@dataclass(frozen=True)
class Const:
    value: Any


class _Unknown:
    def __repr__(self) -> str:
        return "Unknown"


UNKNOWN_VALUE = _Unknown()
Value = Any  # Tensor | Const | UNKNOWN_VALUE


@dataclass(frozen=True)
class Row:
    """One layer call, as the ``shapes`` table shows it."""

    name: str
    type: str
    line: int
    input_shape: Optional[Shape]
    output_shape: Optional[Shape]
    params: Optional[int]
    macs: Optional[int]


@dataclass
class Trace:
    model: ModelDef
    input: Optional[Shape]
    rows: List[Row] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)
    output: Optional[Shape] = None


def shape_text(shape: Sequence[Dim]) -> str:
    return "×".join("?" if d is None else str(d) for d in shape)


class Interpreter:
    """Runs one model's ``forward`` for one input shape."""

    def __init__(self, filename: str, module: cst.Module, wrapper: MetadataWrapper, imports: ImportTable, model: ModelDef) -> None:
        self.filename = filename
        self.module = module
        self.positions = wrapper.resolve(PositionProvider)
        self.imports = imports
        self.model = model
        self.trace: Trace = Trace(model, None)
        self._seen: set = set()

    # --- entry ------------------------------------------------------------------
    def run(self, input_shape: Optional[Shape]) -> Trace:
        self.trace = Trace(self.model, input_shape)
        fwd = self.model.forward
        if fwd is None:
            return self.trace
        env: Dict[str, Value] = {}
        params = [p for p in fwd.params.params]
        if params and params[0].name.value == "self":
            params = params[1:]
        for i, p in enumerate(params):
            env[p.name.value] = Tensor(input_shape) if i == 0 else UNKNOWN_VALUE
        result = self._block(fwd.body, env)
        if isinstance(result, Tensor):
            self.trace.output = result.shape
        return self.trace

    # --- statements -----------------------------------------------------------------
    def _block(self, block: cst.BaseSuite, env: Dict[str, Value]) -> Optional[Value]:
        body = block.body if isinstance(block, cst.IndentedBlock) else [block]
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    ret = self._small(small, env)
                    if ret is not None:
                        return ret
            elif isinstance(stmt, cst.If):
                ret = self._if(stmt, env)
                if ret is not None:
                    return ret
            elif isinstance(stmt, (cst.With, cst.Try)):
                ret = self._block(stmt.body, env)
                if ret is not None:
                    return ret
            else:  # loops and the rest: whatever they assign is unknown afterwards
                for name in _assigned_names(stmt):
                    env[name] = UNKNOWN_VALUE
        return None

    def _small(self, small: cst.BaseSmallStatement, env: Dict[str, Value]) -> Optional[Value]:
        if isinstance(small, cst.Return):
            return self.eval(small.value, env) if small.value is not None else Const(None)
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, env)
            for t in small.targets:
                self._bind(t.target, value, env)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind(small.target, self.eval(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            self._bind(small.target, UNKNOWN_VALUE, env)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, env)
        return None

    def _bind(self, target: cst.BaseExpression, value: Value, env: Dict[str, Value]) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = value.value if isinstance(value, Const) and isinstance(value.value, (tuple, list)) else None
            for i, el in enumerate(target.elements):
                if isinstance(el.value, cst.Name):
                    ok = items is not None and len(items) == len(target.elements)
                    env[el.value.value] = Const(items[i]) if ok else UNKNOWN_VALUE  # type: ignore[index]

    def _if(self, stmt: cst.If, env: Dict[str, Value]) -> Optional[Value]:
        # Both branches are followed; a name they leave different becomes unknown.
        a, b = dict(env), dict(env)
        ra = self._block(stmt.body, a)
        orelse = stmt.orelse
        rb = None
        if isinstance(orelse, cst.If):
            rb = self._if(orelse, b)
        elif isinstance(orelse, cst.Else):
            rb = self._block(orelse.body, b)
        for name in set(a) | set(b):
            env[name] = a[name] if a.get(name) == b.get(name) else UNKNOWN_VALUE
        if ra is not None and rb is not None:
            return ra if ra == rb else UNKNOWN_VALUE
        return None

    # --- expressions ------------------------------------------------------------------
    def eval(self, node: cst.BaseExpression, env: Dict[str, Value]) -> Value:
        if isinstance(node, cst.Name):
            if node.value in env:
                return env[node.value]
            const = evaluate(node)
            return UNKNOWN_VALUE if const is UNKNOWN else Const(const)
        if isinstance(node, cst.Call):
            return self._call(node, env)
        if isinstance(node, cst.Attribute):
            base = self.eval(node.value, env)
            if isinstance(base, Tensor) and node.attr.value == "shape" and base.shape is not None:
                return Const(tuple(base.shape))
            return UNKNOWN_VALUE
        if isinstance(node, cst.Subscript):
            return self._subscript(node, env)
        if isinstance(node, cst.BinaryOperation):
            return self._binop(node, env)
        if isinstance(node, (cst.Tuple, cst.List)):
            items = [self.eval(el.value, env) for el in node.elements if not isinstance(el, cst.StarredElement)]
            if len(items) == len(node.elements) and all(isinstance(i, Const) for i in items):
                return Const(tuple(i.value for i in items))
            return UNKNOWN_VALUE
        const = evaluate(node)
        return UNKNOWN_VALUE if const is UNKNOWN else Const(const)

    def _subscript(self, node: cst.Subscript, env: Dict[str, Value]) -> Value:
        base = self.eval(node.value, env)
        if isinstance(base, Const) and isinstance(base.value, tuple) and len(node.slice) == 1:
            sl = node.slice[0].slice
            if isinstance(sl, cst.Index):
                idx = self.eval(sl.value, env)
                if isinstance(idx, Const) and is_int(idx.value) and -len(base.value) <= idx.value < len(base.value):
                    return _const_dim(base.value[idx.value])
        return UNKNOWN_VALUE

    def _binop(self, node: cst.BinaryOperation, env: Dict[str, Value]) -> Value:
        left, right = self.eval(node.left, env), self.eval(node.right, env)
        if isinstance(left, Const) and isinstance(right, Const):
            const = binop(node.operator, left.value, right.value)
            return UNKNOWN_VALUE if const is UNKNOWN else Const(const)
        tensors = [v for v in (left, right) if isinstance(v, Tensor)]
        if len(tensors) == 1 and isinstance(left if tensors[0] is right else right, Const):
            return Tensor(tensors[0].shape)  # tensor with a scalar
        if len(tensors) == 2 and tensors[0].shape == tensors[1].shape:
            return Tensor(tensors[0].shape)
        return Tensor(None) if tensors else UNKNOWN_VALUE

    def _call(self, node: cst.Call, env: Dict[str, Value]) -> Value:
        func = node.func
        args = [self.eval(a.value, env) for a in node.args if a.keyword is None and not a.star]
        kwargs = {a.keyword.value: self.eval(a.value, env) for a in node.args if a.keyword is not None}
        if any(a.star for a in node.args):
            return UNKNOWN_VALUE
        if isinstance(func, cst.Attribute):
            if isinstance(func.value, cst.Name) and func.value.value == "self":
                layer = self.model.layers.get(func.attr.value)
                if layer is None:
                    return UNKNOWN_VALUE
                return self.call_layer(layer, args)
            qual = self.imports.resolve(func)
            if qual is None:
                obj = self.eval(func.value, env)
                if isinstance(obj, Tensor):
                    return self._method(obj, func.attr.value, args, kwargs, node)
                return UNKNOWN_VALUE
            return self._function(qual, args, kwargs, node)
        qual = self.imports.resolve(func)
        if qual is not None:
            return self._function(qual, args, kwargs, node)
        return UNKNOWN_VALUE

    def _function(self, qual: str, args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        if qual in _PRESERVING_FUNCS:
            first = args[0] if args else kwargs.get("input")
            return Tensor(first.shape, first.note) if isinstance(first, Tensor) else UNKNOWN_VALUE
        spec = lookup(qual)
        if spec is None or not spec.functional:
            return UNKNOWN_VALUE
        cfg = spec.bind([_arg(v) for v in args], {k: _arg(v) for k, v in kwargs.items()})
        if isinstance(cfg, Failure):
            return UNKNOWN_VALUE
        tensor_params = [p.name for p in spec.signature if p.tensor]
        if any(cfg.get(p) is UNKNOWN for p in tensor_params[:1]):
            return UNKNOWN_VALUE
        res = spec.apply(cfg)
        line = self._line(node)
        x = args[0] if args and isinstance(args[0], Tensor) else None
        self._report(res.failure, node, {}, spec, note=x.note if x else "")
        note = self._note_for(spec.name, res.shape, x.shape if x else None, line)
        return Tensor(res.shape, note)

    def _method(self, obj: Tensor, name: str, args: List[Value], kwargs: Dict[str, Value], node: cst.Call) -> Value:
        shape = obj.shape
        if name in _PRESERVING_METHODS:
            return Tensor(shape, obj.note)
        if name in ("size", "dim") and shape is not None:
            if name == "dim":
                return Const(len(shape))
            if not args:
                return Const(tuple(shape))
            if isinstance(args[0], Const) and is_int(args[0].value) and -len(shape) <= args[0].value < len(shape):
                return _const_dim(shape[args[0].value])
            return UNKNOWN_VALUE
        if name == "flatten":
            start = _const(args, kwargs, 0, "start_dim", 0)
            end = _const(args, kwargs, 1, "end_dim", -1)
            res = flatten_shape("flatten", shape, start, end)
            self._report(res.failure, node, {}, None)
            return Tensor(res.shape, self._note_for("flatten", res.shape, shape, self._line(node)))
        if name in ("view", "reshape"):
            sizes = [a.value if isinstance(a, Const) else UNKNOWN for a in args]
            if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
                sizes = list(sizes[0])
            if shape is None or any(s is UNKNOWN or not (is_int(s) or s is None or isinstance(s, str)) for s in sizes):
                return Tensor(None)
            sizes = [s if is_int(s) else None for s in sizes]
            new, failure = infer_sizes(name, sizes, prod(shape), "a tensor")
            if failure is not None:
                failure = Failure(failure.kind, f"{name}{tuple(sizes)} does not fit a tensor of shape {shape_text(shape)}" if failure.kind != "invalid-layer-args" else failure.message)
            self._report(failure, node, {}, None, note=obj.note)
            return Tensor(new, self._note_for(name, new, shape, self._line(node)))
        return UNKNOWN_VALUE

    # --- layers -------------------------------------------------------------------------
    def call_layer(self, layer: LayerNode, args: List[Value]) -> Value:
        x = args[0] if args else UNKNOWN_VALUE
        if layer.sequential:
            for child in layer.children:
                x = self.call_layer(child, [x])
            return x
        shape = x.shape if isinstance(x, Tensor) else None
        spec, cfg = layer.spec, layer.cfg
        line = self._line(layer.call)
        if spec is None or cfg is None:
            self.trace.rows.append(Row(layer.name, layer.type_name, line, shape, None, None, None))
            if layer.bind_failure is not None:
                self._report(layer.bind_failure, layer.call, layer.arg_nodes, spec)
            return Tensor(None)
        if shape is None and isinstance(x, Tensor):
            shape = _seed(spec, cfg)
        res: Result = spec.apply(cfg, shape) if spec.n_inputs == 1 else spec.apply(cfg, *[a.shape if isinstance(a, Tensor) else None for a in args])
        self._report(res.failure, layer.call, layer.arg_nodes, spec, note=x.note if isinstance(x, Tensor) else "")
        params = spec.params(cfg)
        macs = spec.macs(cfg, [shape], res.shape) if res.failure is None else None
        self.trace.rows.append(Row(layer.name, layer.type_name, line, shape, res.shape, params, macs))
        if res.shape is not None and res.shape == shape and isinstance(x, Tensor):
            return Tensor(res.shape, x.note)  # shape-preserving: the producer stays the earlier layer
        return Tensor(res.shape, f"from {layer.name}, line {line}")

    # --- findings ------------------------------------------------------------------------
    def _line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def _report(self, failure: Optional[Failure], call: cst.Call, arg_nodes: Dict[str, cst.BaseExpression], spec: Optional[Layer], note: str = "") -> None:
        if failure is None:
            return
        code = KIND_TO_CODE[failure.kind]
        target: cst.CSTNode = arg_nodes.get(failure.arg or "", call)
        pos: CodeRange = self.positions[target]
        message = failure.message
        if note and failure.kind in ("channel-mismatch", "in-features-mismatch", "norm-features-mismatch", "reshape-mismatch"):
            message += f" ({note})"
        fix = None
        if failure.suggestion is not None and target is not call:
            content = repr(failure.suggestion)
            new_call = call.deep_replace(target, cst.parse_expression(content))
            message += f"; use {self.module.code_for_node(new_call)}"  # type: ignore[arg-type]
            fix = Fix(
                f"use {failure.arg}={content}",
                (Edit(content, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1),),
            )
        finding = Finding(code, message, self.filename, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1, fix)
        key = (finding.code, finding.row, finding.column, finding.message)
        if key not in self._seen:
            self._seen.add(key)
            self.trace.findings.append(finding)

    def _note_for(self, op: str, out: Optional[Shape], before: Optional[Shape], line: int) -> str:
        """For a flatten/reshape: how the merged last dim was made, e.g. 16×5×5."""
        if out is None or before is None or not out:
            return f"after {op}, line {line}"
        last = out[-1]
        tail: List[Dim] = []
        for d in reversed(before):
            tail.insert(0, d)
            if prod(tail) == last:
                break
        if len(tail) > 1 and prod(tail) == last:
            return f"{shape_text(tail)} after {op}, line {line}"
        return f"after {op}, line {line}"


def _seed(spec: Layer, cfg: Any) -> Optional[Shape]:
    """Without a declared input, a batched input with only the dims the first layer names."""
    values = cfg.values
    if "in_channels" in values and is_int(values["in_channels"]) and hasattr(spec, "dims"):
        return (None, values["in_channels"]) + (None,) * getattr(spec, "dims")
    if "in_features" in values and is_int(values["in_features"]):
        return (None, values["in_features"])
    return None


def _arg(v: Value) -> Any:
    if isinstance(v, Tensor):
        return v.shape
    if isinstance(v, Const):
        return v.value
    return UNKNOWN


def _const(args: List[Value], kwargs: Dict[str, Value], i: int, name: str, default: Any) -> Any:
    v = args[i] if len(args) > i else kwargs.get(name)
    if v is None:
        return default
    return v.value if isinstance(v, Const) else UNKNOWN


def _const_dim(d: Dim) -> Value:
    return Const(d) if is_int(d) else UNKNOWN_VALUE


def _assigned_names(stmt: cst.CSTNode) -> List[str]:
    names: List[str] = []

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            if isinstance(node.target, cst.Name):
                names.append(node.target.value)

        def visit_For(self, node: cst.For) -> None:
            if isinstance(node.target, cst.Name):
                names.append(node.target.value)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name):
                names.append(node.target.value)

    stmt.visit(V())
    return names


def analyse_module(filename: str, module: cst.Module, models: Sequence[ModelDef], imports: ImportTable, inputs: Dict[str, Optional[Shape]]) -> List[Trace]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    traces = []
    for model in models:
        interp = Interpreter(filename, module, wrapper, imports, model)
        traces.append(interp.run(inputs.get(model.name)))
    return traces


__all__ = ["Interpreter", "Trace", "Row", "Tensor", "Const", "analyse_module", "Tuple"]
