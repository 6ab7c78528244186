"""Linear, Bilinear, F.linear and Embedding against torch: drawn configurations and inputs."""

import torch
import torch.nn.functional as F
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional

small = st.integers(1, 5)


def lead_dims(draw, lo=0, hi=3):
    return tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(lo, hi))))


@st.composite
def linear_case(draw):
    kind = draw(st.sampled_from(["Linear", "Linear", "Bilinear", "F.linear"]))
    if kind == "Linear":
        cin, cout = draw(st.integers(0, 5)), draw(st.integers(0, 5))
        kw = {"in_features": cin, "out_features": cout}
        if draw(st.booleans()):
            kw["bias"] = draw(st.booleans())
        last = draw(st.sampled_from([cin, cin, draw(small)]))
        shape = lead_dims(draw) + (last,) if draw(st.sampled_from([True] * 15 + [False])) else ()
        args, kwargs = split_positional(kw, ["in_features", "out_features", "bias"], draw(st.integers(0, 3)))
        return ("torch.nn.Linear", args, kwargs, [T(shape)], None)
    if kind == "Bilinear":
        i1, i2, o = draw(small), draw(small), draw(small)
        kw = {"in1_features": i1, "in2_features": i2, "out_features": o}
        if draw(st.booleans()):
            kw["bias"] = draw(st.booleans())
        lead = lead_dims(draw, 0, 2)
        lead2 = draw(st.sampled_from([lead, lead, lead, lead_dims(draw, 0, 2)]))
        a = lead + (draw(st.sampled_from([i1, i1, i1, draw(small)])),)
        b = lead2 + (draw(st.sampled_from([i2, i2, i2, draw(small)])),)
        args, kwargs = split_positional(kw, ["in1_features", "in2_features", "out_features", "bias"], draw(st.integers(0, 4)))
        return ("torch.nn.Bilinear", args, kwargs, [T(a), T(b)], None)
    # F.linear: weight (out, in) or a 1-D weight (in,), optional bias
    cin = draw(small)
    wrank = draw(st.sampled_from([2, 2, 2, 2, 1, 1, 1, 0, 3]))
    if wrank == 2:
        w = (draw(st.integers(0, 4)), cin)
    elif wrank == 1:
        w = (cin,)
    elif wrank == 0:
        w = ()
    else:
        w = (2, cin, 2)
    last = draw(st.sampled_from([cin, cin, draw(small)]))
    x = lead_dims(draw) + (last,) if draw(st.sampled_from([True] * 15 + [False])) else ()
    kwargs = {}
    args = [T(x), T(w)]
    if draw(st.booleans()):
        out = w[0] if wrank == 2 else 1
        rows = draw(st.sampled_from([1, x[0] if len(x) > 1 else 1, draw(small)]))
        b = draw(
            st.sampled_from(
                [(out,), (out,), (), (1,), (draw(small),), (1, out), (rows, out), (rows, 1), (1, 1), (draw(small), draw(small)), (1, 1, out)]
            )
        )
        if draw(st.booleans()):
            args.append(T(b))
        else:
            kwargs["bias"] = T(b)
    return ("torch.nn.functional.linear", args, kwargs, [], F.linear)


@settings(max_examples=CASES_PER_FAMILY)
@given(linear_case())
def test_linear_agrees_with_torch(case):
    qualname, args, kwargs, inputs, fn = case
    agree("linear", qualname, args, kwargs, inputs, fn=fn)


@st.composite
def embedding_case(draw):
    n, e = draw(st.integers(1, 6)), draw(st.integers(0, 4))
    kw = {"num_embeddings": n, "embedding_dim": e}
    if draw(st.booleans()):
        kw["padding_idx"] = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
    if draw(st.integers(0, 3)) == 0:
        kw["max_norm"] = draw(st.sampled_from([None, 1.0]))
    if draw(st.integers(0, 3)) == 0:
        kw["sparse"] = draw(st.booleans())
    shape = tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 3))))
    args, kwargs = split_positional(kw, ["num_embeddings", "embedding_dim", "padding_idx"], draw(st.integers(0, 3)))
    return args, kwargs, shape


@settings(max_examples=CASES_PER_FAMILY)
@given(embedding_case())
def test_embedding_agrees_with_torch(case):
    args, kwargs, shape = case
    agree("embedding", "torch.nn.Embedding", args, kwargs, [T(shape, torch.long)])
