"""Convolutions against torch: drawn configurations and inputs, valid and invalid."""

from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, check_quirk, split_positional


def per_dim(dims, elem):
    return st.one_of(elem, st.tuples(*[elem] * dims))


def draw_geometry(draw, dims, transposed, groups):
    """stride, padding (also 'same'/'valid'), output_padding, dilation and groups of a conv."""
    kw = {}
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
    return kw


def draw_channels(draw, in_channels):
    """Mostly the channels a layer expects, sometimes others."""
    return draw(st.sampled_from([in_channels] * 3 + [draw(st.integers(1, 6))]))


def draw_input(draw, channels, dims):
    """An input with these channels and random spatial sizes, batched or not, now and then of a wrong rank."""
    spatial = tuple(draw(st.integers(1, 9)) for _ in range(dims))
    shape = ((2,) if draw(st.booleans()) else ()) + (channels,) + spatial
    rank_off = draw(st.sampled_from([0] * 12 + [-1, 1]))
    if rank_off < 0:
        shape = shape[1:]
    elif rank_off > 0:
        shape = (1,) + shape
    return shape


@st.composite
def conv_case(draw, transposed):
    dims = draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    cin = draw(st.integers(1, 3)) * draw(st.sampled_from([1, groups, groups]))
    cout = draw(st.integers(1, 3)) * draw(st.sampled_from([1, groups, groups]))
    kw = {"in_channels": cin, "out_channels": cout, "kernel_size": draw(per_dim(dims, st.integers(1, 4)))}
    kw.update(draw_geometry(draw, dims, transposed, groups))
    kw["bias"] = draw(st.booleans())
    shape = draw_input(draw, draw_channels(draw, cin), dims)
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


# --- the worked examples of FORMULAS.md, checked against the algebra and against torch ---

import pytest  # noqa: E402
import torch  # noqa: E402
from shapelint.layers import lookup  # noqa: E402


def algebra(qualname, args, kwargs, shape):
    layer = lookup(qualname)
    cfg = layer.bind(args, kwargs)
    res = layer.apply(cfg, shape)
    assert res.failure is None, res.failure
    return layer, cfg, res.shape


@pytest.mark.parametrize("stride, side", [(1, 5), (2, 3)])
def test_worked_example_7x7_input_3x3_kernel(stride, side):
    _, _, shape = algebra("torch.nn.Conv2d", [1, 1, 3], {"stride": stride}, (1, 1, 7, 7))
    assert shape == (1, 1, side, side)
    assert tuple(torch.nn.Conv2d(1, 1, 3, stride=stride)(torch.zeros(1, 1, 7, 7)).shape) == shape
    agree("conv", "torch.nn.Conv2d", [1, 1, 3], {"stride": stride}, [T((1, 1, 7, 7))])


def test_worked_example_5x5_conv_to_256_channels():
    layer, cfg, shape = algebra("torch.nn.Conv2d", [128, 256, 5], {"padding": 2}, (1, 128, 100, 100))
    assert shape == (1, 256, 100, 100)
    assert layer.params(cfg) == 5 * 5 * 128 * 256 + 256 == 819_456
    assert layer.macs(cfg, [(1, 128, 100, 100)], shape) == 100 * 100 * 256 * 128 * 25  # about 8.19e9
    conv = torch.nn.Conv2d(128, 256, 5, padding=2)
    assert sum(p.numel() for p in conv.parameters()) == 819_456
    with torch.no_grad():
        assert tuple(conv(torch.zeros(1, 128, 100, 100)).shape) == shape


@pytest.mark.parametrize("s", [2, 4])
def test_worked_example_transposed_conv_scales_by_stride(s):
    kw = {"kernel_size": 2 * s, "stride": s, "padding": s // 2}
    _, _, shape = algebra("torch.nn.ConvTranspose2d", [3, 3], kw, (1, 3, 5, 7))
    assert shape == (1, 3, 5 * s, 7 * s)
    assert tuple(torch.nn.ConvTranspose2d(3, 3, **kw)(torch.zeros(1, 3, 5, 7)).shape) == shape
    agree("conv-transpose", "torch.nn.ConvTranspose2d", [3, 3], kw, [T((1, 3, 5, 7))])


# --- torch behaviours the algebra reproduces (each also checked against torch) -----------

QUIRKS = [
    # an empty (0-length) transposed-conv output: oneDNN returns it, the slow path refuses
    ("ConvTranspose1d", [1, 1, 1], {"padding": 3}, (2, 1, 6), (2, 1, 0)),  # batch 2: oneDNN
    ("ConvTranspose1d", [1, 1, 1], {"padding": 3}, (1, 6), "spatial-collapse"),  # 1 sample: slow path
    ("ConvTranspose1d", [1, 1, 1], {"padding": 4}, (2, 1, 6), "spatial-collapse"),  # below 0: refused
    ("ConvTranspose2d", [2, 2, 1], {"padding": (3, 0), "groups": 2}, (2, 6, 6), (2, 0, 6)),  # groups: oneDNN
    # output_padding >= stride (but < dilation) leaves oneDNN for the slow path
    ("ConvTranspose1d", [1, 1, 1], {"padding": 2, "output_padding": 1, "dilation": 2}, (2, 1, 3), "spatial-collapse"),
]


@pytest.mark.parametrize("name, args, kwargs, shape, expected", QUIRKS)
def test_torch_conv_quirks(name, args, kwargs, shape, expected):
    check_quirk("conv-transpose" if "Transpose" in name else "conv", name, args, kwargs, shape, expected)
