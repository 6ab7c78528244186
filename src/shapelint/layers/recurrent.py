"""Recurrent layers: RNN, LSTM, GRU (one or more layers, either direction)."""

from __future__ import annotations

from typing import Any, List, Optional

from .core import ARGS, FEATURES, MERGE, RANK, Bound, Failure, Layer, Param, Result, Shape, fmt_shape, is_int, known

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


class Recurrent(Layer):
    """torch's constructors take ``*args, **kwargs``; this is their documented signature."""

    n_inputs = 2  # the input and the initial state (h0, or (h0, c0) for an LSTM)

    def __init__(self, mode: str) -> None:
        self.name = mode
        self.gates = _GATES[mode]
        self.qualnames = (f"torch.nn.{mode}", f"torch.nn.modules.rnn.{mode}")
        head = [Param("input_size"), Param("hidden_size"), Param("num_layers", 1)]
        if mode == "RNN":
            head.append(Param("nonlinearity", "tanh"))
        tail = [Param("bias", True), Param("batch_first", False), Param("dropout", 0.0), Param("bidirectional", False)]
        if mode == "LSTM":
            tail.append(Param("proj_size", 0))
        self.signature = tuple(head + tail + [Param("device", None), Param("dtype", None)])

    def check(self, cfg: Bound) -> Optional[Failure]:
        layers, hidden, proj = cfg["num_layers"], cfg["hidden_size"], cfg.get("proj_size", 0)
        dropout = cfg["dropout"]
        if isinstance(dropout, (int, float)) and not isinstance(dropout, bool) and not 0 <= dropout <= 1:
            return Failure(ARGS, f"{self.name} dropout={dropout} must be between 0 and 1", arg="dropout", stage="init")
        if is_int(hidden) and hidden <= 0:
            return Failure(ARGS, f"{self.name} hidden_size={hidden} must be greater than zero", arg="hidden_size", stage="init")
        if is_int(layers) and layers <= 0:
            return Failure(ARGS, f"{self.name} num_layers={layers} must be greater than zero", arg="num_layers", stage="init")
        if is_int(proj) and proj < 0:
            return Failure(ARGS, f"{self.name} proj_size={proj} must not be negative", arg="proj_size", stage="init")
        if is_int(proj) and is_int(hidden) and proj >= hidden and proj > 0:
            return Failure(ARGS, f"{self.name} proj_size={proj} must be smaller than hidden_size={hidden}", arg="proj_size", stage="init")
        nl = cfg.get("nonlinearity", "tanh")
        if isinstance(nl, str) and nl not in ("tanh", "relu"):
            return Failure(ARGS, f"{self.name} nonlinearity={nl!r} must be 'tanh' or 'relu'", arg="nonlinearity", stage="init")
        return None

    def _sizes(self, cfg: Bound) -> Any:
        hidden, proj = cfg["hidden_size"], cfg.get("proj_size", 0)
        directions = 2 if cfg["bidirectional"] else 1
        out = proj if is_int(proj) and proj > 0 else hidden
        return hidden, out, directions

    def _states(self, hx: Any) -> Optional[List[Optional[Shape]]]:
        """The initial state's shapes: [h0] (RNN, GRU) or [h0, c0] (LSTM); None when not given
        or not known."""
        if hx is None:
            return None
        if self.name == "LSTM":
            if isinstance(hx, tuple) and len(hx) == 2 and all(s is None or isinstance(s, tuple) for s in hx):
                return list(hx)
            return None
        return [hx] if isinstance(hx, tuple) and all(is_int(d) or isinstance(d, str) or d is None for d in hx) else None

    def _check_states(self, cfg: Bound, x: Shape, states: List[Optional[Shape]]) -> Optional[Failure]:
        """torch's checks of h0 (and c0): their rank against the input's, then their sizes."""
        if any(s is None for s in states):
            return None
        shapes = [s for s in states if s is not None]
        if any(len(s) != len(x) for s in shapes):
            ranks = ", ".join(f"{len(s)}-D" for s in shapes)
            return Failure(RANK, f"{self.name}: a {len(x)}-D input needs {len(x)}-D initial states, got {ranks}")
        return None

    def _state_sizes(self, cfg: Bound, x: Shape, states: List[Optional[Shape]]) -> Optional[Failure]:
        hidden, out, directions = self._sizes(cfg)
        layers = cfg["num_layers"]
        stack = directions * layers if is_int(layers) and known(cfg["bidirectional"]) else None
        batch = () if len(x) == 2 else ((x[0] if cfg["batch_first"] else x[1]) if known(cfg["batch_first"]) else None,)
        for i, (s, width) in enumerate(zip(states, (out, hidden))):
            want = (stack,) + tuple(batch) + (width if is_int(width) else None,)
            if s is not None and any(is_int(a) and is_int(b) and a != b for a, b in zip(want, s)):
                which = "h0" if i == 0 else "c0"
                return Failure(MERGE, f"{self.name} expects {which} of shape {fmt_shape(want)}, got {fmt_shape(s)}")
        return None

    def forward(self, cfg: Bound, *inputs: Optional[Shape]) -> Result:
        x = inputs[0] if inputs else None
        if x is None:
            return Result(None)
        if len(x) not in (2, 3):
            return Result(None, Failure(RANK, f"{self.name} expects a 2-D or 3-D input, got {len(x)}-D {fmt_shape(x)}"))
        states = self._states(inputs[1] if len(inputs) > 1 else None)
        hidden, out, directions = self._sizes(cfg)
        failure = self._check_states(cfg, x, states) if states else None
        size = cfg["input_size"]
        if failure is None and is_int(x[-1]) and is_int(size) and x[-1] != size:
            failure = Failure(FEATURES, f"{self.name} expects input_size={size} but receives {x[-1]} features", arg="input_size", suggestion=x[-1])
        if failure is None and states:
            failure = self._state_sizes(cfg, x, states)
        width = directions * out if known(out, cfg["bidirectional"]) else None
        output = tuple(x[:-1]) + (width,)
        layers = cfg["num_layers"]
        stack = directions * layers if is_int(layers) else None
        batch = () if len(x) == 2 else ((x[0] if cfg["batch_first"] else x[1]),)
        h_n = (stack,) + batch + (out if is_int(out) else None,)
        if self.name == "LSTM":
            c_n = (stack,) + batch + (hidden if is_int(hidden) else None,)
            return Result(output, failure, (output, (h_n, c_n)))
        return Result(output, failure, (output, h_n))

    def params(self, cfg: Bound) -> Optional[int]:
        size, layers, bias = cfg["input_size"], cfg["num_layers"], cfg["bias"]
        hidden, out, directions = self._sizes(cfg)
        proj = cfg.get("proj_size", 0)
        if not known(size, layers, bias, hidden, out, proj):
            return None
        g = self.gates * hidden
        total = 0
        for layer in range(layers):
            width = size if layer == 0 else directions * out
            one = g * width + g * out + (2 * g if bias else 0) + (proj * hidden if proj else 0)
            total += directions * one
        return total

    def macs(self, cfg: Bound, inputs: Any, output: Optional[Shape]) -> Optional[int]:
        x = inputs[0] if inputs else None
        p = self.params(cfg)
        if x is None or p is None or len(x) not in (2, 3):
            return None
        steps = x[1] if (len(x) == 3 and cfg["batch_first"]) else x[0]
        return steps * p if is_int(steps) else None  # each step multiplies every weight once


LAYERS = [Recurrent(m) for m in ("RNN", "LSTM", "GRU")]
