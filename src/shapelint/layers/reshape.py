"""Layers that rearrange or resize: flatten, unflatten, pixel shuffle, upsample, pad."""

from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Tuple

from .core import (
    ARGS,
    RANK,
    RESHAPE,
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
    norm_dim,
    prod,
)


def flatten_shape(name: str, x: Optional[Shape], start: Any, end: Any) -> Result:
    if x is None or not known(start, end):
        return Result(None)
    rank = len(x)
    s, e = norm_dim(start, rank), norm_dim(end, rank)
    if s is None or e is None:
        bad = start if s is None else end
        return Result(None, Failure(RANK, f"{name} dim {bad} is out of range for a {rank}-D input {fmt_shape(x)}"))
    if s > e:
        return Result(None, Failure(ARGS, f"{name} start_dim={start} comes after end_dim={end} for a {rank}-D input"))
    if rank == 0:
        return Result((1,))
    return Result(tuple(x[:s]) + (prod(x[s : e + 1]),) + tuple(x[e + 1 :]))


class Flatten(Layer):
    name = "Flatten"
    qualnames = ("torch.nn.Flatten", "torch.nn.modules.flatten.Flatten")
    signature = (Param("start_dim", 1), Param("end_dim", -1))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        return flatten_shape(self.name, inputs[0], cfg["start_dim"], cfg["end_dim"])


class FlattenFunction(Layer):
    """``torch.flatten``: unlike ``nn.Flatten`` it starts at dim 0."""

    name = "torch.flatten"
    qualnames = ("torch.flatten",)
    functional = True
    signature = (Param("input", tensor=True), Param("start_dim", 0), Param("end_dim", -1))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg["input"]
        return flatten_shape(self.name, x, cfg["start_dim"], cfg["end_dim"])


def infer_sizes(name: str, sizes: Sequence[Any], total: Dim, what: str) -> Tuple[Optional[Tuple[Dim, ...]], Optional[Failure]]:
    """Resolve one ``-1`` in ``sizes`` against ``total`` elements (view/reshape/unflatten).

    ATen's ``infer_size``: sizes are checked left to right (a second ``-1``, a size below
    -1), then the product must equal ``total``, or divide it when a ``-1`` is inferred;
    a ``-1`` next to a zero size is ambiguous.
    """
    infer: Optional[int] = None
    for i, s in enumerate(sizes):
        if is_int(s) and s == -1:
            if infer is not None:
                return None, Failure(ARGS, f"{name} sizes {list(sizes)} have more than one -1")
            infer = i
        elif is_int(s) and s < 0:
            return None, Failure(ARGS, f"{name} sizes {list(sizes)} have a negative size {s}")
    rest = prod(s for i, s in enumerate(sizes) if i != infer)
    if not is_int(total) or not is_int(rest):
        return tuple(s if is_int(s) and i != infer else None for i, s in enumerate(sizes)), None
    if total == rest or (infer is not None and rest > 0 and total % rest == 0):  # type: ignore[operator]
        if infer is None:
            return tuple(sizes), None
        if rest == 0:
            return None, Failure(RESHAPE, f"{name} sizes {list(sizes)}: the -1 is ambiguous next to a zero size")
        return tuple(total // rest if i == infer else s for i, s in enumerate(sizes)), None  # type: ignore[operator]
    return None, Failure(RESHAPE, f"{name} sizes {list(sizes)} multiply to {rest}, which does not fit {what} of size {total}")


class Unflatten(Layer):
    name = "Unflatten"
    qualnames = ("torch.nn.Unflatten", "torch.nn.modules.flatten.Unflatten")
    signature = (Param("dim"), Param("unflattened_size"))

    def check(self, cfg: Bound) -> Optional[Failure]:
        sizes = cfg["unflattened_size"]
        if known(sizes) and not isinstance(sizes, (tuple, list)):
            return Failure(ARGS, f"Unflatten unflattened_size must be a tuple or list, got {sizes!r}", arg="unflattened_size", stage="init")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, dim, sizes = inputs[0], cfg["dim"], cfg["unflattened_size"]
        if isinstance(sizes, (tuple, list)) and len(sizes) == 0:
            return Result(None, Failure(ARGS, "Unflatten unflattened_size must not be empty", arg="unflattened_size"))
        if x is None or not is_int(dim) or not isinstance(sizes, (tuple, list)):
            return Result(None)
        d = norm_dim(dim, len(x))
        if d is None or len(x) == 0:
            return Result(None, Failure(RANK, f"Unflatten dim={dim} is out of range for a {len(x)}-D input {fmt_shape(x)}", arg="dim"))
        new, failure = infer_sizes("Unflatten", sizes, x[d], f"dim {d}")
        if new is None:
            return Result(None, failure if failure is None else Failure(failure.kind, failure.message, arg="unflattened_size"))
        return Result(tuple(x[:d]) + new + tuple(x[d + 1 :]))


class PixelShuffle(Layer):
    """(*, C·r², H, W) → (*, C, H·r, W·r); ``PixelUnshuffle`` is the inverse."""

    def __init__(self, inverse: bool) -> None:
        self.inverse = inverse
        self.name = "PixelUnshuffle" if inverse else "PixelShuffle"
        self.arg = "downscale_factor" if inverse else "upscale_factor"
        self.qualnames = (f"torch.nn.{self.name}", f"torch.nn.modules.pixelshuffle.{self.name}")
        self.signature = (Param(self.arg),)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, r = inputs[0], cfg[self.arg]
        if x is None:
            return Result(None)
        if is_int(r) and r <= 0:
            return Result(None, Failure(ARGS, f"{self.name} {self.arg}={r} must be positive", arg=self.arg))
        if len(x) < 3:
            return Result(None, Failure(RANK, f"{self.name} expects at least a 3-D input, got {len(x)}-D {fmt_shape(x)}"))
        c, h, w = x[-3:]
        lead = tuple(x[:-3])
        if not is_int(r):
            return Result(lead + (None, None, None))
        if self.inverse:
            for name, v in (("height", h), ("width", w)):
                if is_int(v) and v % r:  # type: ignore[operator]
                    return Result(None, Failure(RESHAPE, f"PixelUnshuffle {name} {v} is not divisible by downscale_factor={r}", arg=self.arg))
            out = (c * r * r if is_int(c) else None, h // r if is_int(h) else None, w // r if is_int(w) else None)  # type: ignore[operator]
        else:
            if is_int(c) and c % (r * r):  # type: ignore[operator]
                return Result(None, Failure(RESHAPE, f"PixelShuffle channels {c} are not divisible by upscale_factor²={r * r}", arg=self.arg))
            out = (c // (r * r) if is_int(c) else None, h * r if is_int(h) else None, w * r if is_int(w) else None)  # type: ignore[operator]
        return Result(lead + out)


# --- interpolate / Upsample ------------------------------------------------------------

_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate_shape(name: str, x: Optional[Shape], size: Any, scale: Any, mode: Any, align_corners: Any, recompute: Any, antialias: Any = False) -> Result:
    if isinstance(mode, str) and mode not in _MODES:
        return Result(None, Failure(ARGS, f"{name} mode={mode!r} is not one of {', '.join(_MODES)}", arg="mode"))
    if align_corners is not None and mode in ("nearest", "area", "nearest-exact"):
        return Result(None, Failure(ARGS, f"{name} align_corners can only be set with the interpolating modes, not mode={mode!r}", arg="align_corners"))
    if size is not None and scale is not None:
        return Result(None, Failure(ARGS, f"{name} takes size or scale_factor, not both", arg="scale_factor"))
    if size is None and scale is None:
        return Result(None, Failure(ARGS, f"{name} needs size or scale_factor", arg="size"))
    if size is not None and recompute:
        return Result(None, Failure(ARGS, f"{name} recompute_scale_factor is not meaningful with an explicit size", arg="recompute_scale_factor"))
    if x is None:
        return Result(None)
    n = len(x) - 2
    if n < 1 or n > 3:
        return Result(None, Failure(RANK, f"{name} expects a 3-D, 4-D or 5-D input, got {len(x)}-D {fmt_shape(x)}"))
    spatial = x[2:]
    if size is not None:
        sizes = list(size) if isinstance(size, (tuple, list)) else [size] * n
        if len(sizes) != n:
            return Result(None, Failure(RANK, f"{name} size={size!r} has {len(sizes)} dims but the input {fmt_shape(x)} has {n} spatial dims", arg="size"))
        outs: List[Dim] = [s if is_int(s) else None for s in sizes]
    else:
        scales = list(scale) if isinstance(scale, (tuple, list)) else [scale] * n
        if len(scales) != n:
            return Result(None, Failure(RANK, f"{name} scale_factor={scale!r} has {len(scales)} dims but the input {fmt_shape(x)} has {n} spatial dims", arg="scale_factor"))
        outs = []
        for s, f in zip(spatial, scales):
            ok = is_int(s) and isinstance(f, (int, float)) and not isinstance(f, bool)
            outs.append(math.floor(float(s) * f) if ok else None)  # type: ignore[arg-type]
    if isinstance(mode, str) and mode in _MODE_RANK and _MODE_RANK[mode] != len(x):
        return Result(None, Failure(RANK, f"{name} mode={mode!r} needs a {_MODE_RANK[mode]}-D input, got {len(x)}-D {fmt_shape(x)}", arg="mode"))
    if antialias and not (mode in ("bilinear", "bicubic") and len(x) == 4):
        return Result(None, Failure(ARGS, f"{name} antialias works only with bilinear or bicubic on 4-D input", arg="antialias"))
    result = tuple(x[:2]) + tuple(outs)
    if any(is_int(o) and o <= 0 for o in outs):
        return Result(
            tuple(x[:2]) + tuple(o if is_int(o) and o > 0 else None for o in outs),
            Failure(SPATIAL, f"{name} output would be {fmt_shape(result)}: every size must be at least 1"),
        )
    return Result(result)


class Upsample(Layer):
    def __init__(self, name: str = "Upsample", mode: Optional[str] = None) -> None:
        self.name = name
        self.fixed_mode = mode
        self.qualnames = (f"torch.nn.{name}", f"torch.nn.modules.upsampling.{name}")
        if mode is None:
            self.signature = (
                Param("size", None),
                Param("scale_factor", None),
                Param("mode", "nearest"),
                Param("align_corners", None),
                Param("recompute_scale_factor", None),
            )
        else:
            self.signature = (Param("size", None), Param("scale_factor", None))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        mode = self.fixed_mode or cfg["mode"]
        align = True if self.fixed_mode == "bilinear" else cfg.get("align_corners")
        return interpolate_shape(self.name, inputs[0], cfg["size"], cfg["scale_factor"], mode, align, cfg.get("recompute_scale_factor"))


class Interpolate(Layer):
    name = "F.interpolate"
    qualnames = ("torch.nn.functional.interpolate", "torch.nn.functional.upsample")
    functional = True
    signature = (
        Param("input", tensor=True),
        Param("size", None),
        Param("scale_factor", None),
        Param("mode", "nearest"),
        Param("align_corners", None),
        Param("recompute_scale_factor", None),
        Param("antialias", False),
    )

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg["input"]
        return interpolate_shape(
            self.name, x, cfg["size"], cfg["scale_factor"], cfg["mode"], cfg["align_corners"], cfg["recompute_scale_factor"], cfg["antialias"]
        )


# --- padding ---------------------------------------------------------------------


def pad_shape(name: str, x: Optional[Shape], pad: Any, mode: Any) -> Result:
    if not isinstance(pad, (tuple, list)):
        return Result(None)
    if len(pad) % 2:
        return Result(None, Failure(ARGS, f"{name} pad={list(pad)} must have an even length", arg="pad"))
    if x is None:
        return Result(None)
    k = len(pad) // 2
    if k > len(x):
        return Result(None, Failure(RANK, f"{name} pad={list(pad)} pads {k} dims but the input {fmt_shape(x)} has {len(x)}", arg="pad"))
    if mode != "constant" and isinstance(mode, str):
        if mode not in ("reflect", "replicate", "circular"):
            return Result(None, Failure(ARGS, f"{name} mode={mode!r} is not one of constant, reflect, replicate, circular", arg="mode"))
        if len(x) not in (k + 1, k + 2) or k > 3:
            return Result(None, Failure(RANK, f"{name} {mode} padding of {k} dims needs a {k + 1}-D or {k + 2}-D input, got {fmt_shape(x)}"))
    out = list(x)
    for i in range(k):
        axis = len(x) - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        size = x[axis]
        if not (is_int(size) and is_int(left) and is_int(right)):
            out[axis] = None
            continue
        if mode == "reflect" and (left >= size or right >= size):
            return Result(None, Failure(SPATIAL, f"{name} reflect padding ({left}, {right}) must be smaller than the input size {size} at dim {axis}", arg="pad"))
        if mode == "circular" and (left > size or right > size):
            return Result(None, Failure(SPATIAL, f"{name} circular padding ({left}, {right}) must not exceed the input size {size} at dim {axis}", arg="pad"))
        new = size + left + right
        if new < 0 or (new == 0 and mode != "constant"):
            return Result(None, Failure(SPATIAL, f"{name} padding ({left}, {right}) leaves dim {axis} of size {size} with {new} elements", arg="pad"))
        out[axis] = new
    return Result(tuple(out))


class Pad(Layer):
    name = "F.pad"
    qualnames = ("torch.nn.functional.pad",)
    functional = True
    signature = (Param("input", tensor=True), Param("pad"), Param("mode", "constant"), Param("value", None))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg["input"]
        return pad_shape(self.name, x, cfg["pad"], cfg["mode"])


class PadModule(Layer):
    """``nn.ZeroPad2d``, ``nn.ReflectionPad1d``, ...: an int pads every side."""

    def __init__(self, family: str, dims: int) -> None:
        self.dims = dims
        self.name = f"{family}Pad{dims}d"
        self.mode = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect", "Replication": "replicate", "Circular": "circular"}[family]
        self.qualnames = (f"torch.nn.{self.name}", f"torch.nn.modules.padding.{self.name}")
        self.signature = (Param("padding"), Param("value")) if family == "Constant" else (Param("padding"),)

    def check(self, cfg: Bound) -> Optional[Failure]:
        p = cfg["padding"]
        if isinstance(p, (tuple, list)) and len(p) != 2 * self.dims:
            return Failure(ARGS, f"{self.name} padding needs an int or a {2 * self.dims}-tuple, got {p!r}", arg="padding", stage="init")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        p = cfg["padding"]
        pad = tuple(p) if isinstance(p, (tuple, list)) else ((p,) * (2 * self.dims) if known(p) else None)
        x = inputs[0]
        if x is not None and pad is not None and self.mode != "constant" and len(x) not in (self.dims + 1, self.dims + 2):
            return Result(None, Failure(RANK, f"{self.name} expects a {self.dims + 1}-D or {self.dims + 2}-D input, got {fmt_shape(x)}"))
        return pad_shape(self.name, x, pad, self.mode)


LAYERS = (
    [Flatten(), FlattenFunction(), Unflatten(), PixelShuffle(False), PixelShuffle(True)]
    + [Upsample(), Upsample("UpsamplingNearest2d", "nearest"), Upsample("UpsamplingBilinear2d", "bilinear"), Interpolate(), Pad()]
    + [PadModule(f, d) for f in ("Zero", "Constant", "Reflection", "Replication", "Circular") for d in (1, 2, 3)]
)
