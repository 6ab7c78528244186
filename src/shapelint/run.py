"""Checking many files: all cores, and the cache.

Files are handed to worker processes in runs of neighbours (a worker's index then serves
the modules they share); each worker keeps one index for the whole run, so a module is
parsed at most once per worker.  A file whose cache entry still holds is not analysed.
"""

from __future__ import annotations

import gc
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from .cache import Cache
from .extract.roots import LazyIndex
from .findings import Edit, Finding, Fix, Related

if TYPE_CHECKING:
    from .engine import InputSpecs


@dataclass
class Outcome:
    """What ``check`` reports of one file."""

    filename: str
    findings: List[Finding] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # could not read it; an internal error
    cached: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"findings": [asdict(f) for f in self.findings], "warnings": self.warnings}

    @classmethod
    def from_dict(cls, filename: str, data: Dict[str, Any]) -> "Outcome":
        findings = []
        for f in data["findings"]:
            fix = f.pop("fix")
            if fix is not None:
                fix = Fix(fix["message"], tuple(Edit(**e) for e in fix["edits"]))
            related = tuple(Related(**r) for r in f.pop("related", ()))
            findings.append(Finding(fix=fix, related=related, **f))
        return cls(filename, findings, list(data["warnings"]), [], True)


@dataclass(frozen=True)
class Job:
    path: Path
    specs: InputSpecs
    defaults: InputSpecs


def check_one(job: Job, lazy: LazyIndex, cache: Optional[Cache]) -> Outcome:
    key = None
    if cache is not None:
        try:
            key = cache.key(job.path.read_bytes(), (job.specs, job.defaults))
        except OSError:
            key = None
        hit = cache.get(job.path, key) if key is not None else None
        if hit is not None:
            return Outcome.from_dict(str(job.path), hit)
    from .engine import check_path  # made into an index (and libcst imported) only when the file may define a model

    result = check_path(job.path, job.specs, lazy, job.defaults)
    index = lazy.index
    errors = list(result.errors) + [
        f"internal error while analysing {t.filename}::{t.model}: {t.error} (please report it)" for t in result.traces if t.error
    ]
    outcome = Outcome(result.filename, result.findings, list(result.warnings), errors)
    if cache is not None and key is not None and not errors:
        info = index.load(job.path) if result.traces and index is not None else None  # no trace: no module was read
        deps = sorted({str(m.path.resolve()) for m in index.dependencies(info) if m.path is not None}) if index and info else []
        deps += [str(Path(r).resolve()) for r in result.read]  # tests that state inputs (and their folders)
        cache.put(job.path, key, [str(job.path.resolve())] + [d for d in deps if d != str(job.path.resolve())], outcome.to_dict())
    return outcome


_WORKER: Dict[str, Any] = {}
INDEX_BYTES = int(os.environ.get("SHAPELINT_INDEX_BYTES", str(6 * 2**20)))


def _init(library_roots: List[Path], cache_folder: Optional[Path], settings: Any) -> None:
    tune_collector()
    _WORKER["index"] = LazyIndex(library_roots)
    _WORKER["cache"] = Cache(cache_folder, settings) if cache_folder is not None else None


def settle(lazy: LazyIndex) -> None:
    """Between two files of a worker: what stays (the index) is kept out of the collector's
    walks (they cost a quarter of a run on transformers), and the index is let go when it
    holds more than ``INDEX_BYTES`` of source (its trees take about 45 times that: 1.4 GB
    per worker over transformers otherwise); the next files parse again what they need.
    A collection after every file (so that no garbage is frozen) cost more than the one
    after each release."""
    index = lazy.index
    if index is not None and index.parsed_bytes > INDEX_BYTES:
        lazy.drop()
        index.release()  # the trees go now, by reference counting: the walk below is short
        del index
        gc.unfreeze()  # frozen objects are never collected: the cycles of garbage frozen
        gc.collect()  # with the index are collected now
    gc.freeze()


def tune_collector() -> None:
    """Fewer collections in a worker: a parse makes a million objects that all live (the
    default threshold of 700 walks them again and again); 50,000 cut the collector's
    share on transformers from 11% to 3% of the CPU for 30 MB more per worker."""
    gc.set_threshold(50_000, 20, 20)


def _work(job: Job) -> Tuple[Outcome, int]:
    cache = _WORKER["cache"]
    before = cache.hits if cache is not None else 0
    outcome = check_one(job, _WORKER["index"], cache)
    settle(_WORKER["index"])
    return outcome, (cache.hits - before if cache is not None else 0)


def _work_run(run: List[Tuple[int, Job]]) -> List[Tuple[int, Outcome, int]]:
    return [(i, *_work(job)) for i, job in run]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def runs_of_neighbours(jobs: Sequence[Job], processes: int) -> List[List[Tuple[int, Job]]]:
    """The jobs cut into runs of neighbouring files (a worker's index serves the modules
    they share), the largest runs first: the last runs handed out are small, so no worker
    is left alone with a long one at the end."""
    size = max(1, len(jobs) // (processes * 8))
    numbered = list(enumerate(jobs))
    runs = [numbered[i : i + size] for i in range(0, len(numbered), size)]
    return sorted(runs, key=lambda run: -sum(_size(job.path) for _, job in run))


def check_all(jobs: Sequence[Job], library_roots: List[Path], cache_folder: Optional[Path], settings: Any, processes: int) -> Tuple[List[Outcome], int]:
    """Outcomes in the order of ``jobs``, and how many came from the cache."""
    processes = max(1, min(processes, len(jobs)))
    if processes == 1 or len(jobs) < 8:
        _init(library_roots, cache_folder, settings)
        done = [_work(job) for job in jobs]
    else:
        import multiprocessing  # not for one file (a pre-commit hook's run): its import costs a tenth of the start

        context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        slots: List[Optional[Tuple[Outcome, int]]] = [None] * len(jobs)
        with context.Pool(processes, _init, (library_roots, cache_folder, settings)) as pool:
            for run in pool.imap_unordered(_work_run, runs_of_neighbours(jobs, processes)):
                for i, outcome, hits in run:
                    slots[i] = (outcome, hits)
        done = [d for d in slots if d is not None]
    return [o for o, _ in done], sum(h for _, h in done)
