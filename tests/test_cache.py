"""The cache answers only while everything an analysis read is unchanged; ``--jobs``
gives the same report as one process."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from shapelint.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

BLOCKS = """import torch.nn as nn


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, WIDTH, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


WIDTH = 16
"""
NET = """import torch
import torch.nn as nn
from .blocks import Stem


# shapelint: input=(N, 3, 8, 8)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Stem()
        self.conv = nn.Conv2d(16, 8, 3)

    def forward(self, x):
        return self.conv(self.stem(x))
"""


def run(capsys, *args):
    code = main(["check", "--output-format", "concise", *args])
    out, err = capsys.readouterr()
    return code, out, err


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "blocks.py").write_text(BLOCKS)
    (root / "pkg" / "net.py").write_text(NET)
    return root


def test_warm_run_and_invalidation_through_an_import(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SHAPELINT_CACHE_DIR", raising=False)
    root = project(tmp_path)
    cold = run(capsys, str(root))
    assert cold[0] == 0
    cache = root / ".shapelint_cache"
    assert (cache / ".gitignore").read_text().strip().endswith("*") and any(cache.rglob("*.json"))
    assert run(capsys, str(root)) == cold
    # the bug is in the file that did not change: only its dependency did
    stamp = os.stat(root / "pkg" / "net.py").st_mtime_ns
    (root / "pkg" / "blocks.py").write_text(BLOCKS.replace("WIDTH = 16", "WIDTH = 32"))
    code, out, _ = run(capsys, str(root))
    assert code == 1 and "net.py:11:" in out and "SHP002" in out
    assert os.stat(root / "pkg" / "net.py").st_mtime_ns == stamp
    assert run(capsys, str(root))[:2] == (code, out)  # and that result is cached in turn


def test_cache_folder_options(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SHAPELINT_CACHE_DIR", raising=False)
    root = project(tmp_path)
    run(capsys, "--no-cache", str(root))
    assert not (root / ".shapelint_cache").exists()
    elsewhere = tmp_path / "c1"
    run(capsys, "--cache-dir", str(elsewhere), str(root))
    assert any(elsewhere.rglob("*.json")) and not (root / ".shapelint_cache").exists()
    monkeypatch.setenv("SHAPELINT_CACHE_DIR", str(tmp_path / "c2"))
    run(capsys, str(root))
    assert any((tmp_path / "c2").rglob("*.json"))


def test_inputs_are_part_of_the_key(tmp_path, capsys):
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    shutil.copy(FIXTURES / "bad" / "mnist_collapse.py", root / "m.py")
    assert run(capsys, str(root))[0] == 1
    assert run(capsys, "--input", "DeepMNIST=1x1x280x280", str(root))[0] == 0
    assert run(capsys, str(root))[0] == 1


def test_jobs_give_the_same_report(tmp_path, capsys):
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    one = run(capsys, "--no-cache", "--jobs", "1", str(tmp_path / "fixtures"))
    two = run(capsys, "--no-cache", "--jobs", "2", str(tmp_path / "fixtures"))
    assert one == two and one[0] == 1


def test_runs_of_neighbours_cover_every_file_once_largest_first(tmp_path):
    from shapelint.run import Job, runs_of_neighbours

    jobs = []
    for i in range(37):
        path = tmp_path / f"m{i:02d}.py"
        path.write_text("x = 1\n" * (1 + (i * 7) % 13))
        jobs.append(Job(path, (), ()))
    runs = runs_of_neighbours(jobs, 2)
    numbers = sorted(i for run in runs for i, _ in run)
    assert numbers == list(range(37))
    for run in runs:  # neighbours: consecutive files
        assert [i for i, _ in run] == list(range(run[0][0], run[0][0] + len(run)))
    sizes = [sum(job.path.stat().st_size for _, job in run) for run in runs]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 1
