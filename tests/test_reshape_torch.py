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
