"""One file through the pipeline: parse once, find models, run them, collect findings."""

from __future__ import annotations

import ast
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Union

from .cache import project_root
from .declare import source_declaration
from .extract.prefilter import prefilter
from .extract.lazy import Region, lazy_tree
from .extract.parse import NotAnalysed, newer_syntax, python_tree, read_source
from .extract.roots import LazyIndex
from .findings import Finding
from .noqa import unsuppressed

# libcst, the interpreter and the analysis are imported once a file may define a model:
# a file the prefilter rules out (most of a project's) is checked without them.
if TYPE_CHECKING:
    import libcst as cst

    from .analysis import Trace
    from .extract.index import ModuleInfo, ProjectIndex
    from .extract.stated import StatedInput
    from .layers import Shape


# CPU time one file's analysis may take (its own parse included) before what it has not
# followed stays unknown: a linter in CI must not spin on one odd file.  CPU, not wall
# time: on a loaded machine (CI runners, other jobs) the findings stay the same.
FILE_SECONDS = float(os.environ.get("SHAPELINT_FILE_SECONDS", "2.5"))

# --input specs: (target, dims); target is "Class" or "path::Class"
InputSpecs = Sequence[Tuple[str, "Shape"]]


@dataclass
class FileResult:
    filename: str
    findings: List[Finding] = field(default_factory=list)
    traces: List[Trace] = field(default_factory=list)
    declared: Dict[str, Optional[Shape]] = field(default_factory=dict)
    stated: Dict[str, List[StatedInput]] = field(default_factory=dict)  # for classes nothing declares
    read: List[str] = field(default_factory=list)  # files read besides imports (tests stating inputs)
    warnings: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)  # the file could not be checked at all


def _matches(target: str, filename: str, cls: str) -> bool:
    if "::" in target:
        path, _, name = target.rpartition("::")
        return name == cls and Path(filename).resolve() == Path(path).resolve()
    return target == cls


def check_source(filename: str, source: str, inputs: InputSpecs = (), index: Union[ProjectIndex, LazyIndex, None] = None, defaults: InputSpecs = ()) -> FileResult:
    """``inputs`` (the command line's) win over the source's declarations, which win over
    ``defaults`` (the configuration's).  A LazyIndex is made into an index only when the
    file may define a model."""
    started = time.process_time()
    result = FileResult(filename)
    module: Optional[cst.Module] = None
    tree = None
    try:  # Python's own parser: fast, and the judge of what is a syntax error
        tree = python_tree(source, filename)
    except (SyntaxError, ValueError) as e:  # ValueError: null bytes
        module = newer_syntax(source, e)
        if module is None:  # not valid under any Python libcst knows either
            row, col = (e.lineno or 1, e.offset or 1) if isinstance(e, SyntaxError) else (1, 1)
            message = e.msg if isinstance(e, SyntaxError) else str(e)
            result.findings.append(Finding("SHP000", f"SyntaxError: {message}", filename, row, col, row, col))
            return result
    except (RecursionError, MemoryError):  # valid, but too deep for Python's own parser
        result.warnings.append(f"{filename}: not analysed: too deeply nested for Python's parser")
        return result
    index = index or LazyIndex()
    if not prefilter(index.roots() if isinstance(index, LazyIndex) else index).may_define_module(Path(filename) if filename != "<source>" else None, source, tree):
        return result  # no model can be defined here: not given to libcst
    if isinstance(index, LazyIndex):
        index = index.get()
    known = index.parsed(Path(filename), source) if filename != "<source>" else None  # parsed as another file's import
    regions: List[Region] = []
    try:
        if known is not None:
            module = known.module
        elif module is None:  # its classes are all analysed: only functions and tables are put off
            module, regions = lazy_tree(source, tree, classes=False)
    except NotAnalysed as e:
        result.warnings.append(f"{filename}: not analysed: {e}")
        return result
    outer, index.deadline = index.deadline, started + FILE_SECONDS  # imported modules are parsed within the file's time
    try:
        _analyse(result, filename, source, module, regions, tree, index, inputs, defaults, started)
    finally:
        index.deadline = outer
    return result


def _analyse(result: FileResult, filename: str, source: str, module: cst.Module, regions: List[Region], tree: Optional[ast.Module], index: ProjectIndex, inputs: InputSpecs, defaults: InputSpecs, started: float) -> None:
    from .analysis import analyse, model_classes
    from .extract.index import ModuleInfo
    from .interp.machine import Machine

    info = index.add(Path(filename), source, module, regions=regions) if filename != "<source>" else ModuleInfo(None, source, module, "", regions)
    if tree is not None:
        info.read_class_lines(tree)
    lines = source.splitlines()
    declared: Dict[str, Optional[Shape]] = {}
    classes = model_classes(info, Machine(index))
    for cls in classes:
        declared[cls.name] = _declared_input(cls.node, cls.name, filename, lines, info, inputs, defaults, result.warnings)
    result.declared = declared
    undeclared = [cls for cls in classes if declared[cls.name] is None]
    if undeclared:  # the lowest precedence: what the code itself states
        from .extract.stated import class_key, stated_inputs

        mined, result.read = stated_inputs(index, info, undeclared, _project_root(info), started + FILE_SECONDS / 2, tree)
        result.stated = {cls.name: mined[k] for cls in undeclared if (k := class_key(cls.info, cls.name)) in mined}
    seen = set()
    for trace in analyse(index, info, declared, deadline=started + FILE_SECONDS, stated=result.stated, classes=classes):
        result.traces.append(trace)
        for f in trace.findings:
            # the same finding at two stated inputs is one bug: reported once, with the first source
            message = f.message[: -len(trace.note)] if trace.note and f.message.endswith(trace.note) else f.message
            key = (f.filename, f.row, f.column, f.code, message)
            if key not in seen:
                seen.add(key)
                result.findings.append(f)
    result.findings = _unsuppressed(result.findings, filename, source, index)
    result.findings.sort(key=Finding.sort_key)


def _unsuppressed(findings: List[Finding], filename: str, source: str, index: ProjectIndex) -> List[Finding]:
    """Findings less those a ``# noqa`` on their line suppresses: the line of the file the
    finding lies in, which for a block imported from another file is not this one."""
    here = Path(filename).resolve() if filename != "<source>" else None
    by_file: Dict[str, List[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.filename, []).append(f)
    kept: List[Finding] = []
    for name, group in by_file.items():
        path = Path(name).resolve() if name != "<source>" else None
        if path == here:
            kept += unsuppressed(group, source)
        else:
            info = index.load(path) if path is not None else None
            kept += unsuppressed(group, info.source if info is not None else None)
    return kept


def _project_root(info: ModuleInfo) -> Optional[Path]:
    """The folder whose tests may state inputs: the nearest with a pyproject.toml or .git."""
    if info.path is None:
        return None
    root = project_root(info.path)
    if (root / "pyproject.toml").is_file() or (root / ".git").exists():
        return root if root in info.path.resolve().parents else None
    return None


def _declared_input(cls: cst.ClassDef, name: str, filename: str, lines: List[str], info: ModuleInfo, inputs: InputSpecs, defaults: InputSpecs, warnings: List[str]) -> Optional[Shape]:
    for target, dims in reversed(list(inputs)):  # the last --input wins
        if _matches(target, filename, name):
            return dims
    class_line, first_line = info.class_lines(name)
    shape, error = source_declaration(lines, class_line, first_line)
    if error:
        warnings.append(f"{filename}:{class_line}: ignoring the input declaration of {name}: {error}")
    if shape is None:
        for target, dims in reversed(list(defaults)):
            if _matches(target, filename, name):
                return dims
    return shape


def check_path(path: Path, inputs: InputSpecs = (), index: Union[ProjectIndex, LazyIndex, None] = None, defaults: InputSpecs = ()) -> FileResult:
    try:
        source = read_source(path)
    except UnicodeError as e:
        return FileResult(str(path), [Finding("SHP000", f"file is not valid Python source: it {e}", str(path), 1, 1, 1, 1)])
    except NotAnalysed as e:
        return FileResult(str(path), warnings=[f"{path}: not analysed: {e}"])
    except OSError as e:
        return FileResult(str(path), errors=[f"{path}: cannot read: {e.strerror or e}"])
    return check_source(str(path), source, inputs, index, defaults)
