"""The editor's analysis state: one warm index, the open buffers, the settings.

Everything here runs on the server's one analysis thread (the index is not thread-safe);
nothing here knows the protocol.  The index stays warm across requests: a file is parsed
again only when its text changed (a buffer edited, a file changed on disk), and then so is
every module that imports it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import Stamp, stamp
from ..config import Config, Finder
from ..engine import FileResult, check_source
from ..extract.environment import library_roots
from ..extract.index import ModuleInfo, ProjectIndex
from ..findings import Finding


class Superseded(Exception):
    """A newer edit arrived before this analysis started: its result would be dropped."""


@dataclass
class Analysis:
    """One analysis of one buffer's text."""

    path: Path
    text: str
    result: FileResult
    config: Config
    info: ModuleInfo | None  # the parsed buffer (None when it does not parse)
    depends_on: frozenset[Path] = frozenset()  # project files it read, itself excluded
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        """Its findings the settings enable (in any file: a block's literal may be wrong)."""
        return [f for f in self.result.findings if self.config.enabled(f.code, f.filename)]

    @property
    def problems(self) -> list[str]:
        """Internal errors: a bug of ours, for the log."""
        return list(self.result.errors) + [f"{t.model}: {t.error}" for t in self.result.traces if t.error]


@dataclass
class Session:
    """What the server keeps between requests."""

    python: str | None = None  # the interpreter whose libraries are read (else as `check`)
    finder: Finder = field(default_factory=Finder)
    index: ProjectIndex | None = None
    _roots: tuple[Path, ...] | None = None
    _settings: dict[Path, Stamp | None] = field(default_factory=dict)  # pyproject.toml files consulted
    _disk: dict[Path, Stamp | None] = field(default_factory=dict)  # project files the index read from disk
    _buffered: set[Path] = field(default_factory=set)  # files the index holds as a buffer's text
    _unparsed: dict[Path, str] = field(default_factory=dict)  # buffers that did not parse, as they were
    _environments: dict[tuple[Path, str | None], tuple[Path, ...]] = field(default_factory=dict)  # (folder, python) -> library roots

    def reset(self) -> None:
        """Forget the settings and the index (the configuration changed)."""
        self.finder = Finder()
        self.index = None
        self._roots = None
        self._settings.clear()
        self._disk.clear()
        self._buffered.clear()
        self._unparsed.clear()
        self._environments.clear()

    def config(self, path: Path) -> Config:
        """The settings of ``path``'s nearest pyproject.toml, read again when one changed."""
        if any(stamp(str(p)) != s for p, s in self._settings.items()):
            self.reset()
        folder = path.resolve().parent
        for candidate in [folder, *folder.parents]:
            pyproject = candidate / "pyproject.toml"
            if pyproject not in self._settings:  # a missing one too: creating it is a change
                self._settings[pyproject] = stamp(str(pyproject))
        return self.finder.for_path(path)

    def _index(self, path: Path, config: Config) -> ProjectIndex:
        key = (path.parent, self.python or config.interpreter())
        if key not in self._environments:  # looked up once per folder: it may ask an interpreter
            self._environments[key] = tuple(library_roots(path, key[1]))
        roots = self._environments[key]
        if self.index is None or roots != self._roots:
            self.index = ProjectIndex(library_roots=list(roots))
            self._roots = roots
            self._disk.clear()
            self._buffered.clear()
        return self.index

    def _sync(self, index: ProjectIndex, target: Path, text: str, buffers: Mapping[Path, str]) -> None:
        """Make the index hold what the editor shows: each open buffer's text, else the
        file on disk as it is now."""
        stale: set[Path] = set()
        for key, info in index.loaded().items():
            if info.library:
                continue
            if key == target:
                if info.source != text:
                    stale.add(key)
            elif key in buffers:
                if info.source != buffers[key]:
                    stale.add(key)
            elif key in self._buffered or self._disk.get(key, stamp(str(key))) != stamp(str(key)):
                stale.add(key)  # a closed buffer, or a file changed on disk
        if stale:
            for key in index.forget(stale):
                self._disk.pop(key, None)
                self._buffered.discard(key)
        loaded = index.loaded()
        for key, source in buffers.items():
            if key == target or key in loaded or key.suffix != ".py" or self._unparsed.get(key) == source:
                continue
            index.forget({key})  # it may be known as a file that could not be parsed
            if index.load(key, source=source) is not None:  # an import of it reads the buffer
                self._buffered.add(key)
                self._unparsed.pop(key, None)
            else:
                self._unparsed[key] = source

    def analyse(self, path: Path, text: str, buffers: Mapping[Path, str], wanted: Callable[[], bool] = lambda: True) -> Analysis:
        """Check ``text`` as the content of ``path``, other files as ``buffers`` show them."""
        path = path.resolve()
        config = self.config(path)
        index = self._index(path, config)
        buffers = {p.resolve(): t for p, t in buffers.items()}
        self._sync(index, path, text, buffers)
        if not wanted():
            raise Superseded(str(path))
        started = time.perf_counter()
        result = check_source(str(path), text, (), index, config.input_specs())
        seconds = time.perf_counter() - started
        info = index.loaded().get(path)
        if info is not None and info.source != text:
            info = None  # it did not parse: what the index holds is an older text
        if info is not None:
            self._buffered.add(path)
        depends: set[Path] = set()
        for key, each in index.loaded().items():
            if not each.library and key not in self._buffered and key not in self._disk:
                self._disk[key] = stamp(str(key))
        if info is not None:
            depends = {m.path.resolve() for m in index.dependencies(info) if m.path is not None and not m.library}
            depends.discard(path)
        return Analysis(path, text, result, config, info, frozenset(depends), seconds)
