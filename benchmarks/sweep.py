"""Sweep ``shapelint check`` over released model libraries: crashes, hangs, findings, time.

Installs nothing.  Get the sources first, e.g.

    pip install --no-deps --target /tmp/corpus transformers diffusers monai ultralytics \\
        segmentation-models-pytorch torchaudio timm torchvision
    python benchmarks/sweep.py /tmp/corpus/{transformers,diffusers,monai,ultralytics,segmentation_models_pytorch,torchaudio,timm,torchvision}

Each folder given is one package.  Every ``.py`` file in it is checked in a pool of
worker processes (``--jobs``, default all cores) with a per-file time budget
(``--budget`` CPU seconds): a file that takes longer is a *hang*, an exception out of
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
import resource
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from shapelint.extract.roots import LazyIndex  # noqa: E402
from shapelint.run import Job, check_one, settle, tune_collector  # noqa: E402


class _Hang(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang()


# Per worker, as ``shapelint check`` runs one: one index for the whole run (let go past
# its limit by ``settle``), and what the garbage collector and memory cost.
_LAZY = LazyIndex([])
_GC = {"seconds": 0.0, "since": 0.0, "collections": 0}


def _gc_timer(phase: str, info: Dict[str, Any]) -> None:
    if phase == "start":
        _GC["since"] = time.process_time()  # CPU time: the machine may be shared
    else:
        _GC["seconds"] += time.process_time() - _GC["since"]
        _GC["collections"] += 1


def _worker_start() -> None:
    gc.callbacks.append(_gc_timer)
    tune_collector()


def _check_one(job: Tuple[str, str, float]) -> Dict[str, Any]:
    package, path, budget = job
    out: Dict[str, Any] = {"package": package, "path": path, "findings": [], "crash": None, "hang": False}
    try:
        out["lines"] = Path(path).read_bytes().count(b"\n") + 1
    except OSError:
        out["lines"] = 0
    signal.signal(signal.SIGPROF, _alarm)  # CPU time: a loaded machine is no hang
    signal.setitimer(signal.ITIMER_PROF, budget)
    t0, cpu0 = time.perf_counter(), time.process_time()
    gc0 = _GC["seconds"]
    try:
        outcome = check_one(Job(Path(path), (), ()), _LAZY, None)
        out["findings"] = [
            {"code": f.code, "row": f.row, "column": f.column, "message": f.message, "filename": f.filename}
            for f in outcome.findings
        ]
        if outcome.errors:
            out["crash"] = "; ".join(outcome.errors)
    except _Hang:
        out["hang"] = True
    except BaseException as e:  # noqa: BLE001 - a crash is what we count
        out["crash"] = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    settle(_LAZY)  # as `shapelint check` does between files: part of the file's time
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - cpu0
    out["gc_seconds"] = _GC["seconds"] - gc0
    out["worker"] = os.getpid()
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", help="one folder per package")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--budget", type=float, default=10.0, help="CPU seconds per file before it counts as a hang")
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
    with multiprocessing.get_context("fork").Pool(args.jobs, _worker_start) as pool:
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
        for r in sorted(rs, key=lambda r: -r["cpu_seconds"])[: args.slowest]:
            print(f"    {r['cpu_seconds']:6.2f} s CPU ({r['seconds']:.2f} s wall)  {r['path']}")
    print(f"{'all':<30}{totals[0]:>7}{totals[1]:>11,}{totals[2]:>9.1f}{totals[3]:>9}{totals[4]:>7}{totals[5]:>10}")
    print(f"wall time {wall:.1f} s on {args.jobs} processes (seconds above: each file's wall time in its worker, summed;")
    print(f"the slowest files by CPU time, which a loaded machine does not inflate; over 3 s CPU: {sum(1 for r in results if r['cpu_seconds'] > 3)})")
    busy = sum(r["cpu_seconds"] for r in results)
    collector = sum(r["gc_seconds"] for r in results)
    peaks: Dict[int, float] = {}
    for r in results:
        peaks[r["worker"]] = max(peaks.get(r["worker"], 0.0), r["max_rss_mb"])
    print(f"garbage collector: {collector:.1f} s of the workers' {busy:.1f} s CPU ({100 * collector / max(busy, 1e-9):.1f}%)")
    print(f"peak RSS per worker: {', '.join(f'{m:.0f} MB' for m in sorted(peaks.values(), reverse=True))}")
    # one bug reached from several checked files is one finding, as `shapelint check` prints it
    distinct = {(f["filename"], f["row"], f["column"], f["code"]): f for r in results for f in r["findings"]}
    print(f"distinct findings: {len(distinct)} (the column above counts them per checked file)")
    for r in results:
        if r["crash"]:
            print(f"CRASH {r['path']}: {r['crash'].splitlines()[0]}")
        if r["hang"]:
            print(f"HANG  {r['path']} (over {args.budget} s)")
    for (filename, row, column, code), f in sorted(distinct.items()):
        print(f"{filename}:{row}:{column}: {code} {f['message']}")
    Path(args.report).write_text(json.dumps({"wall_seconds": wall, "jobs": args.jobs, "budget": args.budget, "gc_seconds": collector,
                                             "peak_rss_mb": max(peaks.values(), default=0), "files": results}, indent=1))
    print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
