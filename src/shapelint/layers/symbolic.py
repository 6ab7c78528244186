"""Exact integer expressions over the input's unknown sizes (``H``, ``W``, ``L``, ``D``).

When no input size is declared, the spatial sizes start as symbols and flow through
the layer algebra as polynomials whose atoms are symbols or floor divisions, so that
``Conv2d(k=5)`` then ``MaxPool2d(2)`` gives ``(H - 4)//2`` exactly.  An :class:`Expr`
is a ``str`` (its canonical text), so every formula that passes a symbolic dim through
keeps working unchanged; arithmetic goes through the functions below, never the
operators (``str`` has its own ``+`` and ``*``).  Whatever grows too complex comes
back as ``None``: unknown, as any dim the analysis cannot know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd
from typing import Any, Callable, Dict, FrozenSet, Iterable, Optional, Tuple, Union

Atom = Union[str, "Floor"]
Mono = Tuple[Atom, ...]
Terms = Tuple[Tuple[Mono, int], ...]
Value = Union[int, "Expr"]  # what the functions below return; None when unknown

MAX_TERMS = 24
MAX_DEGREE = 3
MAX_DEN = 1 << 20


def _key(atom: Atom) -> str:
    return atom if isinstance(atom, str) else atom.text


@dataclass(frozen=True)
class Floor:
    """``num // den`` for a positive ``den``; ``num`` has no constant multiple of ``den``."""

    num: "Expr"
    den: int
    text: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        inner = str(self.num)
        object.__setattr__(self, "text", f"({inner})//{self.den}" if len(self.num.terms) > 1 else f"{inner}//{self.den}")


class Expr(str):
    """A polynomial with integer coefficients over symbols and floor divisions."""

    terms: Terms
    factors: Tuple[Any, ...] = ()  # when made as a product: its factors (for messages and monotonicity)

    def __new__(cls, terms: Terms) -> "Expr":
        obj = super().__new__(cls, _render(terms))
        obj.terms = terms
        return obj

    def __reduce__(self) -> Any:
        return (_rebuild, (self.terms, self.factors))

    def symbols(self) -> FrozenSet[str]:
        out: set = set()
        for mono, _ in self.terms:
            for atom in mono:
                out |= {atom} if isinstance(atom, str) else atom.num.symbols()
        return frozenset(out)


def _rebuild(terms: Terms, factors: Tuple[Any, ...]) -> "Expr":
    e = Expr(terms)
    e.factors = factors
    return e


def _render(terms: Terms) -> str:
    parts = []
    for mono, c in terms:
        body = "*".join(_paren(a, len(mono) == 1 and abs(c) == 1) for a in mono)
        if not mono:
            text = str(abs(c))
        elif abs(c) == 1:
            text = body
        else:
            text = f"{abs(c)}*{body}"
        sign = "-" if c < 0 else "+"
        parts.append((sign, text))
    if not parts:
        return "0"
    first_sign, first = parts[0]
    out = ("-" if first_sign == "-" else "") + first
    for sign, text in parts[1:]:
        out += f" {sign} {text}"
    return out


def _paren(atom: Atom, alone: bool = False) -> str:
    if isinstance(atom, str):
        return atom
    return atom.text if alone else f"({atom.text})"


def _degree(mono: Mono) -> int:
    return len(mono)


def _make(coeffs: Dict[Mono, int]) -> Optional[Value]:
    items = [(m, c) for m, c in coeffs.items() if c != 0]
    if len(items) > MAX_TERMS or any(_degree(m) > MAX_DEGREE for m, _ in items):
        return None
    if all(not m for m, _ in items):
        return sum(c for _, c in items)
    items.sort(key=lambda mc: (-len(mc[0]), [_key(a) for a in mc[0]]))
    return Expr(tuple(items))


def _terms(v: Value) -> Dict[Mono, int]:
    if isinstance(v, Expr):
        return dict(v.terms)
    return {(): int(v)} if v else {}


def symbol(name: str) -> "Expr":
    e = _make({(name,): 1})
    assert isinstance(e, Expr)
    return e


def is_expr(v: Any) -> bool:
    return isinstance(v, Expr)


def exact(v: Any) -> bool:
    """An int or an Expr: a size known as an exact function of the input."""
    return isinstance(v, Expr) or (isinstance(v, int) and not isinstance(v, bool))


def add(a: Optional[Value], b: Optional[Value], sign: int = 1) -> Optional[Value]:
    if a is None or b is None:
        return None
    out = _terms(a)
    for m, c in _terms(b).items():
        out[m] = out.get(m, 0) + sign * c
    return _make(out)


def sub(a: Optional[Value], b: Optional[Value]) -> Optional[Value]:
    return add(a, b, -1)


def mul(a: Optional[Value], b: Optional[Value]) -> Optional[Value]:
    if a is None or b is None:
        return None
    ta, tb = _terms(a), _terms(b)
    if len(ta) * len(tb) > MAX_TERMS * 4:
        return None
    out: Dict[Mono, int] = {}
    for ma, ca in ta.items():
        for mb, cb in tb.items():
            m = tuple(sorted(ma + mb, key=_key))
            out[m] = out.get(m, 0) + ca * cb
    made = _make(out)
    if isinstance(made, Expr) and a != 1 and b != 1:
        made.factors = _factors(a) + _factors(b)
    return made


def _factors(v: Value) -> Tuple[Any, ...]:
    return v.factors if isinstance(v, Expr) and v.factors else (v,)


def show(v: Any) -> str:
    """For a message: a product as its factors (``16*(H//4 - 3)*(W//4 - 3)``)."""
    if isinstance(v, Expr) and v.factors:
        parts = [show(f) for f in v.factors]
        return "*".join(p if isinstance(f, int) or len(f.terms) == 1 and not f.factors else f"({p})" for p, f in zip(parts, v.factors))
    return str(v)


def product(values: Iterable[Optional[Value]]) -> Optional[Value]:
    total: Optional[Value] = 1
    for v in values:
        total = mul(total, v)
    return total


def floordiv(a: Optional[Value], d: Any) -> Optional[Value]:
    """``a // d`` for a positive int ``d``, simplified: exact parts leave the floor, a
    floor of a floor is one floor, a common factor cancels."""
    if a is None or not (isinstance(d, int) and not isinstance(d, bool)) or d <= 0:
        return None
    if not isinstance(a, Expr):
        return a // d
    if d == 1:
        return a
    out: Dict[Mono, int] = {}
    rest: Dict[Mono, int] = {}
    for m, c in a.terms:
        if m and c % d == 0:
            out[m] = c // d
        elif m:
            rest[m] = c
    const = _terms(a).get((), 0)
    if not rest:
        out[()] = const // d
        return _make(out)
    # the constant: whole multiples of d leave the floor, the remainder stays inside
    out[()] = const // d
    const %= d
    g = d
    for c in list(rest.values()) + [const]:
        g = gcd(g, c)
    if g > 1:
        rest = {m: c // g for m, c in rest.items()}
        const //= g
        d //= g
    if len(rest) == 1:
        ((m, c),) = rest.items()
        if c == 1 and len(m) == 1 and isinstance(m[0], Floor) and m[0].den * d <= MAX_DEN:
            inner = m[0]  # (n//a + k)//b == (n + k*a)//(a*b): one floor, not two
            return add(_make(out), floordiv(add(inner.num, const * inner.den), inner.den * d))
    if d == 1:
        rest[()] = const
        return add(_make(out), _make(rest))
    if const:
        rest[()] = const
    num = _make(rest)
    if not isinstance(num, Expr):
        return None
    out[(Floor(num, d),)] = out.get((Floor(num, d),), 0) + 1
    return _make(out)


def evaluate(v: Any, env: Dict[str, int], cache: Optional[Dict[str, int]] = None) -> int:
    """The value for the given sizes; ``cache`` (per ``env``) shares floors across calls."""
    if not isinstance(v, Expr):
        return int(v)
    total = 0
    for mono, c in v.terms:
        term = c
        for atom in mono:
            if isinstance(atom, str):
                term *= env[atom]
            else:
                key = atom.text
                if cache is not None and key in cache:
                    val = cache[key]
                else:
                    val = evaluate(atom.num, env, cache) // atom.den
                    if cache is not None:
                        cache[key] = val
                term *= val
        total += term
    return total


def compiled(v: Any) -> Callable[[Dict[str, int]], int]:
    """``evaluate`` as a function made once per expression: the solver calls it per size."""
    if not isinstance(v, Expr):
        const = int(v)
        return lambda env: const
    fn = getattr(v, "_fn", None)
    if fn is None:
        parts = [(c, [_atom_fn(a) for a in mono]) for mono, c in v.terms]

        def fn(env: Dict[str, int]) -> int:
            total = 0
            for c, fns in parts:
                for f in fns:
                    c *= f(env)
                total += c
            return total

        v._fn = fn  # type: ignore[attr-defined]
    return fn


def _atom_fn(atom: Atom) -> Callable[[Dict[str, int]], int]:
    if isinstance(atom, str):
        name = atom
        return lambda env: env[name]
    inner, den = compiled(atom.num), atom.den
    return lambda env: inner(env) // den


def atoms(v: Any) -> Iterable[Floor]:
    """Every floor in ``v``, inner ones too."""
    if isinstance(v, Expr):
        for mono, _ in v.terms:
            for atom in mono:
                if isinstance(atom, Floor):
                    yield atom
                    yield from atoms(atom.num)


def monotone(v: Any) -> bool:
    """Non-decreasing in every symbol wherever its floors are >= 0 (checked by the caller):
    every non-constant coefficient positive, every floor of such an expression."""
    if not isinstance(v, Expr):
        return True
    for mono, c in v.terms:
        if mono and c <= 0:
            return False
        for atom in mono:
            if isinstance(atom, Floor) and not monotone(atom.num):
                return False
    return True


def linear(v: Any) -> Optional[Tuple[Fraction, Fraction, Fraction, int]]:
    """For an expression of degree 1 in one symbol s: (slope, offset, error, period) with
    |v(s) - (slope*s + offset)| <= error for every s, and v(s + period) - v(s) equal to
    slope*period.  None for anything else."""
    if not isinstance(v, Expr):
        return Fraction(0), Fraction(int(v)), Fraction(0), 1
    slope, offset, error, period = Fraction(0), Fraction(0), Fraction(0), 1
    for mono, c in v.terms:
        if len(mono) > 1:
            return None
        if not mono:
            offset += c
            continue
        atom = mono[0]
        if isinstance(atom, str):
            slope += c
            continue
        inner = linear(atom.num)
        if inner is None:
            return None
        sl, off, err, per = inner
        slope += c * sl / atom.den
        offset += c * off / atom.den
        error += abs(c) * (err / atom.den + Fraction(atom.den - 1, atom.den))
        period = _lcm(period, per * atom.den)
        if period > MAX_DEN:
            return None
    return slope, offset, error, period


def _lcm(a: int, b: int) -> int:
    return a * b // gcd(a, b)
