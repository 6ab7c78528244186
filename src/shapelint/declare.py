"""Input declarations: ``# shapelint: input=(N, 3, 32, 32)`` and ``--input`` specs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # the layer algebra is not needed to read a declaration
    from .layers import Dim, Shape

_DECL = re.compile(r"#\s*shapelint:\s*input\s*=\s*(\(.*?\)|\[.*?\]|\S+)")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class DeclarationError(ValueError):
    """A malformed dimension list."""


def parse_dims(text: str) -> Shape:
    """``4x3x32x32``, ``4,3,32,32``, ``(N, 3, 224, 224)``; ``?`` is an unknown dim."""
    body = text.strip()
    if body[:1] in "([" and body[-1:] in ")]":
        body = body[1:-1]
    parts = re.split(r"\s*[,x×]\s*", body.strip()) if body.strip() else []
    if parts and parts[-1] == "":
        parts.pop()  # trailing comma: (N,)
    if not parts:
        raise DeclarationError(f"no dimensions in {text!r}")
    dims: List[Dim] = []
    for p in parts:
        if re.fullmatch(r"\d+", p):
            if int(p) < 1:
                raise DeclarationError(f"dimension {p} in {text!r} must be at least 1")
            dims.append(int(p))
        elif p == "?":
            dims.append(None)
        elif _NAME.match(p):
            dims.append(p)
        else:
            raise DeclarationError(f"{p!r} in {text!r} is not a dimension (an integer, a name or ?)")
    return tuple(dims)


def source_declaration(lines: Sequence[str], class_line: int, first_line: int) -> Tuple[Optional[Shape], Optional[str]]:
    """The declaration on a class's line or the comment lines right above it.

    ``class_line`` is the 1-based line of ``class``; ``first_line`` the first line of
    the statement including decorators.  Returns (shape, error message).
    """
    candidates = [class_line]
    line = first_line - 1
    while line >= 1 and lines[line - 1].strip().startswith("#"):
        candidates.append(line)
        line -= 1
    candidates.extend(range(first_line, class_line))  # decorator lines
    for n in candidates:
        m = _DECL.search(lines[n - 1])
        if m:
            try:
                return parse_dims(m.group(1)), None
            except DeclarationError as e:
                return None, str(e)
    return None, None


def parse_input_spec(spec: str) -> Tuple[Optional[str], Shape]:
    """``Net=4x3x32x32`` or ``path.py::Net=...`` -> (target, dims); bare dims -> (None, dims)."""
    target, sep, dims = spec.rpartition("=")
    if not sep:
        return None, parse_dims(spec)
    if not target:
        raise DeclarationError(f"missing class name before '=' in {spec!r}")
    return target, parse_dims(dims)
