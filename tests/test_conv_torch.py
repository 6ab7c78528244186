"""Convolutions against torch: drawn configurations and inputs, valid and invalid."""

from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional


def per_dim(dims, elem):
    return st.one_of(elem, st.tuples(*[elem] * dims))


@st.composite
def conv_case(draw, transposed):
    dims = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    cin = draw(st.integers(1, 3)) * draw(st.sampled_from([1, groups, groups]))
    cout = draw(st.integers(1, 3)) * draw(st.sampled_from([1, groups, groups]))
    kw = {"in_channels": cin, "out_channels": cout, "kernel_size": draw(per_dim(dims, st.integers(1, 4)))}
    if draw(st.booleans()):
        kw["stride"] = draw(per_dim(dims, st.integers(1, 3)))
    if draw(st.booleans()):
        if not transposed and draw(st.integers(0, 3)) == 0:
            kw["padding"] = draw(st.sampled_from(["same", "valid"]))
        else:
            kw["padding"] = draw(per_dim(dims, st.integers(0, 3)))
    if transposed and draw(st.booleans()):
        kw["output_padding"] = draw(per_dim(dims, st.integers(0, 2)))
    if draw(st.booleans()):
        kw["dilation"] = draw(per_dim(dims, st.integers(1, 3)))
    if groups != 1:
        kw["groups"] = groups
    kw["bias"] = draw(st.booleans())
    channels = draw(st.sampled_from([cin, cin, cin, draw(st.integers(1, 6))]))
    spatial = tuple(draw(st.integers(1, 9)) for _ in range(dims))
    shape = ((2,) if draw(st.booleans()) else ()) + (channels,) + spatial
    rank_off = draw(st.sampled_from([0] * 12 + [-1, 1]))
    if rank_off < 0:
        shape = shape[1:]
    elif rank_off > 0:
        shape = (1,) + shape
    name = f"Conv{'Transpose' if transposed else ''}{dims}d"
    order = ["in_channels", "out_channels", "kernel_size", "stride", "padding"]
    args, kwargs = split_positional(kw, order, draw(st.integers(0, 5)))
    return name, args, kwargs, shape


@settings(max_examples=CASES_PER_FAMILY)
@given(conv_case(transposed=False))
def test_conv_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("conv", f"torch.nn.{name}", args, kwargs, [T(shape)])


@settings(max_examples=CASES_PER_FAMILY)
@given(conv_case(transposed=True))
def test_conv_transpose_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("conv-transpose", f"torch.nn.{name}", args, kwargs, [T(shape)])
