"""From a parsed file to traces: each nn.Module built, its forward run for its input.

A trace is what ``shapes`` prints (one row per leaf-module call, totals, the output
shape) and what ``check`` reports (its findings).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from .extract.index import ModuleInfo, ProjectIndex
from .extract.walk import walk
from .findings import KIND_TO_CODE, Edit, Finding, Fix, Related
from .interp.common import Budget, Lost, Row, shown
from .interp.machine import Machine
from .interp.values import ClassRef, ModuleObj, Note, Site, Tensor, walk_modules
from .layers import Dim, Failure, Shape
from .layers.core import Condition, fmt_dim
from .layers.symbolic import Expr, evaluate

if TYPE_CHECKING:
    from .extract.stated import StatedInput

NOTE_KINDS = {"channel-mismatch", "in-features-mismatch", "norm-features-mismatch", "reshape-mismatch"}


@dataclass
class Trace:
    model: str
    filename: str
    line: int
    input: Optional[Shape]
    rows: List[Row] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)
    output: Optional[Shape] = None
    params: Optional[int] = None
    macs: Optional[int] = None
    complete: bool = True  # False when the analysis stopped early (budget) or could not build the model
    error: Optional[str] = None  # an internal error: a bug in shapelint, reported, never a traceback
    lost: List[Lost] = field(default_factory=list)  # where forward lost the thread
    source: Optional[str] = None  # where a stated input came from ("the call at line 40"); None: declared

    @property
    def note(self) -> str:
        """What a finding made at a stated input appends: the input and where it is stated."""
        if self.source is None or self.input is None:
            return ""
        return f" (input {format_shape(self.input)} from {self.source})"
    solved: Optional[Callable[[], str]] = None  # for an input nobody declared or stated: how it was solved for
    symbols: Tuple[str, ...] = ()  # that input's symbolic sizes ("H", "W")
    conditions: List[Condition] = field(default_factory=list)  # what torch requires of them

    @property
    def input_source(self) -> str:
        """Where the input comes from: ``the call at line 40`` (stated), ``inferred from fc1's
        in_features, line 12`` (solved; made when asked, it needs line numbers); "" when declared."""
        if self.source is not None:
            return self.source
        return self.solved() if self.solved is not None else ""

    @property
    def not_followed(self) -> List[Tuple[str, int, str]]:
        """(function, line, why) for each place forward lost the thread.  Lines are looked
        up only when asked: positions cost a pass over the file, which ``check`` need not pay."""
        return [(lost.function, lost.line, lost.reason) for lost in self.lost]


def model_classes(info: ModuleInfo, machine: Machine) -> List[ClassRef]:
    out = []
    for top in info.module.body:
        region = info.region_at(top)
        stmt: cst.CSTNode = top
        if region is not None and region.kind == "class":  # a class put off (an imported file checked too)
            stmt = info.parse(region) or stmt
        if isinstance(stmt, cst.ClassDef):
            ref = ClassRef(info, stmt)
            try:
                if machine.is_module_class(ref):
                    out.append(ref)
            except (Budget, RecursionError):
                pass  # its bases could not be followed in time: not analysed as a model
    return out


def run_model(index: ProjectIndex, cls: ClassRef, input_shape: Optional[Shape], training: Optional[bool] = None, deadline: Optional[float] = None, stated: Optional[StatedInput] = None) -> Trace:
    """Build ``cls`` with its defaults (or as a stated call builds it) and run its
    forward; ``training`` None follows both modes."""
    info = cls.info
    machine = Machine(index, training=training, deadline=deadline)
    if stated is not None:
        input_shape = stated.shape
    trace = Trace(cls.name, info.filename, info.class_lines(cls.name)[0], input_shape, source=stated.source if stated else None)
    built = stated is not None and stated.built
    given = Tensor(input_shape)
    if input_shape is None:
        machine.solve_input = given  # nothing declared or stated: its sizes are solved for (solve.py)
    try:
        args, kwargs = (list(stated.args), dict(stated.kwargs)) if stated is not None and built else ([], {})
        root = machine.instantiate(cls, args, kwargs, Site(info, cls.node.name), None, open_ended=not built)
        modules = walk_modules(root)
        machine.names = {id(m): name for name, m in modules if name}
        trace.params = total_params(root, modules)
        out = machine.call_module(root, [given], {}, None)
        if isinstance(out, Tensor):
            trace.output = shown(out.shape, out.assumed)
        trace.complete = root.complete
    except Budget:
        trace.complete = False
        if machine.where is not None:
            frame, stmt = machine.where
            machine.lost_thread(frame, stmt, "step budget ran out")
    except RecursionError:
        trace.complete = False  # pathologically deep code: give up on this model quietly
    except Exception as e:  # noqa: BLE001 - a bug of ours must not become a user's traceback
        if os.environ.get("SHAPELINT_DEBUG"):
            raise
        trace.complete = False
        trace.error = f"{type(e).__name__}: {e}"
    trace.rows = list(machine.reporter.rows)
    trace.lost = list(machine.reporter.lost)
    failures = machine.reporter.failures
    if not built and _building_block(machine, cls):
        # Built alone with guesses for its required arguments and the defaults of the rest:
        # a layer other code refuses to build for those (timm's CondConvResidual with
        # num_experts=0 reaches Conv2d(num_experts=0)) is a combination its callers never
        # pass.  Its own file's layers are still checked.
        failures = [f for f in failures if f[0].kind != "invalid-layer-args" or f[1].info is info]
    trace.findings = [to_finding(*f) for f in failures]
    if stated is not None:  # say where the size came from
        trace.findings = [replace(f, message=f.message + trace.note) for f in trace.findings]
    if machine.solve_shape is not None and trace.complete and trace.error is None and not _building_block(machine, cls):
        solve_for_input(trace, machine, deadline)
    if trace.rows and all(r.macs is not None for r in trace.rows):
        trace.macs = sum(r.macs for r in trace.rows)  # type: ignore[misc]
    return trace


def solve_for_input(trace: Trace, machine: Machine, deadline: Optional[float]) -> None:
    """With no input declared: a finding where no input size meets what torch requires,
    else the inferred input for the table."""
    from .solve import Solver, cond_symbols, describe, explain, place  # only for a model with no input declared

    seeded = machine.solve_shape
    assert seeded is not None
    symbols = [str(d) for d in seeded[2:] if isinstance(d, Expr)]
    records = [r for r in machine.reporter.conditions if cond_symbols(r[0]) and cond_symbols(r[0]) <= set(symbols)]
    if not records:
        return
    conds = [r[0] for r in records]
    trace.symbols, trace.conditions = tuple(symbols), conds
    outcome = Solver(conds, symbols, deadline).solve()


    def places() -> List[str]:  # positions cost a pass over the file: only when a text needs them
        wanted = set(outcome.sources) | ({outcome.first} if outcome.first is not None else set())
        return [place(r[0], r[2], r[1].info.line(r[1].node)) if i in wanted else "" for i, r in enumerate(records)]

    if outcome.status == "unsat" and outcome.first is not None:
        cond, site, _, call = records[outcome.first]
        failure = Failure(cond.kind, explain(outcome, conds, places(), symbols), arg=cond.arg)
        finding = to_finding(failure, site, "", call)
        if all(f.sort_key() != finding.sort_key() for f in trace.findings):
            trace.findings.append(finding)
    elif outcome.status == "sat" and outcome.env is not None and outcome.pinned:
        env = {s: v for s, v in outcome.env.items() if s in outcome.pinned}
        trace.input = ("N",) + tuple(_at(d, env) for d in seeded[1:])
        steps = describe(outcome, symbols)
        single = all(f"{s} = {env[s]}" == outcome.steps.get(s) for s in env)

        def source() -> str:
            named = places()
            sources = ", ".join(dict.fromkeys(named[i] for i in outcome.sources))
            return f"inferred from {sources}" + ("" if single else f"; {steps}")

        trace.solved = source
        trace.rows = [replace(r, input_shape=_shape_at(r.input_shape, env), output_shape=_shape_at(r.output_shape, env)) for r in trace.rows]
        trace.output = _shape_at(trace.output, env)


def _at(d: Dim, env: Dict[str, int]) -> Dim:
    """A size at the inferred input, where every symbol in it is pinned."""
    if isinstance(d, Expr) and d.symbols() <= set(env):
        return evaluate(d, env)
    return d


def _shape_at(shape: Any, env: Dict[str, int]) -> Any:
    return None if shape is None else tuple(_at(d, env) for d in shape)


def _building_block(machine: Machine, cls: ClassRef) -> bool:
    """A class whose constructor has required arguments: a block that callers configure."""
    try:
        init = machine.find_method(cls, "__init__")
    except (Budget, RecursionError):  # out of time already: its bases are not followed again
        return False
    if init is None:
        return False
    params = list(init.node.params.posonly_params) + list(init.node.params.params)
    return any(p.default is None for p in params[1:]) or any(p.default is None for p in init.node.params.kwonly_params)


def total_params(root: ModuleObj, modules: List) -> Optional[int]:
    """Like ``sum(p.numel() for p in model.parameters())``; None if any is unknown."""
    total = 0
    for _, m in modules:
        if not m.complete:
            return None
        for p in m.parameters.values():
            n = 1
            for d in p.shape or (None,):
                if not isinstance(d, int):
                    return None
                n *= d
            total += n
        if m.kind in ("leaf", "leaf-subclass") and m.spec is not None and m.cfg is not None:
            n = m.spec.params(m.cfg)
            if n is None:
                return None
            total += n
        elif m.kind == "leaf":
            return None  # a torch layer without a spec, or one we could not bind
    return total


def _contains(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    found = False

    class V(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            nonlocal found
            if n is node:
                found = True
            return not found

    walk(root, V())
    return found


def _literal(node: cst.CSTNode) -> bool:
    """A value written for this model: a number, or arithmetic and tuples of numbers.
    Only such an argument is rewritten by a fix."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation):
        return _literal(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _literal(node.left) and _literal(node.right)
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(isinstance(e, cst.Element) and _literal(e.value) for e in node.elements)
    return False


def to_finding(failure: Failure, site: Site, note: object, call: Optional[Site]) -> Finding:
    info = site.info
    pos = info.positions[site.node]
    message = failure.message
    if note and failure.kind in NOTE_KINDS:
        message += f" ({note.text(info) if isinstance(note, Note) else note})"
    fix = None
    if failure.suggestion is not None and failure.arg and (call is None or site.node is not call.node):
        content = repr(failure.suggestion)
        if call is not None and call.info is info and _contains(call.node, site.node):
            new_call = call.node.deep_replace(site.node, cst.parse_expression(content))
            message += f"; use {info.module.code_for_node(new_call)}"
        else:
            message += f"; use {failure.arg}={content}"
        if _literal(site.node):
            fix = Fix(f"use {failure.arg}={content}", (Edit(content, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1),))
        else:  # the value is computed or passed in: editing it here may break other models
            message += f" ({failure.arg} comes from `{info.module.code_for_node(site.node)}`: change it where that is set)"
    return Finding(KIND_TO_CODE[failure.kind], message, info.filename, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1, fix, related=_producer(note, info))


def _producer(note: object, here: ModuleInfo) -> Tuple[Related, ...]:
    """Where the refused tensor was made, when the note knows (an editor links to it)."""
    if not isinstance(note, Note) or note.site is None:
        return ()
    where = note.site.info.positions[note.site.node]
    text = f"the input is produced here ({note.text(here)})"
    return (Related(text, note.site.info.filename, where.start.line, where.start.column + 1, where.end.line, where.end.column + 1),)


def format_shape(shape: Optional[Sequence[Any]]) -> str:
    """A shape as tables and messages about inputs show it: ``[N, 3, ?, 224]``."""
    if shape is None:
        return "?"
    return "[" + ", ".join(fmt_dim(d) for d in shape) + "]"


def analyse(index: ProjectIndex, info: ModuleInfo, inputs: Dict[str, Optional[Shape]], only: Optional[str] = None, training: Optional[bool] = None, deadline: Optional[float] = None, stated: Optional[Dict[str, List[StatedInput]]] = None, classes: Optional[List[ClassRef]] = None) -> List[Trace]:
    """Traces for the module classes of one file (``only``: just that class; ``classes``:
    its model classes when the caller has found them already); past ``deadline``
    (time.process_time(): CPU time) each model gives up to unknown.  A class with no
    input in ``inputs`` runs once for each input ``stated`` gives it (or once without)."""
    if classes is None:
        classes = model_classes(info, Machine(index))
    traces = []
    for cls in classes:
        if only is not None and cls.name != only:
            continue
        shape = inputs.get(cls.name)
        statements = (stated or {}).get(cls.name, []) if shape is None else []
        if not statements:
            traces.append(run_model(index, cls, shape, training, deadline))
        for item in statements:  # each stated input is checked; none is merged into a guess
            traces.append(run_model(index, cls, None, training, deadline, stated=item))
    return traces
