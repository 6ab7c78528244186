"""The CI formats read by their consumers' rules, ``# noqa``, ``--statistics``,
``--output-file`` and ``--add-noqa``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from shapelint.cli import main
from shapelint.docs import is_absolute, rule_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"  # the official OASIS schema

TWO_BUGS = """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 4)
        self.fc2 = nn.Linear(5, 3)
        self.fc3 = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc3(self.fc2(self.fc1(x)))
"""


def run(capsys, *args):
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path):
    shutil.copytree(FIXTURES / "bad", tmp_path / "bad")
    (tmp_path / "bad" / "two_bugs.py").write_text(TWO_BUGS)
    return tmp_path / "bad"


def test_sarif_validates_against_the_official_schema(project, capsys):
    code, out, _ = run(capsys, "--output-format", "sarif", str(project))
    assert code == 1
    log = json.loads(out)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    driver = log["runs"][0]["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["SHP003"]["name"] == "in-features-mismatch"
    for rule in rules.values():  # the documentation's link when it is absolute, as SARIF requires
        assert rule.get("helpUri") == (rule_url(rule["id"]) if is_absolute(rule_url(rule["id"])) else None)
    assert "help" in rules["SHP003"] and rules["SHP003"]["help"]["text"]
    results = log["runs"][0]["results"]
    assert len(results) >= len(list(project.glob("*.expected")))
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_github_workflow_commands_are_well_formed(project, capsys):
    code, out, _ = run(capsys, "--output-format", "github", str(project))
    assert code == 1
    command = re.compile(r"^::error title=SHP\d{3} [a-z-]+,file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+::SHP\d{3} [^\r\n]+$")
    lines = out.splitlines()
    assert lines and all(command.match(line) for line in lines), out


def test_github_escaping(capsys):
    from shapelint.findings import Finding
    from shapelint.report.ci import github

    f = Finding("SHP003", "100% wrong,\nreally: yes", "dir,with:odd%name.py", 3, 4, 3, 9)
    line = github([f], {})
    assert line == "::error title=SHP003 in-features-mismatch,file=dir%2Cwith%3Aodd%25name.py,line=3,col=4,endLine=3,endColumn=9::SHP003 100%25 wrong,%0Areally: yes\n"


def test_gitlab_code_quality(project, capsys):
    code, out, _ = run(capsys, "--output-format", "gitlab", str(project))
    assert code == 1
    report = json.loads(out)
    assert report and len({r["fingerprint"] for r in report}) == len(report)
    for r in report:
        assert set(r) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert r["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(r["location"]["path"], str) and r["location"]["lines"]["begin"] >= 1
    # stable: the same findings give the same fingerprints, also after a line is inserted above
    again = json.loads(run(capsys, "--output-format", "gitlab", str(project))[1])
    assert [r["fingerprint"] for r in again] == [r["fingerprint"] for r in report]
    two = project / "two_bugs.py"
    before = {r["fingerprint"] for r in report if r["location"]["path"] == str(two)}
    two.write_text("# a comment\n" + TWO_BUGS)
    after = {r["fingerprint"] for r in json.loads(run(capsys, "--output-format", "gitlab", str(two))[1])}
    assert before == after and len(after) == 2


def test_noqa_suppresses(tmp_path, capsys):
    path = tmp_path / "net.py"
    path.write_text(TWO_BUGS.replace("nn.Linear(5, 3)", "nn.Linear(5, 3)  # noqa: SHP003").replace("nn.Linear(6, 2)", "nn.Linear(6, 2)  # noqa"))
    assert run(capsys, str(path))[0] == 0
    path.write_text(TWO_BUGS.replace("nn.Linear(5, 3)", "nn.Linear(5, 3)  # noqa: SHP001, SHP004"))
    code, out, _ = run(capsys, "--output-format", "concise", str(path))
    assert code == 1 and out.count("SHP003") == 2  # another code's noqa does not hide it
    path.write_text(TWO_BUGS.replace("self.fc2 = nn.Linear(5, 3)", "self.fc2 = nn.Linear(5, 3); s = '# noqa'"))
    assert run(capsys, "--output-format", "concise", str(path))[1].count("SHP003") == 2  # in a string: no directive


def test_statistics_and_output_file(project, tmp_path, capsys):
    code, out, _ = run(capsys, "--statistics", str(project / "two_bugs.py"))
    assert code == 1
    assert out == "2\tSHP003\t[*] in-features-mismatch\n"
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "--output-format", "json", "--output-file", str(target), str(project / "two_bugs.py"))
    assert code == 1 and out == ""
    assert [f["code"] for f in json.loads(target.read_text())] == ["SHP003", "SHP003"]


def test_add_noqa_then_clean(tmp_path, capsys):
    path = tmp_path / "net.py"
    source = TWO_BUGS.replace("self.fc3 = nn.Linear(6, 2)", "self.fc3 = nn.Linear(6, 2)  # noqa: SHP001").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + source.encode())
    code, out, _ = run(capsys, "--add-noqa", str(path))
    assert code == 0 and "Added 2 noqa directives." in out
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == source.count("\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    text = data.decode("utf-8-sig")
    assert "self.fc2 = nn.Linear(5, 3)  # noqa: SHP003\r\n" in text
    assert "self.fc3 = nn.Linear(6, 2)  # noqa: SHP001, SHP003\r\n" in text
    assert run(capsys, str(path))[0] == 0
    assert run(capsys, "--add-noqa", str(path))[1].startswith("Added 0 noqa directives.")


def test_noqa_is_read_in_the_file_the_finding_lies_in(tmp_path, capsys):
    """A bug in a block imported from another file is suppressed by a ``# noqa`` on its own
    line there, not by one on the same line number of the checked file."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    block = "import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n" \
            "        self.conv = nn.Conv2d(c, 16, 3, padding=1)\n        self.conv2 = nn.Conv2d(32, 16, 3, padding=1)\n\n" \
            "    def forward(self, x):\n        return self.conv2(self.conv(x))\n"
    net = "import torch.nn as nn\n\nfrom .blocks import Block\n\n\n# shapelint: input=(N, 3, 32, 32)\nclass Net(nn.Module):\n" \
          "    def __init__(self):\n        super().__init__()\n        self.block = Block(3)\n\n    def forward(self, x):\n        return self.block(x)\n"
    lines = net.splitlines(True)
    lines[7] = lines[7].rstrip("\n") + "  # noqa: SHP002\n"  # line 8 of the model: not the finding's file
    (pkg / "net.py").write_text("".join(lines))
    (pkg / "blocks.py").write_text(block)
    code, out, _ = run(capsys, "--no-cache", "--output-format", "concise", str(pkg / "net.py"))
    assert code == 1 and f"{pkg / 'blocks.py'}:8:32: SHP002" in out
    (pkg / "net.py").write_text(net)
    (pkg / "blocks.py").write_text(block.replace("padding=1)\n\n", "padding=1)  # noqa: SHP002\n\n"))
    assert run(capsys, "--no-cache", str(pkg / "net.py"))[0] == 0
