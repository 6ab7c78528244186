"""Linear, Bilinear and Embedding."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from .core import (
    ARGS,
    FEATURES,
    MERGE,
    RANK,
    UNKNOWN,
    Bound,
    Condition,
    Dim,
    Failure,
    Layer,
    Param,
    Result,
    Shape,
    fmt_shape,
    is_int,
    known,
    prod,
)
from .symbolic import Expr


def _positions(x: Optional[Shape]) -> Optional[int]:
    """Rows a matrix product runs over, per sample: leading dims except the batch."""
    if x is None:
        return None
    lead = x[1:-1] if len(x) >= 2 else ()
    n = prod(lead)
    return n if is_int(n) else None


def _dim(v: object) -> Dim:
    return v if is_int(v) else None


def _shape(v: object) -> Optional[Shape]:
    return tuple(v) if isinstance(v, (tuple, list)) else None


def _broadcast_failure(name: str, bias: Shape, target: Shape, in_place: bool) -> Optional[Failure]:
    """Whether ``bias`` fails to broadcast onto ``target`` (an expand, or an in-place add)."""
    if len(bias) > len(target):
        if in_place:
            return Failure(MERGE, f"{name} bias {fmt_shape(bias)} has more dims than the output {fmt_shape(target)}", arg="bias")
        return Failure(RANK, f"{name} bias {fmt_shape(bias)} has more dims than the output {fmt_shape(target)}", arg="bias")
    for b, t in zip(reversed(bias), reversed(target)):
        if is_int(b) and is_int(t) and b != t and b != 1:
            return Failure(MERGE, f"{name} bias {fmt_shape(bias)} does not broadcast to the output {fmt_shape(target)}", arg="bias")
    return None


def linear_call(name: str, x: Optional[Shape], w: Optional[Shape], b: Optional[Shape], has_bias: object) -> Result:
    """``F.linear(x, w, b)`` as ATen computes it (contiguous strided tensors).

    ``has_bias`` is True/False, or None when not known.  With a bias, a 2-D input, or a
    bias whose squeeze is 1-D, takes the fused ``addmm`` path: the weight must be 2-D and
    the bias must expand to (rows, out).  Otherwise ``matmul(x, w.t())`` (a dot product or
    matrix-vector product for a 1-D weight), then an in-place add of the bias.
    """
    if x is None or w is None:
        return Result(None)
    if len(x) == 0 or len(w) == 0:
        return Result(None, Failure(RANK, f"{name} needs a tensor of at least 1 dimension, got {len(x)}-D input and {len(w)}-D weight"))
    if len(w) > 2:
        return Result(None, Failure(RANK, f"{name} expects a 1-D or 2-D weight, got {len(w)}-D {fmt_shape(w)}", arg="weight"))
    cin = w[-1]
    out: Shape = tuple(x[:-1]) + ((w[0],) if len(w) == 2 else ())
    fused: Optional[bool] = False
    if has_bias is None or (has_bias and b is None):
        fused = None
    elif has_bias:
        assert b is not None  # has_bias and no bias shape was handled above
        squeezed = [d for d in b if d != 1]
        if len(x) == 2 or len(b) == 1 or (all(is_int(d) for d in b) and len(squeezed) == 1):
            fused = True
        elif not all(is_int(d) for d in b):
            fused = None
    if fused and len(w) == 1:
        return Result(out, Failure(RANK, f"{name} with a bias needs a 2-D weight, got 1-D {fmt_shape(w)}", arg="weight"))
    last = x[-1]
    if is_int(last) and is_int(cin) and last != cin:
        return Result(
            out,
            Failure(FEATURES, f"{name} expects {cin} input features but receives {last} (input {fmt_shape(x)})", arg="weight"),
        )
    if fused:
        rows = prod(x[:-1])
        failure = _broadcast_failure(name, b, (rows, w[0]), in_place=False)  # type: ignore[arg-type]
    elif fused is False and has_bias:
        failure = _broadcast_failure(name, b, out, in_place=True)  # type: ignore[arg-type]
    else:
        failure = None
    return Result(out, failure)


class Linear(Layer):
    name = "Linear"
    qualnames = ("torch.nn.Linear", "torch.nn.modules.linear.Linear")
    signature = (
        Param("in_features"),
        Param("out_features"),
        Param("bias", True),
        Param("device", None),
        Param("dtype", None),
    )

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, cin, cout = inputs[0], cfg["in_features"], cfg["out_features"]
        if x is None:
            return Result(None)
        if len(x) == 0:
            return Result(None, Failure(RANK, f"{self.name} expects at least a 1-D input, got a 0-D tensor"))
        out = tuple(x[:-1]) + (_dim(cout),)
        last = x[-1]
        if is_int(last) and is_int(cin) and last != cin:
            return Result(
                out,
                Failure(FEATURES, f"{self.name} expects in_features={cin} but receives {last} features", arg="in_features", suggestion=last),
            )
        if isinstance(last, Expr) and is_int(cin):  # a size of the unknown input: solved for later
            return Result(out, conditions=(Condition(FEATURES, last, cin, f"in_features={cin}", arg="in_features"),))
        return Result(out)

    seed_keeps_leading = True

    def seed(self, cfg: Bound) -> Optional[Shape]:
        n = cfg["in_features"]
        return (None, n) if is_int(n) else None

    def params(self, cfg: Bound) -> Optional[int]:
        i, o, b = cfg["in_features"], cfg["out_features"], cfg["bias"]
        return i * o + (o if b else 0) if known(i, o, b) else None

    def weights(self, cfg: Bound) -> Mapping[str, Shape]:
        i, o = cfg["in_features"], cfg["out_features"]
        if not (is_int(i) and is_int(o)):
            return {}
        return {"weight": (o, i), "bias": (o,)} if cfg["bias"] is True else {"weight": (o, i)}

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        rows = _positions(inputs[0])
        i, o = cfg["in_features"], cfg["out_features"]
        return rows * i * o if known(rows, i, o) else None


class LinearFunction(Layer):
    name = "F.linear"
    qualnames = ("torch.nn.functional.linear",)
    functional = True
    signature = (Param("input", tensor=True), Param("weight", tensor=True), Param("bias", None, tensor=True))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg["input"]
        w, b = cfg["weight"], cfg["bias"]
        has_bias = None if b is UNKNOWN else b is not None
        return linear_call(self.name, _shape(x), _shape(w), _shape(b), has_bias)

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        w = cfg["weight"]
        rows = _positions(inputs[0] if inputs else cfg["input"])
        n = prod(w) if w is not None else None
        return rows * n if is_int(rows) and is_int(n) else None


class Bilinear(Layer):
    name = "Bilinear"
    qualnames = ("torch.nn.Bilinear", "torch.nn.modules.linear.Bilinear")
    n_inputs = 2
    signature = (
        Param("in1_features"),
        Param("in2_features"),
        Param("out_features"),
        Param("bias", True),
        Param("device", None),
        Param("dtype", None),
    )

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        a, b = inputs[0], inputs[1] if len(inputs) > 1 else None
        out = _dim(cfg["out_features"])
        if a is None or b is None:
            lead = a if a is not None else b
            return Result(None if lead is None else tuple(lead[:-1]) + (out,))
        if len(a) != len(b):
            return Result(None, Failure(RANK, f"Bilinear inputs have different ranks: {fmt_shape(a)} and {fmt_shape(b)}"))
        if len(a) == 0:
            return Result(None, Failure(RANK, "Bilinear expects inputs of at least 1 dimension"))
        result = tuple(a[:-1]) + (out,)
        for da, db in zip(a[:-1], b[:-1]):
            if is_int(da) and is_int(db) and da != db:
                return Result(result, Failure(MERGE, f"Bilinear inputs disagree in their leading dims: {fmt_shape(a)} and {fmt_shape(b)}"))
        for x, arg, word in ((a, "in1_features", "first"), (b, "in2_features", "second")):
            want = cfg[arg]
            if is_int(x[-1]) and is_int(want) and x[-1] != want:
                return Result(
                    result,
                    Failure(FEATURES, f"Bilinear expects {arg}={want} but its {word} input has {x[-1]} features", arg=arg, suggestion=x[-1]),
                )
        return Result(result)

    def params(self, cfg: Bound) -> Optional[int]:
        i1, i2, o, b = cfg["in1_features"], cfg["in2_features"], cfg["out_features"], cfg["bias"]
        return i1 * i2 * o + (o if b else 0) if known(i1, i2, o, b) else None

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        rows = _positions(inputs[0])
        i1, i2, o = cfg["in1_features"], cfg["in2_features"], cfg["out_features"]
        return rows * i1 * i2 * o if known(rows, i1, i2, o) else None


class Embedding(Layer):
    name = "Embedding"
    qualnames = ("torch.nn.Embedding", "torch.nn.modules.sparse.Embedding")
    signature = (
        Param("num_embeddings"),
        Param("embedding_dim"),
        Param("padding_idx", None),
        Param("max_norm", None),
        Param("norm_type", 2.0),
        Param("scale_grad_by_freq", False),
        Param("sparse", False),
        Param("_weight", None),
        Param("_freeze", False),
        Param("device", None),
        Param("dtype", None),
    )

    def check(self, cfg: Bound) -> Optional[Failure]:
        n, pad = cfg["num_embeddings"], cfg["padding_idx"]
        if is_int(n) and is_int(pad) and not -n <= pad < n:
            return Failure(ARGS, f"Embedding padding_idx={pad} is outside num_embeddings={n}", arg="padding_idx", stage="init")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        return Result(None if x is None else tuple(x) + (_dim(cfg["embedding_dim"]),))

    def params(self, cfg: Bound) -> Optional[int]:
        n, e = cfg["num_embeddings"], cfg["embedding_dim"]
        return n * e if known(n, e) else None

    def weights(self, cfg: Bound) -> Mapping[str, Shape]:
        n, e = cfg["num_embeddings"], cfg["embedding_dim"]
        return {"weight": (n, e)} if is_int(n) and is_int(e) else {}


LAYERS = [Linear(), LinearFunction(), Bilinear(), Embedding()]
