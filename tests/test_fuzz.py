"""Fuzzing: generated programs that mix model constructs with all of Python never raise
out of shapelint, never report an internal error, and end within the step budget.

The generator writes syntactically valid modules (checked with Python's own parser
before use) from a grammar of statements a model file may hold: layers in ``__init__``,
loops (``range(10**9)`` too), recursion, ``*args``/``**kwargs``, walrus, ``match``,
decorators, async functions, star-unpacking, conditional layers, huge and negative
literals, and calls of all of these from ``forward``.
"""

from __future__ import annotations

import ast
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapelint.engine import check_source

NUMS = st.one_of(
    st.integers(-3, 300),
    st.sampled_from(["10**9", "-10**18", "2**64", "0", "-1", "1e308", "float('inf')", "True", "None", "1_000_000"]),
).map(str)
NAMES = st.sampled_from(["a", "b", "c", "n", "x", "y", "self.k", "cfg", "items", "args"])

LAYERS = st.sampled_from([
    "nn.Conv2d({n}, {m}, 3, padding=1)", "nn.Linear({n}, {m})", "nn.BatchNorm2d({n})", "nn.ReLU()",
    "nn.MaxPool2d({n})", "nn.Sequential(*[nn.Linear({n}, {n}) for _ in range({m})])", "nn.LayerNorm({n})",
    "nn.Conv1d({n}, {m}, {n})", "nn.GroupNorm({n}, {m})", "nn.Embedding({n}, {m})", "nn.LSTM({n}, {m})",
    "nn.Dropout({n})", "nn.AdaptiveAvgPool2d({n})", "nn.Flatten()", "nn.ModuleList([nn.Linear({n}, {m})] * {n})",
    "helper({n}, {m})", "Block({n})", "functools.partial(nn.Linear, {n})({m})", "getattr(nn, 'ReLU')()",
])

EXPRS = st.sampled_from([
    "{n} + {m}", "{n} // ({m} or 1)", "{n} ** {m}", "-{n}", "[{n}] * {m}", "({n}, {m})", "{{'k': {n}}}",
    "[i * {n} for i in range({m})]", "(y := {n})", "max({n}, {m})", "len(range({n}))", "{n} if {m} else {n}",
    "f'{{{n}:d}}'", "sum(range({m}))", "list(map(lambda v: v + 1, range({n})))", "[*range({n}), *range({m})]",
    "{n} @ {m}", "not {n}", "{n} < {m} < {n}", "dict(a={n}, **{{'b': {m}}})", "str({n}).split('1')",
    "helper({n}, {m})", "Block({n}).k", "type({n})({m})", "isinstance({n}, int)", "abs({n})",
])

FORWARD = st.sampled_from([
    "x = self.l{i}(x)", "x = x.view(x.size(0), -1)", "x = torch.flatten(x, 1)", "x = x + self.l{i}(x)",
    "x = torch.cat([x, x], dim=1)", "x = x.permute(0, 2, 1)", "x = x[..., :{n}]", "x = x @ x.transpose(-1, -2)",
    "x = F.relu(x)", "x = x.reshape({n}, -1)", "x = x.mean(dim={m})", "x, *rest = x.chunk({n}, dim=-1)",
    "for layer in self.layers: x = layer(x)", "x = self.forward(x) if {m} > 10**8 else x",
    "assert x.shape[-1] == {n}", "x = x.unsqueeze({m}).squeeze({m})", "x = torch.einsum('bij,bjk->bik', x, x)",
    "x = self.rec({n})", "x = x.max(dim=-1).values", "x = x * torch.ones({n}, {m})", "del x; x = torch.zeros({n})",
])


@st.composite
def program(draw):
    def fill(template):
        return template.format(n=draw(NUMS), m=draw(NUMS), i=draw(st.integers(0, 5)))

    init = []
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            init.append(f"if {fill('{n}')} > {fill('{m}')}:\n    self.l{i} = {fill(draw(LAYERS))}\nelse:\n    self.l{i} = {fill(draw(LAYERS))}")
        elif kind == 1:
            init.append(f"for j in range({fill('{n}')}):\n    self.add_module(f'l{{j}}', {fill(draw(LAYERS))})")
        elif kind == 2:
            init.append(f"{draw(NAMES)} = {fill(draw(EXPRS))}")
        elif kind == 3:
            init.append(f"self.layers = nn.ModuleList([{fill(draw(LAYERS))} for _ in range({fill('{n}')})])")
        elif kind == 4:
            init.append(f"while {fill('{n}')}:\n    self.l{i} = {fill(draw(LAYERS))}\n    break")
        else:
            init.append(f"self.l{i} = {fill(draw(LAYERS))}")
    fwd = [fill(draw(FORWARD)) for _ in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):
        fwd.insert(0, f"match x.dim():\n    case {fill('{n}')}:\n        x = self.l0(x)\n    case _:\n        pass")
    decorator = draw(st.sampled_from(["", "@staticmethod\n", "@functools.lru_cache\n", "@torch.no_grad()\n"]))
    header = draw(st.sampled_from(["", "# shapelint: input=(N, 3, 32, 32)\n", "# shapelint: input=(2, 8)\n"]))
    body = "\n".join(init) or "pass"
    forward = "\n".join(fwd + ["return x"])
    return f'''import functools
import torch
import torch.nn as nn
import torch.nn.functional as F

CONST = {fill(draw(EXPRS))}


def helper(*args, **kwargs):
    if args and args[0] > 100:
        return helper(*args[1:], **kwargs)
    return nn.Linear(*(a for a in args[:2] if isinstance(a, int) and 0 < a < 10**6)) if len(args) > 1 else nn.Identity()


async def unused(x):
    return await x


class Block(nn.Module):
    k = {fill('{n}')}

    def __init__(self, c, *rest, **options):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1) if isinstance(c, int) and 0 < c < 4096 else nn.Identity()

    def forward(self, x):
        return self.conv(x)


{header}class Net(nn.Module):
    def __init__(self, a={fill('{n}')}, b=({fill('{m}')}, CONST), *args, cfg=None, **kwargs):
        super().__init__()
{textwrap.indent(body, " " * 8)}

    {decorator.replace(chr(10), chr(10) + "    ")}def rec(self, n):
        return self.rec(n - 1) if n else torch.zeros(n)

    def forward(self, x, *extra, **kw):
{textwrap.indent(forward, " " * 8)}
'''


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(program())
def test_generated_programs_never_raise(source):
    try:
        ast.parse(source)
    except SyntaxError:
        return  # the grammar made something Python refuses: not a program
    result = check_source("<fuzz>", source)
    assert not [t.error for t in result.traces if t.error], [t.error for t in result.traces]
    for f in result.findings:
        assert f.code.startswith("SHP") and f.row >= 1 and f.column >= 1
