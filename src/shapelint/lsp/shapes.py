"""Hover and inlay hints: the ``shapes`` table's rows, found by their call in forward.

Each row records the module calls that led to it (one Site object per call made).  A call
written in this file is found again by its node: hovering it shows every row it produced,
as ``shapelint shapes`` prints them; its inlay hint is the output of the module it calls
when that is a leaf or a Sequential (whose output is its last layer's), once per call made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from lsprotocol import types

from ..interp.common import Row
from ..report.shapes import format_count, format_shape
from .convert import Lines
from .session import Analysis


@dataclass
class Call:
    """A module call written in the analysed file, with what each of its runs produced."""

    node: cst.CSTNode
    start: tuple[int, int]  # 1-based line, 0-based code-point column (libcst's)
    end: tuple[int, int]
    runs: list[list[Row]] = field(default_factory=list)  # rows per call made, in order
    direct: bool = True  # every row was made by the module called here (a leaf, or a Sequential's layers)
    built: bool = False  # the layer's constructor call (in ``__init__``), not a call of it

    def contains(self, line: int, column: int) -> bool:
        return self.start <= (line, column) <= self.end

    def outputs(self) -> list[str]:
        """The distinct output shapes of its runs (a block built several times differs)."""
        seen: list[str] = []
        for run in self.runs:
            text = format_shape(run[-1].output_shape)
            if text not in seen:
                seen.append(text)
        return seen


def calls(analysis: Analysis) -> list[Call]:
    """The module calls of the analysed file that made rows, and the constructor calls
    of the layers that made them, in source order."""
    info = analysis.info
    if info is None:
        return []
    found: dict[int, Call] = {}
    run_of: dict[int, list[Row]] = {}  # id(Site object) -> the rows of that call made
    for trace in analysis.result.traces:
        for row in trace.rows:
            site = row.site
            if site is not None and site.info is info:
                built = found.get(id(site.node))
                if built is None:
                    where = info.positions[site.node]
                    built = found[id(site.node)] = Call(site.node, (where.start.line, where.start.column), (where.end.line, where.end.column), direct=False, built=True)
                if built.built:
                    built.runs.append([row])
            for i, site in enumerate(row.calls):
                if site.info is not info:
                    continue
                call = found.get(id(site.node))
                if call is None:
                    where = info.positions[site.node]
                    call = found[id(site.node)] = Call(site.node, (where.start.line, where.start.column), (where.end.line, where.end.column))
                if i != len(row.calls) - 1:
                    call.direct = False
                run = run_of.get(id(site))
                if run is None:
                    run = run_of[id(site)] = []
                    call.runs.append(run)
                run.append(row)
    return sorted(found.values(), key=lambda c: c.start)


def _table(rows: list[Row]) -> str:
    out = ["| Layer (type) | Input Shape | Output Shape | Param # | Mult-Adds |", "|---|---|---|---:|---:|"]
    for r in rows:
        params = "--" if r.params == 0 else format_count(r.params)
        macs = "--" if r.macs == 0 else format_count(r.macs)
        out.append(f"| {r.name} ({r.type}) | `{format_shape(r.input_shape)}` | `{format_shape(r.output_shape)}` | {params} | {macs} |")
    return "\n".join(out)


def hover(analysis: Analysis, position: types.Position, encoding: str) -> types.Hover | None:
    """The rows of the innermost module call under the cursor."""
    lines = Lines(analysis.text, encoding)
    line, column = position.line + 1, lines.code_point(position)
    under = [c for c in calls(analysis) if c.contains(line, column)]
    if not under:
        return None
    call = min(under, key=lambda c: (c.end[0] - c.start[0], c.end[1] - c.start[1]))
    rows = [r for run in call.runs for r in run]
    if call.built:
        head = "**shapelint**: the layer built here, as forward calls it"
    else:
        head = f"**shapelint**: {len(call.runs)} calls made here" if len(call.runs) > 1 else "**shapelint**"
    if call.direct and len(call.outputs()) == 1:
        head += f": output `{call.outputs()[0]}`"
    value = f"{head}\n\n{_table(rows)}"
    start = types.Position(call.start[0] - 1, lines.position(call.start[0], call.start[1] + 1).character)
    end = types.Position(call.end[0] - 1, lines.position(call.end[0], call.end[1] + 1).character)
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, value), types.Range(start, end))


def inlay_hints(analysis: Analysis, within: types.Range, encoding: str) -> list[types.InlayHint]:
    """``-> [N, 64, 56, 56]`` after each leaf or Sequential call in the range."""
    lines = Lines(analysis.text, encoding)
    out = []
    for call in calls(analysis):
        if not call.direct or not (within.start.line + 1 <= call.end[0] <= within.end.line + 1):
            continue
        outputs = call.outputs()
        if outputs == ["?"]:
            continue  # nothing known to show
        label = "-> " + " | ".join(outputs[:3]) + (" | …" if len(outputs) > 3 else "")
        where = lines.position(call.end[0], call.end[1] + 1)
        out.append(types.InlayHint(where, label, kind=types.InlayHintKind.Type, padding_left=True))
    return out
