"""Symbolic ('N'), unknown (None) dims and UNKNOWN arguments never produce a failure in the
linear, norm, reshape/resample/pad and elementwise algebra; what depends on them is None."""

import pytest
from shapelint.layers import UNKNOWN, lookup


def run(qualname, args, kwargs, *inputs):
    layer = lookup(qualname)
    cfg = layer.bind(args, kwargs)
    res = layer.apply(cfg, *inputs)
    assert res.failure is None, res.failure
    return layer, cfg, res.shape


# --- linear ------------------------------------------------------------------------


def test_linear_passes_symbolic_leading_dims():
    assert run("torch.nn.Linear", [128, 10], {}, ("N", "T", 128))[2] == ("N", "T", 10)
    assert run("torch.nn.Linear", [128, 10], {}, ("N", None))[2] == ("N", 10)  # unknown features: no check
    assert run("torch.nn.Linear", [128, 10], {}, ("N", "F"))[2] == ("N", 10)


def test_linear_unknown_arguments():
    layer, cfg, shape = run("torch.nn.Linear", [UNKNOWN, 10], {}, ("N", 77))
    assert shape == ("N", 10)
    assert layer.params(cfg) is None
    assert run("torch.nn.Linear", [77, UNKNOWN], {}, ("N", 77))[2] == ("N", None)
    layer, cfg, shape = run("torch.nn.Linear", [77, 10], {"bias": UNKNOWN}, ("N", 77))
    assert shape == ("N", 10) and layer.params(cfg) is None


def test_functional_linear_symbolic_and_unknown_tensors():
    fn = "torch.nn.functional.linear"
    assert run(fn, [("N", "T", 64), (32, 64)], {})[2] == ("N", "T", 32)
    assert run(fn, [("N", 64), ("O", "I")], {})[2] == ("N", "O")
    assert run(fn, [("N", 64), None], {})[2] is None  # weight of unknown shape
    assert run(fn, [("N", 64), (32, 64)], {"bias": UNKNOWN})[2] == ("N", 32)
    # a 1-D weight with a bias fails only on the fused path, taken when the bias squeezes to 1-D
    assert run(fn, [("N", "T", 64), (64,)], {"bias": ("B", 1)})[2] == ("N", "T")
    assert run(fn, [("N", "T", 64), (32, 64)], {"bias": ("N", 32)})[2] == ("N", "T", 32)  # rows unknown: no check


def test_bilinear_and_embedding_symbolic():
    assert run("torch.nn.Bilinear", [4, 5, 6], {}, ("N", "T", 4), ("N", "T", 5))[2] == ("N", "T", 6)
    assert run("torch.nn.Bilinear", [4, 5, 6], {}, ("N", 4), (None, 5))[2] == ("N", 6)
    layer, cfg, shape = run("torch.nn.Embedding", [UNKNOWN, 8], {"padding_idx": UNKNOWN}, ("N", "T"))
    assert shape == ("N", "T", 8)
    assert layer.params(cfg) is None
    assert run("torch.nn.Embedding", [10, 8], {"padding_idx": UNKNOWN}, ("N", None))[2] == ("N", None, 8)


# --- normalisation -----------------------------------------------------------------


def test_batchnorm_symbolic_batch_is_never_one_value_per_channel():
    assert run("torch.nn.BatchNorm2d", [16], {}, ("N", 16, "H", "W"))[2] == ("N", 16, "H", "W")
    assert run("torch.nn.BatchNorm1d", [16], {"track_running_stats": False}, ("N", 16))[2] == ("N", 16)
    assert run("torch.nn.BatchNorm1d", [16], {"track_running_stats": False}, (1, 16, None))[2] == (1, 16, None)
    assert run("torch.nn.InstanceNorm2d", [16], {}, ("N", 16, "H", 1))[2] == ("N", 16, "H", 1)


@pytest.mark.parametrize(
    "qualname, kwargs",
    [
        ("torch.nn.BatchNorm2d", {"num_features": UNKNOWN}),
        ("torch.nn.BatchNorm2d", {"num_features": 16, "affine": UNKNOWN, "track_running_stats": UNKNOWN}),
        ("torch.nn.BatchNorm2d", {"num_features": 16, "affine": False, "track_running_stats": UNKNOWN}),
        ("torch.nn.InstanceNorm2d", {"num_features": 16, "affine": UNKNOWN}),
        ("torch.nn.InstanceNorm2d", {"num_features": 16, "track_running_stats": UNKNOWN}),
    ],
)
def test_channel_norm_unknown_flags_or_features_never_fail(qualname, kwargs):
    # 32 channels against num_features=16: whether torch minds depends on the unknown flags
    layer, cfg, shape = run(qualname, [], kwargs, (2, 32, 1, 1))
    assert shape == (2, 32, 1, 1)


def test_group_layer_rms_lrn_norm_symbolic_and_unknown():
    assert run("torch.nn.GroupNorm", [4, 32], {}, ("N", "C", 8, 8))[2] == ("N", "C", 8, 8)
    assert run("torch.nn.GroupNorm", [UNKNOWN, 32], {}, (1, 32, 1))[2] == (1, 32, 1)
    layer, cfg, shape = run("torch.nn.LayerNorm", [UNKNOWN], {}, ("N", "T", 64))
    assert shape == ("N", "T", 64) and layer.params(cfg) is None
    assert run("torch.nn.LayerNorm", [(UNKNOWN, 64)], {}, ("N", 7, 64))[2] == ("N", 7, 64)
    assert run("torch.nn.LayerNorm", [64], {}, ("N", "T", None))[2] == ("N", "T", None)
    assert run("torch.nn.RMSNorm", [[8, 64]], {}, ("N", "H", 64))[2] == ("N", "H", 64)
    assert run("torch.nn.LocalResponseNorm", [UNKNOWN], {}, ("N", "C", 4))[2] == ("N", "C", 4)


# --- flatten -----------------------------------------------------------------------


def test_flatten_over_symbolic_dims_is_unknown():
    assert run("torch.nn.Flatten", [], {}, ("N", 16, 5, 5))[2] == ("N", 400)
    assert run("torch.nn.Flatten", [], {}, ("N", 3, "H", "W"))[2] == ("N", None)
    assert run("torch.flatten", [("N", 16, 5, 5)], {})[2] == (None,)  # starts at dim 0: the batch too
    assert run("torch.nn.Flatten", [], {"start_dim": UNKNOWN}, ("N", 3, 4))[2] is None
    assert run("torch.nn.Flatten", [2], {}, ("N", 3, None, 4))[2] == ("N", 3, None)


def test_unflatten_symbolic_and_unknown():
    assert run("torch.nn.Unflatten", [1, (UNKNOWN, 4)], {}, ("N", 16))[2] == ("N", None, 4)
    assert run("torch.nn.Unflatten", [1, (-1, 4)], {}, ("N", "C"))[2] == ("N", None, 4)
    assert run("torch.nn.Unflatten", [1, (-1, 4)], {}, ("N", 16))[2] == ("N", 4, 4)
    assert run("torch.nn.Unflatten", [UNKNOWN, (2, 8)], {}, ("N", 16))[2] is None


# --- resampling, pixel shuffle, padding ----------------------------------------------


def test_upsample_symbolic_and_unknown():
    assert run("torch.nn.Upsample", [], {"scale_factor": 2}, ("N", 3, 8, 8))[2] == ("N", 3, 16, 16)
    assert run("torch.nn.Upsample", [], {"scale_factor": 2}, ("N", "C", "H", None))[2] == ("N", "C", None, None)
    assert run("torch.nn.Upsample", [UNKNOWN], {}, ("N", 3, 8, 8))[2] == ("N", 3, None, None)
    assert run("torch.nn.Upsample", [], {"scale_factor": UNKNOWN, "mode": "bilinear"}, ("N", 3, 8, 8))[2] == ("N", 3, None, None)
    assert run("torch.nn.UpsamplingBilinear2d", [], {"scale_factor": (2, UNKNOWN)}, ("N", 3, 8, 8))[2] == ("N", 3, 16, None)
    assert run("torch.nn.functional.interpolate", [("N", 3, 8)], {"size": 5, "mode": UNKNOWN})[2] == ("N", 3, 5)
    assert run("torch.nn.functional.interpolate", [("N", 3, 8, 8)], {"size": (UNKNOWN, 4), "align_corners": UNKNOWN})[2] == ("N", 3, None, 4)


def test_pixel_shuffle_symbolic_and_unknown():
    assert run("torch.nn.PixelShuffle", [UNKNOWN], {}, ("N", 16, 8, 8))[2] == ("N", None, None, None)
    assert run("torch.nn.PixelShuffle", [2], {}, ("N", "C", 8, 8))[2] == ("N", None, 16, 16)
    assert run("torch.nn.PixelUnshuffle", [2], {}, ("N", 3, "H", 8))[2] == ("N", 12, None, 4)


def test_pad_symbolic_and_unknown():
    assert run("torch.nn.ZeroPad2d", [UNKNOWN], {}, ("N", 3, 8, 8))[2] == ("N", 3, None, None)
    assert run("torch.nn.ReflectionPad2d", [(1, UNKNOWN, 2, 2)], {}, ("N", 3, 8, 8))[2] == ("N", 3, 12, None)
    assert run("torch.nn.functional.pad", [("N", 3, 8), (1, 1)], {"mode": UNKNOWN})[2] == ("N", 3, None)
    # reflect pads of 4 need sides above 4: unknown sides are not checked
    assert run("torch.nn.functional.pad", [("N", 3, "H", None), (4, 4, 4, 4)], {"mode": "reflect"})[2] == ("N", 3, None, None)
    assert run("torch.nn.CircularPad1d", [2], {}, ("N", 3, "L"))[2] == ("N", 3, None)
    assert run("torch.nn.functional.pad", [("N", "C", "L"), (-5, -5)], {})[2] == ("N", "C", None)


# --- elementwise -------------------------------------------------------------------


def test_elementwise_symbolic_and_unknown():
    assert run("torch.nn.ReLU", [], {}, ("N", "C", None))[2] == ("N", "C", None)
    assert run("torch.nn.Dropout", [UNKNOWN], {}, ("N", 8))[2] == ("N", 8)
    assert run("torch.nn.Dropout1d", [], {}, ("N", "C", "L"))[2] == ("N", "C", "L")
    assert run("torch.nn.Softmax", [UNKNOWN], {}, ("N", 10))[2] == ("N", 10)
    assert run("torch.nn.GLU", [UNKNOWN], {}, ("N", 8))[2] is None  # which dim halves is unknown
    assert run("torch.nn.GLU", [], {}, ("N", "D"))[2] == ("N", None)
    layer, cfg, shape = run("torch.nn.PReLU", [UNKNOWN], {}, ("N", 16, 8))
    assert shape == ("N", 16, 8) and layer.params(cfg) is None
    assert run("torch.nn.PReLU", [16], {}, ("N", "C", 8))[2] == ("N", "C", 8)
