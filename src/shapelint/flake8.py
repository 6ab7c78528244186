"""shapelint as a flake8 plugin (code prefix ``SHP``): projects and editors that already run
flake8 see shapelint's findings among flake8's.

The plugin analyses the ``lines`` flake8 hands it, not the file on disk, so an editor that
pipes an unsaved buffer through ``flake8 -`` sees that buffer's findings.  Declared inputs
come from where ``shapelint check`` takes them (flake8 has no ``--input``): the source's
``# shapelint: input=`` comments, then ``[tool.shapelint.inputs]`` of the nearest
pyproject.toml above the file.  Which codes are shown is flake8's business (its
``select``/``ignore``/``per-file-ignores`` and ``# noqa``): the plugin yields every finding
and leaves ``[tool.shapelint]`` ``select``/``ignore`` to ``shapelint check``.

Importing this module is cheap: flake8 loads every plugin on every run, so the analysis
(libcst, the interpreter) is imported only when a file is checked, and torch never is.
"""

from __future__ import annotations

import ast
import functools
import gc
import logging
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple, Type

from . import __version__
from .extract.environment import library_roots
from .extract.roots import LazyIndex


class Plugin:
    """A flake8 ``tree`` plugin: flake8 passes ``tree``, ``filename`` and ``lines`` by name."""

    name = "shapelint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # ``tree`` is required for flake8 to classify this as a tree plugin; the analysis
        # works on libcst's tree of the same text.
        from .config import Finder

        self.filename = filename
        self.lines = lines
        # Settings are read here, not in run(): flake8 turns an error raised while it makes
        # the plugin (an unknown key, a malformed input, an unusable interpreter) into one
        # line naming the file and the key, where one raised in run() is a traceback.
        # flake8 names standard input "stdin" (or --stdin-display-name): a name without a
        # folder is looked up from the working directory, as flake8 itself does.
        self.path = Path(filename)
        self.config = Finder().for_path(self.path)
        self.index = _index(self.path.resolve().parent, self.config.interpreter())

    def run(self) -> Iterator[Tuple[int, int, str, Type["Plugin"]]]:
        """``(line, column, "SHPxxx message", type)``; flake8 wants 0-based columns and prints
        them 1-based, so the finding's 1-based column lands where ``check`` puts it."""
        from .engine import check_source

        path = self.path
        result = check_source(self.filename, "".join(self.lines), index=self.index, defaults=self.config.input_specs())
        # What stays (the index's parsed modules) is not garbage: keep the collector from
        # walking it again after every file, as check's workers do.
        gc.freeze()
        for warning in result.warnings:  # shown by flake8 -v
            logging.getLogger(__name__).warning("%s", warning)
        here = path.resolve()
        for f in result.findings:
            if Path(f.filename).resolve() == here:
                yield f.row, f.column - 1, f"{f.code} {f.message}", type(self)
                continue
            # The bug lies in a block imported from another file: flake8 reports only
            # this file's lines, so it goes on the line of the model that reaches it.
            trace = next((t for t in result.traces if f in t.findings), None)
            row, model = (trace.line, trace.model) if trace is not None else (1, "this file")
            where = f"{_shown(Path(f.filename))}:{f.row}:{f.column}"
            yield row, 0, f"{f.code} in {where}: {f.message} (reached from {model})", type(self)


def _shown(path: Path) -> str:
    """A path as flake8 would print it: relative to the working directory when below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=None)
def _index(folder: Path, python: Optional[str]) -> LazyIndex:
    """One index per environment for the life of a flake8 process, as each of ``check``'s
    workers keeps one: a module many checked files import is parsed once, not per file.
    (flake8 checks each file once per run; an editor starts a new flake8 per check.)"""
    return _shared_index(tuple(library_roots(folder, python)))


@functools.lru_cache(maxsize=None)
def _shared_index(roots: Tuple[Path, ...]) -> LazyIndex:
    """Made into a parsing index by the first file that may define a model: a run over
    files that cannot (most of a project's) never imports libcst."""
    return LazyIndex(list(roots))
