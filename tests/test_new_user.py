"""Issue 8's acceptance, tried as a new user would on a project of their own: settings and
inputs in pyproject.toml, a ``# noqa``, a per-file ignore, broken models; ``shapelint
check`` run from the project's root with no arguments; each format read by its consumer's
rules; ``--diff`` showing exactly what ``--fix`` then writes; torch running what is fixed.

The other tests check each piece on its own; this one checks they hold together."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path
from typing import Dict, List

import jsonschema
import pytest
import torch
from test_fixtures import _concrete, _load

from shapelint.cli import main

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

PYPROJECT = """\
[project]
name = "my-models"

[tool.shapelint]
select = ["ALL"]
per-file-ignores = { "legacy/*" = ["SHP004"] }

[tool.shapelint.inputs]
"models/lenet.py::Net" = ["N", 3, 32, 32]
"""


def _expected(name: str) -> List[str]:
    return (BAD / f"{name}.expected").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "my-models"
    (root / "models").mkdir(parents=True)
    (root / "legacy").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    # the input is declared only in pyproject.toml (the comment keeps the line numbers)
    lenet = (BAD / "lenet_wrong_fc.py").read_text()
    assert "# shapelint: input=(N, 3, 32, 32)\n" in lenet
    (root / "models" / "lenet.py").write_text(lenet.replace("# shapelint: input=(N, 3, 32, 32)\n", "# input: see pyproject.toml\n"))
    shutil.copy(BAD / "channel_mismatch.py", root / "models" / "features.py")
    # a finding the team accepted, with a noqa on its line
    [finding] = _expected("layernorm_width")
    row, code = int(finding.split(":")[0]), finding.split()[1]
    lines = (BAD / "layernorm_width.py").read_text().splitlines(True)
    lines[row - 1] = lines[row - 1].rstrip("\n") + f"  # noqa: {code}\n"
    (root / "models" / "accepted.py").write_text("".join(lines))
    # a legacy folder whose norm findings are ignored
    shutil.copy(BAD / "batchnorm_mismatch.py", root / "legacy" / "old.py")
    monkeypatch.chdir(root)
    return root


def _check(capsys, *args: str):
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


EXPECTED = {  # path -> the findings (row:col: CODE ...) the run must give
    "models/features.py": _expected("channel_mismatch"),
    "models/lenet.py": _expected("lenet_wrong_fc"),
}


def test_new_user_project(project, capsys):
    code, out, err = _check(capsys, "--output-format", "concise")
    assert code == 1, err
    want = sorted(f"{path}:{line}" for path, lines in EXPECTED.items() for line in lines)
    assert out.splitlines()[:-1] == want and out.splitlines()[-1] == f"Found {len(want)} errors."

    # GitHub: one well-formed workflow command per finding
    code, out, _ = _check(capsys, "--output-format", "github")
    command = re.compile(r"^::error title=SHP\d{3} [a-z-]+,file=[^,:%]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+::SHP\d{3} [^\r\n]+$")
    assert code == 1 and len(out.splitlines()) == len(want) and all(command.match(line) for line in out.splitlines())
    assert {line.split("file=")[1].split(",")[0] for line in out.splitlines()} == set(EXPECTED)

    # GitLab Code Quality: unique fingerprints, paths relative to the project
    code, _, _ = _check(capsys, "--output-format", "gitlab", "--output-file", "gl-code-quality-report.json")
    report = json.loads((project / "gl-code-quality-report.json").read_text())
    assert code == 1 and len(report) == len(want) and len({r["fingerprint"] for r in report}) == len(report)
    assert {r["location"]["path"] for r in report} == set(EXPECTED)

    # SARIF, validated against the official schema
    code, out, _ = _check(capsys, "--output-format", "sarif")
    log = json.loads(out)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert code == 1 and len(log["runs"][0]["results"]) == len(want)

    # --diff shows the change and writes nothing; --fix writes that same change
    before: Dict[str, str] = {p: (project / p).read_text() for p in EXPECTED}
    code, diff, _ = _check(capsys, "--diff")
    assert code == 1 and {p: (project / p).read_text() for p in EXPECTED} == before
    code, out, _ = _check(capsys, "--fix")
    assert code == 0, out
    after = {p: (project / p).read_text() for p in EXPECTED}
    assert diff == "".join(
        "".join(difflib.unified_diff(before[p].splitlines(True), after[p].splitlines(True), p, p)) for p in sorted(EXPECTED) if before[p] != after[p]
    )
    assert all(before[p] != after[p] for p in EXPECTED)
    assert _check(capsys)[0] == 0  # clean now: the noqa and the legacy ignore still hold

    # torch runs the fixed models at their declared inputs (pyproject's for lenet)
    for path, cls, shape in (("models/lenet.py", "Net", ("N", 3, 32, 32)), ("models/features.py", "Features", ("N", 3, 64, 64))):
        model = getattr(_load(project / path), cls)()
        model.eval()
        with torch.no_grad():
            model(torch.zeros(_concrete(shape)))
