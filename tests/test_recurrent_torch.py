"""RNN, LSTM and GRU against torch: drawn configurations and inputs, every returned tensor."""

import torch
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional

from shapelint.layers import lookup


@st.composite
def recurrent_case(draw):
    mode = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    size = draw(st.integers(1, 5))
    hidden = draw(st.integers(1, 6))
    kw = {"input_size": size, "hidden_size": hidden}
    if draw(st.booleans()):
        kw["num_layers"] = draw(st.sampled_from([1, 2, 3, 0]))
    if mode == "RNN" and draw(st.integers(0, 3)) == 0:
        kw["nonlinearity"] = draw(st.sampled_from(["tanh", "relu", "sigmoid"]))
    for flag in ("bias", "batch_first", "bidirectional"):
        if draw(st.booleans()):
            kw[flag] = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        kw["dropout"] = draw(st.sampled_from([0.0, 0.5, 1.5]))
    if mode == "LSTM" and draw(st.booleans()):
        kw["proj_size"] = draw(st.integers(0, 7))
    order = ["input_size", "hidden_size", "num_layers"] + (["nonlinearity"] if mode == "RNN" else []) + ["bias", "batch_first"]
    args, kwargs = split_positional(kw, order, draw(st.integers(0, 4)))
    rank = draw(st.sampled_from([2, 3, 3, 3, 1, 4]))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(rank - 1)) + (draw(st.sampled_from([size, size, size, size + 1])),)
    return mode, args, kwargs, shape


@settings(max_examples=CASES_PER_FAMILY)
@given(recurrent_case())
def test_recurrent_agrees_with_torch(case):
    mode, args, kwargs, shape = case
    agree("recurrent", f"torch.nn.{mode}", args, kwargs, [T(shape)])


def _shapes(out):
    return tuple(_shapes(o) for o in out) if isinstance(out, tuple) else tuple(out.shape)


@settings(max_examples=300)
@given(recurrent_case())
def test_hidden_states_match_torch(case):
    mode, args, kwargs, shape = case
    try:
        model = getattr(torch.nn, mode)(*args, **kwargs)
        truth = _shapes(model(torch.zeros(shape)))
    except Exception:  # refused: the conformance test above checks those
        return
    layer = lookup(f"torch.nn.{mode}")
    res = layer.apply(layer.bind(args, kwargs), shape)
    assert res.outputs == truth


@st.composite
def with_states(draw):
    """A case plus an initial state drawn from the expected one, sometimes one size or the rank off."""
    mode, args, kwargs, shape = draw(recurrent_case())
    kw = dict(zip(["input_size", "hidden_size", "num_layers"], args))
    kw.update(kwargs)
    layers = kw.get("num_layers", 1)
    if layers <= 0 or len(shape) not in (2, 3):
        return mode, args, kwargs, [T(shape)]
    dirs = 2 if kw.get("bidirectional") else 1
    hidden = kw["hidden_size"]
    out = kw.get("proj_size") or hidden
    if len(shape) == 3:
        batch = (shape[0] if kw.get("batch_first") else shape[1],)
    else:
        batch = ()

    def state(width):
        s = [layers * dirs, *batch, width]
        if draw(st.integers(0, 3)) == 0:
            i = draw(st.integers(0, len(s) - 1))
            s[i] += 1
        if draw(st.integers(0, 9)) == 0:
            s = s[1:] if len(s) == 3 else [1] + s
        return T(tuple(s))

    h0 = state(out)
    return mode, args, kwargs, [T(shape), (h0, state(hidden)) if mode == "LSTM" else h0]


@settings(max_examples=CASES_PER_FAMILY)
@given(with_states())
def test_initial_states_agree_with_torch(case):
    mode, args, kwargs, inputs = case
    agree("recurrent-states", f"torch.nn.{mode}", args, kwargs, inputs)
