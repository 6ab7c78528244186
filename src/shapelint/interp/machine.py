"""The abstract interpreter: runs ``__init__``, helpers and ``forward`` over values.

It reads code, it never runs it: a call to user code is interpreted statement by
statement; a call to torch goes through the layer algebra; anything else is UNKNOWN.
Conditions it cannot decide run both branches (in forward) or none (in __init__, where
the layer tree is then marked incomplete).  Work is bounded by a step budget.

Soundness, the rule every part keeps:

- No value is made from an unknown.  ``x or y`` with ``x`` undecided is either operand;
  a function whose body was not wholly followed (a ``return`` in a skipped loop, an
  undecided ``if`` in ``__init__``, an ``except`` handler) returns UNKNOWN; a child
  registered under a name we cannot read keeps its place and the tree is incomplete.
- A rank that was assumed (a layer's seed for an unknown input, flags "batched" and
  "last" on a Tensor) is no fact: ``ndim``, ``dim()``, ``shape`` and ``size()`` are
  unknown, dims counted from the end stay known, every result keeps the assumption,
  and the ``shapes`` table writes such a shape ``[..., 32]``.
- A failure on a path guarded by a condition we could not decide is reported only when
  every path fails (each branch of an ``if`` or if-expression; for an early ``return``,
  the returning branch and the rest of the function).  ``self.training`` is not such a
  condition: both of its branches run in real use, so a crash in either is a bug.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from ..extract.index import ModuleInfo, ProjectIndex
from ..layers import UNKNOWN
from .builtins import BUILTINS
from .calls import Calls
from .classes import Classes
from .common import MAX_STEPS, Budget, Frame, Reporter
from .expressions import Expressions
from .library import LIBRARY
from .statements import Statements
from .torch_calls import TorchCalls
from .values import ClassRef, FuncRef, ModuleRef, Site, TorchRef


class Machine(Statements, Expressions, Calls, Classes, TorchCalls):
    """Interprets the code of one project; one instance per checked file run."""

    def __init__(self, index: ProjectIndex, reporter: Optional[Reporter] = None, training: Optional[bool] = None) -> None:
        self.index = index
        self.training = UNKNOWN if training is None else training  # a module's ``self.training``
        self.reporter = reporter or Reporter()
        self.steps = 0
        self.depth = 0
        self.names: Dict[int, str] = {}  # id(ModuleObj) -> named_modules name, during forward
        self._globals_busy: set = set()
        self.current_site: Optional[Site] = None  # the call a library builtin is answering
        self._strings: Dict[int, Tuple[Any, Any]] = {}
        self.where: Optional[Tuple[Frame, cst.CSTNode]] = None  # the statement running
        self.block_inputs: List[set] = [set()]  # ids of the tensors the innermost module call received  # id(node) -> (node, value); the node keeps the id alive

    # ------------------------------------------------------------------ budget
    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Budget()

    # ------------------------------------------------------------------ names
    def global_value(self, info: ModuleInfo, name: str) -> Any:
        if name in info.globals:
            return info.globals[name]
        key = (id(info), name)
        if key in self._globals_busy:
            return UNKNOWN
        self._globals_busy.add(key)
        try:
            value: Any = UNKNOWN
            node = info.defs.get(name)
            if name in info.undecided:
                pass  # bound on branches of a top-level if/try: which binding holds is not known
            elif isinstance(node, cst.ClassDef):
                value = ClassRef(info, node)
            elif isinstance(node, cst.FunctionDef):
                value = FuncRef(info, node)
            elif node is not None:
                value = self.eval(node, Frame(info, {}, phase="init"))  # type: ignore[arg-type]
            elif name in info.imports:
                value = self.resolve_qualname(info.imports[name])
            elif name in BUILTINS:
                value = BUILTINS[name]
            info.globals[name] = value
            return value
        finally:
            self._globals_busy.discard(key)

    def resolve_qualname(self, qual: str, depth: int = 0) -> Any:
        head = qual.split(".")[0]
        if head == "torch" or qual in LIBRARY or head in ("math", "collections", "functools", "typing", "operator"):
            return TorchRef(qual)
        if depth > 8:
            return UNKNOWN
        found = self.index.split(qual)
        if found is None:
            return UNKNOWN
        info, rest = found
        if not rest:
            return ModuleRef(info)
        value = self.global_value(info, rest[0])
        for attr in rest[1:]:
            value = self.getattr(value, attr)
        return value

    def lookup_name(self, name: str, frame: Frame) -> Any:
        if name in frame.env:
            return frame.env[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        return self.global_value(frame.info, name)
