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
import logging
from pathlib import Path
from typing import Iterator, Sequence, Tuple, Type

from . import __version__


class Plugin:
    """A flake8 ``tree`` plugin: flake8 passes ``tree``, ``filename`` and ``lines`` by name."""

    name = "shapelint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # ``tree`` is required for flake8 to classify this as a tree plugin; the analysis
        # works on libcst's tree of the same text.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Tuple[int, int, str, Type["Plugin"]]]:
        """``(line, column, "SHPxxx message", type)``; flake8 wants 0-based columns and prints
        them 1-based, so the finding's 1-based column lands where ``check`` puts it."""
        from .config import Finder
        from .engine import check_source
        from .extract.environment import library_roots
        from .extract.index import ProjectIndex

        # flake8 names standard input "stdin" (or --stdin-display-name): a name without a
        # folder is looked up from the working directory, as flake8 itself does.
        path = Path(self.filename)
        config = Finder().for_path(path)
        index = ProjectIndex(library_roots=library_roots(path, config.interpreter()))
        result = check_source(self.filename, "".join(self.lines), index=index, defaults=config.input_specs())
        for warning in result.warnings:  # shown by flake8 -v
            logging.getLogger(__name__).warning("%s", warning)
        for f in result.findings:
            yield f.row, f.column - 1, f"{f.code} {f.message}", type(self)
