"""The cache of ``check`` results: ``.shapelint_cache/`` at the project root.

An entry is reused only when everything its analysis read is unchanged: its key covers
the file's content, the shapelint version, the inputs and settings that shape the
analysis, and the environment it read libraries from; and every module the analysis
reached through imports (project files and installed libraries alike) must have the size
and modification time it had.  Only the command line and ``SHAPELINT_CACHE_DIR`` choose
the folder: nothing in a checked file can point it elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import __version__

Stamp = Tuple[str, int, int]  # (path, size, mtime_ns)


def project_root(start: Path) -> Path:
    """The nearest folder above ``start`` with a pyproject.toml or .git, else the current one."""
    folder = start.resolve()
    folder = folder if folder.is_dir() else folder.parent
    for candidate in [folder, *folder.parents]:
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return Path.cwd().resolve()


def stamp(path: str) -> Optional[Stamp]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_size, st.st_mtime_ns)


def _own_code() -> List[Stamp]:
    """shapelint's own files: a changed analysis (a development install) is a new cache."""
    here = Path(__file__).resolve().parent
    return sorted(s for p in here.rglob("*.py") if (s := stamp(str(p))) is not None)


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


class Cache:
    """Entries as JSON files, one per checked file (``json`` and ``tempfile`` are imported
    where used: a run without the cache, a pre-commit hook's on one file, never loads them)."""

    def __init__(self, folder: Path, settings: Any) -> None:
        self.folder = folder / __version__
        # what, besides the file itself, shapes every entry: inputs, configured inputs, environment
        self.salt = _sha256(repr((__version__, _own_code(), settings)).encode())
        self._stamps: Dict[str, Optional[Stamp]] = {}
        self.hits = 0

    def _entry(self, path: Path) -> Path:
        return self.folder / (_sha256(str(path.resolve()).encode())[:32] + ".json")

    def key(self, content: bytes, extra: Any = "") -> str:
        return _sha256(self.salt.encode() + repr(extra).encode() + b"\0" + content)

    def _current(self, path: str) -> Optional[Stamp]:
        if path not in self._stamps:  # each file is looked at once per run, however many entries watch it
            self._stamps[path] = stamp(path)
        return self._stamps[path]

    def get(self, path: Path, key: str) -> Optional[Dict[str, Any]]:
        import json

        try:
            entry = json.loads(self._entry(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        for dep in entry.get("deps", []):
            if list(self._current(dep[0]) or ()) != dep:
                return None
        self.hits += 1
        return entry.get("result")

    def put(self, path: Path, key: str, deps: Sequence[str], result: Dict[str, Any]) -> None:
        import json
        import tempfile

        stamps: List[Stamp] = []
        for dep in deps:
            s = stamp(dep)
            if s is None:
                return  # a dependency we cannot watch: do not cache
            stamps.append(s)
        entry = {"key": key, "deps": stamps, "result": result}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            top = self.folder.parent
            if not (top / ".gitignore").exists():
                (top / ".gitignore").write_text("# created by shapelint\n*\n")
                (top / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n# a cache of shapelint results\n")
            fd, tmp = tempfile.mkstemp(dir=str(self.folder), suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh)
            os.replace(tmp, self._entry(path))
        except OSError:
            pass  # a read-only tree: run without a cache
