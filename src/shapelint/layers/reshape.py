"""Layers that rearrange or resize: flatten, unflatten, pixel shuffle, upsample, pad."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from .core import (
    ARGS,
    MERGE,
    RANK,
    RESHAPE,
    SPATIAL,
    UNKNOWN,
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
    exact_prod,
    prod,
    rank_names,
)
from .symbolic import Expr, mul


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
    return Result(tuple(x[:s]) + (exact_prod(x[s : e + 1]),) + tuple(x[e + 1 :]))


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
    if total == rest or (infer is not None and rest > 0 and total % rest == 0):
        if infer is None:
            return tuple(sizes), None
        if rest == 0:
            return None, Failure(RESHAPE, f"{name} sizes {list(sizes)}: the -1 is ambiguous next to a zero size")
        return tuple(total // rest if i == infer else s for i, s in enumerate(sizes)), None
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
        if len(x) < 3:
            return Result(None, Failure(RANK, f"{self.name} expects at least a 3-D input, got {len(x)}-D {fmt_shape(x)}"))
        if is_int(r) and r <= 0:
            return Result(None, Failure(ARGS, f"{self.name} {self.arg}={r} must be positive", arg=self.arg))
        c, h, w = x[-3:]
        lead = tuple(x[:-3])
        if not is_int(r):
            return Result(lead + (None, None, None))
        if self.inverse:
            for name, v in (("height", h), ("width", w)):
                if is_int(v) and v % r:
                    return Result(None, Failure(RESHAPE, f"PixelUnshuffle {name} {v} is not divisible by downscale_factor={r}", arg=self.arg))
            out = (c * r * r if is_int(c) else None, h // r if is_int(h) else None, w // r if is_int(w) else None)
        else:
            if is_int(c) and c % (r * r):
                return Result(None, Failure(RESHAPE, f"PixelShuffle channels {c} are not divisible by upscale_factor²={r * r}", arg=self.arg))
            out = (c // (r * r) if is_int(c) else None, h * r if is_int(h) else None, w * r if is_int(w) else None)
        return Result(lead + out)


# --- interpolate / Upsample ------------------------------------------------------------

# mode -> the input ranks torch has a kernel for
_MODE_RANKS = {
    "nearest": (3, 4, 5),
    "nearest-exact": (3, 4, 5),
    "area": (3, 4, 5),
    "linear": (3,),
    "bilinear": (4,),
    "bicubic": (4,),
    "trilinear": (5,),
    "lanczos": (4,),
}
_NON_INTERPOLATING = ("nearest", "area", "nearest-exact")


def _given(v: Any) -> Optional[bool]:
    """Whether an optional argument is set: True, False, or None when not known."""
    return None if v is UNKNOWN else v is not None


def interpolate_shape(name: str, x: Optional[Shape], size: Any, scale: Any, mode: Any, align_corners: Any, recompute: Any, antialias: Any = False) -> Result:
    """``F.interpolate``, with its checks in torch's order."""
    mode_known = isinstance(mode, str) and mode in _MODE_RANKS
    if mode in _NON_INTERPOLATING and _given(align_corners):
        return Result(None, Failure(ARGS, f"{name} align_corners can only be set with the interpolating modes, not mode={mode!r}", arg="align_corners"))
    has_size, has_scale = _given(size), _given(scale)
    if has_size and has_scale:
        return Result(None, Failure(ARGS, f"{name} takes size or scale_factor, not both", arg="scale_factor"))
    if x is None:
        return Result(None)
    n = len(x) - 2  # spatial dims
    if has_size is None or has_scale is None:  # the output size is not known, its rank may be
        return Result(tuple(x[:2]) + (None,) * n if 1 <= n <= 3 else None)
    spatial = tuple(x[2:])
    outs: Optional[List[Dim]] = None
    scales: Optional[List[Any]] = None
    if has_size:
        if isinstance(size, (tuple, list)):
            if len(size) != n:
                return Result(None, Failure(RANK, f"{name} size={size!r} has {len(size)} dims but the input {fmt_shape(x)} has {max(n, 0)} spatial dims", arg="size"))
            outs = [s if is_int(s) else None for s in size]
        else:
            outs = [size if is_int(size) else None] * max(n, 0)
    elif has_scale:
        if isinstance(scale, (tuple, list)):
            if len(scale) != n:
                return Result(None, Failure(RANK, f"{name} scale_factor={scale!r} has {len(scale)} dims but the input {fmt_shape(x)} has {max(n, 0)} spatial dims", arg="scale_factor"))
            scales = list(scale)
        else:
            scales = [scale] * max(n, 0)
    else:
        return Result(None, Failure(ARGS, f"{name} needs size or scale_factor", arg="size"))
    if has_size and known(recompute) and recompute:
        return Result(None, Failure(ARGS, f"{name} recompute_scale_factor is not meaningful with an explicit size", arg="recompute_scale_factor"))
    if known(antialias) and antialias and mode_known and not (mode in ("bilinear", "bicubic", "lanczos") and len(x) == 4):
        return Result(None, Failure(ARGS, f"{name} antialias works only with bilinear, bicubic or lanczos on a 4-D input", arg="antialias"))
    if outs is None:  # out = trunc(in * scale), in Python or in ATen alike
        outs = []
        for s, f in zip(spatial, scales):  # type: ignore[arg-type]
            ok = is_int(s) and isinstance(f, (int, float)) and not isinstance(f, bool)
            whole = isinstance(f, (int, float)) and not isinstance(f, bool) and f > 0 and float(f).is_integer()
            if isinstance(s, Expr) and whole:  # exact in the unknown input: in * k for a whole factor k
                outs.append(mul(s, int(f)))
                continue
            outs.append(int(float(s) * f) if ok else None)  # type: ignore[arg-type]
    result = tuple(x[:2]) + tuple(outs)
    if not isinstance(mode, str):
        return Result(result if n > 0 else None)
    if not mode_known:
        return Result(None, Failure(ARGS, f"{name} mode={mode!r} is not one of {', '.join(_MODE_RANKS)}", arg="mode"))
    if len(x) not in _MODE_RANKS[mode]:
        return Result(None, Failure(RANK, f"{name} mode={mode!r} needs a {rank_names(_MODE_RANKS[mode])} input, got {len(x)}-D {fmt_shape(x)}"))
    if mode == "lanczos":
        if known(align_corners) and align_corners:
            return Result(result, Failure(ARGS, f"{name} mode='lanczos' does not support align_corners=True", arg="align_corners"))
        if known(antialias) and not antialias:
            return Result(result, Failure(ARGS, f"{name} mode='lanczos' needs antialias=True", arg="antialias"))
    if mode == "area":  # adaptive average pooling: an empty output is fine
        if any(is_int(o) and o < 0 for o in outs):
            return Result(None, Failure(ARGS, f"{name} output would be {fmt_shape(result)}: sizes must not be negative"))
        return Result(result)
    if any(is_int(d) and d <= 0 for d in list(spatial) + outs):
        return Result(
            tuple(x[:2]) + tuple(o if is_int(o) and o > 0 else None for o in outs),
            Failure(SPATIAL, f"{name} of {fmt_shape(x)} would give {fmt_shape(result)}: every input and output size must be at least 1"),
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

    def check(self, cfg: Bound) -> Optional[Failure]:
        if isinstance(cfg["scale_factor"], list) and cfg["scale_factor"]:  # float(scale_factor) unless falsy
            return Failure(ARGS, f"{self.name} scale_factor must be a number or a tuple, not a list", arg="scale_factor", suggestion=tuple(cfg["scale_factor"]), stage="init")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        mode = self.fixed_mode or cfg["mode"]
        align = True if self.fixed_mode == "bilinear" else cfg.get("align_corners")
        scale = cfg["scale_factor"]
        if known(scale) and not isinstance(scale, tuple) and not scale:
            scale = None  # the module keeps ``float(scale_factor) if scale_factor else None``
        return interpolate_shape(self.name, inputs[0], cfg["size"], scale, mode, align, cfg.get("recompute_scale_factor"))


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


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_pairs(pad: Sequence[Any], rank: int) -> List[Tuple[int, Any, Any]]:
    """(axis, before, after) for each padded axis, outermost first (pairs run from the last dim)."""
    k = len(pad) // 2
    return [(rank - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]


def pad_shape(name: str, x: Optional[Shape], pad: Any, mode: Any, value: Any = None) -> Result:
    """``F.pad``, with ATen's checks in its order."""
    if not isinstance(pad, (tuple, list)):
        return Result(None)
    if len(pad) % 2:
        return Result(None, Failure(ARGS, f"{name} pad={list(pad)} must have an even length", arg="pad"))
    if x is None:
        return Result(None)
    k, rank = len(pad) // 2, len(x)
    if k > rank:
        return Result(None, Failure(RANK, f"{name} pad={list(pad)} pads {k} dims but the input {fmt_shape(x)} has {rank}", arg="pad"))
    if not isinstance(mode, str):
        return Result(tuple(d if i < rank - k else None for i, d in enumerate(x)))
    if mode not in _PAD_MODES:
        return Result(None, Failure(ARGS, f"{name} mode={mode!r} is not one of {', '.join(_PAD_MODES)}", arg="mode"))
    pairs = _pad_pairs(pad, rank)
    out: List[Dim] = list(x)
    for axis, left, right in pairs:
        size = x[axis]
        out[axis] = size + left + right if is_int(size) and is_int(left) and is_int(right) else None
    result = tuple(out)
    if mode == "constant":
        # negative pads first narrow the input: each must leave a non-negative length
        for axis, left, right in pairs:
            size = x[axis]
            if not is_int(size):
                continue
            if is_int(left) and left < 0:
                size = size + left
                if size < 0:
                    return Result(None, Failure(SPATIAL, f"{name} padding ({left}, {right}) removes more than the {x[axis]} elements of dim {axis}", arg="pad"))
            elif not is_int(left):
                continue
            if is_int(right) and right < 0 and size + right < 0:
                return Result(None, Failure(SPATIAL, f"{name} padding ({left}, {right}) removes more than the {x[axis]} elements of dim {axis}", arg="pad"))
        return Result(result)
    if known(value) and value is not None and value != 0:
        return Result(None, Failure(ARGS, f"{name} mode={mode!r} takes no fill value, got value={value!r}", arg="value"))
    if k not in (1, 2, 3) or rank not in (k + 1, k + 2):
        return Result(None, Failure(RANK, f"{name} {mode} padding of {k} dims needs a {k + 1}-D or {k + 2}-D input, got {rank}-D {fmt_shape(x)}", arg="pad"))
    if mode == "circular":
        for axis, left, right in pairs:
            size = x[axis]
            if is_int(size) and ((is_int(left) and left > size) or (is_int(right) and right > size)):
                return Result(None, Failure(SPATIAL, f"{name} circular padding ({left}, {right}) wraps around dim {axis} of size {size} more than once", arg="pad"))
            if is_int(out[axis]) and out[axis] < 0:  # type: ignore[operator]
                return Result(None, Failure(SPATIAL, f"{name} negative circular padding ({left}, {right}) leaves dim {axis} of size {size} with {out[axis]} elements", arg="pad"))
        if all(is_int(d) for d in x) and all(is_int(p) for p in pad):
            return Result(result, _circular_copies(name, x, result, pairs))
        return Result(result)
    # reflect and replicate: every dim but a batch dim must be non-empty
    batched = rank == k + 2
    if any(is_int(d) and d == 0 for d in x[1 if batched else 0 :]):
        return Result(None, Failure(RANK, f"{name} {mode} padding needs non-empty dims (a batch of 0 aside), got {fmt_shape(x)}"))
    if mode == "reflect":
        for axis, left, right in reversed(pairs):  # ATen checks W, then H, then D
            size = x[axis]
            if is_int(size) and ((is_int(left) and left >= size) or (is_int(right) and right >= size)):
                return Result(None, Failure(SPATIAL, f"{name} reflect padding ({left}, {right}) must be smaller than the size {size} of dim {axis}", arg="pad"))
    padded = [out[axis] for axis, _, _ in pairs]
    if all(is_int(o) and o < 1 for o in padded):  # every padded dim empty: "too small"
        return Result(None, Failure(SPATIAL, f"{name} {mode} padding {list(pad)} leaves {fmt_shape(x)} with no elements: {fmt_shape(result)}", arg="pad"))
    if any(is_int(o) and o < 0 for o in padded):
        if mode == "reflect" and k == 2 and any(d == 0 for d in result):
            # reflection_pad2d resizes its output in place, which only checks that the
            # element count does not overflow: with an empty batch torch returns this shape
            return Result(result)
        return Result(None, Failure(SPATIAL, f"{name} {mode} padding {list(pad)} gives a negative size: {fmt_shape(result)}", arg="pad"))
    return Result(result)


def _slice(size: int, start: int, end: int) -> Tuple[int, int]:
    """ATen's ``slice`` bounds: negative ends wrap once, then both clamp to [0, size]."""
    start, end = start + size if start < 0 else start, end + size if end < 0 else end
    start = min(max(start, 0), size)
    return start, min(max(end, start), size)


def _dense(sizes: Sequence[int], strides: Sequence[int]) -> bool:
    """``is_non_overlapping_and_dense``: size-1 dims aside, strides are a running product."""
    expected = 1
    for size, stride in sorted(((sz, st) for sz, st in zip(sizes, strides) if sz >= 2), key=lambda t: t[1]):
        if stride != expected:
            return False
        expected *= size
    return True


def _circular_copies(name: str, x: Any, out: Any, pairs: List[Tuple[int, Any, Any]]) -> Optional[Failure]:
    """Replay ATen's ``_pad_circular``: the copies it makes can fail with pads of mixed sign.

    It copies the kept input into the middle of the output, then copies slices of the
    output onto its own borders.  A copy between slices of unequal length fails to
    broadcast; two overlapping (but not identical) dense slices of the output refuse to
    alias.
    """
    strides: List[Any] = [prod(out[i + 1 :]) for i in range(len(out))]

    def copy(dst: List[Any], src: List[Any], aliased: Optional[Tuple[int, int, int]]) -> Optional[Failure]:
        if aliased is not None:  # (axis, dst start, src start): two views of the output
            axis, a, b = aliased
            n = prod(dst)
            if n and prod(src) and _dense(dst, strides) and _dense(src, strides):
                a_begin, b_begin = a * strides[axis], b * strides[axis]
                a_end, b_end = a_begin + n, b_begin + prod(src)
                if (a_begin, a_end) != (b_begin, b_end) and a_begin < b_end and b_begin < a_end:
                    return Failure(ARGS, f"{name} circular padding {pads} mixes positive and negative pads that make torch copy a slice onto itself", arg="pad")
        for d, s in zip(dst, src):
            if d != s and s != 1:
                return Failure(MERGE, f"{name} circular padding {pads} mixes positive and negative pads beyond the input size {fmt_shape(x)}", arg="pad")
        return None

    pads = [p for _, left, right in reversed(pairs) for p in (left, right)]
    dst, src = list(out), list(x)
    for axis, left, right in pairs:
        a, b = _slice(out[axis], max(left, 0), out[axis] - max(right, 0))
        c, d = _slice(x[axis], max(-left, 0), x[axis] - max(-right, 0))
        dst[axis], src[axis] = b - a, d - c
    failure = copy(dst, src, None)
    for axis, left, right in reversed(pairs):  # innermost dim first
        size = out[axis]
        for positive, to, frm in (
            (left > 0, (0, left), (size - left - max(right, 0), size - max(right, 0))),
            (right > 0, (size - right, size), (max(left, 0), max(left, 0) + right)),
        ):
            if failure is not None or not positive:
                continue
            (a, b), (c, d) = _slice(size, *to), _slice(size, *frm)
            dst, src = list(out), list(out)
            dst[axis], src[axis] = b - a, d - c
            failure = copy(dst, src, (axis, a, c))
    return failure


class Pad(Layer):
    name = "F.pad"
    qualnames = ("torch.nn.functional.pad",)
    functional = True
    signature = (Param("input", tensor=True), Param("pad"), Param("mode", "constant"), Param("value", None))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else cfg["input"]
        return pad_shape(self.name, x, cfg["pad"], cfg["mode"], cfg["value"])


class PadModule(Layer):
    """``nn.ZeroPad2d``, ``nn.ReflectionPad1d``, ...: an int pads every side; a sequence is taken as is."""

    def __init__(self, family: str, dims: int) -> None:
        self.dims = dims
        self.name = f"{family}Pad{dims}d"
        self.mode = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect", "Replication": "replicate", "Circular": "circular"}[family]
        self.qualnames = (f"torch.nn.{self.name}", f"torch.nn.modules.padding.{self.name}")
        self.signature = (Param("padding"), Param("value")) if family == "Constant" else (Param("padding"),)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        p = cfg["padding"]
        pad = tuple(p) if isinstance(p, (tuple, list)) else ((p,) * (2 * self.dims) if known(p) else None)
        x = inputs[0]
        if x is not None and self.mode == "circular" and len(x) not in (self.dims + 1, self.dims + 2):
            return Result(None, Failure(RANK, f"{self.name} expects a {self.dims + 1}-D or {self.dims + 2}-D input, got {fmt_shape(x)}"))
        if pad is None and x is not None and len(x) > self.dims:  # unknown padding: the padded dims are unknown
            return Result(tuple(x[: -self.dims]) + (None,) * self.dims)
        return pad_shape(self.name, x, pad, self.mode)


LAYERS = (
    [Flatten(), FlattenFunction(), Unflatten(), PixelShuffle(False), PixelShuffle(True)]
    + [Upsample(), Upsample("UpsamplingNearest2d", "nearest"), Upsample("UpsamplingBilinear2d", "bilinear"), Interpolate(), Pad()]
    + [PadModule(f, d) for f in ("Zero", "Constant", "Reflection", "Replication", "Circular") for d in (1, 2, 3)]
)
