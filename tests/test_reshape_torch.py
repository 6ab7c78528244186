"""Flatten, resampling, pixel shuffle and padding against torch: drawn configurations and inputs."""

import torch
import torch.nn.functional as F
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional


def dims(draw, n, lo=1, hi=4):
    return tuple(draw(st.integers(lo, hi)) for _ in range(n))


# --- flatten -----------------------------------------------------------------------


@st.composite
def flatten_case(draw):
    kind = draw(st.sampled_from(["Flatten", "flatten", "Unflatten"]))
    rank = draw(st.sampled_from([0, 1, 2, 2, 2, 3, 3, 3, 4, 4]))
    shape = dims(draw, rank, draw(st.sampled_from([1] * 9 + [0])), 4)
    inside = st.integers(-rank, rank - 1) if rank else st.sampled_from([-1, 0])
    outside = st.sampled_from([-rank - 1, rank, rank + 1])
    index = st.sampled_from([inside] * 5 + [outside]).flatmap(lambda s: s)
    if kind == "Flatten":
        kw = {}
        if draw(st.booleans()):
            kw["start_dim"] = draw(index)
        if draw(st.booleans()):
            kw["end_dim"] = draw(index)
        args, kwargs = split_positional(kw, ["start_dim", "end_dim"], draw(st.integers(0, 2)))
        return "torch.nn.Flatten", args, kwargs, [T(shape)], None
    if kind == "flatten":
        kw = {}
        if draw(st.booleans()):
            kw["start_dim"] = draw(index)
        if draw(st.booleans()):
            kw["end_dim"] = draw(index)
        rest, kwargs = split_positional(kw, ["start_dim", "end_dim"], draw(st.integers(0, 2)))
        return "torch.flatten", [T(shape)] + rest, kwargs, [], torch.flatten
    dim = draw(index)
    size = shape[dim] if -rank <= dim < rank else draw(st.integers(1, 6))
    # sizes that multiply to the dim (a factorisation), with a -1 or a wrong size at times
    n = draw(st.sampled_from([1, 2, 2, 3, 3]))
    sizes = [1] * n
    left = size
    for i in range(n - 1):
        f = draw(st.sampled_from([d for d in range(1, left + 1) if left % d == 0] if left else [0, 1]))
        sizes[i] = f
        left = left // f if f else left
    sizes[-1] = left
    sizes = draw(st.permutations(sizes))
    if draw(st.booleans()):
        sizes[draw(st.integers(0, n - 1))] = -1
    if draw(st.booleans()):
        sizes[draw(st.integers(0, n - 1))] = draw(st.sampled_from([-1, -2, 0, 1, 2, 3, 4]))
    if draw(st.sampled_from([False] * 19 + [True])):
        sizes = []
    sizes = draw(st.sampled_from([tuple(sizes), list(sizes)]))
    args, kwargs = split_positional({"dim": dim, "unflattened_size": sizes}, ["dim", "unflattened_size"], draw(st.integers(0, 2)))
    return "torch.nn.Unflatten", args, kwargs, [T(shape)], None


@settings(max_examples=CASES_PER_FAMILY)
@given(flatten_case())
def test_flatten_agrees_with_torch(case):
    qualname, args, kwargs, inputs, fn = case
    agree("flatten", qualname, args, kwargs, inputs, fn=fn)


# --- resampling --------------------------------------------------------------------

MODES = ["nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"]
MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}
SCALES = [0.5, 1, 1.5, 2, 2.0, 3, 0.3, 0.25, 1.7, 0]


@st.composite
def resample_case(draw):
    kind = draw(st.sampled_from(["Upsample", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "interpolate", "interpolate"]))
    functional = kind == "interpolate"
    if kind == "Upsample" or functional:
        mode = draw(st.sampled_from(MODES + (["lanczos"] if functional else [])))
    else:
        mode = "nearest" if kind == "UpsamplingNearest2d" else "bilinear"
    rank = MODE_RANK.get(mode, draw(st.sampled_from([3, 4, 5]))) if kind != "UpsamplingBilinear2d" else 4
    rank = max(0, rank + draw(st.sampled_from([0] * 8 + [-1, 1, -2, 2])))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) [:rank] + dims(draw, max(rank - 2, 0), 1, 5)
    n = draw(st.sampled_from([rank - 2] * 12 + [rank - 3, rank - 1, 1, 2]))
    kw = {}
    which = draw(st.sampled_from(["size"] * 5 + ["scale"] * 5 + ["both", "neither"]))
    if which in ("size", "both"):
        sizes = st.integers(0, 6) if draw(st.sampled_from([True] * 5 + [False])) else st.integers(1, 6)
        kw["size"] = draw(sizes) if draw(st.booleans()) else draw(st.sampled_from([tuple, list]))(draw(sizes) for _ in range(max(n, 0)))
    if which in ("scale", "both"):
        scale = st.sampled_from(SCALES)
        if draw(st.booleans()):
            kw["scale_factor"] = draw(scale)
        else:
            kw["scale_factor"] = draw(st.sampled_from([tuple] * 4 + ([list] if functional else [list] * 1)))(draw(scale) for _ in range(max(n, 0)))
    if kind in ("Upsample", "interpolate"):
        if mode != "nearest" or draw(st.booleans()):
            kw["mode"] = mode
        if draw(st.booleans()):
            kw["align_corners"] = draw(st.booleans()) if mode not in ("nearest", "area", "nearest-exact") or draw(st.sampled_from([False] * 5 + [True])) else None
        if draw(st.sampled_from([False] * 3 + [True])):
            kw["recompute_scale_factor"] = draw(st.sampled_from([True, False, None]))
    if functional:
        if draw(st.sampled_from([False] * 3 + [True])) or mode == "lanczos":
            kw["antialias"] = draw(st.booleans())
        order = ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"]
        rest, kwargs = split_positional(kw, order, draw(st.integers(0, 3)))
        return "torch.nn.functional.interpolate", [T(shape)] + rest, kwargs, [], F.interpolate
    order = ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"]
    args, kwargs = split_positional(kw, order, draw(st.integers(0, 3)))
    return f"torch.nn.{kind}", args, kwargs, [T(shape)], None


@settings(max_examples=CASES_PER_FAMILY)
@given(resample_case())
def test_resample_agrees_with_torch(case):
    qualname, args, kwargs, inputs, fn = case
    agree("resample", qualname, args, kwargs, inputs, fn=fn)


# --- pixel shuffle -----------------------------------------------------------------


@st.composite
def pixel_shuffle_case(draw):
    inverse = draw(st.booleans())
    r = draw(st.sampled_from([1, 2, 2, 2, 3, 3, 3, 0, -1]))
    rank = draw(st.sampled_from([3, 3, 4, 4, 4, 4, 5, 5, 2, 1, 0]))
    lead = dims(draw, max(rank - 3, 0), 1, 2)
    good = abs(r) or 1
    if inverse:
        c = draw(st.integers(1, 3))
        h, w = (draw(st.sampled_from([good * draw(st.integers(1, 2))] * 3 + [draw(st.integers(1, 5))])) for _ in range(2))
    else:
        c = draw(st.sampled_from([good * good * draw(st.integers(1, 2))] * 3 + [draw(st.integers(1, 9))]))
        h, w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (lead + (c, h, w))[-rank:] if rank else ()
    name = "PixelUnshuffle" if inverse else "PixelShuffle"
    arg = "downscale_factor" if inverse else "upscale_factor"
    args, kwargs = ([r], {}) if draw(st.booleans()) else ([], {arg: r})
    return f"torch.nn.{name}", args, kwargs, [T(shape)]


@settings(max_examples=CASES_PER_FAMILY)
@given(pixel_shuffle_case())
def test_pixel_shuffle_agrees_with_torch(case):
    qualname, args, kwargs, inputs = case
    agree("pixel-shuffle", qualname, args, kwargs, inputs)


# --- padding -----------------------------------------------------------------------

PAD_MODES = ["constant", "reflect", "replicate", "circular"]


def pads(draw, n, size_hint):
    lo = -size_hint - 1
    return tuple(draw(st.sampled_from([0, 1, 2, 1, draw(st.integers(lo, size_hint + 1))])) for _ in range(n))


@st.composite
def pad_case(draw):
    kind = draw(st.sampled_from(["F.pad", "F.pad", "Zero", "Constant", "Reflection", "Replication", "Circular"]))
    if kind == "F.pad":
        mode = draw(st.sampled_from(PAD_MODES))
        k = draw(st.sampled_from([1, 2, 3, 1, 2, 3, 0, 4]))
    else:
        mode = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect", "Replication": "replicate", "Circular": "circular"}[kind]
        k = draw(st.sampled_from([1, 2, 3]))
    rank = max(0, k + draw(st.sampled_from([1, 2, 1, 2, 1, 2, 0, -1, 3])))
    lo = draw(st.sampled_from([1] * 12 + [0]))
    shape = dims(draw, rank, lo, 4)
    if kind == "F.pad":
        n = 2 * k + draw(st.sampled_from([0] * 10 + [1, -1]))
        pad = pads(draw, max(n, 0), 3)
        pad = draw(st.sampled_from([tuple, list]))(pad)
        kw = {}
        if mode != "constant" or draw(st.booleans()):
            kw["mode"] = mode
        if draw(st.sampled_from([False] * 3 + [True])):
            kw["value"] = draw(st.sampled_from([0.0, 1.0, 0]))
        rest, kwargs = split_positional(kw, ["mode", "value"], draw(st.integers(0, 2)))
        return "torch.nn.functional.pad", [T(shape), pad] + rest, kwargs, [], F.pad
    if draw(st.booleans()):
        padding = draw(st.integers(-2, 3))
    else:
        n = 2 * k + draw(st.sampled_from([0] * 8 + [-2, 2, -1]))
        padding = draw(st.sampled_from([tuple, list]))(pads(draw, max(n, 0), 3))
    kw = {"padding": padding}
    if kind == "Constant":
        kw["value"] = draw(st.sampled_from([0.0, 1.5]))
    args, kwargs = split_positional(kw, ["padding", "value"], draw(st.integers(0, 2)))
    return f"torch.nn.{kind}Pad{k}d", args, kwargs, [T(shape)], None


@settings(max_examples=CASES_PER_FAMILY)
@given(pad_case())
def test_pad_agrees_with_torch(case):
    qualname, args, kwargs, inputs, fn = case
    agree("pad", qualname, args, kwargs, inputs, fn=fn)
