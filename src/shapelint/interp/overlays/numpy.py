"""numpy on small constant arrays (float64 by default, NumPy 2 promotion), as model code
uses it to compute layer widths (RegNet's ``generate_regnet``).  Never imports numpy."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from ...layers import UNKNOWN
from ...layers.core import is_int
from ..builtins import _builtin
from ..values import ConstTensor, Tensor
from .arrays import MAX_ELEMS, UNARY, array_function, dtype_of, from_nested, infer_dtype, make, python_value

if TYPE_CHECKING:
    from ..machine import Machine


def _finite(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and (not isinstance(v, float) or math.isfinite(v)) for v in values)


def _dtype(kwargs: Dict[str, Any]) -> Any:
    if kwargs.get("dtype") is None:
        return ""
    return dtype_of(kwargs["dtype"], "numpy")


@_builtin
def _arange(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """numpy fills ``start + i * delta`` with ``delta = (start + step) - start``."""
    dtype = _dtype(kwargs)
    if not 1 <= len(args) <= 3 or not _finite(*args) or dtype is None or set(kwargs) - {"dtype"}:
        return Tensor((None,))
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) == 3 else 1)
    if step == 0:
        return Tensor((None,))
    n = max(0, math.ceil((stop - start) / step))
    dtype = dtype or ("int64" if all(isinstance(b, int) for b in (start, stop, step)) else "float64")
    if n > MAX_ELEMS:
        return Tensor((n,))
    if dtype.startswith("int") or dtype == "bool":
        values = [start + i * step for i in range(n)]
    else:
        s = float(start)
        delta = (s + step) - s
        values = [s + i * delta for i in range(n)]
        if n:
            values[0] = s
    return make(values, (n,), dtype, "numpy")


@_builtin
def _linspace(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    names = ("start", "stop", "num", "endpoint")
    vals: Dict[str, Any] = {"num": 50, "endpoint": True}
    vals.update(zip(names, args))
    vals.update({k: v for k, v in kwargs.items() if k in names})
    dtype = _dtype(kwargs)
    num, endpoint = vals["num"], vals["endpoint"]
    if not is_int(num) or num < 0:
        return Tensor((None,))
    if set(kwargs) - set(names) - {"dtype"} or not _finite(vals.get("start"), vals.get("stop")) or not isinstance(endpoint, bool) or dtype is None or num > MAX_ELEMS:
        return Tensor((num,))
    start, stop = float(vals["start"]), float(vals["stop"])
    div = num - 1 if endpoint else num
    delta = stop - start
    if div > 0:
        step = delta / div
        values = [i / div * delta + start for i in range(num)] if step == 0 else [i * step + start for i in range(num)]
    else:
        values = [i * delta + start for i in range(num)]
    if endpoint and num > 1:
        values[-1] = stop
    if dtype and not dtype.startswith("float"):
        values = [math.floor(v) for v in values]
    return make(values, (num,), dtype or "float64", "numpy")


@_builtin
def _array(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    found = from_nested(args[0]) if len(args) == 1 else None
    dtype = _dtype(kwargs)
    if found is None or set(kwargs) - {"dtype"}:
        return UNKNOWN
    flat, shape = found
    if dtype is None:
        return Tensor(shape)
    if isinstance(args[0], ConstTensor) and not dtype:
        dtype = args[0].dtype
    return make(flat, shape, dtype or infer_dtype(flat, "numpy"), "numpy")


def _function(short: str) -> Callable[..., Any]:
    """``np.short(x, ...)``: on an array through the array overlay; on plain Python numbers
    as a one-element array, whose scalar is returned (numpy's scalar result)."""

    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        lifted = [_lift(a) for a in args]
        if not lifted or any(a is None for a in lifted):
            return UNKNOWN
        scalar = not isinstance(lifted[0], ConstTensor)
        return _apply(short, lifted, kwargs, scalar)

    return call


def _apply(short: str, args: List[Any], kwargs: Dict[str, Any], scalar: bool) -> Any:
    """``short`` through the array overlay; with plain numbers only (``scalar``) the first is
    made a one-element array and numpy's scalar result is given back."""
    if scalar:
        args = [make([args[0]], (), infer_dtype([args[0]], "numpy"), "numpy"), *args[1:]]
    result = array_function(short, args, kwargs)
    if result is NotImplemented:
        return UNKNOWN
    if scalar and isinstance(result, ConstTensor) and len(result.data) == 1:
        return python_value(result.data[0], result.dtype)
    return result


def _lift(v: Any) -> Any:
    if isinstance(v, ConstTensor):
        return v
    if isinstance(v, (list, tuple)):
        found = from_nested(v)
        if found is None:
            return None
        return make(found[0], found[1], infer_dtype(found[0], "numpy"), "numpy")
    if isinstance(v, (bool, int, float)):
        return v
    return None


def _pair(short: str) -> Callable[..., Any]:
    """Binary functions: a Python number on either side keeps NumPy's weak-scalar rules."""

    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if len(args) != 2 or kwargs:
            return UNKNOWN
        a, b = (_lift(x) for x in args)
        if a is None or b is None:
            return UNKNOWN
        return _apply(short, [a, b], {}, not isinstance(a, ConstTensor) and not isinstance(b, ConstTensor))

    return call


MEMBERS: Dict[str, Any] = {
    "numpy.arange": _arange,
    "numpy.linspace": _linspace,
    "numpy.array": _array,
    "numpy.asarray": _array,
    **{f"numpy.{name}": _function(name) for name in UNARY},
    **{f"numpy.{name}": _function(name) for name in ("unique", "cumsum", "max", "min", "amax", "amin", "sum", "prod")},
    **{f"numpy.{name}": _pair(name) for name in ("power", "divide", "true_divide", "multiply", "add", "subtract", "floor_divide", "mod")},
}

CONSTANTS: Dict[str, Any] = {"numpy.pi": math.pi, "numpy.e": math.e, "numpy.inf": math.inf}
