"""The command line as a user meets it: exit codes, formats, messages, bad input."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shapelint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

LENET = textwrap.dedent(
    """\
    import torch
    {imports}


    # shapelint: input=(N, 3, 32, 32)
    class Net({module}):
        def __init__(self):
            super().__init__()
            self.features = {seq}(
                {conv}(3, 6, 5),
                {pool}(2, 2),
                {conv}(6, 16, 5),
                {pool}(2, 2),
            )
            self.fc = {linear}(16 * 6 * 6, 10)

        def forward(self, x):
            x = self.features(x)
            x = x.view(-1, 16 * 5 * 5)
            return self.fc(x)
    """
)

ALIASES = {
    "nn": dict(imports="import torch.nn as nn", module="nn.Module", seq="nn.Sequential", conv="nn.Conv2d", pool="nn.MaxPool2d", linear="nn.Linear"),
    "torch.nn": dict(imports="", module="torch.nn.Module", seq="torch.nn.Sequential", conv="torch.nn.Conv2d", pool="torch.nn.MaxPool2d", linear="torch.nn.Linear"),
    "from-import-as": dict(
        imports="from torch.nn import Conv2d as C, MaxPool2d as P, Linear as L, Sequential as S, Module",
        module="Module", seq="S", conv="C", pool="P", linear="L",
    ),
    "from-torch-import-nn": dict(imports="from torch import nn", module="nn.Module", seq="nn.Sequential", conv="nn.Conv2d", pool="nn.MaxPool2d", linear="nn.Linear"),
}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_good_fixtures_exit_0(capsys):
    code, out, err = run(capsys, "check", str(FIXTURES / "good"))
    assert (code, err) == (0, "")
    assert "All checks passed!" in out


def test_bad_fixtures_exit_1_with_snippets(capsys):
    code, out, _ = run(capsys, "check", str(FIXTURES / "bad"))
    assert code == 1
    assert "lenet_wrong_fc.py:19:30: SHP003 Linear expects in_features=576 but receives 400 features" in out
    assert "19 |         self.fc1 = nn.Linear(16 * 6 * 6, 120)" in out
    assert "   |                              ^^^^^^^^^^ SHP003" in out
    total = sum(len(p.read_text().splitlines()) for p in (FIXTURES / "bad").glob("*.expected"))
    assert out.rstrip().endswith(f"Found {total} errors.")


def test_exit_zero(capsys):
    code, out, _ = run(capsys, "check", "--exit-zero", str(FIXTURES / "bad"))
    assert code == 0 and "SHP003" in out


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_import_aliases_resolve_the_same(capsys, tmp_path, alias):
    source = LENET.format(**ALIASES[alias])
    path = write(tmp_path, "net.py", source)
    column = source.splitlines()[14].index("16 * 6 * 6") + 1
    code, out, _ = run(capsys, "check", "--output-format", "concise", path)
    assert code == 1
    assert out.splitlines() == [
        f"{path}:15:{column}: SHP003 Linear expects in_features=576 but receives 400 features (16×5×5 after view, line 19); use {ALIASES[alias]['linear']}(400, 10)",
        "Found 1 error.",
    ]


def test_missing_path_is_a_usage_error(capsys):
    code, out, err = run(capsys, "check", "no/such/dir")
    assert code == 2 and out == ""
    assert err == "shapelint: error: no/such/dir: No such file or directory\n"


@pytest.mark.parametrize("spec", ["Net=4xfoo!", "Net", "=4x3", "Net=", "Net=4x0x3"])
def test_malformed_input_is_a_usage_error(capsys, spec):
    code, out, err = run(capsys, "check", "--input", spec, str(FIXTURES / "good"))
    assert code == 2 and out == ""
    assert err.startswith("shapelint: error: invalid --input") and err.count("\n") == 1


def test_unknown_option_is_one_line(capsys):
    code, _, err = run(capsys, "check", "--frobnicate")
    assert code == 2 and err.count("\n") == 1 and "frobnicate" in err


def test_syntax_error_is_a_finding_and_the_run_goes_on(capsys, tmp_path):
    write(tmp_path, "a_broken.py", "import torch\ndef f(:\n    pass\n")
    (tmp_path / "b_bad.py").write_text((FIXTURES / "bad" / "channel_mismatch.py").read_text())
    code, out, err = run(capsys, "check", "--output-format", "concise", str(tmp_path))
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'a_broken.py'}:2:") and " SHP000 SyntaxError" in lines[0]
    assert " SHP002 " in lines[1]


def test_cli_input_overrides_the_source_comment(capsys):
    path = str(FIXTURES / "good" / "lenet.py")
    code, out, _ = run(capsys, "check", "--input", "Net=1x3x16x16", "--output-format", "concise", path)
    # 16x16 -> conv5 12 -> pool 6 -> conv5 2 -> pool 1: 16 features, not 400
    assert code == 1
    assert "SHP003 Linear expects in_features=400 but receives 16 features" in out
    code, out, _ = run(capsys, "check", "--input", f"{path}::Net=1x3x32x32", path)
    assert code == 0


def test_without_a_declaration_channel_checks_still_run(capsys, tmp_path):
    src = (FIXTURES / "bad" / "channel_mismatch.py").read_text().replace("# shapelint: input=(N, 3, 64, 64)\n", "")
    code, out, _ = run(capsys, "check", "--output-format", "concise", write(tmp_path, "m.py", src))
    assert code == 1 and "SHP002 Conv2d expects in_channels=16 but receives 8 channels" in out
    src = (FIXTURES / "bad" / "mnist_collapse.py").read_text().replace("# shapelint: input=(N, 1, 28, 28)\n", "")
    code, out, _ = run(capsys, "check", write(tmp_path, "c.py", src))
    assert code == 0  # spatial checks need the input size


UNDECLARED_TIMESERIES = textwrap.dedent(
    """\
    import torch.nn as nn


    class TimeSeries(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(64, 128)
            self.conv = nn.Conv1d(128, 32, 3)
            self.bn = nn.BatchNorm1d(10)
            self.head = nn.Linear({head_in}, 5)

        def forward(self, x):  # x: (N, T, 64), not declared
            h = self.fc(x).transpose(1, 2)
            y = self.bn(self.fc(x))
            return self.conv(h), self.head(self.fc(x))
    """
)


def test_undeclared_linear_input_keeps_any_leading_dims(capsys, tmp_path):
    # torch runs this for x of shape (N, 10, 64): no rank guessed after a Linear
    path = write(tmp_path, "ts.py", UNDECLARED_TIMESERIES.format(head_in=128))
    code, out, _ = run(capsys, "check", path)
    assert code == 0, out
    # but the features a Linear receives are known whatever the leading dims
    path = write(tmp_path, "ts_bad.py", UNDECLARED_TIMESERIES.format(head_in=100))
    code, out, _ = run(capsys, "check", "--output-format", "concise", path)
    assert code == 1 and "SHP003 Linear expects in_features=100 but receives 128 features" in out


def test_symbolic_batch_is_never_guessed(capsys, tmp_path):
    src = (FIXTURES / "bad" / "flatten_batch.py").read_text().replace("input=(4, 3, 32, 32)", "input=(N, 3, 32, 32)")
    code, out, _ = run(capsys, "check", write(tmp_path, "f.py", src))
    assert code == 0, out  # torch.flatten(x) over a symbolic batch: unknown, so no finding


def test_json_output_follows_the_contract(capsys):
    path = str(FIXTURES / "bad" / "lenet_wrong_fc.py")
    code, out, _ = run(capsys, "check", "--output-format", "json", path)
    assert code == 1
    [item] = json.loads(out)
    assert item == {
        "code": "SHP003",
        "name": "in-features-mismatch",
        "severity": "error",
        "message": "Linear expects in_features=576 but receives 400 features (16×5×5 after torch.flatten, line 25); use nn.Linear(400, 120)",
        "filename": path,
        "location": {"row": 19, "column": 30},
        "end_location": {"row": 19, "column": 40},
        "fix": {
            "message": "use in_features=400",
            "edits": [{"content": "400", "location": {"row": 19, "column": 30}, "end_location": {"row": 19, "column": 40}}],
        },
    }


def test_json_output_when_clean_is_an_empty_array(capsys):
    code, out, _ = run(capsys, "check", "--output-format", "json", str(FIXTURES / "good"))
    assert code == 0 and json.loads(out) == []


def test_rule_lists_and_explains(capsys):
    code, out, _ = run(capsys, "rule")
    assert code == 0 and len(out.splitlines()) == 10 and "SHP003  in-features-mismatch" in out
    code, out, _ = run(capsys, "rule", "SHP001")
    assert code == 0 and "## What it does" in out and "## Why is this bad?" in out
    code, _, err = run(capsys, "rule", "SHP999")
    assert code == 2 and "unknown rule" in err


def test_console_script_and_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "shapelint", "check", str(FIXTURES / "bad" / "strided_same.py")], capture_output=True, text=True)
    assert proc.returncode == 1 and "SHP005" in proc.stdout and proc.stderr == ""
