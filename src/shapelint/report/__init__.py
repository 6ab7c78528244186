"""Reporters: one function per output format, findings in, text out.

The formats for machines (json, and CI's in ``ci``) import what they need when asked for:
the default run prints text and never loads them.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence

from ..findings import Finding

Format = Callable[[Sequence[Finding], Dict[str, List[str]]], str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def concise(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
    out = [f"{f.filename}:{f.row}:{f.column}: {f.code} {f.message}" for f in findings]
    if findings:
        out.append(f"Found {_plural(len(findings), 'error')}.")
    return "\n".join(out) + ("\n" if out else "")


def full(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
    """ruff's ``full`` layout: the location line, then the source with a caret underline."""
    out: List[str] = []
    for f in findings:
        out.append(f"{f.filename}:{f.row}:{f.column}: {f.code} {f.message}")
        lines = sources.get(f.filename, [])
        if 1 <= f.row <= len(lines):
            first = max(1, f.row - 1)
            width = len(str(f.row))
            out.append(f"{' ' * width} |")
            for n in range(first, f.row + 1):
                out.append(f"{n:>{width}} | {lines[n - 1]}")
            end = f.end_column if f.end_row == f.row else len(lines[f.row - 1]) + 1
            carets = "^" * max(1, end - f.column)
            out.append(f"{' ' * width} | {' ' * (f.column - 1)}{carets} {f.code}")
            out.append(f"{' ' * width} |")
            if f.fix is not None:
                out.append(f"{' ' * width} = help: {f.fix.message}")
        out.append("")
    if findings:
        out.append(f"Found {_plural(len(findings), 'error')}.")
    return "\n".join(out) + ("\n" if out else "")


def finding_dict(f: Finding) -> Dict[str, object]:
    """One finding as the JSON contract spells it."""

    def loc(row: int, col: int) -> Dict[str, int]:
        return {"row": row, "column": col}

    fix = None
    if f.fix is not None:
        fix = {
            "message": f.fix.message,
            "edits": [
                {"content": e.content, "location": loc(e.row, e.column), "end_location": loc(e.end_row, e.end_column)}
                for e in f.fix.edits
            ],
        }
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        "message": f.message,
        "filename": f.filename,
        "location": loc(f.row, f.column),
        "end_location": loc(f.end_row, f.end_column),
        "fix": fix,
    }


def as_json(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
    import json

    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"


def statistics(findings: Sequence[Finding]) -> str:
    """Counts per code, as ``ruff --statistics`` prints them (``[*]``: a fix is offered)."""
    counts: Dict[str, List[Finding]] = {}
    for f in findings:
        counts.setdefault(f.code, []).append(f)
    rows = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    width = max((len(str(len(fs))) for _, fs in rows), default=1)
    return "".join(
        f"{len(fs):>{width}}\t{code}\t{'[*]' if all(f.fix for f in fs) else '[ ]' if not any(f.fix for f in fs) else '[-]'} {fs[0].name}\n"
        for code, fs in rows
    )


def _ci(name: str) -> Format:
    """A format of ``ci``, which is imported when the format is asked for."""

    def run(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
        from . import ci

        made: str = getattr(ci, name)(findings, sources)
        return made

    return run


FORMATS: Dict[str, Format] = {
    "full": full,
    "concise": concise,
    "json": as_json,
    "github": _ci("github"),
    "gitlab": _ci("gitlab"),
    "sarif": _ci("sarif"),
}
