"""``nn.Unfold`` (im2col) and ``nn.Fold`` (col2im): sliding blocks of a 2-D map as columns and back.

torch's checks, in its order: two values per argument, positive kernel, dilation and stride
and non-negative padding, the input's rank, then the blocks (at least one per dim for
Unfold; for Fold the channels must divide by the kernel's size and the columns must be the
number of blocks the output size gives).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from .core import ARGS, RANK, RESHAPE, SPATIAL, Bound, Dim, Failure, Layer, Param, Result, Shape, fmt_shape, is_int, prod

_GEOMETRY = (Param("dilation", 1), Param("padding", 0), Param("stride", 1))


def _pair(v: Any) -> Any:
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _geometry(name: str, cfg: Bound, names: Tuple[str, ...]) -> Tuple[Optional[dict], Optional[Failure]]:
    """Each argument as a pair, or torch's refusal of it."""
    g = {}
    for n in names:
        v = _pair(cfg[n])
        if len(v) != 2:
            return None, Failure(ARGS, f"{name} {n}={cfg[n]!r} must have 2 values", arg=n)
        if not all(is_int(e) for e in v):
            return None, None
        g[n] = v
    for n, low, what in (("kernel_size", 1, "greater than zero"), ("dilation", 1, "greater than zero"), ("padding", 0, "non-negative"), ("stride", 1, "greater than zero")):
        if any(e < low for e in g[n]):
            return None, Failure(ARGS, f"{name} {n}={cfg[n]!r} must be {what}", arg=n)
    return g, None


def _blocks(size: Dim, k: int, d: int, p: int, s: int) -> Dim:
    """Sliding blocks along one dim (torch rounds the division down, also below zero)."""
    if not is_int(size):
        return None
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


class Unfold(Layer):
    name = "Unfold"
    qualnames = ("torch.nn.Unfold", "torch.nn.modules.fold.Unfold")
    signature = (Param("kernel_size"),) + _GEOMETRY

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        g, failure = _geometry(self.name, cfg, ("kernel_size", "dilation", "padding", "stride"))
        if failure is not None:
            return Result(None, failure)
        x = inputs[0] if inputs else None
        if x is None or g is None:
            return Result(None)
        if len(x) not in (3, 4):
            return Result(None, Failure(RANK, f"Unfold expects a 3-D (unbatched) or 4-D input, got {len(x)}-D {fmt_shape(x)}"))
        blocks = [_blocks(x[-2 + i], g["kernel_size"][i], g["dilation"][i], g["padding"][i], g["stride"][i]) for i in range(2)]
        c = x[-3]
        cols = c * prod(g["kernel_size"]) if is_int(c) else None  # type: ignore[operator]
        total = prod(blocks)
        out = (tuple(x[:1]) if len(x) == 4 else ()) + (cols, total)
        if any(is_int(b) and b < 1 for b in blocks):
            return Result(out, Failure(SPATIAL, f"Unfold kernel {g['kernel_size']} gives {blocks[0]}x{blocks[1]} blocks on the input {fmt_shape(x)}: each must be at least 1", arg="kernel_size"))
        return Result(out)


class Fold(Layer):
    name = "Fold"
    qualnames = ("torch.nn.Fold", "torch.nn.modules.fold.Fold")
    signature = (Param("output_size"), Param("kernel_size")) + _GEOMETRY

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        g, failure = _geometry(self.name, cfg, ("output_size", "kernel_size", "dilation", "padding", "stride"))
        if failure is not None:
            return Result(None, failure)
        x = inputs[0] if inputs else None
        if x is None or g is None:
            return Result(None)
        if len(x) not in (2, 3):
            return Result(None, Failure(RANK, f"Fold expects a 2-D (unbatched) or 3-D input, got {len(x)}-D {fmt_shape(x)}"))
        c, cols = x[-2], x[-1]
        kk = prod(g["kernel_size"])
        assert is_int(kk)
        lead: Tuple[Dim, ...] = tuple(x[:1]) if len(x) == 3 else ()
        out = lead + ((c // kk if is_int(c) else None),) + tuple(g["output_size"])
        if is_int(c) and c % kk:
            return Result(out, Failure(RESHAPE, f"Fold: {c} input channels are not divisible by the kernel's {kk} elements {g['kernel_size']}", arg="kernel_size"))
        blocks: List[Dim] = [_blocks(g["output_size"][i], g["kernel_size"][i], g["dilation"][i], g["padding"][i], g["stride"][i]) for i in range(2)]
        want = blocks[0] * blocks[1] if is_int(blocks[0]) and is_int(blocks[1]) else None
        if is_int(cols) and is_int(want) and cols != want:
            return Result(out, Failure(RESHAPE, f"Fold output_size={g['output_size']} gives {blocks[0]} * {blocks[1]} = {want} blocks, but the input has {cols} columns {fmt_shape(x)}"))
        if any(is_int(b) and b < 1 for b in blocks):
            return Result(out, Failure(SPATIAL, f"Fold kernel {g['kernel_size']} gives {blocks[0]}x{blocks[1]} blocks in output_size={g['output_size']}: each must be at least 1", arg="kernel_size"))
        return Result(out)


class _Functional(Layer):
    """``F.unfold`` / ``F.fold``: the module's algebra with the input as the first argument."""

    functional = True

    def __init__(self, module: Layer) -> None:
        self.module = module
        self.name = f"F.{module.name.lower()}"
        self.qualnames = (f"torch.nn.functional.{module.name.lower()}",)
        self.signature = (Param("input", tensor=True),) + module.signature

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        res = self.module.forward(cfg, cfg["input"])
        f = res.failure
        return res if f is None else Result(res.shape, Failure(f.kind, f.message.replace(self.module.name, self.name, 1), f.arg))


LAYERS = [Unfold(), Fold(), _Functional(Unfold()), _Functional(Fold())]
