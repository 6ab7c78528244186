"""Products against torch: matmul (and @), bmm, mm, einsum; drawn shapes, valid and invalid."""

import torch
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree

from shapelint.layers import lookup


@st.composite
def product_case(draw):
    """Two operands that mostly fit: a shared inner size, broadcastable batches, sometimes not."""
    m, k, n = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    ra, rb = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    batch = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))
    a = tuple(batch[: max(ra - 2, 0)]) + ((m, k) if ra >= 2 else (k,) * ra)
    b = tuple(draw(st.sampled_from([d, 1, d + 1])) for d in batch[: max(rb - 2, 0)]) + ((k, n) if rb >= 2 else (k,) * rb)
    if draw(st.integers(0, 3)) == 0 and b:  # a wrong inner size
        b = b[:-2] + (k + 1,) + b[-1:] if len(b) >= 2 else (k + 1,)
    return a, b


@settings(max_examples=CASES_PER_FAMILY)
@given(product_case())
def test_matmul_agrees_with_torch(case):
    a, b = case
    agree("products", "torch.matmul", [T(a), T(b)], {}, fn=torch.matmul)


@settings(max_examples=CASES_PER_FAMILY)
@given(product_case(), st.sampled_from([("torch.bmm", torch.bmm), ("torch.mm", torch.mm)]))
def test_bmm_mm_agree_with_torch(case, op):
    a, b = case
    agree("products", op[0], [T(a), T(b)], {}, fn=op[1])


LETTERS = "abcdeXY"


@st.composite
def einsum_case(draw):
    """An equation over 1-3 operands, the operand shapes drawn from one size per letter,
    then perturbed: a size changed, a dim dropped, an output letter invented or repeated."""
    size = {c: draw(st.integers(1, 3)) for c in LETTERS}
    n_ops = draw(st.integers(1, 3))
    ellipsis = draw(st.booleans())
    terms, shapes = [], []
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    for _ in range(n_ops):
        labels = draw(st.lists(st.sampled_from(LETTERS), min_size=0, max_size=3))
        shape = [size[c] for c in labels]
        term = "".join(labels)
        if ellipsis and draw(st.booleans()):
            cut = draw(st.integers(0, len(lead)))
            term = "..." + term
            shape = lead[cut:] + shape
        if shape and draw(st.integers(0, 5)) == 0:
            i = draw(st.integers(0, len(shape) - 1))
            shape[i] = draw(st.integers(1, 4))
        if shape and draw(st.integers(0, 9)) == 0:
            shape = shape[:-1]
        terms.append(term)
        shapes.append(tuple(shape))
    eq = ",".join(terms)
    if draw(st.booleans()):
        used = sorted({c for t in terms for c in t if c != "."})
        out = draw(st.lists(st.sampled_from(used or ["a"]), unique=draw(st.integers(0, 6)) > 0, max_size=3))
        if any("..." in t for t in terms) and draw(st.booleans()):
            out = ["..."] + out
        eq += "->" + "".join(out)
    if draw(st.integers(0, 9)) == 0:
        shapes = shapes[:-1] if draw(st.booleans()) else shapes + [(2,)]
    return eq, shapes


@settings(max_examples=CASES_PER_FAMILY)
@given(einsum_case(), st.booleans())
def test_einsum_agrees_with_torch(case, as_list):
    eq, shapes = case
    args = [eq, [T(s) for s in shapes]] if as_list else [eq] + [T(s) for s in shapes]
    agree("einsum", "torch.einsum", args, {}, fn=torch.einsum)


def test_einsum_examples():
    spec = lookup("torch.einsum")
    cases = [
        ("bhqd,bhkd->bhqk", [(2, 4, 5, 8), (2, 4, 6, 8)], (2, 4, 5, 6)),
        ("ij,jk", [(2, 3), (3, 5)], (2, 5)),
        ("...ij,...jk", [(5, 2, 3), (1, 3, 4)], (5, 2, 4)),
        ("i j , j k -> i k", [(2, 3), (3, 5)], (2, 5)),
        ("Ab,ba", [(2, 3), (3, 2)], (2, 2)),
    ]
    for eq, shapes, want in cases:
        res = spec.apply(spec.bind([eq, *shapes], {}))
        assert res.failure is None and res.shape == want
        assert tuple(torch.einsum(eq, *[torch.zeros(s) for s in shapes]).shape) == want
