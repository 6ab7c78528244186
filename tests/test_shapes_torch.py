"""``shapes`` against torch: every leaf-module call, name by name, and the parameter total.

Each good fixture model is built in real torch; forward hooks record every leaf module's
input and output shape in call order.  shapelint's rows must be the same calls, with
the same names and shapes, and its parameter total must be torch's.
"""

from pathlib import Path

import pytest
import torch
from test_fixtures import GOOD, _concrete, _load

from shapelint.analysis import analyse
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex


# torch modules shapelint follows as one call: their children are never called themselves
OPAQUE = {"MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer"}


def _leaf(module):
    """No children but a weight_norm-style ``parametrizations`` table (which computes a weight, not a layer call)."""
    return all(name == "parametrizations" for name, _ in module.named_children())


def torch_calls(model, x):
    calls = []
    names = {m: n for n, m in model.named_modules()}
    inside = {n for n, m in model.named_modules() for p, o in model.named_modules() if type(o).__name__ in OPAQUE and n.startswith(p + ".")}

    def hook(module, inputs, output):
        shape = tuple(inputs[0].shape) if inputs and isinstance(inputs[0], torch.Tensor) else None
        out = output[0] if isinstance(output, tuple) else output  # RNNs return (output, state)
        calls.append((names[module], type(module).__name__, shape, tuple(out.shape)))

    watched = [
        m for n, m in model.named_modules()
        if (_leaf(m) or type(m).__name__ in OPAQUE) and n not in inside and "parametrizations" not in n.split(".")
    ]
    handles = [m.register_forward_hook(hook) for m in watched]
    with torch.no_grad():
        out = model(x)
    for h in handles:
        h.remove()
    return calls, tuple(out.shape)


def models(paths):
    for path in paths:
        result = check_path(path)
        for name, shape in result.declared.items():
            if shape is None:
                continue  # a block used inside a declared model
            yield pytest.param(path, name, shape, id=f"{path.stem}::{name}")


@pytest.mark.parametrize("path,name,shape", list(models(GOOD)))
def test_shapes_match_torch_hooks(path, name, shape):
    index = ProjectIndex()
    info = index.load(Path(path))
    [trace] = analyse(index, info, {name: shape}, only=name)
    model = getattr(_load(path), name)()
    model.eval()
    calls, out = torch_calls(model, torch.zeros(_concrete(shape)))
    ours = [(r.name, r.type, _concrete(r.input_shape) if r.input_shape else None, _concrete(r.output_shape) if r.output_shape else None) for r in trace.rows]
    assert ours == calls
    assert trace.params == sum(p.numel() for p in model.parameters())
    assert _concrete(trace.output) == out
