"""Expressions: literals, operators, comparisons, comprehensions, subscripts, attributes."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst

from ..layers import UNKNOWN
from ..layers.core import is_int
from ..layers.tensor import broadcast
from .classes import MODULE_METHODS
from .common import _BINOPS, _CMP, MAX_LOOP, Frame, Sym, _after, _assumed, _dim_value, _Iter, _method_kind, _plain, _rank_assumed, _truth, merge_values
from .values import BoundMethod, ClassRef, FuncRef, ModuleObj, ModuleRef, Partial, Site, Tensor, TorchRef


class Expressions:
    """Evaluates expressions to values."""

    def eval(self, node: cst.BaseExpression, frame: Frame) -> Any:
        self.tick()
        if isinstance(node, cst.Name):
            return self.lookup_name(node.value, frame)
        if isinstance(node, cst.Integer):
            return int(node.value.replace("_", ""), 0)
        if isinstance(node, cst.Float):
            return float(node.value.replace("_", ""))
        if isinstance(node, cst.Imaginary):
            return UNKNOWN
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return self.string(node)
        if isinstance(node, cst.FormattedString):
            return self.fstring(node, frame)
        if isinstance(node, cst.Attribute):
            return self.getattr(self.eval(node.value, frame), node.attr.value)
        if isinstance(node, cst.Call):
            return self.eval_call(node, frame)
        if isinstance(node, cst.Subscript):
            return self.subscript(node, frame)
        if isinstance(node, cst.BinaryOperation):
            return self.binop(node.operator, self.eval(node.left, frame), self.eval(node.right, frame), Site(frame.info, node))
        if isinstance(node, cst.UnaryOperation):
            return self.unary(node, frame)
        if isinstance(node, cst.BooleanOperation):
            return self.boolop(node, frame)
        if isinstance(node, cst.Comparison):
            return self.compare(node, frame)
        if isinstance(node, cst.IfExp):
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
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            items: List[Any] = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    inner = self.iterate(self.eval(el.value, frame))
                    if inner is None:
                        return UNKNOWN
                    items.extend(inner)
                else:
                    items.append(self.eval(el.value, frame))
            if isinstance(node, cst.Tuple):
                return tuple(items)
            return items if isinstance(node, cst.List) else UNKNOWN
        if isinstance(node, cst.Dict):
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
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            return self.comprehension(node, frame)
        if isinstance(node, cst.NamedExpr):
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
        parts: List[str] = []
        for p in node.parts:
            if isinstance(p, cst.FormattedStringText):
                parts.append(p.value)
            elif isinstance(p, cst.FormattedStringExpression):
                v = self.eval(p.expression, frame)
                if not isinstance(v, (int, float, str)) or p.format_spec or p.conversion:
                    return UNKNOWN
                parts.append(str(v))
        return "".join(parts)

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
            return UNKNOWN
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
                    r = UNKNOWN
            elif isinstance(op, (cst.In, cst.NotIn)):
                keys = list(right.keys()) if isinstance(right, dict) else right  # a dict's values play no part
                if _plain(left) and _plain(keys) and isinstance(right, (list, tuple, dict, str)):
                    try:
                        r = left in right
                    except TypeError:
                        r = UNKNOWN
                    if isinstance(op, cst.NotIn) and r is not UNKNOWN:
                        r = not r
                else:
                    r = UNKNOWN
            else:
                fn = _CMP.get(type(op))
                refs = (TorchRef, ClassRef, FuncRef)
                if type(op) in (cst.Equal, cst.NotEqual) and isinstance(left, refs) and isinstance(right, refs):
                    r = (left == right) == isinstance(op, cst.Equal)
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
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return self.tensor_binop(op, left, right, site)
        fn = _BINOPS.get(type(op))
        if isinstance(op, cst.Add) and type(left) is type(right) and isinstance(left, (list, tuple)):
            return left + right  # concatenation never looks inside the items
        if isinstance(op, cst.Multiply) and isinstance(left, (list, tuple)) and is_int(right) and 0 <= right <= MAX_LOOP:
            return left * right
        if fn is None or not (_plain(left) and _plain(right)):
            return UNKNOWN
        if isinstance(op, cst.Power) and isinstance(right, (int, float)) and abs(right) > 64:
            return UNKNOWN
        if isinstance(op, cst.Multiply) and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            count = right if isinstance(right, int) else left
            if not isinstance(count, int) or count > MAX_LOOP:
                return UNKNOWN
        try:
            return fn(left, right)
        except (ArithmeticError, TypeError, ValueError, OverflowError):
            return UNKNOWN

    def tensor_binop(self, op: cst.BaseBinaryOp, left: Any, right: Any, site: Optional[Site]) -> Any:
        if isinstance(op, cst.MatrixMultiply):
            return Tensor(None)
        symbol = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/"}.get(type(op), "?")
        if isinstance(left, Tensor) and isinstance(right, Tensor):
            res = broadcast(left.shape, right.shape, symbol)
            self.fail(res.failure, site, "", left, right)
            return Tensor(res.shape, "", _assumed(left, right) | _after(res))
        tensor = left if isinstance(left, Tensor) else right
        other = right if tensor is left else left
        if isinstance(other, (int, float, bool)) and not isinstance(other, Sym):
            return tensor
        return Tensor(None)

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
        if isinstance(base, Tensor):
            return self.tensor_index(base, node, frame)
        key = self.eval(node.slice[0].slice.value, frame)
        if isinstance(base, (list, tuple, str)) and is_int(key):
            try:
                return base[key]
            except IndexError:
                return UNKNOWN
        if isinstance(base, dict) and _plain(key) and not isinstance(key, (list, dict)):
            return base.get(key, UNKNOWN)
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
        before, after = (items[: ell[0]], items[ell[0] + 1:]) if ell else (items, [])
        dims = list(t.shape)
        front = self.index_dims(before, dims, frame)
        if front is None:
            return Tensor(None)
        n_after = sum(1 for s in after if not (isinstance(s, cst.Index) and isinstance(s.value, cst.Name) and s.value.value == "None"))
        if "last" in t.assumed and front[1]:
            return Tensor(None)  # only the last dim is known: a dim counted from the front could be any
        if front[1] + n_after > len(dims):
            return Tensor(None)
        back = self.index_dims(after, dims[len(dims) - n_after:], frame) if after else ([], 0)
        if back is None:
            return Tensor(None)
        middle = dims[front[1]: len(dims) - n_after] if ell else dims[front[1]:]
        return Tensor(tuple(front[0]) + tuple(middle) + tuple(back[0]), "", t.assumed)

    def index_dims(self, items: List[Any], dims: List[Any], frame: Frame) -> Optional[tuple]:
        """The dims ``items`` leave from the front of ``dims``, and how many they consume."""
        out: List[Any] = []
        pos = 0
        for s in items:
            if isinstance(s, cst.Index):
                v = self.eval(s.value, frame)
                if v is None:
                    out.append(1)
                    continue
                if not is_int(v) or pos >= len(dims):
                    return None
                pos += 1
            elif isinstance(s, cst.Slice):
                if pos >= len(dims):
                    return None
                if s.lower is None and s.upper is None and s.step is None:
                    out.append(dims[pos])
                else:
                    parts = [self.eval(p, frame) if p is not None else None for p in (s.lower, s.upper, s.step)]
                    size = dims[pos]
                    if is_int(size) and all(p is None or is_int(p) for p in parts):
                        out.append(len(range(size)[slice(*parts)]))
                    else:
                        out.append(None)
                pos += 1
            else:
                return None
        return out, pos

    def layer_parameter(self, obj: ModuleObj, name: str) -> Any:
        """A torch layer's ``weight`` / ``bias``: a tensor of unknown shape when the layer
        certainly has it, ``None`` when ``bias=False``, else unknown."""
        assert obj.spec is not None and obj.cfg is not None
        n = obj.spec.params(obj.cfg)
        if name == "bias" and obj.cfg.values.get("bias") is False:
            return None
        if not (isinstance(n, int) and n > 0):
            return UNKNOWN
        if name == "bias" and obj.cfg.values.get("bias") is not True:
            return UNKNOWN
        return Tensor(None)

    def getattr(self, obj: Any, name: str) -> Any:
        if obj is UNKNOWN:
            return UNKNOWN
        if isinstance(obj, TorchRef):
            return TorchRef(f"{obj.qualname}.{name}")
        if isinstance(obj, ModuleObj):
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
                    if kind == "static":
                        return method
                    return BoundMethod(obj.cls if kind == "class" else obj, method)
                value = self.class_attr(obj.cls, name)
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
        if isinstance(obj, Tensor):
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
            value = self.global_value(obj.info, name)
            if value is UNKNOWN:  # a submodule: ``from proj import layers``; ``layers.blocks``
                sub = self.index.module(f"{obj.info.name}.{name}") if obj.info.name else None
                return ModuleRef(sub) if sub is not None else UNKNOWN
            return value
        if isinstance(obj, Partial):
            return {"func": obj.func, "args": obj.args, "keywords": dict(obj.kwargs)}.get(name, UNKNOWN)
        if isinstance(obj, ClassRef):
            method = self.find_method(obj, name)
            if method is not None:
                return BoundMethod(obj, method) if _method_kind(method) == "class" else method
            return self.class_attr(obj, name)
        if isinstance(obj, (list, dict, str, tuple)):
            return BoundMethod(obj, name)
        return UNKNOWN
