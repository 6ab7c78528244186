"""Pooling modules against torch: drawn configurations and inputs, valid and invalid."""

from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, check_quirk, split_positional
from test_conv_torch import draw_input


def per_dim(dims, elem):
    return st.one_of(elem, st.tuples(*[elem] * dims))


@st.composite
def sizes(draw, lo, hi, bad, percent=5):
    """Mostly in [lo, hi], now and then (``percent`` in 100) a value torch refuses (``bad``)."""
    if draw(st.integers(0, 99)) in range(40, 40 + percent):  # mid-range, so hypothesis does not favour it
        return draw(st.sampled_from(bad))
    return draw(st.integers(lo, hi))


@st.composite
def input_shape(draw, dims):
    return draw_input(draw, draw(st.integers(1, 3)), dims)


@st.composite
def pool_case(draw, kind):
    dims = draw(st.sampled_from([1, 2, 3]))
    kw = {"kernel_size": draw(per_dim(dims, sizes(1, 5, [0, -1])))}
    stride = draw(st.sampled_from(["absent", None, "int"]))
    if stride is None:
        kw["stride"] = None
    elif stride == "int":
        kw["stride"] = draw(per_dim(dims, sizes(1, 3, [0, -1])))
    if draw(st.integers(0, 2)) == 0:  # often too large for a small kernel
        kw["padding"] = draw(per_dim(dims, sizes(0, 2, [-1, 3])))
    if kind == "max":
        if draw(st.booleans()):
            kw["dilation"] = draw(per_dim(dims, sizes(1, 3, [0, -1])))
        if draw(st.booleans()):
            kw["return_indices"] = draw(st.booleans())
    else:
        if draw(st.booleans()):
            kw["count_include_pad"] = draw(st.booleans())
        if dims > 1 and draw(st.booleans()):
            kw["divisor_override"] = draw(st.sampled_from([None, 1, 3, 5, 0]))
    if draw(st.booleans()):
        kw["ceil_mode"] = draw(st.booleans())
    name = f"{kind.capitalize()}Pool{dims}d"
    order = ["kernel_size", "stride", "padding"]
    args, kwargs = split_positional(kw, order, draw(st.integers(0, 3)))
    return name, args, kwargs, draw(input_shape(dims))


@st.composite
def adaptive_case(draw):
    dims = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["Avg", "Max"]))
    entry = sizes(0, 6, [-1, -2], percent=25)
    if draw(st.booleans()):
        size = draw(entry)
    elif dims == 1:
        size = (draw(entry),)
    else:  # a None entry keeps that input dimension
        size = tuple(draw(st.one_of(entry, entry, st.none())) for _ in range(dims))
    kw = {"output_size": size}
    if kind == "Max" and draw(st.booleans()):
        kw["return_indices"] = draw(st.booleans())
    name = f"Adaptive{kind}Pool{dims}d"
    args, kwargs = split_positional(kw, ["output_size"], draw(st.integers(0, 1)))
    return name, args, kwargs, draw(input_shape(dims))


@settings(max_examples=CASES_PER_FAMILY)
@given(pool_case("max"))
def test_max_pool_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("max-pool", f"torch.nn.{name}", args, kwargs, [T(shape)])


@settings(max_examples=CASES_PER_FAMILY)
@given(pool_case("avg"))
def test_avg_pool_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("avg-pool", f"torch.nn.{name}", args, kwargs, [T(shape)])


@settings(max_examples=CASES_PER_FAMILY)
@given(adaptive_case())
def test_adaptive_pool_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("adaptive-pool", f"torch.nn.{name}", args, kwargs, [T(shape)])


# --- the worked examples of FORMULAS.md, checked against the algebra and against torch ---

import pytest  # noqa: E402
import torch  # noqa: E402
from shapelint.layers import lookup  # noqa: E402


@pytest.mark.parametrize("kernel, side", [(2, 16), (3, 10)])
def test_worked_example_max_pool_on_32x32(kernel, side):
    layer = lookup("torch.nn.MaxPool2d")
    res = layer.apply(layer.bind([kernel], {}), (3, 32, 32))
    assert res.failure is None and res.shape == (3, side, side)
    assert tuple(torch.nn.MaxPool2d(kernel)(torch.zeros(3, 32, 32)).shape) == res.shape
    agree("max-pool", "torch.nn.MaxPool2d", [kernel], {}, [T((3, 32, 32))])


# --- torch behaviours the algebra reproduces (each also checked against torch) -----------

QUIRKS = [
    # padding is limited by half the kernel, not half the dilated kernel
    ("MaxPool2d", [3], {"padding": 2, "dilation": 2}, (1, 5, 5), "invalid-layer-args"),
    ("MaxPool1d", [3], {"padding": 2, "dilation": 2, "return_indices": True}, (1, 5), "invalid-layer-args"),
    ("MaxPool3d", [3], {"padding": 2, "dilation": 2}, (1, 5, 5, 5), "invalid-layer-args"),
    # ceil_mode: the last window must start inside the input or the left padding
    ("MaxPool2d", [2], {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 4, 4), (1, 3, 3)),
    # avg_pool3d refuses an input smaller than the kernel even when padding would cover it
    ("AvgPool3d", [3], {"padding": 1}, (1, 2, 5, 5), "spatial-collapse"),
    ("AvgPool2d", [3], {"padding": 1}, (1, 2, 5), (1, 1, 2)),
    # avg_pool2d checks its arguments before the input's rank (when it has at least 3 dims)
    ("AvgPool2d", [3], {"padding": 2}, (1, 1, 1, 5, 5), "invalid-layer-args"),
    ("AvgPool2d", [3], {"divisor_override": 0}, (1, 5), "invalid-layer-args"),
    ("MaxPool2d", [3], {"padding": 5}, (1, 1, 1, 5, 5), "rank-mismatch"),
    # adaptive average pooling to all ones is a mean over the last dims, whatever the rank
    ("AdaptiveAvgPool2d", [1], {}, (1, 2, 3, 5, 5), (1, 2, 3, 1, 1)),
    ("AdaptiveAvgPool2d", [1], {}, (3, 5), (1, 1)),
    ("AdaptiveAvgPool2d", [(1, 1)], {}, (3, 5), "rank-mismatch"),
    ("AdaptiveAvgPool2d", [2], {}, (1, 2, 3, 5, 5), "rank-mismatch"),
    ("AdaptiveMaxPool2d", [0], {}, (2, 3, 5), (2, 0, 0)),
    ("AdaptiveMaxPool2d", [(2, None)], {}, (2, 3, 5), (2, 2, 5)),
    ("AdaptiveAvgPool1d", [-1], {}, (2, 3, 5), "invalid-layer-args"),
]


@pytest.mark.parametrize("name, args, kwargs, shape, expected", QUIRKS)
def test_torch_pooling_quirks(name, args, kwargs, shape, expected):
    family = "adaptive-pool" if name.startswith("Adaptive") else "max-pool" if "Max" in name else "avg-pool"
    check_quirk(family, name, args, kwargs, shape, expected)
