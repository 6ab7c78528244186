"""Normalisation layers against torch: drawn configurations and inputs, valid and invalid."""

from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional


def dims(draw, n, lo=1, hi=3):
    return tuple(draw(st.integers(lo, hi)) for _ in range(n))


def off_by(draw, rank):
    """The right rank most of the time, one more or one fewer sometimes."""
    return max(0, rank + draw(st.sampled_from([0] * 8 + [-1, 1, -2, 2])))


@st.composite
def channel_norm_case(draw):
    family = draw(st.sampled_from(["BatchNorm", "InstanceNorm"]))
    d = draw(st.sampled_from([1, 2, 3]))
    nf = draw(st.integers(1, 4))
    kw = {"num_features": nf}
    if draw(st.booleans()):
        kw["affine"] = draw(st.booleans())
    if draw(st.booleans()):
        kw["track_running_stats"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        kw["momentum"] = draw(st.sampled_from([None, 0.5]))
    if draw(st.integers(0, 5)) == 0:
        kw["bias"] = draw(st.booleans())
    if family == "BatchNorm":
        rank = d + 2 if d > 1 else draw(st.sampled_from([2, 3]))
    else:
        rank = d + draw(st.sampled_from([1, 2]))
    rank = off_by(draw, rank)
    shape = list(dims(draw, rank))
    c_axis = 1 if family == "BatchNorm" else rank - d - 1
    if 0 <= c_axis < rank:
        shape[c_axis] = draw(st.sampled_from([nf, nf, nf, draw(st.integers(1, 5))]))
    order = ["num_features", "eps", "momentum", "affine", "track_running_stats"]
    args, kwargs = split_positional(kw, order, draw(st.integers(0, 1)))
    return f"{family}{d}d", args, kwargs, tuple(shape)


@st.composite
def group_norm_case(draw):
    g = draw(st.integers(1, 3))
    c = draw(st.sampled_from([g * draw(st.integers(1, 3))] * 4 + [draw(st.integers(1, 6))]))
    kw = {"num_groups": g, "num_channels": c}
    if draw(st.booleans()):
        kw["affine"] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        kw["bias"] = draw(st.booleans())
    rank = off_by(draw, draw(st.sampled_from([2, 3, 4])))
    shape = list(dims(draw, rank))
    if rank >= 2:
        shape[1] = draw(st.sampled_from([c, c, c, draw(st.integers(1, 6))]))
    args, kwargs = split_positional(kw, ["num_groups", "num_channels", "eps", "affine"], draw(st.integers(0, 2)))
    return "GroupNorm", args, kwargs, tuple(shape)


@st.composite
def layer_norm_case(draw):
    name = draw(st.sampled_from(["LayerNorm", "RMSNorm"]))
    n = draw(st.sampled_from([1, 1, 2, 2, 3, 3, 0]))
    ns = dims(draw, n)
    normalized = ns[0] if n == 1 and draw(st.booleans()) else draw(st.sampled_from([ns, list(ns)]))
    kw = {"normalized_shape": normalized}
    if draw(st.booleans()):
        kw["elementwise_affine"] = draw(st.booleans())
    if name == "LayerNorm" and draw(st.booleans()):
        kw["bias"] = draw(st.booleans())
    lead = dims(draw, draw(st.integers(0, 2)))
    tail = draw(st.sampled_from([ns, ns, ns, dims(draw, n), dims(draw, draw(st.integers(0, 3)))]))
    shape = lead + tail
    args, kwargs = split_positional(kw, ["normalized_shape", "eps", "elementwise_affine"], draw(st.integers(0, 1)))
    return name, args, kwargs, shape


@st.composite
def lrn_case(draw):
    kw = {"size": draw(st.integers(0, 4))}
    if draw(st.booleans()):
        kw["k"] = 2.0
    shape = dims(draw, draw(st.sampled_from([0, 1, 2, 3, 3, 4, 4, 5])))
    args, kwargs = split_positional(kw, ["size"], draw(st.integers(0, 1)))
    return "LocalResponseNorm", args, kwargs, shape


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(channel_norm_case(), channel_norm_case(), group_norm_case(), layer_norm_case(), lrn_case()))
def test_norm_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("norm", f"torch.nn.{name}", args, kwargs, [T(shape)])
