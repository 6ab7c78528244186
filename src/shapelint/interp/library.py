"""Library functions modelled on known values: functools, collections, math, torch.jit, torch.cat/stack."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from ..layers import UNKNOWN, Result
from ..layers.core import is_int
from ..layers.tensor import cat, stack
from .builtins import _builtin, _convert, _fold, _numbers
from .common import _after, _assumed
from .nn_utils import NN_UTILS

if TYPE_CHECKING:
    from .machine import Machine
from .values import Partial, Tensor


def _math(fn: Callable[..., Any]) -> Callable[..., Any]:
    @_builtin
    def call(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
        if not args or not _numbers(args) or kwargs:
            return UNKNOWN
        try:
            return fn(*args)
        except (ValueError, OverflowError, TypeError):
            return UNKNOWN

    return call


@_builtin
def _partial(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    if not args:
        return UNKNOWN
    return Partial(args[0], tuple(args[1:]), tuple(kwargs.items()))


@_builtin
def _ordered_dict(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _convert(dict)(m, args, kwargs) if args else dict(kwargs)


@_builtin
def _false(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return False


@_builtin
def _none(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return None


@_builtin
def _annotate(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return args[1] if len(args) == 2 else UNKNOWN


@_builtin
def _cat(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return m_merge(m, args, kwargs, cat)


@_builtin
def _stack(m: Machine, args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return m_merge(m, args, kwargs, stack)


def m_merge(m: Machine, args: List[Any], kwargs: Dict[str, Any], fn: Callable[..., Result]) -> Any:
    tensors = args[0] if args else kwargs.get("tensors")
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    items = m.iterate(tensors)
    if items is None or not all(isinstance(t, Tensor) for t in items) or not is_int(dim):
        return Tensor(None)
    res = fn([t.shape for t in items], dim)
    m.fail(res.failure, m.current_site, "", *items)
    return Tensor(res.shape, "", _assumed(*items) | _after(res))


LIBRARY: Dict[str, Any] = {
    "functools.partial": _partial,
    "collections.OrderedDict": _ordered_dict,
    "typing.OrderedDict": _ordered_dict,
    "math.ceil": _math(math.ceil),
    "math.floor": _math(math.floor),
    "math.sqrt": _math(math.sqrt),
    "math.log": _math(math.log),
    "math.log2": _math(math.log2),
    "math.prod": _fold(math.prod),
    "torch.jit.is_scripting": _false,
    "torch.jit.is_tracing": _false,
    "torch.jit.annotate": _annotate,
    "torch._assert": _none,
    "torch.cat": _cat,
    "torch.concat": _cat,
    "torch.concatenate": _cat,
    "torch.stack": _stack,
    **NN_UTILS,
}
