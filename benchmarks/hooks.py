"""What the model benchmarks share: torch's leaf-module calls through forward hooks, and
their comparison with shapelint's rows, name by name and call by call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch

Call = Tuple[str, Tuple[int, ...]]


def torch_calls(model: torch.nn.Module, x: torch.Tensor) -> List[Call]:
    """Every call of a module without children, in order: (named_modules name, output shape)."""
    names = {m: n for n, m in model.named_modules()}
    calls: List[Call] = []

    def hook(module, inputs, output):
        out = output[0] if isinstance(output, (tuple, list)) else output
        calls.append((names[module], tuple(out.shape)))

    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return calls


@dataclass
class Comparison:
    right: int = 0
    unknown: int = 0  # left (partly) unknown: a dim None, a symbol, or the rank ([..., 32])
    wrong: int = 0
    missed: int = 0  # torch called it, shapelint has no row for it
    extra: int = 0  # rows torch never called


def compare(calls: List[Call], rows, verbose: bool) -> Comparison:
    ours: Dict[str, List[Optional[tuple]]] = {}
    for r in rows:
        ours.setdefault(r.name, []).append(tuple(r.output_shape) if r.output_shape is not None else None)
    c = Comparison()
    seen: Dict[str, int] = {}
    for name, out in calls:
        i = seen.get(name, 0)
        seen[name] = i + 1
        mine = ours.get(name, [])
        if i >= len(mine):
            c.missed += 1
            if verbose:
                print(f"   missed {name} {out}")
            continue
        got = mine[i]
        if got == out:
            c.right += 1
        elif got is None or None in got or Ellipsis in got or any(isinstance(d, str) for d in got):
            c.unknown += 1
            if verbose:
                print(f"   unknown {name}: {got} (torch {out})")
        else:
            c.wrong += 1
            print(f"   WRONG {name}: {got} (torch {out})")
    c.extra = sum(len(v) for v in ours.values()) - sum(min(len(ours.get(n, [])), k) for n, k in seen.items())
    return c
