"""Activations, dropouts, softmax, GLU and PReLU against torch: drawn configurations and inputs."""

from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import T, agree, split_positional

# name -> a strategy for its keyword arguments (valid values; p may be out of range)
PROB = st.sampled_from([0.0, 0.2, 0.5, 1.0, 0.5, 0.2, -0.1, 1.5])
INPLACE = st.booleans()
ACTIVATIONS = {
    "ReLU": {"inplace": INPLACE},
    "ReLU6": {"inplace": INPLACE},
    "LeakyReLU": {"negative_slope": st.sampled_from([0.01, 0.2]), "inplace": INPLACE},
    "ELU": {"alpha": st.sampled_from([1.0, 0.5]), "inplace": INPLACE},
    "SELU": {"inplace": INPLACE},
    "CELU": {"alpha": st.sampled_from([1.0, 2.0]), "inplace": INPLACE},
    "GELU": {"approximate": st.sampled_from(["none", "tanh"])},
    "SiLU": {"inplace": INPLACE},
    "Mish": {"inplace": INPLACE},
    "Hardtanh": {"min_val": st.sampled_from([-1.0, -2.0]), "max_val": st.sampled_from([1.0, 2.0]), "inplace": INPLACE},
    "Hardswish": {"inplace": INPLACE},
    "Hardsigmoid": {"inplace": INPLACE},
    "Softplus": {"beta": st.sampled_from([1.0, 2.0]), "threshold": st.sampled_from([20.0, 5.0])},
    "Softshrink": {"lambd": st.sampled_from([0.5, 1.0])},
    "Hardshrink": {"lambd": st.sampled_from([0.5, 1.0])},
    "Threshold": {"threshold": st.sampled_from([0.1, 1.0]), "value": st.sampled_from([0.0, 2.0]), "inplace": INPLACE},
    "RReLU": {"lower": st.sampled_from([0.125, 0.1]), "upper": st.sampled_from([1.0 / 3.0, 0.5]), "inplace": INPLACE},
    "Dropout": {"p": PROB, "inplace": INPLACE},
    "AlphaDropout": {"p": PROB, "inplace": INPLACE},
    "FeatureAlphaDropout": {"p": PROB, "inplace": INPLACE},
    "Dropout1d": {"p": PROB, "inplace": INPLACE},
    "Dropout2d": {"p": PROB, "inplace": INPLACE},
    "Dropout3d": {"p": PROB, "inplace": INPLACE},
}
REQUIRED = {"Threshold": ("threshold", "value")}
ANY_ARGS = ["Identity", "Sigmoid", "Tanh", "Softsign", "Tanhshrink", "LogSigmoid"]


def shape_of(draw, lo=0, hi=5):
    return tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(lo, hi))))


@st.composite
def elementwise_case(draw):
    kind = draw(st.sampled_from(["activation"] * 4 + ["any"] + ["softmax"] * 2 + ["Softmax2d", "GLU", "GLU", "PReLU", "PReLU"]))
    if kind == "activation":
        name = draw(st.sampled_from(sorted(ACTIVATIONS)))
        kw = {k: draw(v) for k, v in ACTIVATIONS[name].items() if k in REQUIRED.get(name, ()) or draw(st.booleans())}
        order = list(ACTIVATIONS[name])
        args, kwargs = split_positional(kw, order, draw(st.integers(0, len(order))))
        return name, args, kwargs, shape_of(draw)
    if kind == "any":
        args = draw(st.lists(st.sampled_from([1, 2.5, "x", None]), max_size=2))
        kwargs = draw(st.dictionaries(st.sampled_from(["a", "dim", "inplace"]), st.integers(0, 3), max_size=2))
        return draw(st.sampled_from(ANY_ARGS)), args, kwargs, shape_of(draw)
    if kind == "softmax":
        shape = shape_of(draw, 0, 4)
        rank = len(shape)
        kw = {}
        if draw(st.sampled_from([True] * 5 + [False])):
            kw["dim"] = draw(st.sampled_from([st.integers(-max(rank, 1), max(rank, 1) - 1)] * 4 + [st.sampled_from([-rank - 1, rank, rank + 1])]).flatmap(lambda s: s))
        args, kwargs = split_positional(kw, ["dim"], draw(st.integers(0, 1)))
        return draw(st.sampled_from(["Softmax", "LogSoftmax", "Softmin"])), args, kwargs, shape
    if kind == "Softmax2d":
        return "Softmax2d", [], {}, shape_of(draw, 1, 5)
    if kind == "GLU":
        rank = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4]))
        shape = tuple(draw(st.sampled_from([2, 4, 6, 2, 4, 1, 3])) for _ in range(rank))
        kw = {}
        if draw(st.booleans()):
            kw["dim"] = draw(st.sampled_from([st.integers(-max(rank, 1), max(rank, 1) - 1)] * 4 + [st.sampled_from([-rank - 1, rank])]).flatmap(lambda s: s))
        args, kwargs = split_positional(kw, ["dim"], draw(st.integers(0, 1)))
        return "GLU", args, kwargs, shape
    n = draw(st.sampled_from([1, 1, 2, 3, 4]))
    kw = {}
    if n != 1 or draw(st.booleans()):
        kw["num_parameters"] = n
    if draw(st.booleans()):
        kw["init"] = 0.1
    rank = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4]))
    shape = list(shape_of(draw, rank, rank))
    if rank >= 2:
        shape[1] = draw(st.sampled_from([n, n, n, draw(st.integers(1, 4))]))
    elif rank == 1 and draw(st.booleans()):
        shape[0] = n
    args, kwargs = split_positional(kw, ["num_parameters", "init"], draw(st.integers(0, 2)))
    return "PReLU", args, kwargs, tuple(shape)


@settings(max_examples=CASES_PER_FAMILY)
@given(elementwise_case())
def test_elementwise_agrees_with_torch(case):
    name, args, kwargs, shape = case
    agree("elementwise", f"torch.nn.{name}", args, kwargs, [T(shape)])


@settings(max_examples=200)
@given(elementwise_case().filter(lambda c: c[0] == "GLU"))
def test_functional_glu_agrees_with_torch(case):
    import torch.nn.functional as F

    _, args, kwargs, shape = case
    dim = args[0] if args else kwargs.get("dim", -1)
    agree("elementwise", "torch.nn.functional.glu", [T(shape)], {"dim": dim}, fn=F.glu)
