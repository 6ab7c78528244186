"""nn.TransformerEncoderLayer, TransformerDecoderLayer and Transformer against torch: drawn
widths, heads, layouts and inputs (right and wrong), parameter counts."""

from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional


@st.composite
def config(draw, full=False):
    h = draw(st.integers(1, 3))
    d = h * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 0, 0, 1]))
    kw = {"d_model": d, "nhead": h, "dim_feedforward": draw(st.integers(1, 8))}
    if full:
        kw["num_encoder_layers"] = draw(st.integers(1, 2))  # no layers: torch fails indexing them (not modelled)
        kw["num_decoder_layers"] = draw(st.integers(1, 2))
    for flag in ("batch_first", "norm_first", "bias"):
        if draw(st.booleans()):
            kw[flag] = draw(st.booleans())
    if draw(st.integers(0, 7)) == 0:
        kw["activation"] = draw(st.sampled_from(["gelu", "tanh"]))
    if draw(st.integers(0, 9)) == 0:
        kw["dropout"] = draw(st.sampled_from([0.0, 1.5]))
    order = ["d_model", "nhead"] + (["num_encoder_layers", "num_decoder_layers"] if full else []) + ["dim_feedforward"]
    args, kwargs = split_positional(kw, order, draw(st.integers(0, len(order))))
    return args, kwargs, kw


@st.composite
def sequence(draw, d, first, batch):
    rank = draw(st.sampled_from([3, 3, 3, 2, 2, 1, 4]))
    length = draw(st.integers(1, 3))
    feat = draw(st.sampled_from([d, d, d, d + 1]))
    if rank == 3:
        return (batch, length, feat) if first else (length, batch, feat)
    if rank == 2:
        return (length, feat)
    return (feat,) if rank == 1 else (1, length, batch, feat)


@settings(max_examples=min(CASES_PER_FAMILY, 300))  # each case builds transformer modules: slow
@given(st.data())
def test_encoder_layer_agrees_with_torch(data):
    args, kwargs, kw = data.draw(config())
    batch = data.draw(st.integers(1, 2))
    x = data.draw(sequence(kw["d_model"], kw.get("batch_first", False), batch))
    agree("transformer", "torch.nn.TransformerEncoderLayer", args, kwargs, [T(x)])


@settings(max_examples=min(CASES_PER_FAMILY, 300))  # each case builds transformer modules: slow
@given(st.data(), st.sampled_from(["TransformerDecoderLayer", "Transformer"]))
def test_decoder_and_transformer_agree_with_torch(data, name):
    args, kwargs, kw = data.draw(config(full=name == "Transformer"))
    first = kw.get("batch_first", False)
    batch = data.draw(st.integers(1, 2))
    a = data.draw(sequence(kw["d_model"], first, batch))
    b = data.draw(sequence(kw["d_model"], first, data.draw(st.sampled_from([batch, batch, batch + 1]))))
    agree("transformer", f"torch.nn.{name}", args, kwargs, [T(a), T(b)])
