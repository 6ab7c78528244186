"""F.layer_norm, F.group_norm and F.scaled_dot_product_attention against torch: drawn shapes,
matching and mismatching weights, heads, sequence lengths and feature sizes."""

import torch
import torch.nn.functional as F
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree

dims = st.integers(1, 4)


@st.composite
def layer_norm_case(draw):
    x = tuple(draw(st.lists(dims, min_size=1, max_size=4)))
    n = draw(st.integers(0, len(x) + 1))
    ns = list(x[len(x) - n:]) if n <= len(x) else [1] + list(x)
    if ns and draw(st.integers(0, 3)) == 0:
        ns[-1] += 1
    kw = {}
    for what in ("weight", "bias"):
        if draw(st.booleans()):
            w = list(ns) if draw(st.integers(0, 3)) else [d + 1 for d in ns] or [1]
            kw[what] = T(tuple(w))
    return [T(x), ns], kw


@st.composite
def group_norm_case(draw):
    g = draw(st.integers(1, 3))
    c = g * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
    x = (draw(st.integers(1, 2)), c) + tuple(draw(st.lists(dims, max_size=2)))
    if draw(st.integers(0, 9)) == 0:
        x = (c,)
    kw = {}
    for what in ("weight", "bias"):
        if draw(st.booleans()):
            kw[what] = T((draw(st.sampled_from([c, c, c, c + 1])),))
    return [T(x), g], kw


@st.composite
def sdpa_case(draw):
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    h = draw(st.integers(1, 4))
    L, S, E, Ev = (draw(dims) for _ in range(4))
    gqa = draw(st.integers(0, 4)) == 0
    hk = draw(st.sampled_from([1, 2, h])) if gqa else h

    def shape(heads, rows, cols):
        s = lead + (heads, rows, cols)
        if draw(st.integers(0, 5)) == 0:
            s = s[draw(st.integers(0, len(s) - 1)):]  # fewer leading dims: broadcast, or too few
        return s

    q, k, v = shape(h, L, E), shape(hk, S, draw(st.sampled_from([E, E, E, E + 1]))), shape(hk, draw(st.sampled_from([S, S, S, S + 1])), Ev)
    kw = {"enable_gqa": True} if gqa else {}
    return [T(q), T(k), T(v)], kw


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(
    layer_norm_case().map(lambda c: ("torch.nn.functional.layer_norm", F.layer_norm, c)),
    group_norm_case().map(lambda c: ("torch.nn.functional.group_norm", F.group_norm, c)),
))
def test_functional_norms_agree_with_torch(case):
    qualname, fn, (args, kwargs) = case
    agree("functional-norm", qualname, args, kwargs, fn=fn)


@settings(max_examples=CASES_PER_FAMILY)
@given(sdpa_case())
def test_scaled_dot_product_attention_agrees_with_torch(case):
    args, kwargs = case
    agree("sdpa", "torch.nn.functional.scaled_dot_product_attention", args, kwargs, fn=F.scaled_dot_product_attention)
