"""What keeps a module tree whole: a flag from a function that cannot return a module, a
layer factory that dispatches on a set of classes and on ``__name__`` (timm's style).
Each model is run in torch, and its parameter total must be torch's or unknown."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import torch

from shapelint.analysis import analyse
from shapelint.extract.index import ProjectIndex

HEADER = "import os\nimport torch\nimport torch.nn as nn\n\n"


def run(tmp_path: Path, source: str, cls: str, shape):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(source))
    index = ProjectIndex()
    [trace] = analyse(index, index.load(path), {cls: shape}, only=cls, training=False)
    spec = importlib.util.spec_from_file_location("model_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # tests only: our own model
    model = getattr(module, cls)()
    out = model(torch.zeros(shape))
    return trace, sum(p.numel() for p in model.parameters()), tuple(out.shape)


def test_a_flag_from_a_function_that_returns_no_module_keeps_the_tree(tmp_path):
    trace, params, out = run(tmp_path, """
        _FLAG = int(os.environ.get("SHAPELINT_TEST_FLAG", "0"))

        def use_fast():
            if _FLAG:
                return True
            return _FLAG > 1

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fast = use_fast()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x)
    """, "Net", (2, 4))
    assert trace.params == params and tuple(trace.output) == out


def test_a_function_that_may_return_a_module_leaves_the_total_unknown(tmp_path):
    trace, _, _ = run(tmp_path, """
        _FLAG = int(os.environ.get("SHAPELINT_TEST_FLAG", "0"))

        def extra():
            layer = nn.Linear(2, 2)
            return layer if _FLAG else None

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.extra = extra()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x)
    """, "Net", (2, 4))
    assert trace.params is None  # extra may be a Linear: its parameters would count


def test_layer_factory_dispatching_on_a_set_of_classes_and_names(tmp_path):
    trace, params, out = run(tmp_path, """
        _NORMS = {nn.BatchNorm2d, nn.GroupNorm, nn.BatchNorm2d}
        _BY_NAME = {"batchnorm2d": nn.BatchNorm2d, "instancenorm2d": nn.InstanceNorm2d}

        def norm_for(layer, channels):
            if layer in _NORMS:
                return layer(channels)
            return _BY_NAME[layer.__name__.lower()](channels, affine=True)

        class Net(nn.Module):
            def __init__(self, norm=nn.InstanceNorm2d):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3, padding=1)
                self.norm = norm_for(norm, 8)
                self.other = norm_for(nn.BatchNorm2d, 8)

            def forward(self, x):
                return self.other(self.norm(self.conv(x)))
    """, "Net", (2, 3, 8, 8))
    assert trace.params == params and tuple(trace.output) == out
    assert [r.type for r in trace.rows] == ["Conv2d", "InstanceNorm2d", "BatchNorm2d"]


def test_deepcopy_of_architecture_args_and_modules(tmp_path):
    trace, params, out = run(tmp_path, """
        from copy import copy, deepcopy

        ARCH = [dict(out=16, k=3), dict(out=16, k=1)]

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                stages = [deepcopy(a) for a in ARCH]
                stages[0]["out"] = 12  # the copy changes, ARCH does not
                layers, c = [], 3
                for a in stages + copy(ARCH):
                    layers.append(nn.Conv2d(c, a["out"], a["k"], padding=a["k"] // 2))
                    c = a["out"]
                self.body = nn.Sequential(*layers)
                self.twin = deepcopy(self.body[-1])

            def forward(self, x):
                return self.twin(self.body(x))
    """, "Net", (1, 3, 8, 8))
    assert trace.params == params and tuple(trace.output) == out
