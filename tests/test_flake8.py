"""The flake8 plugin driven by real flake8 (a subprocess, as a project or an editor runs it):
codes, lines and columns as ``shapelint check`` prints them, clean good fixtures, inputs
declared in pyproject.toml, an unsaved buffer on standard input, flake8's own selection."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

pytest.importorskip("flake8")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
BAD = sorted((FIXTURES / "bad").glob("*.py"))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """This tree's sources first, and its pyproject's flake8 entry point made visible to
    ``importlib.metadata`` (an installed shapelint may predate it or be another checkout)."""
    entry_points = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["flake8.extension"]
    shim = tmp_path_factory.mktemp("shim")
    dist = shim / "shapelint-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shapelint\nVersion: 0.0.0\n")
    (dist / "entry_points.txt").write_text("[flake8.extension]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(shim), str(REPO / "src"), out.get("PYTHONPATH", "")])
    return out


def flake8(env, *args, cwd=REPO, stdin=None):
    done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout.splitlines()


def expected(path: Path, shown: str):
    """The fixture's ``.expected`` lines (``row:col: CODE message``, 1-based) under the
    name flake8 shows the file by."""
    return [f"{shown}:{line}" for line in path.with_suffix(".expected").read_text().splitlines() if line.strip()]


def test_entry_point_is_declared():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["flake8.extension"]
    assert declared == {"SHP": "shapelint.flake8:Plugin"}
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert any(e.replace(" ", "").startswith("flake8>=6") for e in extras)


def test_bad_fixtures_give_their_findings_at_their_columns(env):
    code, lines = flake8(env, "--select", "SHP", "fixtures/bad")
    assert code == 1
    want = [line for path in BAD for line in expected(path, f"fixtures/bad/{path.name}")]
    assert sorted(lines) == sorted(want)


def test_good_fixtures_are_clean(env):
    assert flake8(env, "--select", "SHP", "fixtures/good") == (0, [])


COLLAPSE = (FIXTURES / "bad" / "mnist_collapse.py").read_text()


@pytest.fixture
def project(tmp_path):
    """A project whose model declares its input only in pyproject.toml."""
    root = tmp_path / "proj"
    (root / "models").mkdir(parents=True)
    assert "# shapelint: input=(N, 1, 28, 28)\n" in COLLAPSE
    (root / "models" / "net.py").write_text(COLLAPSE.replace("# shapelint: input=(N, 1, 28, 28)\n", ""))
    return root


def test_input_declared_in_pyproject(env, project, tmp_path):
    [line] = (FIXTURES / "bad" / "mnist_collapse.expected").read_text().splitlines()
    row, col, rest = line.split(":", 2)
    shown = os.path.join("proj", "models", "net.py")
    # without a declaration the spatial check has no size to work on: nothing to report
    assert flake8(env, "--select", "SHP", shown, cwd=tmp_path) == (0, [])
    (project / "pyproject.toml").write_text('[tool.shapelint.inputs]\n"models/net.py::DeepMNIST" = ["N", 1, 28, 28]\n')
    # from the project's parent folder: the path target is relative to the pyproject's folder
    code, lines = flake8(env, "--select", "SHP", shown, cwd=tmp_path)
    assert code == 1 and lines == [f"{shown}:{int(row) - 1}:{col}:{rest}"]
    (project / "pyproject.toml").write_text('[tool.shapelint.inputs]\n"DeepMNIST" = [2, 1, 64, 64]\n')
    assert flake8(env, "--select", "SHP", "models/net.py", cwd=project) == (0, [])


def test_unsaved_buffer_on_stdin(env, project):
    """An editor pipes the buffer: its findings, not the file's on disk."""
    fixed = (FIXTURES / "bad" / "lenet_wrong_fc.py").read_text().replace("nn.Linear(16 * 6 * 6, 120)", "nn.Linear(16 * 5 * 5, 120)")
    on_disk = project / "models" / "lenet.py"
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", on_disk)
    args = ("--select", "SHP", "--stdin-display-name", "models/lenet.py", "-")
    assert flake8(env, *args, cwd=project, stdin=fixed) == (0, [])
    code, lines = flake8(env, *args, cwd=project, stdin=on_disk.read_text())
    assert code == 1 and lines == expected(FIXTURES / "bad" / "lenet_wrong_fc.py", "models/lenet.py")


def test_flake8_selects_not_the_plugin(env, tmp_path):
    """flake8's ``--extend-ignore`` and ``# noqa`` hide a code; ``[tool.shapelint] ignore``
    is ``shapelint check``'s and leaves flake8's output alone."""
    path = tmp_path / "net.py"
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", path)
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SHP003"]\n')
    code, lines = flake8(env, "--select", "SHP", "net.py", cwd=tmp_path)
    assert code == 1 and [line.split(" ")[1] for line in lines] == ["SHP003"]
    assert flake8(env, "--select", "SHP", "--extend-ignore", "SHP003", "net.py", cwd=tmp_path) == (0, [])
    assert flake8(env, "--select", "SHP00", "--extend-ignore", "SHP003", "net.py", cwd=tmp_path) == (0, [])
    source = path.read_text().replace("nn.Linear(16 * 6 * 6, 120)", "nn.Linear(16 * 6 * 6, 120)  # noqa: SHP003")
    path.write_text(source)
    assert flake8(env, "--select", "SHP", "net.py", cwd=tmp_path) == (0, [])


def test_plugin_import_is_cheap_and_torch_is_never_needed(env, tmp_path):
    """flake8 imports every plugin on every run: the module alone loads no analysis; and a
    run with torch made unimportable finds the bug all the same."""
    probe = "import sys, shapelint.flake8; print(sorted(m for m in ('libcst', 'torch', 'shapelint.engine', 'shapelint.interp') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", tmp_path / "net.py")
    run = ("import sys; sys.modules['torch'] = None; from flake8.main.cli import main; "
           "sys.exit(main(['--isolated', '--select', 'SHP', 'net.py']))")
    done = subprocess.run([sys.executable, "-c", run], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == expected(FIXTURES / "bad" / "lenet_wrong_fc.py", "net.py")


BLOCK = """\
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 16, 3, padding=1)

    def forward(self, x):
        return self.conv2(self.conv(x))
"""

NET = """\
import torch.nn as nn

from .blocks import Block


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(3)

    def forward(self, x):
        return self.block(x)
"""


def test_a_bug_in_an_imported_block_goes_on_the_model_line(env, tmp_path, monkeypatch):
    """flake8 shows only the checked file's lines: a bug in a block that another file
    defines is reported on the line of the model that reaches it, naming where it lies
    (never at the block's row and column in the wrong file)."""
    import importlib

    import torch

    pkg = tmp_path / "flake8_two_files"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text(BLOCK)
    (pkg / "net.py").write_text(NET)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match="expected input.*to have 32 channels"):
        importlib.import_module("flake8_two_files.net").Net()(torch.zeros(2, 3, 32, 32))
    code, lines = flake8(env, "--select", "SHP", "flake8_two_files", cwd=tmp_path)
    net_row = NET.splitlines().index("class Net(nn.Module):") + 1
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"flake8_two_files/net.py:{net_row}:1: SHP002 in flake8_two_files/blocks.py:8:32: Conv2d expects in_channels=32 but receives 16")
    assert lines[0].endswith("(reached from Net)")


def test_a_configuration_error_is_one_line_naming_the_key(env, tmp_path):
    """As ``check`` exits 2 naming the key and the file, flake8 stops with one message,
    not a traceback and never a silent pass."""
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", tmp_path / "net.py")
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nselekt = ["ALL"]\n')
    done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "SHP", "net.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert "'selekt'" in done.stdout and str(tmp_path / "pyproject.toml") in done.stdout
