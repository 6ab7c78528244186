"""torch's layer shape algebra: one registry from qualified name to layer spec.

Pure Python: no libcst, no torch.  ``lookup("torch.nn.Conv2d")`` gives the spec;
``spec.bind(args, kwargs)`` then ``spec.apply(cfg, shape)`` gives the output shape or
the failure torch would raise.
"""

from __future__ import annotations

from typing import Dict, Optional

from . import attention, conv, elementwise, fold, linear, matmul, norm, pool, recurrent, reshape, tensor, transformer
from .core import (
    ARGS,
    CHANNELS,
    FEATURES,
    MERGE,
    NORM,
    RANK,
    RESHAPE,
    SPATIAL,
    UNKNOWN,
    Bound,
    Dim,
    Failure,
    Layer,
    Param,
    Result,
    Shape,
    fmt_shape,
    known,
)

ALL_LAYERS = (
    conv.LAYERS + pool.LAYERS + linear.LAYERS + norm.LAYERS + reshape.LAYERS + elementwise.LAYERS + recurrent.LAYERS
    + attention.LAYERS + tensor.LAYERS + matmul.LAYERS + transformer.LAYERS + fold.LAYERS
)

REGISTRY: Dict[str, Layer] = {q: layer for layer in ALL_LAYERS for q in layer.qualnames}


def lookup(qualname: str) -> Optional[Layer]:
    return REGISTRY.get(qualname)


__all__ = [
    "ALL_LAYERS", "REGISTRY", "lookup", "Bound", "Dim", "Failure", "Layer", "Param", "Result", "Shape",
    "UNKNOWN", "known", "fmt_shape",
    "ARGS", "CHANNELS", "FEATURES", "MERGE", "NORM", "RANK", "RESHAPE", "SPATIAL",
]
