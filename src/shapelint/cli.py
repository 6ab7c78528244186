"""The ``shapelint`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterator, List, NoReturn, Optional, Sequence

from . import __version__
from .cache import project_root
from .config import ConfigError, Finder, load
from .declare import DeclarationError, parse_dims, parse_input_spec
from .extract.environment import EnvironmentError_, library_roots
from .extract.parse import read_source
from .findings import RULES, Finding
from .noqa import add_noqa
from .report import FORMATS, statistics
from .run import Job, check_all

# The analysis (libcst, the interpreter, the layer algebra) is imported where a file needs
# analysing: a run the cache answers, `rule` and `--version` never load it.
if TYPE_CHECKING:
    from .extract.index import ProjectIndex



class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line on stderr, exit 2
        raise UsageError(message)


def _python_files(paths: Sequence[str], finder: Optional[Finder] = None) -> Iterator[Path]:
    """Files given, and the ``.py`` files under folders given, less what the nearest
    configuration excludes (a file named on the command line is always checked)."""
    finder = finder or Finder()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: No such file or directory")
        if path.is_file():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            here = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not finder.for_path(here / d).excluded(here / d))
            for name in sorted(files):
                if name.endswith(".py") and not finder.for_path(here).excluded(here / name):
                    yield here / name


def _code_list(text: str) -> List[str]:
    return [c for c in (p.strip() for p in text.split(",")) if c]


def _source_lines(path: Path) -> List[str]:
    try:
        return read_source(path).splitlines()
    except (OSError, ValueError):
        return path.read_text(encoding="utf-8", errors="replace").splitlines()


_PYTHON_HELP = "the interpreter whose installed libraries (timm, torchvision, ...) are read; default: VIRTUAL_ENV, else a .venv at the project root"


def _index(start: Path, python: Optional[str]) -> "ProjectIndex":
    """One index for the whole run: each file, of the project or of a library, parsed once."""
    from .extract.index import ProjectIndex

    try:
        return ProjectIndex(library_roots=library_roots(start, python))
    except EnvironmentError_ as e:
        raise UsageError(str(e))


def _parser() -> _Parser:
    parser = _Parser(prog="shapelint", description="Static shape checks for PyTorch models.")
    parser.add_argument("--version", action="version", version=f"shapelint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    check = sub.add_parser("check", help="lint files and folders")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--input", action="append", default=[], metavar="SPEC", help="CLASS=DIMS or FILE::CLASS=DIMS, e.g. Net=4x3x32x32")
    check.add_argument("--output-format", choices=sorted(FORMATS), default=None, help="default: the configuration's, else full")
    check.add_argument("--config", metavar="FILE", help="read settings from FILE instead of the nearest pyproject.toml")
    check.add_argument("--select", type=_code_list, metavar="CODES", help="comma-separated rule codes or prefixes to enable (ALL for every rule)")
    check.add_argument("--ignore", type=_code_list, default=[], metavar="CODES", help="comma-separated rule codes or prefixes to disable")
    check.add_argument("--extend-select", type=_code_list, default=[], metavar="CODES", help="rule codes to enable on top of the selection")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--output-file", "-o", metavar="PATH", help="write the report to PATH instead of standard output")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    check.add_argument("--fix", action="store_true", help="apply the fixes findings offer (safe ones only: literal arguments written for this model)")
    check.add_argument("--diff", action="store_true", help="print the changes --fix would make as a unified diff, write nothing; exit 1 when there is something to fix")
    check.add_argument("--show-fixes", action="store_true", help="list the fixes applied (with --fix) or available")
    check.add_argument("--add-noqa", action="store_true", help="append `# noqa: CODE` to each finding's line, to adopt shapelint in an existing codebase")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument("--cache-dir", metavar="DIR", help="where the cache lives (default: SHAPELINT_CACHE_DIR, else .shapelint_cache at the project root)")
    check.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: all cores)")
    check.add_argument("--python", metavar="PATH", help=_PYTHON_HELP)
    shapes = sub.add_parser("shapes", help="the static summary table of a model: every layer call with its shapes")
    shapes.add_argument("target", metavar="FILE[::CLASS]")
    shapes.add_argument("--input", metavar="DIMS", help="the input shape, e.g. 4x3x32x32 or N,3,224,224")
    shapes.add_argument("--output-format", choices=["table", "json"], default="table")
    shapes.add_argument("--python", metavar="PATH", help=_PYTHON_HELP)
    rule = sub.add_parser("rule", help="list the rules, or explain one")
    rule.add_argument("code", nargs="?")
    sub.add_parser("lsp", help="run the language server over stdio (needs the extra: pip install 'shapelint[lsp]')")
    return parser


def _check(args: argparse.Namespace) -> int:
    specs = []
    for spec in args.input:
        try:
            target, dims = parse_input_spec(spec)
        except DeclarationError as e:
            raise UsageError(f"invalid --input {spec!r}: {e}")
        if target is None:
            raise UsageError(f"invalid --input {spec!r}: expected CLASS=DIMS, e.g. Net=4x3x32x32")
        specs.append((target, dims))
    findings: List[Finding] = []
    sources: Dict[str, List[str]] = {}
    errors = 0
    try:
        finder = Finder(load(Path(args.config), explicit=True) if args.config else None)
        files = list(_python_files(args.paths, finder))
        configs = {path: finder.for_path(path).with_cli(args.select, args.ignore, args.extend_select) for path in files}
    except ConfigError as e:
        raise UsageError(str(e))
    first = configs[files[0]] if files else finder.for_path(Path(args.paths[0]))
    output_format = args.output_format or first.output_format or "full"
    try:
        roots = library_roots(Path(args.paths[0]), args.python or first.interpreter())
    except EnvironmentError_ as e:
        raise UsageError(str(e))
    cache_folder = None if args.no_cache else Path(args.cache_dir or os.environ.get("SHAPELINT_CACHE_DIR") or project_root(Path(args.paths[0])) / ".shapelint_cache")
    jobs = [Job(path, tuple(specs), configs[path].input_specs()) for path in files]
    seen: set = set()
    outcomes, _ = check_all(jobs, roots, cache_folder, tuple(str(r) for r in roots), args.jobs or os.cpu_count() or 1)
    for path, outcome in zip(files, outcomes):
        for warning in outcome.warnings:
            print(f"shapelint: warning: {warning}", file=sys.stderr)
        for error in outcome.errors:
            errors += 1
            print(f"shapelint: error: {error}", file=sys.stderr)
        for f in outcome.findings:
            # a finding in a file that several checked files import is reported once
            key = (os.path.realpath(f.filename), f.row, f.column, f.code, f.message)
            if key in seen or not configs[path].enabled(f.code, f.filename):
                continue
            seen.add(key)
            findings.append(f)
            if f.filename not in sources:
                sources[f.filename] = _source_lines(Path(f.filename))
    if args.add_noqa:
        return _add_noqa(findings, errors)
    if args.diff or args.fix:
        from .engine import check_path
        from .fix import plan
    if args.diff:
        fixes = plan(findings)
        sys.stdout.write("".join(fixed.diff() for fixed in fixes.values()))
        n = sum(len(fixed.applied) for fixed in fixes.values())
        print(f"Would fix {n} error{'' if n == 1 else 's'}.", file=sys.stderr)
        return 2 if errors else (1 if fixes else 0)
    fixed_findings: List[Finding] = []
    if args.fix:
        for filename, fixed in plan(findings).items():
            try:
                fixed.write()
            except OSError as e:
                errors += 1
                print(f"shapelint: error: {e}", file=sys.stderr)
                continue
            fixed_findings.extend(fixed.applied)
            # what remains in the file once fixed (a fix may also settle later findings)
            path = Path(filename)
            again = check_path(path, specs, _index(path, args.python or configs[path].interpreter()), configs[path].input_specs())
            findings = [f for f in findings if f.filename != filename] + [f for f in again.findings if configs[path].enabled(f.code, f.filename)]
            sources[filename] = _source_lines(path)
        findings.sort(key=Finding.sort_key)
    report = statistics(findings) if args.statistics else FORMATS[output_format](findings, sources)
    if not findings and output_format in ("full", "concise") and not args.statistics:
        report += "All checks passed!\n"
    if args.fix and fixed_findings:
        report += f"Fixed {len(fixed_findings)} error{'' if len(fixed_findings) == 1 else 's'}.\n"
    if args.show_fixes:
        report += _fix_summary(fixed_findings if args.fix else [f for f in findings if f.fix is not None], args.fix)
    if args.output_file:
        try:
            Path(args.output_file).write_text(report, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write {args.output_file}: {e.strerror or e}")
    else:
        sys.stdout.write(report)
    if errors:
        return 2
    return 1 if findings and not args.exit_zero else 0


def _fix_summary(fixes: List[Finding], applied: bool) -> str:
    if not fixes:
        return "No fixes applied.\n" if applied else "No fixes available.\n"
    out = [f"{'Fixed' if applied else 'Fixes available for'} {len(fixes)} error{'' if len(fixes) == 1 else 's'}:"]
    by_file: Dict[str, Dict[str, int]] = {}
    for f in fixes:
        counts = by_file.setdefault(f.filename, {})
        counts[f.code] = counts.get(f.code, 0) + 1
    for filename, counts in by_file.items():
        out.append(f"- {filename}:")
        out.extend(f"    {n} × {code} ({RULES[code].name})" for code, n in sorted(counts.items()))
    return "\n".join(out) + "\n"


def _add_noqa(findings: List[Finding], errors: int) -> int:
    by_file: Dict[str, List[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.filename, []).append(f)
    added = 0
    for filename, fs in by_file.items():
        try:
            added += add_noqa(Path(filename), fs)
        except OSError as e:
            errors += 1
            print(f"shapelint: error: {filename}: {e}", file=sys.stderr)
    print(f"Added {added} noqa directive{'' if added == 1 else 's'}.")
    return 2 if errors else 0


def _shapes(args: argparse.Namespace) -> int:
    from .analysis import analyse
    from .engine import check_path
    from .report import shapes as shapes_report

    path_text, sep, cls = args.target.partition("::")
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"{path_text}: No such file")
    dims = None
    if args.input is not None:
        try:
            dims = parse_dims(args.input)
        except DeclarationError as e:
            raise UsageError(f"invalid --input {args.input!r}: {e}")
    index = _index(path, args.python)
    info = index.load(path)
    if info is None:
        raise UsageError(f"{path_text}: cannot be parsed as Python")
    result = check_path(path, index=index)
    names = list(result.declared)
    if sep:
        if cls not in names:
            known = ", ".join(names) or "none"
            raise UsageError(f"{path_text} has no nn.Module class {cls!r} (it has: {known})")
        targets = [cls]
    elif dims is not None:
        if len(names) != 1:
            raise UsageError(f"--input needs FILE::CLASS when the file has several models ({', '.join(names)})")
        targets = names
    else:
        targets = [n for n in names if result.declared[n] is not None]
        if not targets:
            raise UsageError(f"{path_text}: no class declares its input; use FILE::CLASS --input DIMS")
    inputs = {n: (dims if dims is not None else result.declared[n]) for n in targets}
    traces = [t for name in targets for t in analyse(index, info, inputs, only=name, training=False)]
    sys.stdout.write(shapes_report.table(traces) if args.output_format == "table" else shapes_report.as_json(traces))
    return 0


def _rule(args: argparse.Namespace) -> int:
    if args.code is None:
        for each in RULES.values():
            print(f"{each.code}  {each.name}")
        return 0
    rule = RULES.get(args.code.upper()) or next((r for r in RULES.values() if r.name == args.code), None)
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r}; `shapelint rule` lists them")
    from .docs import rule_url

    print(f"# {rule.name} ({rule.code})\n\n{rule.doc}\n\nDocumentation: {rule_url(rule.code)}")
    return 0


def _lsp() -> int:
    try:  # pygls is an optional extra: `check` must not need it, nor pay for importing it
        from .lsp.server import main as serve
    except ImportError as e:
        print(f"shapelint: error: the language server needs pygls ({e}); install it with: pip install 'shapelint[lsp]'", file=sys.stderr)
        return 2
    return serve()


def main(argv: Optional[Sequence[str]] = None) -> int:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))  # interpreting nested code recurses
    try:
        args = _parser().parse_args(argv)
        if args.command == "check":
            return _check(args)
        if args.command == "shapes":
            return _shapes(args)
        if args.command == "rule":
            return _rule(args)
        if args.command == "lsp":
            return _lsp()
        _parser().print_help(sys.stderr)
        return 2
    except UsageError as e:
        print(f"shapelint: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `shapelint check | head`
        return 1


if __name__ == "__main__":
    sys.exit(main())
