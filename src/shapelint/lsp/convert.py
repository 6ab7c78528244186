"""Findings as LSP diagnostics: positions, severities, links.

shapelint counts 1-based rows and 1-based columns in code points; LSP counts 0-based
lines and characters in UTF-16 code units (the protocol's default encoding), so a line
with an accent or an emoji before the finding shifts the column.  Converted here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from ..docs import rule_link
from ..findings import Finding, Related

SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}


def _units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def lsp_column(line: str, column: int, encoding: str = "utf-16") -> int:
    """0-based code-point ``column`` of ``line`` -> 0-based code units of ``encoding``."""
    return sum(_units(ch, encoding) for ch in line[: max(0, column)])


def code_point_column(line: str, character: int, encoding: str = "utf-16") -> int:
    """0-based ``character`` in code units of ``encoding`` -> 0-based code points (the inverse)."""
    units = 0
    for i, ch in enumerate(line):
        if units >= character:
            return i
        units += _units(ch, encoding)
    return len(line)


class Lines:
    """A text's lines, for converting positions both ways in the negotiated encoding."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.lines = text.splitlines()
        self.encoding = encoding

    def line(self, row: int) -> str:
        """0-based ``row``; past the end, an empty line."""
        return self.lines[row] if 0 <= row < len(self.lines) else ""

    def position(self, row: int, column: int) -> types.Position:
        """A 1-based row and column -> an LSP position."""
        line = max(0, row - 1)
        return types.Position(line, lsp_column(self.line(line), column - 1, self.encoding))

    def range(self, row: int, column: int, end_row: int, end_column: int) -> types.Range:
        return types.Range(self.position(row, column), self.position(end_row, end_column))

    def code_point(self, position: types.Position) -> int:
        """An LSP position -> the 0-based code-point column on its line."""
        return code_point_column(self.line(position.line), position.character, self.encoding)


def uri_of(filename: str) -> str:
    return from_fs_path(str(Path(filename).resolve())) or filename


def _related(r: Related, lines: dict[str, Lines], here: str, text: Lines) -> types.DiagnosticRelatedInformation:
    other = text if r.filename == here else lines.setdefault(r.filename, _file_lines(r.filename, text.encoding))
    where = types.Location(uri_of(r.filename), other.range(r.row, r.column, r.end_row, r.end_column))
    return types.DiagnosticRelatedInformation(where, r.message)


def _file_lines(filename: str, encoding: str) -> Lines:
    try:
        return Lines(Path(filename).read_text(encoding="utf-8", errors="replace"), encoding)
    except OSError:
        return Lines("", encoding)


def _docs(code: str) -> types.CodeDescription | None:
    link = rule_link(code)
    return types.CodeDescription(href=link) if link else None


def diagnostic(f: Finding, text: Lines, here: str, others: dict[str, Lines] | None = None) -> types.Diagnostic:
    """One finding of the file ``here`` whose text is ``text``."""
    others = {} if others is None else others
    return types.Diagnostic(
        range=text.range(f.row, f.column, f.end_row, f.end_column),
        message=f"{f.name}: {f.message}",
        severity=SEVERITY.get(f.severity, types.DiagnosticSeverity.Error),
        code=f.code,
        code_description=_docs(f.code),
        source="shapelint",
        related_information=[_related(r, others, here, text) for r in f.related] or None,
        data={"code": f.code, "row": f.row, "column": f.column},
    )


def diagnostics(findings: Sequence[Finding], text: str, here: str, encoding: str = "utf-16") -> list[types.Diagnostic]:
    lines = Lines(text, encoding)
    others: dict[str, Lines] = {}
    return [diagnostic(f, lines, here, others) for f in findings]
