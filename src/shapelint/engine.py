"""One file through the pipeline: parse once, find models, run them, collect findings."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .analysis import Interpreter, Trace
from .declare import source_declaration
from .extract.imports import ImportTable
from .extract.model import ModelDef, find_models
from .findings import Finding
from .layers import Shape

# --input specs: (target, dims); target is "Class" or "path::Class"
InputSpecs = Sequence[Tuple[str, Shape]]


@dataclass
class FileResult:
    filename: str
    findings: List[Finding] = field(default_factory=list)
    traces: List[Trace] = field(default_factory=list)
    declared: Dict[str, Optional[Shape]] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)


def _matches(target: str, filename: str, cls: str) -> bool:
    if "::" in target:
        path, _, name = target.rpartition("::")
        return name == cls and Path(filename).resolve() == Path(path).resolve()
    return target == cls


def check_source(filename: str, source: str, inputs: InputSpecs = ()) -> FileResult:
    result = FileResult(filename)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as e:
        result.findings.append(_syntax_error(filename, source, e))
        return result
    if "torch" not in source:  # cheap pre-filter, as TorchFix does
        return result
    imports = ImportTable.of(module)
    models = find_models(module, imports)
    if not models:
        return result
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    lines = source.splitlines()
    for model in models:
        shape = _declared_input(model, filename, lines, positions, inputs, result.warnings)
        result.declared[model.name] = shape
        trace = Interpreter(filename, module, wrapper, imports, model).run(shape)
        result.traces.append(trace)
        result.findings.extend(trace.findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def _syntax_error(filename: str, source: str, error: cst.ParserSyntaxError) -> Finding:
    """SHP000 where Python itself places the error (libcst's position is often later)."""
    try:  # compiling to an AST only parses; nothing is executed
        compile(source, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as e:
        row, col = e.lineno or 1, e.offset or 1
        return Finding("SHP000", f"SyntaxError: {e.msg}", filename, row, col, row, col)
    row, col = error.raw_line, error.raw_column + 1
    return Finding("SHP000", f"SyntaxError: {error.message}", filename, row, col, row, col)


def _declared_input(model: ModelDef, filename: str, lines: List[str], positions, inputs: InputSpecs, warnings: List[str]) -> Optional[Shape]:  # type: ignore[no-untyped-def]
    for target, dims in reversed(list(inputs)):  # the last --input wins
        if _matches(target, filename, model.name):
            return dims
    cls = model.node
    class_line = positions[cls.name].start.line
    first_line = positions[cls.decorators[0]].start.line if cls.decorators else class_line
    shape, error = source_declaration(lines, class_line, first_line)
    if error:
        warnings.append(f"{filename}:{class_line}: ignoring the input declaration of {model.name}: {error}")
    return shape


def check_path(path: Path, inputs: InputSpecs = ()) -> FileResult:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return FileResult(str(path), [Finding("SHP000", "file is not valid UTF-8", str(path), 1, 1, 1, 1)])
    return check_source(str(path), source, inputs)
