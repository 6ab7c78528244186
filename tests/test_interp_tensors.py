"""Tensor dtypes, indexing with index tensors and masks, and buffers, checked against torch.

Expressions: each is evaluated by shapelint (read, never run) and by torch on the same
source; shapelint's shape must fit torch's (an unknown dim fits any, an unknown shape
fits anything) and a dtype it claims must be torch's.  Where torch refuses, shapelint
must not claim a shape.  Models: rows, parameter total and output equal torch's hooks.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from test_fixtures import _concrete, _load
from test_interp_stdlib import evaluate
from test_shapes_torch import torch_calls

from shapelint.analysis import analyse
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex
from shapelint.interp.values import Tensor
from shapelint.layers import UNKNOWN

HEADER = """\
import torch
import torch.nn as nn
import torch.nn.functional as F

T = torch.zeros(5, 4, 3)
LONG = torch.zeros(2, 3, dtype=torch.long)
"""

# name -> (expression, must its shape be wholly known?)
EXPRESSIONS = {
    "int_index_first": ("T[LONG]", True),
    "int_index_after_slice": ("T[:, torch.zeros(7, dtype=torch.long)]", True),
    "int32_index_after_ellipsis": ("T[..., torch.zeros(2, dtype=torch.int32)]", True),
    "index_between": ("T[:, ..., torch.zeros(2, 2, dtype=torch.long), :]", True),
    "index_from_arange": ("T[torch.arange(6).view(2, 3) % 5]", True),
    "index_viewed": ("T.view(-1, 3)[LONG.view(-1)].view(2, 3, 3)", True),
    "list_index": ("T[[0, 2]]", True),
    "long_cast_index": ("T[torch.zeros(4).long()]", True),
    "to_long_index": ("T[:, torch.zeros(2, 2).to(torch.long)]", True),
    "argmax_index": ("T[T.sum(-1).argmax(-1)]", True),
    "bool_mask": ("T[T > 0]", False),
    "bool_mask_middle": ("T[:, torch.zeros(4, dtype=torch.bool)]", False),
    "bool_mask_two_dims": ("T[torch.ones(5, 4, dtype=torch.bool)]", False),
    "compare_broadcast": ("T == torch.zeros(4, 1)", True),
    "float_index_refused": ("T[torch.zeros(2)]", False),
    "uint8_not_followed": ("T[torch.zeros(5, dtype=torch.uint8)]", False),
    "int_arith": ("torch.arange(5).view(5, 1) + torch.arange(3) * 2", True),
    "int_divide": ("torch.arange(40) / 2", True),
    "sigmoid_of_int": ("torch.sigmoid(torch.arange(40))", True),
    "to_double": ("LONG.to(torch.float64).t()", True),
    "sum_of_bool": ("(T > 0).sum(-1)", True),
    "roll": ("torch.roll(T, shifts=(1, -1), dims=(0, 1))", True),
    "masked_fill": ("T.masked_fill(T != 0, float(-100.0)).flip(0)", True),
    "cat_long": ("torch.cat([LONG, LONG], 1)", True),
    "negative_size_refused": ("torch.zeros(-2)", False),
    "chunk_of_empty": ("torch.zeros(0, 3).chunk(4)[0]", True),
}


def _fits(ours: Any, theirs: torch.Tensor) -> bool:
    if ours.shape is None:
        return True
    return len(ours.shape) == theirs.dim() and all(d is None or d == t for d, t in zip(ours.shape, theirs.shape))


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_tensor_expressions_match_torch(tmp_path, name):
    expr, known = EXPRESSIONS[name]
    source = HEADER + f"V = {expr}\n"
    path = tmp_path / "values.py"
    try:
        ours, python = evaluate(tmp_path, source, ["V"])
    except (IndexError, RuntimeError):  # torch refuses: shapelint claims no shape
        from shapelint.interp.machine import Machine

        index = ProjectIndex()
        value = Machine(index).global_value(index.load(path), "V")
        assert value is UNKNOWN or (isinstance(value, Tensor) and value.shape is None)
        return
    v, t = ours["V"], python["V"]
    assert isinstance(v, Tensor)
    assert _fits(v, t), (v.shape, tuple(t.shape))
    if known:
        assert v.shape is not None and None not in v.shape
    assert v.dtype is None or v.dtype == str(t.dtype).removeprefix("torch."), (v.dtype, t.dtype)


def test_dtypes_are_known_where_promotion_fixes_them(tmp_path):
    """The dtypes the index rules rest on are facts, not only left open."""
    names = ["A", "B", "C", "D", "E"]
    source = HEADER + (
        "A = LONG.view(-1)\nB = T > 0\nC = torch.arange(4) * 3 - 1\nD = torch.zeros(2).long()\n"
        "E = torch.empty(3, 3, dtype=torch.long).permute(1, 0)\n"
    )
    ours, python = evaluate(tmp_path, source, names)
    for n in names:
        assert ours[n].dtype == str(python[n].dtype).removeprefix("torch."), n


MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


def relative_index(win):
    coords = torch.stack(torch.meshgrid(torch.arange(win), torch.arange(win), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
    rel[:, :, 0] += win - 1
    rel[:, :, 1] += win - 1
    rel[:, :, 0] *= 2 * win - 1
    return rel.sum(-1)


class WindowAttention(nn.Module):
    """Attention in windows with a relative position bias read from a table by a buffer."""

    def __init__(self, dim, heads, win):
        super().__init__()
        self.heads, self.area = heads, win * win
        self.table = nn.Parameter(torch.zeros((2 * win - 1) ** 2, heads))
        self.register_buffer("index", torch.empty(win * win, win * win, dtype=torch.long), persistent=False)
        self.index.copy_(relative_index(win))
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        bias = self.table[self.index.view(-1)].view(self.area, self.area, -1).permute(2, 0, 1)
        attn = q @ k.transpose(-2, -1) + bias.unsqueeze(0)
        if mask is not None:
            n = mask.shape[0]
            attn = attn.view(-1, n, self.heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, N, N)
        return self.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(B, N, -1))


class Block(nn.Module):
    def __init__(self, dim, heads, res, win, shift):
        super().__init__()
        self.win, self.shift = win, shift
        self.norm = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, win)
        self.register_buffer("mask", None, persistent=False)
        if shift:
            img = torch.zeros((1, res, res, 1))
            cnt = 0
            for h in ((0, -win), (-win, -shift), (-shift, None)):
                for w in ((0, -win), (-win, -shift), (-shift, None)):
                    img[:, h[0]:h[1], w[0]:w[1], :] = cnt
                    cnt += 1
            windows = img.view(1, res // win, win, res // win, win, 1).permute(0, 1, 3, 2, 4, 5).reshape(-1, win * win)
            mask = windows.unsqueeze(1) - windows.unsqueeze(2)
            self.register_buffer("mask", mask.masked_fill(mask != 0, float(-100.0)), persistent=False)

    def forward(self, x):
        B, H, W, C = x.shape
        y = self.norm(x)
        if self.shift:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(1, 2))
        y = F.pad(y, (0, 0, 0, (self.win - W % self.win) % self.win, 0, (self.win - H % self.win) % self.win))
        _, Hp, Wp, _ = y.shape
        y = y.view(B, Hp // self.win, self.win, Wp // self.win, self.win, C).permute(0, 1, 3, 2, 4, 5)
        y = self.attn(y.reshape(-1, self.win * self.win, C), mask=self.mask)
        y = y.view(B, Hp // self.win, Wp // self.win, self.win, self.win, C).permute(0, 1, 3, 2, 4, 5).reshape(B, Hp, Wp, C)
        if self.shift:
            y = torch.roll(y, shifts=(self.shift, self.shift), dims=(1, 2))
        return x + y[:, :H, :W, :]


# shapelint: input=(2, 6, 6, 16)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(16, 2, 6, 3, 0), Block(16, 2, 6, 3, 1))
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.blocks(x).mean((1, 2)))


BUFFERS = [n for n, _ in Net().named_buffers()]
'''


def test_window_attention_with_buffers_matches_torch(tmp_path):
    path = tmp_path / "net.py"
    path.write_text(MODEL)
    result = check_path(path)
    assert result.findings == []
    shape = result.declared["Net"]
    index = ProjectIndex()
    info = index.load(path)
    [trace] = analyse(index, info, {"Net": shape}, only="Net")
    module = _load(path)
    model = module.Net()
    model.eval()
    calls, out = torch_calls(model, torch.zeros(_concrete(shape)))
    ours = [(r.name, r.type, _concrete(r.input_shape) if r.input_shape else None, _concrete(r.output_shape) if r.output_shape else None) for r in trace.rows]
    assert ours == calls
    assert trace.params == sum(p.numel() for p in model.parameters())  # buffers are no parameters
    assert trace.output is not None and _concrete(trace.output) == out
    names, _ = evaluate(tmp_path, MODEL, ["BUFFERS"])
    assert names["BUFFERS"] == module.BUFFERS == ["blocks.0.attn.index", "blocks.1.mask", "blocks.1.attn.index"]


# bodies of f(): each writes a constant array in place, directly or through a view
WRITES = {
    "setitem": "a = torch.arange(4)\n    a[0] = 9",
    "slice_augassign": "a = torch.arange(6).view(2, 3)\n    a[:, 1:] += 2",
    "through_view": "a = torch.arange(4)\n    b = a.view(2, 2)\n    b[0, 0] = 7",
    "through_permute": "a = torch.arange(4)\n    a.view(2, 2).permute(1, 0)[0].zero_()",
    "inplace_method": "a = torch.linspace(0, 1, 5)\n    a.mul_(3)",
    "init_function": "a = torch.arange(3).float()\n    torch.nn.init.zeros_(a)",
    "copy_into": "a = torch.arange(3)\n    a.copy_(torch.tensor([5, 6, 7]))",
    "inside_a_list": "a = torch.arange(3)\n    xs = [a]\n    xs[0][1] = 8\n    a = torch.stack(xs)[0]",
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_values_written_in_place_are_not_the_old_ones(tmp_path, name):
    source = "import torch\n\n\ndef f():\n    " + WRITES[name] + "\n    return a.tolist()\n\n\nV = f()\n"
    ours, python = evaluate(tmp_path, source, ["V"])
    assert ours["V"] is UNKNOWN or ours["V"] == python["V"]


def test_values_not_written_stay_known(tmp_path):
    source = "import torch\n\na = torch.arange(4)\nb = (a * 2 + 1).tolist()\nV = [x.item() for x in torch.linspace(0, 0.3, 4)]\n"
    ours, python = evaluate(tmp_path, source, ["b", "V"])
    assert ours == python
