"""Solving for an input size nobody declared.

The run with a symbolic input records what torch will require of the sizes (a Linear's
``in_features`` equal to the flattened size, the two sides of a ``cat`` equal, every
conv or pool output at least 1).  Here those conditions are searched over input sizes
1..BOX per symbol, by evaluating the recorded expressions (the model is not run again).
A finding needs a proof, not a failed search: every symbol must be shown to have no
solution past the box (a monotone size grown past the value torch wants, or a
difference that repeats with a period the box covers); anything else is unknown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from math import gcd
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from .layers.core import FEATURES, Condition
from .layers.symbolic import Expr, Floor, atoms, compiled, evaluate, linear, monotone, show, sub

BOX = 1024
MAX_JOINT = 200_000  # size combinations tried jointly before giving up to unknown

Env = Dict[str, int]


@dataclass
class Outcome:
    status: str  # "sat", "unsat" or "unknown"
    env: Optional[Env] = None  # sat: the smallest admissible sizes (a square tried first)
    pinned: FrozenSet[str] = frozenset()  # symbols some equality constrains
    steps: Dict[str, str] = field(default_factory=dict)  # a symbol's admissible values, as text
    first: Optional[int] = None  # unsat: the condition where the conditions before it stop being met
    sources: List[int] = field(default_factory=list)  # equalities that bound the sizes, before ``first``


def _symbols(v: object) -> FrozenSet[str]:
    return v.symbols() if isinstance(v, Expr) else frozenset()


def cond_symbols(c: Condition) -> FrozenSet[str]:
    out = _symbols(c.lhs) | _symbols(c.rhs)
    for lhs, rhs in c.alternatives:
        out |= _symbols(lhs) | _symbols(rhs)
    return out


def holds(c: Condition, env: Env, cache: Dict[str, int]) -> bool:
    for lhs, rhs in ((c.lhs, c.rhs),) + c.alternatives:
        left = compiled(lhs)(env)
        if (left >= 1) if rhs is None else (left == compiled(rhs)(env)):
            return True
    return False


class _Timeout(Exception):
    pass


class Solver:
    """The admissible sizes of the conditions' symbols: searched in the box, and proved
    absent beyond it before "none" is said."""

    def __init__(self, conditions: Sequence[Condition], symbols: Sequence[str], deadline: Optional[float] = None) -> None:
        self.symbols = [s for s in symbols]
        self.conds = [c for c in conditions if cond_symbols(c) and cond_symbols(c) <= set(symbols)]
        self.deadline = deadline
        self._masks: Dict[Condition, int] = {}

    def _tick(self) -> None:
        if self.deadline is not None and time.process_time() > self.deadline:
            raise _Timeout()

    # --- searching the box ------------------------------------------------------
    def mask(self, c: Condition) -> int:
        """The sizes 1..BOX meeting a condition on one symbol, as bits; a monotone
        ``>= 1`` holds from a threshold on, found by bisection."""
        if c not in self._masks:
            (s,) = cond_symbols(c)
            full = ((1 << BOX) - 1) << 1
            if c.rhs is None and not c.alternatives and _rising(c.lhs):
                lo, hi = 1, BOX + 1  # the first size that holds (BOX + 1: none)
                while lo < hi:
                    mid = (lo + hi) // 2
                    if holds(c, {s: mid}, {}):
                        hi = mid
                    else:
                        lo = mid + 1
                bits = full >> lo << lo
            else:
                bits = 0
                for v in range(1, BOX + 1):
                    if holds(c, {s: v}, {}):
                        bits |= 1 << v
                self._tick()
            self._masks[c] = bits
        return self._masks[c]

    def domains(self, conds: Sequence[Condition]) -> Dict[str, List[int]]:
        """Per symbol, the values in the box that meet every condition on it alone."""
        out = {}
        for s in self.symbols:
            bits = ((1 << BOX) - 1) << 1
            for c in conds:
                if cond_symbols(c) == {s}:
                    bits &= self.mask(c)
            out[s] = [v for v in range(1, BOX + 1) if bits >> v & 1]
        return out

    def search(self, conds: Sequence[Condition]) -> Tuple[Optional[Env], bool]:
        """An admissible env in the box (None if none), and whether the search was complete."""
        doms = self.domains(conds)
        if any(not d for d in doms.values()):
            return None, True
        joint = [c for c in conds if len(cond_symbols(c)) > 1]
        doms = self.prune(doms, joint)
        if any(not d for d in doms.values()):
            return None, True
        common = sorted(set.intersection(*[set(d) for d in doms.values()]))
        for v in common:  # square (cube) inputs first: the usual case
            env = {s: v for s in self.symbols}
            cache: Dict[str, int] = {}
            if all(holds(c, env, cache) for c in joint):
                return env, True
        if not joint:
            return {s: d[0] for s, d in doms.items()}, True
        size = 1
        for d in doms.values():
            size *= len(d)
        if size > MAX_JOINT:
            return None, False
        corner = {s: d[0] for s, d in doms.items()}
        ceilings = [(compiled(g), k) for g, k in (_growing(c) for c in joint) if g is not None and _grows_from(g, corner)]
        joint = sorted(joint, key=lambda c: c.rhs is None)  # equalities first: they fail soonest
        *outer, last = self.symbols
        best: Optional[Env] = None
        for env in _product(outer, doms):
            for v in doms[last]:
                env[last] = v
                if any(f(env) > k for f, k in ceilings):
                    break  # it only grows with ``last``
                if all(holds(c, env, {}) for c in joint):
                    if best is None or sum(env.values()) < sum(best.values()):
                        best = dict(env)
                    break
        self._tick()
        return best, True

    def prune(self, doms: Dict[str, List[int]], joint: Sequence[Condition]) -> Dict[str, List[int]]:
        """Drop the values a growing size rules out: with ``f == c`` for an ``f`` that only
        grows from the smallest sizes on, a size whose ``f`` already exceeds ``c`` there."""
        corner = {s: d[0] for s, d in doms.items()}
        out = dict(doms)
        for c in joint:
            grow, const = _growing(c)
            if grow is None or not _grows_from(grow, corner):
                continue
            for s in cond_symbols(c):
                keep = []
                for v in out[s]:
                    at = dict(corner)
                    at[s] = v
                    if evaluate(grow, at, {}) > const:
                        break  # and every larger v
                    keep.append(v)
                out[s] = keep
        return out

    # --- proving there is nothing past the box ----------------------------------------
    def corner(self, conds: Sequence[Condition]) -> Optional[Env]:
        """A lower bound on every admissible size: each symbol's threshold for the
        monotone ``>= 1`` conditions on it alone (they hold from some size on)."""
        out: Env = {}
        for s in self.symbols:
            bits = ((1 << BOX) - 1) << 1
            for c in conds:
                if c.rhs is None and cond_symbols(c) == {s}:
                    if c.alternatives or not _rising(c.lhs):
                        return None
                    bits &= self.mask(c)
            if not bits:
                return None  # torch wants a larger input than the box: not proved here
            out[s] = (bits & -bits).bit_length() - 1
        return out

    def _bounded(self, s: str, c: Condition, corner: Env) -> bool:
        """No size of ``s`` past the box meets ``c``."""
        if c.rhs is None or c.alternatives:
            return False
        diff = sub(c.lhs, c.rhs)
        syms = _symbols(diff)
        if s not in syms:
            return False
        if syms == {s}:
            lin = linear(diff)
            if lin is not None and lin[0] != 0:
                slope, offset, error, _ = lin
                if (abs(offset) + error) / abs(slope) < BOX:
                    return True
        for grow, const in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
            if isinstance(const, int) and _grows_from(grow, corner):
                far = dict(corner)
                far[s] = BOX + 1  # past the box it is larger still: never equal again
                if evaluate(grow, far, {}) > const:
                    return True
        return False

    def exhaustive(self, conds: Sequence[Condition]) -> bool:
        """Whether the box holds every admissible size, if there is one."""
        corner = self.corner(conds)
        if corner is None:
            return False
        for s in self.symbols:
            mine = [c for c in conds if s in cond_symbols(c)]
            if not mine or any(self._bounded(s, c, corner) for c in mine):
                continue
            period = 1
            for c in mine:  # past the bounds, only periodic single-symbol equalities
                if cond_symbols(c) != {s} or c.alternatives:
                    return False
                if c.rhs is None:
                    continue  # monotone, holds from the corner on
                lin = linear(sub(c.lhs, c.rhs))
                if lin is None or lin[0] != 0:
                    return False
                period = period * lin[3] // gcd(period, lin[3])
            if corner[s] + period > BOX:
                return False
        return True

    # --- the whole question --------------------------------------------------------
    def solve(self) -> Outcome:
        try:
            return self._solve()
        except _Timeout:
            return Outcome("unknown")

    def _solve(self) -> Outcome:
        conds = self.conds
        pinned = frozenset(s for c in conds if c.rhs is not None for s in cond_symbols(c))
        env, complete = self.search(conds)
        if env is not None:
            # to show: sizes where the merged sides are equal, not merely broadcast from 1
            strict = [replace(c, alternatives=()) for c in conds]
            equal, _ = self.search(strict) if any(c.alternatives for c in conds) else (None, True)
            if equal is not None:
                return Outcome("sat", equal, pinned, self.steps(strict, equal), sources=self.equalities(conds))
            return Outcome("sat", env, pinned, self.steps(conds, env), sources=self.equalities(conds))
        if not complete:
            return Outcome("unknown")
        lo, hi = 1, len(conds)  # the shortest prefix with no admissible size
        while lo < hi:
            mid = (lo + hi) // 2
            found, done = self.search(conds[:mid])
            if found is None and done:
                hi = mid
            else:
                lo = mid + 1
        prefix = conds[:lo]
        if not self.exhaustive(prefix):
            return Outcome("unknown")
        return Outcome("unsat", None, pinned, first=lo - 1, sources=self.equalities(prefix[:-1]))

    def equalities(self, conds: Sequence[Condition]) -> List[int]:
        return [self.conds.index(c) for c in conds if c.rhs is not None]

    def steps(self, conds: Sequence[Condition], env: Env) -> Dict[str, str]:
        """For each symbol, with the others at ``env``, its admissible values in the box:
        one value, a range, or a progression that runs to the box's end."""
        out: Dict[str, str] = {}
        doms = self.domains(conds)
        for s in self.symbols:
            joint = [c for c in conds if s in cond_symbols(c) and len(cond_symbols(c)) > 1]
            values = []
            for v in doms[s]:
                if v < env[s]:
                    continue
                trial = dict(env)
                trial[s] = v
                if all(holds(c, trial, {}) for c in joint):
                    values.append(v)
            out[s] = _progression(s, values)
        return out


def _progression(s: str, values: List[int]) -> str:
    """``H = 32 + 16k``, ``H = 64..65 + 64k``, ``H = 28..31``, ``H >= 8``: the admissible
    values found in the box, when they repeat with a period to its end or form one run."""
    first, found = values[0], set(values)
    if values == list(range(first, values[-1] + 1)):
        return f"{s} >= {first}" if values[-1] == BOX else (f"{s} = {first}" if len(values) == 1 else f"{s} = {first}..{values[-1]}")
    for period in range(2, min(256, (BOX - first) // 2) + 1):
        if all((v + period in found) == (v in found) for v in range(first, BOX + 1 - period)):
            residues = [v for v in range(first, first + period) if v in found]
            if residues == list(range(residues[0], residues[-1] + 1)):
                run = str(residues[0]) if len(residues) == 1 else f"{residues[0]}..{residues[-1]}"
                return f"{s} = {run} + {period}k"
            break
    return f"{s} = {first} (the smallest)"


def _growing(c: Condition) -> Tuple[Optional[Expr], int]:
    """For ``f == k`` with an int ``k``: (f, k); else (None, 0)."""
    if c.alternatives or c.rhs is None:
        return None, 0
    for grow, const in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
        if isinstance(grow, Expr) and isinstance(const, int):
            return grow, const
    return None, 0


def _rising(v: object) -> bool:
    """Degree 1 in its symbols, positive coefficients over floors of the same: it never
    decreases as a size grows, whatever the sizes."""
    return isinstance(v, Expr) and monotone(v) and all(len(m) <= 1 for m, _ in v.terms) and all(_rising(a.num) for a in _own_floors(v))


def _own_floors(v: Expr) -> List[Floor]:
    return [a for m, _ in v.terms for a in m if isinstance(a, Floor)]


def _grows_from(v: object, corner: Env) -> bool:
    """``v`` never decreases as any size grows from ``corner``: positive coefficients
    over floors that are already >= 0 there (and only grow)."""
    if isinstance(v, Expr) and v.factors:  # a product grows where each factor is >= 0 and grows
        return all(isinstance(f, int) and f >= 0 or _grows_from(f, corner) and evaluate(f, corner) >= 0 for f in v.factors)
    if not isinstance(v, Expr) or not monotone(v):
        return False
    cache: Dict[str, int] = {}
    return all(evaluate(a.num, corner, cache) // a.den >= 0 for a in atoms(v))


def _product(symbols: Sequence[str], doms: Dict[str, List[int]]) -> Iterator[Env]:
    if not symbols:
        yield {}
        return
    first, rest = symbols[0], symbols[1:]
    for tail in _product(rest, doms):
        for v in doms[first]:
            env = dict(tail)
            env[first] = v
            yield env


def describe(outcome: Outcome, symbols: Sequence[str]) -> str:
    """``H = 32 + 16k, W = 32 + 16k``: what the table shows for an inferred input."""
    return ", ".join(outcome.steps[s] for s in symbols if s in outcome.pinned and s in outcome.steps)


# --- from the run's records to findings and an inferred input ------------------------

_NAMES = {"L": "length", "H": "height", "W": "width", "D": "depth"}


def size_names(symbols: Sequence[str]) -> str:
    """``height and width``: the input sizes a message talks about."""
    words = [_NAMES.get(s, s) for s in symbols]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def place(c: Condition, label: str, line: int) -> str:
    """``fc1's in_features, line 12``: where a condition was made."""
    what = f"{label}'s {c.arg}" if c.arg and label else label
    return f"{what}, line {line}" if what else f"line {line}"


def explain(outcome: Outcome, conds: Sequence[Condition], places: Sequence[str], symbols: Sequence[str]) -> str:
    """The message for the condition no input size meets (``outcome.first``)."""
    assert outcome.first is not None
    c = conds[outcome.first]
    syms = [s for s in symbols if s in cond_symbols(c)] or list(symbols)
    sources = list(dict.fromkeys(places[i] for i in outcome.sources))
    if c.rhs is None:
        fits = "fits " + " and ".join(sources) if sources else "the earlier layers accept"
        return (f"every input {size_names(syms)} that {fits} makes this output size {show(c.lhs)} below 1 "
                f"(the input size is not declared: solved for it)")
    together = f", together with {' and '.join(sources)}" if sources else ""
    if c.kind == FEATURES and isinstance(c.rhs, int):
        said = f"no input {size_names(syms)} makes the {show(c.lhs)} features this Linear receives equal its {c.what}"
    else:
        said = f"no input {size_names(syms)} makes {show(c.lhs)} equal {show(c.rhs)} ({c.what})"
    return f"{said}{together} (the input size is not declared: solved for it)"
