"""``[tool.shapelint]`` in the nearest ``pyproject.toml`` (or ``--config FILE``), as ruff reads
``[tool.ruff]``: which rules run where, which files are skipped, declared inputs.

Keys: ``select``, ``ignore``, ``extend-select``, ``per-file-ignores`` (glob -> codes),
``exclude``, ``extend-exclude``, ``output-format``, ``python`` and the ``inputs`` table
(``"Net" = [4, 3, 32, 32]``, ``"models/net.py::Net" = ["N", 3, 224, 224]``).  An unknown
key, an unknown rule code or a malformed input is a ``ConfigError`` naming the key and
the file: the CLI prints it and exits 2.  Codes may be prefixes (``SHP00``) or ``ALL``.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from .findings import RULES

if TYPE_CHECKING:
    from .layers import Shape

DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                   "__pycache__", "node_modules", "site-packages", "build", "dist", "_build", "__pypackages__", ".eggs")
FORMAT_NAMES = ("full", "concise", "json", "github", "gitlab", "sarif")
KEYS = {"select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude", "output-format", "inputs", "python"}


class ConfigError(Exception):
    pass


def codes(values: Iterable[str], where: str) -> FrozenSet[str]:
    """Rule codes named by codes, prefixes or ``ALL``; an unknown one is an error."""
    out = set()
    for raw in values:
        value = str(raw).strip().upper()
        matched = set(RULES) if value == "ALL" else {c for c in RULES if c.startswith(value)} if value else set()
        if not matched:
            raise ConfigError(f"{where}: unknown rule code {raw!r} (`shapelint rule` lists them)")
        out |= matched
    return frozenset(out)


@dataclass(frozen=True)
class Config:
    root: Optional[Path] = None  # the folder of the file it was read from (relative globs and paths)
    source: str = "defaults"  # the file it was read from, for messages
    select: FrozenSet[str] = frozenset(RULES)
    per_file_ignores: Tuple[Tuple[str, FrozenSet[str]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    output_format: Optional[str] = None
    inputs: Tuple[Tuple[str, Shape], ...] = ()
    python: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict, compare=False)

    def enabled(self, code: str, filename: str) -> bool:
        if code not in self.select:
            return False
        rel = self._relative(Path(filename))
        return not any(code in ignored and _glob(pattern, rel) for pattern, ignored in self.per_file_ignores)

    def excluded(self, path: Path) -> bool:
        """A file or folder found while walking (paths given explicitly are always checked),
        as ruff reads ``exclude``: a pattern without ``/`` matches an entry's name, one with
        ``/`` its path relative to the configuration's folder."""
        for pattern in self.exclude:
            pattern = pattern.rstrip("/")
            if "/" not in pattern:
                if fnmatch.fnmatch(path.name, pattern):
                    return True
            elif self.root is not None:
                try:
                    rel = path.resolve().relative_to(self.root.resolve()).as_posix()
                except ValueError:
                    continue
                if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, f"{pattern}/*"):
                    return True
        return False

    def _relative(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def input_specs(self) -> Tuple[Tuple[str, Shape], ...]:
        """The ``inputs`` table as ``check`` uses it: a ``path::Class`` target is relative to
        the configuration's folder, so it means the same file from any working directory."""
        out = []
        for target, dims in self.inputs:
            path, sep, cls = target.rpartition("::")
            if sep and self.root is not None and not Path(path).is_absolute():
                target = f"{self.root / path}::{cls}"
            out.append((target, dims))
        return tuple(out)

    def interpreter(self) -> Optional[str]:
        """The ``python`` setting, relative to the configuration's folder."""
        if self.python is None or self.root is None or Path(self.python).is_absolute():
            return self.python
        return str(self.root / self.python)

    def with_cli(self, select: Optional[Sequence[str]], ignore: Sequence[str], extend_select: Sequence[str]) -> "Config":
        """Command-line ``--select``/``--ignore``/``--extend-select`` over the file's."""
        chosen = codes(select, "--select") if select else self.select
        chosen = (chosen | codes(extend_select, "--extend-select")) - codes(ignore, "--ignore")
        return Config(self.root, self.source, frozenset(chosen), self.per_file_ignores, self.exclude, self.output_format, self.inputs, self.python)


def _glob(pattern: str, rel: str) -> bool:
    pattern = pattern.rstrip("/")
    return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, f"{pattern}/*") or fnmatch.fnmatch(rel, f"*/{pattern}") or fnmatch.fnmatch(rel, f"*/{pattern}/*")


def _strings(value: Any, where: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def _inputs(table: Any, where: str) -> Tuple[Tuple[str, Shape], ...]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of CLASS = [dims], got {table!r}")
    out = []
    for target, dims in table.items():
        key = f"{where}.{target!r}"
        if not isinstance(dims, list) or not dims:
            raise ConfigError(f"{key}: expected a list of dimensions such as [4, 3, 32, 32], got {dims!r}")
        shape: List[Any] = []
        for d in dims:
            if isinstance(d, bool) or not (isinstance(d, int) and d >= 0 or isinstance(d, str) and d.isidentifier()):
                raise ConfigError(f"{key}: a dimension must be a size >= 0 or a name such as \"N\", got {d!r}")
            shape.append(d)
        out.append((target, tuple(shape)))
    return tuple(out)


def parse(settings: Dict[str, Any], source: str, root: Optional[Path]) -> Config:
    """A Config from a ``[tool.shapelint]`` table (keys checked)."""
    unknown = sorted(set(settings) - KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key [tool.shapelint] {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    where = f"{source}: [tool.shapelint]"
    select = codes(_strings(settings["select"], f"{where} select"), f"{where} select") if "select" in settings else frozenset(RULES)
    select |= codes(_strings(settings.get("extend-select", []), f"{where} extend-select"), f"{where} extend-select")
    select -= codes(_strings(settings.get("ignore", []), f"{where} ignore"), f"{where} ignore")
    pfi = settings.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where} per-file-ignores: expected a table of glob = [codes]")
    per_file = tuple((glob, codes(_strings(v, f"{where} per-file-ignores {glob!r}"), f"{where} per-file-ignores {glob!r}")) for glob, v in pfi.items())
    exclude = tuple(_strings(settings["exclude"], f"{where} exclude")) if "exclude" in settings else DEFAULT_EXCLUDE
    exclude += tuple(_strings(settings.get("extend-exclude", []), f"{where} extend-exclude"))
    fmt = settings.get("output-format")
    if fmt is not None and fmt not in FORMAT_NAMES:
        raise ConfigError(f"{where} output-format: expected one of {', '.join(FORMAT_NAMES)}, got {fmt!r}")
    python = settings.get("python")
    if python is not None and not isinstance(python, str):
        raise ConfigError(f"{where} python: expected a path to an interpreter, got {python!r}")
    inputs = _inputs(settings.get("inputs", {}), f"{where} inputs")
    return Config(root, source, frozenset(select), per_file, exclude, fmt, inputs, python)


def read_toml(path: Path) -> Dict[str, Any]:
    """A TOML file's data.  Raises OSError, and ValueError for bad UTF-8 or TOML.  The
    parser is imported here: a run in a tree without a pyproject.toml never loads it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python < 3.11
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))


def load(path: Path, explicit: bool = False) -> Optional[Config]:
    """The configuration in ``path``: its ``[tool.shapelint]`` table, or (for a file given
    with ``--config`` that has none) its top level.  None for a pyproject.toml without one."""
    try:
        data = read_toml(path)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read it ({e.strerror or e})")
    except ValueError as e:  # not UTF-8, not TOML
        raise ConfigError(f"{path}: not valid TOML ({e})")
    tool = data.get("tool", {})
    settings = tool.get("shapelint") if isinstance(tool, dict) else None
    if settings is None:
        if not explicit:
            return None
        settings = {k: v for k, v in data.items() if k != "tool"}
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: [tool.shapelint] must be a table")
    return parse(settings, str(path), path.parent.resolve())


class Finder:
    """The nearest configuration above each file, read once per folder."""

    def __init__(self, explicit: Optional[Config] = None) -> None:
        self.explicit = explicit
        self._by_folder: Dict[Path, Config] = {}

    def for_path(self, path: Path) -> Config:
        if self.explicit is not None:
            return self.explicit
        folder = (path if path.is_dir() else path.parent).resolve()
        trail = []
        found: Optional[Config] = None
        for candidate in [folder, *folder.parents]:
            if candidate in self._by_folder:
                found = self._by_folder[candidate]
                break
            trail.append(candidate)
            pyproject = candidate / "pyproject.toml"
            if pyproject.is_file():
                found = load(pyproject)
                if found is not None:
                    break
        found = found or Config()
        for f in trail:
            self._by_folder[f] = found
        return found

