"""Code actions: a finding's fix, and ``# noqa: SHPxxx`` on its line.

Both reuse what the command line does: a fix is offered only where ``fix.py`` applies it
(a literal argument written for this model, and the result parses), and the comment is
written as ``--add-noqa`` writes it (merged into a ``# noqa:`` already there).
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from ..findings import Finding
from ..fix import fix_text
from ..noqa import noqa_lines
from .convert import Lines, diagnostic


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (b.start.line, b.start.character) <= (a.end.line, a.end.character)


def code_actions(findings: Sequence[Finding], text: str, uri: str, here: str, wanted: types.Range, encoding: str) -> list[types.CodeAction]:
    """Actions for the findings of this file (whose text is ``text``) that touch ``wanted``."""
    lines = Lines(text, encoding)
    out: list[types.CodeAction] = []
    for f in findings:
        where = lines.range(f.row, f.column, f.end_row, f.end_column)
        if not _overlaps(where, wanted):
            continue
        diag = diagnostic(f, lines, here)
        if f.fix is not None and fix_text(text, [f], here) is not None:
            edits = [types.TextEdit(lines.range(e.row, e.column, e.end_row, e.end_column), e.content) for e in f.fix.edits]
            out.append(types.CodeAction(
                title=f"Fix {f.code}: {f.fix.message}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={uri: edits}),
            ))
        changed = noqa_lines(text, {f.row: {f.code}})
        if f.row in changed:
            old = lines.line(f.row - 1)
            new = changed[f.row].rstrip("\r\n")
            span = types.Range(types.Position(f.row - 1, 0), lines.position(f.row, len(old) + 1))
            out.append(types.CodeAction(
                title=f"Suppress with `# noqa: {f.code}`",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(span, new)]}),
            ))
    return out
