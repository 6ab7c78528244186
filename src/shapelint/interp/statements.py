"""Statements: blocks, assignments, ``if`` (both branches in forward), loops."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from ..extract.index import ModuleInfo
from ..layers import UNKNOWN
from ..layers.core import is_int
from .common import _AUG, _NOT_MODULES, Frame, Guard, Held, _Break, _Continue, _Iter, _LoopLost, _plain, _Raise, _Return, _targets, _truth, every_path_fails, merge_values
from .values import FuncRef, ModuleObj, Site


# methods that change the list, dict or container they are called on
MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add_module", "register_module", "register_buffer", "register_parameter", "add"}


def _assigns(stmt: cst.CSTNode) -> Tuple[List[str], List[str], List[str], bool]:
    """What a statement may bind or change: local names, self attributes, self attributes
    changed in place ("" for self itself), and whether it may ``return``."""
    names: List[str] = []
    attrs: List[str] = []
    mutated: List[str] = []
    returns: List[cst.Return] = []

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            _targets(node.target, names, attrs)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            _targets(node.target, names, attrs)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            _targets(node.target, names, attrs)

        def visit_For(self, node: cst.For) -> None:
            _targets(node.target, names, attrs)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.append(node.name.value)
            return False  # its returns are its own

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            returns.append(node)

        def visit_Call(self, node: cst.Call) -> None:  # layers.append(...): the list changed too
            func = node.func
            if isinstance(func, cst.Name) and func.value == "setattr":
                mutated.append("")
            if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
                if isinstance(func.value, cst.Name) and func.value.value == "self":
                    mutated.append("")
                elif isinstance(func.value, cst.Name):
                    names.append(func.value.value)
                else:
                    _targets(func.value, [], mutated)

    stmt.visit(V())
    return names, attrs, mutated, bool(returns)


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

    stmt.visit(V())
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

    stmt.visit(V())
    return bool(found)


class Statements:
    """Executes statements over a frame."""

    training: Any  # a module's ``self.training``: True, False or UNKNOWN (both modes)
    steps: int
    where: Optional[Tuple[Frame, cst.CSTNode]]

    def exec_block(self, block: Any, frame: Frame) -> None:
        body = block.body if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)) else block
        for stmt in body:
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> None:
        self.tick()
        self.where = (frame, stmt)  # where the budget ran out, if it does
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, frame)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, frame)
        elif isinstance(stmt, (cst.With,)):
            self.exec_block(stmt.body, frame)
        elif isinstance(stmt, cst.Try):
            self.exec_block(stmt.body, frame)
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body, frame)
            for handler in stmt.handlers:  # may run instead of the rest of the body
                self.forget(handler, frame)
        elif isinstance(stmt, cst.FunctionDef):
            frame.env[stmt.name.value] = FuncRef(frame.info, stmt, dict(frame.env))
        elif isinstance(stmt, cst.ClassDef):
            frame.env[stmt.name.value] = UNKNOWN
        else:  # while loops and anything else: what they assign is unknown afterwards
            if frame.phase == "forward" and isinstance(stmt, cst.While):
                self.lose(frame, stmt, "while loop not followed")
            self.forget(stmt, frame)

    def exec_small(self, small: cst.CSTNode, frame: Frame) -> None:
        if isinstance(small, cst.Return):
            raise _Return(self.eval(small.value, frame) if small.value is not None else None)
        if isinstance(small, cst.Raise):
            raise _Raise()
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, frame)
            for t in small.targets:
                self.assign(t.target, value, frame, small.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame, small.value)
        elif isinstance(small, cst.AugAssign):
            op = _AUG.get(type(small.operator))
            current = self.eval(small.target, frame)
            other = self.eval(small.value, frame)
            if isinstance(current, list) and op is cst.Add and isinstance(other, (list, tuple)):
                current.extend(other)  # += on a list mutates it
                return
            value = self.binop(op(), current, other, Site(frame.info, small)) if op is not None else UNKNOWN
            self.assign(small.target, value, frame, None)
        elif isinstance(small, cst.Expr):
            if not isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):  # docstrings do nothing
                self.eval(small.value, frame)
        elif isinstance(small, cst.Break):
            raise _Break()
        elif isinstance(small, cst.Continue):
            raise _Continue()

    def assign(self, target: cst.BaseExpression, value: Any, frame: Frame, source: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            frame.env[target.value] = value
            frame.origins.pop(target.value, None)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, frame)
            if isinstance(obj, ModuleObj):
                obj.register(target.attr.value, value)
                if value is UNKNOWN and frame.phase == "init" and not isinstance(source, _NOT_MODULES):
                    obj.lose_members()  # it may have been a module: the tree is not whole
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = list(value) if isinstance(value, (tuple, list)) else None
            if items is not None and len(items) != len(elements) and not any(isinstance(e, cst.StarredElement) for e in elements):
                items = None
            for i, el in enumerate(elements):
                if isinstance(el, cst.StarredElement):
                    self.assign(el.value, UNKNOWN, frame, None)
                    items = None
                    continue
                self.assign(el.value, items[i] if items is not None else UNKNOWN, frame, None)
        elif isinstance(target, cst.Subscript):
            obj = self.eval(target.value, frame)
            if isinstance(obj, (list, dict)) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
                key = self.eval(target.slice[0].slice.value, frame)
                try:
                    if isinstance(obj, dict) and _plain(key):
                        obj[key] = value
                    elif isinstance(obj, list) and is_int(key):
                        obj[key] = value
                except (IndexError, TypeError):
                    pass

    def forget(self, stmt: cst.CSTNode, frame: Frame) -> None:
        """Make every name (and self attribute) a statement assigns unknown."""
        found_names, found_attrs, mutated, returns = self.scan(frame.info, "assigns", stmt, _assigns)
        names, attrs = list(found_names), list(found_attrs)
        me = frame.env.get("self")
        if isinstance(me, ModuleObj) and frame.phase == "init":
            for a in mutated:
                target = me if not a else me.children.get(a, me.attrs.get(a))
                if isinstance(target, ModuleObj):
                    target.lose_members()
                elif a:
                    attrs.append(a)
        if returns:
            frame.early.append(UNKNOWN)  # a path we did not follow may have returned: the result is unknown
        for n in names:
            frame.env[n] = UNKNOWN
        me = frame.env.get("self")
        if isinstance(me, ModuleObj) and attrs:
            for a in attrs:
                if frame.phase == "init":
                    me.register(a, UNKNOWN)
                    me.lose_members()

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        cond = _truth(self.eval(stmt.test, frame))
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
        frame.early.extend(returns)  # one branch returned, another goes on: the result is either

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
        if items is None:
            if frame.phase == "forward":
                self.lose(frame, stmt, "loop over values not known")
            self.forget(stmt, frame)
            return
        broke = False
        for item in items:
            self.tick()
            self.assign(stmt.target, item, frame, None)
            try:
                self.exec_block(stmt.body, frame)
            except _LoopLost:
                if frame.phase == "forward":
                    self.lose(frame, stmt, "loop exit not decided")
                self.forget(stmt, frame)
                return
            except _Break:
                broke = True
                break
            except _Continue:
                continue
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
        return None
