"""Transformer layers: ``nn.TransformerEncoderLayer``, ``nn.TransformerDecoderLayer`` and
``nn.Transformer``, each one call (torch's children — attention, feed-forward, norms — are
counted in its parameters).  ``nn.TransformerEncoder``/``Decoder`` take a layer object and
are built by the interpreter as ``num_layers`` copies of it.

The checks are torch's, in its order: the attention block's (rank, then ``d_model``), with a
LayerNorm first when ``norm_first``; a decoder's cross-attention on ``memory`` after.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from .attention import MultiheadAttention
from .core import ARGS, FEATURES, MERGE, NORM, RANK, RESHAPE, Bound, Failure, Layer, Param, Result, Shape, fmt_shape, is_int, known

_MHA = MultiheadAttention()


def _common(ff: int = 2048) -> Tuple[Param, ...]:
    return (
        Param("dim_feedforward", ff),
        Param("dropout", 0.1),
        Param("activation", "relu"),
    )


_TAIL = (
    Param("layer_norm_eps", 1e-05),
    Param("batch_first", False),
    Param("norm_first", False),
    Param("bias", True),
    Param("device", None),
    Param("dtype", None),
)


def _check(name: str, cfg: Bound) -> Optional[Failure]:
    """What the constructors refuse: heads not dividing d_model, dropout, the activation."""
    d, h = cfg["d_model"], cfg["nhead"]
    if is_int(d) and is_int(h) and h > 0 and d % h:
        return Failure(ARGS, f"{name} d_model={d} is not divisible by nhead={h}", arg="nhead", stage="init")
    p = cfg["dropout"]
    if isinstance(p, (int, float)) and not isinstance(p, bool) and not 0 <= p <= 1:
        return Failure(ARGS, f"{name} dropout={p} must be between 0 and 1", arg="dropout", stage="init")
    act = cfg["activation"]
    if isinstance(act, str) and act not in ("relu", "gelu"):
        return Failure(ARGS, f"{name} activation={act!r} must be 'relu' or 'gelu' (or a callable)", arg="activation", stage="init")
    return None


def _self_block(name: str, cfg: Bound, x: Shape, what: str) -> Optional[Failure]:
    """The self-attention block's checks on its input ``x``."""
    d = cfg["d_model"]
    if cfg["norm_first"] not in (True, False):
        return None  # which check comes first is not known
    last_bad = is_int(x[-1]) and is_int(d) and x[-1] != d if x else False
    if cfg["norm_first"] and last_bad:
        return Failure(NORM, f"{name} expects {what} with d_model={d} features (its first LayerNorm), got {fmt_shape(x)}", arg="d_model")
    if len(x) not in (2, 3):
        return Failure(RANK, f"{name} expects a 2-D (unbatched) or 3-D {what}, got {len(x)}-D {fmt_shape(x)}")
    if last_bad:
        return Failure(FEATURES, f"{name} expects {what} with d_model={d} features, got {fmt_shape(x)}", arg="d_model")
    return None


def _cross_block(name: str, cfg: Bound, tgt: Shape, memory: Shape) -> Optional[Failure]:
    """The decoder's attention over ``memory``: its rank, features, then batch (torch fails
    reshaping the keys when the batches differ)."""
    d = cfg["d_model"]
    if len(memory) != len(tgt):
        return Failure(RANK, f"{name}: memory {fmt_shape(memory)} must have the rank of tgt {fmt_shape(tgt)}")
    if is_int(memory[-1]) and is_int(d) and memory[-1] != d:
        return Failure(FEATURES, f"{name} expects memory with d_model={d} features, got {fmt_shape(memory)}", arg="d_model")
    if len(tgt) == 3:
        axis = 0 if cfg["batch_first"] else 1
        if cfg["batch_first"] in (True, False) and is_int(tgt[axis]) and is_int(memory[axis]) and tgt[axis] != memory[axis]:
            return Failure(RESHAPE, f"{name}: memory {fmt_shape(memory)} and tgt {fmt_shape(tgt)} have different batch sizes")
    return None


def _mha_params(d: int, h: int, bias: bool) -> Optional[int]:
    cfg = _MHA.bind([d, h], {"bias": bias})
    return _MHA.params(cfg) if isinstance(cfg, Bound) else None


def _layer_params(cfg: Bound, decoder: bool) -> Optional[int]:
    d, h, ff, bias = cfg["d_model"], cfg["nhead"], cfg["dim_feedforward"], cfg["bias"]
    if not known(d, h, ff, bias) or not all(is_int(v) for v in (d, h, ff)):
        return None
    attn = _mha_params(d, h, bool(bias))
    if attn is None:
        return None
    b = 1 if bias else 0
    feed = d * ff + ff * b + ff * d + d * b
    norms = (3 if decoder else 2) * (d + d * b)
    return (2 if decoder else 1) * attn + feed + norms


def _layer_macs(cfg: Bound, x: Optional[Shape], memory: Optional[Shape], decoder: bool) -> Optional[int]:
    """Per sample: the attention block(s) (MultiheadAttention's count) and the feed-forward."""
    d, h, ff, bias = cfg["d_model"], cfg["nhead"], cfg["dim_feedforward"], cfg["bias"]
    if x is None or not all(is_int(v) for v in (d, h, ff)) or (decoder and memory is None) or len(x) not in (2, 3):
        return None
    mcfg = _MHA.bind([d, h], {"bias": bias, "batch_first": cfg["batch_first"]})
    if not isinstance(mcfg, Bound):
        return None
    total = _MHA.macs(mcfg, [x, x, x], None)
    if decoder:
        cross = _MHA.macs(mcfg, [x, memory, memory], None)
        total = None if total is None or cross is None else total + cross
    length = x[1] if len(x) == 3 and cfg["batch_first"] else x[0]
    if total is None or not is_int(length):
        return None
    return total + length * 2 * d * ff


class TransformerEncoderLayer(Layer):
    name = "TransformerEncoderLayer"
    qualnames = ("torch.nn.TransformerEncoderLayer", "torch.nn.modules.transformer.TransformerEncoderLayer")
    signature = (Param("d_model"), Param("nhead")) + _common() + _TAIL
    seed_keeps_leading = True  # 2-D or 3-D: only the features are its own

    def check(self, cfg: Bound) -> Optional[Failure]:
        return _check(self.name, cfg)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else None
        if x is None:
            return Result(None)
        return Result(tuple(x), _self_block(self.name, cfg, x, "src"))

    def params(self, cfg: Bound) -> Optional[int]:
        return _layer_params(cfg, decoder=False)

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        return _layer_macs(cfg, inputs[0] if inputs else None, inputs[1] if len(inputs) > 1 else None, self.n_inputs == 2)

    def seed(self, cfg: Bound) -> Optional[Shape]:
        d = cfg["d_model"]
        return (None, None, d) if is_int(d) else None


class TransformerDecoderLayer(TransformerEncoderLayer):
    name = "TransformerDecoderLayer"
    qualnames = ("torch.nn.TransformerDecoderLayer", "torch.nn.modules.transformer.TransformerDecoderLayer")
    n_inputs = 2

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        tgt = inputs[0] if inputs else None
        memory = inputs[1] if len(inputs) > 1 else None
        if tgt is None:
            return Result(None)
        failure = _self_block(self.name, cfg, tgt, "tgt")
        if failure is None and memory is not None:
            failure = _cross_block(self.name, cfg, tgt, memory)
        return Result(tuple(tgt), failure)

    def params(self, cfg: Bound) -> Optional[int]:
        return _layer_params(cfg, decoder=True)


class Transformer(Layer):
    """``nn.Transformer(src, tgt)``: torch's own checks on src and tgt, then the encoder
    layers on src and the decoder layers on tgt with the encoder's output as memory."""

    name = "Transformer"
    qualnames = ("torch.nn.Transformer", "torch.nn.modules.transformer.Transformer")
    signature = (
        Param("d_model", 512),
        Param("nhead", 8),
        Param("num_encoder_layers", 6),
        Param("num_decoder_layers", 6),
    ) + _common() + (Param("custom_encoder", None), Param("custom_decoder", None)) + _TAIL
    n_inputs = 2

    def check(self, cfg: Bound) -> Optional[Failure]:
        return _check(self.name, cfg)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        src = inputs[0] if inputs else None
        tgt = inputs[1] if len(inputs) > 1 else None
        if src is None or tgt is None:
            return Result(None if tgt is None else tuple(tgt))
        d, first = cfg["d_model"], cfg["batch_first"]
        if first not in (True, False):
            return Result(None)
        a = 0 if first else 1
        if min(len(src), len(tgt)) <= a:  # torch reads both batch sizes before it asks whether src is batched
            return Result(None, Failure(RANK, f"Transformer: src {fmt_shape(src)} and tgt {fmt_shape(tgt)} need a dim {a}"))
        if len(src) == 3:
            sb, tb = src[a], tgt[a]
            if is_int(sb) and is_int(tb) and sb != tb:
                return Result(tuple(tgt), Failure(MERGE, f"Transformer: src {fmt_shape(src)} and tgt {fmt_shape(tgt)} have different batch sizes"))
        for what, t in (("src", src), ("tgt", tgt)):
            if t and is_int(t[-1]) and is_int(d) and t[-1] != d:
                return Result(tuple(tgt), Failure(FEATURES, f"Transformer expects {what} with d_model={d} features, got {fmt_shape(t)}", arg="d_model"))
        if cfg["custom_encoder"] is not None or cfg["custom_decoder"] is not None:
            return Result(tuple(tgt))
        layers = (cfg["num_encoder_layers"], cfg["num_decoder_layers"])
        failure = _self_block(self.name, cfg, src, "src") if is_int(layers[0]) and layers[0] > 0 else None
        if failure is None and is_int(layers[1]) and layers[1] > 0:
            failure = _self_block(self.name, cfg, tgt, "tgt") or _cross_block(self.name, cfg, tgt, src)
        return Result(tuple(tgt), failure)

    def params(self, cfg: Bound) -> Optional[int]:
        if cfg["custom_encoder"] is not None or cfg["custom_decoder"] is not None:
            return None
        n_enc, n_dec, d, bias = cfg["num_encoder_layers"], cfg["num_decoder_layers"], cfg["d_model"], cfg["bias"]
        enc, dec = _layer_params(cfg, False), _layer_params(cfg, True)
        if not (is_int(n_enc) and is_int(n_dec) and is_int(d) and known(bias)) or enc is None or dec is None:
            return None
        norm = d + (d if bias else 0)
        return n_enc * enc + n_dec * dec + 2 * norm

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        src = inputs[0] if inputs else None
        tgt = inputs[1] if len(inputs) > 1 else None
        n_enc, n_dec = cfg["num_encoder_layers"], cfg["num_decoder_layers"]
        enc, dec = _layer_macs(cfg, src, None, False), _layer_macs(cfg, tgt, src, True)
        if not (is_int(n_enc) and is_int(n_dec)) or enc is None or dec is None:
            return None
        return n_enc * enc + n_dec * dec


LAYERS = [TransformerEncoderLayer(), TransformerDecoderLayer(), Transformer()]
