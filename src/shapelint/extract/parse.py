"""Reading and parsing a file, safely: the one place source text becomes a libcst tree.

Python's own parser judges what is a syntax error; libcst builds the tree the
interpreter reads.  libcst's native parser is slow (super-linear) on deeply nested
expressions and can overflow its stack on absurd nesting, so nesting is measured on
Python's tree first and such files are not parsed.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # libcst is imported when a file is parsed: a run served by the cache never pays for it
    import libcst as cst

# Larger files are not analysed: no model file is this big, and Python's own parser
# alone takes about 5 s per MB on statements-only files (a generated table, a data dump).
MAX_BYTES = 2 * 1024 * 1024
# Deeper syntax trees are not given to libcst (real code nests 20 to 40 deep; a sum of
# 2,000 terms nests 2,000 deep and takes libcst seconds, 4,000 takes it a minute).
MAX_NESTING = 300


class NotAnalysed(Exception):
    """The file is valid but is not read (too big, too deep): the reason, for a warning."""


class Budget(Exception):
    """The file's budget (steps or wall time) ran out: the analysis stops, keeping what it
    found so far; what it had not followed stays unknown.  Raised by the interpreter, and by
    the index before a parse of an imported module that would end past the deadline."""


# libcst's parse of real code costs about 3 µs per byte on this kind of machine (a
# 280 kB module: 0.85 s): what a parse will take is known before it starts, not after.
PARSE_SECONDS_PER_BYTE = 3e-6


def read_source(path: Path) -> str:
    """The file's text as Python decodes it: a BOM or a ``coding:`` line is honoured.

    Raises OSError when it cannot be read, NotAnalysed when it is too big, UnicodeError
    (with the reason) when it cannot be decoded.
    """
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise NotAnalysed(f"{size / 2**20:.1f} MB is over the {MAX_BYTES // 2**20} MB limit")
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        raise UnicodeError(f"cannot be decoded ({e})") from None


def python_tree(source: str, filename: str = "<source>") -> ast.Module:
    """Python's own parse; raises SyntaxError (ValueError for NUL bytes, RecursionError)."""
    tree = compile(source, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    return tree


def nesting(tree: ast.AST) -> int:
    """The depth of a syntax tree (iteratively: the tree may be deeper than the stack;
    by fields rather than ``ast.iter_child_nodes``, a generator per node: twice as fast)."""
    deepest = 0
    stack = [(tree, 0)]
    pop, push, node_type = stack.pop, stack.append, ast.AST
    while stack:
        node, depth = pop()
        if depth > deepest:
            deepest = depth
        depth += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        push((item, depth))
            elif isinstance(value, node_type):
                push((value, depth))
    return deepest


def newer_syntax(source: str, error: Exception) -> Optional[cst.Module]:
    """The module, when it is valid Python of a newer version than the one running
    (``type`` statements, PEP 695 generics under Python 3.11): libcst knows them.
    Not for nesting beyond Python's limits: libcst's native parser would overflow its stack."""
    if "\0" in source or not isinstance(error, SyntaxError) or "nest" in str(error.msg) or "indent" in str(error.msg):
        return None
    import libcst as cst
    try:
        return cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


def libcst_tree(source: str, tree: Optional[ast.AST] = None) -> cst.Module:
    """libcst's tree of a file Python accepts; NotAnalysed when it nests too deep or
    libcst cannot parse it."""
    import libcst as cst
    if tree is None:
        try:
            tree = python_tree(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            module = newer_syntax(source, e)
            if module is None:
                raise NotAnalysed(f"Python cannot parse it ({e})") from None
            return module
    depth = nesting(tree)
    if depth > MAX_NESTING:
        raise NotAnalysed(f"its syntax nests {depth} deep (the limit is {MAX_NESTING})")
    try:
        return cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError) as e:
        reason = e.message if isinstance(e, cst.ParserSyntaxError) else "too deeply nested"
        raise NotAnalysed(f"libcst cannot parse it ({reason})") from None
