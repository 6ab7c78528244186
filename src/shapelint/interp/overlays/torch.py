"""torch functions that are not layers: ``torch.jit`` helpers, ``cat``/``stack`` through the
algebra, and small constant arrays (see ``arrays``)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from ...layers import UNKNOWN, Result
from ...layers.core import is_int
from ...layers.tensor import cat, stack
from ..builtins import _builtin, returns
from ..common import _after, _assumed
from ..values import Tensor
from .arrays import MAX_ELEMS, dtype_of, f32, from_nested, infer_dtype, make, round_f32

if TYPE_CHECKING:
    from ..machine import Machine


@_builtin
def _annotate(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return args[1] if len(args) == 2 else UNKNOWN


def m_merge(m: Machine, args: List[Any], kwargs: Dict[str, Any], fn: Callable[..., Result]) -> Any:
    tensors = args[0] if args else kwargs.get("tensors")
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    items = m.iterate(tensors)
    if items is None or not all(isinstance(t, Tensor) for t in items) or not is_int(dim):
        return Tensor(None)
    res = fn([t.shape for t in items], dim)
    m.fail_result(res, m.current_site, "", *items, label="torch.cat" if fn is cat else "torch.stack")
    dtypes = {t.dtype for t in items}
    return Tensor(res.shape, "", _assumed(*items) | _after(res), dtypes.pop() if len(dtypes) == 1 else None)


@_builtin
def _cat(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return m_merge(m, args, kwargs, cat)


@_builtin
def _stack(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return m_merge(m, args, kwargs, stack)


def _dtype(kwargs: Dict[str, Any]) -> Optional[str]:
    """The ``dtype=`` keyword's dtype; "" when absent; None when not one we model."""
    if kwargs.get("dtype") is None:
        return ""
    return dtype_of(kwargs["dtype"], "torch")


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and (not isinstance(v, float) or math.isfinite(v)) for v in values)


def _fma(a: float, b: int, c: float, dtype: str) -> float:
    """``a * b + c`` rounded once to ``dtype``, as the fused multiply-add torch's CPU
    kernels compile to."""
    q = Fraction(a) * b + Fraction(c)
    return round_f32(q) if dtype == "float32" else float(q)


@_builtin
def _linspace(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """torch's CPU kernel: a float32 step, the first half counted up from ``start``, the
    second half back from ``end``, each value one fused multiply-add."""
    names = ("start", "end", "steps")
    vals = list(args[:3]) + [kwargs.get(n, UNKNOWN) for n in names[len(args):]]
    start, end, steps = vals
    dtype = _dtype(kwargs)
    if not is_int(steps) or steps < 0:
        return Tensor((None,))
    if not _numbers(start, end) or dtype is None or len(args) > 3 or steps > MAX_ELEMS:
        return Tensor((steps,))
    dtype = dtype or "float32"
    if not dtype.startswith("float"):
        return Tensor((steps,))
    r = f32 if dtype == "float32" else float
    if steps == 1:
        return make([start], (1,), dtype, "torch")
    s, e = r(start), r(end)
    step = r(r(e - s) / (steps - 1))
    half = steps // 2
    out = [_fma(step, i, s, dtype) if i < half else _fma(-step, steps - i - 1, e, dtype) for i in range(steps)]
    return make(out, (steps,), dtype, "torch")


VECTOR = 8  # float lanes of torch's vectorized CPU loops (AVX2 kernels; AVX-512 builds agree here)


@_builtin
def _arange(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """``start + i * step`` in double, one fused multiply-add, rounded to the dtype.  torch's
    vectorized loop (blocks of 2 * VECTOR) restarts each vector from its first value."""
    bounds: List[Any] = list(args) if args else [kwargs.get(n) for n in ("start", "end", "step") if n in kwargs]
    if not args and "end" in kwargs and "start" not in kwargs:
        bounds = [kwargs["end"]]
    dtype = _dtype(kwargs)
    if not 1 <= len(bounds) <= 3 or not _numbers(*bounds) or dtype is None:
        return Tensor((None,), dtype=dtype or None)
    start, end, step = (0, bounds[0], 1) if len(bounds) == 1 else (bounds[0], bounds[1], bounds[2] if len(bounds) == 3 else 1)
    if step == 0:
        return Tensor((None,))
    n = max(0, math.ceil((end - start) / step))
    dtype = dtype or ("int64" if all(isinstance(b, int) for b in (start, end, step)) else "float32")
    if n > MAX_ELEMS:
        return Tensor((n,), dtype=dtype)
    if dtype in ("int64", "int32") and all(isinstance(b, int) for b in (start, step)):
        return make([start + i * step for i in range(n)], (n,), dtype, "torch")
    r = f32 if dtype == "float32" else float
    blocked = (n // (2 * VECTOR)) * 2 * VECTOR if dtype == "float32" else 0
    values = []
    for i in range(n):
        if i < blocked:
            base = r(_fma(step, i - i % VECTOR, start, "float64"))  # accumulated in double
            values.append(_fma(step, i % VECTOR, base, "float64"))
        else:
            values.append(_fma(step, i, start, "float64"))
    return make(values, (n,), dtype, "torch")


@_builtin
def _tensor(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    data = args[0] if len(args) == 1 else kwargs.get("data", UNKNOWN)
    found = from_nested(data)
    dtype = _dtype(kwargs)
    if found is None:
        return Tensor(None)
    flat, shape = found
    if dtype is None:
        return Tensor(shape)
    return make(flat, shape, dtype or infer_dtype(flat, "torch"), "torch")


MEMBERS: Dict[str, Any] = {
    "torch.jit.is_scripting": returns(False),
    "torch.jit.is_tracing": returns(False),
    "torch.jit.annotate": _annotate,
    "torch._assert": returns(None),
    "torch.cat": _cat,
    "torch.concat": _cat,
    "torch.concatenate": _cat,
    "torch.stack": _stack,
    "torch.linspace": _linspace,
    "torch.arange": _arange,
    "torch.tensor": _tensor,
    "torch.as_tensor": _tensor,
}
