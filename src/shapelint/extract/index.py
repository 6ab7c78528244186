"""The project index: each file parsed once, its imports and top-level names.

A file's package is found by walking up while ``__init__.py`` exists (as mypy does),
so relative imports resolve, and absolute ones resolve under the same roots.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..extract.imports import dotted
from .lazy import Region, lazy_tree, parse_region, placeholder_number
from .parse import PARSE_SECONDS_PER_BYTE, Budget, NotAnalysed, read_source
from .roots import Roots, absolute, package_of


_EMPTY = cst.Module(body=[])  # what a released module's tree becomes
_STAR = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+\*", re.MULTILINE)


def _literal_names(node: cst.BaseExpression) -> Optional[List[str]]:
    """The strings of a literal list or tuple (``__all__``), else None."""
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    out = []
    for el in node.elements:
        if not isinstance(el, cst.Element) or not isinstance(el.value, cst.SimpleString):
            return None
        value = el.value.evaluated_value
        if not isinstance(value, str):
            return None
        out.append(value)
    return out


class ModuleInfo:
    """One parsed file: its CST, positions, imports and top-level definitions."""

    def __init__(self, path: Optional[Path], source: str, module: cst.Module, name: str, regions: Sequence[Region] = ()) -> None:
        self.path = path
        self.filename = str(path) if path is not None else "<source>"
        self.source = source
        self.module = module
        self.name = name  # dotted module name ("" when unknown)
        self.is_package = path is not None and path.stem == "__init__"
        self.library = False  # read from the environment's site-packages, not the project
        self._positions = None
        self._class_lines: Optional[Dict[str, Tuple[int, int]]] = None
        self.imports: Dict[str, str] = {}  # local name -> dotted name it stands for
        # ``from M import n``: local -> (M, n); M is a module path, n an attribute or a submodule
        self.from_imports: Dict[str, Tuple[str, str]] = {}
        self.stars: List[str] = []  # the modules of ``from M import *``, in order
        self.all: Optional[List[str]] = None  # a literal ``__all__``
        self.defs: Dict[str, Any] = {}  # classes, functions, top-level assignment values (a Region: not parsed yet)
        self.regions = regions
        self.mutated: Set[str] = set()  # top-level names whose value later top-level statements change
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
            try:
                tree = ast.parse(self.source)
            except (SyntaxError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])
            self.read_class_lines(tree)
        assert self._class_lines is not None
        return self._class_lines.get(name, (1, 1))

    def read_class_lines(self, tree: ast.Module) -> None:
        """Take the class lines from Python's tree of this file (when the caller has it: one parse less)."""
        self._class_lines = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                first = min([stmt.lineno] + [d.lineno for d in stmt.decorator_list])
                self._class_lines[stmt.name] = (stmt.lineno, first)

    def _collect(self) -> None:
        for stmt in self.module.body:
            region = self.region_at(stmt)
            if region is not None:
                region.placeholder = stmt
                for name in region.names:
                    self.defs[name] = region
                    self._local(name)
                    self._bind(name, False)
            else:
                self._collect_def(stmt)

    def parse(self, region: Region) -> Optional[cst.CSTNode]:
        """A definition not parsed yet, parsed now and put in the tree in place of its
        stand-in; None when libcst cannot parse it alone."""
        if region.node is None and region.placeholder is not None:
            node = parse_region(region, self.module)
            body: List[Any] = list(self.module.body)
            at = next((i for i, stmt in enumerate(body) if stmt is region.placeholder), None)
            region.placeholder = None
            if node is None or at is None:
                for bound in region.names:
                    if self.defs.get(bound) is region:
                        self.defs[bound] = None
                return None
            body[at] = region.node = node
            self.module = self.module.with_changes(body=body)
            self._positions = None
            values: Dict[str, cst.CSTNode] = {}
            if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
                values[node.name.value] = node
            elif isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    if isinstance(small, cst.Assign):
                        pairs = [(t.target, small.value) for t in small.targets]
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        pairs = [(small.target, small.value)]
                    else:
                        pairs = []
                    for target, value in pairs:
                        if isinstance(target, cst.Name):
                            values[target.value] = value
            for bound in region.names:
                if self.defs.get(bound) is region:
                    self.defs[bound] = values.get(bound)
        return region.node

    def region_at(self, stmt: cst.CSTNode) -> Optional[Region]:
        """The definition a top-level statement stands in for, when it is a stand-in."""
        number = placeholder_number(stmt) if self.regions else None
        return self.regions[number] if number is not None and number < len(self.regions) else None

    def definition(self, region: Region, name: str) -> Optional[cst.CSTNode]:
        """What ``name`` is bound to by a definition not parsed yet (None when libcst
        cannot parse it alone: what it binds stays unknown)."""
        self.parse(region)
        found = self.defs.get(name)
        return found if isinstance(found, cst.CSTNode) else None

    def _import(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None:
                    local = dotted(alias.asname.name) or ""
                    self.imports[local] = full
                else:  # ``import torch.nn`` binds ``torch``
                    local = full.split(".")[0]
                    self.imports[local] = local
                self.from_imports.pop(local, None)
                self.defs.pop(local, None)
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
            if not base:
                return
            if isinstance(node.names, cst.ImportStar):
                self.stars.append(base)
                return
            for alias in node.names:
                name = dotted(alias.name) or ""
                local = (dotted(alias.asname.name) if alias.asname is not None else name) or ""
                self.imports[local] = f"{base}.{name}"
                self.from_imports[local] = (base, name)
                self.defs.pop(local, None)

    def _local(self, name: str) -> None:
        """A later definition hides an earlier import of the same name."""
        self.imports.pop(name, None)
        self.from_imports.pop(name, None)

    def binds(self, name: str) -> bool:
        """Whether the module's own top level binds ``name`` (not counting star imports)."""
        return name in self.defs or name in self.imports

    def _mutation(self, small: cst.CSTNode) -> None:
        """``cfg.x = 1``, ``cfg[k] = v``, ``n += 1``, ``layers.append(m)`` at top level: the
        name's first value is not the one code reads later."""
        targets: List[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
            targets = [small.target]
            if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                self.mutated.add(small.target.value)
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            call = small.value
            targets = [call.func] + [a.value for a in call.args]  # a call may change its receiver or arguments
            self.mutated.update(a.value.value for a in call.args if isinstance(a.value, cst.Name))
        for t in targets:
            while isinstance(t, (cst.Attribute, cst.Subscript)):
                t = t.value
                if isinstance(t, cst.Name):
                    self.mutated.add(t.value)

    def _bind(self, name: str, branch: bool) -> None:
        self._bound[name] = self._bound.get(name, 0) + 1
        if branch:
            self._in_branch.add(name)

    def _collect_def(self, stmt: cst.CSTNode, branch: bool = False) -> None:
        """Top-level definitions and imports (also inside top-level ``if``/``try``)."""
        if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            self.defs[stmt.name.value] = stmt
            self._local(stmt.name.value)
            self._bind(stmt.name.value, branch)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                before = dict(self.imports)
                self._import(small)
                self._mutation(small)
                for name, qual in self.imports.items():
                    if before.get(name) != qual:
                        self._bind(name, branch)
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            self.defs[t.target.value] = small.value
                            self._local(t.target.value)
                            self._bind(t.target.value, branch)
                            if t.target.value == "__all__":
                                self.all = _literal_names(small.value)
                elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name) and small.target.value == "__all__":
                    more = _literal_names(small.value)
                    self.all = None if self.all is None or more is None else self.all + more
                elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
                    self.defs[small.target.value] = small.value
                    self._bind(small.target.value, branch)
        elif isinstance(stmt, (cst.If, cst.Try)):
            blocks = [stmt.body]
            if isinstance(stmt, cst.Try):  # the fallbacks first: what the try binds usually wins
                blocks = [h.body for h in stmt.handlers] + blocks
            elif isinstance(stmt.orelse, cst.Else):
                blocks.append(stmt.orelse.body)
            for block in blocks:
                for inner in block.body if isinstance(block, cst.IndentedBlock) else []:
                    self._collect_def(inner, True)


class ProjectIndex(Roots):
    """Parses files on demand, once each, and finds modules by dotted name.

    ``roots`` are the project's package roots; ``library_roots`` the site-packages of the
    project's environment, searched after them (as ``sys.path`` puts the script's folder
    first).  torch itself is never read: the layer algebra models it.
    """

    def __init__(self, roots: Optional[List[Path]] = None, library_roots: Optional[List[Path]] = None) -> None:
        super().__init__(roots, library_roots)
        self._by_path: Dict[Path, Optional[ModuleInfo]] = {}
        self._by_name: Dict[str, Optional[ModuleInfo]] = {}
        self._star: Dict[Tuple[int, str], Optional[ModuleInfo]] = {}
        # time.process_time() past which a module not parsed yet is not parsed for this file
        # (Budget): a parse cannot be interrupted, and an import chain can reach hundreds
        self.deadline: Optional[float] = None
        self.parsed_bytes = 0  # source held as trees (about 55 bytes of memory each): what a worker lets go past a limit

    def release(self) -> None:
        """Let go of every parsed module: the trees, and what the interpreter cached on them.
        Cleared in place, so that a tree some leftover value still reaches (a frozen cycle
        of garbage) is freed now by reference counting, without a walk of the collector."""
        for info in list(self._by_path.values()) + list(self._by_name.values()):
            if info is not None:
                info.globals.clear()
                info.scans.clear()
                info.defs.clear()
                info._positions = None
                info.module = _EMPTY
                for region in info.regions:  # a definition parsed later holds its own tree
                    region.node = region.placeholder = None
        self._by_path.clear()
        self._by_name.clear()
        self._star.clear()
        self.memo.clear()
        self.parsed_bytes = 0

    def is_library(self, info: ModuleInfo) -> bool:
        """Whether a module was read from the environment rather than from the project."""
        return info.library

    def load(self, path: Path, source: Optional[str] = None, library: bool = False) -> Optional[ModuleInfo]:
        """The parsed file, or None when it cannot be read or parsed."""
        key = path.resolve()
        if key in self._by_path:
            return self._by_path[key]
        try:
            text = source if source is not None else read_source(key)
            if self.deadline is not None and time.process_time() + len(text) * PARSE_SECONDS_PER_BYTE > self.deadline:
                raise Budget()  # not remembered: the next file, with time left, parses it
            module, regions = lazy_tree(text)
            return self.add(path, text, module, library, regions)
        except (OSError, UnicodeError, NotAnalysed):
            self._by_path[key] = None
            return None

    def loaded(self) -> Dict[Path, ModuleInfo]:
        """The files parsed so far, by resolved path."""
        return {k: i for k, i in self._by_path.items() if i is not None}

    def parsed(self, path: Path, source: str) -> Optional[ModuleInfo]:
        """The file, when it is already parsed from this same source."""
        known = self._by_path.get(path.resolve())
        return known if known is not None and known.source == source else None

    def add(self, path: Path, source: str, module: cst.Module, library: bool = False, regions: Sequence[Region] = ()) -> ModuleInfo:
        """Register a file parsed elsewhere (each file is parsed once)."""
        key = path.resolve()
        known = self._by_path.get(key)
        if known is not None:
            return known
        root, name = package_of(key)
        if not library:
            self.add_root(root)
        info = ModuleInfo(path, source, module, name, regions)
        info.library = library
        self.parsed_bytes += len(source)
        self._by_path[key] = info
        if info.name:
            self._by_name.setdefault(info.name, info)
        return info

    def module(self, dotted_name: str) -> Optional[ModuleInfo]:
        """A module by its dotted name: under the project's roots, then the environment's."""
        if dotted_name in self._by_name:
            return self._by_name[dotted_name]
        where = self.locate(dotted_name)
        found = self.load(where[0], library=where[1]) if where is not None else None
        self._by_name[dotted_name] = found
        return found

    def dependencies(self, info: ModuleInfo) -> List[ModuleInfo]:
        """The parsed modules ``info`` reaches through its imports (itself included): what
        its analysis may have read.  A module never parsed was never read; one whose
        imports change is itself changed, so this is what a cache entry must watch."""
        seen = {id(info): info}
        todo = [info]
        while todo:
            current = todo.pop()
            names = list(current.imports.values()) + [f"{m}.{n}" for m, n in current.from_imports.values()] + list(current.stars)
            if current.is_package and current.name:
                names.extend(n for n in self._by_name if n.startswith(current.name + "."))
            for dotted_name in names:
                parts = dotted_name.split(".")
                for i in range(1, len(parts) + 1):
                    found = self._by_name.get(".".join(parts[:i]))
                    if found is not None and id(found) not in seen:
                        seen[id(found)] = found
                        todo.append(found)
        return list(seen.values())

    def forget(self, paths: Set[Path]) -> Set[Path]:
        """Drop the files at ``paths`` and every module that reaches them through its
        imports (what it read of them is stale), so that they are parsed again when next
        needed; returns the files dropped.  A long-lived index (the editor's) calls this
        when a buffer or a file on disk changes."""
        keys = {p.resolve() for p in paths}
        stale = {id(i) for k, i in self._by_path.items() if k in keys and i is not None}
        if stale:
            for info in [i for i in self._by_path.values() if i is not None and id(i) not in stale]:
                if any(id(dep) in stale for dep in self.dependencies(info)):
                    stale.add(id(info))
        dropped = {k for k, i in self._by_path.items() if k in keys or (i is not None and id(i) in stale)}
        for key in dropped:
            del self._by_path[key]
        # names that resolved to a dropped module, or to nothing (the file may exist now)
        self._by_name = {n: i for n, i in self._by_name.items() if i is not None and id(i) not in stale}
        self._star.clear()
        self.memo.clear()
        return dropped

    def _may_export(self, dotted_name: str, name: str, seen: Optional[Set[str]] = None) -> bool:
        """A cheap test on the text before a parse: a module that never mentions ``name``, and
        whose star imports (followed as text) never do, cannot export it.  Packages like
        ``transformers.models`` star-import hundreds of packages; parsing them all to find
        one name costs minutes."""
        if self._by_name.get(dotted_name) is not None:
            return self.star_binds(self._by_name[dotted_name], name)  # type: ignore[arg-type]
        seen = set() if seen is None else seen
        if dotted_name in seen:
            return False
        seen.add(dotted_name)
        where = self.locate(dotted_name)  # read again for each name: kept, the texts of transformers take hundreds of MB
        try:
            text = where[0].read_text(encoding="utf-8") if where is not None else None
        except (OSError, UnicodeDecodeError):
            text = None
        if where is None or text is None:
            return False
        if name in text and re.search(rf"\b{re.escape(name)}\b", text):
            return True
        is_package = where[0].name == "__init__.py"
        package = dotted_name if is_package else dotted_name.rpartition(".")[0]
        for match in _STAR.finditer(text):
            target = absolute(match.group(1), package)
            if target and self._may_export(target, name, seen):
                return True
        return False

    def star_binds(self, info: ModuleInfo, name: str) -> bool:
        """Whether ``from M import *`` binds ``name``: a literal ``__all__``, else the public names.

        Asked for one name at a time: a package's star imports reach hundreds of files
        (transformers), and only those that may hold the name are parsed."""
        if info.all is not None:
            return name in info.all
        return not name.startswith("_") and (info.binds(name) or self.star_source(info, name) is not None)

    def star_source(self, info: ModuleInfo, name: str) -> Optional[ModuleInfo]:
        """The module a star import of ``info`` takes ``name`` from (the last one wins)."""
        key = (id(info), name)
        if key in self._star:
            return self._star[key]
        self._star[key] = None  # a cycle of star imports adds nothing
        found = None
        try:
            for star in reversed(info.stars):
                if not self._may_export(star, name):
                    continue
                other = self.module(star)
                if other is not None and self.star_binds(other, name):
                    found = other
                    break
        except Budget:
            del self._star[key]  # not an answer: a file with time left asks again
            raise
        self._star[key] = found
        return found

    def split(self, qualname: str) -> Optional[Tuple[ModuleInfo, List[str]]]:
        """``pkg.mod.Name.attr`` -> (module pkg.mod, ["Name", "attr"]).

        Walked from the top as Python's attribute access does: a name a package binds
        (``from .create_conv2d import create_conv2d`` in its ``__init__``) wins over
        the submodule of that name.  A submodule wins over a star import: importing it
        binds it in the package, and a star import rarely rebinds a sibling's name.
        """
        parts = qualname.split(".")
        info = self.module(parts[0])
        if info is None:
            return None
        for i in range(1, len(parts)):
            if info.binds(parts[i]):
                return info, parts[i:]
            sub = self.module(".".join(parts[: i + 1])) if info.is_package else None
            if sub is None:
                return info, parts[i:]
            info = sub
        return info, []


__all__ = ["ModuleInfo", "ProjectIndex", "package_of"]
