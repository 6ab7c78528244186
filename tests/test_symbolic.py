"""The exact integer expressions of an unknown input size, and the solver's proofs.

Expressions must equal Python's own integer arithmetic at every size; the solver must
report "no size" only when it proved it, and stay unknown when the only sizes that work
lie beyond its search box.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shapelint.engine import check_source
from shapelint.layers.core import FEATURES, MERGE, Condition
from shapelint.layers.symbolic import Expr, add, evaluate, floordiv, mul, show, symbol, sub
from shapelint.solve import BOX, Solver

H, W = symbol("H"), symbol("W")


@st.composite
def exprs(draw, depth=0):
    """(expression, the same as a Python function of H and W)."""
    if depth > 3 or draw(st.integers(0, 3)) == 0:
        pick = draw(st.sampled_from(["H", "W", "c"]))
        if pick == "c":
            c = draw(st.integers(-9, 9))
            return c, lambda h, w, c=c: c
        return (H, lambda h, w: h) if pick == "H" else (W, lambda h, w: w)
    op = draw(st.sampled_from(["add", "sub", "mul", "div"]))
    a, fa = draw(exprs(depth + 1))
    if op == "div":
        d = draw(st.integers(1, 7))
        return floordiv(a, d), lambda h, w: fa(h, w) // d
    b, fb = draw(exprs(depth + 1))
    if op == "add":
        return add(a, b), lambda h, w: fa(h, w) + fb(h, w)
    if op == "sub":
        return sub(a, b), lambda h, w: fa(h, w) - fb(h, w)
    return mul(a, b), lambda h, w: fa(h, w) * fb(h, w)


@settings(max_examples=300, deadline=None)
@given(exprs(), st.integers(1, 300), st.integers(1, 300))
def test_expressions_are_exact(expr, h, w):
    e, f = expr
    if e is None:  # grew too complex: unknown, never a wrong value
        return
    assert evaluate(e, {"H": h, "W": w}) == f(h, w)


def test_simplifications_keep_the_common_cases_short():
    conv = add(floordiv(add(H, -5), 1), 1)  # Conv2d(k=5): (H - 5)//1 + 1
    assert conv == "H - 4"
    pooled = floordiv(add(floordiv(conv, 2), -4), 2)  # pool, conv(5), pool
    assert pooled == "H//4 - 3"  # whole multiples leave the floor
    assert floordiv(add(H, -3), 2) == "(H + 1)//2 - 2"
    assert floordiv(floordiv(H, 2), 2) == "H//4"
    assert floordiv(mul(H, 4), 2) == "2*H"
    flat = mul(16, mul(add(floordiv(H, 4), -3), add(floordiv(W, 4), -3)))
    assert show(flat) == "16*(H//4 - 3)*(W//4 - 3)"
    assert isinstance(flat, Expr) and flat.symbols() == {"H", "W"}
    assert sub(H, H) == 0 and isinstance(sub(H, H), int)


def test_no_size_is_proved_for_a_linear_no_flattened_size_fits():
    flat = mul(16, mul(add(floordiv(H, 4), -3), add(floordiv(W, 4), -3)))
    conds = [Condition("spatial-collapse", add(floordiv(H, 4), -3), None, "output size"),
             Condition("spatial-collapse", add(floordiv(W, 4), -3), None, "output size"),
             Condition(FEATURES, flat, 401, "in_features=401")]
    out = Solver(conds, ["H", "W"]).solve()
    assert out.status == "unsat" and out.first == 2
    conds[2] = Condition(FEATURES, flat, 400, "in_features=400")
    out = Solver(conds, ["H", "W"]).solve()
    assert out.status == "sat" and out.env == {"H": 32, "W": 32}


def test_sizes_beyond_the_box_stay_unknown():
    # 3*H*W = 3*1100*1100 has its only square answer past the box: not a finding
    conds = [Condition(FEATURES, mul(3, mul(H, W)), 3 * 1100 * 1100, "in_features")]
    assert Solver(conds, ["H", "W"]).solve().status != "unsat"
    length = symbol("L")
    conds = [Condition(FEATURES, mul(16, add(length, -4)), 16 * (2000 - 4), "in_features")]
    assert Solver(conds, ["L"]).solve().status == "unknown"


def test_a_periodic_mismatch_is_proved_and_a_periodic_match_found():
    up = mul(2, floordiv(add(H, -4), 2))
    never = Condition(MERGE, add(up, -8), add(H, -4), "dim 2")
    assert Solver([never], ["H"]).solve().status == "unsat"
    even = Condition(MERGE, up, add(H, -4), "dim 2")
    out = Solver([even, Condition("spatial-collapse", add(H, -4), None, "size")], ["H"]).solve()
    assert out.status == "sat" and out.env == {"H": 6} and out.steps["H"] == "H = 6 + 2k"


def test_large_linear_model_is_not_flagged():
    source = '''import torch
import torch.nn as nn


class Big(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.fc = nn.Linear(3 * 1100 * 1100, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))
'''
    assert check_source("<source>", source).findings == []
    assert BOX < 1100
