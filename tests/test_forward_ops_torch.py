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
    ((2, 4, 5, 8), "torch.einsum('bhqd,bhkd->bhqk', (x, x))", ""),
    ((2, 5, 8), "F.layer_norm(x, (8,))", ""),
    ((2, 5, 8), "F.layer_norm(x, [5, 8], torch.ones(5, 8))", ""),
    ((2, 6, 4, 4), "F.group_norm(x, 3)", ""),
    ((2, 6, 4, 4), "F.group_norm(x, 2, torch.ones(6), torch.zeros(6))", ""),
    ((2, 4, 5, 8), "F.scaled_dot_product_attention(x, x, x)", ""),
    ((2, 4, 5, 8), "F.scaled_dot_product_attention(x, x[:, :, :3], x[:, :, :3, :2], is_causal=False)", ""),
    ((5, 2, 8), "self.m(x, (torch.zeros(2, 2, 6), torch.zeros(2, 2, 6)))[1][0]", "self.m = nn.LSTM(8, 6, 2)"),
    ((5, 2, 8), "self.m(x, torch.zeros(2, 2, 6))[0]", "self.m = nn.GRU(8, 6, bidirectional=True)"),
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
    ((5, 2, 8), "self.m(x)", "SHP003", "self.m = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32), 2)"),
    ((5, 2, 8), "self.m(x)", "SHP004", "self.m = nn.TransformerEncoderLayer(16, 4, 32, norm_first=True)"),
    ((5, 2, 16), "self.m(x, x[:, :1])", "SHP007", "self.m = nn.TransformerDecoderLayer(16, 4, 32)"),
    ((5, 2, 16), "self.m(x, x[..., :8])", "SHP003", "self.m = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, 32), 2)"),
    ((5, 2, 16), "self.m(x, x[:, :1])", "SHP006", "self.m = nn.Transformer(16, 4, 1, 1, 32)"),
    ((5, 2, 16), "self.m(x, x)", "SHP005", "self.m = nn.Transformer(16, 5, 1, 1, 32)"),
    ((5, 2, 8), "self.m(x, torch.zeros(2, 2, 8))[0]", "SHP006", "self.m = nn.GRU(8, 8)"),
    ((5, 2, 8), "self.m(x, (torch.zeros(1, 2, 8), torch.zeros(1, 2, 4)))[0]", "SHP006", "self.m = nn.LSTM(8, 8)"),
    ((5, 2, 8), "self.m(x, torch.zeros(2, 8))[0]", "SHP008", "self.m = nn.RNN(8, 8)"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[1] + (" " + c[3] if len(c) > 3 else "") for c in BAD])
def test_forward_failure_is_reported_and_torch_refuses(tmp_path, case):
    shape, expr, code = case[:3]
    path = _write(tmp_path, shape, expr, case[3] if len(case) > 3 else "")
    assert [f.code for f in check_path(path).findings] == [code]
    with pytest.raises((RuntimeError, AssertionError)):
        _torch_shape(path, shape)


PARAMS = [
    "self.m = nn.TransformerEncoderLayer(16, 4, 32)",
    "self.m = nn.TransformerEncoderLayer(16, 2, bias=False)",
    "self.m = nn.TransformerDecoderLayer(16, 4, 24, batch_first=True)",
    "self.m = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32), 3)",
    "layer = nn.TransformerEncoderLayer(16, 4, 32)\nself.m = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(16))",
    "self.m = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, 32), 2)",
    "self.m = nn.Transformer(16, 4, 2, 1, 32)",
    "self.m = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=8, bias=False)",
    "self.m = nn.utils.weight_norm(nn.Conv2d(3, 8, 3))",
    "self.m = torch.nn.utils.weight_norm(nn.Conv2d(3, 8, 3), dim=None)",
    "self.m = nn.utils.weight_norm(nn.ConvTranspose2d(3, 8, 3), name='weight', dim=1)",
    "self.m = nn.utils.weight_norm(nn.Linear(5, 7), 'bias')",
    "self.m = nn.utils.parametrizations.weight_norm(nn.Conv1d(3, 8, 3))",
    "self.m = nn.utils.parametrizations.weight_norm(nn.Linear(5, 7), dim=-1)",
    "self.m = nn.utils.spectral_norm(nn.Conv2d(3, 8, 3))",
    "self.m = nn.utils.parametrizations.spectral_norm(nn.Linear(5, 7))",
    "self.m = nn.Linear(4, 4)\nnn.utils.parametrize.register_parametrization(self.m, 'weight', nn.Linear(4, 4))",
]


@pytest.mark.parametrize("init", PARAMS)
def test_parameter_counts_match_torch(tmp_path, init):
    path = _write(tmp_path, (2, 16), "x", init)
    result = check_path(path)
    spec = importlib.util.spec_from_file_location("forward_params", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert result.traces[0].params == sum(p.numel() for p in module.Net().parameters())
