"""Max, average and adaptive pooling, as modules and as functions."""

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


def pool_spatial(size: Dim, k: Any, s: Any, p: Any, d: Any, ceil: Any) -> Dim:
    """torch's ``pooling_output_shape``: may return a value below 1 (a collapse)."""
    if not (is_int(size) and known(k, s, p, d, ceil)):
        return None
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1  # type: ignore[operator]
    if ceil and (out - 1) * s >= size + p:  # the last window must start inside input or left padding
        out -= 1
    return out


def _x(values: Sequence[Any]) -> str:
    return "×".join(str(v) if is_int(v) else "?" for v in values)


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

    def check(self, cfg: Bound) -> Optional[Failure]:
        kernel, stride, padding, dilation = self._geometry(cfg)
        for arg, v in (("kernel_size", kernel), ("stride", stride), ("padding", padding), ("dilation", dilation)):
            if v is None:
                return Failure(ARGS, f"{self.name} needs {arg} as an int or a {self.dims}-tuple, got {cfg[arg]!r}", arg=arg)
        for arg, v in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
            if any(is_int(e) and e <= 0 for e in v):
                return Failure(ARGS, f"{self.name} {arg}={cfg[arg]!r} must be positive", arg=arg)
        if any(is_int(p) and p < 0 for p in padding):
            return Failure(ARGS, f"{self.name} padding={cfg['padding']!r} is negative", arg="padding")
        for k, p, d in zip(kernel, padding, dilation):
            if not known(k, p, d):
                continue
            limit = (d * (k - 1) + 1) // 2 if self.kind == "max" else k // 2
            if p > limit:
                what = "effective kernel size" if self.kind == "max" and d != 1 else "kernel size"
                return Failure(
                    ARGS,
                    f"{self.name} padding={cfg['padding']!r} is more than half the {what} "
                    f"{_x(kernel)}; at most {limit} is allowed",
                    arg="padding",
                    suggestion=limit,
                )
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg.get("input")
        if x is None:
            return Result(None)
        n = self.dims
        if len(x) not in (n + 1, n + 2):
            return Result(None, Failure(RANK, f"{self.name} expects a {rank_names([n + 1, n + 2])} input, got {len(x)}-D {fmt_shape(x)}"))
        kernel, stride, padding, dilation = self._geometry(cfg)
        sizes = x[-n:]
        outs = [pool_spatial(sz, k, s, p, d, cfg["ceil_mode"]) for sz, k, s, p, d in zip(sizes, kernel, stride, padding, dilation)]
        failure = None
        if any(is_int(o) and o < 1 for o in outs):
            failure = Failure(
                SPATIAL,
                f"{self.name} output would be {_x(outs)}: input {_x(sizes)} is too small for kernel "
                f"{_x(kernel)} with stride {_x(stride)} and padding {_x(padding)}",
                arg="kernel_size",
            )
            outs = [o if is_int(o) and o >= 1 else None for o in outs]
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
        size = ntuple(cfg["output_size"], self.dims)
        if size is None:
            return Failure(ARGS, f"{self.name} needs output_size as an int or a {self.dims}-tuple, got {cfg['output_size']!r}", arg="output_size")
        if any(is_int(s) and s < 0 for s in size):
            return Failure(ARGS, f"{self.name} output_size={cfg['output_size']!r} is negative", arg="output_size")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg.get("input")
        if x is None:
            return Result(None)
        n = self.dims
        if len(x) not in (n + 1, n + 2):
            return Result(None, Failure(RANK, f"{self.name} expects a {rank_names([n + 1, n + 2])} input, got {len(x)}-D {fmt_shape(x)}"))
        size = ntuple(cfg["output_size"], n) or (None,) * n
        outs: List[Dim] = []
        for want, have in zip(size, x[-n:]):
            outs.append(have if want is None else (want if is_int(want) else None))
        return Result(tuple(x[:-n]) + tuple(outs))


LAYERS = [
    cls(d, kind, fn)
    for cls in (PoolNd, AdaptivePoolNd)
    for kind in ("max", "avg")
    for fn in (False, True)
    for d in (1, 2, 3)
]
