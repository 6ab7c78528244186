"""Products of tensors: ``@`` / ``torch.matmul``, ``torch.bmm``, ``torch.mm``, ``torch.einsum``.

An inner dimension that disagrees is a merge failure (two operands that must agree do
not); a rank torch refuses is a rank failure.  Same conventions as ``tensor.py``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .core import ARGS, MERGE, RANK, Bound, Dim, Failure, Layer, Param, Result, Shape, fmt_shape, is_int
from .tensor import _same, broadcast


def _inner(a: Shape, b: Shape, name: str) -> Optional[Failure]:
    """The contracted dims: a's last against b's second to last."""
    if _same(a[-1], b[-2]) is False:
        return Failure(MERGE, f"{name}: {fmt_shape(a)} @ {fmt_shape(b)}: the inner sizes {a[-1]} and {b[-2]} differ")
    return None


def matmul(a: Optional[Shape], b: Optional[Shape], name: str = "matmul") -> Result:
    """torch.matmul: 1-D operands gain and then lose a dim; batch dims broadcast."""
    if a is None or b is None:
        return Result(None)
    if not a or not b:
        return Result(None, Failure(RANK, f"{name}: both operands need at least 1 dim, got {fmt_shape(a)} and {fmt_shape(b)}"))
    a2 = (1,) + tuple(a) if len(a) == 1 else tuple(a)
    b2 = tuple(b) + (1,) if len(b) == 1 else tuple(b)
    rows: Tuple[Dim, ...] = () if len(a) == 1 else (a2[-2],)
    cols: Tuple[Dim, ...] = () if len(b) == 1 else (b2[-1],)
    batch = broadcast(a2[:-2], b2[:-2])
    shape = None if batch.shape is None else batch.shape + rows + cols
    failure = _inner(a2, b2, name)
    if failure is None and batch.failure is not None:
        failure = Failure(MERGE, f"{name}: the batch dims of {fmt_shape(a)} and {fmt_shape(b)} do not broadcast")
    return Result(shape, failure)


def bmm(a: Optional[Shape], b: Optional[Shape]) -> Result:
    """torch.bmm: two 3-D tensors with the same batch."""
    if a is None or b is None:
        return Result(None)
    for what, t in (("first", a), ("second", b)):
        if len(t) != 3:
            return Result(None, Failure(RANK, f"torch.bmm: the {what} operand must be 3-D, got {len(t)}-D {fmt_shape(t)}"))
    shape = (a[0] if is_int(a[0]) or isinstance(a[0], str) else b[0], a[1], b[2])
    if _same(a[0], b[0]) is False:
        return Result(shape, Failure(MERGE, f"torch.bmm: batch sizes {a[0]} and {b[0]} differ ({fmt_shape(a)} and {fmt_shape(b)})"))
    return Result(shape, _inner(a, b, "torch.bmm"))


def mm(a: Optional[Shape], b: Optional[Shape]) -> Result:
    """torch.mm: two matrices."""
    if a is None or b is None:
        return Result(None)
    for what, t in (("first", a), ("second", b)):
        if len(t) != 2:
            return Result(None, Failure(RANK, f"torch.mm: the {what} operand must be a matrix, got {len(t)}-D {fmt_shape(t)}"))
    return Result((a[0], b[1]), _inner(a, b, "torch.mm"))


# --- einsum -------------------------------------------------------------------------


def _parse_term(term: str, where: str) -> Tuple[Optional[List[str]], Optional[Failure]]:
    """A term's labels, with "..." as one label; or the failure torch reports."""
    labels: List[str] = []
    i = 0
    while i < len(term):
        c = term[i]
        if c == " ":
            i += 1
        elif c == ".":
            if term[i : i + 3] != "..." or "..." in labels:
                return None, Failure(ARGS, f"einsum: '.' in {where} that is not part of one ellipsis")
            labels.append("...")
            i += 3
        elif c.isascii() and c.isalpha():
            labels.append(c)
            i += 1
        else:
            return None, Failure(ARGS, f"einsum: invalid subscript {c!r} in the equation (subscripts must be in [a-zA-Z])")
    return labels, None


def einsum(equation: Any, operands: Sequence[Optional[Shape]]) -> Result:
    """The output shape of ``torch.einsum(equation, *operands)`` in torch's order of checks:
    the equation against the operand count, each operand's rank, the output's subscripts,
    then the sizes (repeated within an operand must be equal; across operands they
    broadcast, a size 1 giving way)."""
    if not isinstance(equation, str):
        return Result(None)
    if not operands:
        return Result(None, Failure(ARGS, "einsum needs at least one operand"))
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    parsed: List[List[str]] = []
    for n, term in enumerate(terms):
        if n >= len(operands):
            return Result(None, Failure(ARGS, f"einsum {equation!r}: fewer operands ({len(operands)}) than the equation's {len(terms)} terms"))
        labels, failure = _parse_term(term, f"operand {n}")
        if labels is None:
            return Result(None, failure)
        parsed.append(labels)
    if len(terms) < len(operands):
        return Result(None, Failure(ARGS, f"einsum {equation!r}: more operands ({len(operands)}) than the equation's {len(terms)} terms"))
    shapes = [x if isinstance(x, tuple) else None for x in operands]
    for n, (labels, x) in enumerate(zip(parsed, shapes)):
        if x is None:
            continue
        letters = len([lab for lab in labels if lab != "..."])
        if "..." in labels and letters > len(x) or "..." not in labels and letters != len(x):
            return Result(None, Failure(RANK, f"einsum {equation!r}: operand {n} has {len(x)} dims {fmt_shape(x)} but the term {terms[n].strip()!r} names {letters}"))
    seen = {lab for labels in parsed for lab in labels if lab != "..."}
    if arrow:
        out_labels, failure = _parse_term(rhs, "the output")
        if out_labels is None:
            return Result(None, failure)
        for lab in out_labels:
            if lab != "..." and out_labels.count(lab) > 1:
                return Result(None, Failure(ARGS, f"einsum {equation!r}: output subscript {lab} appears more than once"))
            if lab != "..." and lab not in seen:
                return Result(None, Failure(ARGS, f"einsum {equation!r}: output subscript {lab} is in no input term"))
    else:
        counts: Dict[str, int] = {}
        for labels in parsed:
            for lab in labels:
                counts[lab] = counts.get(lab, 0) + 1
        singles = sorted(lab for lab, c in counts.items() if c == 1 and lab != "...")
        out_labels = (["..."] if any("..." in labels for labels in parsed) else []) + singles
    if any(x is None for x in shapes):
        return Result(None)
    sizes: Dict[str, Dim] = {}
    ellipsis: Optional[Tuple[Dim, ...]] = ()
    for n, (labels, x) in enumerate(zip(parsed, shapes)):
        assert x is not None
        span = len(x) - (len(labels) - 1) if "..." in labels else 0
        own: Dict[str, Dim] = {}
        pos = 0
        for lab in labels:
            if lab == "...":
                dims = tuple(x[pos : pos + span])
                pos += span
                merged = broadcast(ellipsis, dims) if ellipsis is not None else Result(None)
                if merged.failure is not None:
                    return Result(None, Failure(MERGE, f"einsum {equation!r}: the dims under '...' of operand {n} {fmt_shape(x)} do not broadcast with the others"))
                ellipsis = merged.shape
                continue
            d = x[pos]
            pos += 1
            if lab in own:
                if _same(own[lab], d) is False:
                    return Result(None, Failure(MERGE, f"einsum {equation!r}: subscript {lab} is repeated in operand {n} {fmt_shape(x)} with sizes {own[lab]} and {d}"))
                continue
            own[lab] = d
        for lab, d in own.items():  # across operands a size 1 gives way
            prev = sizes.get(lab, 1)
            if d == 1 and lab in sizes:
                continue
            if prev == 1:
                sizes[lab] = d
            elif _same(prev, d) is False:
                return Result(None, Failure(MERGE, f"einsum {equation!r}: subscript {lab} has size {d} in operand {n} but {prev} before"))
            elif _same(prev, d) is None:
                sizes[lab] = prev if is_int(prev) else (d if is_int(d) else None)
    out: List[Dim] = []
    for lab in out_labels:
        if lab == "...":
            if ellipsis is None:
                return Result(None)
            out.extend(ellipsis)
        else:
            out.append(sizes.get(lab))
    return Result(tuple(out))


class _Product(Layer):
    """A registry entry for a product of two tensors."""

    functional = True

    def __init__(self, name: str, qualnames: Tuple[str, ...], second: str, fn: Any) -> None:
        self.name = name
        self.qualnames = qualnames
        self.signature = (Param("input", tensor=True), Param(second, tensor=True))
        self.second = second
        self.fn = fn

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        return self.fn(cfg["input"], cfg[self.second])


class Einsum(Layer):
    """``torch.einsum(equation, *operands)`` or ``(equation, [operands])``."""

    name = "torch.einsum"
    qualnames = ("torch.einsum", "torch.functional.einsum")
    functional = True
    signature = (Param("equation"), Param("operands", tensor=True))

    def bind(self, args: Sequence[Any], kwargs: Any) -> Any:
        if kwargs or not args:
            return Failure(ARGS, "einsum() takes an equation and operands", stage="init")
        rest = list(args[1:])
        if len(rest) == 1 and isinstance(rest[0], list):
            rest = list(rest[0])  # the operands as one list
        return Bound({"equation": args[0], "operands": tuple(rest)})

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        return einsum(cfg["equation"], cfg["operands"])


LAYERS = [
    _Product("torch.matmul", ("torch.matmul", "torch.Tensor.matmul"), "other", matmul),
    _Product("torch.bmm", ("torch.bmm", "torch.Tensor.bmm"), "mat2", bmm),
    _Product("torch.mm", ("torch.mm", "torch.Tensor.mm"), "mat2", mm),
    Einsum(),
]
