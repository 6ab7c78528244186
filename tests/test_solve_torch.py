"""Solving for an undeclared input, judged by torch.

A model with no declared input is checked with symbolic sizes; what the solver concludes
must be what torch does: a finding only where torch refuses every input size, an
inferred input that torch runs, and conditions that hold exactly at the sizes torch runs.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import torch
from conftest import CASES_PER_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import CASES, kind_of

from shapelint.engine import check_path, check_source
from shapelint.findings import RULES
from shapelint.solve import holds

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
UNDECLARED = sorted((ROOT / "undeclared").glob("*.py"))
GOOD = sorted((ROOT / "good").glob("*.py"))
DECLARATION = re.compile(r"^[ \t]*#[ \t]*shapelint:[ \t]*input[ \t]*=.*\n", re.MULTILINE)

# input sizes torch is tried at: squares, and a few that are not
SIZES = [(s, s) for s in range(1, 97)] + [(h, w) for h in (17, 32, 45, 64) for w in (9, 28, 33, 47, 90)]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # tests only: fixtures are our own files
    return module


def _channels(model: torch.nn.Module) -> int:
    first = next(m for m in model.modules() if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)))
    return first.in_channels


def _torch_error(model: torch.nn.Module, shape) -> Exception | None:
    try:
        with torch.no_grad():
            model(torch.zeros(shape))
    except Exception as e:  # torch refuses in many ways
        return e
    return None


@pytest.mark.parametrize("path", UNDECLARED, ids=lambda p: p.stem)
def test_undeclared_bug_is_found_and_torch_refuses_every_size(path):
    assert not DECLARATION.search(path.read_text())
    result = check_path(path)
    expected = path.with_suffix(".expected").read_text().splitlines()
    assert [f"{f.row}:{f.column}: {f.code} {f.message}" for f in result.findings] == expected
    module = _load(path, f"undeclared_{path.stem}")
    for trace in result.traces:
        model = getattr(module, trace.model)().eval()
        c = _channels(model)
        errors = [_torch_error(model, (2, c, h, w)) for h, w in SIZES]
        assert all(errors), f"torch runs {trace.model} at {[s for s, e in zip(SIZES, errors) if e is None][:3]}"
        kinds = {k for e in errors for k in kind_of(f"{type(e).__name__}: {e}")}
        for finding in result.findings:
            assert RULES[finding.code].name in kinds, f"{finding.code} but torch says {kinds}"


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_fixture_without_declarations_is_silent_and_its_inferred_input_runs(path, tmp_path):
    copy = tmp_path / path.name
    copy.write_text(DECLARATION.sub("", path.read_text()))
    result = check_path(copy)
    assert result.findings == []
    inferred = [t for t in result.traces if t.solved is not None]  # solved for, not stated in the code
    if not inferred:
        return
    module = _load(copy, f"stripped_{path.stem}")
    for trace in inferred:
        assert trace.input is not None and all(isinstance(d, int) for d in trace.input[1:]), trace.input
        model = getattr(module, trace.model)().eval()
        shape = (2,) + tuple(trace.input[1:])
        error = _torch_error(model, shape)
        assert error is None, f"{trace.model} at the inferred {shape}: {error}"


# --- random conv/pool stacks: the conditions hold exactly where torch runs -------------------


@st.composite
def stacks(draw):
    layers, lines = draw(st.integers(1, 4)), []
    channels = draw(st.integers(1, 3))
    first = channels
    for i in range(layers):
        kind = "conv" if i == 0 else draw(st.sampled_from(["conv", "max", "avg"]))  # a conv names the channels
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3))
        p = draw(st.integers(0, k // 2))
        if kind == "conv":
            d = draw(st.integers(1, 2))
            out = draw(st.integers(1, 4))
            lines.append(f"nn.Conv2d({channels}, {out}, {k}, stride={s}, padding={p}, dilation={d})")
            channels = out
        else:
            pool = "MaxPool2d" if kind == "max" else "AvgPool2d"
            lines.append(f"nn.{pool}({k}, stride={s}, padding={p})")
    features = draw(st.integers(1, 600))
    return first, lines, features


SOURCE = '''import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            {layers}
        )
        self.fc = nn.Linear({features}, 3)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
'''


@settings(max_examples=max(20, CASES_PER_FAMILY // 40), deadline=None)
@given(stacks(), st.data())
def test_conditions_agree_with_torch(stack, data):
    channels, lines, features = stack
    if data.draw(st.booleans()):  # in_features that some size gives: the flattened size torch computes at one
        namespace: dict = {}
        exec(compile(SOURCE.format(layers=",\n            ".join(lines), features=1), "<generated>", "exec"), namespace)
        size = data.draw(st.integers(1, 48))
        try:
            with torch.no_grad():
                features = int(torch.flatten(namespace["Net"]().features(torch.zeros(1, channels, size, size)), 1).shape[1])
        except RuntimeError:
            pass
    source = SOURCE.format(layers=",\n            ".join(lines), features=features)
    result = check_source("<source>", source)
    (trace,) = result.traces
    assert trace.symbols == ("H", "W")
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # tests only: our own generated model
    model = namespace["Net"]().eval()
    for _ in range(6):
        h, w = data.draw(st.integers(1, 48)), data.draw(st.integers(1, 48))
        admissible = all(holds(c, {"H": h, "W": w}, {}) for c in trace.conditions)
        runs = _torch_error(model, (1, channels, h, w)) is None
        CASES["solver conditions"] += 1
        assert admissible == runs, f"H={h} W={w}: conditions say {admissible}, torch {runs}\n{source}"
    if result.findings:  # no size at all: torch must refuse every one tried
        assert all(_torch_error(model, (1, channels, h, w)) for h, w in SIZES[:48])
    elif trace.input_source:
        assert _torch_error(model, (1,) + tuple(trace.input[1:])) is None


# --- random skip connections: a path down and up again, concatenated with the skip --------------

SKIP = '''import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d({c}, 4, {k}, padding={p})
        self.down = nn.Sequential(
            {down}
        )
        self.up = {up}

    def forward(self, x):
        e = self.enc(x)
        return torch.cat([self.up(self.down(e)), e], dim=1)
'''


@st.composite
def skips(draw):
    c, k = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    p = draw(st.integers(0, k // 2))
    down = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv", "max"]))
        kk, s = draw(st.integers(1, 4)), draw(st.integers(1, 2))
        pp = draw(st.integers(0, kk // 2))
        down.append(f"nn.Conv2d(4, 4, {kk}, stride={s}, padding={pp})" if kind == "conv" else f"nn.MaxPool2d({kk}, stride={s}, padding={pp})")
    if draw(st.booleans()):
        up = f"nn.Upsample(scale_factor={draw(st.sampled_from(['2', '2.0', '3', '4']))})"
    else:
        s = draw(st.integers(1, 3))
        kk = draw(st.integers(1, 4))
        up = f"nn.ConvTranspose2d(4, 4, {kk}, stride={s}, padding={draw(st.integers(0, (kk - 1) // 2))})"
    return c, SKIP.format(c=c, k=k, p=p, down=",\n            ".join(down), up=up)


@settings(max_examples=max(20, CASES_PER_FAMILY // 40), deadline=None)
@given(skips(), st.data())
def test_skip_conditions_agree_with_torch(skip, data):
    channels, source = skip
    result = check_source("<source>", source)
    (trace,) = result.traces
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # tests only: our own generated model
    model = namespace["Net"]().eval()
    for _ in range(6):
        h, w = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 40))
        admissible = all(holds(c, {"H": h, "W": w}, {}) for c in trace.conditions)
        runs = _torch_error(model, (1, channels, h, w)) is None
        CASES["solver conditions"] += 1
        assert admissible == runs, f"H={h} W={w}: conditions say {admissible}, torch {runs}\n{source}"
    if result.findings:
        assert all(_torch_error(model, (1, channels, h, w)) for h, w in SIZES[:48])


# --- small models whose input only their layers state: the inferred one runs in torch ----------

STATED_BY_LAYERS = {
    "layernorm_over_the_map": '''import torch
import torch.nn as nn


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 96, 4, stride=4)
        self.norm = nn.LayerNorm([96, 56, 56])

    def forward(self, x):
        return self.norm(self.conv(x))
''',
    "upsampled_skip": '''import torch
import torch.nn as nn


class UNetUp(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 8, 3)
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec = nn.Conv2d(16, 4, 3, padding=1)

    def forward(self, x):
        e = self.enc(x)
        m = self.up(self.mid(self.pool(e)))
        return self.dec(torch.cat([m, e], dim=1))
''',
    "audio_1d": '''import torch
import torch.nn as nn


class Keyword(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 9, stride=4)
        self.pool = nn.MaxPool1d(4)
        self.fc = nn.Linear(8 * 62, 12)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.conv(x)), 1))
''',
}


@pytest.mark.parametrize("name", sorted(STATED_BY_LAYERS))
def test_inferred_input_runs_in_torch(name):
    source = STATED_BY_LAYERS[name]
    result = check_source("<source>", source)
    assert result.findings == []
    (trace,) = result.traces
    assert trace.input_source.startswith("inferred from")
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)  # tests only: our own model
    model = next(v for k, v in namespace.items() if isinstance(v, type) and issubclass(v, torch.nn.Module) and v is not torch.nn.Module)()
    shape = (2,) + tuple(trace.input[1:])
    assert _torch_error(model.eval(), shape) is None
    assert trace.output is not None and tuple(model(torch.zeros(shape)).shape)[1:] == tuple(trace.output[1:])
