"""Small constant arrays (torch tensors and numpy arrays of known values) built in
``__init__``: drop-path rates from ``torch.linspace``, RegNet widths from ``arange``/
``log``/``round``/``unique``.

Values are exact when the array has at most MAX_ELEMS elements and every input is known,
else the result is a plain Tensor of its shape.  Values are rounded to their dtype the way
torch and numpy round them (float32 through ``struct``), so ``int(...)`` on them agrees.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ...layers import UNKNOWN
from ...layers.core import is_int
from ..values import ConstTensor, Tensor, TorchRef

MAX_ELEMS = 4096
Values = Tuple[Any, ...]

_TORCH_DTYPES = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
    "int64": "int64", "long": "int64", "int32": "int32", "int": "int32", "bool": "bool",
}
_RANK = {"bool": 0, "int32": 1, "int64": 2, "float32": 3, "float64": 4}


class Refused(Exception):
    """The operation is not modelled on these values: the result keeps only its shape."""


def f32(x: float) -> float:
    """``x`` rounded to the nearest float32, as a Python float."""
    try:
        return float(struct.unpack("f", struct.pack("f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def round_f32(q: Fraction) -> float:
    """An exact value rounded once to the nearest float32 (ties to even): what a float32
    fused multiply-add gives, without the double rounding of going through a double."""
    x = f32(float(q))
    if not math.isfinite(x):
        return x
    bits = struct.unpack("<i", struct.pack("<f", x))[0]
    near = [x]
    for b in (bits - 1, bits + 1):
        c = struct.unpack("<f", struct.pack("<i", max(min(b, 2**31 - 1), -(2**31))))[0]
        if math.isfinite(c):
            near.append(c)
    return min(near, key=lambda c: (abs(Fraction(c) - q), struct.unpack("<i", struct.pack("<f", c))[0] & 1))


def dims(t: Tensor) -> Tuple[int, ...]:
    """A constant array's shape (all its dims are ints)."""
    return tuple(d for d in (t.shape or ()) if isinstance(d, int))


def cast(x: Any, dtype: str) -> Any:
    if dtype == "bool":
        return bool(x)
    if dtype in ("int64", "int32"):
        if isinstance(x, float) and not math.isfinite(x):
            raise Refused
        i = int(x)  # float -> int truncates, as torch and numpy do
        if not -(2 ** (63 if dtype == "int64" else 31)) <= i < 2 ** (63 if dtype == "int64" else 31):
            raise Refused
        return i
    v = float(x)
    return f32(v) if dtype == "float32" else v


def dtype_of(v: Any, lib: str) -> Optional[str]:
    """A dtype argument (``torch.float32``, ``np.int64``, ``int``, ``'float32'``) -> its name."""
    if isinstance(v, TorchRef):
        head, _, short = v.qualname.rpartition(".")
        if head in ("torch", "numpy"):
            if short in ("int", "float", "bool") and head == "numpy":
                return {"int": "int64", "float": "float64", "bool": "bool"}[short]
            return _TORCH_DTYPES.get(short)
        return None
    if isinstance(v, str):
        return v if v in _RANK else None
    kind = getattr(v, "__shapelint_type__", None)
    if kind in ("py:int", "py:float", "py:bool"):
        return {"py:int": "int64", "py:float": "float64" if lib == "numpy" else "float32", "py:bool": "bool"}[kind]
    return None


def default_float(lib: str) -> str:
    return "float64" if lib == "numpy" else "float32"


def scalar_dtype(v: Any, lib: str) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    return default_float(lib)


def make(values: Sequence[Any], shape: Tuple[int, ...], dtype: str, lib: str) -> Tensor:
    """A constant array, or just its shape when it is large or a value cannot be had."""
    n = 1
    for d in shape:
        n *= d
    if n > MAX_ELEMS or len(values) != n:
        return Tensor(shape, dtype=dtype if lib == "torch" else None)
    try:
        data = tuple(cast(v, dtype) for v in values)
    except (Refused, ValueError, TypeError, OverflowError):
        return Tensor(shape, dtype=dtype if lib == "torch" else None)
    return ConstTensor(shape, data=data, dtype=dtype, lib=lib)


def python_value(x: Any, dtype: str) -> Any:
    return bool(x) if dtype == "bool" else int(x) if dtype in ("int64", "int32") else float(x)


def to_list(t: ConstTensor) -> Any:
    """``tolist()``: nested Python lists (a 0-d array gives its scalar)."""
    shape = dims(t)
    flat = [python_value(x, t.dtype) for x in t.data]

    def build(dims: Tuple[Any, ...], start: int) -> Any:
        if not dims:
            return flat[start]
        step = 1
        for d in dims[1:]:
            step *= d
        return [build(dims[1:], start + i * step) for i in range(dims[0])]

    return build(tuple(shape), 0)


def from_nested(obj: Any) -> Optional[Tuple[List[Any], Tuple[int, ...]]]:
    """A nested list/tuple of numbers -> (flat values, shape), None if ragged or unknown."""
    if isinstance(obj, ConstTensor):
        return list(obj.data), dims(obj)
    if isinstance(obj, (bool, int, float)):
        return [obj], ()
    if not isinstance(obj, (list, tuple)) or len(obj) > MAX_ELEMS:
        return None
    parts = [from_nested(e) for e in obj]
    if any(p is None for p in parts):
        return None
    shapes = {p[1] for p in parts if p is not None}
    if len(shapes) > 1:
        return None
    inner = shapes.pop() if shapes else ()
    flat = [x for p in parts if p is not None for x in p[0]]
    return (flat, (len(obj),) + inner) if len(flat) <= MAX_ELEMS else None


def infer_dtype(values: Sequence[Any], lib: str) -> str:
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) for v in values) and values:
        return "int64"
    return default_float(lib)


def rows(t: ConstTensor) -> List[Any]:
    """Iterating over an array: sub-arrays along dim 0 (numpy: scalars for a 1-D array)."""
    shape = dims(t)
    if not shape:
        raise Refused
    inner = shape[1:]
    size = len(t.data) // shape[0] if shape[0] else 0
    out: List[Any] = []
    for i in range(shape[0]):
        chunk = t.data[i * size : (i + 1) * size]
        if not inner and t.lib == "numpy":
            out.append(python_value(chunk[0], t.dtype))
        else:
            out.append(ConstTensor(inner, data=chunk, dtype=t.dtype, lib=t.lib))
    return out


# ---------------------------------------------------------------- elementwise arithmetic


def result_dtype(a: Any, b: Any, lib: str) -> str:
    """Type promotion of one binary operation (torch's and NumPy 2's: Python scalars are
    weak, they only lift an array to their category's default)."""
    kinds = [x.dtype if isinstance(x, ConstTensor) else None for x in (a, b)]
    arrays = [k for k in kinds if k is not None]
    best = max(arrays, key=lambda k: _RANK[k])
    for x, k in zip((a, b), kinds):
        if k is None:
            s = scalar_dtype(x, lib)
            if _category(s) > _category(best):
                best = s
    return best


def _category(dtype: str) -> int:
    return 0 if dtype == "bool" else 1 if dtype.startswith("int") else 2


def _values(x: Any, n: int) -> List[Any]:
    if isinstance(x, ConstTensor):
        return list(x.data) if len(x.data) == n else list(x.data) * n
    return [x] * n


def elementwise(op: str, a: Any, b: Any) -> Tensor:
    """``a op b`` with at least one constant array; same shapes, or one side a scalar
    or a one-element array.  Anything else: Refused."""
    lib = a.lib if isinstance(a, ConstTensor) else b.lib
    shapes = [dims(x) for x in (a, b) if isinstance(x, ConstTensor)]
    big = [s for s in shapes if s and any(d != 1 for d in s)] or shapes
    if len({s for s in big}) > 1:
        raise Refused
    shape = max(shapes, key=len) if len(big) == len(shapes) else big[0]
    n = 1
    for d in shape:
        n *= d
    dtype = result_dtype(a, b, lib)
    if op == "/" and _category(dtype) < 2:
        dtype = default_float(lib)
    compute = dtype
    out: List[Any] = []
    for x, y in zip(_values(a, n), _values(b, n)):
        x, y = cast(x, compute), cast(y, compute)
        out.append(_ARITH[op](x, y))
    return make(out, shape, dtype, lib)


def _pow(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int) and (y < 0 or y > 64):
        raise Refused
    return x**y


_ARITH: Dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "//": lambda x, y: x // y,
    "%": lambda x, y: x % y,
    "**": _pow,
}


def _rint(x: float) -> float:
    """Round half to even, keeping the sign of a zero (``round(-0.5)`` is -0.0)."""
    if not math.isfinite(x):
        return x
    r = float(round(x))
    return math.copysign(r, x) if r == 0 else r


UNARY: Dict[str, Callable[[float], float]] = {
    "log": math.log, "log2": math.log2, "log10": math.log10, "exp": math.exp, "sqrt": math.sqrt,
    "floor": math.floor, "ceil": math.ceil, "round": _rint, "rint": _rint, "around": _rint, "abs": abs,
    "neg": lambda x: -x, "negative": lambda x: -x, "trunc": math.trunc, "fix": math.trunc,
}
_KEEP_INTS = {"floor", "ceil", "round", "rint", "around", "abs", "neg", "negative", "trunc", "fix"}


def unary(name: str, t: ConstTensor) -> Tensor:
    dtype = t.dtype if _category(t.dtype) == 2 or name in _KEEP_INTS else default_float(t.lib)
    if dtype == "bool" and name in ("neg", "negative"):
        raise Refused
    out = [UNARY[name](cast(x, dtype)) for x in t.data]
    return make(out, dims(t), dtype, t.lib)


def unique(t: ConstTensor, counts: bool) -> Any:
    values = sorted(set(t.data))
    u = make(values, (len(values),), t.dtype, t.lib)
    if not counts:
        return u
    return (u, make([t.data.count(v) for v in values], (len(values),), "int64", t.lib))


def cumsum(t: ConstTensor) -> Tensor:
    """Sequential running sums (numpy in float64; torch accumulates float32 in double)."""
    dtype = "int64" if _category(t.dtype) < 2 else t.dtype
    acc: Any = 0
    out = []
    for x in t.data:
        acc = acc + x
        out.append(acc)
    return make(out, (len(t.data),), dtype, t.lib)


def reduce_all(name: str, t: ConstTensor) -> Any:
    """max/min of all elements (exact); sum and prod of ints and bools (exact).  A 0-d array in
    torch, a scalar in numpy."""
    if not t.data:
        raise Refused
    if name in ("max", "amax"):
        v, dtype = max(t.data), t.dtype
    elif name in ("min", "amin"):
        v, dtype = min(t.data), t.dtype
    elif name == "sum" and _category(t.dtype) < 2:
        v, dtype = sum(int(x) for x in t.data), "int64"
    elif name == "prod" and _category(t.dtype) < 2:
        v, dtype = math.prod(int(x) for x in t.data), "int64"
        if abs(v) >= 2**63:
            raise Refused
    else:
        raise Refused
    if t.lib == "numpy":
        return python_value(v, dtype)
    return make([v], (), dtype, t.lib)


def split(t: ConstTensor, how: Any) -> Tuple[Any, ...]:
    """``t.split(size)`` / ``t.split([sizes])`` along dim 0 of a 1-D tensor."""
    shape = dims(t)
    if len(shape) != 1:
        raise Refused
    n = shape[0]
    if is_int(how) and how > 0:
        sizes = [min(how, n - i) for i in range(0, n, how)]
    elif isinstance(how, (list, tuple)) and all(is_int(s) and s >= 0 for s in how) and sum(how) == n:
        sizes = list(how)
    else:
        raise Refused
    out, start = [], 0
    for s in sizes:
        out.append(ConstTensor((s,), data=t.data[start : start + s], dtype=t.dtype, lib=t.lib))
        start += s
    return tuple(out)


def index(t: ConstTensor, key: Any) -> Any:
    """``t[i]`` and ``t[a:b]`` on dim 0."""
    if isinstance(key, slice):
        return tuple_array(rows(ConstTensor(t.shape, data=t.data, dtype=t.dtype, lib="torch"))[key], t)
    if not is_int(key):
        raise Refused
    items = rows(t)
    if not -len(items) <= key < len(items):
        raise Refused
    return items[key]


def tuple_array(items: List[Any], like: ConstTensor) -> Tensor:
    inner = dims(like)[1:]
    data = [x for it in items for x in it.data]
    return make(data, (len(items),) + inner, like.dtype, like.lib)


def plain(v: Any) -> Any:
    """A constant array used where values are not followed: just a Tensor of its shape."""
    return Tensor(v.shape, v.note, v.assumed, v.dtype) if isinstance(v, ConstTensor) else v


# ---------------------------------------------------------------- dispatch

_BINARY_FUNCS = {
    "add": "+", "sub": "-", "subtract": "-", "mul": "*", "multiply": "*", "div": "/", "divide": "/",
    "true_divide": "/", "floor_divide": "//", "remainder": "%", "mod": "%", "pow": "**", "power": "**",
}
_SAME = {"clone", "detach", "contiguous", "cpu", "copy", "requires_grad_"}
_CASTS = {"int": "int32", "long": "int64", "float": "float32", "double": "float64", "bool": "bool"}


def array_function(short: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``torch.f(...)`` / ``np.f(...)`` with a constant array among the arguments; NotImplemented
    when not modelled (the caller then goes on with plain Tensors)."""
    try:
        if short in _BINARY_FUNCS and len(args) == 2 and not kwargs:
            return elementwise(_BINARY_FUNCS[short], args[0], args[1])
        first = args[0] if args else None
        if not isinstance(first, ConstTensor):
            return NotImplemented
        return array_method(first, short, list(args[1:]), kwargs)
    except (Refused, ArithmeticError, ValueError, TypeError, OverflowError):
        return NotImplemented


def array_method(t: ConstTensor, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``t.name(*args)`` on values; NotImplemented when not modelled."""
    try:
        return _method(t, name, args, kwargs)
    except (Refused, ArithmeticError, ValueError, TypeError, OverflowError):
        return NotImplemented


def _method(t: ConstTensor, name: str, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    opts = {k: v for k, v in kwargs.items() if k not in ("device", "non_blocking", "copy")}
    if name == "tolist" and not args and not opts:
        return to_list(t)
    if name == "item" and not args and not opts:
        if len(t.data) != 1:
            raise Refused
        return python_value(t.data[0], t.dtype)
    if name in _SAME and not args:
        return t
    if name == "numpy" and not args and not opts:
        return ConstTensor(t.shape, data=t.data, dtype=t.dtype, lib="numpy")  # numpy's rules from here on
    if name in _CASTS and not args and not opts:
        return make(t.data, dims(t), _CASTS[name], t.lib)
    if name in ("to", "astype", "type"):
        target = args[0] if args else opts.get("dtype")
        dtype = dtype_of(target, t.lib) if target is not None else None
        if dtype is None or len(args) > 1:
            raise Refused
        return make(t.data, dims(t), dtype, t.lib)
    if name in UNARY and not args and not opts:
        return unary(name, t)
    if name in ("round", "around") and len(args) + len(opts) == 1 and t.lib == "numpy":
        d = args[0] if args else opts.get("decimals")
        if not is_int(d) or abs(d) > 15:
            raise Refused
        scale = 10.0**d
        return make([_rint(x * scale) / scale for x in t.data], dims(t), t.dtype, t.lib)
    if name in ("max", "min", "amax", "amin", "sum", "prod") and not args and not opts:
        return reduce_all(name, t)
    if name == "unique" and not args and set(opts) <= {"sorted", "return_counts"} and opts.get("sorted", True) is True:
        return unique(t, opts.get("return_counts", False) is True)
    if name == "cumsum" and len(dims(t)) == 1:
        axis = args[0] if args else opts.get("dim", opts.get("axis", 0 if t.lib == "torch" else None))
        if axis not in (0, -1, None) or len(args) > 1:
            raise Refused
        return cumsum(t)
    if name == "split" and len(args) == 1 and not opts:
        return split(t, args[0])
    if name in _BINARY_FUNCS and len(args) == 1 and not opts:
        return elementwise(_BINARY_FUNCS[name], t, args[0])
    return NotImplemented


__all__ = ["UNKNOWN", "MAX_ELEMS", "array_function", "array_method"]
