"""The language server's parts without the protocol: the warm session, positions, actions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types

from shapelint.engine import check_source
from shapelint.extract.index import ProjectIndex
from shapelint.lsp.actions import code_actions
from shapelint.lsp.convert import Lines, code_point_column, lsp_column
from shapelint.lsp.session import Session, Superseded

ROOT = Path(__file__).resolve().parent.parent
LENET = (ROOT / "fixtures" / "bad" / "lenet_wrong_fc.py").read_text()

BLOCKS = """import torch.nn as nn


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.MaxPool2d(2))

    def forward(self, x):
        return self.body(x)
"""

MODEL = """import torch
import torch.nn as nn

from .blocks import Features


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = Features()
        self.fc = nn.Linear(400, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
"""


def _project(tmp_path: Path) -> tuple[Path, Path]:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(BLOCKS)
    (package / "model.py").write_text(MODEL)
    return package / "model.py", package / "blocks.py"


def _codes(analysis) -> list[str]:
    return [f"{f.code}:{f.row}" for f in analysis.findings]


@pytest.mark.parametrize(("line", "column", "units"), [
    ("abc", 2, {"utf-16": 2, "utf-8": 2, "utf-32": 2}),
    ("é = 1", 1, {"utf-16": 1, "utf-8": 2, "utf-32": 1}),
    ("😀x", 1, {"utf-16": 2, "utf-8": 4, "utf-32": 1}),
    ("😀x", 2, {"utf-16": 3, "utf-8": 5, "utf-32": 2}),
])
def test_columns_in_each_encoding_and_back(line, column, units):
    for encoding, expected in units.items():
        assert lsp_column(line, column, encoding) == expected
        assert code_point_column(line, expected, encoding) == column


def test_a_file_edited_elsewhere_and_on_disk_is_read_again(tmp_path):
    model, blocks = _project(tmp_path)
    session = Session()
    first = session.analyse(model, MODEL, {})
    assert _codes(first) == []
    assert blocks.resolve() in first.depends_on
    held = session.index
    # the block's buffer, unsaved, is what the model's check reads
    wide = BLOCKS.replace("nn.Conv2d(6, 16, 5)", "nn.Conv2d(6, 32, 5)")
    assert _codes(session.analyse(model, MODEL, {blocks: wide})) == ["SHP003:12"]
    # closed again: the file on disk counts
    assert _codes(session.analyse(model, MODEL, {})) == []
    # changed on disk (another tool, a checkout)
    blocks.write_text(BLOCKS.replace("nn.Conv2d(6, 16, 5)", "nn.Conv2d(6, 8, 5)"))
    os.utime(blocks, ns=(1, 1))  # a stamp of its own, however coarse the clock
    assert _codes(session.analyse(model, MODEL, {})) == ["SHP003:12"]
    assert session.index is held  # the same warm index throughout


def test_settings_are_read_again_when_pyproject_changes(tmp_path):
    path = tmp_path / "lenet.py"
    session = Session()
    assert _codes(session.analyse(path, LENET, {})) == ["SHP003:19"]
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SHP003"]\n')
    assert _codes(session.analyse(path, LENET, {})) == []
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nignore = []\n')
    os.utime(tmp_path / "pyproject.toml", ns=(2, 2))
    assert _codes(session.analyse(path, LENET, {})) == ["SHP003:19"]


def test_an_unwanted_analysis_stops_before_it_starts(tmp_path):
    with pytest.raises(Superseded):
        Session().analyse(tmp_path / "lenet.py", LENET, {}, wanted=lambda: False)


def test_forget_drops_the_importers_too(tmp_path):
    model, blocks = _project(tmp_path)
    unrelated = tmp_path / "pkg" / "other.py"
    unrelated.write_text("import torch.nn as nn\n")
    index = ProjectIndex()
    check_source(str(model), MODEL, index=index)
    index.load(unrelated)
    assert {blocks.resolve(), model.resolve(), unrelated.resolve()} <= set(index.loaded())
    assert index.forget({blocks}) == {blocks.resolve(), model.resolve()}
    assert unrelated.resolve() in index.loaded()
    again = check_source(str(model), MODEL.replace("400", "401"), index=index)
    assert [f.code for f in again.findings] == ["SHP003"]  # the model parsed anew, not the held one


def test_actions_reuse_fix_and_noqa(tmp_path):
    path = tmp_path / "lenet.py"
    analysis = Session().analyse(path, LENET, {})
    (finding,) = analysis.findings
    lines = Lines(LENET)
    everything = types.Range(types.Position(0, 0), types.Position(len(LENET.splitlines()), 0))
    got = code_actions(analysis.findings, LENET, path.as_uri(), str(path), everything, "utf-16")
    assert [a.title for a in got] == ["Fix SHP003: use in_features=400", "Suppress with `# noqa: SHP003`"]
    assert got[0].is_preferred and not got[1].is_preferred
    (edit,) = got[0].edit.changes[path.as_uri()]
    assert edit.new_text == "400" and edit.range == lines.range(finding.row, finding.column, finding.end_row, finding.end_column)
    # a computed argument has no safe fix: only the noqa action is offered
    computed = LENET.replace("nn.Linear(16 * 6 * 6, 120)", "nn.Linear(WIDTH, 120)").replace("import torch\n", "import torch\nWIDTH = 576\n", 1)
    analysis = Session().analyse(path, computed, {})
    got = code_actions(analysis.findings, computed, path.as_uri(), str(path), everything, "utf-16")
    assert [a.title for a in got] == ["Suppress with `# noqa: SHP003`"]
    # nowhere near the finding: nothing
    assert code_actions(analysis.findings, computed, path.as_uri(), str(path), types.Range(types.Position(0, 0), types.Position(0, 1)), "utf-16") == []
