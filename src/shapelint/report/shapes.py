"""The ``shapes`` summary: torchinfo's table, computed without running anything."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

from ..analysis import Trace, format_shape
from ..layers import Shape
from . import finding_dict


def format_count(n: Optional[int]) -> str:
    return "?" if n is None else f"{n:,}"


def table(traces: Sequence[Trace]) -> str:
    out: List[str] = []
    for t in traces:
        rows = [(f"{r.name} ({r.type})", str(r.line), format_shape(r.input_shape), format_shape(r.output_shape), "--" if r.params == 0 else format_count(r.params), "--" if r.macs == 0 else format_count(r.macs)) for r in t.rows]
        head = ("Layer (type)", "Line", "Input Shape", "Output Shape", "Param #", "Mult-Adds")
        widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(6)]
        rule_len = sum(widths) + 2 * 5
        source = f" (from {t.source})" if t.source else (f" ({t.input_source})" if t.input_source else "")
        out.append(f"{t.model} ({t.filename}:{t.line})  input {format_shape(t.input)}{source}")
        out.append("=" * rule_len)
        out.append(_line(head, widths))
        out.append("=" * rule_len)
        for r in rows:
            out.append(_line(r, widths))
        out.append("=" * rule_len)
        out.append(f"Total params: {format_count(t.params)}")
        out.append(f"Total mult-adds per sample: {format_count(t.macs)}")
        out.append(f"Output shape: {format_shape(t.output)}")
        if not t.complete:
            out.append("Note: parts of this model could not be followed; unknown values are shown as ?")
        lost = t.not_followed
        if lost:
            places = ", ".join(f"{fn} line {line} ({why})" for fn, line, why in lost)
            what = "call" if all("loop" not in why for _, _, why in lost) else "place"
            out.append(f"{len(lost)} {what}{'' if len(lost) == 1 else 's'} not followed: {places}")
        for f in t.findings:
            out.append(f"{f.filename}:{f.row}:{f.column}: {f.code} {f.message}")
        out.append("=" * rule_len)
        out.append("")
    return "\n".join(out)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    left = f"{cells[0]:<{widths[0]}}"
    rest = [f"{c:>{w}}" if i in (0, 3, 4) else f"{c:<{w}}" for i, (c, w) in enumerate(zip(cells[1:], widths[1:]))]
    return "  ".join([left] + rest).rstrip()


def _dims(shape: Optional[Shape]) -> Any:
    """JSON dims: an unknown dim is null; a rank not known is a leading ``"..."``."""
    return None if shape is None else ["..." if d is Ellipsis else d for d in shape]


def as_json(traces: Sequence[Trace]) -> str:
    items: List[Dict[str, Any]] = []
    for t in traces:
        items.append(
            {
                "model": t.model,
                "filename": t.filename,
                "line": t.line,
                "input": _dims(t.input),
                "input_source": t.input_source or None,  # null: declared (or none); else where it is stated or how it was inferred
                "layers": [
                    {
                        "name": r.name,
                        "type": r.type,
                        "line": r.line,
                        "input_shape": _dims(r.input_shape),
                        "output_shape": _dims(r.output_shape),
                        "params": r.params,
                        "macs": r.macs,
                    }
                    for r in t.rows
                ],
                "output_shape": _dims(t.output),
                "params": t.params,
                "macs": t.macs,
                "findings": [finding_dict(f) for f in t.findings],
                "not_followed": [{"function": fn, "line": line, "reason": why} for fn, line, why in t.not_followed],
            }
        )
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
