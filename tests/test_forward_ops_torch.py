"""Forward-pass expressions interpreted end to end, each checked against real torch: the
shape shapelint follows through ``forward`` must be the shape torch computes."""

import importlib.util

import pytest
import torch

from shapelint.engine import check_path

TEMPLATE = """
import torch
import torch.nn as nn
import torch.nn.functional as F


# shapelint: input={shape}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
{init}

    def forward(self, x):
        return {expr}
"""

# (input shape, forward expression, __init__ body)
CASES = [
    ((2, 3, 8, 8), "x[..., 0]", ""),
    ((2, 3, 8, 8), "x[..., None, 1:5]", ""),
    ((2, 3, 8, 8), "x[:, None, ..., ::2]", ""),
    ((2, 3, 8, 8), "x[0, ...]", ""),
    ((2, 3, 8, 8), "x[...]", ""),
    ((2, 3, 8, 8), "x[1, ..., 2:, None]", ""),
    ((2, 3, 8, 8), "x.max(dim=1).values", ""),
    ((2, 3, 8, 8), "x.min(1, keepdim=True).indices", ""),
    ((2, 3, 8, 8), "x.max(-1)[0]", ""),
    ((2, 3, 8, 8), "torch.max(x, 2).values", ""),
    ((2, 3, 8, 8), "x.topk(3, dim=-1).values", ""),
    ((2, 3, 8, 8), "torch.topk(x, 2, 1).indices", ""),
    ((2, 3, 8, 8), "x.sort(dim=1).values", ""),
    ((2, 3, 8, 8), "x.median(dim=2).values", ""),
    ((2, 3, 8, 8), "x.argmax(dim=1)", ""),
    ((2, 3, 8, 8), "x @ x.transpose(-2, -1)", ""),
    ((2, 3, 8, 8), "x.flatten(2) @ x.flatten(2).transpose(1, 2)", ""),
    ((2, 8), "x @ torch.zeros(8)", ""),
    ((2, 8), "torch.zeros(2) @ x", ""),
    ((2, 3, 8), "torch.bmm(x, x.transpose(1, 2))", ""),
    ((3, 8), "torch.mm(x, x.t())", ""),
    ((2, 3, 8), "x.matmul(torch.zeros(8, 5))", ""),
    ((2, 4, 5, 8), "torch.einsum('bhqd,bhkd->bhqk', x, x)", ""),
    ((2, 4, 5, 8), "torch.einsum('...qd,...kd', x, x)", ""),
    ((2, 4, 5, 8), "torch.einsum('bhqd->bqhd', [x])", ""),
    ((2, 5, 8), "F.layer_norm(x, (8,))", ""),
    ((2, 5, 8), "F.layer_norm(x, [5, 8], torch.ones(5, 8))", ""),
    ((2, 6, 4, 4), "F.group_norm(x, 3)", ""),
    ((2, 6, 4, 4), "F.group_norm(x, 2, torch.ones(6), torch.zeros(6))", ""),
    ((2, 4, 5, 8), "F.scaled_dot_product_attention(x, x, x)", ""),
    ((2, 4, 5, 8), "F.scaled_dot_product_attention(x, x[:, :, :3], x[:, :, :3, :2], is_causal=False)", ""),
]


def _write(tmp_path, shape, expr, init):
    body = "\n".join("        " + line for line in init.splitlines()) if init else "        pass"
    path = tmp_path / "net.py"
    path.write_text(TEMPLATE.format(shape=shape, expr=expr, init=body))
    return path


def _torch_shape(path, shape):
    spec = importlib.util.spec_from_file_location("forward_op", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.Net()(torch.zeros(shape)).shape)


@pytest.mark.parametrize("shape,expr,init", CASES, ids=[c[1] for c in CASES])
def test_forward_expression_matches_torch(tmp_path, shape, expr, init):
    path = _write(tmp_path, shape, expr, init)
    result = check_path(path)
    assert result.findings == []
    assert result.traces[0].output == _torch_shape(path, shape)


BAD = [
    ((2, 3, 8), "x @ torch.zeros(4, 5)", "SHP006"),
    ((2, 3, 8), "torch.bmm(x, torch.zeros(3, 4, 5))", "SHP006"),
    ((2, 3, 8), "torch.bmm(x, torch.zeros(2, 5, 5))", "SHP006"),
    ((2, 3, 8), "torch.mm(x, torch.zeros(8, 5))", "SHP008"),
    ((2, 4, 5, 8), "torch.einsum('bhqd,bhkd->bhqk', x, x.transpose(-2, -1))", "SHP006"),
    ((2, 4, 5, 8), "torch.einsum('bqd,bkd->bqk', x, x)", "SHP008"),
    ((2, 3, 8), "x.topk(9, dim=-1).values", "SHP005"),
    ((2, 5, 8), "F.layer_norm(x, (5,))", "SHP004"),
    ((2, 6, 4), "F.group_norm(x, 4)", "SHP004"),
    ((2, 6, 4), "F.group_norm(x, 3, torch.ones(4))", "SHP004"),
    ((2, 4, 5, 8), "F.scaled_dot_product_attention(x, x[..., :4], x)", "SHP006"),
]


@pytest.mark.parametrize("shape,expr,code", BAD, ids=[c[1] for c in BAD])
def test_forward_failure_is_reported_and_torch_refuses(tmp_path, shape, expr, code):
    path = _write(tmp_path, shape, expr, "")
    assert [f.code for f in check_path(path).findings] == [code]
    with pytest.raises(RuntimeError):
        _torch_shape(path, shape)
