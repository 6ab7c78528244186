"""nn.MultiheadAttention: query/key/value shapes, the attention weights, parameters."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from .core import ARGS, FEATURES, MERGE, RANK, Bound, Failure, Layer, Param, Result, Shape, fmt_shape, is_int, known
from .matmul import matmul
from .tensor import broadcast


class MultiheadAttention(Layer):
    """torch treats it as a composite (``out_proj`` is a child it never calls);
    shapelint treats it as one call with three inputs and two outputs."""

    name = "MultiheadAttention"
    qualnames = ("torch.nn.MultiheadAttention", "torch.nn.modules.activation.MultiheadAttention")
    signature = (
        Param("embed_dim"),
        Param("num_heads"),
        Param("dropout", 0.0),
        Param("bias", True),
        Param("add_bias_kv", False),
        Param("add_zero_attn", False),
        Param("kdim", None),
        Param("vdim", None),
        Param("batch_first", False),
        Param("device", None),
        Param("dtype", None),
    )
    n_inputs = 3

    def check(self, cfg: Bound) -> Optional[Failure]:
        e, h = cfg["embed_dim"], cfg["num_heads"]
        if is_int(e) and e <= 0 or is_int(h) and h <= 0:
            return Failure(ARGS, f"MultiheadAttention embed_dim={e} and num_heads={h} must be positive", arg="num_heads", stage="init")
        if is_int(e) and is_int(h) and e % h:
            return Failure(ARGS, f"MultiheadAttention embed_dim={e} is not divisible by num_heads={h}", arg="num_heads", stage="init")
        return None

    def _dims(self, cfg: Bound) -> Any:
        e = cfg["embed_dim"]
        k = cfg["kdim"] if cfg["kdim"] is not None else e
        v = cfg["vdim"] if cfg["vdim"] is not None else e
        return e, k, v

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        q = inputs[0] if inputs else None
        key = inputs[1] if len(inputs) > 1 else None
        value = inputs[2] if len(inputs) > 2 else None
        if q is None:
            return Result(None)
        if len(q) not in (2, 3):
            return Result(None, Failure(RANK, f"MultiheadAttention expects a 2-D (unbatched) or 3-D query, got {len(q)}-D {fmt_shape(q)}"))
        for name, t in (("key", key), ("value", value)):
            if t is not None and len(t) != len(q):
                return Result(None, Failure(RANK, f"MultiheadAttention {name} {fmt_shape(t)} must have the query's rank ({len(q)}-D)"))
        e, kdim, vdim = self._dims(cfg)
        out = tuple(q[:-1]) + (e if is_int(e) else None,)
        if is_int(q[-1]) and is_int(e) and q[-1] != e:
            return Result(out, Failure(FEATURES, f"MultiheadAttention expects embed_dim={e} but the query has {q[-1]} features", arg="embed_dim", suggestion=q[-1]))
        same = cfg["kdim"] in (None, e) and cfg["vdim"] in (None, e)
        if key is not None and value is not None:
            lead_k, lead_v = key[:-1], value[:-1]
            if any(is_int(a) and is_int(b) and a != b for a, b in zip(lead_k, lead_v)) or (same and is_int(key[-1]) and is_int(value[-1]) and key[-1] != value[-1]):
                return Result(out, Failure(MERGE, f"MultiheadAttention key {fmt_shape(key)} and value {fmt_shape(value)} disagree"))
        for name, t, want in (("key", key, kdim), ("value", value, vdim)):
            if t is not None and is_int(t[-1]) and is_int(want) and t[-1] != want:
                arg = "kdim" if name == "key" and cfg["kdim"] is not None else ("vdim" if cfg["vdim"] is not None else "embed_dim")
                return Result(out, Failure(FEATURES, f"MultiheadAttention expects {name}s with {want} features, got {t[-1]}", arg=arg))
        weights: Optional[Shape] = None
        if key is not None:
            batched = len(q) == 3
            first = cfg["batch_first"]
            extra = int(bool(cfg["add_bias_kv"])) + int(bool(cfg["add_zero_attn"]))
            if batched:
                n = q[0] if first else q[1]
                lq = q[1] if first else q[0]
                s = key[1] if first else key[0]
                s = s + extra if is_int(s) else None
                weights = (n, lq, s)
            else:
                s = key[0] + extra if is_int(key[0]) else None
                weights = (q[0], s)
        return Result(out, None, (out, weights))

    def params(self, cfg: Bound) -> Optional[int]:
        e, kdim, vdim = self._dims(cfg)
        bias, bias_kv = cfg["bias"], cfg["add_bias_kv"]
        if not known(e, kdim, vdim, bias, bias_kv):
            return None
        total = e * e + e * kdim + e * vdim  # the q, k, v projections (packed when dims agree)
        total += (3 * e if bias else 0) + e * e + (e if bias else 0)  # in-proj bias, out_proj
        return total + (2 * e if bias_kv else 0)

    def macs(self, cfg: Bound, inputs: Sequence[Optional[Shape]], output: Optional[Shape]) -> Optional[int]:
        """Per sample: the q, k, v projections, the scores q·kᵀ, the weighted sum of v, out_proj."""
        q = inputs[0] if inputs else None
        key = inputs[1] if len(inputs) > 1 else None
        e, kdim, vdim = self._dims(cfg)
        if q is None or key is None or not known(e, kdim, vdim):
            return None
        first = cfg["batch_first"] and len(q) == 3
        lq = q[1] if first else q[0]
        s = key[1] if first else key[0]
        if not (is_int(lq) and is_int(s)):
            return None
        return lq * e * e + s * e * (kdim + vdim) + 2 * lq * s * e + lq * e * e


class ScaledDotProductAttention(Layer):
    """``F.scaled_dot_product_attention``: q (..., L, E), k (..., S, E), v (..., S, Ev) give
    (..., L, Ev); the leading dims broadcast.  With ``enable_gqa`` the key/value heads
    (dim -3) are repeated up to the query's, which they must divide."""

    name = "F.scaled_dot_product_attention"
    qualnames = ("torch.nn.functional.scaled_dot_product_attention", "torch._C._nn.scaled_dot_product_attention")
    functional = True
    signature = (
        Param("query", tensor=True), Param("key", tensor=True), Param("value", tensor=True), Param("attn_mask", None, tensor=True),
        Param("dropout_p", 0.0), Param("is_causal", False), Param("scale", None, kw_only=True), Param("enable_gqa", False, kw_only=True),
    )

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        q, k, v = cfg["query"], cfg["key"], cfg["value"]
        if q is None or k is None or v is None:
            return Result(None)
        if min(len(q), len(k), len(v)) < 2:
            return Result(None, Failure(RANK, f"scaled_dot_product_attention needs query, key and value of at least 2 dims, got {fmt_shape(q)}, {fmt_shape(k)}, {fmt_shape(v)}"))
        gqa = cfg["enable_gqa"]
        if gqa is not False:
            if gqa is not True:
                return Result(None)
            if min(len(q), len(k), len(v)) < 3:
                return Result(None, Failure(RANK, "scaled_dot_product_attention with enable_gqa needs a heads dim (-3) in query, key and value"))
            hq, hk, hv = q[-3], k[-3], v[-3]
            if is_int(hq) and any(is_int(h) and (h <= 0 or hq % h) for h in (hk, hv)):
                return Result(None, Failure(MERGE, f"scaled_dot_product_attention with enable_gqa: key heads {hk} and value heads {hv} must divide the query heads {hq}"))
            if not (is_int(hq) and is_int(hk) and is_int(hv)):
                return Result(None)
            k = tuple(k[:-3]) + (hq,) + tuple(k[-2:])
            v = tuple(v[:-3]) + (hq,) + tuple(v[-2:])
        scores = matmul(q, tuple(k[:-2]) + (k[-1], k[-2]), "scaled_dot_product_attention")
        if scores.failure is not None:
            return Result(None, scores.failure)
        out = matmul(scores.shape, v, "scaled_dot_product_attention")
        fused = len(q) == len(k) == len(v) == 4 and not (is_int(q[-1]) and is_int(v[-1]) and q[-1] != v[-1])
        if out.failure is not None and fused:
            # torch's fused CPU kernel (4-D, one head size) does not compare value with key: never certain
            lead = broadcast(scores.shape[:-2], v[:-2]).shape if scores.shape is not None else None
            return Result(None if lead is None or scores.shape is None else lead + (scores.shape[-2], v[-1]))
        return out


LAYERS = [MultiheadAttention(), ScaledDotProductAttention()]
