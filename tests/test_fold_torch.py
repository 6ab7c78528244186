"""nn.Unfold and nn.Fold against torch: drawn kernels, strides, paddings, dilations and inputs."""

import torch.nn.functional as F
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional


def _arg(draw, low, high):
    """An int, or a pair (now and then a triple, which torch refuses)."""
    kind = draw(st.integers(0, 9))
    if kind < 6:
        return draw(st.integers(low, high))
    if kind < 9:
        return tuple(draw(st.integers(low, high)) for _ in range(2))
    return tuple(draw(st.integers(low, high)) for _ in range(3))


@st.composite
def geometry(draw):
    kw = {"kernel_size": _arg(draw, 0, 4)}
    for name, low, high in (("dilation", 0, 2), ("padding", -1, 2), ("stride", 0, 3)):
        if draw(st.booleans()):
            kw[name] = _arg(draw, low, high) if draw(st.integers(0, 5)) else draw(st.integers(low, high))
    return kw


@st.composite
def unfold_case(draw):
    kw = draw(geometry())
    args, kwargs = split_positional(kw, ["kernel_size", "dilation", "padding", "stride"], draw(st.integers(0, 4)))
    rank = draw(st.sampled_from([4, 4, 4, 3, 3, 2, 5]))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(rank - 2)) + tuple(draw(st.integers(1, 8)) for _ in range(2))
    return args, kwargs, shape


@st.composite
def fold_case(draw):
    kw = draw(geometry())
    kw = {"output_size": _arg(draw, 1, 6), **kw}
    args, kwargs = split_positional(kw, ["output_size", "kernel_size", "dilation", "padding", "stride"], draw(st.integers(0, 5)))
    rank = draw(st.sampled_from([3, 3, 3, 2, 2, 1, 4]))
    k = kw["kernel_size"]
    kk = k[0] * k[1] if isinstance(k, tuple) and len(k) == 2 else (k * k if isinstance(k, int) else 1)
    c = max(kk, 1) * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 0, 0, 1]))
    cols = draw(st.integers(1, 36))
    shape = (tuple(draw(st.integers(1, 2)) for _ in range(rank - 2)) + (c, cols))[-rank:]
    return args, kwargs, shape


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(unfold_case().map(lambda c: ("Unfold", c)), fold_case().map(lambda c: ("Fold", c))))
def test_fold_unfold_agree_with_torch(case):
    name, (args, kwargs, shape) = case
    agree("fold", f"torch.nn.{name}", args, kwargs, [T(shape)])


@settings(max_examples=CASES_PER_FAMILY)
@given(st.one_of(unfold_case().map(lambda c: (F.unfold, c)), fold_case().map(lambda c: (F.fold, c))))
def test_functional_fold_unfold_agree_with_torch(case):
    fn, (args, kwargs, shape) = case
    agree("fold", f"torch.nn.functional.{fn.__name__}", [T(shape), *args], kwargs, fn=fn)
