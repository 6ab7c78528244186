"""Expressions: literals, operators, comparisons, comprehensions, subscripts, attributes."""

from __future__ import annotations

from types import FunctionType
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

import libcst as cst

from ..layers import UNKNOWN
from ..layers.core import is_int
from ..layers.matmul import matmul
from ..layers.tensor import broadcast
from .classes import MODULE_METHODS
from .common import _BINOPS, _CMP, MAX_LOOP, MAX_STEPS, RANK_FLAGS, Frame, Sym, _after, _assumed, _dim_value, _Iter, _method_kind, _plain, _rank_assumed, _truth, merge_values, narrow_format
from .dispatch import class_key, identical, same_class, torch_has, torch_known, unwrap
from .objects import is_property
from .overlays import CONSTANTS
from .overlays.arrays import Refused, elementwise, index, plain
from .values import (
    FLOAT_DTYPES,
    INTEGER_DTYPES,
    BoundMethod,
    ClassRef,
    ConstTensor,
    EnumMember,
    FuncRef,
    Instance,
    LambdaRef,
    ModuleObj,
    ModuleRef,
    Parameter,
    Partial,
    PyValue,
    Record,
    Site,
    Struct,
    Tensor,
    TorchNames,
    TorchRef,
    TupleType,
)

_CONVERSIONS: Dict[str, Callable[[Any], str]] = {"r": repr, "s": str, "a": ascii}
_ARRAY_OPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//", cst.Modulo: "%", cst.Power: "**",
}


def _binop_dtype(op: cst.BaseBinaryOp, left: Any, right: Any) -> Optional[str]:
    """The dtype of ``left op right`` (one a tensor) where torch's promotion gives it from
    what is known: integers stay integers (``/`` excepted), a float tensor keeps its dtype
    against numbers, bools stay bools under ``& | ^``; None otherwise."""
    tensors = [v.dtype for v in (left, right) if isinstance(v, Tensor)]
    scalars = [v for v in (left, right) if not isinstance(v, Tensor)]
    if any(d is None for d in tensors) or not all(isinstance(v, (int, float)) and not isinstance(v, Sym) for v in scalars):
        return None
    kinds = set(tensors)
    if isinstance(op, (cst.BitAnd, cst.BitOr, cst.BitXor)):
        return "bool" if kinds == {"bool"} and all(isinstance(v, bool) for v in scalars) else None
    if not isinstance(op, (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo)):
        return None
    if len(kinds) == 1 and kinds <= FLOAT_DTYPES:
        return tensors[0]  # numbers do not promote a float tensor
    if kinds <= INTEGER_DTYPES and not isinstance(op, cst.Divide) and all(type(v) is int for v in scalars):
        return tensors[0] if len(kinds) == 1 else "int64" if "int64" in kinds else None
    return None


def _set_items(items: List[Any]) -> Any:
    """A set display as a tuple of its distinct items (what model code does with a set of
    classes or names: test membership, iterate); unknown when distinctness is not known."""
    out: List[Any] = []
    for item in items:
        if _plain(item) and not isinstance(item, (list, dict)):
            if any(_plain(o) and not isinstance(o, (list, dict)) and o == item for o in out):
                continue
        elif class_key(item) is not None:
            same = [same_class(item, o) for o in out if class_key(o) is not None]
            if True in same:
                continue
            if UNKNOWN in same:
                return UNKNOWN
        else:
            return UNKNOWN
        out.append(item)
    return tuple(out)


def _contains_class(cls: Any, items: Any) -> Any:
    """``cls in items`` for a class: True when it is one of them, False when every item is
    a plain value or a class known to differ."""
    answer: Any = False
    for item in items:
        if _plain(item):
            continue
        same = same_class(cls, item) if class_key(item) is not None else UNKNOWN
        if same is True:
            return True
        if same is UNKNOWN:
            answer = UNKNOWN
    return answer


def _classinfo_part(v: Any) -> bool:
    """A class, or a tuple of classes: ``int | str`` makes a classinfo for isinstance."""
    if isinstance(v, tuple):
        return bool(v) and all(_classinfo_part(e) for e in v)
    return class_key(v) is not None


def _fresh(value: Any) -> Any:
    """A constant array whose values may have been written over in place since it was
    made keeps only its shape (also as the item of a list or tuple read whole)."""
    if isinstance(value, ConstTensor):
        return plain(value) if value.stale else value
    # ``ConstTensor in map(type, ...)``: the scan runs in C (a list read in a loop is read whole each time)
    if isinstance(value, (list, tuple)) and not isinstance(value, Record) and ConstTensor in map(type, value) and any(isinstance(v, ConstTensor) and v.stale for v in value):
        items = [plain(v) if isinstance(v, ConstTensor) and v.stale else v for v in value]
        if isinstance(value, list):
            value[:] = items  # the same list: others hold it too
            return value
        return type(value)(items) if type(value) is tuple else value
    return value


# exact types of values ``eval`` hands back as they are: no tensor, Sym, TorchRef or
# UNKNOWN (each a doubt), no list or tuple (whose items ``_fresh`` reads)
_SETTLED = frozenset({int, float, str, bool, type(None), dict, ModuleObj, FuncRef, ClassRef, BoundMethod, Instance, ModuleRef, Partial, LambdaRef, EnumMember, FunctionType, _Iter, Parameter})


def _concrete_shape(t: Tensor) -> bool:
    """A tensor whose rank and every dim are facts (a symbolic batch size counts as one)."""
    return t.shape is not None and not t.assumed and all(d is not None for d in t.shape)


class Expressions:
    """Evaluates expressions to values."""

    doubts: int
    steps: int
    check_budget: Callable[[], None]
    guessed: Tuple[Optional[cst.FunctionDef], FrozenSet[str]]  # see Machine

    def eval(self, node: cst.BaseExpression, frame: Frame) -> Any:
        """The value of an expression; one not wholly known counts as a doubt (see
        ``doubts``: what Python might raise there, a ``try`` cannot rule out)."""
        value = self.eval_known(node, frame)
        t = type(value)
        if t in _SETTLED:
            return value
        if t is Tensor:  # exactly: a ConstTensor may be stale (``_fresh``)
            if not _concrete_shape(value):
                self.doubts += 1
            return value
        if value is UNKNOWN:
            self.doubts += 1
            return value
        if t is TorchRef:
            if not torch_known(value.qualname):
                self.doubts += 1
            return value
        if (t is tuple or t is list) and ConstTensor not in map(type, value):
            return value  # nothing stale in it (``_fresh``), and no doubt
        value = _fresh(value)
        if value is UNKNOWN or isinstance(value, Sym) or (isinstance(value, Tensor) and not _concrete_shape(value)) or (
            isinstance(value, TorchRef) and not torch_known(value.qualname)
        ):
            self.doubts += 1
        return value

    def eval_known(self, expr: cst.BaseExpression, frame: Frame) -> Any:
        steps = self.steps = self.steps + 1  # Machine.tick, inline: this runs for every expression
        if steps > MAX_STEPS or not steps & 1023:
            self.check_budget()
        node: Any = expr
        t = type(node)  # exact types: libcst's classes are ABCs, and isinstance on them is slow
        if t is cst.Name:
            name = node.value
            if name in frame.env and frame.fn is not self.guessed[0]:
                return frame.env[name]  # a local (lookup_name, without its check of guessed defaults)
            return self.lookup_name(name, frame)
        if t is cst.Attribute:
            return self.getattr(self.eval(node.value, frame), node.attr.value)
        if t is cst.Call:
            return self.eval_call(node, frame)
        if t is cst.Integer:
            return int(node.value.replace("_", ""), 0)
        if t is cst.Subscript:
            return self.subscript(node, frame)
        if t is cst.Float:
            return float(node.value.replace("_", ""))
        if t is cst.Imaginary:
            return UNKNOWN
        if t is cst.SimpleString or t is cst.ConcatenatedString:
            return self.string(node)
        if t is cst.FormattedString:
            return self.fstring(node, frame)
        if t is cst.BinaryOperation:
            return self.binop(node.operator, self.eval(node.left, frame), self.eval(node.right, frame), Site(frame.info, node))
        if t is cst.UnaryOperation:
            return self.unary(node, frame)
        if t is cst.BooleanOperation:
            return self.boolop(node, frame)
        if t is cst.Comparison:
            return self.compare(node, frame)
        if t is cst.IfExp:
            cond = _truth(self.eval(node.test, frame))
            if cond is None:  # both, and what fails in one only if it fails in both (as an if)
                training = self.training_test(node.test, frame)
                start = self.reporter.mark()
                body = self.eval(node.body, frame)
                held_body = self.reporter.take(start)
                orelse = self.eval(node.orelse, frame)
                held_else = self.reporter.take(start)
                if training or (held_body and held_else):
                    self.reporter.release(held_body + held_else)
                return merge_values([body, orelse])
            return self.eval(node.body if cond else node.orelse, frame)
        if t in (cst.Tuple, cst.List, cst.Set):
            items: List[Any] = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    inner = self.iterate(self.eval(el.value, frame))
                    if inner is None:
                        return UNKNOWN
                    items.extend(inner)
                else:
                    items.append(self.eval(el.value, frame))
            if t is cst.Tuple:
                return tuple(items)
            return items if t is cst.List else _set_items(items)
        if t is cst.Dict:
            out: Dict[Any, Any] = {}
            entry: Any
            for entry in node.elements:
                el = entry
                if isinstance(el, cst.StarredDictElement):
                    inner = self.eval(el.value, frame)
                    if not isinstance(inner, dict):
                        return UNKNOWN
                    out.update(inner)
                    continue
                key = self.eval(el.key, frame)
                if not _plain(key) or isinstance(key, (list, dict)):
                    return UNKNOWN
                out[key] = self.eval(el.value, frame)
            return out
        if t in (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp):
            return self.comprehension(node, frame)
        if t is cst.Lambda:
            return LambdaRef(frame.info, node, frame.env)
        if t is cst.NamedExpr:
            value = self.eval(node.value, frame)
            self.assign(node.target, value, frame, None)
            return value
        return UNKNOWN

    def string(self, node: Any) -> Any:
        """A string literal's value (libcst evaluates it with a compile: cache it per node)."""
        key = id(node)
        if key not in self._strings:
            v = node.evaluated_value
            self._strings[key] = (node, v if isinstance(v, str) else UNKNOWN)
        return self._strings[key][1]

    def fstring(self, node: cst.FormattedString, frame: Frame) -> Any:
        return self.fstring_parts(node.parts, "r" in node.prefix.lower(), frame)

    def fstring_parts(self, parts: Sequence[cst.BaseFormattedStringContent], raw: bool, frame: Frame) -> Any:
        """The text of f-string parts: conversions (``!r``) and format specs (``:02d``, itself
        an f-string) as ``format`` does them; a wide field (``:99999``) is UNKNOWN."""
        out: List[str] = []
        for p in parts:
            if isinstance(p, cst.FormattedStringText):
                if "\\" in p.value and not raw:
                    return UNKNOWN  # escapes: not decoded here
                out.append(p.value.replace("{{", "{").replace("}}", "}"))
            elif isinstance(p, cst.FormattedStringExpression):
                v = self.eval(p.expression, frame)
                if p.equal is not None or not (isinstance(v, (int, float, str, bool)) or v is None):
                    return UNKNOWN
                if p.conversion:
                    v = _CONVERSIONS[p.conversion](v)
                spec = self.fstring_parts(p.format_spec, raw, frame) if p.format_spec else ""
                if not isinstance(spec, str) or not narrow_format(spec):
                    return UNKNOWN
                try:
                    out.append(format(v, spec))
                except (ValueError, TypeError):
                    return UNKNOWN
        return "".join(out)

    def comprehension(self, node: Any, frame: Frame) -> Any:
        results: List[Any] = []
        env = dict(frame.env)
        sub = Frame(frame.info, env, dict(frame.origins), frame.phase, fn=frame.fn)

        def run(clause: Optional[cst.CompFor]) -> bool:
            if clause is None:
                if isinstance(node, cst.DictComp):
                    results.append((self.eval(node.key, sub), self.eval(node.value, sub)))
                else:
                    results.append(self.eval(node.elt, sub))
                return True
            items = self.iterate(self.eval(clause.iter, sub))
            if items is None:
                return False
            for item in items[:MAX_LOOP]:
                self.tick()
                self.assign(clause.target, item, sub, None)
                keep = True
                for cond in clause.ifs:
                    t = _truth(self.eval(cond.test, sub))
                    if t is None:
                        return False
                    keep = keep and t
                if keep and not run(clause.inner_for_in):
                    return False
            return True

        if not run(node.for_in):
            return UNKNOWN
        if isinstance(node, cst.DictComp):
            return {k: v for k, v in results} if all(_plain(k) and not isinstance(k, (list, dict)) for k, _ in results) else UNKNOWN
        if isinstance(node, cst.SetComp):
            return _set_items(results)  # as a set display: a tuple of its distinct items
        return results if isinstance(node, cst.ListComp) else _Iter(tuple(results))

    def unary(self, node: cst.UnaryOperation, frame: Frame) -> Any:
        v = self.eval(node.expression, frame)
        if isinstance(node.operator, cst.Not):
            t = _truth(v)
            return UNKNOWN if t is None else not t
        if isinstance(v, Tensor):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool) or isinstance(v, bool):
            if isinstance(node.operator, cst.Minus):
                return -v
            if isinstance(node.operator, cst.Plus):
                return +v
            if isinstance(node.operator, cst.BitInvert) and isinstance(v, int):
                return ~v
        return UNKNOWN

    def boolop(self, node: cst.BooleanOperation, frame: Frame) -> Any:
        left = self.eval(node.left, frame)
        t = _truth(left)
        if isinstance(node.operator, cst.And):
            if t is False:
                return left
            right = self.eval(node.right, frame)
            if t is True:
                return right
            return merge_values([left, right])  # either operand: a value only if they agree
        if t is True:
            return left
        right = self.eval(node.right, frame)
        if t is False:
            return right
        return merge_values([left, right])

    def compare(self, node: cst.Comparison, frame: Frame) -> Any:
        left = self.eval(node.left, frame)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, frame)
            op = target.operator
            if isinstance(op, (cst.Is, cst.IsNot)):
                if right is None or left is None:
                    if left is UNKNOWN or right is UNKNOWN:
                        r: Any = UNKNOWN
                    else:
                        r = (left is None) == (right is None) if (left is None or right is None) else UNKNOWN
                    if isinstance(op, cst.IsNot) and r is not UNKNOWN:
                        r = not r
                elif isinstance(left, bool) and isinstance(right, bool):
                    r = (left is right) if isinstance(op, cst.Is) else (left is not right)
                else:
                    r = identical(left, right)
                    if isinstance(op, cst.IsNot) and r is not UNKNOWN:
                        r = not r
            elif isinstance(op, (cst.In, cst.NotIn)):
                left, right = unwrap(left), unwrap(right)
                searched = list(right.keys()) if isinstance(right, dict) else right  # a dict's values are never looked at
                if _plain(left) and _plain(searched) and isinstance(right, (list, tuple, dict, str)):
                    try:
                        r = left in right
                    except TypeError:
                        r = UNKNOWN
                    if isinstance(op, cst.NotIn) and r is not UNKNOWN:
                        r = not r
                elif isinstance(right, TorchNames) and isinstance(left, str):
                    r = torch_has(f"{right.qualname}.{left}")
                    if isinstance(op, cst.NotIn) and r is not UNKNOWN:
                        r = not r
                elif class_key(left) is not None and isinstance(right, (list, tuple)):
                    r = _contains_class(left, right)  # ``norm_layer in _NORM_ACT_TYPES``
                    if isinstance(op, cst.NotIn) and r is not UNKNOWN:
                        r = not r
                else:
                    r = UNKNOWN
            elif (isinstance(left, Tensor) or isinstance(right, Tensor)) and len(node.comparisons) == 1 and type(op) in _CMP:
                return self.tensor_compare(plain(unwrap(left)), plain(unwrap(right)), Site(frame.info, node))
            else:
                fn = _CMP.get(type(op))
                left, right = unwrap(left), unwrap(right)
                equality = type(op) in (cst.Equal, cst.NotEqual)
                if equality and isinstance(left, FuncRef) and isinstance(right, FuncRef):
                    r = (left == right) == isinstance(op, cst.Equal)
                elif equality and class_key(left) is not None and class_key(right) is not None:
                    r = same_class(left, right)
                    r = r if r is UNKNOWN else r == isinstance(op, cst.Equal)
                elif equality and (isinstance(left, EnumMember) or isinstance(right, EnumMember)):
                    r = identical(left, right)  # an Enum member equals only itself
                    r = r if r is UNKNOWN else r == isinstance(op, cst.Equal)
                elif isinstance(left, Sym) and isinstance(right, Sym) and type(op) in (cst.Equal, cst.NotEqual) and left == right:
                    r = isinstance(op, cst.Equal)
                elif fn is not None and _plain(left) and _plain(right):
                    try:
                        r = fn(left, right)
                    except TypeError:
                        r = UNKNOWN
                else:
                    r = UNKNOWN
            if r is False:
                return False
            if r is UNKNOWN:
                result = UNKNOWN
            left = right
        return result

    def binop(self, op: cst.BaseBinaryOp, left: Any, right: Any, site: Optional[Site]) -> Any:
        left, right = unwrap(left), unwrap(right)
        if isinstance(op, cst.BitOr) and _classinfo_part(left) and _classinfo_part(right):
            return (left if isinstance(left, tuple) else (left,)) + (right if isinstance(right, tuple) else (right,))  # int | str
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return self.tensor_binop(op, left, right, site)
        fn = _BINOPS.get(type(op))
        if isinstance(op, cst.Add) and type(left) is type(right) and isinstance(left, (list, tuple)):
            return left + right  # concatenation never looks inside the items
        if isinstance(op, cst.Multiply) and isinstance(left, (list, tuple)) and is_int(right) and 0 <= right <= MAX_LOOP:
            return left * right
        if fn is None or not (_plain(left) and _plain(right)):
            return UNKNOWN
        if isinstance(op, (cst.Power, cst.LeftShift)) and isinstance(right, (int, float)) and abs(right) > 64:
            return UNKNOWN
        if isinstance(op, cst.Modulo) and isinstance(left, str) and (not narrow_format(left) or "*" in left):
            return UNKNOWN  # ``"%99999999d" % x``
        if isinstance(op, cst.Multiply) and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            count = right if isinstance(right, int) else left
            if not isinstance(count, int) or count > MAX_LOOP:
                return UNKNOWN
        try:
            return fn(left, right)
        except (ArithmeticError, TypeError, ValueError, OverflowError):
            return UNKNOWN

    def tensor_binop(self, op: cst.BaseBinaryOp, left: Any, right: Any, site: Optional[Site]) -> Any:
        if isinstance(left, ConstTensor) or isinstance(right, ConstTensor):
            symbol = _ARRAY_OPS.get(type(op))
            other = right if isinstance(left, ConstTensor) else left
            if symbol is not None and (isinstance(other, (ConstTensor, int, float))):
                try:
                    return elementwise(symbol, left, right)
                except (Refused, ArithmeticError, ValueError, TypeError, OverflowError):
                    pass
            left, right = plain(left), plain(right)
        if isinstance(op, cst.MatrixMultiply):
            if not (isinstance(left, Tensor) and isinstance(right, Tensor)):
                return Tensor(None)
            res = matmul(left.shape, right.shape, "@")
            self.fail_result(res, site, "", left, right, label="the @")
            return Tensor(res.shape, "", _assumed(left, right) | _after(res))
        symbol = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/"}.get(type(op), "?")
        dtype = _binop_dtype(op, left, right)
        if isinstance(left, Tensor) and isinstance(right, Tensor):
            res = broadcast(left.shape, right.shape, symbol)
            self.fail_result(res, site, "", left, right, label=f"the {symbol}")
            return Tensor(res.shape, "", _assumed(left, right) | _after(res), dtype)
        tensor = left if isinstance(left, Tensor) else right
        other = right if tensor is left else left
        if isinstance(other, (int, float, bool)) and not isinstance(other, Sym):
            return tensor if dtype == tensor.dtype else Tensor(tensor.shape, tensor.note, tensor.assumed, dtype)
        return Tensor(None)

    def tensor_compare(self, left: Any, right: Any, site: Site) -> Any:
        """``a == b``, ``a < 0`` with a tensor: a bool tensor of the broadcast shape."""
        tensors = [v for v in (left, right) if isinstance(v, Tensor)]
        if not all(isinstance(v, Tensor) or (isinstance(v, (int, float)) and not isinstance(v, Sym)) for v in (left, right)):
            return UNKNOWN
        if len(tensors) == 1:
            return Tensor(tensors[0].shape, "", tensors[0].assumed, "bool")
        res = broadcast(left.shape, right.shape, "==")
        self.fail_result(res, site, "", left, right, label="the comparison")
        return Tensor(res.shape, "", _assumed(left, right) | _after(res), "bool")

    def subscript(self, node: cst.Subscript, frame: Frame) -> Any:
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "shape" and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            owner = self.eval(node.value.value, frame)
            if _rank_assumed(owner):  # x.shape[-1] of a seeded input: dims from the end are facts
                key = self.eval(node.slice[0].slice.value, frame)
                shape = owner.shape or ()
                return _dim_value(shape[key]) if is_int(key) and -len(shape) <= key < 0 else UNKNOWN
            base = self.getattr(owner, "shape")
        else:
            base = self.eval(node.value, frame)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            if isinstance(base, Tensor):
                return self.tensor_index(base, node, frame)
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
                return self.slice_value(base, node.slice[0].slice, frame)
            return UNKNOWN
        if isinstance(base, ConstTensor) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = self.eval(node.slice[0].slice.value, frame)
            try:
                return index(base, key)
            except Refused:
                base = plain(base)
        if isinstance(base, Tensor):
            return self.tensor_index(plain(base), node, frame)
        key = self.eval(node.slice[0].slice.value, frame)
        if isinstance(base, (list, tuple, str)) and is_int(key):
            try:
                return base[key]
            except IndexError:
                return UNKNOWN
        if isinstance(base, dict) and _plain(key) and not isinstance(key, (list, dict)):
            return base.get(key, UNKNOWN)
        if isinstance(base, ClassRef) and isinstance(key, str) and self.class_kind(base) == "enum":
            return self.enum_members(base).get(key, UNKNOWN)  # Color["RED"]
        if isinstance(base, ModuleObj) and base.members_known and (base.kind in ("sequential", "modulelist") or base.container in ("sequential", "modulelist")) and is_int(key):
            children = list(base.children.values())
            try:
                return children[key]
            except IndexError:
                return UNKNOWN
        if isinstance(base, ModuleObj) and (base.kind == "moduledict" or base.container == "moduledict") and isinstance(key, str):
            return base.children.get(key, UNKNOWN)
        return UNKNOWN

    def slice_value(self, base: Any, sl: cst.Slice, frame: Frame) -> Any:
        parts = [self.eval(p, frame) if p is not None else None for p in (sl.lower, sl.upper, sl.step)]
        if not all(p is None or is_int(p) for p in parts):
            return UNKNOWN
        s = slice(*parts)
        if isinstance(base, (list, tuple, str)):
            return base[s]
        if isinstance(base, ModuleObj) and base.is_sequential and base.members_known:
            sub = ModuleObj("Sequential", "sequential", site=base.site)
            for k in list(base.children.keys())[s]:
                sub.children[k] = base.children[k]
            return sub
        return UNKNOWN

    def tensor_index(self, t: Tensor, node: cst.Subscript, frame: Frame) -> Any:
        """Basic indexing: ints drop a dim, slices keep it, None adds one; the items after
        an ``...`` count from the end.  With an assumed rank only those are facts."""
        if t.shape is None:
            return Tensor(None)
        items = [el.slice for el in node.slice]
        ell = [i for i, s in enumerate(items) if isinstance(s, cst.Index) and isinstance(s.value, cst.Ellipsis)]
        if len(ell) > 1:
            return Tensor(None)
        pre = {id(s): self.eval(s.value, frame) for s in items if isinstance(s, cst.Index) and not isinstance(s.value, cst.Ellipsis)}
        if any(isinstance(v, (Tensor, list)) for v in pre.values()):
            return self.advanced_index(t, items, pre)
        before, after = (items[: ell[0]], items[ell[0] + 1:]) if ell else (items, [])
        dims = list(t.shape)
        front = self.index_dims(before, dims, frame, pre)
        if front is None:
            return Tensor(None)
        n_after = sum(1 for s in after if not (isinstance(s, cst.Index) and isinstance(s.value, cst.Name) and s.value.value == "None"))
        if "last" in t.assumed and front[1]:
            return Tensor(None)  # only the last dim is known: a dim counted from the front could be any
        if front[1] + n_after > len(dims):
            return Tensor(None)
        back = self.index_dims(after, dims[len(dims) - n_after:], frame, pre) if after else ([], 0)
        if back is None:
            return Tensor(None)
        middle = dims[front[1]: len(dims) - n_after] if ell else dims[front[1]:]
        return Tensor(tuple(front[0]) + tuple(middle) + tuple(back[0]), "", t.assumed, t.dtype)

    def advanced_index(self, t: Tensor, items: List[Any], pre: Dict[int, Any]) -> Tensor:
        """``table[idx]``, ``x[:, mask]``: one index tensor among full slices (and one ``...``).
        An integer index puts its own shape in place of the dim it indexes; a bool mask of
        rank k puts one dim of data-dependent size (unknown) in place of the k it covers.
        Anything else (several index tensors, a dtype not known) is not followed."""
        if t.shape is None or t.assumed & RANK_FLAGS:
            return Tensor(None)
        idx: Optional[Tensor] = None
        consumed: List[int] = []  # dims each item covers, None for the ellipsis
        where = -1
        for i, s in enumerate(items):
            if isinstance(s, cst.Slice) and s.lower is None and s.upper is None and s.step is None:
                consumed.append(1)
            elif isinstance(s, cst.Index) and isinstance(s.value, cst.Ellipsis):
                consumed.append(-1)
            elif isinstance(s, cst.Index) and idx is None and isinstance(pre.get(id(s)), (Tensor, list)):
                v = pre[id(s)]
                if isinstance(v, list):  # a list of ints indexes as an int64 tensor
                    if not v or not all(is_int(e) for e in v):
                        return Tensor(None)
                    v = Tensor((len(v),), dtype="int64")
                idx, where = plain(v), i
                if idx.shape is None or idx.assumed & RANK_FLAGS or not (idx.dtype in INTEGER_DTYPES - {"uint8"} or idx.dtype == "bool"):  # uint8 masks, deprecated
                    return Tensor(None)
                consumed.append(len(idx.shape) if idx.dtype == "bool" else 1)
            else:
                return Tensor(None)
        assert idx is not None and idx.shape is not None
        dims = list(t.shape)
        fixed = sum(c for c in consumed if c >= 0)
        if fixed > len(dims):
            return Tensor(None)  # too many indices: torch raises, not ours to report
        ell = consumed.index(-1) if -1 in consumed else len(consumed)
        start = sum(c for c in consumed[:where]) if where < ell else len(dims) - sum(consumed[where:])
        inserted = tuple(idx.shape) if idx.dtype != "bool" else (None,)
        shape = tuple(dims[:start]) + inserted + tuple(dims[start + consumed[where]:])
        return Tensor(shape, "", t.assumed | idx.assumed, t.dtype)

    def index_dims(self, items: List[Any], dims: List[Any], frame: Frame, pre: Dict[int, Any]) -> Optional[tuple]:
        """The dims ``items`` leave from the front of ``dims``, and how many they consume
        (``pre``: the index values, evaluated once)."""
        out: List[Any] = []
        pos = 0
        for s in items:
            if isinstance(s, cst.Index):
                v = pre[id(s)]
                if v is None:
                    out.append(1)
                    continue
                if not is_int(v) or pos >= len(dims):
                    return None  # a tensor or unknown index: advanced indexing
                pos += 1
            elif isinstance(s, cst.Slice):
                if pos >= len(dims):
                    return None
                if s.lower is None and s.upper is None and s.step is None:
                    out.append(dims[pos])
                else:
                    parts = [self.eval(p, frame) if p is not None else None for p in (s.lower, s.upper, s.step)]
                    size = dims[pos]
                    if is_int(size) and all(p is None or is_int(p) for p in parts) and (parts[2] is None or parts[2] > 0):
                        out.append(len(range(size)[slice(*parts)]))
                    else:
                        out.append(None)  # torch refuses a step below 1; that is not ours to report
                pos += 1
            else:
                return None
        return out, pos

    def layer_parameter(self, obj: ModuleObj, name: str) -> Any:
        """A torch layer's ``weight`` / ``bias``: a tensor (of the shape the algebra gives, or
        unknown) when the layer certainly has it, ``None`` when ``bias=False``, else unknown."""
        assert obj.spec is not None and obj.cfg is not None
        n = obj.spec.params(obj.cfg)
        if name == "bias" and obj.cfg.values.get("bias") is False:
            return None
        if not (isinstance(n, int) and n > 0):
            return UNKNOWN
        if name == "bias" and obj.cfg.values.get("bias") is not True:
            return UNKNOWN
        shape = obj.spec.weights(obj.cfg).get(name)  # known for convs and Linear
        return Tensor(None if shape is None else tuple(shape))

    def getattr(self, obj: Any, name: str) -> Any:
        if obj is UNKNOWN:
            return UNKNOWN
        if type(obj) is ModuleObj:  # the most common (``self.conv``), and of none of the classes below
            if name in obj.children:
                return obj.children[name]
            if name in obj.attrs:
                return obj.attrs[name]
            if name in obj.parameters:
                return Tensor(obj.parameters[name].shape)
            if obj.cls is not None:
                method = self.find_method(obj.cls, name)
                if method is not None:
                    kind = _method_kind(method)
                    if is_property(method):
                        return self.call_function(method, [obj], {}, None, "forward")
                    if kind == "static":
                        return method
                    return BoundMethod(obj.cls if kind == "class" else obj, method)
                kind, value = self.class_member(obj.cls, name)
                value = value if kind == "value" else UNKNOWN
                if value is not UNKNOWN:
                    return value
            if obj.spec is not None and obj.cfg is not None and name in ("weight", "bias"):
                return self.layer_parameter(obj, name)
            if obj.cfg is not None and name in obj.cfg.values:  # a torch layer's attributes
                v = obj.cfg.values[name]
                return UNKNOWN if v is UNKNOWN else v
            if name in MODULE_METHODS:
                return BoundMethod(obj, name)
            if name == "training":
                return self.training
            return UNKNOWN
        if name in ("__name__", "__qualname__") and isinstance(obj, (TorchRef, ClassRef, FuncRef)):
            return obj.qualname.rsplit(".", 1)[-1] if isinstance(obj, TorchRef) else obj.name
        if isinstance(obj, TorchRef):
            qual = f"{obj.qualname}.{name}"
            return CONSTANTS[qual] if qual in CONSTANTS else TorchRef(qual)
        if isinstance(obj, PyValue):
            return obj.attribute(name)
        if isinstance(obj, Tensor):
            if name in ("shape", "ndim") and obj.assumed:
                self.shape_doubt = True  # SHP009 reports no assert that reads a shape resting on an assumption
            if obj.shape is None or _rank_assumed(obj):  # an assumed rank is no fact: x.shape[-1] is read in subscript
                return UNKNOWN if name in ("shape", "ndim") else Tensor(None) if name in ("T", "mT") else BoundMethod(obj, name)
            if name == "shape":
                return tuple(_dim_value(d) for d in obj.shape)
            if name == "ndim":
                return len(obj.shape)
            if name == "T":
                return Tensor(tuple(reversed(obj.shape)), "", obj.assumed)
            return BoundMethod(obj, name)
        if isinstance(obj, ModuleRef):
            return self.member(obj.info, name)
        if isinstance(obj, Partial):
            return {"func": obj.func, "args": obj.args, "keywords": dict(obj.kwargs)}.get(name, UNKNOWN)
        if isinstance(obj, ClassRef):
            return self.class_attr_value(obj, name)
        if isinstance(obj, Struct) and name in obj.fields:
            return obj[obj.fields.index(name)]
        if isinstance(obj, Instance):
            return self.instance_attr(obj, name)
        if isinstance(obj, EnumMember):
            return self.enum_attr(obj, name)
        if isinstance(obj, Record):
            return self.record_attr(obj, name)
        if isinstance(obj, TupleType):
            return {"_fields": obj.fields, "__name__": obj.name}.get(name, UNKNOWN)
        if isinstance(obj, (list, dict, str, tuple)):
            return BoundMethod(obj, name)
        return UNKNOWN
