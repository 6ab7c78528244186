"""Convolutions and transposed convolutions, as modules and as functions."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .core import (
    ARGS,
    CHANNELS,
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
    prod,
    rank_names,
)

from .symbolic import Expr, add, floordiv, mul

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _x(values: Sequence[Any]) -> str:
    return "×".join("?" if not is_int(v) else str(v) for v in values)


def _ints(*values: Any) -> bool:
    """True when every value is a known int (not a symbolic str, None or UNKNOWN)."""
    return all(is_int(v) for v in values)


class _Geometry:
    """Per-dimension kernel, stride, padding, dilation and output_padding of a conv."""

    def __init__(self, cfg: Bound, dims: int, transposed: bool) -> None:
        self.kernel = ntuple(cfg["kernel_size"], dims)
        self.stride = ntuple(cfg["stride"], dims)
        pad = cfg["padding"]
        self.same = pad == "same"
        self.padding = ntuple(0 if isinstance(pad, str) else pad, dims)
        self.dilation = ntuple(cfg["dilation"], dims)
        self.output_padding = ntuple(cfg.get("output_padding", 0), dims) if transposed else (0,) * dims

    def lengths_ok(self) -> bool:
        return None not in (self.kernel, self.stride, self.padding, self.dilation, self.output_padding)


def _check_geometry(g: _Geometry, name: str, dims: int, transposed: bool, cfg: Bound) -> Optional[Failure]:
    if not g.lengths_ok():
        for arg in ("kernel_size", "stride", "padding", "dilation", "output_padding"):
            if arg in cfg.values and ntuple(cfg[arg], dims) is None and not isinstance(cfg[arg], str):
                return Failure(ARGS, f"{name} needs {arg} as an int or a {dims}-tuple, got {cfg[arg]!r}", arg=arg)
    assert g.kernel and g.stride and g.padding and g.dilation and g.output_padding
    if any(is_int(v) and v < 0 for v in g.padding):
        return Failure(ARGS, f"{name} padding={cfg['padding']!r} is negative", arg="padding")
    if any(is_int(v) and v <= 0 for v in g.stride):
        return Failure(ARGS, f"{name} stride={cfg['stride']!r} must be positive", arg="stride")
    if any(is_int(v) and v <= 0 for v in g.dilation):
        return Failure(ARGS, f"{name} dilation={cfg['dilation']!r} must be positive", arg="dilation")
    if any(is_int(v) and v <= 0 for v in g.kernel):
        return Failure(ARGS, f"{name} kernel_size={cfg['kernel_size']!r} must be positive", arg="kernel_size")
    return None


def _check_output_padding(g: _Geometry, name: str, cfg: Bound) -> Optional[Failure]:
    """torch checks this in forward, after the channel count."""
    assert g.output_padding is not None and g.stride is not None and g.dilation is not None
    for op, s, d in zip(g.output_padding, g.stride, g.dilation):
        if is_int(op) and is_int(s) and is_int(d) and op >= s and op >= d:
            return Failure(
                ARGS,
                f"{name} output_padding={cfg['output_padding']!r} must be smaller than the stride "
                f"({cfg['stride']!r}) or the dilation ({cfg['dilation']!r})",
                arg="output_padding",
            )
    return None


def conv_spatial(size: Dim, k: Any, s: Any, p: Any, d: Any, same: bool) -> Tuple[Dim, bool]:
    """Output length of a convolution along one dimension, and whether it collapses."""
    if same:
        return size, False
    if isinstance(size, Expr) and _ints(k, s, p, d) and s > 0:  # exact in the unknown input
        return add(floordiv(add(size, 2 * p - d * (k - 1) - 1), s), 1), False
    if not _ints(size, k, s, p, d):
        return None, False
    span = d * (k - 1) + 1
    if size + 2 * p < span:
        return None, True
    return (size + 2 * p - span) // s + 1, False


def conv_transpose_spatial(size: Dim, k: Any, s: Any, p: Any, d: Any, op: Any) -> Dim:
    """Output length of a transposed convolution along one dimension (may be below 1)."""
    if isinstance(size, Expr) and _ints(k, s, p, d, op):
        return add(mul(size, s), -s - 2 * p + d * (k - 1) + op + 1)
    if not _ints(size, k, s, p, d, op):
        return None
    return (size - 1) * s - 2 * p + d * (k - 1) + op + 1  # type: ignore[operator]


def _gt(v: Dim, limit: int) -> Optional[bool]:
    return (v > limit) if is_int(v) else None


def _any(*flags: Optional[bool]) -> Optional[bool]:
    """Three-valued or: True if any is True, None if none is True but some unknown."""
    if any(f is True for f in flags):
        return True
    return None if any(f is None for f in flags) else False


def transpose_allows_empty(
    dims: int, batch: Any, channels: Dim, sizes: Sequence[Dim], g: "_Geometry", groups: Any
) -> Optional[bool]:
    """Whether torch's CPU transposed convolution accepts an output size of exactly 0.

    torch (``_select_conv_backend``) sends a float32 CPU transposed convolution to oneDNN
    unless some output_padding is >= its stride; oneDNN returns an empty tensor for a
    zero-length output, while the fallback ``slow_conv_transpose{2,3}d`` refuses it
    ("Output size is too small").  oneDNN is chosen when groups > 1, or both of the last
    two kernel sizes exceed 3, or the batch exceeds 1, or N*C*size(2)*size(3) of the
    (1-D: viewed as 2-D) input exceeds 20480.  (For 1×1 unstrided kernels torch also
    consults the thread count; we assume the usual multi-threaded run.)
    Returns None when that cannot be decided from what is known.
    """
    assert g.kernel and g.stride and g.output_padding
    big = _any(*[(op >= s) if _ints(op, s) else None for op, s in zip(g.output_padding, g.stride)])
    if big is True:
        return False
    n = 1 if batch is _UNBATCHED else batch
    kh: Any
    kw: Any
    h: Dim
    w: Dim
    if dims == 1:
        kh, kw, h, w = 1, g.kernel[0], 1, sizes[0]
    else:
        kh, kw = g.kernel[-2], g.kernel[-1]
        h, w = sizes[0], sizes[1]
    both_big = None
    if is_int(kh) and is_int(kw):
        both_big = kh > 3 and kw > 3
    elif (is_int(kh) and kh <= 3) or (is_int(kw) and kw <= 3):
        both_big = False
    volume = prod([n, channels, h, w])
    onednn = _any(_gt(groups, 1), both_big, _gt(n, 1), _gt(volume, 20480))
    if onednn is True and big is None:
        return None
    return onednn


_UNBATCHED = object()


class ConvNd(Layer):
    """``nn.Conv{1,2,3}d`` and ``nn.ConvTranspose{1,2,3}d``."""

    def __init__(self, dims: int, transposed: bool) -> None:
        self.dims = dims
        self.transposed = transposed
        self.name = f"Conv{'Transpose' if transposed else ''}{dims}d"
        self.qualnames = (f"torch.nn.{self.name}", f"torch.nn.modules.conv.{self.name}")
        head = [
            Param("in_channels"),
            Param("out_channels"),
            Param("kernel_size"),
            Param("stride", 1),
            Param("padding", 0),
        ]
        if transposed:
            tail = [
                Param("output_padding", 0),
                Param("groups", 1),
                Param("bias", True),
                Param("dilation", 1),
            ]
        else:
            tail = [Param("dilation", 1), Param("groups", 1), Param("bias", True)]
        self.signature = tuple(head + tail + [Param("padding_mode", "zeros"), Param("device", None), Param("dtype", None)])

    # construction -------------------------------------------------------------
    def check(self, cfg: Bound) -> Optional[Failure]:
        groups, cin, cout = cfg["groups"], cfg["in_channels"], cfg["out_channels"]
        if is_int(groups) and groups <= 0:
            return Failure(ARGS, f"{self.name} groups={groups} must be a positive integer", arg="groups", stage="init")
        if is_int(groups) and is_int(cin) and cin % groups:
            return Failure(
                ARGS, f"{self.name} in_channels={cin} is not divisible by groups={groups}", arg="groups", stage="init"
            )
        if is_int(groups) and is_int(cout) and cout % groups:
            return Failure(
                ARGS, f"{self.name} out_channels={cout} is not divisible by groups={groups}", arg="groups", stage="init"
            )
        pad = cfg["padding"]
        mode = cfg["padding_mode"]
        if isinstance(mode, str) and mode not in PADDING_MODES:
            return Failure(ARGS, f"{self.name} padding_mode={mode!r} is not one of {PADDING_MODES}", arg="padding_mode", stage="init")
        if self.transposed and isinstance(mode, str) and mode != "zeros":
            return Failure(ARGS, f'{self.name} supports only padding_mode="zeros", got {mode!r}', arg="padding_mode", stage="init")
        if isinstance(pad, str):
            if self.transposed or pad not in ("same", "valid"):
                what = "a number or a tuple" if self.transposed else "'same', 'valid', a number or a tuple"
                return Failure(ARGS, f"{self.name} padding={pad!r} is invalid; use {what}", arg="padding", stage="init")
            stride = ntuple(cfg["stride"], self.dims) or ()
            if pad == "same" and any(is_int(s) and s != 1 for s in stride):
                return Failure(
                    ARGS,
                    f"{self.name} padding='same' is not supported with stride={cfg['stride']!r}",
                    arg="padding",
                    stage="init",
                )
        return _check_geometry(_Geometry(cfg, self.dims, self.transposed), self.name, self.dims, self.transposed, cfg)

    # forward ------------------------------------------------------------------
    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        return conv_forward(self.name, self.dims, self.transposed, cfg, inputs[0] if inputs else None)

    def seed(self, cfg: Bound) -> Optional[Shape]:
        cin = cfg["in_channels"]
        return (None, cin) + (None,) * self.dims if is_int(cin) else None

    def params(self, cfg: Bound) -> Optional[int]:
        cin, cout, groups = cfg["in_channels"], cfg["out_channels"], cfg["groups"]
        kernel = ntuple(cfg["kernel_size"], self.dims)
        if not (_ints(cin, cout, groups) and kernel is not None and _ints(*kernel) and known(cfg["bias"])) or groups <= 0:
            return None
        weight = cin * cout // groups * prod(kernel)
        return weight + (cout if cfg["bias"] else 0)

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        return conv_macs(self.dims, self.transposed, cfg, inputs[0], output)

    def weights(self, cfg: Bound) -> Mapping[str, Shape]:
        """Weight (out, in/groups, *k); transposed (in, out/groups, *k); bias (out,)."""
        cin, cout, groups = cfg["in_channels"], cfg["out_channels"], cfg["groups"]
        kernel = ntuple(cfg["kernel_size"], self.dims)
        if not (_ints(cin, cout, groups) and kernel is not None and _ints(*kernel)) or groups <= 0:
            return {}
        first, second = (cin, cout // groups) if self.transposed else (cout, cin // groups)
        out: Dict[str, Shape] = {"weight": (first, second) + tuple(kernel)}
        if cfg["bias"] is True:
            out["bias"] = (cout,)
        return out


def conv_macs(dims: int, transposed: bool, cfg: Bound, x: Optional[Shape], out: Optional[Shape]) -> Optional[int]:
    cin, cout, groups = cfg["in_channels"], cfg["out_channels"], cfg["groups"]
    kernel = ntuple(cfg["kernel_size"], dims)
    positions = prod((x if transposed else out)[-dims:]) if (x is not None and out is not None) else None
    if not (_ints(cin, cout, groups, positions) and kernel is not None and _ints(*kernel)) or groups <= 0:
        return None
    return positions * cin * cout // groups * prod(kernel)


def conv_forward(name: str, dims: int, transposed: bool, cfg: Bound, x: Optional[Shape]) -> Result:
    cout = cfg["out_channels"]
    cout_dim: Dim = cout if is_int(cout) or isinstance(cout, str) else None  # str: a weight's symbolic dim
    if x is None:
        return Result(None)
    if len(x) not in (dims + 1, dims + 2):
        return Result(
            None,
            Failure(
                RANK,
                f"{name} expects a {rank_names([dims + 1, dims + 2])} input, got {len(x)}-D {fmt_shape(x)}",
            ),
        )
    batched = len(x) == dims + 2
    channels = x[1] if batched else x[0]
    g = _Geometry(cfg, dims, transposed)
    failure: Optional[Failure] = None
    cin = cfg["in_channels"]
    if is_int(channels) and is_int(cin) and channels != cin:
        failure = Failure(
            CHANNELS,
            f"{name} expects in_channels={cin} but receives {channels} channels",
            arg="in_channels",
            suggestion=channels,
        )
    if failure is None and transposed:
        failure = _check_output_padding(g, name, cfg)
    spatial: List[Dim] = []
    collapsed = False
    assert g.kernel and g.stride and g.padding and g.dilation and g.output_padding
    sizes = x[-dims:]
    if transposed:
        spatial = [
            conv_transpose_spatial(size, g.kernel[i], g.stride[i], g.padding[i], g.dilation[i], g.output_padding[i])
            for i, size in enumerate(sizes)
        ]
        if any(is_int(o) and o < 0 for o in spatial):  # every backend refuses
            collapsed = True
        elif any(o == 0 for o in spatial):
            allows = transpose_allows_empty(
                dims, x[0] if batched else _UNBATCHED, channels, sizes, g, cfg["groups"]
            )
            collapsed = allows is False
        if collapsed:
            spatial = [o if is_int(o) and o >= 1 else None for o in spatial]
    else:
        for i, size in enumerate(sizes):
            out, bad = conv_spatial(size, g.kernel[i], g.stride[i], g.padding[i], g.dilation[i], g.same)
            collapsed = collapsed or bad
            spatial.append(out)
    if collapsed and failure is None:
        if transposed:
            msg = (
                f"{name} output would be empty: input {_x(sizes)} with kernel {_x(g.kernel)}, "
                f"stride {_x(g.stride)}, padding {_x(g.padding)} gives a size below 1"
            )
            arg = "padding"
        else:
            padded = [s + 2 * p if is_int(s) and is_int(p) else None for s, p in zip(sizes, g.padding)]
            span = [d * (k - 1) + 1 if _ints(d, k) else None for d, k in zip(g.dilation, g.kernel)]
            dil = "" if all(d == 1 for d in g.dilation) else f" (dilated {_x(span)})"
            msg = f"{name} kernel {_x(g.kernel)}{dil} is larger than the padded input {_x(padded)}"
            arg = "kernel_size"
        failure = Failure(SPATIAL, msg, arg=arg)
    lead: Tuple[Dim, ...] = (x[0],) if batched else ()
    return Result(lead + (cout_dim,) + tuple(spatial), failure)


class ConvFunction(Layer):
    """``F.conv{1,2,3}d`` / ``F.conv_transpose{1,2,3}d``: geometry from the weight's shape."""

    functional = True

    def __init__(self, dims: int, transposed: bool) -> None:
        self.dims = dims
        self.transposed = transposed
        fname = f"conv{'_transpose' if transposed else ''}{dims}d"
        self.name = f"F.{fname}"
        self.qualnames = (f"torch.nn.functional.{fname}", f"torch.{fname}")
        common = [Param("input", tensor=True), Param("weight", tensor=True), Param("bias", None, tensor=True)]
        common.append(Param("stride", 1))
        common.append(Param("padding", 0))
        if transposed:
            rest = [Param("output_padding", 0), Param("groups", 1), Param("dilation", 1)]
        else:
            rest = [Param("dilation", 1), Param("groups", 1)]
        self.signature = tuple(common + rest)

    def module_cfg(self, cfg: Bound) -> Optional[Bound]:
        w = cfg["weight"]
        groups = cfg["groups"]
        if w is None or len(w) != self.dims + 2:
            return None
        if self.transposed:
            cin = w[0]
            cout = w[1] * groups if is_int(w[1]) and is_int(groups) else None
        else:
            cout = w[0]
            cin = w[1] * groups if is_int(w[1]) and is_int(groups) else None
        values = dict(cfg.values)
        values.update(in_channels=cin, out_channels=cout, kernel_size=tuple(w[2:]), padding_mode="zeros")
        return Bound(values)

    def check(self, cfg: Bound) -> Optional[Failure]:
        """A function has no construction: every check is in ``forward``, in torch's order."""
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        """torch's sequence for ``F.conv*``: ``batchify`` (the input's rank), then
        ``_convolution``'s weight rank and parameter lengths, ``check_shape_forward``'s
        signs, weight-vs-input rank, groups and channels, then the sizes.

        With the input unknown, the checks that do not depend on it still apply.
        """
        x = inputs[0] if inputs else cfg.get("input")
        w = cfg["weight"]
        n = self.dims
        name = self.name
        if x is not None and len(x) not in (n + 1, n + 2):
            return Result(None, Failure(RANK, f"{name} expects a {rank_names([n + 1, n + 2])} input, got {len(x)}-D {fmt_shape(x)}"))
        if w is None:
            return Result(None)
        if len(w) < 3:
            return Result(None, Failure(RANK, f"{name} needs a weight with at least 3 dimensions, got {len(w)}-D {fmt_shape(w)}", arg="weight"))
        pad, groups = cfg["padding"], cfg["groups"]
        rank_bad = len(w) != n + 2
        rank_failure = Failure(RANK, f"{name} expects a {n + 2}-D weight, got {len(w)}-D {fmt_shape(w)}", arg="weight")
        if isinstance(pad, str):
            if self.transposed or pad not in ("same", "valid"):
                return Result(None, Failure(ARGS, f"{name} padding={pad!r} is invalid", arg="padding"))
            if pad == "same":
                if is_int(groups) and groups <= 0:
                    return Result(None, Failure(ARGS, f"{name} groups={groups} must be a positive integer", arg="groups"))
                if rank_bad:  # convolution_same compares the ranks first
                    return Result(None, rank_failure)
                stride = ntuple(cfg["stride"], n) or ()
                if any(is_int(s) and s != 1 for s in stride):
                    return Result(None, Failure(ARGS, f"{name} padding='same' is not supported with stride={cfg['stride']!r}", arg="padding"))
        if rank_bad and n > 1:
            # torch's binding turns each int parameter into a list of n; _convolution then
            # needs one value or len(weight) - 2 of them
            return Result(None, Failure(
                ARGS,
                f"{name} stride, padding and dilation describe {n} spatial dimensions but the "
                f"{len(w)}-D weight {fmt_shape(w)} has {len(w) - 2}",
                arg="weight",
            ))
        # check_shape_forward: signs, ranks, groups
        params = [("padding", 0 if isinstance(pad, str) else pad, lambda v: v < 0, "is negative")]
        if self.transposed:
            params.append(("output_padding", cfg["output_padding"], lambda v: v < 0, "is negative"))
        params.append(("stride", cfg["stride"], lambda v: v <= 0, "must be positive"))
        params.append(("dilation", cfg["dilation"], lambda v: v < 0, "must not be negative"))
        for arg, value, bad, what in params:
            values = value if isinstance(value, (tuple, list)) else (value,)
            if any(is_int(v) and bad(v) for v in values):
                return Result(None, Failure(ARGS, f"{name} {arg}={value!r} {what}", arg=arg))
        if is_int(groups) and groups <= 0:
            return Result(None, Failure(ARGS, f"{name} groups={groups} must be a positive integer", arg="groups"))
        if rank_bad:  # whatever the input, it cannot match both its own rank check and the weight's
            return Result(None, rank_failure)
        if is_int(groups) and is_int(w[0]) and (w[0] < groups or w[0] % groups):
            what = "input" if self.transposed else "output"
            return Result(None, Failure(
                ARGS, f"{name} weight's {w[0]} {what} channels are not divisible by groups={groups}", arg="groups"
            ))
        mc = self.module_cfg(cfg)
        if mc is None or x is None:
            return Result(None)
        if _Geometry(mc, n, self.transposed).lengths_ok() is False:
            return Result(None, _check_geometry(_Geometry(mc, n, self.transposed), name, n, self.transposed, mc))
        return conv_forward(name, n, self.transposed, mc, x)

    def params(self, cfg: Bound) -> Optional[int]:
        return 0

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        mc = self.module_cfg(cfg)
        return None if mc is None else conv_macs(self.dims, self.transposed, mc, inputs[0], output)


LAYERS = [ConvNd(d, t) for t in (False, True) for d in (1, 2, 3)] + [
    ConvFunction(d, t) for t in (False, True) for d in (1, 2, 3)
]
