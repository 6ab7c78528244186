"""Normalisation layers: BatchNorm, InstanceNorm, GroupNorm, LayerNorm, RMSNorm, LRN."""

from __future__ import annotations

from typing import Any, Optional, Tuple

from .core import (
    ARGS,
    NORM,
    RANK,
    SPATIAL,
    UNKNOWN,
    Bound,
    Condition,
    Failure,
    Layer,
    Param,
    Result,
    Shape,
    fmt_shape,
    is_int,
    known,
    prod,
    rank_names,
)
from .symbolic import Expr

_TAIL = (Param("device", None), Param("dtype", None), Param("bias", True, kw_only=True))


def _flag(*values: object) -> Optional[bool]:
    """Whether any of the flags is on: True, False, or None when that is not known."""
    if any(known(v) and v for v in values):
        return True
    return False if known(*values) else None


class _ChannelNorm(Layer):
    """BatchNorm{1,2,3}d and InstanceNorm{1,2,3}d: one statistic per channel."""

    family = ""
    affine_default = True
    ranks: Tuple[int, ...] = ()

    def __init__(self, dims: int) -> None:
        self.dims = dims
        self.name = f"{self.family}{dims}d"
        module = "batchnorm" if self.family == "BatchNorm" else "instancenorm"
        self.qualnames = (f"torch.nn.{self.name}", f"torch.nn.modules.{module}.{self.name}")
        track = self.family == "BatchNorm"
        self.signature = (
            Param("num_features"),
            Param("eps", 1e-05),
            Param("momentum", 0.1),
            Param("affine", self.affine_default),
            Param("track_running_stats", track),
        ) + _TAIL

    def channel_axis(self, rank: int) -> int:
        return 1

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        if x is None:
            return Result(None)
        if len(x) not in self.ranks:
            return Result(None, Failure(RANK, f"{self.name} expects a {rank_names(self.ranks)} input, got {len(x)}-D {fmt_shape(x)}"))
        return Result(tuple(x), self.failure(cfg, tuple(x)))

    def mismatch(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        """num_features disagreeing with the input's channels (whether or not torch minds)."""
        c, n = x[self.channel_axis(len(x))], cfg["num_features"]
        if is_int(c) and is_int(n) and c != n:
            return Failure(NORM, f"{self.name} expects num_features={n} but receives {c} channels", arg="num_features", suggestion=c)
        return None

    def failure(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        raise NotImplementedError

    def params(self, cfg: Bound) -> Optional[int]:
        n, affine, bias = cfg["num_features"], cfg["affine"], cfg["bias"]
        if not known(n, affine, bias):
            return None
        return (n + (n if bias else 0)) if affine else 0


class BatchNorm(_ChannelNorm):
    family = "BatchNorm"

    def __init__(self, dims: int) -> None:
        self.ranks = (2, 3) if dims == 1 else (dims + 2,)
        super().__init__(dims)

    def failure(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        # torch checks the batch statistics first: training (always, without running
        # stats) needs more than one value per channel.  Then weight and running stats,
        # which exist unless affine and track_running_stats are both off, must match C.
        checked, track = _flag(cfg["affine"], cfg["track_running_stats"]), _flag(cfg["track_running_stats"])
        mismatch = self.mismatch(cfg, x) if checked else None
        if prod(x[:1] + x[2:]) == 1 and (track is False or mismatch is not None):
            # without running stats every mode uses batch statistics; with them eval
            # fails only on the mismatch, and training reports this one first
            return Failure(SPATIAL, f"{self.name} needs more than one value per channel in training, got {fmt_shape(x)}")
        return mismatch


class InstanceNorm(_ChannelNorm):
    family = "InstanceNorm"
    affine_default = False

    def __init__(self, dims: int) -> None:
        self.ranks = (dims + 1, dims + 2)
        super().__init__(dims)

    def channel_axis(self, rank: int) -> int:
        return rank - self.dims - 1

    def failure(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        # affine: the module refuses a mismatch outright.  Otherwise it only warns, but
        # running stats (track_running_stats) are allocated with num_features and fail.
        # Instance statistics (training, or no running stats) need > 1 spatial element.
        affine, track = _flag(cfg["affine"]), _flag(cfg["track_running_stats"])
        mismatch = self.mismatch(cfg, x)
        if mismatch is not None:
            if affine is None or (not affine and track is None):
                return None  # which failure, if any, depends on values we do not know
            if affine:
                return mismatch
            if not track:
                mismatch = None  # torch only warns
        if prod(x[-self.dims :]) == 1 and (track is False or mismatch is not None):
            return Failure(SPATIAL, f"{self.name} needs more than one spatial element per channel in training, got {fmt_shape(x)}")
        return mismatch


class GroupNorm(Layer):
    name = "GroupNorm"
    qualnames = ("torch.nn.GroupNorm", "torch.nn.modules.normalization.GroupNorm")
    signature = (Param("num_groups"), Param("num_channels"), Param("eps", 1e-05), Param("affine", True)) + _TAIL

    def check(self, cfg: Bound) -> Optional[Failure]:
        g, c = cfg["num_groups"], cfg["num_channels"]
        if is_int(g) and g <= 0:
            return Failure(ARGS, f"GroupNorm num_groups={g} must be positive", arg="num_groups", stage="init")
        if is_int(g) and is_int(c) and c % g:
            return Failure(ARGS, f"GroupNorm num_channels={c} is not divisible by num_groups={g}", arg="num_groups", stage="init")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        if x is None:
            return Result(None)
        if len(x) < 2:
            return Result(None, Failure(RANK, f"GroupNorm expects at least a 2-D input, got {len(x)}-D {fmt_shape(x)}"))
        c, g, n = x[1], cfg["num_groups"], cfg["num_channels"]
        # F.group_norm first checks there is more than one value per group
        per_group = prod((x[0], c)) if is_int(g) and g > 0 else None
        if is_int(per_group) and prod((per_group // g,) + tuple(x[2:])) == 1:
            return Result(tuple(x), Failure(SPATIAL, f"GroupNorm needs more than one value per group, got {fmt_shape(x)} with num_groups={g}"))
        if is_int(c) and is_int(g) and g > 0 and c % g:
            return Result(tuple(x), Failure(NORM, f"GroupNorm receives {c} channels, not divisible by num_groups={g}", arg="num_groups"))
        if is_int(c) and is_int(n) and c != n and _flag(cfg["affine"]):
            return Result(tuple(x), Failure(NORM, f"GroupNorm expects num_channels={n} but receives {c} channels", arg="num_channels", suggestion=c))
        return Result(tuple(x))

    def params(self, cfg: Bound) -> Optional[int]:
        n, affine, bias = cfg["num_channels"], cfg["affine"], cfg["bias"]
        if not known(n, affine, bias):
            return None
        return (n + (n if bias else 0)) if affine else 0


def _normalized(cfg: Bound) -> Optional[Tuple[Any, ...]]:
    ns = cfg["normalized_shape"]
    if isinstance(ns, (tuple, list)):
        return tuple(ns)
    return (ns,) if known(ns) else None


class LayerNorm(Layer):
    name = "LayerNorm"
    qualnames = ("torch.nn.LayerNorm", "torch.nn.modules.normalization.LayerNorm")
    signature: Tuple[Param, ...] = (
        Param("normalized_shape"),
        Param("eps", 1e-05),
        Param("elementwise_affine", True),
        Param("bias", True),
        Param("device", None),
        Param("dtype", None),
    )
    affine_arg = "elementwise_affine"
    short_rank_kind = NORM  # LayerNorm reports a too-short input as a shape mismatch

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        ns = _normalized(cfg)
        if x is None or ns is None:
            return Result(None if x is None else tuple(x))
        if len(x) < len(ns) and self.short_rank_kind == RANK:
            return Result(None, Failure(RANK, f"{self.name} normalized_shape={list(ns)} needs at least a {len(ns)}-D input, got {fmt_shape(x)}"))
        if not ns:
            return Result(tuple(x), Failure(ARGS, f"{self.name} normalized_shape must have at least one element", arg="normalized_shape"))
        tail = tuple(x[len(x) - len(ns) :]) if len(x) >= len(ns) else tuple(x)
        if len(x) < len(ns) or any(is_int(h) and is_int(w) and h != w for h, w in zip(tail, ns)):
            suggestion = None
            # Suggest the trailing dims only for (batch, ..., features) inputs: on a
            # channels-first map, (N, C, H, W), the width is no sensible normalized_shape.
            if len(tail) == len(ns) and all(is_int(t) for t in tail) and len(x) <= len(ns) + 2:
                suggestion = tail[0] if len(tail) == 1 and not isinstance(cfg["normalized_shape"], (tuple, list)) else list(tail)
            return Result(
                tuple(x) if len(x) >= len(ns) else None,
                Failure(
                    NORM,
                    f"{self.name} normalized_shape={list(ns)} expects the input to end in {fmt_shape(ns)}, got {fmt_shape(x)}",
                    arg="normalized_shape",
                    suggestion=suggestion,
                ),
            )
        pending = tuple(
            Condition(NORM, h, w, f"normalized_shape={list(ns)}", arg="normalized_shape")
            for h, w in zip(tail, ns) if isinstance(h, Expr) and is_int(w)
        )  # sizes of the unknown input: solved for later
        return Result(tuple(x), conditions=pending)

    def reads_only_last_dim(self, cfg: Bound) -> bool:
        ns = _normalized(cfg)
        return ns is not None and len(ns) == 1

    def params(self, cfg: Bound) -> Optional[int]:
        ns = _normalized(cfg)
        affine, bias = cfg[self.affine_arg], cfg.get("bias", False)
        if ns is None or not known(affine, bias):
            return None
        n = prod(ns)
        if not is_int(n):
            return None
        return (n + (n if bias else 0)) if affine else 0


def _vector(t: Any) -> Any:
    """A 1-D weight's length; None when there is no such tensor, UNKNOWN when not 1-D or unknown."""
    if t is None:
        return None
    return t[0] if isinstance(t, tuple) and len(t) == 1 else UNKNOWN


class LayerNormFunction(Layer):
    """``F.layer_norm``: normalized_shape first, then weight and bias against it, then the input."""

    name = "F.layer_norm"
    qualnames = ("torch.nn.functional.layer_norm", "torch.layer_norm")
    functional = True
    signature = (
        Param("input", tensor=True), Param("normalized_shape"), Param("weight", None, tensor=True),
        Param("bias", None, tensor=True), Param("eps", 1e-05),
    )

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, ns = cfg["input"], cfg["normalized_shape"]
        if not isinstance(ns, (tuple, list)) or not all(is_int(d) for d in ns):
            return Result(None if x is None else tuple(x))
        if not ns:
            return Result(None, Failure(ARGS, "F.layer_norm normalized_shape must have at least one element", arg="normalized_shape"))
        for what in ("weight", "bias"):
            t = cfg[what]
            if isinstance(t, tuple) and t != tuple(ns) and all(is_int(d) for d in t):
                return Result(None if x is None else tuple(x), Failure(NORM, f"F.layer_norm {what} of shape {fmt_shape(t)} differs from normalized_shape={list(ns)}", arg=what))
        if x is None:
            return Result(None)
        module = LayerNorm()
        bound = module.bind([list(ns)], {})
        assert isinstance(bound, Bound)
        res = module.forward(bound, x)
        failure = res.failure
        if failure is not None:
            failure = Failure(NORM, failure.message.replace("LayerNorm", "F.layer_norm"), arg="normalized_shape")
        return Result(res.shape, failure)


class GroupNormFunction(Layer):
    """``F.group_norm``: the module's checks, with the channel count taken from weight (then bias)."""

    name = "F.group_norm"
    qualnames = ("torch.nn.functional.group_norm",)
    functional = True
    signature = (Param("input", tensor=True), Param("num_groups"), Param("weight", None, tensor=True), Param("bias", None, tensor=True), Param("eps", 1e-05))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, g = cfg["input"], cfg["num_groups"]
        if x is None or not is_int(g) or g <= 0:
            return Result(None if x is None else tuple(x))
        res = Result(tuple(x))
        for what in ("weight", "bias"):
            n = _vector(cfg[what])
            module = GroupNorm()
            bound = module.bind([g, n if n is not None else UNKNOWN], {"affine": n is not None})
            assert isinstance(bound, Bound)
            res = module.forward(bound, x)
            f = res.failure
            if f is not None:
                message = f.message.replace("GroupNorm", "F.group_norm").replace("num_channels", what + " size")
                return Result(res.shape, Failure(f.kind, message, arg=what if "num_channels" in f.message else "num_groups"))
        return res


class RMSNorm(LayerNorm):
    name = "RMSNorm"
    qualnames = ("torch.nn.RMSNorm", "torch.nn.modules.normalization.RMSNorm")
    signature = (
        Param("normalized_shape"),
        Param("eps", None),
        Param("elementwise_affine", True),
        Param("device", None),
        Param("dtype", None),
    )
    short_rank_kind = RANK  # F.rms_norm checks the input's rank first


class LocalResponseNorm(Layer):
    name = "LocalResponseNorm"
    qualnames = ("torch.nn.LocalResponseNorm", "torch.nn.modules.normalization.LocalResponseNorm")
    signature = (Param("size"), Param("alpha", 0.0001), Param("beta", 0.75), Param("k", 1.0))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        if x is None:
            return Result(None)
        if len(x) < 3:
            return Result(None, Failure(RANK, f"LocalResponseNorm expects at least a 3-D input, got {len(x)}-D {fmt_shape(x)}"))
        size = cfg["size"]
        if is_int(size) and size <= 0 and all(d != 0 and d is not None for d in x):  # empty input: returned as is
            return Result(tuple(x), Failure(ARGS, f"LocalResponseNorm size={size} must be positive", arg="size"))
        return Result(tuple(x))


LAYERS = (
    [BatchNorm(d) for d in (1, 2, 3)]
    + [InstanceNorm(d) for d in (1, 2, 3)]
    + [GroupNorm(), LayerNorm(), RMSNorm(), LocalResponseNorm(), LayerNormFunction(), GroupNormFunction()]
)
