"""Speed and memory of ``shapelint check``: prints figures, asserts nothing.

    python benchmarks/speed.py [FOLDER ...]

Without folders it checks the shipped fixtures copied N times into a temporary project.
It reports files and lines per second and peak memory, and the share of the time spent
in libcst's parser (the floor for any libcst-based linter), measured in the same run so
the ratio holds on a noisy machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from shapelint.engine import check_path  # noqa: E402
from shapelint.extract.index import ProjectIndex  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def python_files(folders):
    for folder in folders:
        yield from sorted(Path(folder).rglob("*.py"))


def measure(files):
    sources = [p.read_text(encoding="utf-8") for p in files]
    lines = sum(s.count("\n") + 1 for s in sources)
    t0 = time.perf_counter()
    for s in sources:
        try:
            cst.parse_module(s)
        except cst.ParserSyntaxError:
            pass
    parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = ProjectIndex()
    findings = 0
    for p in files:
        findings += len(check_path(p, (), index).findings)
    total = time.perf_counter() - t0
    tracemalloc.start()  # a second pass for memory: tracing slows Python down
    index = ProjectIndex()
    for p in files:
        check_path(p, (), index)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return len(files), lines, total, parse, peak, findings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--copies", type=int, default=20, help="copies of the fixtures when no folder is given")
    args = parser.parse_args()
    tmp = None
    folders = args.folders
    if not folders:
        tmp = tempfile.mkdtemp(prefix="shapelint-bench-")
        for i in range(args.copies):
            shutil.copytree(FIXTURES, Path(tmp) / f"copy{i}", ignore=shutil.ignore_patterns("*.expected"))
        folders = [tmp]
    try:
        files = list(python_files(folders))
        n, lines, total, parse, peak, findings = measure(files)
    finally:
        if tmp:
            shutil.rmtree(tmp)
    print(f"files: {n}  lines: {lines:,}  findings: {findings}")
    print(f"check: {total:.2f} s  ({n / total:.1f} files/s, {lines / total:,.0f} lines/s)  peak traced memory {peak / 2**20:.1f} MiB")
    print(f"libcst parse alone (untraced): {parse:.2f} s = {parse / total:.0%} of check's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
