"""Sweep ``shapelint check`` over released model libraries: crashes, hangs, findings, time.

Installs nothing.  Get the sources first, e.g.

    pip install --no-deps --target /tmp/corpus transformers diffusers monai ultralytics \\
        segmentation-models-pytorch torchaudio timm torchvision
    python benchmarks/sweep.py /tmp/corpus/{transformers,diffusers,monai,ultralytics,segmentation_models_pytorch,torchaudio,timm,torchvision}

Each folder given is one package.  Every ``.py`` file in it is checked in a pool of
worker processes (``--jobs``, default all cores) with a per-file time budget
(``--budget`` seconds): a file that takes longer is a *hang*, an exception out of
shapelint or an internal error it reports is a *crash*.  Prints per package: files,
lines, seconds, crashes, hangs, findings, and the slowest files; writes every finding,
crash and hang to a JSON report (``--report``).  Every finding on released code is
either a real bug (confirm it with torch) or a false alarm to fix.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from shapelint.engine import check_path  # noqa: E402
from shapelint.extract.index import ProjectIndex  # noqa: E402


class _Hang(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang()


_INDEX: Dict[str, ProjectIndex] = {}  # per worker: one index per package, shared by its files


def _check_one(job: Tuple[str, str, float]) -> Dict[str, Any]:
    package, path, budget = job
    index = _INDEX.setdefault(package, ProjectIndex())
    out: Dict[str, Any] = {"package": package, "path": path, "findings": [], "crash": None, "hang": False}
    try:
        out["lines"] = Path(path).read_bytes().count(b"\n") + 1
    except OSError:
        out["lines"] = 0
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    t0 = time.perf_counter()
    try:
        result = check_path(Path(path), (), index)
        out["findings"] = [
            {"code": f.code, "row": f.row, "column": f.column, "message": f.message, "filename": f.filename}
            for f in result.findings
        ]
        errors = [f"{t.model}: {t.error}" for t in result.traces if t.error]
        if errors:
            out["crash"] = "; ".join(errors)
    except _Hang:
        out["hang"] = True
    except BaseException as e:  # noqa: BLE001 - a crash is what we count
        out["crash"] = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    out["seconds"] = time.perf_counter() - t0
    gc.freeze()  # as `shapelint check` does between files: the index is not garbage
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", help="one folder per package")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per file before it counts as a hang")
    parser.add_argument("--report", default="sweep-report.json")
    parser.add_argument("--slowest", type=int, default=5)
    args = parser.parse_args(argv)
    jobs: List[Tuple[str, str, float]] = []
    for folder in args.folders:
        root = Path(folder)
        if not root.is_dir():
            parser.error(f"{folder}: not a folder")
        for p in sorted(root.rglob("*.py")):
            jobs.append((root.name, str(p), args.budget))
    t0 = time.perf_counter()
    results: List[Dict[str, Any]] = []
    # big packages first, files in order: a worker's index then serves neighbouring files
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=None) as pool:
        for r in pool.imap_unordered(_check_one, jobs, chunksize=8):
            results.append(r)
    wall = time.perf_counter() - t0
    by_package: Dict[str, List[Dict[str, Any]]] = {}
    for r in results:
        by_package.setdefault(r["package"], []).append(r)
    print(f"{'package':<30}{'files':>7}{'lines':>11}{'seconds':>9}{'crashes':>9}{'hangs':>7}{'findings':>10}")
    totals = [0, 0, 0.0, 0, 0, 0]
    for package, rs in by_package.items():
        row = [len(rs), sum(r["lines"] for r in rs), sum(r["seconds"] for r in rs),
               sum(1 for r in rs if r["crash"]), sum(1 for r in rs if r["hang"]), sum(len(r["findings"]) for r in rs)]
        totals = [a + b for a, b in zip(totals, row)]  # type: ignore[misc]
        print(f"{package:<30}{row[0]:>7}{row[1]:>11,}{row[2]:>9.1f}{row[3]:>9}{row[4]:>7}{row[5]:>10}")
        for r in sorted(rs, key=lambda r: -r["seconds"])[: args.slowest]:
            print(f"    {r['seconds']:6.2f} s  {r['path']}")
    print(f"{'all':<30}{totals[0]:>7}{totals[1]:>11,}{totals[2]:>9.1f}{totals[3]:>9}{totals[4]:>7}{totals[5]:>10}")
    print(f"wall time {wall:.1f} s on {args.jobs} processes (seconds above are per-file CPU-side time, summed)")
    for r in results:
        if r["crash"]:
            print(f"CRASH {r['path']}: {r['crash'].splitlines()[0]}")
        if r["hang"]:
            print(f"HANG  {r['path']} (over {args.budget} s)")
        for f in r["findings"]:
            print(f"{f['filename']}:{f['row']}:{f['column']}: {f['code']} {f['message']}")
    Path(args.report).write_text(json.dumps({"wall_seconds": wall, "jobs": args.jobs, "budget": args.budget, "files": results}, indent=1))
    print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
