"""Inputs the code already states: read, never run, for classes nothing declares.

A file that says what goes into its model (a ``__main__`` block calling it on
``torch.randn(2, 3, 32, 32)``, a test, ``summary(model, (3, 224, 224))``, a jaxtyping
annotation on ``forward``, an ``assert x.shape == ...`` at its top) lets the spatial
checks run with no declaration.  Each statement is one ``StatedInput``; statements that
disagree are each checked, never merged into a guess.  Values come from the
interpreter's own evaluation of constants, under a step budget and a deadline.
"""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import libcst as cst

from ..layers import UNKNOWN, Shape
from .index import ModuleInfo, ProjectIndex
from .lazy import Region
from .walk import innermost_first, walk

MAX_PER_CLASS = 4  # stated inputs checked per class: each is a full run of the model
MAX_TEST_FILES = 20  # test files read per project, after a text filter
MAX_TEST_LISTED = 400  # files listed under the test folders before giving up on the rest
TEST_SECONDS = 1.0  # CPU time for reading a project's tests, once per run

# functions that take (model, input): the index of the input argument and its keyword
_TAKES_INPUT = {
    "torch.onnx.export": (1, "args"),
    "torch.jit.trace": (1, "example_inputs"),
    "torch.export.export": (1, "args"),
    "thop.profile": (1, "inputs"),
    "fvcore.nn.FlopCountAnalysis": (1, "inputs"),
}
# methods that return the module itself
_SAME_MODULE = {"eval", "train", "to", "cuda", "cpu", "float", "requires_grad_", "share_memory"}
# methods that leave the module's layers as they are
_KEEPS_LAYERS = _SAME_MODULE | {
    "forward", "load_state_dict", "state_dict", "parameters", "named_parameters", "buffers", "modules",
    "named_modules", "children", "named_children", "zero_grad", "half", "double", "bfloat16", "type",
}
# callees that may be given a model without changing it
_READ_ONLY = {"print", "len", "repr", "str", "id", "type", "isinstance", "hash", "sum", "summary"}
_WRAPPERS = {"torch.compile", "torch.nn.DataParallel", "torch.nn.parallel.DataParallel"}


@dataclass(frozen=True)
class StatedInput:
    """One input the code states for a model class, and the constructor call it goes with."""

    shape: Shape
    source: str  # "the call at line 40", "forward's jaxtyping annotation", "tests/test_net.py:8"
    args: Tuple[Any, ...] = ()  # constructor arguments at that call site, as evaluated
    kwargs: Tuple[Tuple[str, Any], ...] = ()
    built: bool = False  # args/kwargs are the constructor call as written (else: the defaults)


@dataclass
class _Instance:
    """A model object the scanned code built: ``Net(num_classes=10)``.  Its constructor
    arguments are evaluated only if it is called on a tensor: most scripts build models
    they never call in a way that states anything."""

    key: Tuple[str, str]
    call: cst.Call
    env: Dict[str, Any]  # the names as they were bound at the call
    built: Optional[Tuple[Tuple[Any, ...], Tuple[Tuple[str, Any], ...]]] = None
    done: bool = False


@dataclass
class _Qual:
    """A name a function-level import binds: ``from torchinfo import summary``."""

    qualname: str


@dataclass
class _Lazy:
    """An assigned value, evaluated only if a stated call needs it: most of what a script
    computes (data, optimisers, other models) is never looked at."""

    node: cst.BaseExpression
    env: Dict[str, Any]  # the names as they were bound at the assignment
    value: Any = None
    done: bool = False


@dataclass
class _Found:
    out: Dict[Tuple[str, str], List[StatedInput]] = field(default_factory=dict)

    def add(self, key: Tuple[str, str], item: StatedInput) -> None:
        items = self.out.setdefault(key, [])
        same = any(i.shape == item.shape and i.args == item.args and i.kwargs == item.kwargs for i in items)
        if not same and len(items) < MAX_PER_CLASS:
            items.append(item)


def class_key(info: ModuleInfo, name: str) -> Tuple[str, str]:
    return (str(info.path.resolve()) if info.path is not None else info.filename, name)


def _constant(value: Any) -> bool:
    """A value a constructor argument may carry across runs: plain data or a reference to code."""
    from ..interp.values import ClassRef, FuncRef, TorchRef

    if value is None or isinstance(value, (bool, int, float, str, ClassRef, FuncRef, TorchRef)):
        return True
    if isinstance(value, (tuple, list)):
        return all(_constant(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, (str, int)) and _constant(v) for k, v in value.items())
    return False


def _shape_of(value: Any) -> Optional[Shape]:
    """The shape of a tensor of known rank with at least one known size."""
    from ..interp.values import Tensor

    if isinstance(value, (tuple, list)) and value:  # (x,) as onnx/jit take it: the first input
        value = value[0]
    if not isinstance(value, Tensor) or value.shape is None or value.assumed:
        return None
    ints = [d for d in value.shape if isinstance(d, int) and not isinstance(d, bool)]
    if not ints or min(ints) < 1:  # an empty tensor is a corner case, not the model's input
        return None
    return tuple(value.shape)


def _size_tuple(value: Any) -> Optional[Tuple[int, ...]]:
    if isinstance(value, list) and value and isinstance(value[0], (tuple, list)):
        value = value[0]  # several inputs: the first is forward's first
    if isinstance(value, (tuple, list)) and value and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in value):
        return tuple(value)
    return None


class Reader:
    """Walks top-level code, ``__main__`` blocks and functions of one file, tracking the
    names bound to model objects and tensors, and records each call of a model on a tensor."""

    def __init__(self, index: ProjectIndex, targets: Dict[Tuple[str, str], Any], found: _Found, label: str, deadline: float) -> None:
        from ..interp.machine import Machine

        self.machine = Machine(index, training=False, deadline=deadline)
        self.targets = targets
        self.found = found
        self.label = label  # "" for the checked file, else "tests/test_net.py"
        self.deadline = deadline

    # ------------------------------------------------------------------ scopes
    def read(self, info: ModuleInfo, tree: Optional[ast.Module] = None) -> None:
        from ..interp.common import Budget

        self.info = info
        # the names this file binds to the classes checked: a scope without one states nothing
        self.classes = {c.name for c in self.targets.values()}
        self.names = self.classes | {local for local, (_, name) in info.from_imports.items() if name in self.classes}
        env: Dict[str, Any] = {}
        top_text, fn_texts = _scope_texts(info.source, tree)
        try:
            if _mentions(top_text, self.names):
                self.block(info.module.body, env, top=True)
            instances = {k for k, v in env.items() if isinstance(v, _Instance)}
            for each, text in zip(_functions(info), fn_texts):
                if time.process_time() > self.deadline:
                    return
                if not _mentions(text, self.names | instances):
                    continue
                fn = each if isinstance(each, cst.FunctionDef) else info.parse(each)
                if not isinstance(fn, cst.FunctionDef):
                    continue
                local = dict(env)
                for p in _params(fn):
                    local[p] = UNKNOWN
                try:
                    self.block(fn.body.body if isinstance(fn.body, cst.IndentedBlock) else [], local)
                except Budget:
                    self.machine.steps = 0  # the next function has its own budget
        except (Budget, RecursionError):
            pass

    def block(self, body: Sequence[cst.CSTNode], env: Dict[str, Any], top: bool = False) -> None:
        for stmt in body:
            region = self.info.region_at(stmt) if top else None
            if region is not None:  # a definition not parsed yet (extract/lazy.py)
                if region.kind != "assign":
                    continue  # top-level definitions are not followed here
                node = self.info.parse(region) if _mentions(region.text, self.names) else None
                if node is None:  # names no checked class: states nothing; looked up as a global when read
                    for name in region.names:
                        if name in env:
                            env[name] = UNKNOWN
                    continue
                stmt = node
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Return):
                        if small.value is not None:
                            self.value(small.value, env)
                        return
                    self.small(small, env, top)
            elif isinstance(stmt, cst.If):
                if _is_main(stmt.test):
                    self.block(_body(stmt), env, top)
                else:
                    self.value(stmt.test, env)  # ``if net(x).shape[1] != 10:`` calls the model too
                    self.branches([_body(stmt), _orelse(stmt)], env)
            elif isinstance(stmt, (cst.For, cst.While)):
                self.value(stmt.iter if isinstance(stmt, cst.For) else stmt.test, env)
                inner = dict(env)  # the first pass: what the body states holds for it
                for name in _target_names(stmt.target) if isinstance(stmt, cst.For) else []:
                    inner[name] = UNKNOWN
                self.block(_body(stmt), inner)
                for name in _bound_names(stmt):
                    env[name] = UNKNOWN
            elif isinstance(stmt, cst.With):
                for item in stmt.items:
                    self.value(item.item, env)
                    if item.asname is not None:
                        for name in _target_names(item.asname.name):
                            env[name] = UNKNOWN
                self.block(_body(stmt), env)
            elif isinstance(stmt, cst.Try):
                self.block(_body(stmt), env)
                for name in _bound_names(stmt):
                    if name not in _bound_in(_body(stmt)):
                        env[name] = UNKNOWN  # bound in a handler or else-branch
                    elif any(name in _bound_in(h.body.body) for h in stmt.handlers if isinstance(h.body, cst.IndentedBlock)):
                        env[name] = UNKNOWN
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and not top:
                env[stmt.name.value] = UNKNOWN  # a nested definition is not followed

    def branches(self, bodies: List[Sequence[cst.CSTNode]], env: Dict[str, Any]) -> None:
        """An undecided ``if``: each branch is read; a name they leave different is unknown."""
        outs = []
        for body in bodies:
            local = dict(env)
            self.block(body, local)
            outs.append(local)
        for name in {n for o in outs for n in o}:
            values = [o.get(name, env.get(name, UNKNOWN)) for o in outs]
            env[name] = values[0] if all(v is values[0] for v in values) else UNKNOWN

    def small(self, small: cst.BaseSmallStatement, env: Dict[str, Any], top: bool = False) -> None:
        if isinstance(small, cst.Assign):
            value = self.value(small.value, env)
            for target in small.targets:
                self.bind(target.target, value, env)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.bind(small.target, self.value(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            self.value(small.value, env)
            for name in _target_names(small.target):
                env[name] = UNKNOWN
        elif isinstance(small, cst.Expr):
            self.value(small.value, env)
        elif isinstance(small, cst.Assert):  # a test's ``assert net(x).shape == ...``
            self.value(small.test, env)
        elif top and isinstance(small, (cst.Import, cst.ImportFrom)):
            pass  # the file's own imports: the interpreter resolves those names itself
        elif isinstance(small, cst.Import):
            for alias in small.names:
                full = _dotted(alias.name)
                if alias.asname is not None:
                    for name in _target_names(alias.asname.name):
                        env[name] = _Qual(full)
                else:
                    env[full.split(".")[0]] = _Qual(full.split(".")[0])
        elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None and not isinstance(small.names, cst.ImportStar):
            base = _dotted(small.module)
            for alias in small.names:
                name = _dotted(alias.name)
                local = _dotted(alias.asname.name) if alias.asname is not None else name
                env[local] = _Qual(f"{base}.{name}")
        elif isinstance(small, (cst.Global, cst.Nonlocal, cst.Del)):
            for name in _target_names(small):
                env[name] = UNKNOWN

    def bind(self, target: cst.BaseExpression, value: Any, env: Dict[str, Any]) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        else:  # unpacking, attributes (``net.fc = ...`` changes the model), subscripts: not followed
            for name in _target_names(target):
                env[name] = UNKNOWN

    # ------------------------------------------------------------------ expressions
    def frame(self, env: Dict[str, Any], needed: set) -> Any:
        """The interpreter's frame for an expression using ``needed``: those names are
        evaluated now; the others only hide the module's globals of the same name."""
        from ..interp.common import Frame

        plain: Dict[str, Any] = {}
        for k, v in env.items():
            if isinstance(v, _Lazy):
                v = self.force(v) if k in needed else UNKNOWN
            plain[k] = UNKNOWN if isinstance(v, (_Instance, _Qual)) else v
        return Frame(self.info, plain, phase="init")

    def force(self, lazy: _Lazy) -> Any:
        if not lazy.done:
            lazy.done, lazy.value = True, UNKNOWN  # a value defined through itself is unknown
            lazy.value = self.eval(lazy.node, lazy.env)
        return lazy.value

    def eval(self, node: cst.BaseExpression, env: Dict[str, Any]) -> Any:
        from ..interp.common import Budget

        try:
            return self.machine.eval(node, self.frame(env, set(_target_names(node))))
        except (Budget, RecursionError):
            raise
        except Exception:  # noqa: BLE001 - an odd expression states nothing; it must not stop the check
            return UNKNOWN

    def value(self, node: cst.BaseExpression, env: Dict[str, Any]) -> Any:
        """The expression's value, evaluated when needed; every model call inside it is
        recorded on the way."""
        calls = innermost_first(node, cst.Call, cst.Lambda)  # lambdas left alone
        for call in calls:
            self.record(call, env)
        for call in calls:
            self.forget_changed(call, env)
        inst = self.instance(node, env)
        if inst is not None:
            return inst
        return _Lazy(node, dict(env))

    def forget_changed(self, call: cst.Call, env: Dict[str, Any]) -> None:
        """A model handed to other code (``replace_head(net)``) or changed through a method
        (``net.add_module(...)``, a forward hook) may no longer be the class as written:
        later calls of it state nothing."""
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else ""
        owner = func.value if isinstance(func, cst.Attribute) else None
        if isinstance(owner, cst.Name) and isinstance(env.get(owner.value), _Instance) and method not in _KEEPS_LAYERS:
            env[owner.value] = UNKNOWN
        qual = self.qualname(func, env) or ""
        if qual in _TAKES_INPUT or qual in _WRAPPERS or qual.rpartition(".")[2] in _READ_ONLY or (isinstance(func, cst.Name) and func.value in _READ_ONLY):
            return
        for arg in call.args:
            if isinstance(arg.value, cst.Name) and isinstance(env.get(arg.value.value), _Instance):
                env[arg.value.value] = UNKNOWN

    def instance(self, node: cst.BaseExpression, env: Dict[str, Any]) -> Optional[_Instance]:
        """The model object an expression stands for, if it is one of the checked classes."""
        from ..interp.values import ClassRef

        if isinstance(node, cst.Name):
            v = env.get(node.value)
            return v if isinstance(v, _Instance) else None
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _SAME_MODULE:
            return self.instance(func.value, env)
        if self.qualname(func, env) in _WRAPPERS and node.args:
            return self.instance(node.args[0].value, env)
        # the checked classes are reached only through the names bound to them (``Net``,
        # ``from pkg.net import Net as N``) or as a module's attribute (``models.Net``)
        if isinstance(func, cst.Name):
            if func.value in env or func.value not in self.names:
                return None
        elif not (isinstance(func, cst.Attribute) and func.attr.value in self.classes):
            return None
        callee = self.eval(func, env)
        if not isinstance(callee, ClassRef):
            return None
        key = class_key(callee.info, callee.name)
        if key not in self.targets:
            return None
        return _Instance(key, node, dict(env))

    def arguments(self, inst: _Instance) -> Optional[Tuple[Tuple[Any, ...], Tuple[Tuple[str, Any], ...]]]:
        """The constructor arguments as written, evaluated; None when they cannot be bound
        (``Net(**cfg)`` with ``cfg`` unknown, a model built from another model object)."""
        from ..interp.common import Budget
        if inst.done:
            return inst.built
        inst.done = True
        node, env = inst.call, inst.env
        if any(isinstance(a.value, cst.Call) and self.instance(a.value, env) for a in node.args):
            return None
        try:
            args, kwargs, _ = self.machine.eval_args(node, self.frame(env, set(_target_names(node))))
        except (Budget, RecursionError):
            raise
        except Exception:  # noqa: BLE001 - arguments we cannot read state nothing
            return None
        if args is None:
            return None
        args = [a if _constant(a) else UNKNOWN for a in args]
        kwargs = {k: (v if _constant(v) else UNKNOWN) for k, v in kwargs.items()}
        inst.built = (tuple(args), tuple(sorted(kwargs.items())))
        return inst.built

    def qualname(self, node: cst.BaseExpression, env: Dict[str, Any]) -> Optional[str]:
        """``summary`` -> ``torchinfo.summary`` through the file's (or the function's) imports."""
        if isinstance(node, cst.Name):
            local = env.get(node.value)
            if isinstance(local, _Qual):
                return local.qualname
            if node.value in env:
                return None
            return self.info.imports.get(node.value)
        if isinstance(node, cst.Attribute):
            base = self.qualname(node.value, env)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def record(self, call: cst.Call, env: Dict[str, Any]) -> None:
        func = call.func
        positional = [a for a in call.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        target = None
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            target = self.instance(func.value, env)
        elif not (isinstance(func, cst.Attribute) and func.attr.value in _SAME_MODULE):
            target = self.instance(func, env)
        if target is not None:
            if positional and not any(a.star for a in call.args):
                self.state(target, _shape_of(self.eval(positional[0].value, env)), call)
            return
        qual = self.qualname(func, env)
        if qual is None:
            return
        model_node = positional[0].value if positional else keywords.get("model")
        model = self.instance(model_node, env) if model_node is not None else None
        if model is None:
            return
        if qual in _TAKES_INPUT:
            i, kw = _TAKES_INPUT[qual]
            node = positional[i].value if len(positional) > i else keywords.get(kw)
            if node is not None:
                self.state(model, _shape_of(self.eval(node, env)), call)
        elif qual == "torchinfo.summary":
            size_node = positional[1].value if len(positional) > 1 else keywords.get("input_size")
            data_node = positional[2].value if len(positional) > 2 else keywords.get("input_data")
            if data_node is not None:
                self.state(model, _shape_of(self.eval(data_node, env)), call)
            elif size_node is not None and "batch_dim" not in keywords:
                size = _size_tuple(self.eval(size_node, env))
                self.state(model, size, call)
        elif qual == "torchsummary.summary":  # its sizes leave the batch out
            size_node = positional[1].value if len(positional) > 1 else keywords.get("input_size")
            size = _size_tuple(self.eval(size_node, env)) if size_node is not None else None
            self.state(model, ("N",) + size if size else None, call)

    def state(self, inst: _Instance, shape: Optional[Shape], call: cst.Call) -> None:
        if shape is None:
            return
        built = self.arguments(inst)
        if built is None:
            return
        line = self.info.line(call)
        source = f"{self.label}:{line}" if self.label else f"the call at line {line}"
        self.found.add(inst.key, StatedInput(shape, source, built[0], built[1], built=True))


# ---------------------------------------------------------------------- syntax helpers
def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _body(stmt: Any) -> Sequence[cst.CSTNode]:
    return stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else []


def _orelse(stmt: cst.If) -> Sequence[cst.CSTNode]:
    other = stmt.orelse
    if isinstance(other, cst.If):
        return [other]
    if isinstance(other, cst.Else) and isinstance(other.body, cst.IndentedBlock):
        return other.body.body
    return []


def _is_main(test: cst.BaseExpression) -> bool:
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    texts = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return bool(names and texts)


def _target_names(node: cst.CSTNode) -> List[str]:
    out: List[str] = []

    class V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            out.append(n.value)

    walk(node, V())
    return out


def _mentions(text: str, names: set) -> bool:
    return bool(names) and re.search(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")\b", text) is not None


def _scope_texts(source: str, tree: Optional[ast.Module] = None) -> Tuple[str, List[str]]:
    """The text of the top-level code outside definitions, and of each function
    ``_functions`` yields, in its order: Python's own parser finds them far faster than a
    walk over the CST, and a scope that names no checked class is not read at all."""
    try:
        tree = tree or ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source, []
    lines = source.splitlines()

    def text(node: ast.stmt) -> str:
        return "\n".join(lines[node.lineno - 1 : node.end_lineno or node.lineno])

    def body(fn: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> str:
        """What the reader reads of a function (its parameters are unknowns): a class named
        only in an annotation (``-> ResNet``) is not a call of it."""
        return "\n".join(lines[fn.body[0].lineno - 1 : fn.end_lineno or fn.lineno])

    funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
    top, fns = [], []
    for stmt in tree.body:
        if isinstance(stmt, funcs):
            fns.append(body(stmt))
        elif isinstance(stmt, ast.ClassDef):
            if stmt.name.startswith("Test"):
                fns.extend(body(inner) for inner in stmt.body if isinstance(inner, funcs))
        else:
            top.append(text(stmt))
    return "\n".join(top), fns


def _bound_in(body: Sequence[cst.CSTNode]) -> set:
    names: set = set()

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
            names.update(_target_names(n.target))

        def visit_AnnAssign(self, n: cst.AnnAssign) -> None:
            names.update(_target_names(n.target))

        def visit_AugAssign(self, n: cst.AugAssign) -> None:
            names.update(_target_names(n.target))

        def visit_For(self, n: cst.For) -> None:
            names.update(_target_names(n.target))

        def visit_AsName(self, n: cst.AsName) -> None:
            names.update(_target_names(n.name))

        def visit_NamedExpr(self, n: cst.NamedExpr) -> None:
            names.update(_target_names(n.target))

        def visit_FunctionDef(self, n: cst.FunctionDef) -> bool:
            names.add(n.name.value)
            return False

        def visit_ClassDef(self, n: cst.ClassDef) -> bool:
            names.add(n.name.value)
            return False

    for stmt in body:
        walk(stmt, V())
    return names


def _bound_names(stmt: cst.CSTNode) -> set:
    return _bound_in([stmt])


def _functions(info: ModuleInfo) -> Iterator[Union[cst.FunctionDef, Region]]:
    """Top-level functions (a Region: one not parsed yet), and methods of test classes
    (``class TestNet:``), in the order ``_scope_texts`` lists them."""
    for top in info.module.body:
        region = info.region_at(top)
        stmt: cst.CSTNode = top
        if region is not None:
            if region.kind == "def":
                yield region
                continue
            if region.kind != "class" or not region.names[0].startswith("Test"):
                continue
            stmt = info.parse(region) or stmt
        if isinstance(stmt, cst.FunctionDef):
            yield stmt
        elif isinstance(stmt, cst.ClassDef) and stmt.name.value.startswith("Test"):
            for inner in _body(stmt):
                if isinstance(inner, cst.FunctionDef):
                    yield inner


def _params(fn: cst.FunctionDef) -> List[str]:
    p = fn.params
    names = [q.name.value for q in list(p.posonly_params) + list(p.params) + list(p.kwonly_params)]
    for star in (p.star_arg, p.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names


# ---------------------------------------------------------------------- the project's tests
def test_files(root: Path) -> List[Path]:
    """``tests/``, ``test/`` and ``test_*.py`` / ``*_test.py`` at the project root, bounded."""
    out: List[Path] = []
    for folder in (root / "tests", root / "test"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py")):
                if len(out) >= MAX_TEST_LISTED:
                    return out
                if path.name.startswith("test") or path.name.endswith("_test.py"):
                    out.append(path)
    out.extend(sorted(p for p in root.glob("*.py") if p.name.startswith("test_") or p.name.endswith("_test.py")))
    return out[:MAX_TEST_LISTED]


def _file_mentions(path: Path, words: Sequence[str]) -> bool:
    """Whether the file's text holds any of ``words``: a cheap filter before parsing it."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(w in text for w in words)


Mined = Dict[Tuple[str, str], List[StatedInput]]


def stated_inputs(index: ProjectIndex, info: ModuleInfo, classes: Sequence[Any], root: Optional[Path], deadline: float, tree: Optional[ast.Module] = None) -> Tuple[Mined, List[str]]:
    """Stated inputs per class key, and the test files read (the cache must watch them);
    ``tree`` is Python's own parse of ``info``, when the caller has it."""
    from .stated_forward import forward_statements

    found = _Found()
    targets = {class_key(c.info, c.name): c for c in classes}
    for cls in classes:
        for item in forward_statements(index, cls):
            found.add(class_key(cls.info, cls.name), item)
    Reader(index, targets, found, "", min(deadline, time.process_time() + TEST_SECONDS)).read(info, tree)
    read: List[str] = []
    if root is not None and info.path is not None and time.process_time() < deadline:
        # a test reaches the class through its module or its package (a re-export)
        modules = [info.path.stem, info.path.parent.name] if info.path.stem != "__init__" else [info.path.parent.name]
        budget_end = min(deadline, time.process_time() + TEST_SECONDS)
        files = test_files(root)
        read = [str(f) for f in files] + [str(d) for d in (root / "tests", root / "test", root) if d.is_dir()]
        parsed = 0
        for path in files:
            if parsed >= MAX_TEST_FILES or time.process_time() > budget_end:
                break
            if path.resolve() == info.path.resolve():
                continue
            names = [c.name for c in classes if class_key(c.info, c.name) not in found.out]
            if not names or not _file_mentions(path, names) or not _file_mentions(path, modules):
                continue
            parsed += 1
            test_info = index.load(path)
            if test_info is None:
                continue
            try:
                label = str(path.relative_to(root))
            except ValueError:
                label = str(path)
            Reader(index, targets, found, label, budget_end).read(test_info)
    return found.out, read
