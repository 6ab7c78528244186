"""How often code states its model's input, and what shapelint finds with it.

    PYTHONPATH=src python benchmarks/stated.py FOLDER [FOLDER ...] [--strip]

For every ``.py`` file: the model classes nothing declares, those with an input stated
in the code (by kind: a call, an annotation, an assert), and the findings made at a
stated input.  ``--strip`` first copies the folders to a temporary place with every
``# shapelint: input=`` comment removed (the project's fixtures, as a new user has them)
and compares with the findings the declarations give.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import List

from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex

_DECL = re.compile(r"^\s*#\s*shapelint:\s*input=.*\n", re.MULTILINE)


def _kind(source: str) -> str:
    if "annotation" in source:
        return "annotation"
    if "docstring" in source:
        return "docstring"
    if source.startswith("the assert"):
        return "assert"
    return "call" if source.startswith("the call") else "test file"


def survey(folders: List[Path]) -> Counter:
    counts: Counter = Counter()
    index = ProjectIndex()
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            result = check_path(path, index=index)
            undeclared = [n for n, s in result.declared.items() if s is None]
            counts["classes"] += len(result.declared)
            counts["undeclared"] += len(undeclared)
            for name in undeclared:
                stated = result.stated.get(name, [])
                counts["stated"] += bool(stated)
                for item in stated:
                    counts[f"stated by {_kind(item.source)}"] += 1
            counts["findings"] += len(result.findings)
            counts["findings at a stated input"] += sum(1 for f in result.findings if " from " in f.message and f.message.endswith(")") and "(input [" in f.message)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--strip", action="store_true", help="remove every input declaration first")
    args = parser.parse_args()
    started = time.monotonic()
    if not args.strip:
        for key, n in sorted(survey(args.folders).items()):
            print(f"{key:>30}: {n}")
        print(f"{'seconds':>30}: {time.monotonic() - started:.1f}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        stripped = []
        for i, folder in enumerate(args.folders):
            copy = Path(tmp) / f"{i}_{folder.name}"
            shutil.copytree(folder, copy)
            for path in copy.rglob("*.py"):
                path.write_text(_DECL.sub("", path.read_text()))
            stripped.append(copy)
        before, after = survey(args.folders), survey(stripped)
    for key in sorted(set(before) | set(after)):
        print(f"{key:>30}: declared {before[key]:>4}   stripped {after[key]:>4}")


if __name__ == "__main__":
    main()
