"""Tensor operations that forward() code uses: reshape, permute, merge, reduce.

The same conventions as the layers: a dim is an int, a symbolic name (str) or None;
functions return a Result, never raise.  Symbolic names that appear on both sides of a
reshape cancel (``x.view(x.size(0), -1)`` keeps the batch ``N``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, List, Optional, Sequence, Tuple

from .core import (
    ARGS,
    MERGE,
    RANK,
    RESHAPE,
    Bound,
    Condition,
    Dim,
    Failure,
    Layer,
    Param,
    Result,
    Shape,
    exact_prod,
    fmt_shape,
    is_int,
    norm_dim,
    prod,
)
from .symbolic import Expr, Value, add, floordiv, mul


def _dims_text(shape: Sequence[Dim]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def reshape(name: str, x: Optional[Shape], sizes: Sequence[Any]) -> Result:
    """``view``/``reshape``: one -1 allowed, inferred from the element count."""
    if x is None:
        return Result(None)
    if any(not (is_int(s) or isinstance(s, str) or s is None) for s in sizes):
        return Result(None)
    if sum(1 for s in sizes if s == -1) > 1:
        return Result(None, Failure(ARGS, f"{name}{tuple(sizes)}: only one dimension can be -1"))
    if any(is_int(s) and s < -1 for s in sizes):
        return Result(None, Failure(ARGS, f"{name}{tuple(sizes)}: invalid negative size"))
    if any(isinstance(d, Expr) for d in list(x) + list(sizes)):
        return _reshape_exact(name, x, sizes)
    # symbolic names present on both sides cancel out
    left = Counter(d for d in x if isinstance(d, str))
    right = Counter(s for s in sizes if isinstance(s, str))
    common = left & right
    rest_in = list(x)
    for n, c in common.items():
        for _ in range(c):
            rest_in.remove(n)
    rest_out = [s for s in sizes if s != -1]
    for n, c in common.items():
        for _ in range(c):
            rest_out.remove(n)
    total, known_out = prod(rest_in), prod(rest_out)
    out: List[Dim] = [s if (is_int(s) and s != -1) or isinstance(s, str) else None for s in sizes]
    if not is_int(total) and is_int(known_out) and all(is_int(d) or isinstance(d, str) for d in rest_in):
        # A symbolic batch stands for every batch size: the reshape must work for a batch of 1.
        per_sample = prod(d for d in rest_in if is_int(d))
        fits = per_sample % known_out == 0 if -1 in sizes and known_out else False  # type: ignore[operator]
        if not fits:
            symbols = ", ".join(sorted({d for d in rest_in if isinstance(d, str)}))
            return Result(
                tuple(out),
                Failure(RESHAPE, f"{name} to {_dims_text(sizes)} does not fit a tensor of shape {fmt_shape(x)} for every {symbols}: {per_sample} elements per {symbols}"),
            )
        symbolic = [d for d in rest_in if isinstance(d, str)]
        if len(symbolic) == 1 and per_sample == known_out:  # the -1 is exactly the symbol
            out[list(sizes).index(-1)] = symbolic[0]
        return Result(tuple(out))
    if not is_int(total) or not is_int(known_out):
        return Result(tuple(out))
    if -1 in sizes:
        if known_out == 0 or total % known_out:
            return Result(None, Failure(RESHAPE, f"{name} to {_dims_text(sizes)} is invalid for a tensor of shape {fmt_shape(x)}"))
        out[list(sizes).index(-1)] = total // known_out
    elif total != known_out:
        return Result(None, Failure(RESHAPE, f"{name} to {_dims_text(sizes)} is invalid for a tensor of shape {fmt_shape(x)}"))
    return Result(tuple(out))


def _reshape_exact(name: str, x: Shape, sizes: Sequence[Any]) -> Result:
    """A reshape of sizes that are expressions of the unknown input: what torch requires
    of the element counts becomes a condition.  Symbols on both sides cancel; a batch
    left on one side stands for every batch, so the count per sample must divide."""
    rest_in, rest_out = list(x), [s for s in sizes if not (is_int(s) and s == -1)]
    for d in list(rest_in):
        if isinstance(d, str) and not isinstance(d, Expr) and d in rest_out:
            rest_in.remove(d)
            rest_out.remove(d)
    out: List[Dim] = [s if is_int(s) or isinstance(s, str) else None for s in sizes]
    infer = next((i for i, s in enumerate(sizes) if is_int(s) and s == -1), None)
    if infer is not None:
        out[infer] = None
    plain = [d for d in rest_in if d is None or (isinstance(d, str) and not isinstance(d, Expr))]
    total = exact_prod(d for d in rest_in if d not in plain)
    wanted = exact_prod(rest_out)
    if total is None or wanted is None or (plain and (infer is None or not is_int(wanted) or len(plain) > 1 or None in plain)):
        return Result(tuple(out))
    what = f"the element count of {fmt_shape(x)} for {name} to {_dims_text(sizes)}"
    if infer is None:
        return Result(tuple(out), conditions=() if total == wanted else (Condition(RESHAPE, total, wanted, what),))
    if not is_int(wanted) or wanted <= 0 or not (is_int(total) or isinstance(total, Expr)):
        return Result(tuple(out))
    # torch needs the count to divide evenly; the -1 is the quotient (unknown with a batch in it)
    whole = mul(floordiv(total, wanted), wanted)
    if not plain:
        out[infer] = floordiv(total, wanted)
    if whole is None or whole == total:
        return Result(tuple(out))
    return Result(tuple(out), conditions=(Condition(RESHAPE, total, whole, what),))


def permute(x: Optional[Shape], dims: Sequence[Any]) -> Result:
    if x is None or not all(is_int(d) for d in dims):
        return Result(None)
    if len(dims) != len(x):
        return Result(None, Failure(RANK, f"permute{tuple(dims)} needs {len(x)} dims for a tensor of shape {fmt_shape(x)}"))
    norm: List[int] = []
    for d in dims:  # torch wraps and checks each dim in turn
        n = norm_dim(d, len(x))
        if n is None:
            return Result(None, Failure(RANK, f"permute{tuple(dims)}: dim {d} out of range for a tensor of shape {fmt_shape(x)}"))
        if n in norm:
            return Result(None, Failure(ARGS, f"permute{tuple(dims)}: dim {d} repeated"))
        norm.append(n)
    return Result(tuple(x[d] for d in norm))


def transpose(x: Optional[Shape], a: Any, b: Any) -> Result:
    if x is None or not (is_int(a) and is_int(b)):
        return Result(None)
    na, nb = norm_dim(a, len(x)), norm_dim(b, len(x))
    if na is None or nb is None:
        return Result(None, Failure(RANK, f"transpose({a}, {b}): dim out of range for a tensor of shape {fmt_shape(x)}"))
    if len(x) == 0:
        return Result(())
    out = list(x)
    out[na], out[nb] = out[nb], out[na]
    return Result(tuple(out))


def squeeze(x: Optional[Shape], dim: Any = None) -> Result:
    if x is None:
        return Result(None)
    if dim is None:
        if any(not is_int(d) for d in x):
            return Result(None)  # a symbolic or unknown dim might be 1
        return Result(tuple(d for d in x if d != 1))
    dims = list(dim) if isinstance(dim, (tuple, list)) else [dim]
    if not all(is_int(d) for d in dims):
        return Result(None)
    norm = [norm_dim(d, len(x)) for d in dims]
    if None in norm:
        return Result(None, Failure(RANK, f"squeeze({dim}): dim out of range for a tensor of shape {fmt_shape(x)}"))
    if len(x) == 0:  # a 0-D tensor takes dim 0 or -1 and stays 0-D
        return Result(())
    if any(not is_int(x[d]) for d in norm):  # type: ignore[index]
        return Result(None)
    return Result(tuple(d for i, d in enumerate(x) if not (i in norm and d == 1)))


def unsqueeze(x: Optional[Shape], dim: Any) -> Result:
    if x is None or not is_int(dim):
        return Result(None)
    d = norm_dim(dim, len(x) + 1)
    if d is None:
        return Result(None, Failure(RANK, f"unsqueeze({dim}): dim out of range for a tensor of shape {fmt_shape(x)}"))
    return Result(tuple(x[:d]) + (1,) + tuple(x[d:]))


def _same(a: Dim, b: Dim) -> Optional[bool]:
    """Whether two dims are equal: True, False, or None when it cannot be known."""
    if is_int(a) and is_int(b):
        return a == b
    if isinstance(a, str) and isinstance(b, str) and a == b:
        return True
    return None


def cat(shapes: Sequence[Optional[Shape]], dim: Any = 0) -> Result:
    if any(s is None for s in shapes) or not shapes or not is_int(dim):
        known = [s for s in shapes if s is not None]
        return Result(None if not known or not is_int(dim) else _cat_unknown(known, dim))
    given: List[Shape] = [s for s in shapes if s is not None]
    items = [s for s in given if not (len(s) == 1 and s[0] == 0)] or given  # legacy empty tensors
    rank = len(items[0])
    d = norm_dim(dim, rank)
    if d is None or rank == 0:
        return Result(None, Failure(RANK, f"torch.cat dim={dim} is out of range for tensors of shape {fmt_shape(items[0])}"))
    for i, s in enumerate(items[1:], 1):
        if len(s) != rank:
            return Result(None, Failure(MERGE, f"torch.cat: tensor {i} has shape {fmt_shape(s)}, a different rank from {fmt_shape(items[0])}"))
    out: List[Dim] = []
    conditions: List[Condition] = []
    for axis in range(rank):
        col = [s[axis] for s in items]
        if axis == d:
            ints = [c for c in col if is_int(c)]
            out.append(sum(ints) if len(ints) == len(col) else _exact_sum(col))
            continue
        first = col[0]
        for i, c in enumerate(col[1:], 1):
            if _same(first, c) is False:
                return Result(
                    None,
                    Failure(MERGE, f"torch.cat along dim {d}: tensor {i} has shape {fmt_shape(items[i])} but tensor 0 has {fmt_shape(items[0])} (dim {axis} must match)"),
                )
        pending = [Condition(MERGE, first, c, f"dim {axis} of the tensors torch.cat joins along dim {d}") for c in col[1:] if _exact_pair(first, c)]
        if pending:
            conditions.extend(pending)
            out.append(first)
            continue
        out.append(next((c for c in col if is_int(c) or isinstance(c, str)), None) if all(_same(first, c) for c in col) else _pick(col))
    return Result(tuple(out), conditions=tuple(conditions))


def _exact_pair(a: Dim, b: Dim) -> bool:
    """Two sizes torch requires equal that are not known to differ or agree: exact
    expressions of the unknown input (or one of them an int)."""
    return a != b and (isinstance(a, Expr) or isinstance(b, Expr)) and (is_int(a) or isinstance(a, Expr)) and (is_int(b) or isinstance(b, Expr))


def _exact_sum(col: Sequence[Dim]) -> Dim:
    total: Optional[Value] = 0
    for c in col:
        if not (is_int(c) or isinstance(c, Expr)):
            return None
        total = add(total, c)
    return total


def _pick(col: Sequence[Dim]) -> Dim:
    ints = {c for c in col if is_int(c)}
    return ints.pop() if len(ints) == 1 else None


def _cat_unknown(shapes: Sequence[Shape], dim: int) -> Optional[Shape]:
    rank = len(shapes[0])
    d = norm_dim(dim, rank)
    if d is None or any(len(s) != rank for s in shapes):
        return None
    return tuple(None if i == d else _pick([s[i] for s in shapes]) for i in range(rank))


def stack(shapes: Sequence[Optional[Shape]], dim: Any = 0) -> Result:
    if not shapes or any(s is None for s in shapes) or not is_int(dim):
        return Result(None)
    first = shapes[0]
    assert first is not None
    d = norm_dim(dim, len(first) + 1)
    if d is None:
        return Result(None, Failure(RANK, f"torch.stack dim={dim} is out of range for tensors of shape {fmt_shape(first)}"))
    for i, s in enumerate(shapes[1:], 1):
        assert s is not None
        if len(s) != len(first) or any(_same(a, b) is False for a, b in zip(first, s)):
            return Result(None, Failure(MERGE, f"torch.stack: tensor {i} has shape {fmt_shape(s)} but tensor 0 has {fmt_shape(first)}"))
    merged = tuple(_pick([s[i] for s in shapes]) if not all(_same(first[i], s[i]) for s in shapes) else first[i] for i in range(len(first)))  # type: ignore[index]
    return Result(merged[:d] + (len(shapes),) + merged[d:])


def broadcast(a: Optional[Shape], b: Optional[Shape], op: str = "+") -> Result:
    """Elementwise ``a op b`` with broadcasting; a certain mismatch is a merge failure."""
    if a is None or b is None:
        return Result(None)
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out: List[Dim] = []
    conditions: List[Condition] = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif _same(x, y):
            out.append(x)
        elif _exact_pair(x, y):  # equal, or one of them 1, for some input sizes
            conditions.append(Condition(MERGE, x, y, f"dim {i - n + max(len(a), len(b))} of {fmt_shape(a)} {op} {fmt_shape(b)}", alternatives=((x, 1), (y, 1))))
            out.append(None)
        elif _same(x, y) is False:
            return Result(
                None,
                Failure(MERGE, f"{fmt_shape(a)} {op} {fmt_shape(b)}: sizes {x} and {y} do not match at dim {i - n + max(len(a), len(b))}"),
            )
        else:
            out.append(None)
    return Result(tuple(out), conditions=tuple(conditions))


def reduce(x: Optional[Shape], dim: Any = None, keepdim: Any = False) -> Result:
    """``mean``/``sum``/``amax``-style reductions over ``dim`` (all dims when None)."""
    if x is None or keepdim not in (True, False):
        return Result(None)
    if dim is None:
        return Result(tuple(1 for _ in x) if keepdim else ())
    dims = list(dim) if isinstance(dim, (tuple, list)) else [dim]
    if not all(is_int(d) for d in dims):
        return Result(None)
    norm = [norm_dim(d, len(x)) for d in dims]
    if None in norm:
        return Result(None, Failure(RANK, f"reduction over dim {dim} is out of range for a tensor of shape {fmt_shape(x)}"))
    if len(x) == 0:
        return Result(())
    if keepdim:
        return Result(tuple(1 if i in norm else d for i, d in enumerate(x)))
    return Result(tuple(d for i, d in enumerate(x) if i not in norm))


def topk(x: Optional[Shape], k: Any, dim: Any = -1) -> Result:
    """``x.topk(k, dim)``: the dim becomes k, which must not exceed its size (a 0-D tensor
    counts as one element)."""
    if x is None or not (is_int(k) and is_int(dim)):
        return Result(None)
    d = norm_dim(dim, len(x))
    if d is None:
        return Result(None, Failure(RANK, f"topk dim={dim} is out of range for a tensor of shape {fmt_shape(x)}"))
    size = x[d] if x else 1
    out = tuple(x[:d]) + (k,) + tuple(x[d + 1 :]) if x else ()
    if k < 0 or is_int(size) and k > size:
        return Result(out, Failure(ARGS, f"topk k={k} is out of range for dim {dim} of size {size} in {fmt_shape(x)}"))
    return Result(out)


def expand(x: Optional[Shape], sizes: Sequence[Any]) -> Result:
    """``x.expand(*sizes)``: -1 keeps a dim; only size-1 dims grow; new dims go in front."""
    if x is None or not all(is_int(s) or isinstance(s, str) or s is None for s in sizes):
        return Result(None)
    if len(sizes) < len(x):
        return Result(None, Failure(RANK, f"expand{tuple(sizes)} has fewer dims than the tensor's shape {fmt_shape(x)}"))
    lead = len(sizes) - len(x)
    out: List[Dim] = []
    for i in range(len(sizes) - 1, -1, -1):  # torch checks from the last dim
        s = sizes[i]
        if i < lead:
            if s == -1:
                return Result(None, Failure(ARGS, f"expand{tuple(sizes)}: -1 is not allowed for a new leading dim"))
            out.append(s)
            continue
        have = x[i - lead]
        if s == -1:
            out.append(have)
        elif have == 1 or _same(have, s):
            out.append(s)
        elif is_int(have) and is_int(s):
            return Result(None, Failure(MERGE, f"expand{tuple(sizes)}: dim {i - lead} of size {have} cannot grow to {s} (only size-1 dims can)"))
        else:
            out.append(None)
    return Result(tuple(reversed(out)))


def repeat(x: Optional[Shape], sizes: Sequence[Any]) -> Result:
    """``x.repeat(*sizes)``: each dim multiplied; extra repeats add leading dims."""
    if x is None or not all(is_int(s) for s in sizes):
        return Result(None)
    if len(sizes) < len(x):
        return Result(None, Failure(RANK, f"repeat{tuple(sizes)} has fewer dims than the tensor's shape {fmt_shape(x)}"))
    padded = (1,) * (len(sizes) - len(x)) + tuple(x)
    return Result(tuple(d * s if is_int(d) else (d if s == 1 else None) for d, s in zip(padded, sizes)))


def chunk(x: Optional[Shape], chunks: Any, dim: Any = 0) -> Tuple[Optional[List[Optional[Shape]]], Optional[Failure]]:
    """``x.chunk(chunks, dim)``: pieces of ceil(size / chunks); maybe fewer pieces than asked."""
    if x is None or not (is_int(chunks) and is_int(dim)):
        return None, None
    if len(x) == 0:
        return None, Failure(RANK, "chunk() needs at least a 1-D tensor")
    if chunks <= 0:
        return None, Failure(ARGS, f"chunk({chunks}): the number of chunks must be at least 1")
    d = norm_dim(dim, len(x))
    if d is None:
        return None, Failure(RANK, f"chunk dim={dim} is out of range for a tensor of shape {fmt_shape(x)}")
    size = x[d]
    if not is_int(size) or size < 0:
        return None, None
    step = -(-size // chunks) if size else 1
    return _pieces(x, d, [min(step, size - i) for i in range(0, size, step)] if size else [0] * min(chunks, 1)), None


def split(x: Optional[Shape], sizes: Any, dim: Any = 0) -> Tuple[Optional[List[Optional[Shape]]], Optional[Failure]]:
    """``x.split(n, dim)`` (pieces of n, the last smaller) or ``x.split([a, b], dim)`` (must sum up)."""
    if x is None or not is_int(dim):
        return None, None
    if len(x) == 0:
        return None, Failure(RANK, "split() needs at least a 1-D tensor")
    if is_int(sizes) and sizes < 0:  # torch looks at an int size before the dim
        return None, Failure(ARGS, f"split({sizes}): the split size must not be negative")
    d = norm_dim(dim, len(x))
    if d is None:
        return None, Failure(RANK, f"split dim={dim} is out of range for a tensor of shape {fmt_shape(x)}")
    size = x[d]
    if isinstance(sizes, (tuple, list)):
        if not all(is_int(s) for s in sizes):
            return None, None
        if any(s < 0 for s in sizes):
            return None, Failure(ARGS, f"split({list(sizes)}): sizes must be non-negative")
        if is_int(size) and sum(sizes) != size:
            return None, Failure(RESHAPE, f"split({list(sizes)}) sums to {sum(sizes)}, but dim {d} has size {size}")
        return _pieces(x, d, list(sizes)), None
    if not is_int(sizes) or not is_int(size):
        return None, None
    if sizes < 0 or (sizes == 0 and size != 0):
        return None, Failure(ARGS, f"split({sizes}): the split size must be positive")
    if size == 0:
        return _pieces(x, d, [0]), None
    return _pieces(x, d, [min(sizes, size - i) for i in range(0, size, sizes)]), None


def unbind(x: Optional[Shape], dim: Any = 0) -> Tuple[Optional[List[Optional[Shape]]], Optional[Failure]]:
    """``x.unbind(dim)``: one tensor per index of ``dim``, without that dim."""
    if x is None or not is_int(dim):
        return None, None
    d = norm_dim(dim, len(x))
    if d is None or not x:
        return None, Failure(RANK, f"unbind dim={dim} is out of range for a tensor of shape {fmt_shape(x)}")
    size = x[d]
    if not is_int(size):
        return None, None
    return [tuple(x[:d]) + tuple(x[d + 1 :]) for _ in range(size)], None


def _pieces(x: Shape, d: int, sizes: List[int]) -> List[Optional[Shape]]:
    return [tuple(x[:d]) + (s,) + tuple(x[d + 1 :]) for s in sizes]


def _many(result: Tuple[Optional[List[Optional[Shape]]], Optional[Failure]]) -> Result:
    """For the registry: the pieces as a shape of shapes (tests compare them one by one)."""
    pieces, failure = result
    return Result(None if pieces is None else tuple(pieces), failure)  # type: ignore[arg-type]


class TensorOp(Layer):
    """A registry entry for a tensor function; ``fn`` maps (cfg) to a Result."""

    functional = True

    def __init__(self, name: str, qualnames: Tuple[str, ...], signature: Tuple[Param, ...], fn: Any) -> None:
        self.name = name
        self.qualnames = qualnames
        self.signature = signature
        self.fn = fn

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        return self.fn(cfg)


_IN = Param("input", tensor=True)
LAYERS = [
    TensorOp("permute", ("torch.permute",), (_IN, Param("dims")), lambda c: permute(c["input"], c["dims"])),
    TensorOp("transpose", ("torch.transpose",), (_IN, Param("dim0"), Param("dim1")), lambda c: transpose(c["input"], c["dim0"], c["dim1"])),
    TensorOp("squeeze", ("torch.squeeze",), (_IN, Param("dim", None)), lambda c: squeeze(c["input"], c["dim"])),
    TensorOp("unsqueeze", ("torch.unsqueeze",), (_IN, Param("dim")), lambda c: unsqueeze(c["input"], c["dim"])),
    TensorOp("reshape", ("torch.reshape",), (_IN, Param("shape")), lambda c: reshape("reshape", c["input"], c["shape"]) if isinstance(c["shape"], (tuple, list)) else Result(None)),
    TensorOp("torch.cat", ("torch.cat", "torch.concat", "torch.concatenate"), (Param("tensors", tensor=True), Param("dim", 0)), lambda c: cat(c["tensors"], c["dim"]) if isinstance(c["tensors"], (tuple, list)) else Result(None)),
    TensorOp("torch.stack", ("torch.stack",), (Param("tensors", tensor=True), Param("dim", 0)), lambda c: stack(c["tensors"], c["dim"]) if isinstance(c["tensors"], (tuple, list)) else Result(None)),
    TensorOp("torch.add", ("torch.add", "torch.sub", "torch.mul", "torch.div"), (_IN, Param("other", tensor=True)), lambda c: broadcast(c["input"], c["other"])),
    TensorOp("Tensor.expand", ("torch.Tensor.expand",), (_IN, Param("size")), lambda c: expand(c["input"], c["size"]) if isinstance(c["size"], (tuple, list)) else Result(None)),
    TensorOp("Tensor.repeat", ("torch.Tensor.repeat",), (_IN, Param("repeats")), lambda c: repeat(c["input"], c["repeats"]) if isinstance(c["repeats"], (tuple, list)) else Result(None)),
    TensorOp("torch.chunk", ("torch.chunk",), (_IN, Param("chunks"), Param("dim", 0)), lambda c: _many(chunk(c["input"], c["chunks"], c["dim"]))),
    TensorOp("torch.unbind", ("torch.unbind",), (_IN, Param("dim", 0)), lambda c: _many(unbind(c["input"], c["dim"]))),
    TensorOp("torch.split", ("torch.split",), (_IN, Param("split_size_or_sections"), Param("dim", 0)), lambda c: _many(split(c["input"], c["split_size_or_sections"], c["dim"]))),
    TensorOp("torch.topk", ("torch.topk",), (_IN, Param("k"), Param("dim", -1)), lambda c: topk(c["input"], c["k"], c["dim"])),
    TensorOp("torch.mean", ("torch.mean", "torch.sum", "torch.amax", "torch.amin"), (_IN, Param("dim", None), Param("keepdim", False)), lambda c: reduce(c["input"], c["dim"], c["keepdim"])),
]
