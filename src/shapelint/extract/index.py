"""The project index: each file parsed once, its imports and top-level names.

A file's package is found by walking up while ``__init__.py`` exists (as mypy does),
so relative imports resolve, and absolute ones resolve under the same roots.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..extract.imports import dotted


def package_of(path: Path) -> Tuple[Path, str]:
    """(root folder, dotted module name) for a file."""
    path = path.resolve()
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


class ModuleInfo:
    """One parsed file: its CST, positions, imports and top-level definitions."""

    def __init__(self, path: Optional[Path], source: str, module: cst.Module, name: str) -> None:
        self.path = path
        self.filename = str(path) if path is not None else "<source>"
        self.source = source
        self.module = module
        self.name = name  # dotted module name ("" when unknown)
        self.is_package = path is not None and path.stem == "__init__"
        self._positions = None
        self._class_lines: Optional[Dict[str, Tuple[int, int]]] = None
        self.imports: Dict[str, str] = {}
        self.defs: Dict[str, cst.CSTNode] = {}  # classes, functions, top-level assignment values
        self.globals: Dict[str, object] = {}  # evaluated lazily by the interpreter
        self.scans: Dict[Tuple[str, int], Tuple[cst.CSTNode, object]] = {}  # syntax facts the interpreter asks once per node
        # names bound more than once where one binding is inside a top-level if/try: which
        # one holds depends on the condition (``try: import apex ... except: X = ...``)
        self.undecided: set = set()
        self._bound: Dict[str, int] = {}
        self._in_branch: set = set()
        self._collect()
        self.undecided = {n for n in self._in_branch if self._bound.get(n, 0) > 1}

    @property
    def positions(self):
        if self._positions is None:
            self._positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self._positions

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def class_lines(self, name: str) -> Tuple[int, int]:
        """(line of ``class``, first line including decorators) of a top-level class.

        From Python's own parser: resolving libcst positions means generating the whole
        file's code again, which a clean run should not pay for.
        """
        if self._class_lines is None:
            self._class_lines = {}
            try:
                tree = ast.parse(self.source)
            except (SyntaxError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])
            for stmt in tree.body:
                if isinstance(stmt, ast.ClassDef):
                    first = min([stmt.lineno] + [d.lineno for d in stmt.decorator_list])
                    self._class_lines[stmt.name] = (stmt.lineno, first)
        return self._class_lines.get(name, (1, 1))

    def _collect(self) -> None:
        for stmt in self.module.body:
            self._collect_def(stmt)

    def _import(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None:
                    self.imports[dotted(alias.asname.name) or ""] = full
                else:  # ``import torch.nn`` binds ``torch``
                    head = full.split(".")[0]
                    self.imports[head] = head
        elif isinstance(node, cst.ImportFrom):
            base = dotted(node.module) if node.module is not None else ""
            if node.relative:
                package = self.name if self.is_package else self.name.rpartition(".")[0]
                pkg = package.split(".") if package else []
                up = len(node.relative) - 1
                if up > len(pkg):
                    return
                pkg = pkg[: len(pkg) - up] if up else pkg
                base = ".".join(pkg + ([base] if base else []))
            if base is None or isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = dotted(alias.name) or ""
                local = (dotted(alias.asname.name) if alias.asname is not None else name) or ""
                self.imports[local] = f"{base}.{name}" if base else name

    def _bind(self, name: str, branch: bool) -> None:
        self._bound[name] = self._bound.get(name, 0) + 1
        if branch:
            self._in_branch.add(name)

    def _collect_def(self, stmt: cst.CSTNode, branch: bool = False) -> None:
        """Top-level definitions and imports (also inside top-level ``if``/``try``)."""
        if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            self.defs[stmt.name.value] = stmt
            self._bind(stmt.name.value, branch)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                before = dict(self.imports)
                self._import(small)
                for name, qual in self.imports.items():
                    if before.get(name) != qual:
                        self._bind(name, branch)
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            self.defs[t.target.value] = small.value
                            self._bind(t.target.value, branch)
                elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
                    self.defs[small.target.value] = small.value
                    self._bind(small.target.value, branch)
        elif isinstance(stmt, (cst.If, cst.Try)):
            blocks = [stmt.body]
            if isinstance(stmt, cst.Try):
                blocks += [h.body for h in stmt.handlers]
            elif isinstance(stmt.orelse, cst.Else):
                blocks.append(stmt.orelse.body)
            for block in blocks:
                for inner in block.body if isinstance(block, cst.IndentedBlock) else []:
                    self._collect_def(inner, True)


class ProjectIndex:
    """Parses files on demand, once each, and finds modules by dotted name."""

    def __init__(self, roots: Optional[List[Path]] = None) -> None:
        self.roots: List[Path] = list(roots or [])
        self._by_path: Dict[Path, Optional[ModuleInfo]] = {}
        self._by_name: Dict[str, Optional[ModuleInfo]] = {}

    def add_root(self, root: Path) -> None:
        if root not in self.roots:
            self.roots.append(root)

    def load(self, path: Path, source: Optional[str] = None) -> Optional[ModuleInfo]:
        """The parsed file, or None when it cannot be read or parsed."""
        key = path.resolve()
        if key in self._by_path:
            return self._by_path[key]
        try:
            text = source if source is not None else key.read_text(encoding="utf-8")
            return self.add(path, text, cst.parse_module(text))
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError):
            self._by_path[key] = None
            return None

    def add(self, path: Path, source: str, module: cst.Module) -> ModuleInfo:
        """Register a file parsed elsewhere (each file is parsed once)."""
        key = path.resolve()
        known = self._by_path.get(key)
        if known is not None:
            return known
        root, name = package_of(key)
        self.add_root(root)
        info = ModuleInfo(path, source, module, name)
        self._by_path[key] = info
        if info.name:
            self._by_name.setdefault(info.name, info)
        return info

    def module(self, dotted_name: str) -> Optional[ModuleInfo]:
        """A project module by its dotted name, searched under the known roots."""
        if dotted_name in self._by_name:
            return self._by_name[dotted_name]
        found: Optional[ModuleInfo] = None
        rel = Path(*dotted_name.split("."))
        for root in list(self.roots):
            for candidate in (root / rel.with_suffix(".py"), root / rel / "__init__.py"):
                if candidate.is_file():
                    found = self.load(candidate)
                    break
            if found is not None:
                break
        self._by_name[dotted_name] = found
        return found

    def split(self, qualname: str) -> Optional[Tuple[ModuleInfo, List[str]]]:
        """``pkg.mod.Name.attr`` -> (module pkg.mod, ["Name", "attr"]), longest module first."""
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            info = self.module(".".join(parts[:i]))
            if info is not None:
                return info, parts[i:]
        return None


__all__ = ["ModuleInfo", "ProjectIndex", "package_of", "Set"]
