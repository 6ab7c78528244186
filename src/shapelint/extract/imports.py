"""Resolve names in a module to torch's qualified names, through its imports."""

from __future__ import annotations

from typing import Dict, Optional

import libcst as cst


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` as a string, or None for anything that is not a plain name chain."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


class ImportTable:
    """Local name -> qualified name, from a module's top-level (and nested) imports."""

    def __init__(self) -> None:
        self.names: Dict[str, str] = {}

    @classmethod
    def of(cls, module: cst.Module) -> "ImportTable":
        table = cls()
        module.visit(_Collector(table))
        return table

    def resolve(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name an expression refers to, if it is an imported name chain."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.names.get(head)
        if base is None:
            return None
        return f"{base}.{rest}" if rest else base


class _Collector(cst.CSTVisitor):
    def __init__(self, table: ImportTable) -> None:
        self.table = table

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None:
                self.table.names[_module_name(alias.asname.name)] = full
            else:  # ``import torch.nn`` binds ``torch``
                head = full.split(".")[0]
                self.table.names[head] = head

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = _module_name(node.module)
        for alias in node.names:
            name = _module_name(alias.name)
            local = _module_name(alias.asname.name) if alias.asname is not None else name
            self.table.names[local] = f"{base}.{name}"
