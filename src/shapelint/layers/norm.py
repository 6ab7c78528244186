"""Normalisation layers: BatchNorm, InstanceNorm, GroupNorm, LayerNorm, RMSNorm, LRN."""

from __future__ import annotations

from typing import Optional, Tuple

from .core import (
    ARGS,
    NORM,
    RANK,
    SPATIAL,
    Bound,
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

_TAIL = (Param("device", None), Param("dtype", None), Param("bias", True, kw_only=True))


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
        c = x[self.channel_axis(len(x))]
        n = cfg["num_features"]
        if is_int(c) and is_int(n) and c != n and self.checks_features(cfg):
            return Result(
                tuple(x),
                Failure(NORM, f"{self.name} expects num_features={n} but receives {c} channels", arg="num_features", suggestion=c),
            )
        return Result(tuple(x), self.statistics_failure(cfg, x))

    def checks_features(self, cfg: Bound) -> bool:
        """Whether a num_features that disagrees with the input is an error (else ignored)."""
        return cfg["affine"] is not False or cfg["track_running_stats"] is not False

    def statistics_failure(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        return None

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

    def statistics_failure(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        # Batch statistics need more than one value per channel. Without running stats
        # that holds in eval mode too, so torch certainly fails; with them only in training.
        if cfg["track_running_stats"] is not False:
            return None
        per_channel = prod(x[:1] + x[2:])
        if per_channel == 1:
            return Failure(SPATIAL, f"{self.name} without running stats needs more than one value per channel, got {fmt_shape(x)}")
        return None


class InstanceNorm(_ChannelNorm):
    family = "InstanceNorm"
    affine_default = False

    def __init__(self, dims: int) -> None:
        self.ranks = (dims + 1, dims + 2)
        super().__init__(dims)

    def channel_axis(self, rank: int) -> int:
        return rank - self.dims - 1

    def checks_features(self, cfg: Bound) -> bool:
        # torch only warns about a mismatch when there are no affine parameters;
        # running stats are then allocated with num_features and do fail.
        return cfg["affine"] is not False or cfg["track_running_stats"] is not False

    def statistics_failure(self, cfg: Bound, x: Shape) -> Optional[Failure]:
        if cfg["track_running_stats"] is not False:
            return None
        if prod(x[-self.dims:]) == 1:
            return Failure(SPATIAL, f"{self.name} needs more than one spatial element per channel, got {fmt_shape(x)}")
        return None


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
        if is_int(c) and is_int(g) and c % g:
            return Result(tuple(x), Failure(NORM, f"GroupNorm receives {c} channels, not divisible by num_groups={g}", arg="num_groups"))
        if is_int(c) and is_int(n) and c != n and cfg["affine"] is not False:
            return Result(tuple(x), Failure(NORM, f"GroupNorm expects num_channels={n} but receives {c} channels", arg="num_channels", suggestion=c))
        return Result(tuple(x))

    def params(self, cfg: Bound) -> Optional[int]:
        n, affine, bias = cfg["num_channels"], cfg["affine"], cfg["bias"]
        if not known(n, affine, bias):
            return None
        return (n + (n if bias else 0)) if affine else 0


def _normalized(cfg: Bound) -> Optional[Tuple[object, ...]]:
    ns = cfg["normalized_shape"]
    if isinstance(ns, (tuple, list)):
        return tuple(ns)
    return (ns,) if known(ns) else None


class LayerNorm(Layer):
    name = "LayerNorm"
    qualnames = ("torch.nn.LayerNorm", "torch.nn.modules.normalization.LayerNorm")
    signature = (
        Param("normalized_shape"),
        Param("eps", 1e-05),
        Param("elementwise_affine", True),
        Param("bias", True),
        Param("device", None),
        Param("dtype", None),
    )
    affine_arg = "elementwise_affine"

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        ns = _normalized(cfg)
        if x is None or ns is None:
            return Result(None if x is None else tuple(x))
        if len(x) < len(ns):
            return Result(tuple(x), Failure(RANK, f"{self.name} normalized_shape={list(ns)} needs at least a {len(ns)}-D input, got {fmt_shape(x)}"))
        tail = x[len(x) - len(ns):] if ns else ()
        for have, want in zip(tail, ns):
            if is_int(have) and is_int(want) and have != want:
                suggestion = list(tail) if all(is_int(t) for t in tail) else None
                return Result(
                    tuple(x),
                    Failure(
                        NORM,
                        f"{self.name} expects trailing dims {list(ns)} but receives {fmt_shape(x)}",
                        arg="normalized_shape",
                        suggestion=suggestion[0] if suggestion and len(suggestion) == 1 else suggestion,
                    ),
                )
        return Result(tuple(x))

    def params(self, cfg: Bound) -> Optional[int]:
        ns = _normalized(cfg)
        affine, bias = cfg[self.affine_arg], cfg.get("bias", False)
        if ns is None or not known(affine, bias):
            return None
        n = prod(ns)  # type: ignore[arg-type]
        if not is_int(n):
            return None
        return (n + (n if bias else 0)) if affine else 0  # type: ignore[operator]


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


class LocalResponseNorm(Layer):
    name = "LocalResponseNorm"
    qualnames = ("torch.nn.LocalResponseNorm", "torch.nn.modules.normalization.LocalResponseNorm")
    signature = (Param("size"), Param("alpha", 0.0001), Param("beta", 0.75), Param("k", 1.0))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        if x is not None and len(x) < 3:
            return Result(None, Failure(RANK, f"LocalResponseNorm expects at least a 3-D input, got {len(x)}-D {fmt_shape(x)}"))
        return Result(None if x is None else tuple(x))


LAYERS = (
    [BatchNorm(d) for d in (1, 2, 3)]
    + [InstanceNorm(d) for d in (1, 2, 3)]
    + [GroupNorm(), LayerNorm(), RMSNorm(), LocalResponseNorm()]
)
