"""Idioms that model builders (timm's EfficientNetBuilder and its layer factories) rest on:
``try``/``except`` around a probing call, ``'silu' in dir(F)``, sets of classes built by a
comprehension, ``isinstance(x, types.FunctionType)``, and a torch layer subclass whose own
forward uses ``self.weight``.

Values: each is evaluated by shapelint and by Python on the same source; a known value
must be Python's, and the listed ones must be known.  Models: rows, parameter total and
output equal torch's forward hooks.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import torch
from test_fixtures import _concrete, _load
from test_interp_stdlib import evaluate
from test_shapes_torch import torch_calls

from shapelint.analysis import analyse
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex
from shapelint.interp.dispatch import FUNCTIONAL_MEMBERS, torch_has
from shapelint.layers import REGISTRY, UNKNOWN, lookup
from shapelint.layers.core import Bound

HEADER = """\
import functools
import types
import torch
import torch.nn as nn
import torch.nn.functional as F


class Probe(nn.Module):
    def __init__(self, chs, rd_ratio=0.25):
        super().__init__()
        self.fc = nn.Conv2d(chs, max(1, int(chs * rd_ratio)), 1)


class Plain(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.fc = nn.Conv2d(chs, chs, 1)


def plain():
    return 1


def takes(layer):
    try:
        layer(8, rd_ratio=1.0)
        ok = True
    except TypeError:
        ok = False
    return ok


def parse(s):
    try:
        v = int(s)
    except ValueError:
        v = -1
    return v


def attr(x):
    try:
        v = x.missing
    except AttributeError:
        v = 0
    return v


def simple():
    try:
        x = 1
    except TypeError:
        x = 2
    return x


KINDS = {m for n, m in dict(a=nn.ReLU, b=nn.GELU, c=nn.ReLU, d=Plain).items()}
"""

# name -> (expression, must shapelint know it?)
CASES = {
    "try_body_plain": ("simple()", True),
    "probe_accepts": ("takes(Probe)", True),
    "probe_refuses": ("takes(Plain)", False),  # the binding fails: never True
    "parse_number": ("parse('12')", True),
    "parse_text": ("parse('ab')", False),
    "attr_unknown": ("attr(torch)", False),
    "dir_has": ("('silu' in dir(F), 'hardsigmoid' in dir(torch.nn.functional), hasattr(F, 'gelu'))", True),
    "dir_missing": ("'no_such_function' in dir(F)", False),
    "hasattr_layer": ("(hasattr(nn, 'Conv2d'), hasattr(torch.nn, 'Sequential'))", True),
    "set_of_classes": ("(nn.ReLU in KINDS, nn.SiLU in KINDS, Plain in KINDS, len(KINDS))", True),
    "function_type": (
        "(isinstance(plain, types.FunctionType), isinstance(lambda: 0, types.FunctionType),"
        " isinstance(nn.ReLU, types.FunctionType), isinstance(functools.partial(plain), types.FunctionType),"
        " isinstance(Plain, (type, types.FunctionType)), isinstance(Plain(4), types.FunctionType),"
        " isinstance('relu', types.FunctionType))",
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_python(tmp_path, name):
    expr, must_know = CASES[name]
    ours, python = evaluate(tmp_path, HEADER + f"V = {expr}\n", ["V"])
    if must_know:
        assert ours["V"] == python["V"]
    else:
        assert ours["V"] is UNKNOWN or ours["V"] == python["V"]


def test_an_unknown_in_the_body_lets_the_handler_run(tmp_path):
    """What the handler assigns stays possible when the body met a value not known."""
    ours, _ = evaluate(tmp_path, HEADER + "def f(x):\n    try:\n        y = x + 1\n    except TypeError:\n        y = 0\n    return y\nV = f(1)\n", ["V"])
    assert ours["V"] == 2
    source = HEADER + "def g(x):\n    try:\n        y = x.size(0)\n    except TypeError:\n        y = 0\n    return y\n"
    path = tmp_path / "g.py"
    path.write_text(source)
    from shapelint.interp.machine import Machine
    from shapelint.interp.values import FuncRef

    index = ProjectIndex()
    machine = Machine(index)
    fn = machine.global_value(index.load(path), "g")
    assert isinstance(fn, FuncRef)
    assert machine.call_function(fn, [UNKNOWN], {}, None, "init") is UNKNOWN


def _exists(qual: str) -> bool:
    parts = qual.split(".")
    obj: Any = importlib.import_module(parts[0])
    for p in parts[1:]:
        if not hasattr(obj, p):
            return False
        obj = getattr(obj, p)
    return True


def test_every_member_claimed_exists_in_torch():
    """``hasattr``/``dir`` answer True only for names real torch has."""
    claimed = [q for q in REGISTRY if q.startswith("torch.")] + [f"torch.nn.functional.{n}" for n in sorted(FUNCTIONAL_MEMBERS)]
    assert all(torch_has(q) is True for q in claimed)
    missing = [q for q in claimed if not _exists(q)]
    assert missing == []
    assert torch_has("torch.nn.functional.no_such_function") is UNKNOWN


@pytest.mark.parametrize("qual, kwargs", [
    ("torch.nn.Linear", dict(in_features=7, out_features=5)),
    ("torch.nn.Linear", dict(in_features=7, out_features=5, bias=False)),
    ("torch.nn.Conv2d", dict(in_channels=6, out_channels=4, kernel_size=3, groups=2)),
    ("torch.nn.Conv1d", dict(in_channels=4, out_channels=8, kernel_size=5, bias=False)),
    ("torch.nn.ConvTranspose2d", dict(in_channels=6, out_channels=4, kernel_size=(2, 3), groups=2)),
])
def test_layer_weights_are_torch_parameters(qual, kwargs):
    """``self.weight`` of a torch layer has the shape the algebra says: torch's."""
    spec = lookup(qual)
    assert spec is not None
    bound = spec.bind([], kwargs)
    assert isinstance(bound, Bound)
    module = getattr(torch.nn, qual.rsplit(".", 1)[-1])(**kwargs)
    assert dict(spec.weights(bound)) == {n: tuple(p.shape) for n, p in module.named_parameters()}


MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Linear(nn.Linear):
    """timm's Linear: its own forward over its own weight."""

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)


class Conv(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


# shapelint: input=(N, 4, 12, 12)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv(4, 6, 3, padding=1, groups=2)
        self.fc = Linear(6, 10)
        self.head = Linear(10, 3, bias=False)

    def forward(self, x):
        x = self.conv(x).mean((2, 3))
        return self.head(self.fc(x))
'''


def test_layer_subclass_forward_on_its_own_weight(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(MODEL)
    result = check_path(path)
    assert result.findings == []
    shape = result.declared["Net"]
    index = ProjectIndex()
    [trace] = analyse(index, index.load(path), {"Net": shape}, only="Net")
    model = _load(path).Net()
    model.eval()
    calls, out = torch_calls(model, torch.zeros(_concrete(shape)))
    ours = [(r.name, r.type, _concrete(r.input_shape) if r.input_shape else None, _concrete(r.output_shape) if r.output_shape else None) for r in trace.rows]
    assert ours == calls
    assert trace.params == sum(p.numel() for p in model.parameters())
    assert trace.output is not None and _concrete(trace.output) == out


CAUGHT = '''
import torch
import torch.nn as nn


# shapelint: input=(2, 6)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.alt = nn.Linear(6, 3)
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        try:
            y = self.fc(x)
            fallback = False
        except RuntimeError:
            fallback = True
        if fallback:
            return self.head(self.alt(x))
        return y
'''


def test_a_refusal_a_handler_catches_is_no_finding_and_the_handler_runs(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(CAUGHT)
    result = check_path(path)
    assert result.findings == []
    index = ProjectIndex()
    [trace] = analyse(index, index.load(path), {"Net": (2, 6)}, only="Net")
    model = _load(path).Net()
    assert trace.output is not None and tuple(trace.output) == tuple(model(torch.zeros(2, 6)).shape)
