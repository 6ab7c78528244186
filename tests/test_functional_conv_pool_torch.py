"""Functional convolutions and poolings against torch: tensors as arguments, valid and invalid."""

import torch.nn.functional as F
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional
from test_conv_torch import draw_channels, draw_geometry, draw_input
from test_pool_torch import adaptive_case, pool_case

FAMILY = "functional-conv-pool"


@st.composite
def conv_call(draw):
    dims = draw(st.sampled_from([1, 2, 3]))
    transposed = draw(st.booleans())
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    # weight: (out, in/groups, *k) or, transposed, (in, out/groups, *k); the first dim
    # is now and then not divisible by groups
    first = draw(st.integers(1, 3)) * draw(st.sampled_from([1, groups, groups, groups]))
    second = draw(st.integers(1, 3))
    weight = (first, second) + kernel
    weight_rank = draw(st.sampled_from([0] * 14 + [-1, 1]))
    if weight_rank < 0:
        weight = weight[:-1]
    elif weight_rank > 0:
        weight = weight + (draw(st.integers(1, 2)),)
    out_channels = second * groups if transposed else first
    in_channels = first if transposed else second * groups
    kw = {}
    if draw(st.booleans()):
        kw["bias"] = T((out_channels,))
    elif draw(st.booleans()):
        kw["bias"] = None
    kw.update(draw_geometry(draw, dims, transposed, groups))
    shape = draw_input(draw, draw_channels(draw, in_channels), dims)
    fname = f"conv{'_transpose' if transposed else ''}{dims}d"
    kw = {"input": T(shape), "weight": T(weight), **kw}
    order = ["input", "weight", "bias", "stride", "padding"]
    args, kwargs = split_positional(kw, order, draw(st.integers(1, 5)))
    return fname, args, kwargs


POOL_ORDER = {
    "max": ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"],
    "avg": ["input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"],
    "adaptive": ["input", "output_size", "return_indices"],
}


@st.composite
def pool_call(draw):
    kind = draw(st.sampled_from(["max", "avg", "adaptive"]))
    if kind == "adaptive":
        name, args, kwargs, shape = draw(adaptive_case())
        which = "adaptive_avg" if "Avg" in name else "adaptive_max"
        fname = f"{which}_pool{name[-2]}d"
    else:
        name, args, kwargs, shape = draw(pool_case(kind))
        fname = f"{kind}_pool{name[-2]}d"
    order = POOL_ORDER[kind]
    kw = dict(zip(order[1:], args), **kwargs)
    kw["input"] = T(shape)
    args, kwargs = split_positional(kw, order, draw(st.integers(1, len(order))))
    return fname, args, kwargs


@settings(max_examples=CASES_PER_FAMILY)
@given(conv_call())
def test_functional_conv_agrees_with_torch(call):
    fname, args, kwargs = call
    agree(FAMILY, f"torch.nn.functional.{fname}", args, kwargs, fn=getattr(F, fname))


@settings(max_examples=CASES_PER_FAMILY)
@given(pool_call())
def test_functional_pool_agrees_with_torch(call):
    fname, args, kwargs = call
    agree(FAMILY, f"torch.nn.functional.{fname}", args, kwargs, fn=getattr(F, fname))
