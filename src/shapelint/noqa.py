"""``# noqa`` comments: reading them (suppression) and writing them (``--add-noqa``).

A finding is suppressed by ``# noqa`` (every code) or ``# noqa: SHP003, SHP004`` on its
first line, as in ruff and flake8.  Comments are found with Python's tokenizer, so a
``# noqa`` inside a string does not count.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set

from .findings import Finding

_NOQA = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
ALL = "*"


def _tokens(source: str) -> List[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []


def directives(source: str) -> Dict[int, Set[str]]:
    """Line -> the codes its ``# noqa`` names (``{"*"}`` for a bare one)."""
    if "noqa" not in source.lower():
        return {}
    out: Dict[int, Set[str]] = {}
    for tok in _tokens(source):
        if tok.type != tokenize.COMMENT:
            continue
        m = _NOQA.search(tok.string)
        if m is None:
            continue
        codes = m.group("codes")
        out.setdefault(tok.start[0], set()).update(re.split(r"[\s,]+", codes.upper().strip()) if codes else {ALL})
    return out


def suppressed(finding: Finding, noqa: Dict[int, Set[str]]) -> bool:
    codes = noqa.get(finding.row)
    return bool(codes) and (ALL in codes or finding.code in codes)  # type: ignore[operator]


def unsuppressed(findings: Sequence[Finding], source: Optional[str]) -> List[Finding]:
    if not findings or source is None:
        return list(findings)
    noqa = directives(source)
    return [f for f in findings if not suppressed(f, noqa)]


def add_noqa(path: Path, findings: Iterable[Finding]) -> int:
    """Append ``# noqa: CODES`` to each finding's first line (merging with a ``# noqa:``
    already there); returns how many lines changed.  The file keeps its encoding, BOM and
    line endings and is replaced atomically."""
    wanted: Dict[int, Set[str]] = {}
    for f in findings:
        wanted.setdefault(f.row, set()).add(f.code)
    if not wanted:
        return 0
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = encoding == "utf-8-sig"
    text = data.decode(encoding)
    lines = noqa_lines(text, wanted)
    if lines:
        new_lines = text.splitlines(keepends=True)
        for row, line in lines.items():
            new_lines[row - 1] = line
        new = "".join(new_lines).encode("utf-8" if bom else encoding)
        write_atomically(path, (b"\xef\xbb\xbf" if bom and not new.startswith(b"\xef\xbb\xbf") else b"") + new, data)
    return len(lines)


def noqa_lines(text: str, wanted: Dict[int, Set[str]]) -> Dict[int, str]:
    """Line number -> that line (with its ending) once ``# noqa: CODES`` names the codes
    wanted on it, for the lines that change (``--add-noqa`` and the editor's action)."""
    lines = text.splitlines(keepends=True)
    inside_string: Set[int] = set()  # lines that end inside a multi-line string: no comment can go there
    comments: Dict[int, tokenize.TokenInfo] = {}
    for tok in _tokens(text):
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            inside_string.update(range(tok.start[0], tok.end[0]))
        elif tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok
    out: Dict[int, str] = {}
    for row, codes in sorted(wanted.items()):
        if row > len(lines) or row in inside_string:
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        comment = comments.get(row)
        m = _NOQA.search(comment.string) if comment is not None else None
        if m is not None:
            have = set(re.split(r"[\s,]+", m.group("codes").upper().strip())) if m.group("codes") else {ALL}
            if ALL in have or codes <= have:
                continue
            start = comment.start[1] + m.start()  # type: ignore[union-attr]
            end = comment.start[1] + m.end()  # type: ignore[union-attr]
            body = body[:start] + f"# noqa: {', '.join(sorted(have | codes))}" + body[end:]
        else:
            body = body + f"  # noqa: {', '.join(sorted(codes))}"
        out[row] = body + ending
    return out


def write_atomically(path: Path, data: bytes, expected: bytes) -> None:
    """Replace ``path`` with ``data`` through a temporary file; refuse when the file
    changed on disk since ``expected`` was read from it."""
    if path.read_bytes() != expected:
        raise OSError(f"{path} changed on disk while shapelint worked on it; not written")
    import tempfile  # only when writing (--fix, --add-noqa)

    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
