"""Top-level definitions parsed by libcst only when something asks for them.

libcst's parse is most of a check's time, and most top-level definitions of a file are
never looked at: timm's model files are a third ``@register_model`` functions and
pretrained-weight tables; an imported module is read for the one class a model uses.
Python's own parser (ten times faster) finds the top-level functions, classes and large
assignments; libcst parses the file with each of them replaced by a string statement over
exactly the same lines, so every line and column of what is parsed stays the same.  A
definition is parsed, on its own, the first time its name is looked up, and put in the
tree in place of its stand-in: the tree then renders the file's text again, so positions
(and fixes made from them) are those of the whole file.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional, Tuple

if TYPE_CHECKING:
    import libcst as cst

MARK = "shapelint:unparsed:"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")  # Python's line ends only (not str.splitlines')
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(eq=False)
class Region:
    """One top-level definition not parsed yet: lines ``start``..``end`` (from 1, inclusive)."""

    number: int
    start: int
    end: int
    names: Tuple[str, ...]  # what it binds
    text: str
    kind: str  # "def", "class" or "assign"
    placeholder: Optional["cst.CSTNode"] = field(default=None, repr=False)
    node: Optional["cst.CSTNode"] = field(default=None, repr=False)  # once parsed


def _lines(source: str) -> List[str]:
    lines = _LINE.findall(source)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _assigned(stmt: ast.stmt) -> Optional[Tuple[str, ...]]:
    """The names a plain ``a = b = value`` (or ``a: T = value``) binds, else None."""
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets = [stmt.target]
    else:
        return None
    if not all(isinstance(t, ast.Name) and not t.id.startswith("__") for t in targets):
        return None
    return tuple(t.id for t in targets if isinstance(t, ast.Name))


def mask(source: str, tree: ast.Module, classes: bool, assign_lines: int = 3) -> Tuple[str, List[Region]]:
    """The source with its lazy definitions replaced by stand-ins, and those definitions.

    Functions always; classes when ``classes`` (a checked file's classes are all analysed);
    assignments of ``assign_lines`` lines or more (a shorter one costs less to parse than
    to put off).  A statement sharing a line with another is left alone."""
    body = tree.body
    lines = _lines(source)
    regions: List[Region] = []
    out: List[str] = []
    done = 0  # lines copied so far
    for i, stmt in enumerate(body):
        end = stmt.end_lineno or stmt.lineno
        start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        if isinstance(stmt, _FUNCS) or (classes and isinstance(stmt, ast.ClassDef)):
            names: Optional[Tuple[str, ...]] = (stmt.name,)
        else:
            names = _assigned(stmt)
            if names is not None and end - start + 1 < assign_lines:
                names = None
        if names is None or stmt.col_offset != 0 or end > len(lines):
            continue
        if (i and (body[i - 1].end_lineno or 0) >= start) or (i + 1 < len(body) and body[i + 1].lineno <= end):
            continue  # ``a = {...}; b = 1``: not a whole line
        text = "".join(lines[start - 1 : end])
        number = len(regions)
        kind = "def" if isinstance(stmt, _FUNCS) else "class" if isinstance(stmt, ast.ClassDef) else "assign"
        regions.append(Region(number, start, end, names, text, kind))
        out.append("".join(lines[done : start - 1]))
        ending = lines[end - 1][len(lines[end - 1].rstrip("\r\n")) :]
        out.append('"""' + MARK + str(number) + "\n" * (end - start) + '"""' + ending)
        done = end
    if not regions:
        return source, []
    out.append("".join(lines[done:]))
    return "".join(out), regions


def lazy_tree(source: str, tree: Optional[ast.Module] = None, classes: bool = True) -> Tuple["cst.Module", List[Region]]:
    """libcst's tree of a file with its definitions left for later (see ``mask``), and those
    definitions; NotAnalysed as ``libcst_tree``."""
    from .parse import libcst_tree, python_tree

    if tree is None:
        try:
            tree = python_tree(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return libcst_tree(source), []  # newer syntax, or not Python: libcst_tree decides
    masked, regions = mask(source, tree, classes)
    return libcst_tree(masked, tree), regions


def placeholder_number(stmt: "cst.CSTNode") -> Optional[int]:
    """The region a stand-in statement holds the place of, else None."""
    import libcst as cst

    if type(stmt) is not cst.SimpleStatementLine or len(stmt.body) != 1:
        return None
    expr = stmt.body[0]
    if type(expr) is not cst.Expr or type(expr.value) is not cst.SimpleString:
        return None
    value = expr.value.value
    if not value.startswith('"""' + MARK):
        return None
    digits = value[3 + len(MARK) :].split("\n", 1)[0].rstrip('"')
    return int(digits) if digits.isdigit() else None


def parse_region(region: Region, module: "cst.Module") -> Optional["cst.CSTNode"]:
    """The region's statement, parsed so that it renders as in the file: after a stub block
    that makes libcst take the module's own indentation and line ending as the default."""
    import libcst as cst

    newline, indent = module.default_newline, module.default_indent
    try:
        parsed = cst.parse_module(f"if 1:{newline}{indent}pass{newline}" + region.text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    if len(parsed.body) != 2 or parsed.default_indent != indent or parsed.default_newline != newline:
        return None
    stmt = parsed.body[1]
    assert region.placeholder is not None
    return stmt.with_changes(leading_lines=region.placeholder.leading_lines)  # type: ignore[attr-defined]


__all__ = ["MARK", "Region", "lazy_tree", "mask", "parse_region", "placeholder_number"]
