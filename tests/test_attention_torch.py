"""nn.MultiheadAttention against torch: drawn dims, batch layouts and inputs, both outputs."""

import torch
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional

from shapelint.layers import lookup


@st.composite
def attention_case(draw):
    heads = draw(st.integers(1, 3))
    e = heads * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 0, 1]))  # sometimes not divisible
    kw = {"embed_dim": e, "num_heads": heads}
    kdim = vdim = e
    if draw(st.integers(0, 3)) == 0:
        kdim, vdim = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        kw["kdim"], kw["vdim"] = kdim, vdim
    for flag in ("bias", "add_bias_kv", "add_zero_attn", "batch_first"):
        if draw(st.booleans()):
            kw[flag] = draw(st.booleans())
    args, kwargs = split_positional(kw, ["embed_dim", "num_heads", "dropout"], draw(st.integers(0, 2)))
    batched = draw(st.sampled_from([True, True, True, False]))
    n, lq, s = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    first = kw.get("batch_first", False)

    def shape(length, dim):
        if not batched:
            return (length, dim)
        return (n, length, dim) if first else (length, n, dim)

    qdim = draw(st.sampled_from([e, e, e, e + 1]))
    kd = draw(st.sampled_from([kdim, kdim, kdim, kdim + 1]))
    q = shape(lq, qdim)
    if draw(st.integers(0, 15)) == 0:
        q = (1,) + q  # a rank torch refuses
    return args, kwargs, [T(q), T(shape(s, kd)), T(shape(s, vdim))]


@settings(max_examples=CASES_PER_FAMILY)
@given(attention_case())
def test_attention_agrees_with_torch(case):
    args, kwargs, inputs = case
    agree("attention", "torch.nn.MultiheadAttention", args, kwargs, inputs)


@settings(max_examples=300)
@given(attention_case())
def test_attention_weights_match_torch(case):
    args, kwargs, inputs = case
    try:
        m = torch.nn.MultiheadAttention(*args, **kwargs)
        out, weights = m(*[torch.zeros(t.shape) for t in inputs])
    except Exception:  # refused: checked by the conformance test
        return
    layer = lookup("torch.nn.MultiheadAttention")
    res = layer.apply(layer.bind(args, kwargs), *[t.shape for t in inputs])
    assert res.outputs == (tuple(out.shape), tuple(weights.shape))
