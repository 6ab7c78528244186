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

from test_solve_torch import DECLARATION

from shapelint.cli import main

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
