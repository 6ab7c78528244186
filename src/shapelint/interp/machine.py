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

import time

from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from ..extract.index import ModuleInfo, ProjectIndex
from ..extract.lazy import Region
from ..layers import UNKNOWN, lookup
from .builtins import BUILTINS
from .calls import Calls
from .classes import CONTAINER_QUALNAMES, Classes
from .common import MAX_STEPS, Budget, Frame, Reporter
from .dispatch import DISPATCH
from .expressions import Expressions
from .objects import Objects
from .overlays import CONSTANTS, LIBRARY, MODULES
from .statements import Statements
from .torch_calls import TorchCalls
from .values import ClassRef, FuncRef, ModuleRef, Site, TorchRef

# Modules the interpreter models itself (torch by the layer algebra, the standard library and
# numpy by overlays): never read from source, even when an environment holds them.
_MODELLED = {"torch", "typing", "typing_extensions", "types"} | set(MODULES)


_LITERALS = {"True": True, "False": False, "None": None}


def _modelled(qual: str) -> bool:
    return qual.split(".")[0] in _MODELLED or qual in LIBRARY


def _modelled_star(info: ModuleInfo, name: str) -> Any:
    """A name from ``from torch.nn import *``: the star module whose member the interpreter
    has a model of (``Conv2d`` of torch.nn, not of torch.nn.functional), else the last one."""
    stars = [s for s in reversed(info.stars) if _modelled(s)]
    for star in stars:
        qual = f"{star}.{name}"
        if lookup(qual) is not None or qual in LIBRARY or qual in CONTAINER_QUALNAMES or qual == "torch.nn.Module":
            return TorchRef(qual)
    return TorchRef(f"{stars[0]}.{name}") if stars else UNKNOWN


class Machine(Statements, Expressions, Calls, Classes, TorchCalls, Objects):
    """Interprets the code of one project; one instance per checked file run."""

    def __init__(self, index: ProjectIndex, reporter: Optional[Reporter] = None, training: Optional[bool] = None, deadline: Optional[float] = None) -> None:
        self.index = index
        self.deadline = deadline  # time.process_time() past which the analysis gives up (Budget)
        self.training = UNKNOWN if training is None else training  # a module's ``self.training``
        self.reporter = reporter or Reporter()
        self.reporter.anchor = self._anchor
        self.project_calls: List[Site] = []  # calls written in the project's files, innermost last
        self.built_from: Dict[int, Tuple[Any, Site]] = {}  # id(a library's layer) -> (it, the project call building it)
        self.steps = 0
        # values not wholly known met so far (expressions, statements not followed): while
        # a ``try`` body adds none, Python raises nothing there and its handlers never run
        self.doubts = 0
        self.depth = 0
        self.loop_work = 1
        self.try_depth = 0  # the product of the enclosing for-loops' lengths
        self.names: Dict[int, str] = {}  # id(ModuleObj) -> named_modules name, during forward
        self._globals_busy: set = set()
        self.current_site: Optional[Site] = None  # the call a library builtin is answering
        self.module_calls: List[Site] = []  # the module calls under way, outermost first (rows record them)
        self._strings: Dict[int, Tuple[Any, Any]] = {}
        # SHP009 reports an assert only on a path that certainly runs, from shapes that are facts:
        self.undecided = 0  # > 0 inside a branch of an undecided `if` or a `try` body
        self.shape_doubt = False  # a shape was read from a tensor resting on an assumption, or a guessed argument
        # the model's forward and its parameters left at their defaults (a caller may pass them)
        self.guessed: Tuple[Optional[cst.FunctionDef], FrozenSet[str]] = (None, frozenset())
        self._lineages = {}
        self._mros = {}
        self._methods = {}
        self._namespaces = {}
        self._enum_members = {}
        self.where: Optional[Tuple[Frame, cst.CSTNode]] = None  # the statement running
        # solving for an undeclared input: the tensor given to forward, its sizes symbolic
        # where the first layer to see it leaves them unnamed (``solve.py``)
        self.solve_input = None
        self.solve_shape = None  # the symbolic input its first layer saw
        self.block_inputs: List[set] = [set()]  # ids of the tensors the innermost module call received  # id(node) -> (node, value); the node keeps the id alive

    def _anchor(self, site: Site) -> Optional[Site]:
        """For a failure inside an installed library: the project's call that led there."""
        if not site.info.library or not self.project_calls:
            return None
        return self.project_calls[-1]

    # ------------------------------------------------------------------ budget
    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or not self.steps & 1023:
            self.check_budget()

    def check_budget(self) -> None:
        """Past the step budget, or (looked at every 1024 steps) the file's time is up:
        what is not followed stays unknown.  ``eval_known`` counts its steps inline."""
        if self.steps > MAX_STEPS:
            raise Budget()
        if self.deadline is not None and time.process_time() > self.deadline:
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
            if type(node) is Region:  # a definition not parsed yet: parsed now
                node = info.definition(node, name)
                if node is None:
                    info.globals[name] = UNKNOWN
                    return UNKNOWN
            if name in info.mutated and node is not None and not isinstance(node, (cst.ClassDef, cst.FunctionDef)):
                pass  # changed by later top-level statements: its value is not the first one
            elif name in info.undecided:
                pass  # bound on branches of a top-level if/try: which binding holds is not known
            elif isinstance(node, cst.ClassDef):
                value = ClassRef(info, node)
            elif isinstance(node, cst.FunctionDef):
                value = FuncRef(info, node)
            elif node is not None:
                value = self.eval(node, Frame(info, {}, phase="init"))
            elif name in info.from_imports:
                value = self.resolve_from(*info.from_imports[name])
            elif name in info.imports:
                value = self.resolve_qualname(info.imports[name])
            elif name in DISPATCH:
                value = DISPATCH[name]
            elif name in BUILTINS:
                value = BUILTINS[name]
            elif (source := self.index.star_source(info, name)) is not None:
                value = self.member(source, name)
            else:  # ``from torch.nn import *``: the interpreter models those modules itself
                value = _modelled_star(info, name)
            info.globals[name] = value
            return value
        finally:
            self._globals_busy.discard(key)

    def member(self, info: ModuleInfo, name: str) -> Any:
        """``module.name`` as Python finds it: what the module binds, else its submodule,
        else what it star-imports (see ``ProjectIndex.split``)."""
        free = (id(info), name) not in self._globals_busy
        if info.binds(name) and free:
            return self.global_value(info, name)
        sub = self.index.module(f"{info.name}.{name}") if info.is_package and info.name else None
        if sub is not None:
            return ModuleRef(sub)
        return self.global_value(info, name) if free else UNKNOWN

    def resolve_from(self, module: str, name: str) -> Any:
        """``from module import name``: ``module`` is found by its path, ``name`` in it."""
        if _modelled(module):
            return TorchRef(f"{module}.{name}")
        info = self.index.module(module)
        return UNKNOWN if info is None else self.member(info, name)

    def resolve_qualname(self, qual: str, depth: int = 0) -> Any:
        if qual in CONSTANTS:
            return CONSTANTS[qual]
        if _modelled(qual):
            return TorchRef(qual)
        found = self.index.split(qual)
        if found is None:
            return UNKNOWN
        info, rest = found
        if not rest:
            return ModuleRef(info)
        value = self.member(info, rest[0])
        for attr in rest[1:]:
            value = self.getattr(value, attr)
        return value

    def lookup_name(self, name: str, frame: Frame) -> Any:
        if frame.fn is not None and frame.fn is self.guessed[0] and name in self.guessed[1]:
            self.shape_doubt = True  # a default the analysis chose, not one the code fixes
        if name in frame.env:
            return frame.env[name]
        if name in _LITERALS:
            return _LITERALS[name]
        return self.global_value(frame.info, name)
