"""``[tool.shapelint]`` in pyproject.toml and ``--config``: rule selection, per-file
ignores, excludes, inputs, output format; bad configuration exits 2 naming the key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shapelint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COLLAPSE = (FIXTURES / "bad" / "mnist_collapse.py").read_text().replace("# shapelint: input=(N, 1, 28, 28)\n", "")


def run(capsys, *args):
    code = main(["check", "--output-format", "concise", *args]) if "--output-format" not in args else main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / "models").mkdir(parents=True)
    shutil.copy(FIXTURES / "bad" / "channel_mismatch.py", root / "models" / "channels.py")
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", root / "models" / "lenet.py")
    (root / "models" / "collapse.py").write_text(COLLAPSE)
    (root / "generated").mkdir()
    shutil.copy(FIXTURES / "bad" / "channel_mismatch.py", root / "generated" / "copy.py")
    return root


def write(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n\n" + text)


def codes_in(out: str):
    return sorted(line.split(": ")[1].split()[0] for line in out.splitlines() if ": SHP" in line)


def test_no_configuration(project, capsys):
    code, out, _ = run(capsys, str(project))
    assert code == 1 and codes_in(out) == ["SHP002", "SHP002", "SHP003"]  # the collapse needs an input


def test_inputs_select_exclude(project, capsys):
    write(project, """[tool.shapelint]
extend-exclude = ["generated"]
ignore = ["SHP003"]

[tool.shapelint.inputs]
"models/collapse.py::DeepMNIST" = ["N", 1, 28, 28]
""")
    code, out, _ = run(capsys, str(project))
    assert code == 1 and codes_in(out) == ["SHP001", "SHP002"], out
    assert "generated" not in out


def test_source_declaration_wins_over_the_configuration(project, capsys):
    # a size the model can take, declared in the source: the configuration's 28x28 is not used
    (project / "models" / "collapse.py").write_text(COLLAPSE.replace("class DeepMNIST(", "# shapelint: input=(N, 1, 280, 280)\nclass DeepMNIST(", 1))
    write(project, "[tool.shapelint.inputs]\nDeepMNIST = [1, 1, 28, 28]\n")
    code, out, _ = run(capsys, str(project / "models" / "collapse.py"))
    assert code == 0, out


def test_per_file_ignores_and_select(project, capsys):
    write(project, """[tool.shapelint]
select = ["SHP00"]
per-file-ignores = { "models/channels.py" = ["SHP002"] }
""")
    code, out, _ = run(capsys, str(project / "models"))
    assert codes_in(out) == ["SHP003"]
    code, out, _ = run(capsys, "--select", "SHP002", str(project / "models"))
    assert codes_in(out) == []  # the file's per-file ignore still holds
    code, out, _ = run(capsys, "--select", "SHP002", str(project / "generated"))
    assert codes_in(out) == ["SHP002"]


def test_output_format_from_the_file_and_the_cli_wins(project, capsys):
    write(project, '[tool.shapelint]\noutput-format = "json"\n')
    code = main(["check", str(project / "models" / "lenet.py")])
    out = capsys.readouterr()[0]
    assert code == 1 and json.loads(out)[0]["code"] == "SHP003"
    code = main(["check", "--output-format", "concise", str(project / "models" / "lenet.py")])
    assert capsys.readouterr()[0].startswith(str(project / "models" / "lenet.py"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("[tool.shapelint]\nselct = ['SHP001']\n", "unknown key [tool.shapelint] 'selct'"),
        ("[tool.shapelint]\nignore = ['SHP999']\n", "unknown rule code 'SHP999'"),
        ("[tool.shapelint]\nselect = 'SHP001'\n", "expected a list of strings"),
        ("[tool.shapelint.inputs]\nNet = [4, -3, 32]\n", "a dimension must be"),
        ("[tool.shapelint.inputs]\nNet = '4x3x32x32'\n", "expected a list of dimensions"),
        ("[tool.shapelint]\noutput-format = 'xml'\n", "output-format"),
        ("[tool.shapelint\n", "not valid TOML"),
    ],
)
def test_bad_configuration_exits_2_naming_key_and_file(project, capsys, text, message):
    write(project, text)
    code, out, err = run(capsys, str(project))
    assert code == 2 and out == ""
    assert err.startswith("shapelint: error: ") and str(project / "pyproject.toml") in err and message in err, err
    assert err.count("\n") == 1


def test_config_flag_and_cli_codes(project, tmp_path, capsys):
    cfg = tmp_path / "shapelint.toml"
    cfg.write_text('ignore = ["SHP002"]\n')
    code, out, _ = run(capsys, "--config", str(cfg), str(project / "models"))
    assert codes_in(out) == ["SHP003"]
    code, out, err = run(capsys, "--ignore", "SHPX", str(project))
    assert code == 2 and "unknown rule code 'SHPX'" in err
    code, out, _ = run(capsys, "--ignore", "SHP002,SHP003", str(project))
    assert code == 0


def test_a_folder_given_inside_an_excluded_name_is_still_checked(tmp_path, capsys):
    """``site-packages`` is excluded while walking, not when it is where the user points."""
    target = tmp_path / "venv" / "lib" / "site-packages" / "pkg"
    target.mkdir(parents=True)
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", target / "net.py")
    (target / "build").mkdir()
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", target / "build" / "net.py")
    code, out, _ = run(capsys, str(target))
    assert code == 1 and codes_in(out) == ["SHP003"]  # build/ below it is excluded by name


def test_relative_exclude_patterns(project, capsys):
    write(project, '[tool.shapelint]\nextend-exclude = ["models/chan*.py"]\n')
    code, out, _ = run(capsys, str(project))
    assert "channels.py" not in out and "copy.py" in out
