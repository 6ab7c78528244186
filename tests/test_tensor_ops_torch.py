"""Tensor operations used in forward() against torch: drawn shapes and arguments, valid and invalid."""

import torch
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree

from shapelint.layers.tensor import broadcast, reshape

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def reshape_case(draw):
    shape = draw(shapes)
    n = 1
    for d in shape:
        n *= d
    sizes = draw(st.lists(st.sampled_from([1, 2, 3, 4, 6, 8, n, -1]), min_size=1, max_size=4))
    return shape, tuple(sizes)


@st.composite
def dims_case(draw, extra=0):
    shape = draw(shapes)
    r = len(shape)
    dim = draw(st.integers(-r - 1 - extra, r + extra))
    return shape, dim


@st.composite
def expand_case(draw):
    shape = draw(shapes)
    sizes = [draw(st.sampled_from([-1, d, 1, 2, 3])) for d in shape]
    lead = draw(st.lists(st.sampled_from([1, 2, 3, -1]), max_size=2))
    if shape and draw(st.integers(0, 5)) == 0:
        sizes = sizes[1:]  # too few
    return shape, tuple(lead + sizes)


@st.composite
def permute_case(draw):
    shape = draw(shapes)
    r = len(shape)
    dims = list(draw(st.permutations(range(r)))) if r else []
    if draw(st.integers(0, 3)) == 0:  # make it invalid: a repeat, an extra or a missing dim, out of range
        dims = draw(st.lists(st.integers(-r - 1, r), min_size=max(0, r - 1), max_size=r + 1))
    elif dims and draw(st.booleans()):
        i = draw(st.integers(0, r - 1))
        dims[i] -= r  # the same dim, counted from the end
    return shape, tuple(dims)


@st.composite
def merge_case(draw):
    base = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    count = draw(st.integers(1, 3))
    items = []
    for _ in range(count):
        s = list(base)
        if draw(st.booleans()):
            i = draw(st.integers(0, len(s) - 1))
            s[i] = draw(st.integers(1, 3))
        if draw(st.integers(0, 9)) == 0:
            s = s[:-1] or [1]
        items.append(tuple(s))
    dim = draw(st.integers(-len(base) - 1, len(base)))
    return items, dim


@st.composite
def broadcast_case(draw):
    a = draw(st.lists(st.integers(1, 3), min_size=0, max_size=4))
    b = [draw(st.sampled_from([d, d, 1, 2, 3])) for d in a[draw(st.integers(0, len(a))):]] if a else []
    if draw(st.booleans()):
        b = [draw(st.integers(1, 3))] + b
    return tuple(a), tuple(b)


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(
    reshape_case().map(lambda c: ("torch.reshape", torch.reshape, [T(c[0]), c[1]], {})),
    permute_case().map(lambda c: ("torch.permute", torch.permute, [T(c[0]), c[1]], {})),
    st.tuples(dims_case(), st.integers(-4, 4)).map(lambda c: ("torch.transpose", torch.transpose, [T(c[0][0]), c[0][1], c[1]], {})),
    dims_case().map(lambda c: ("torch.squeeze", torch.squeeze, [T(c[0]), c[1]], {})),
    shapes.map(lambda s: ("torch.squeeze", torch.squeeze, [T(s)], {})),
    dims_case(extra=1).map(lambda c: ("torch.unsqueeze", torch.unsqueeze, [T(c[0]), c[1]], {})),
    st.tuples(dims_case(), st.booleans()).map(lambda c: ("torch.mean", torch.mean, [T(c[0][0]), c[0][1]], {"keepdim": c[1]})),
    st.tuples(dims_case(), st.integers(-1, 5)).map(lambda c: ("torch.topk", torch.topk, [T(c[0][0]), c[1], c[0][1]], {})),
    expand_case().map(lambda c: ("torch.Tensor.expand", torch.Tensor.expand, [T(c[0]), c[1]], {})),
    st.tuples(shapes, st.lists(st.integers(1, 3), max_size=5)).map(
        lambda c: ("torch.Tensor.repeat", torch.Tensor.repeat, [T(c[0]), tuple(c[1])], {})
    ),
))
def test_shape_ops_agree_with_torch(case):
    qualname, fn, args, kwargs = case
    agree("tensor-ops", qualname, args, kwargs, fn=fn)


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(
    dims_case().map(lambda c: ("torch.unbind", torch.unbind, [T(c[0]), c[1]])),
    st.tuples(dims_case(), st.integers(-1, 4)).map(lambda c: ("torch.chunk", torch.chunk, [T(c[0][0]), c[1], c[0][1]])),
    st.tuples(dims_case(), st.integers(-1, 4)).map(lambda c: ("torch.split", torch.split, [T(c[0][0]), c[1], c[0][1]])),
    st.tuples(dims_case(), st.lists(st.integers(0, 3), max_size=3)).map(lambda c: ("torch.split", torch.split, [T(c[0][0]), c[1], c[0][1]])),
))
def test_splits_agree_with_torch(case):
    qualname, fn, args = case
    agree("split", qualname, args, {}, fn=fn, pieces=True)


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(
    merge_case().map(lambda c: ("torch.cat", torch.cat, [[T(s) for s in c[0]], c[1]])),
    merge_case().map(lambda c: ("torch.stack", torch.stack, [[T(s) for s in c[0]], c[1]])),
    broadcast_case().map(lambda c: ("torch.add", torch.add, [T(c[0]), T(c[1])])),
))
def test_merges_agree_with_torch(case):
    qualname, fn, args = case
    agree("merge", qualname, args, {}, fn=fn)


def test_symbolic_batch_cancels_in_view():
    assert reshape("view", ("N", 16, 5, 5), ["N", -1]).shape == ("N", 400)
    assert reshape("view", ("N", 16, 5, 5), [-1, 400]).shape == ("N", 400)
    assert reshape("view", ("N", 16, 5, 5), [-1, 200]) .failure is None


def test_reshape_that_fits_no_batch_size_of_one_is_reported():
    res = reshape("view", ("N", 16, 5, 5), [-1, 576])
    assert res.failure is not None and res.failure.kind == "reshape-mismatch"
    assert res.shape == (None, 576)  # no cascade: later layers see what the author meant
    # and torch agrees for a batch of one
    try:
        torch.zeros(1, 16, 5, 5).view(-1, 576)
        raise AssertionError("torch accepted it")
    except RuntimeError as e:
        assert "invalid for input of size 400" in str(e)


def test_broadcast_with_symbols_is_unknown_not_a_failure():
    assert broadcast(("N", 64, 8, 8), ("M", 64, 8, 8)) .failure is None
    assert broadcast(("N", 64, 8, 8), ("N", 64, 8, 8)).shape == ("N", 64, 8, 8)
    assert broadcast(("N", 64, 8, 8), (None, 64, 8, 8)).shape == (None, 64, 8, 8)
