"""Statements: blocks, assignments, ``if`` (both branches in forward), loops."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from ..extract.index import ModuleInfo
from ..extract.walk import walk
from ..layers import UNKNOWN, Failure
from ..layers.core import ASSERT, is_int
from .common import _AUG, _NOT_MODULES, MAX_STEPS, Frame, Guard, Held, TorchRaises, _Break, _Continue, _Iter, _LoopLost, _plain, _Raise, _Return, _targets, _truth, every_path_fails, merge_values
from .overlays.arrays import rows
from .overlays.enum import canonical
from .values import ClassRef, ConstTensor, FuncRef, Instance, ModuleObj, Site, Tensor, tensor_written

# methods that change the object they are called on: a statement not followed that calls
# them leaves that object unknown
MUTATORS = {
    "append", "extend", "insert", "update", "setdefault", "pop", "popitem", "remove", "clear",
    "sort", "reverse", "add_module", "register_module", "register_buffer", "register_parameter",
}
MAX_LOOP_WORK = 4096  # iterations of a loop nest (the product of the lengths) followed one by one


def _catches_torch(handler: cst.ExceptHandler) -> bool:
    """An ``except`` clause that catches the errors torch raises when it refuses a layer."""
    kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type] if handler.type is not None else []
    names = {(k.value if isinstance(k, cst.Element) else k) for k in kinds}
    return handler.type is None or any(isinstance(n, cst.Name) and n.value in ("TypeError", "ValueError", "RuntimeError", "Exception", "BaseException") for n in names)

_BLOCKS = (cst.IndentedBlock, cst.SimpleStatementSuite)
_DOCSTRINGS = (cst.SimpleString, cst.ConcatenatedString)
_UNFOLLOWED = (cst.Import, cst.ImportFrom, cst.Del)
_PURE_METHODS = {"size", "dim", "ndimension", "numel", "len"}


def _pure(node: cst.CSTNode) -> bool:
    """An expression that may be evaluated again to show its value: no calls but shape reads."""

    class V(cst.CSTVisitor):
        def __init__(self) -> None:
            self.ok = True

        def visit_Call(self, call: cst.Call) -> None:
            f = call.func
            name = f.attr.value if isinstance(f, cst.Attribute) else (f.value if isinstance(f, cst.Name) else "")
            self.ok = self.ok and name in _PURE_METHODS

    v = V()
    walk(node, v)
    return v.ok


# methods that change the list, dict or container they are called on
MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add_module", "register_module", "register_buffer", "register_parameter", "add"}


def _mutated(stmt: cst.CSTNode) -> List[str]:
    """Local names whose value ``stmt`` changes in place (``xs.append(...)``, ``d[k] = v``)."""
    names: List[str] = []

    class V(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS and isinstance(func.value, cst.Name):
                names.append(func.value.value)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            if isinstance(node.target, cst.Subscript) and isinstance(node.target.value, cst.Name):
                names.append(node.target.value.value)

    walk(stmt, V())
    return [n for n in names if n != "self"]


def _jumps(stmt: cst.CSTNode) -> bool:
    """Does ``stmt`` hold a ``break`` or ``continue`` of the loop around it?"""
    found: List[cst.CSTNode] = []

    class V(cst.CSTVisitor):
        def visit_For(self, node: cst.For) -> bool:
            return False

        def visit_While(self, node: cst.While) -> bool:
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Break(self, node: cst.Break) -> None:
            found.append(node)

        def visit_Continue(self, node: cst.Continue) -> None:
            found.append(node)

    walk(stmt, V())
    return bool(found)


def _changes(stmt: cst.CSTNode) -> Tuple[Any, ...]:
    """What a statement may change: (the statement, the attributes it assigns, the objects
    it calls methods of or passes on, the names and self attributes it binds, whether it
    holds a ``return``, the self attributes it changes in place ("" for self itself)).
    Cached per file node (``scan``): a visit costs more than the rest of forget/taint."""
    assigned: List[cst.Attribute] = []
    changed: List[cst.BaseExpression] = []
    names: List[str] = []
    attrs: List[str] = []
    returns: List[bool] = []
    mutated: List[str] = []

    def target(t: cst.BaseExpression, top: bool = True) -> None:
        if top:
            _targets(t.value if isinstance(t, cst.Subscript) else t, names, attrs)  # ``d[k] = v`` changes ``d``
        if isinstance(t, cst.Attribute):
            assigned.append(t)
        elif isinstance(t, cst.Subscript):
            changed.append(t.value)
        elif isinstance(t, (cst.Tuple, cst.List)):
            for el in t.elements:
                target(el.value, False)

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            target(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            target(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            target(node.target)

        def visit_For(self, node: cst.For) -> None:
            _targets(node.target, names, attrs)

        def visit_Call(self, node: cst.Call) -> None:
            f = node.func
            if isinstance(f, cst.Name) and f.value == "setattr":
                mutated.append("")
            if isinstance(f, cst.Attribute):
                changed.append(f.value)
                if f.attr.value in MUTATORS:  # ``layers.append(...)`` changes ``layers``
                    if isinstance(f.value, cst.Name) and f.value.value == "self":
                        mutated.append("")
                    elif isinstance(f.value, cst.Name):
                        names.append(f.value.value)
                    else:
                        _targets(f.value, [], mutated)
            changed.extend(a.value for a in node.args)

        def visit_Return(self, node: cst.Return) -> None:
            returns.append(True)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.append(node.name.value)
            return False  # a nested function's returns are its own

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    walk(stmt, V())
    return (stmt, assigned, changed, names, attrs, bool(returns), mutated)


def _never_a_module(own: cst.FunctionDef) -> bool:
    """Every ``return`` of the function gives a comparison, a literal or arithmetic."""
    returns: List[cst.Return] = []

    class V(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is own  # a nested function's returns are its own

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            returns.append(node)

    walk(own, V())
    return bool(returns) and all(r.value is not None and isinstance(r.value, _NOT_MODULES + (cst.Name,)) and not (isinstance(r.value, cst.Name) and r.value.value not in ("True", "False", "None")) for r in returns)


class Statements:
    """Executes statements over a frame."""

    try_depth: int
    doubts: int  # values not wholly known met so far (see Machine)

    loop_work: int  # iterations of the enclosing loops, multiplied
    training: Any  # a module's ``self.training``: True, False or UNKNOWN (both modes)
    steps: int
    where: Optional[Tuple[Frame, cst.CSTNode]]
    check_budget: Callable[[], None]

    def exec_block(self, block: Any, frame: Frame) -> None:
        body = block.body if type(block) in _BLOCKS else block
        for stmt in body:
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: Any, frame: Frame) -> None:
        steps = self.steps = self.steps + 1  # Machine.tick, inline
        if steps > MAX_STEPS or not steps & 1023:
            self.check_budget()
        self.where = (frame, stmt)  # where the budget ran out, if it does
        t = type(stmt)  # exact types: libcst's classes are ABCs, and isinstance on them is slow
        if t is cst.SimpleStatementLine:
            for small in stmt.body:
                self.exec_small(small, frame)
        elif t is cst.If:
            self.exec_if(stmt, frame)
        elif t is cst.For:
            self.exec_for(stmt, frame)
        elif t is cst.With:
            self.doubts += 1  # its context managers are not entered: what they do is not known
            self.exec_block(stmt.body, frame)
        elif t is cst.Try:
            self.undecided += 1  # an AssertionError there may be caught
            try:
                self.exec_try(stmt, frame)
            finally:
                self.undecided -= 1
        elif t is cst.FunctionDef:
            frame.env[stmt.name.value] = FuncRef(frame.info, stmt, dict(frame.env))
        elif t is cst.ClassDef:
            frame.env[stmt.name.value] = UNKNOWN
        else:  # while loops and anything else: what they assign is unknown afterwards
            if frame.phase == "forward" and isinstance(stmt, cst.While):
                self.lost_thread(frame, stmt, "while loop not followed")
            self.forget(stmt, frame)

    def exec_small(self, small: Any, frame: Frame) -> None:
        kind = type(small)  # exact types, as in exec_stmt
        if kind is cst.Assign:
            value = self.eval(small.value, frame)
            for t in small.targets:
                self.assign(t.target, value, frame, small.value)
        elif kind is cst.Expr:
            if type(small.value) not in _DOCSTRINGS:  # docstrings do nothing
                self.eval(small.value, frame)
        elif kind is cst.Return:
            raise _Return(self.eval(small.value, frame) if small.value is not None else None)
        elif kind is cst.Raise:
            raise _Raise()
        elif kind is cst.AnnAssign:
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame, small.value)
        elif kind is cst.AugAssign:
            op = _AUG.get(type(small.operator))
            current = self.eval(small.target, frame)
            other = self.eval(small.value, frame)
            if isinstance(current, list) and op is cst.Add and isinstance(other, (list, tuple)):
                current.extend(other)  # += on a list mutates it
                return
            value = self.binop(op(), current, other, Site(frame.info, small)) if op is not None else UNKNOWN
            self.assign(small.target, value, frame, None)
        elif kind is cst.Assert:
            test = self.eval(small.test, frame)
            if _truth(test) is not True:
                self.doubts += 1  # it may raise AssertionError
            self.check_assert(test, small.test, frame)
        elif kind is cst.Break:
            raise _Break()
        elif kind is cst.Continue:
            raise _Continue()
        elif kind in _UNFOLLOWED:
            self.doubts += 1  # not followed: an import may fail, a del may find nothing

    def assign(self, target: cst.BaseExpression, value: Any, frame: Frame, source: Optional[cst.BaseExpression]) -> None:
        kind = type(target)
        if kind is cst.Name:
            frame.env[target.value] = value
            frame.origins.pop(target.value, None)
        elif kind is cst.Attribute:
            obj = self.eval(target.value, frame)
            setter = self.setter(obj.cls, target.attr.value) if isinstance(obj, ModuleObj) and obj.cls is not None else None
            if setter is not None:
                self.call_function(setter, [obj, value], {}, None, frame.phase)  # a property's setter
            elif isinstance(obj, ModuleObj):
                obj.register(target.attr.value, value)
                if value is UNKNOWN and frame.phase == "init" and not isinstance(source, _NOT_MODULES) and not self.never_a_module(source, frame):
                    obj.lose_members()  # it may have been a module: the tree is not whole
            elif isinstance(obj, Instance):
                self.set_attr(obj, target.attr.value, value)
        elif kind is cst.Tuple or kind is cst.List:
            elements = target.elements
            items = list(value.items if isinstance(value, _Iter) else value) if isinstance(value, (tuple, list, _Iter)) else None
            if items is not None and len(items) != len(elements) and not any(isinstance(e, cst.StarredElement) for e in elements):
                items = None
            for i, el in enumerate(elements):
                if isinstance(el, cst.StarredElement):
                    self.assign(el.value, UNKNOWN, frame, None)
                    items = None
                    continue
                self.assign(el.value, items[i] if items is not None else UNKNOWN, frame, None)
        elif kind is cst.Subscript:
            obj = self.eval(target.value, frame)
            if isinstance(obj, Tensor) or obj is UNKNOWN:
                tensor_written()  # ``t[i] = v``: t, and any array it is a view of, changed
            if isinstance(obj, (list, dict)) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = self.eval(target.slice[0].slice.value, frame)
                try:
                    if isinstance(obj, dict) and _plain(key):
                        obj[key] = value
                    elif isinstance(obj, list) and is_int(key):
                        obj[key] = value
                except (IndexError, TypeError):
                    pass

    def check_assert(self, value: Any, test: cst.BaseExpression, frame: Frame, site: Optional[Site] = None) -> None:
        """SHP009: a user's assert that certainly fails in forward.  Only on a path that
        certainly runs, from shapes that are facts, and before any other finding (an
        assert after a refused layer may fail only because of that one bug)."""
        if _truth(value) is not False or frame.phase != "forward" or self.undecided or self.shape_doubt or any(f[0].kind != ASSERT for f in self.reporter.failures):
            return
        code = frame.info.module.code_for_node(test).strip()
        detail = ""
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and all(_pure(n) for n in (test.left, test.comparisons[0].comparator)):
            parts = [(n, self.eval(n, frame)) for n in (test.left, test.comparisons[0].comparator)]
            shown = [f"{frame.info.module.code_for_node(n).strip()} is {v!r}" for n, v in parts if not isinstance(n, (cst.Integer, cst.Float, cst.SimpleString)) and _plain(v)]
            detail = f": {', '.join(shown)}" if shown else ""
        what = f"assert {code}" if site is None else f"torch._assert({code}, ...)"
        self.reporter.fail(Failure(ASSERT, f"{what} certainly fails{detail}"), site or Site(frame.info, test))

    def never_a_module(self, source: Optional[cst.BaseExpression], frame: Frame) -> bool:
        """``use_fused_attn()``: a call of a function of ours whose every ``return`` gives a
        comparison, a literal or arithmetic cannot give a module, even when its value is not known."""
        if not isinstance(source, cst.Call) or not isinstance(source.func, (cst.Name, cst.Attribute)):
            return False
        fn = self.eval(source.func, frame) if isinstance(source.func, cst.Name) else None
        if not isinstance(fn, FuncRef):
            return False
        return bool(self.scan(fn.info, "never_a_module", fn.node, _never_a_module))

    def forget(self, stmt: cst.CSTNode, frame: Frame) -> None:
        """Make every name (and self attribute) a statement assigns unknown; a ``return``
        inside it makes the function's result unknown (it may have returned there); a
        container of self it changes in place no longer has known members."""
        self.taint(stmt, frame)
        _, _, _, names, attrs, returns, mutated = self.scan(frame.info, "changes", stmt, _changes)
        attrs = list(attrs)
        me = frame.env.get("self")
        if isinstance(me, ModuleObj) and frame.phase == "init":
            for a in mutated:
                target = me if not a else me.children.get(a, me.attrs.get(a))
                if isinstance(target, ModuleObj):
                    target.lose_members()
                elif a:
                    attrs.append(a)
        for n in names:
            frame.env[n] = UNKNOWN
        if returns:
            frame.early.append(UNKNOWN)
        me = frame.env.get("self")
        if isinstance(me, ModuleObj) and attrs:
            for a in attrs:
                if frame.phase == "init":
                    me.register(a, UNKNOWN)
                    me.lose_members()

    def taint(self, stmt: cst.CSTNode, frame: Frame) -> None:
        """Code that ran on a path that may not be taken, or was skipped though it may run:
        an object's attribute it assigns may or may not be set; an object it calls a method
        of or hands to a call may have changed in any way."""
        self.doubts += 1
        _, assigned, changed, _, _, _, _ = self.scan(frame.info, "changes", stmt, _changes)
        for attr in assigned:
            obj = self._reach(attr.value, frame)
            if isinstance(obj, Instance):
                self.forget_attrs(obj, [attr.attr.value])
        for expr in changed:
            obj = self._reach(expr, frame)
            if isinstance(obj, Instance):
                obj.open = True
                self.forget_attrs(obj, list(obj.attrs))
            elif isinstance(obj, (list, dict)):
                self.lose(expr, frame)  # a list appended to on a path that may not run

    def _reach(self, expr: cst.BaseExpression, frame: Frame) -> Any:
        """The object a plain ``a.b.c`` path names, without calling anything."""
        if isinstance(expr, cst.Name):
            return frame.env.get(expr.value, UNKNOWN)
        if isinstance(expr, cst.Attribute):
            base = self._reach(expr.value, frame)
            if isinstance(base, Instance):
                return base.attrs.get(expr.attr.value, UNKNOWN)
            if isinstance(base, ModuleObj):
                return base.attrs.get(expr.attr.value, UNKNOWN)
        return UNKNOWN

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        cond = _truth(self.eval(stmt.test, frame))
        if cond is None:
            self.doubts += 1
        orelse = stmt.orelse
        if cond is True:
            self.exec_block(stmt.body, frame)
            return
        if cond is False:
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            elif isinstance(orelse, cst.Else):
                self.exec_block(orelse.body, frame)
            return
        if frame.phase == "init":
            self.forget(stmt, frame)
            if self.scan(frame.info, "jumps", stmt, _jumps):
                raise _LoopLost()  # the enclosing loop may have stopped or skipped here
            return
        # forward: follow both branches, merge what they leave behind; what fails on one
        # branch only is held, reported only if every path fails (or the branches are
        # self.training's: both run in real use)
        training = self.training_test(stmt.test, frame)
        outcomes: List[Tuple[str, Any]] = []
        held: List[Tuple[str, List[Held]]] = []
        for branch in (stmt.body, orelse):
            sub = Frame(frame.info, dict(frame.env), dict(frame.origins), frame.phase, fn=frame.fn)
            start = self.reporter.mark()
            self.undecided += 1
            try:
                if isinstance(branch, cst.If):
                    self.exec_if(branch, sub)
                elif isinstance(branch, cst.Else):
                    self.exec_block(branch.body, sub)
                elif branch is not None:
                    self.exec_block(branch, sub)
                outcomes.append(("fall", sub.env))
            except _Return as r:
                outcomes.append(("return", r.value))
            except _Raise:
                outcomes.append(("raise", None))
            except _LoopLost:
                outcomes.append(("lost", None))
            except _Break:
                outcomes.append(("break", None))
            except _Continue:
                outcomes.append(("continue", None))
            finally:
                self.undecided -= 1
                self.resolve_guards(sub)
            held.append((outcomes[-1][0], self.reporter.take(start)))
            frame.early.extend(sub.early)
        kinds = {how for how, _ in held}
        if training or every_path_fails(held):
            self.reporter.release([h for _, items in held for h in items])
        elif "return" in kinds and "fall" in kinds:  # the rest of the function is the going-on path
            frame.guards.append(Guard(
                [h for how, items in held if how == "return" for h in items],
                [h for how, items in held if how == "fall" for h in items],
                self.reporter.mark(),
            ))
        jumps = {how for how in kinds if how in ("break", "continue", "lost")}
        if jumps:
            if kinds == {"break"}:
                raise _Break()
            if kinds == {"continue"}:
                raise _Continue()
            raise _LoopLost()  # the loop may stop or skip here, or not
        falls = [o[1] for o in outcomes if o[0] == "fall"]
        returns = [o[1] for o in outcomes if o[0] == "return"]
        if not falls:
            if returns:
                raise _Return(merge_values(returns))
            raise _Raise()
        merged: Dict[str, Any] = {}
        for name in set().union(*[set(e) for e in falls]):
            merged[name] = merge_values([e.get(name, UNKNOWN) for e in falls])
        for name in self.scan(frame.info, "mutated", stmt, _mutated):  # feats.append(x) on one branch: both ran on the same list
            if name in merged:
                merged[name] = UNKNOWN
        frame.env.clear()
        frame.env.update(merged)
        self.taint(stmt, frame)  # objects either branch changed: as if by one of them
        frame.early.extend(returns)  # one branch returned, another goes on: the result is either
        if returns:
            self.undecided += 1  # the rest of the function runs on one path only (the caller restores it)

    def exec_try(self, stmt: cst.Try, frame: Frame) -> None:
        """The body; when torch would refuse a layer built in it, or a call in it, and a
        handler catches what torch raises (TypeError, ValueError, RuntimeError, Exception,
        bare), that handler."""
        handler = next((h for h in stmt.handlers if _catches_torch(h)), None)
        doubts, raised = self.doubts, self.reporter.raised
        if handler is None:
            self.exec_block(stmt.body, frame)
        else:
            start = self.reporter.mark()
            self.try_depth += 1
            try:
                self.exec_block(stmt.body, frame)
            except TorchRaises:
                self.try_depth -= 1
                try:
                    self.exec_block(handler.body, frame)
                finally:
                    self.try_depth += 1
                return
            finally:
                self.try_depth -= 1
            if self.reporter.mark() > start:  # torch certainly refuses a call in the body: caught
                self.reporter.take(start)  # no finding: the handler takes over
                self.forget(stmt.body, frame)  # what the body assigned after the refusal never was
                self.exec_block(handler.body, frame)
                return
        # the body met nothing it could not know, and nothing torch refuses: no handler runs
        certain = self.doubts == doubts and self.reporter.raised == raised
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body, frame)
        if not certain:
            for other in stmt.handlers:  # may run instead of the rest of the body
                self.forget(other, frame)

    def scan(self, info: ModuleInfo, kind: str, node: cst.CSTNode, fn: Callable[[Any], Any]) -> Any:
        """``fn(node)``, once per node of a file: a syntax walk whose answer never changes."""
        key = (kind, id(node))
        if key not in info.scans:
            info.scans[key] = (node, fn(node))  # the node keeps its id alive
        return info.scans[key][1]

    def resolve_guards(self, frame: Frame) -> None:
        """At the end of a body: each early-return guard's going-on path is what was
        reported since it; its failures and the returning branch's count only if both fail."""
        while frame.guards:
            guard = frame.guards.pop()
            going = guard.going + self.reporter.take(guard.start)
            if guard.returned and going:
                self.reporter.release(guard.returned + going)

    def training_test(self, test: cst.BaseExpression, frame: Frame) -> bool:
        """Is the condition undecided only because of ``self.training``?  It is decided
        with training set either way (nothing it reports or records is kept)."""
        if self.training is not UNKNOWN or "training" not in self.scan(frame.info, "code", test, frame.info.module.code_for_node):
            return False
        rows, start, steps = len(self.reporter.rows), self.reporter.mark(), self.steps
        decided = True
        try:
            for mode in (True, False):
                self.training = mode
                if _truth(self.eval(test, Frame(frame.info, dict(frame.env), dict(frame.origins), frame.phase))) is None:
                    decided = False
        finally:
            self.training = UNKNOWN
            del self.reporter.rows[rows:]
            self.reporter.take(start)
            self.steps = steps
        return decided

    def exec_for(self, stmt: cst.For, frame: Frame) -> None:
        items = self.iterate(self.eval(stmt.iter, frame))
        outer = self.loop_work
        if items is None or outer * len(items) > MAX_LOOP_WORK:
            if frame.phase == "forward":
                self.lost_thread(frame, stmt, "loop over values not known" if items is None else "loop too long to follow")
            self.forget(stmt, frame)  # unknown, or nested loops too long to follow within the budget
            return
        broke = False
        self.loop_work = outer * max(len(items), 1)
        try:
            for item in items:
                self.tick()
                self.assign(stmt.target, item, frame, None)
                try:
                    self.exec_block(stmt.body, frame)
                except _LoopLost:
                    if frame.phase == "forward":
                        self.lost_thread(frame, stmt, "loop exit not decided")
                    self.forget(stmt, frame)
                    return
                except _Break:
                    broke = True
                    break
                except _Continue:
                    continue
        finally:
            self.loop_work = outer
        if not broke and stmt.orelse is not None:
            self.exec_block(stmt.orelse.body, frame)

    def iterate(self, value: Any) -> Optional[List[Any]]:
        """The items of a known iterable, or None."""
        if isinstance(value, (list, tuple)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, str):
            return list(value)
        if isinstance(value, ModuleObj) and not value.members_known:
            return None
        if isinstance(value, ModuleObj) and (value.kind in ("sequential", "modulelist") or value.container in ("sequential", "modulelist")):
            return list(value.children.values())
        if isinstance(value, ModuleObj) and (value.kind == "moduledict" or value.container == "moduledict"):
            return list(value.children.keys())
        if isinstance(value, _Iter):
            return list(value.items)
        if isinstance(value, ConstTensor) and value.shape:
            return rows(value)
        if isinstance(value, ClassRef) and self.class_kind(value) == "enum":
            return canonical(self.enum_members(value))
        return None
