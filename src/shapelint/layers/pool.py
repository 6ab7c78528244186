"""Max, average and adaptive pooling, as modules and as functions.

torch builds every pooling module without checking anything; all of its refusals come
in forward, in an order that depends on the operator (ATen's ``max_pool1d``,
``max_pool2d_with_indices``, ``avg_pool2d``, ``avg_pool3d`` ...).  The order matters
because when several things are wrong torch reports the first, so ``forward`` below
follows each operator's sequence: the input's rank, the arguments, then the output size.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from .core import (
    ARGS,
    RANK,
    SPATIAL,
    Bound,
    Dim,
    Failure,
    Layer,
    Param,
    Result,
    Shape,
    fmt_shape,
    is_int,
    known,
    ntuple,
    rank_names,
)
from .symbolic import Expr, add, floordiv


def pool_spatial(size: Dim, k: Any, s: Any, p: Any, d: Any, ceil: Any) -> Dim:
    """torch's ``pooling_output_shape``: may return a value below 1 (a collapse)."""
    if isinstance(size, Expr) and not ceil and all(is_int(v) for v in (k, s, p, d)) and s > 0:
        return add(floordiv(add(size, 2 * p - d * (k - 1) - 1), s), 1)  # exact in the unknown input
    if not (is_int(size) and known(k, s, p, d, ceil)) or not all(is_int(v) for v in (k, s, p, d)) or s == 0:
        return None
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:  # the last window must start inside input or left padding
        out -= 1
    return out


def _x(values: Sequence[Any]) -> str:
    return "×".join(str(v) if is_int(v) else "?" for v in values)


def _half(k: int) -> int:
    """C++'s ``k / 2`` (truncates toward zero)."""
    return int(k / 2)


def _rank_failure(name: str, x: Shape, ranks: Sequence[int]) -> Failure:
    return Failure(RANK, f"{name} expects a {rank_names(ranks)} input, got {len(x)}-D {fmt_shape(x)}")


class PoolNd(Layer):
    """``nn.MaxPool{1,2,3}d``, ``nn.AvgPool{1,2,3}d`` and their ``F.`` forms."""

    def __init__(self, dims: int, kind: str, functional: bool) -> None:
        self.dims, self.kind, self.functional = dims, kind, functional
        cls = f"{kind.capitalize()}Pool{dims}d"
        fn = f"{kind}_pool{dims}d"
        self.name = f"F.{fn}" if functional else cls
        self.qualnames = (
            ((f"torch.nn.functional.{fn}",) + ((f"torch.{fn}",) if dims == 1 or kind == "max" else ()))
            if functional
            else (f"torch.nn.{cls}", f"torch.nn.modules.pooling.{cls}")
        )
        sig: List[Param] = [Param("input", tensor=True)] if functional else []
        sig += [Param("kernel_size"), Param("stride", None), Param("padding", 0)]
        if kind == "max":
            if functional:  # the functional form swaps these two
                sig += [Param("dilation", 1), Param("ceil_mode", False), Param("return_indices", False)]
            else:
                sig += [Param("dilation", 1), Param("return_indices", False), Param("ceil_mode", False)]
        else:
            sig += [Param("ceil_mode", False), Param("count_include_pad", True)]
            if dims > 1:
                sig.append(Param("divisor_override", None))
        self.signature = tuple(sig)

    def _geometry(self, cfg: Bound) -> Tuple[Any, Any, Any, Any]:
        n = self.dims
        kernel = ntuple(cfg["kernel_size"], n)
        stride = cfg["stride"]
        # stride defaults to the kernel, also when given as None or an empty tuple
        stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else ntuple(stride, n)
        padding = ntuple(cfg["padding"], n)
        dilation = ntuple(cfg.get("dilation", 1), n)
        return kernel, stride, padding, dilation

    # the checks, each in isolation ---------------------------------------------------
    def _divisor_failure(self, cfg: Bound) -> Optional[Failure]:
        div = cfg.get("divisor_override")
        if is_int(div) and div == 0:
            return Failure(ARGS, f"{self.name} divisor_override=0 would divide by zero", arg="divisor_override")
        return None

    def _args_failure(self, cfg: Bound) -> Optional[Failure]:
        """The argument checks (ATen's ``pooling_output_shape`` and ``pool{2,3}d_shape_check``).

        torch refuses a padding above half the kernel size — the kernel itself, not the
        dilated one, whatever the pooling (``pool2d_shape_check``, ``check_max_pool1d``).
        """
        kernel, stride, padding, dilation = self._geometry(cfg)
        for arg, v in (("kernel_size", kernel), ("stride", stride), ("padding", padding), ("dilation", dilation)):
            if v is None:
                return Failure(ARGS, f"{self.name} needs {arg} as an int or a {self.dims}-tuple, got {cfg[arg]!r}", arg=arg)
        for arg, v in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
            if any(is_int(e) and e <= 0 for e in v):
                return Failure(ARGS, f"{self.name} {arg}={cfg[arg]!r} must be positive", arg=arg)
        if any(is_int(p) and p < 0 for p in padding):
            return Failure(ARGS, f"{self.name} padding={cfg['padding']!r} is negative", arg="padding", suggestion=0)
        for k, p in zip(kernel, padding):
            if is_int(k) and is_int(p) and p > _half(k):
                limits = [_half(e) if is_int(e) else None for e in kernel]
                allowed = limits[0] if len(set(limits)) == 1 else tuple(limits)
                return Failure(
                    ARGS,
                    f"{self.name} padding={cfg['padding']!r} is more than half the kernel size "
                    f"{_x(kernel)}; at most {_x(limits)} is allowed",
                    arg="padding",
                    suggestion=allowed if known(allowed) else None,
                )
        return None

    def _spatial(self, cfg: Bound, sizes: Sequence[Dim]) -> Tuple[List[Dim], Optional[Failure]]:
        kernel, stride, padding, dilation = self._geometry(cfg)
        ceil = cfg["ceil_mode"]
        outs = [pool_spatial(sz, k, s, p, d, ceil) for sz, k, s, p, d in zip(sizes, kernel, stride, padding, dilation)]
        if self.kind == "avg" and self.dims == 3:
            # avg_pool3d refuses an input smaller than the kernel, padding or not
            if any(is_int(sz) and is_int(k) and sz < k for sz, k in zip(sizes, kernel)):
                return [o if is_int(o) and o >= 1 else None for o in outs], Failure(
                    SPATIAL,
                    f"{self.name} input {_x(sizes)} is smaller than the kernel {_x(kernel)} "
                    f"(avg_pool3d does not count padding here)",
                    arg="kernel_size",
                )
        if any(is_int(o) and o < 1 for o in outs):
            return [o if is_int(o) and o >= 1 else None for o in outs], Failure(
                SPATIAL,
                f"{self.name} output would be {_x(outs)}: input {_x(sizes)} is too small for kernel "
                f"{_x(kernel)} with stride {_x(stride)} and padding {_x(padding)}",
                arg="kernel_size",
            )
        return outs, None

    # the sequence ----------------------------------------------------------------------
    def check(self, cfg: Bound) -> Optional[Failure]:
        """torch's pooling modules accept any arguments at construction."""
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg.get("input")
        n = self.dims
        ranks = (n + 1, n + 2)
        if x is None:  # whatever the input, these arguments are refused
            return Result(None, self._divisor_failure(cfg) or self._args_failure(cfg))
        if self.kind == "avg" and n == 2:
            # avg_pool2d: divisor, then input.size(-3), then the arguments, then the rank
            failure = self._divisor_failure(cfg)
            if failure is None and len(x) < n + 1:
                failure = _rank_failure(self.name, x, ranks)
            failure = failure or self._args_failure(cfg)
            if failure is None and len(x) not in ranks:
                failure = _rank_failure(self.name, x, ranks)
            if failure is not None:
                return Result(None, failure)
        else:
            if len(x) not in ranks:
                return Result(None, _rank_failure(self.name, x, ranks))
            failure = self._divisor_failure(cfg) or self._args_failure(cfg)
            if failure is not None:
                return Result(None, failure)
        outs, failure = self._spatial(cfg, x[-n:])
        return Result(tuple(x[:-n]) + tuple(outs), failure)


class AdaptivePoolNd(Layer):
    """``nn.Adaptive{Avg,Max}Pool{1,2,3}d`` and ``F.adaptive_*``; ``None`` keeps a dim."""

    def __init__(self, dims: int, kind: str, functional: bool) -> None:
        self.dims, self.kind, self.functional = dims, kind, functional
        cls = f"Adaptive{kind.capitalize()}Pool{dims}d"
        fn = f"adaptive_{kind}_pool{dims}d"
        self.name = f"F.{fn}" if functional else cls
        self.qualnames = (
            ((f"torch.nn.functional.{fn}",) + ((f"torch.{fn}",) if dims == 1 else ()))
            if functional
            else (f"torch.nn.{cls}", f"torch.nn.modules.pooling.{cls}")
        )
        sig: List[Param] = [Param("input", tensor=True)] if functional else []
        sig.append(Param("output_size"))
        if kind == "max":
            sig.append(Param("return_indices", False))
        self.signature = tuple(sig)

    def check(self, cfg: Bound) -> Optional[Failure]:
        """torch's adaptive pooling modules accept any arguments at construction."""
        return None

    def _size_failure(self, cfg: Bound, size: Optional[Tuple[Any, ...]]) -> Optional[Failure]:
        if size is None:
            return Failure(
                ARGS,
                f"{self.name} needs output_size as an int or a {self.dims}-tuple, got {cfg['output_size']!r}",
                arg="output_size",
            )
        if any(is_int(s) and s < 0 for s in size):
            return Failure(ARGS, f"{self.name} output_size={cfg['output_size']!r} is negative", arg="output_size")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg.get("input")
        n = self.dims
        ranks = (n + 1, n + 2)
        requested = cfg["output_size"]
        size = ntuple(requested, n)
        if x is None:
            return Result(None, self._size_failure(cfg, size))
        if n == 1:
            # adaptive_{avg,max}_pool1d check the rank first, then pool a (…, 1, L) view in 2-D
            if len(x) not in ranks:
                return Result(None, _rank_failure(self.name, x, ranks))
            failure = self._size_failure(cfg, size)
            if failure is not None:
                return Result(None, failure)
            assert size is not None
            return Result(tuple(x[:-1]) + (self._out(size[0], x[-1]),))
        # 2-D and 3-D: Python first fills ``None`` entries from the input's trailing dims,
        # which needs more dims than entries (an int output_size skips this)
        if isinstance(requested, (tuple, list)) and len(x) <= len(requested):
            return Result(
                None,
                Failure(RANK, f"{self.name} with output_size={requested!r} needs at least a {len(requested) + 1}-D input, got {len(x)}-D {fmt_shape(x)}"),
            )
        if size is not None:
            trailing = x[-n:] if len(x) >= n else (None,) * n
            size = tuple(have if want is None else want for want, have in zip(size, trailing))
        if self.kind == "max":
            if len(x) not in ranks:
                return Result(None, _rank_failure(self.name, x, ranks))
            failure = self._size_failure(cfg, size)
            if failure is not None:
                return Result(None, failure)
            assert size is not None
            return Result(tuple(x[:-n]) + tuple(self._out(s, None) for s in size))
        failure = self._size_failure(cfg, size)
        if failure is not None:
            return Result(None, failure)
        assert size is not None
        # adaptive_avg_pool{2,3}d to all-ones is a mean over the last n dims, whatever the rank
        ones = [s == 1 if is_int(s) else None for s in size]
        if all(o is True for o in ones):
            if len(x) < n:
                return Result(None, _rank_failure(self.name, x, ranks))
            return Result(tuple(x[:-n]) + (1,) * n)
        if len(x) in ranks:
            return Result(tuple(x[:-n]) + tuple(self._out(s, None) for s in size))
        if any(o is False for o in ones) or len(x) < n:
            return Result(None, _rank_failure(self.name, x, ranks))
        return Result(None)  # all-ones or not is not known: torch may or may not accept this rank

    @staticmethod
    def _out(want: Any, have: Dim) -> Dim:
        """The output dim for an output_size entry: None keeps the input's dim; a str is
        a symbolic input dim that a None entry was filled with."""
        if want is None:
            return have
        return want if is_int(want) or isinstance(want, str) else None


LAYERS = [
    cls(d, kind, fn)
    for cls in (PoolNd, AdaptivePoolNd)
    for kind in ("max", "avg")
    for fn in (False, True)
    for d in (1, 2, 3)
]
