"""Shape-preserving layers: activations, dropout, identity; and softmax, GLU, PReLU."""

from __future__ import annotations

from typing import Any, Optional, Tuple

from .core import (
    ARGS,
    CHANNELS,
    RANK,
    RESHAPE,
    Bound,
    Failure,
    Layer,
    Param,
    Result,
    Shape,
    fmt_shape,
    is_int,
    norm_dim,
    rank_names,
)

_INPLACE = (Param("inplace", False),)

# name -> (torch module file, signature)
_PRESERVING = {
    "ReLU": ("activation", _INPLACE),
    "ReLU6": ("activation", _INPLACE),
    "LeakyReLU": ("activation", (Param("negative_slope", 0.01),) + _INPLACE),
    "ELU": ("activation", (Param("alpha", 1.0),) + _INPLACE),
    "SELU": ("activation", _INPLACE),
    "CELU": ("activation", (Param("alpha", 1.0),) + _INPLACE),
    "GELU": ("activation", (Param("approximate", "none"),)),
    "SiLU": ("activation", _INPLACE),
    "Mish": ("activation", _INPLACE),
    "Hardtanh": (
        "activation",
        (Param("min_val", -1.0), Param("max_val", 1.0), Param("inplace", False), Param("min_value", None), Param("max_value", None)),
    ),
    "Hardswish": ("activation", _INPLACE),
    "Hardsigmoid": ("activation", _INPLACE),
    "Softplus": ("activation", (Param("beta", 1.0), Param("threshold", 20.0))),
    "Softshrink": ("activation", (Param("lambd", 0.5),)),
    "Hardshrink": ("activation", (Param("lambd", 0.5),)),
    "Threshold": ("activation", (Param("threshold"), Param("value"), Param("inplace", False))),
    "RReLU": ("activation", (Param("lower", 0.125), Param("upper", 1.0 / 3.0), Param("inplace", False))),
    "Dropout": ("dropout", (Param("p", 0.5),) + _INPLACE),
    "AlphaDropout": ("dropout", (Param("p", 0.5),) + _INPLACE),
    "FeatureAlphaDropout": ("dropout", (Param("p", 0.5),) + _INPLACE),
    "Dropout1d": ("dropout", (Param("p", 0.5),) + _INPLACE),
    "Dropout2d": ("dropout", (Param("p", 0.5),) + _INPLACE),
    "Dropout3d": ("dropout", (Param("p", 0.5),) + _INPLACE),
}
# torch declares these ``__init__(self, *args, **kwargs)``: Identity accepts and ignores
# any arguments; the others inherit Module.__init__, which refuses every argument
_ANY_ARGS = {
    "Identity": "linear",
    "Sigmoid": "activation",
    "Tanh": "activation",
    "Softsign": "activation",
    "Tanhshrink": "activation",
    "LogSigmoid": "activation",
}
_IGNORES_ARGS = ("Identity",)


def _no_args(name: str, args: Any, kwargs: Any) -> Any:
    """Bind for a module whose constructor takes no arguments at all."""
    if args or kwargs:
        given = len(args) + len(kwargs)
        return Failure(ARGS, f"{name}() takes no arguments, got {given}", stage="init")
    return Bound({})


class Preserving(Layer):
    """An elementwise layer: output shape = input shape."""

    def __init__(self, name: str, module: str, signature: Tuple[Param, ...] = (), any_args: bool = False) -> None:
        self.name = name
        self.qualnames = (f"torch.nn.{name}", f"torch.nn.modules.{module}.{name}")
        self.signature = signature
        self.any_args = any_args

    def bind(self, args: Any, kwargs: Any) -> Any:
        if not self.any_args:
            return super().bind(args, kwargs)
        return Bound({}) if self.name in _IGNORES_ARGS else _no_args(self.name, args, kwargs)

    def check(self, cfg: Bound) -> Optional[Failure]:
        p = cfg.get("p")
        if isinstance(p, (int, float)) and not isinstance(p, bool) and not 0 <= p <= 1:
            return Failure(ARGS, f"{self.name} p={p} must be between 0 and 1", arg="p", stage="init")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        if self.name == "Dropout1d" and x is not None and len(x) not in (2, 3):
            return Result(None, Failure(RANK, f"Dropout1d expects a {rank_names([2, 3])} input, got {len(x)}-D {fmt_shape(x)}"))
        return Result(None if x is None else tuple(x))


class Softmax(Layer):
    def __init__(self, name: str) -> None:
        self.name = name
        self.qualnames = (f"torch.nn.{name}", f"torch.nn.modules.activation.{name}")
        self.signature = (Param("dim", None),)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, dim = inputs[0], cfg["dim"]
        if x is not None and is_int(dim) and norm_dim(dim, len(x)) is None:
            return Result(None, Failure(RANK, f"{self.name} dim={dim} is out of range for a {len(x)}-D input {fmt_shape(x)}", arg="dim"))
        return Result(None if x is None else tuple(x))


class Softmax2d(Layer):
    name = "Softmax2d"
    qualnames = ("torch.nn.Softmax2d", "torch.nn.modules.activation.Softmax2d")

    def bind(self, args: Any, kwargs: Any) -> Any:
        return _no_args(self.name, args, kwargs)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0]
        if x is not None and len(x) not in (3, 4):
            return Result(None, Failure(RANK, f"Softmax2d expects a {rank_names([3, 4])} input, got {len(x)}-D {fmt_shape(x)}"))
        return Result(None if x is None else tuple(x))


class GLU(Layer):
    """Splits ``dim`` in half: a ``gate``; the size there must be even."""

    name = "GLU"
    qualnames: Tuple[str, ...] = ("torch.nn.GLU", "torch.nn.modules.activation.GLU")
    signature: Tuple[Param, ...] = (Param("dim", -1),)

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, dim = inputs[0], cfg["dim"]
        if x is None or not is_int(dim):
            return Result(None)
        if len(x) == 0:
            return Result(None, Failure(RANK, "GLU does not take a 0-D input"))
        d = norm_dim(dim, len(x))
        if d is None:
            return Result(None, Failure(RANK, f"GLU dim={dim} is out of range for a {len(x)}-D input {fmt_shape(x)}", arg="dim"))
        size = x[d]
        if is_int(size) and size % 2:
            return Result(None, Failure(RESHAPE, f"GLU halves dim {d}, but its size {size} is odd", arg="dim"))
        out = list(x)
        out[d] = size // 2 if is_int(size) else None
        return Result(tuple(out))


class GLUFunction(GLU):
    """``F.glu(input, dim=-1)``."""

    name = "F.glu"
    qualnames = ("torch.nn.functional.glu",)
    functional = True
    signature = (Param("input", tensor=True), Param("dim", -1))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        return super().forward(cfg, cfg["input"])


class PReLU(Layer):
    name = "PReLU"
    qualnames = ("torch.nn.PReLU", "torch.nn.modules.activation.PReLU")
    signature = (Param("num_parameters", 1), Param("init", 0.25), Param("device", None), Param("dtype", None))

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x, n = inputs[0], cfg["num_parameters"]
        if x is None:
            return Result(None)
        if len(x) == 0 and n != 1:
            return Result(None, Failure(RANK, "PReLU with several parameters does not take a 0-D input"))
        if is_int(n) and n != 1:
            c = x[1] if len(x) >= 2 else 1
            if is_int(c) and c != n:
                return Result(tuple(x), Failure(CHANNELS, f"PReLU has num_parameters={n} but receives {c} channels", arg="num_parameters", suggestion=c))
        return Result(tuple(x))

    def params(self, cfg: Bound) -> Optional[int]:
        n = cfg["num_parameters"]
        return n if is_int(n) else None


LAYERS = (
    [Preserving(n, mod, sig) for n, (mod, sig) in _PRESERVING.items()]
    + [Preserving(n, mod, any_args=True) for n, mod in _ANY_ARGS.items()]
    + [Softmax(n) for n in ("Softmax", "LogSoftmax", "Softmin")]
    + [Softmax2d(), GLU(), GLUFunction(), PReLU()]
)
