"""Which files may define a torch module, decided before libcst parses them.

A file without a ``class`` statement defines no model.  A file that never mentions
``torch`` may still subclass a project's own base (``from .base import Block``), so its
top-level classes' bases are followed on Python's own tree (ten times faster than
libcst's) through the project's files: a file is skipped only when every base chain ends
in builtins or the standard library.  Anything not followed (a call as a base, a name from
a star import, a library not found) counts as a possible module: a skipped file must be
one that cannot produce a finding.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from pathlib import Path

from .parse import read_source
from .roots import Roots, absolute, package_of

CLASS = re.compile(r"^[ \t]*class\s", re.MULTILINE)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"abc", "typing", "enum", "collections", "dataclasses", "types"}
_BUILTINS = frozenset(dir(builtins))
_NOT_MODULES = ("torch.utils.data.", "torch.optim.", "torch.autograd.")
_DEPTH = 12  # base chains followed this deep; deeper ones count as possible modules


class _Summary:
    """What base-following needs of one file: its classes' bases and its imports."""

    def __init__(self, tree: ast.Module, path: Path | None) -> None:
        self.path = path.resolve() if path is not None else None
        self.kept = False  # cached by the prefilter (as long as the index keeps its parsed modules)
        _, name = package_of(self.path) if self.path is not None else (None, "")
        self.package = name if self.path is not None and self.path.stem == "__init__" else name.rpartition(".")[0]
        self.classes: dict[str, list[ast.expr]] = {}  # a class's bases; an alias's value
        self.imports: dict[str, list[str]] = {}  # local name -> dotted names it may stand for
        self.stars = False
        self._collect(tree.body)

    def _collect(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                self.classes.setdefault(stmt.name, []).extend(stmt.bases)
            elif isinstance(stmt, ast.Assign):  # ``Alias = Base``: the class it names (any value: followed as a base)
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.classes.setdefault(target.id, []).append(stmt.value)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports.setdefault(local, []).append(alias.name if alias.asname else local)
            elif isinstance(stmt, ast.ImportFrom):
                base = absolute("." * stmt.level + (stmt.module or ""), self.package)
                for alias in stmt.names:
                    if alias.name == "*":
                        self.stars = True
                    elif base:
                        self.imports.setdefault(alias.asname or alias.name, []).append(f"{base}.{alias.name}")
            elif isinstance(stmt, (ast.If, ast.Try)):  # ``try: from x import A except: A = ...``
                blocks = [stmt.body, stmt.orelse] + ([h.body for h in stmt.handlers] + [stmt.finalbody] if isinstance(stmt, ast.Try) else [])
                for block in blocks:
                    self._collect(block)


def _dotted(node: ast.expr) -> str | None:
    while isinstance(node, ast.Subscript):  # ``Generic[T]``: the class subscripted
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


class Prefilter:
    """Per index (or bare roots, before any file is parsed): file summaries and answers,
    so each base module is read once."""

    def __init__(self, index: Roots) -> None:
        self.index = index
        self._summaries: dict[Path, _Summary | None] = {}
        self._answers: dict[tuple[Path, str], bool] = {}

    def may_define_module(self, path: Path | None, source: str, tree: ast.Module | None) -> bool:
        """False only for a file that cannot define a torch module (no finding can come of it)."""
        if not CLASS.search(source):
            return False
        if "torch" in source or tree is None:
            return True
        root = package_of(path)[0] if path is not None else None
        summary = _Summary(tree, path)
        return any(self._base(summary, base, root, 0) for stmt in tree.body if isinstance(stmt, ast.ClassDef) for base in stmt.bases)

    def _base(self, summary: _Summary, node: ast.expr, root: Path | None, depth: int) -> bool:
        """Whether the class ``node`` names in ``summary``'s file may be a torch module."""
        dotted = _dotted(node)
        if dotted is None or depth > _DEPTH:
            return True
        return self._name(summary, dotted, root, depth)

    def _name(self, summary: _Summary, dotted: str, root: Path | None, depth: int) -> bool:
        if summary.path is None or not summary.kept:  # the checked file's own: its text may change between checks
            return self._follow(summary, dotted, root, depth)
        key = (summary.path, dotted)
        if key not in self._answers:
            self._answers[key] = True  # while it is decided (a cycle of bases): possibly a module
            self._answers[key] = self._follow(summary, dotted, root, depth)
        return self._answers[key]

    def _follow(self, summary: _Summary, dotted: str, root: Path | None, depth: int) -> bool:
        head, _, rest = dotted.partition(".")
        defined, imported = head in summary.classes and not rest, head in summary.imports
        if defined or imported:  # bound on several branches (``try: import ... except: class ...``): any of them
            return (defined and any(self._base(summary, b, root, depth + 1) for b in summary.classes[head])) or (
                imported and any(self._qualified(f"{target}.{rest}" if rest else target, root, depth + 1) for target in summary.imports[head]))
        return head not in _BUILTINS or summary.stars  # from a star import, or not defined: not followed

    def _qualified(self, qual: str, root: Path | None, depth: int) -> bool:
        """``pkg.mod.Name``: found in the file of the longest module prefix that exists."""
        parts = qual.split(".")
        if parts[0] == "torch":  # its datasets, optimizers and autograd functions are not modules
            return not qual.startswith(_NOT_MODULES)
        for i in range(len(parts) - 1, 0, -1):
            where = self.index.locate(".".join(parts[:i]), root)
            if where is None:
                continue
            summary = self._summary(where[0])
            if summary is None:
                return True
            return self._name(summary, ".".join(parts[i:]), root, depth)
        return parts[0] not in _STDLIB  # else from a library that is not installed where we look

    def _summary(self, path: Path) -> _Summary | None:
        key = path.resolve()
        if key not in self._summaries:
            try:
                tree = ast.parse(read_source(key))
            except Exception:  # noqa: BLE001 - unreadable, too big, not Python: its classes may be modules
                self._summaries[key] = None
                return None
            summary = _Summary(tree, key)
            summary.kept = True
            self._summaries[key] = summary
        return self._summaries[key]


def prefilter(index: Roots) -> Prefilter:
    """The index's prefilter (let go with the index)."""
    found = index.memo.get("prefilter")
    if not isinstance(found, Prefilter):
        found = index.memo["prefilter"] = Prefilter(index)
    return found


__all__ = ["CLASS", "Prefilter", "prefilter"]
