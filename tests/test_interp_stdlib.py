"""The standard library (and torch/numpy constant arrays) on known values.

Values: each expression is evaluated by shapelint (read, never run) and by Python itself
(or torch, for tensors); they must be equal.  With an unknown input the result must be
UNKNOWN, and the bounded cases must answer UNKNOWN at once.  Models: small model files
whose layers are configured through these functions are built in torch; shapelint's
layer rows and parameter total must be torch's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fixtures import _concrete, _load
from test_shapes_torch import torch_calls

from shapelint.analysis import analyse
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex
from shapelint.interp.machine import Machine
from shapelint.interp.values import ConstTensor, Tensor
from shapelint.layers import UNKNOWN

HEADER = """\
import collections.abc
import functools
import itertools
import math
import operator
import re
from functools import reduce
from itertools import accumulate, chain, cycle, islice, product, repeat, zip_longest

import torch
"""


def evaluate(tmp_path: Path, source: str, names):
    """shapelint's values of module-level names, and Python's."""
    path = tmp_path / "values.py"
    path.write_text(source)
    index = ProjectIndex()
    info = index.load(path)
    machine = Machine(index)
    ours = {n: machine.global_value(info, n) for n in names}
    ns: dict = {}
    exec(compile(source, str(path), "exec"), ns)  # tests only: our own source
    return ours, {n: ns[n] for n in names}


EXPRESSIONS = [
    # itertools
    "list(chain([1, 2], (3,), 'ab'))",
    "list(chain.from_iterable([[1], [2, 3], []]))",
    "list(itertools.chain.from_iterable([(4, 5), (6,)]))",
    "list(accumulate([1, 2, 3, 4]))",
    "list(accumulate([1, 2, 3], operator.mul, initial=5))",
    "list(accumulate([3, 1, 4, 1, 5], max))",
    "list(product([1, 2], 'ab'))",
    "list(product(range(2), repeat=3))",
    "list(islice(cycle([1, 2, 3]), 7))",
    "list(islice(range(10), 2, 8, 3))",
    "list(islice(itertools.count(5, 2), 4))",
    "list(zip_longest([1, 2, 3], 'ab', fillvalue=0))",
    "list(zip(range(3), repeat(7)))",
    "list(repeat('x', 3))",
    "list(zip([1, 2], [3, 4], strict=True))",
    # builtins taking functions
    "(any(x > 2 for x in [1, 2, 3]), all([1, 0]), any([]), all([]))",
    "list(map(lambda x, y: x * y, [1, 2], [3, 4]))",
    "list(map(str, [1, 2]))",
    "list(filter(None, [0, 1, 2, '', 'a']))",
    "list(filter(lambda v: v % 2, range(7)))",
    "(max([3, 1, 2], key=lambda v: -v), min([], default=5), max(1, 7, 3), min('b', 'a'))",
    "max([(1, 'a'), (1, 'b')], key=lambda p: p[0])",
    "sorted([3, 1, 2], key=lambda v: -v)",
    "sorted(['bb', 'a', 'ccc'], key=len, reverse=True)",
    "sorted({'b': 1, 'a': 2}.items(), key=lambda kv: kv[1])",
    "(lambda a, b=2: a + b)(3)",
    "functools.partial(lambda a, b: a - b, 10)(3)",
    # math, functools, operator, numbers
    "(math.gcd(12, 18), math.lcm(4, 6), math.gcd(0, 5), math.lcm(2, 3, 5))",
    "(math.ceil(2.1), math.floor(-2.1), math.sqrt(16), math.isqrt(17), math.comb(6, 2))",
    "(math.log(8, 2), math.log2(64), math.log(10), math.pow(2, 0.5), math.prod([2, 3, 4]))",
    "(math.pi, math.e, math.inf, -math.inf < 0)",
    "(reduce(operator.mul, [2, 3, 4]), functools.reduce(lambda a, b: a + b, [1, 2], 10), reduce(operator.add, [], 7))",
    "(operator.floordiv(7, 2), operator.truediv(7, 2), operator.pow(2, 8), operator.sub(1, 3))",
    "(divmod(7, 2), divmod(-7, 2), divmod(7.5, 2), pow(2, 10), pow(3, 4, 5), pow(2, -1))",
    "(int('ff', 16), int('0b101', 0), int('12'), int(3.9), int(-3.9))",
    "(round(2.675, 2), round(2.5), round(3.5), round(7), round(1234, -2), round(0.125, 2))",
    # strings
    "[f'unit{i:d}' for i in range(3)]",
    "(f'{7:02d}', f'{\"a\"!r}', f'{0.5:.3f}', f'{{x}}', f'{3:>{4}}', f'{255:#x}', f'{1e-5:g}', f'{True!s}')",
    "('%s-%03d' % ('a', 5), '%d%%' % 50, '%.2f' % 3.14159, '%(n)s' % {'n': 1})",
    "('{0}{name}{0}'.format('x', name='y'), '{}-{}'.format(1, 2), '{:>3}'.format(7), '{a:02d}'.format(a=3))",
    "('a_b_c'.split('_', 1), 'a_b_c'.rsplit('_', 1), 'a b'.split(), 'a,b'.split(sep=','), 'a_b_c'.split('_', maxsplit=1))",
    "('a=b'.partition('='), 'a=b=c'.rpartition('='), '12'.isdigit(), '1a'.isdigit(), '7'.zfill(3))",
    "(' x '.lstrip(), ' x '.rstrip(), 'xxaxx'.strip('x'), 'abcb'.find('b'), 'abcb'.rfind('b'), 'abcb'.count('b'))",
    "('hello world'.title(), 'hI'.capitalize(), 'ab'.upper(), 'conv_1'.removeprefix('conv_'), '-'.join(['a', 'b']))",
    # re on known strings
    "re.split(r'(\\d.*)', 'se0.25')",
    "[re.split(r'(\\d.*)', op)[:2] for op in 'ir_r2_k3_s2_e6_c24_se0.25'.split('_')[1:]]",
    "(re.match(r'(\\w)(\\d+)', 'k33').group(1), re.match(r'(\\w)(\\d+)', 'k33').groups(), re.match(r'x', 'k') is None)",
    "(re.search(r'\\d+', 'ab12cd').span(), re.search(r'\\d+', 'ab12cd').group(), re.search(r'(?P<n>\\d)', 'a1').groupdict())",
    "(re.findall(r'\\d', 'a1b2'), re.findall(r'(\\w)=(\\d)', 'a=1,b=2'), re.sub(r'\\d', '#', 'a1b2'), re.sub(r'(\\w)(\\d)', r'\\2\\1', 'a1'))",
    "(re.compile(r'[a-z]+').fullmatch('abc').group(), re.compile(r'_').split('a_b_c', 1), re.fullmatch(r'a', 'ab') is None)",
    "re.match(r'stage(\\d+)\\.block(\\d+)', 'stage2.block10').groups()",
    "re.split(r'\\s*,\\s*', 'a , b,c', flags=re.I)",
    # constant tensors
    "[x.item() for x in torch.linspace(0, 0.1, 12)]",
    "torch.linspace(0, 0.3, 40).tolist()",
    "torch.linspace(-1.0, 1.0, steps=7).tolist()",
    "torch.linspace(0, 1, 5, dtype=torch.float64).tolist()",
    "[x.tolist() for x in torch.linspace(0, 0.2, 10).split([3, 3, 4])]",
    "[x.tolist() for x in torch.linspace(0, 0.2, 10).split(4)]",
    "(torch.arange(5).tolist(), torch.arange(2, 11, 3).tolist(), torch.arange(0, 2.5, 0.1).tolist())",
    "torch.arange(40, dtype=torch.float32).mul(0.37).add(1).tolist()",
    "(torch.tensor([[1, 2], [3, 4]]).tolist(), torch.tensor([1.5, 2]).tolist(), torch.tensor(3).item())",
    "(torch.arange(6) * 2 + 1).tolist()",
    "(torch.arange(6) / 4).tolist()",
    "(2 ** torch.linspace(0, 3, 4)).tolist()",
    "torch.round(torch.log(torch.arange(1, 9, dtype=torch.float32) * 36.44 / 24) / math.log(2.49)).tolist()",
    "torch.pow(2.49, torch.tensor([0.0, 1.0, 2.0])).tolist()",
    "(torch.unique(torch.tensor([3, 1, 3, 2])).tolist(), len(torch.unique(torch.tensor([1.0, 1.0]))))",
    "[t.tolist() for t in torch.unique(torch.tensor([3, 1, 3]), return_counts=True)]",
    "(torch.tensor([3, 9, 2]).max().item(), int(torch.tensor([2.7]).max()), torch.tensor([1, 2]).sum().item())",
    "(torch.tensor([1.7, -1.7]).int().tolist(), torch.tensor([1, 2], dtype=torch.int32).float().tolist(), torch.tensor([0.5, 1.5, 2.5]).round().tolist())",
    "torch.cumsum(torch.tensor([0.1, 0.2, 0.3]), 0).tolist()",
    "[t.item() for t in torch.arange(4)][::-1]",
    "(torch.Tensor.tolist(torch.arange(3)), torch.linspace(0, 1, 5)[2].item(), torch.tensor([[1, 2], [3, 4]])[-1].tolist())",
    "[isinstance(v, collections.abc.Iterable) for v in (3, 'a', [1], {}, 2.5)]",
    "[isinstance(v, (list, tuple)) for v in (None, torch.nn.ReLU, len, lambda: 1, functools.partial(max, 1), (1,))]",
    "[isinstance(v, (torch.nn.Module, torch.Tensor)) for v in ('se', 3, [1], (2,))]",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_values_match_python(tmp_path, expr):
    ours, python = evaluate(tmp_path, HEADER + f"V = {expr}\n", ["V"])
    assert ours["V"] == python["V"]
    assert repr(ours["V"]) == repr(python["V"])  # the same types too (1 vs 1.0 vs True)


UNKNOWN_INPUT = [
    "math.gcd(x, 4)", "math.ceil(x)", "divmod(x, 2)", "int(x, 16)", "round(x, 2)", "reduce(operator.mul, [2, x])",
    "sorted([x, 1])", "max([x, 1])", "max([1, 2], key=lambda v: x)", "list(map(lambda v: v + x, [1]))",
    "list(filter(lambda v: x, [1]))", "any([x, False])", "all([x, True])", "list(accumulate([1, x]))",
    "list(chain(x, [1]))", "list(product(x, [1]))", "list(islice(x, 2))", "list(zip(x, [1]))",
    "f'{x:02d}'", "f'{x!r}'", "'%d' % x", "'{}'.format(x)", "'a_b'.split(x)", "re.split(r'\\d', x)", "re.match(x, 'a')",
    "torch.linspace(0, x, 4).tolist()", "torch.arange(x).tolist()", "torch.tensor([x, 1]).tolist()",
    "(torch.arange(4) * x).tolist()", "functools.partial(lambda a, b: a * b, x)(2)", "(lambda a: a * x)(2)",
]


@pytest.mark.parametrize("expr", UNKNOWN_INPUT)
def test_an_unknown_input_gives_unknown(tmp_path, expr):
    path = tmp_path / "values.py"
    path.write_text(HEADER + f"def f(x):\n    return {expr}\n")
    index = ProjectIndex()
    info = index.load(path)
    machine = Machine(index)
    fn = machine.global_value(info, "f")
    assert rests_on_unknown(machine.call_function(fn, [UNKNOWN], {}))


def rests_on_unknown(v) -> bool:
    """UNKNOWN, or a container with an UNKNOWN item (its length may be known: ``[x + 1]``)."""
    if isinstance(v, (list, tuple)):
        return any(rests_on_unknown(e) for e in v)
    return v is UNKNOWN


def test_a_return_under_an_undecided_condition_makes_the_result_unknown(tmp_path):
    """timm's ``_ntuple``: with ``x`` unknown, either return may be the one taken."""
    path = tmp_path / "values.py"
    path.write_text(HEADER + "def f(x):\n    if isinstance(x, collections.abc.Iterable):\n        return tuple(x)\n    return tuple(repeat(x, 2))\n")
    index = ProjectIndex()
    machine = Machine(index)
    fn = machine.global_value(index.load(path), "f")
    assert machine.call_function(fn, [UNKNOWN], {}, phase="init") is UNKNOWN
    assert machine.call_function(fn, [3], {}, phase="init") == (3, 3)


def test_a_change_under_an_undecided_condition_makes_the_object_unknown(tmp_path):
    path = tmp_path / "values.py"
    path.write_text("def f(x):\n    layers = [1]\n    d = {}\n    if x:\n        layers.append(2)\n        d['a'] = 1\n    return layers, d\n")
    index = ProjectIndex()
    machine = Machine(index)
    fn = machine.global_value(index.load(path), "f")
    assert machine.call_function(fn, [UNKNOWN], {}, phase="init") == (UNKNOWN, UNKNOWN)
    assert machine.call_function(fn, [True], {}, phase="init") == ([1, 2], {"a": 1})


@pytest.mark.parametrize("n", [64, 65, 400])
def test_loop_nests_are_followed_up_to_a_bound(tmp_path, n):
    """timm's TinyViT fills a buffer from a 196 x 196 loop nest: past MAX_LOOP_WORK
    iterations the nest is not followed (what it changes is unknown), within the budget."""
    source = f"def f():\n    out = []\n    for i in range({n}):\n        for j in range({n}):\n            out.append(i * j)\n    return out\nV = f()\n"
    start = time.monotonic()
    ours, python = evaluate(tmp_path, source, ["V"])
    assert ours["V"] == (python["V"] if n * n <= 4096 else UNKNOWN)
    assert time.monotonic() - start < 10


def test_a_refused_layer_under_a_handler_that_does_not_catch_it_is_reported(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(MODELS["try_retry"].replace("except TypeError:", "except ImportError:"))
    assert [f.code for f in check_path(path).findings] == ["SHP005"]


def test_any_and_all_are_known_when_one_item_decides(tmp_path):
    path = tmp_path / "values.py"
    path.write_text(HEADER + "def f(x):\n    return any([x, True]), all([x, False])\n")
    index = ProjectIndex()
    machine = Machine(index)
    assert machine.call_function(machine.global_value(index.load(path), "f"), [UNKNOWN], {}) == (True, False)


BOUNDED = [
    "list(repeat(1, 10 ** 9))", "list(product(range(100), repeat=5))", "list(repeat(1))", "list(cycle([1]))",
    "list(itertools.count())", "list(islice(itertools.count(), 10 ** 9))", "math.comb(10 ** 6, 3)", "math.factorial(10 ** 5)",
    "1 << 10 ** 9", "pow(7, 10 ** 9)", "f'{1:999999999}'", "'%999999999d' % 1", "'{:999999999}'.format(1)",
    "'%*d' % (10 ** 9, 1)", "round(7, -10 ** 9)", "('a' * 4000).replace('a', 'b' * 4000)", "'x'.zfill(10 ** 9)", "'x'.center(10 ** 9)", "re.match(r'(a+)+b', 'a' * 40)", "re.match(r'(a|aa)*b', 'a' * 40)",
    "re.match(r'(a)\\1', 'aa')", "re.split(r'\\d', 'a1' * 1000)", "torch.arange(10 ** 7).tolist()",
    "torch.linspace(0, 1, 10 ** 6).tolist()", "list(zip([1], strict=True, fill=1))", "list(zip([1, 2], [1], strict=True))",
]


@pytest.mark.parametrize("expr", BOUNDED)
def test_bounded_cases_are_unknown_at_once(tmp_path, expr):
    start = time.monotonic()
    ours, _ = evaluate_ours(tmp_path, HEADER + f"V = {expr}\n")
    assert ours is UNKNOWN
    assert time.monotonic() - start < 5


def evaluate_ours(tmp_path: Path, source: str):
    path = tmp_path / "values.py"
    path.write_text(source)
    index = ProjectIndex()
    return Machine(index).global_value(index.load(path), "V"), None


def test_a_numpy_method_not_modelled_is_unknown_not_a_tensor(tmp_path):
    """diffusers builds ``nn.Linear(np.array(dims).prod(), ...)``: never a tensor argument."""
    v, _ = evaluate_ours(tmp_path, "import numpy as np\nV = np.array([1.5, 2.0]).mean()\n")
    assert v is UNKNOWN


def test_large_constant_arrays_keep_their_shape(tmp_path):
    v, _ = evaluate_ours(tmp_path, HEADER + "V = torch.linspace(0, 1, 10 ** 5)\n")
    assert isinstance(v, Tensor) and not isinstance(v, ConstTensor) and v.shape == (10**5,)
    v, _ = evaluate_ours(tmp_path, HEADER + "V = torch.tensor([[1.0, 2.0, 3.0]]) + 1\n")
    assert isinstance(v, ConstTensor) and v.shape == (1, 3)


# ---------------------------------------------------------------- torch as the float32 oracle

finite = st.floats(-100, 100, allow_nan=False, width=32)


@settings(max_examples=max(20, CASES_PER_FAMILY // 4))
@given(start=finite, end=finite, steps=st.integers(0, 300))
def test_linspace_values_are_torch_values(tmp_path_factory, start, end, steps):
    tmp = tmp_path_factory.mktemp("lin")
    v, _ = evaluate_ours(tmp, HEADER + f"V = torch.linspace({start!r}, {end!r}, {steps}).tolist()\n")
    assert v == torch.linspace(start, end, steps).tolist()


@settings(max_examples=max(20, CASES_PER_FAMILY // 4))
@given(start=st.one_of(st.integers(-20, 20), finite), length=st.floats(0, 60), step=st.sampled_from([1, 2, 0.1, 0.25, 0.3, 0.37, 3]))
def test_arange_values_are_torch_values(tmp_path_factory, start, length, step):
    tmp = tmp_path_factory.mktemp("ar")
    end = start + length
    v, _ = evaluate_ours(tmp, HEADER + f"V = torch.arange({start!r}, {end!r}, {step!r}).tolist()\n")
    assert v == torch.arange(start, end, step).tolist()


@settings(max_examples=max(20, CASES_PER_FAMILY // 4))
@given(depth=st.integers(1, 40), w0=st.sampled_from([8, 16, 24, 32, 48, 64, 80, 96]), wa=st.floats(8, 240), wm=st.floats(1.5, 3.0))
def test_regnet_widths_are_torch_values(tmp_path_factory, depth, w0, wa, wm):
    """The width rule of RegNet (float32 arange, log, round, pow, unique), as timm writes it."""
    tmp = tmp_path_factory.mktemp("regnet")
    source = HEADER + REGNET_WIDTHS + f"V = widths({wa!r}, {w0}, {wm!r}, {depth})\n"
    ours, python = evaluate(tmp, source, ["V"])
    assert ours["V"] == python["V"]


REGNET_WIDTHS = """
def widths(width_slope, width_initial, width_mult, depth, quant=8):
    cont = torch.arange(depth, dtype=torch.float32) * width_slope + width_initial
    exps = torch.round(torch.log(cont / width_initial) / math.log(width_mult))
    ws = torch.round((width_initial * torch.pow(width_mult, exps)) / quant) * quant
    return ws.int().tolist(), len(torch.unique(ws)), int(exps.max().item()) + 1
"""


# ---------------------------------------------------------------- numpy as the oracle (float64)

NUMPY_REGNET = """
import numpy as np

def widths(wa, w0, wm, depth, q=8):
    cont = np.arange(depth) * wa + w0
    ks = np.round(np.log(cont / w0) / np.log(wm))
    ws = w0 * np.power(wm, ks)
    ws = np.round(np.divide(ws, q)) * q
    stages, counts = np.unique(ws, return_counts=True)
    return ws.astype(int).tolist(), len(stages), counts.tolist(), int(ks.max()) + 1, np.cumsum(counts).tolist()

"""
NUMPY_CASES = [
    NUMPY_REGNET + f"V = widths({wa!r}, {w0}, {wm!r}, {depth})\n"
    for wa, w0, wm, depth in [(36.44, 24, 2.49, 13), (24.48, 24, 2.54, 22), (26.31, 48, 2.12, 25), (14.16, 80, 2.65, 21), (33.22, 128, 2.73, 23), (0.0, 8, 2.0, 4)]
] + [
    f"import numpy as np\nV = {expr}\n"
    for expr in [
        "np.linspace(0, 1, 7).tolist()",
        "np.linspace(0, 0.3, 50).tolist()",
        "np.linspace(2, 3, num=5, endpoint=False).tolist()",
        "np.arange(0, 3, 0.25).tolist()",
        "np.arange(0.1, 4.0, 0.3).tolist()",
        "np.arange(5, dtype=np.float32).tolist()",
        "np.array([[1, 2], [3, 4]]).tolist()",
        "(np.arange(5) / 2).tolist()",
        "np.round(np.array([0.5, 1.5, 2.675]), 2).tolist()",
        "np.round(np.array([0.5, 1.5, 2.5, -0.5])).tolist()",
        "[int(v) for v in np.arange(4) * 3]",
        "(np.log(2.0), np.power(2, 3), np.sqrt(16.0))",
        "np.unique(np.array([3, 1, 3]), return_counts=True)[1].tolist()",
        "np.cumsum([0.1, 0.2, 0.3]).tolist()",
        "(np.arange(6) * 1.5).astype(int).tolist()",
        "np.array([1, 2, 3]).max() + 1",
        "(np.array([4, 2, 1]).prod(), np.prod([3, 5]))",
    ]
] + ["import numpy as np\nimport torch\nV = (torch.arange(4).numpy() / 3).tolist()\n"]
NUMPY_PYTHON = os.environ.get("SHAPELINT_NUMPY_PYTHON", "/work/venv-tv/bin/python")


@pytest.fixture(scope="module")
def numpy_reference():
    """What numpy itself gives for each case: in this interpreter if it has numpy, else in
    another one that has (SHAPELINT_NUMPY_PYTHON)."""
    script = (
        "import json, sys\n"
        "def norm(v):\n"
        "    if isinstance(v, (list, tuple)):\n"
        "        return type(v)(norm(e) for e in v)\n"
        "    return v.tolist() if hasattr(v, 'tolist') else v  # numpy scalars as Python numbers\n"
        "out = []\n"
        "for src in json.load(sys.stdin):\n"
        "    ns = {}\n"
        "    exec(src, ns)\n"
        "    out.append(repr(norm(ns['V'])))\n"
        "print(json.dumps(out))\n"
    )
    try:
        import numpy  # noqa: F401
        python = sys.executable
    except ImportError:
        python = NUMPY_PYTHON
        if not Path(python).exists():
            pytest.skip("no Python with numpy to compare with")
    done = subprocess.run([python, "-c", script], input=json.dumps(NUMPY_CASES), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("case", range(len(NUMPY_CASES)))
def test_numpy_values_are_numpy_values(tmp_path, numpy_reference, case):
    v, _ = evaluate_ours(tmp_path, NUMPY_CASES[case])
    assert repr(v) == numpy_reference[case]


# ---------------------------------------------------------------- models built through these, against torch

MODELS = {
    "try_retry": '''
import torch.nn as nn

def create_act(layer, inplace=None):
    if inplace is None:
        return layer()
    try:
        return layer(inplace=inplace)
    except TypeError:  # timm's create_act_layer: GELU takes no inplace
        return layer()

# shapelint: input=(N, 4)
class Retry(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = create_act(nn.GELU, inplace=True)
        self.b = create_act(nn.ReLU, inplace=True)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.b(self.a(x)))
''',
    "arch_strings": '''
import re
import torch.nn as nn

ARCH = ["ds_r1_k3_s1_c16", "ir_r2_k3_s2_e6_c24_se0.25", "ir_r1_k5_s2_e6_c40"]

def decode(block_str):
    ops = block_str.split("_")
    options = {}
    for op in ops[1:]:
        splits = re.split(r"(\\d.*)", op)
        if len(splits) >= 2:
            key, value = splits[:2]
            options[key] = value
    return dict(kind=ops[0], repeat=int(options["r"]), k=int(options["k"]), s=int(options["s"]), c=int(options["c"]),
                e=float(options.get("e", 1)))

# shapelint: input=(N, 3, 64, 64)
class ArchNet(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        cin = 3
        for args in map(decode, ARCH):
            for i in range(args["repeat"]):
                mid = int(cin * args["e"])
                layers.append(nn.Conv2d(cin, mid, 1))
                layers.append(nn.Conv2d(mid, args["c"], args["k"], stride=args["s"] if i == 0 else 1, padding=args["k"] // 2))
                cin = args["c"]
        self.blocks = nn.Sequential(*layers)

    def forward(self, x):
        return self.blocks(x)
''',
    "regnet_widths": '''
import math
import torch
import torch.nn as nn

def widths(width_slope, width_initial, width_mult, depth, quant=8):
    cont = torch.arange(depth, dtype=torch.float32) * width_slope + width_initial
    exps = torch.round(torch.log(cont / width_initial) / math.log(width_mult))
    ws = torch.round((width_initial * torch.pow(width_mult, exps)) / quant) * quant
    return ws.int().tolist(), len(torch.unique(ws))

# shapelint: input=(N, 3, 32, 32)
class TinyRegNet(nn.Module):
    def __init__(self):
        super().__init__()
        ws, stages = widths(36.44, 24, 2.49, 13)
        self.stages = stages
        chans = torch.unique(torch.tensor(ws)).tolist()
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip([3] + chans[:-1], chans))
        self.head = nn.Linear(chans[-1], 10)

    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.head(x.mean((2, 3)))
''',
    "rates_and_names": '''
import itertools
import functools
import operator
import torch
import torch.nn as nn

# shapelint: input=(N, 8, 16, 16)
class Named(nn.Module):
    def __init__(self, depths=(2, 1, 2)):
        super().__init__()
        total = functools.reduce(operator.add, depths)
        dpr = [x.item() for x in torch.linspace(0, 0.5, total)]
        chans = [8 + int(r * 100) for r in dpr]
        starts = [0] + list(itertools.accumulate(depths))[:-1]
        cin = 8
        for s, (i, d) in zip(starts, enumerate(depths)):
            for j in range(d):
                self.add_module(f"stage{i:02d}_block{j!r}", nn.Conv2d(cin, chans[s + j], 3, padding=1))
                cin = chans[s + j]
        self.add_module("norm_%d" % len(depths), nn.BatchNorm2d(cin))
        self.add_module("{}_{k}".format("head", k=max(depths, key=lambda v: -v)), nn.Conv2d(cin, 4, 1))

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x
''',
    "const_in_forward": '''
import torch
import torch.nn as nn

# shapelint: input=(N, 6, 8, 8)
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(6, 12, 3)
        self.scale = torch.linspace(0.5, 1.5, 12)
        self.fc = nn.Linear(torch.arange(4, 40, 16).tolist()[-1] - 4, 3)

    def forward(self, x):
        x = self.conv(x) * self.scale.view(1, -1, 1, 1)
        return self.fc(x.flatten(1)[:, :32])
''',
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_match_torch(tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(MODELS[name])
    result = check_path(path)
    assert result.findings == []
    declared = {k: v for k, v in result.declared.items() if v is not None}
    assert declared
    module = _load(path)
    for cls, shape in declared.items():
        index = ProjectIndex()
        [trace] = analyse(index, index.load(path), {cls: shape}, only=cls)
        model = getattr(module, cls)()
        model.eval()
        calls, out = torch_calls(model, torch.zeros(_concrete(shape)))
        ours = [(r.name, r.type, _concrete(r.input_shape) if r.input_shape else None, _concrete(r.output_shape) if r.output_shape else None) for r in trace.rows]
        assert ours == calls
        assert trace.params == sum(p.numel() for p in model.parameters())
        assert trace.output is not None and _concrete(trace.output) == out
