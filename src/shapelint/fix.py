"""Applying the fixes findings carry: ``--fix`` writes them, ``--diff`` shows them.

A fix replaces the literal argument a finding points at.  Edits of one file are applied
together (an edit overlapping an earlier one waits for the next run); the result must
parse, or the file is left alone.  The file keeps its encoding, BOM and line endings, is
replaced atomically and never when it changed on disk since it was read.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .extract.parse import python_tree
from .findings import Edit, Finding
from .noqa import write_atomically


@dataclass(frozen=True)
class FixedFile:
    path: Path
    original: bytes
    before: str  # the decoded text
    after: str
    applied: Tuple[Finding, ...]
    encoding: str

    def diff(self) -> str:
        name = str(self.path)
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True), name, name))

    def write(self) -> None:
        bom = self.encoding == "utf-8-sig"
        data = self.after.encode("utf-8" if bom else self.encoding)
        write_atomically(self.path, (b"\xef\xbb\xbf" if bom else b"") + data, self.original)


def _offsets(lines: List[str]) -> List[int]:
    starts, total = [], 0
    for line in lines:
        starts.append(total)
        total += len(line)
    starts.append(total)
    return starts


def fix_file(path: Path, findings: Sequence[Finding]) -> Optional[FixedFile]:
    """The file with its findings' fixes applied, or None when there is nothing to apply
    (no fix, or the result would not parse)."""
    if not any(f.fix is not None and f.fix.edits for f in findings):
        return None
    original = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    text = original.decode(encoding)
    fixed = fix_text(text, findings, str(path))
    if fixed is None:
        return None
    return FixedFile(path, original, text, fixed[0], fixed[1], encoding)


def fix_text(text: str, findings: Sequence[Finding], filename: str = "<source>") -> Optional[Tuple[str, Tuple[Finding, ...]]]:
    """(the text with the fixes applied, the findings fixed), or None when there is nothing
    safe to apply.  The editor's quick fix asks this of one finding: an offer made only here."""
    fixable = [f for f in findings if f.fix is not None and f.fix.edits]
    if not fixable:
        return None
    lines = text.splitlines(keepends=True)
    starts = _offsets(lines)

    def offset(row: int, col: int) -> int:
        return starts[row - 1] + col - 1 if 1 <= row <= len(lines) else -1

    taken: List[Tuple[int, int]] = []
    edits: List[Tuple[int, int, Edit]] = []
    applied: List[Finding] = []
    for f in sorted(fixable, key=Finding.sort_key):
        spans = [(offset(e.row, e.column), offset(e.end_row, e.end_column), e) for e in f.fix.edits]  # type: ignore[union-attr]
        if any(a < 0 or b < a for a, b, _ in spans) or any(a < y and x < b for a, b, _ in spans for x, y in taken):
            continue
        taken.extend((a, b) for a, b, _ in spans)
        edits.extend(spans)
        applied.append(f)
    if not edits:
        return None
    new = text
    for a, b, e in sorted(edits, key=lambda s: -s[0]):
        new = new[:a] + e.content + new[b:]
    try:
        python_tree(new, filename)
    except (SyntaxError, ValueError, RecursionError):
        return None  # never leave code that does not parse
    return new, tuple(applied)


def plan(findings: Sequence[Finding]) -> Dict[str, FixedFile]:
    by_file: Dict[str, List[Finding]] = {}
    for f in findings:
        if f.fix is not None:
            by_file.setdefault(f.filename, []).append(f)
    out: Dict[str, FixedFile] = {}
    for filename, fs in by_file.items():
        fixed = fix_file(Path(filename), fs)
        if fixed is not None:
            out[filename] = fixed
    return out
