"""SHP009: an assert in forward that certainly fails is a finding; anything short of certain is not.

Each case runs in real torch too: a reported assert must raise AssertionError there.
"""

import importlib.util
import textwrap

import pytest
import torch

from shapelint.engine import check_path

HEAD = """
import torch
import torch.nn as nn


# shapelint: input=(2, 3, 16, 16)
class Net(nn.Module):
    def __init__(self, dim=64, flag=False):
        super().__init__()
        self.dim = dim
        self.flag = flag
        self.stem = nn.Conv2d(3, 32, 3, padding=1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.stem(x)
        B, C, H, W = x.shape
"""

FAILING = {
    "channels": ("assert x.shape[1] == 64", "x.shape[1] is 32"),
    "rank": ("assert x.dim() == 3", "x.dim() is 4"),
    "attribute": ("assert C == self.dim", "C is 32, self.dim is 64"),
    "tuple": ("assert x.shape == (2, 32, 8, 8)", "x.shape is (2, 32, 16, 16)"),
    "torch_assert": ("torch._assert(H == 8, 'height')", "torch._assert(H == 8, ...)"),
    "chain": ("assert 0 < C < 16", ""),
}

SILENT = {
    "holds": "assert C == 32 and H == W",
    "undecided_if": "if x.mean() > 0:\n    assert C == 64",
    "in_try": "try:\n    assert C == 64\nexcept AssertionError:\n    pass",
    "unknown": "assert C == self.missing",
    "after_assumed_rank": "y = self.fc(x.nonzero())\nassert y.dim() == 3",
    "after_undecided_return": "if x.mean() > 0:\n    return x\nassert C == 64",
}


def _write(tmp_path, body, tail="return x"):
    src = HEAD + textwrap.indent(body + "\n" + tail + "\n", " " * 8)
    path = tmp_path / "net.py"
    path.write_text(src)
    return path


def _torch_raises_assertion(path):
    spec = importlib.util.spec_from_file_location("net_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(AssertionError):
        module.Net()(torch.zeros(2, 3, 16, 16))


@pytest.mark.parametrize("name", sorted(FAILING))
def test_certain_failures_are_reported(tmp_path, name):
    body, detail = FAILING[name]
    path = _write(tmp_path, body)
    findings = check_path(path).findings
    assert [f.code for f in findings] == ["SHP009"], findings
    assert detail in findings[0].message
    _torch_raises_assertion(path)


@pytest.mark.parametrize("name", sorted(SILENT))
def test_uncertain_asserts_are_silent(tmp_path, name):
    path = _write(tmp_path, SILENT[name])
    assert check_path(path).findings == []


def test_forward_arguments_left_at_their_default_are_not_facts(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(HEAD.replace("def forward(self, x):", "def forward(self, x, c=None):") + "        assert c is not None\n        return x\n")
    assert check_path(path).findings == []


def test_no_assert_finding_after_another_finding(tmp_path):
    path = _write(tmp_path, "x = x.view(2, 100)\nassert C == 64")
    assert [f.code for f in check_path(path).findings] == ["SHP007"]


def test_assert_in_init_is_not_checked(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(HEAD.replace("self.dim = dim", "self.dim = dim\n        assert dim == 1") + "        return x\n")
    assert check_path(path).findings == []
