"""From a parsed module to model IR: the nn.Module classes and their layer trees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

import libcst as cst

from ..layers import UNKNOWN, Bound, Failure, Layer, lookup
from .consts import evaluate
from .imports import ImportTable

MODULE_BASES = {"torch.nn.Module", "torch.nn.modules.module.Module"}
SEQUENTIAL = {"torch.nn.Sequential", "torch.nn.modules.container.Sequential"}


@dataclass
class LayerNode:
    """One module in the tree, named as torch's ``named_modules()`` names it."""

    name: str
    type_name: str
    call: cst.Call
    spec: Optional[Layer] = None
    cfg: Optional[Bound] = None
    bind_failure: Optional[Failure] = None
    arg_nodes: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    children: List["LayerNode"] = field(default_factory=list)
    sequential: bool = False


@dataclass
class ModelDef:
    name: str
    node: cst.ClassDef
    layers: Dict[str, LayerNode]
    forward: Optional[cst.FunctionDef]


def find_models(module: cst.Module, imports: ImportTable) -> List[ModelDef]:
    models = []
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef) and _is_module_class(stmt, imports):
            models.append(_model(stmt, imports))
    return models


def _is_module_class(cls: cst.ClassDef, imports: ImportTable) -> bool:
    return any(imports.resolve(base.value) in MODULE_BASES for base in cls.bases)


def _method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return None
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return stmt
    return None


def _model(cls: cst.ClassDef, imports: ImportTable) -> ModelDef:
    layers: Dict[str, LayerNode] = {}
    init = _method(cls, "__init__")
    if init is not None:
        for target, value in _self_assignments(init):
            node = build_layer(target, value, imports)
            if node is not None:
                layers[target] = node
            else:
                layers.pop(target, None)  # reassigned to something we do not follow
    return ModelDef(cls.name.value, cls, layers, _method(cls, "forward"))


def _self_assignments(fn: cst.FunctionDef) -> List[Tuple[str, cst.BaseExpression]]:
    """``self.x = value`` statements at the top level of a method body."""
    out = []
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if (
                    isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value == "self"
                ):
                    out.append((target.attr.value, small.value))
    return out


def build_layer(name: str, value: cst.BaseExpression, imports: ImportTable, env: Dict[str, Any] = {}) -> Optional[LayerNode]:
    """A LayerNode for a constructor call of a known layer or an ``nn.Sequential``."""
    if not isinstance(value, cst.Call):
        return None
    qual = imports.resolve(value.func)
    if qual is None:
        return None
    type_name = qual.rsplit(".", 1)[1]
    if qual in SEQUENTIAL:
        node = LayerNode(name, type_name, value, sequential=True)
        for i, arg in enumerate(value.args):
            child = build_layer(f"{name}.{i}", arg.value, imports, env) if not arg.star and arg.keyword is None else None
            if child is None:
                child = LayerNode(f"{name}.{i}", _type_of(arg.value, imports), value)  # not understood
            node.children.append(child)
        return node
    spec = lookup(qual)
    if spec is None or spec.functional:
        return LayerNode(name, type_name, value) if qual.startswith("torch.") else None
    args: List[Any] = []
    kwargs: Dict[str, Any] = {}
    arg_nodes: Dict[str, cst.BaseExpression] = {}
    positional = [p.name for p in spec.signature if not p.kw_only]
    for arg in value.args:
        if arg.star:  # *args / **kwargs: we cannot tell what binds where
            return LayerNode(name, type_name, value, spec)
        v = evaluate(arg.value, env)
        if arg.keyword is None:
            if len(args) < len(positional):
                arg_nodes[positional[len(args)]] = arg.value
            args.append(v)
        else:
            arg_nodes[arg.keyword.value] = arg.value
            kwargs[arg.keyword.value] = v
    bound: Union[Bound, Failure] = spec.bind(args, kwargs)
    if isinstance(bound, Failure):
        return LayerNode(name, type_name, value, spec, None, bound, arg_nodes)
    return LayerNode(name, type_name, value, spec, bound, None, arg_nodes)


def _type_of(value: cst.BaseExpression, imports: ImportTable) -> str:
    if isinstance(value, cst.Call):
        qual = imports.resolve(value.func)
        if qual:
            return qual.rsplit(".", 1)[1]
    return "?"


__all__ = ["LayerNode", "ModelDef", "find_models", "build_layer", "UNKNOWN"]
