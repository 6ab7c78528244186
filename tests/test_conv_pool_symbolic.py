"""Symbolic ('N'), unknown (None) dims and UNKNOWN arguments never produce a failure in the
conv and pooling algebra; whatever depends on them comes out as None."""

import pytest
from shapelint.layers import UNKNOWN, lookup


def run(qualname, args, kwargs, *inputs):
    layer = lookup(qualname)
    cfg = layer.bind(args, kwargs)
    res = layer.apply(cfg, *inputs)
    assert res.failure is None, res.failure
    return layer, cfg, res.shape


def test_conv_passes_symbolic_batch_and_computes_known_sizes():
    _, _, shape = run("torch.nn.Conv2d", [3, 16, 3], {}, ("N", 3, 32, 32))
    assert shape == ("N", 16, 30, 30)


def test_conv_symbolic_or_unknown_spatial_dims_give_none():
    assert run("torch.nn.Conv2d", [3, 16, 3], {}, ("N", 3, "H", "W"))[2] == ("N", 16, None, None)
    assert run("torch.nn.Conv1d", [3, 16, 3], {}, (None, 3, None))[2] == (None, 16, None)


def test_conv_unknown_channels_skip_the_channel_check():
    assert run("torch.nn.Conv2d", [3, 16, 3], {}, ("N", "C", 8, 8))[2] == ("N", 16, 6, 6)
    assert run("torch.nn.Conv2d", [3, 16, 3], {}, ("N", None, 8, 8))[2] == ("N", 16, 6, 6)
    layer, cfg, shape = run("torch.nn.Conv2d", [UNKNOWN, 16, 3], {}, ("N", 5, 8, 8))
    assert shape == ("N", 16, 6, 6)
    assert layer.params(cfg) is None


@pytest.mark.parametrize(
    "kwargs",
    [{"kernel_size": UNKNOWN}, {"kernel_size": 3, "stride": UNKNOWN}, {"kernel_size": 3, "padding": UNKNOWN},
     {"kernel_size": (3, UNKNOWN)}, {"kernel_size": 3, "dilation": UNKNOWN}, {"kernel_size": 3, "groups": UNKNOWN}],
)
def test_conv_unknown_geometry_gives_none_and_no_failure(kwargs):
    layer, cfg, shape = run("torch.nn.Conv2d", [4, 8], kwargs, ("N", 4, 9, 9))
    assert shape[:2] == ("N", 8)
    if "groups" not in kwargs:
        assert None in shape[2:]
    assert layer.macs(cfg, [("N", 4, 9, 9)], shape) is None


def test_conv_unknown_out_channels():
    assert run("torch.nn.Conv2d", [3, UNKNOWN, 3], {}, (2, 3, 8, 8))[2] == (2, None, 6, 6)


def test_conv_transpose_empty_output_with_symbolic_batch_is_not_guessed():
    # an output of 0 is accepted or refused depending on torch's backend, which depends on
    # the batch size: with a symbolic batch the algebra must stay silent
    _, _, shape = run("torch.nn.ConvTranspose1d", [1, 1, 1], {"padding": 3}, ("N", 1, 6))
    assert shape == ("N", 1, 0)
    _, _, shape = run("torch.nn.ConvTranspose2d", [1, 1, 1], {"padding": 3}, ("N", 1, "H", 6))
    assert shape == ("N", 1, None, 0)


def test_conv_unknown_input_gives_none():
    assert run("torch.nn.Conv2d", [3, 16, 3], {})[2] is None
    layer = lookup("torch.nn.Conv2d")
    assert layer.apply(layer.bind([3, 16, 3], {}), None).shape is None


def test_functional_conv_unknown_weight_or_dims():
    assert run("torch.nn.functional.conv2d", [("N", 3, 8, 8), None], {})[2] is None
    assert run("torch.nn.functional.conv2d", [("N", 3, 8, 8), ("O", 3, 3, 3)], {})[2] == ("N", "O", 6, 6)
    assert run("torch.nn.functional.conv2d", [("N", "C", "H", 8), (4, 3, 3, 3)], {})[2] == ("N", 4, None, 6)
    assert run("torch.nn.functional.conv2d", [("N", 3, 8, 8), (4, 3, "K", 3)], {})[2] == ("N", 4, None, 6)
    assert run("torch.nn.functional.conv2d", [None, (4, 3, 3, 3)], {})[2] is None
    assert run("torch.nn.functional.conv2d", [(2, 6, 8, 8), (4, 3, 3, 3)], {"groups": UNKNOWN})[2] == (2, 4, 6, 6)
    assert run("torch.nn.functional.conv_transpose2d", [(2, 6, 8, 8), (6, 3, 3, 3)], {"stride": UNKNOWN})[2] == (2, 3, None, None)


@pytest.mark.parametrize("qualname", ["torch.nn.MaxPool2d", "torch.nn.AvgPool2d"])
def test_pool_symbolic_dims(qualname):
    assert run(qualname, [2], {}, ("N", "C", 32, 32))[2] == ("N", "C", 16, 16)
    assert run(qualname, [2], {}, ("N", "C", "H", None))[2] == ("N", "C", None, None)
    assert run(qualname, [2], {})[2] is None


@pytest.mark.parametrize(
    "qualname, kwargs",
    [("torch.nn.MaxPool2d", {"kernel_size": UNKNOWN}), ("torch.nn.MaxPool2d", {"kernel_size": 2, "stride": UNKNOWN}),
     ("torch.nn.MaxPool2d", {"kernel_size": 2, "padding": UNKNOWN}), ("torch.nn.MaxPool2d", {"kernel_size": 2, "dilation": UNKNOWN}),
     ("torch.nn.MaxPool2d", {"kernel_size": 2, "ceil_mode": UNKNOWN}), ("torch.nn.AvgPool3d", {"kernel_size": (2, UNKNOWN, 2)}),
     ("torch.nn.AvgPool2d", {"kernel_size": 2, "divisor_override": UNKNOWN}), ("torch.nn.MaxPool1d", {"kernel_size": UNKNOWN})],
)
def test_pool_unknown_arguments_give_none_and_no_failure(qualname, kwargs):
    dims = int(qualname[-2])
    shape = run(qualname, [], kwargs, ("N", 3) + (8,) * dims)[2]
    assert shape[:2] == ("N", 3)
    if "divisor_override" not in kwargs:
        assert None in shape[2:]


def test_adaptive_pool_symbolic_and_unknown():
    assert run("torch.nn.AdaptiveAvgPool2d", [(None, 7)], {}, ("N", "C", "H", "W"))[2] == ("N", "C", "H", 7)
    assert run("torch.nn.AdaptiveMaxPool2d", [UNKNOWN], {}, ("N", "C", "H", "W"))[2] == ("N", "C", None, None)
    assert run("torch.nn.AdaptiveAvgPool3d", [(2, UNKNOWN, None)], {}, ("N", 3, 4, 4, "W"))[2] == ("N", 3, 2, None, "W")
    assert run("torch.nn.AdaptiveAvgPool1d", [UNKNOWN], {}, ("N", 3, 9))[2] == ("N", 3, None)
    assert run("torch.nn.AdaptiveAvgPool2d", [1], {})[2] is None


def test_adaptive_avg_pool_uncertain_mean_path_is_not_guessed():
    # torch pools to all-ones as a mean over the last dims, whatever the rank; with a 5-D
    # input whether (None, 1) is all ones depends on a symbolic dim: no guess either way
    assert run("torch.nn.AdaptiveAvgPool2d", [(None, 1)], {}, ("N", 2, 3, "H", 5))[2] is None
    assert run("torch.nn.AdaptiveAvgPool2d", [(None, 1)], {}, ("N", 2, 3, 1, 5))[2] == ("N", 2, 3, 1, 1)


def test_functional_pool_symbolic():
    assert run("torch.nn.functional.max_pool2d", [("N", 3, "H", 32), 2], {})[2] == ("N", 3, None, 16)
    assert run("torch.nn.functional.avg_pool1d", [None, 2], {})[2] is None
    assert run("torch.nn.functional.adaptive_max_pool2d", [("N", 3, "H", 32), (None, 4)], {})[2] == ("N", 3, "H", 4)
