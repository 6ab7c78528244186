"""Speed and memory of ``shapelint check``: prints figures, asserts nothing.

    python benchmarks/speed.py [FOLDER ...] [--jobs N]
    python benchmarks/speed.py --models      # the model packages of the installed torchvision and timm

Without folders it checks the shipped fixtures copied N times into a temporary project.
All figures come from one run, so their ratios hold on a noisy machine:

- the floor: libcst's bare parse of the same files on the same number of processes;
- ``check`` as a user runs it (a new process each time, interpreter start included, and
  shapelint's bytecode written, as an installed package has it):
  cold (empty cache, all cores), warm (the same tree again: the cache answers),
  and one process without the cache;
- one small file, as a pre-commit hook runs it (the one nearest 4 kB of those checked;
  of the model packages, a file that defines no model), and one small model file (the
  shipped good fixture nearest 4 kB), beside the interpreter's bare start;
- in-process: peak traced memory of a whole run.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import List, Optional

import libcst as cst

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))

from shapelint.engine import check_path  # noqa: E402
from shapelint.extract.index import ProjectIndex  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def python_files(folders: List[str]) -> List[Path]:
    out: List[Path] = []
    for folder in folders:
        out.extend(sorted(Path(folder).rglob("*.py")))
    return out


def _parse(path: Path) -> int:
    try:
        cst.parse_module(path.read_text(encoding="utf-8"))
    except (cst.ParserSyntaxError, UnicodeDecodeError, RecursionError):
        pass
    return 1


def parse_floor(files: List[Path], jobs: int) -> float:
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_parse, files, chunksize=max(1, len(files) // (jobs * 4)))
    return time.perf_counter() - t0


def cli(args: List[str], cache: Optional[Path]) -> float:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    if cache is not None:
        env["SHAPELINT_CACHE_DIR"] = str(cache)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "shapelint", "check", "--exit-zero", "--output-format", "concise", *args],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def _package_folder(name: str) -> Path:
    """Where an installed package lies, found without importing it: importing timm loads
    torch, and the floor's workers, forked from this process, parsed a quarter slower with
    torch's objects in their heap."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed in this environment")
    return Path(list(spec.submodule_search_locations)[0])


def python_start() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=False)
    return time.perf_counter() - t0


def memory(files: List[Path]) -> float:
    tracemalloc.start()
    index = ProjectIndex()
    for p in files:
        check_path(p, (), index)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--models", action="store_true", help="the model packages of the installed torchvision and timm")
    parser.add_argument("--copies", type=int, default=20, help="copies of the fixtures when no folder is given")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow, traced) memory pass")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="shapelint-bench-"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for the runs of ``check`` below
    folders = list(args.folders)
    if args.models:
        folders += [str(_package_folder("torchvision") / "models"), str(_package_folder("timm") / "models")]
    if not folders:
        for i in range(args.copies):
            shutil.copytree(FIXTURES, tmp / f"copy{i}", ignore=shutil.ignore_patterns("*.expected"))
        folders = [str(tmp)]
    try:
        files = python_files(folders)
        lines = sum(p.read_bytes().count(b"\n") + 1 for p in files)
        print(f"files: {len(files)}  lines: {lines:,}  processes: {args.jobs}")
        floor = parse_floor(files, args.jobs)
        model = min(sorted((FIXTURES / "good").glob("*.py")), key=lambda p: abs(p.stat().st_size - 4000))
        cli(["--no-cache", str(model)], None)  # not timed: writes the bytecode
        cache = tmp / "cache"
        cold = cli(["--jobs", str(args.jobs), *folders], cache)
        warm = cli(["--jobs", str(args.jobs), *folders], cache)
        single = cli(["--jobs", "1", "--no-cache", *folders], None)
        one = min(files, key=lambda p: abs(p.stat().st_size - 4000))
        small = min(cli(["--no-cache", str(one)], None) for _ in range(3))
        small_model = min(cli(["--no-cache", str(model)], None) for _ in range(3))
        start = min(python_start() for _ in range(3))
        print(f"libcst parse alone ({args.jobs} processes): {floor:6.2f} s   (the floor)")
        print(f"check, cold cache, {args.jobs} processes: {cold:6.2f} s   = {cold / floor:.2f}x the floor")
        print(f"check, warm cache (unchanged tree):  {warm:6.2f} s   = {warm / cold:.2f}x cold")
        print(f"check, 1 process, no cache:          {single:6.2f} s   = {single / cold:.2f}x cold")
        print(f"check, one small file ({one.name}, {one.stat().st_size:,} bytes, no cache): {small:.2f} s wall, interpreter start included")
        print(f"check, one small model file ({model.name}, {model.stat().st_size:,} bytes, no cache): {small_model:.2f} s wall, interpreter start included")
        print(f"the interpreter's start alone (python -c pass): {start:.2f} s")
        if not args.no_memory:
            print(f"peak traced memory, one process: {memory(files):.1f} MiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
