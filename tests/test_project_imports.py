"""Blocks and helpers imported from other files of the same project, checked against torch."""

import gc
import importlib
import sys
import textwrap

import pytest
import torch

from shapelint.analysis import analyse
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex

BLOCKS = '''\
import torch.nn as nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Residual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = conv_bn(channels, channels)

    def forward(self, x):
        return x + self.body(x)
'''

MODEL = '''\
import torch
import torch.nn as nn

from .layers.blocks import Residual
from proj.layers.blocks import conv_bn
from . import heads


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self, width=16, classes=10):
        super().__init__()
        self.stem = conv_bn(3, width, stride=2)
        self.res = Residual({res_width})
        self.head = heads.Head(width, classes)

    def forward(self, x):
        return self.head(self.res(self.stem(x)))
'''

HEADS = '''\
from torch import nn


class Head(nn.Module):
    def __init__(self, cin, classes):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.pool(x).flatten(1))
'''


@pytest.fixture
def project(tmp_path):
    def make(res_width):
        root = tmp_path / f"w{res_width}"
        pkg = root / "proj"
        (pkg / "layers").mkdir(parents=True)
        for path, text in {
            pkg / "__init__.py": "",
            pkg / "layers" / "__init__.py": "",
            pkg / "layers" / "blocks.py": BLOCKS,
            pkg / "heads.py": HEADS,
            pkg / "model.py": MODEL.format(res_width=res_width),
        }.items():
            path.write_text(textwrap.dedent(path.read_text() if False else text))
        return root

    yield make
    for name in [m for m in sys.modules if m == "proj" or m.startswith("proj.")]:
        del sys.modules[name]


def _torch_model(root):
    sys.path.insert(0, str(root))
    try:
        for name in [m for m in sys.modules if m == "proj" or m.startswith("proj.")]:
            del sys.modules[name]
        return importlib.import_module("proj.model").Net()  # tests only: our own generated files
    finally:
        sys.path.remove(str(root))


def test_relative_and_absolute_imports_are_followed(project):
    root = project(16)
    path = root / "proj" / "model.py"
    result = check_path(path)
    assert result.findings == []
    index = ProjectIndex()
    [trace] = analyse(index, index.load(path), {"Net": ("N", 3, 32, 32)}, only="Net")
    model = _torch_model(root)
    names = {m: n for n, m in model.named_modules()}
    calls = []
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append((names[m], tuple(o.shape)))) for m in model.modules() if not list(m.children())]
    with torch.no_grad():
        out = model(torch.zeros(2, 3, 32, 32))
    for h in hooks:
        h.remove()
    ours = [(r.name, tuple(2 if d == "N" else d for d in r.output_shape)) for r in trace.rows]
    assert ours == calls
    assert trace.params == sum(p.numel() for p in model.parameters())
    assert trace.output == ("N", 10) and tuple(out.shape) == (2, 10)


def test_a_wrong_argument_to_an_imported_block_is_reported_at_the_call(project):
    root = project(32)  # Residual(32) receives 16 channels
    path = root / "proj" / "model.py"
    findings = check_path(path).findings
    assert [(f.filename, f.row, f.code) for f in findings] == [(str(path), 14, "SHP002")]
    assert "Conv2d expects in_channels=32 but receives 16 channels" in findings[0].message
    model = _torch_model(root)
    with pytest.raises(RuntimeError, match="expected input.* to have 32 channels, but got 16 channels"):
        model(torch.zeros(2, 3, 32, 32))


def test_an_import_not_parsed_in_the_files_time_stays_unknown_and_is_parsed_later(project, monkeypatch):
    """The file's time bounds the parse of what it imports (a parse cannot be interrupted):
    past it, the model gives up to unknown, and the module is not remembered as missing."""
    import shapelint.engine as engine

    root = project(32)  # the bug is inside the imported block: found only by reading blocks.py
    path = root / "proj" / "model.py"
    index = ProjectIndex()
    monkeypatch.setattr(engine, "FILE_SECONDS", -1.0)  # the file's time is up before any import is parsed
    result = check_path(path, (), index)
    assert result.findings == [] and result.errors == []
    assert all(not t.complete for t in result.traces) and not any(t.error for t in result.traces)
    assert index.deadline is None  # the deadline was the file's only
    monkeypatch.setattr(engine, "FILE_SECONDS", 60.0)
    assert [f.code for f in check_path(path, (), index).findings] == ["SHP002"]  # same index: now parsed


def test_a_released_index_parses_again_what_the_next_file_needs(project, monkeypatch):
    """A worker lets its index go past a size (memory stays bounded): the findings stay the same."""
    import shapelint.run as run
    from shapelint.extract.roots import LazyIndex
    from shapelint.run import Job, check_one, settle

    root = project(32)
    path = root / "proj" / "model.py"
    lazy = LazyIndex([])
    first = check_one(Job(path, (), ()), lazy, None)
    assert lazy.index is not None and lazy.index.parsed_bytes > 0
    monkeypatch.setattr(run, "INDEX_BYTES", 0)
    try:
        settle(lazy)
    finally:
        gc.unfreeze()  # settle freezes what a worker keeps: not the test process's objects
    assert lazy.index is None
    again = check_one(Job(path, (), ()), lazy, None)
    assert [(f.code, f.row, f.message) for f in again.findings] == [(f.code, f.row, f.message) for f in first.findings]
    assert [f.code for f in again.findings] == ["SHP002"]
