"""Issue 9's acceptance, tried as a new user would: ``shapelint check`` on a folder of
models nobody declared an input for.  The bugs whose size the code states (a call in
``__main__``, a test, an annotation, an assert) or that no input size avoids are reported;
the good models, their declarations stripped, stay silent.  Each file's own expectation is
the one the fixture tests check against torch."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_solve_torch import DECLARATION

from shapelint.cli import main
from shapelint.engine import check_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_a_folder_of_undeclared_models(tmp_path, capsys, monkeypatch):
    expected = set()
    bad = sorted(FIXTURES.glob("undeclared/*.py")) + sorted(FIXTURES.glob("bad/stated_*.py"))
    for path in bad:
        assert not DECLARATION.search(path.read_text()), path
        shutil.copy(path, tmp_path / path.name)
        for line in path.with_suffix(".expected").read_text().splitlines():
            row, col, code = re.match(r"(\d+):(\d+): (SHP\d+)", line).groups()
            expected.add((path.name, int(row), int(col), code))
    good = sorted(FIXTURES.glob("good/*.py"))
    for path in good:
        (tmp_path / f"good_{path.name}").write_text(DECLARATION.sub("", path.read_text()))
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--no-cache", "--output-format", "json", "."])
    found = json.loads(capsys.readouterr().out)
    got = {(Path(f["filename"]).name, f["location"]["row"], f["location"]["column"], f["code"]) for f in found}
    assert got == expected
    assert code == 1 and len(bad) >= 10 and len(good) >= 30


MLP = """
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear({a}, {b}), nn.ReLU(), {norm})

    def forward(self, x):
        return self.net(x)
"""


@settings(max_examples=40, deadline=None, derandomize=True)
@given(a=st.integers(1, 6), b=st.integers(1, 6), c=st.integers(1, 6), kind=st.sampled_from(["LayerNorm({c})", "LayerNorm([{c}])", "RMSNorm({c})", "LayerNorm([3, {c}])", "BatchNorm1d({c})"]))
def test_a_norm_after_a_linear_with_no_input_declared(a, b, c, kind):
    """Only the last dim is known (a Linear takes any rank): a check that reads nothing
    else is reported, and one that depends on the rank is not, whatever torch says at
    one rank."""
    norm = "nn." + kind.format(c=c)
    source = MLP.format(a=a, b=b, norm=norm)
    result = check_source("mlp.py", source)
    namespace: dict = {}
    exec(compile(source, "<mlp>", "exec"), namespace)  # tests only: our own generated model
    model = namespace["MLP"]().eval()
    refused = []
    for shape in [(2, a), (2, 3, a), (2, 4, 3, a)]:
        try:
            model(torch.randn(*shape))
            refused.append(False)
        except (RuntimeError, ValueError):  # BatchNorm1d refuses a 4-D input with ValueError
            refused.append(True)
    if result.findings:
        assert all(refused), (norm, b)  # a finding: torch refuses at every rank
        assert [f.code for f in result.findings] == ["SHP004"]
    elif kind in ("LayerNorm({c})", "LayerNorm([{c}])", "RMSNorm({c})"):
        assert not any(refused), (norm, b)  # a check on the last dim alone is made
