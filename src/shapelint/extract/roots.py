"""Where modules are found by dotted name, without libcst.

What the prefilter needs to follow a class's bases across files.  Kept apart from the
index (which imports libcst) so that a file that cannot define a model is decided without
paying for libcst's import: a pre-commit hook on such a file runs in a tenth of a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .index import ProjectIndex


def package_of(path: Path) -> tuple[Path, str]:
    """(root folder, dotted module name) for a file."""
    path = path.resolve()
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


def absolute(spec: str, package: str) -> str:
    """``..x`` seen from ``package`` -> ``a.x``; "" when it climbs above the top."""
    dots = len(spec) - len(spec.lstrip("."))
    if not dots:
        return spec
    parts = package.split(".") if package else []
    up = dots - 1
    if up > len(parts):
        return ""
    base = parts[: len(parts) - up]
    rest = spec[dots:]
    return ".".join(base + ([rest] if rest else []))


class Roots:
    """The project's package roots, then the environment's site-packages (as ``sys.path``
    puts the script's folder first), and per-run caches kept as long as the roots are."""

    def __init__(self, roots: list[Path] | None = None, library_roots: list[Path] | None = None) -> None:
        self.library_roots: list[Path] = [p.resolve() for p in library_roots or []]
        self.roots: list[Path] = []
        for root in roots or []:
            self.add_root(root)
        self.memo: dict[str, object] = {}  # per-run caches (the prefilter's, library overlays' e.g. timm's registry)

    def add_root(self, root: Path) -> None:
        root = root.resolve()
        if root not in self.roots:
            self.roots.append(root)

    def locate(self, dotted_name: str, first: Path | None = None) -> tuple[Path, bool] | None:
        """(file, found in the environment) of a module, without parsing it; ``first``: a
        root searched before the others (the checked file's own)."""
        if not dotted_name or dotted_name.split(".")[0] == "torch":
            return None
        rel = Path(*dotted_name.split("."))
        roots = ([(first, False)] if first is not None else []) + [(r, False) for r in self.roots] + [(r, True) for r in self.library_roots]
        for root, library in roots:
            for candidate in (root / rel / "__init__.py", root / rel.with_suffix(".py")):
                if candidate.is_file():  # a package wins over a module of the same name
                    return candidate, library
        return None


class LazyIndex:
    """A run's index, made when a file first needs analysing: until then (files no model
    can be defined in) the prefilter reads bare roots, and libcst is never imported."""

    def __init__(self, library_roots: list[Path] | None = None) -> None:
        self.library_roots = list(library_roots or [])
        self.index: ProjectIndex | None = None
        self._roots: Roots | None = None

    def roots(self) -> Roots:
        """The index once made, else bare roots (with no module added, the index's are as bare)."""
        if self.index is not None:
            return self.index
        if self._roots is None:
            self._roots = Roots(library_roots=self.library_roots)
        return self._roots

    def get(self) -> ProjectIndex:
        if self.index is None:
            from .index import ProjectIndex

            self.index = ProjectIndex(library_roots=self.library_roots)
            self._roots = None  # the prefilter's summaries are read again for the index's (cheap: Python's parser)
        return self.index

    def drop(self) -> None:
        """Let the index go; the next file starts afresh."""
        self.index = None
        self._roots = None


__all__ = ["LazyIndex", "Roots", "absolute", "package_of"]
