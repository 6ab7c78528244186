"""The project's own fixtures with every input declaration stripped: what ``check`` still
finds when nobody says what size goes in (its input solved for), against the findings
with the declarations, and the false alarms on the good fixtures (must be 0).

    PYTHONPATH=src python benchmarks/undeclared.py [--verbose]
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import List, Set, Tuple

from shapelint.engine import check_path

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
DECLARATION = re.compile(r"^[ \t]*#[ \t]*shapelint:[ \t]*input[ \t]*=.*$", re.MULTILINE)

Key = Tuple[int, str]  # (row, code): a comment line removed shifts rows, so rows are mapped back


def stripped(source: str) -> Tuple[str, List[int]]:
    """The source without its declaration lines, and for each kept line its original row."""
    kept, rows = [], []
    for row, line in enumerate(source.splitlines(keepends=True), 1):
        if not DECLARATION.match(line):
            kept.append(line)
            rows.append(row)
    return "".join(kept), rows


def findings(path: Path, rows: List[int]) -> Set[Key]:
    result = check_path(path)
    return {(rows[f.row - 1] if rows else f.row, f.code) for f in result.findings}


def main(verbose: bool = False) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        found = declared_total = 0
        false_alarms: List[str] = []
        for kind in ("bad", "good"):
            for path in sorted((ROOT / kind).glob("*.py")):
                source = path.read_text()
                text, rows = stripped(source)
                copy = work / kind / path.name
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(text)
                if kind == "good":
                    got = findings(copy, rows)
                    if got:
                        false_alarms.append(f"{path.name}: {sorted(got)}")
                    continue
                shutil.copy(path, work / "declared.py")
                want = findings(work / "declared.py", [])
                got = findings(copy, rows)
                declared_total += len(want)
                found += len(want & got)
                extra = got - want
                if extra:
                    false_alarms.append(f"{path.name} (not among the declared findings): {sorted(extra)}")
                if verbose:
                    print(f"{path.name}: {len(want & got)}/{len(want)} without declarations")
        print(f"bad fixtures: {found} of {declared_total} findings without any declaration")
        solved = expected = 0
        for path in sorted((ROOT / "undeclared").glob("*.py")):  # bugs every input size hits
            want = {(int(line.split(":")[0]), line.split(" ")[1]) for line in path.with_suffix(".expected").read_text().splitlines()}
            expected += len(want)
            solved += len(want & findings(path, []))
        print(f"undeclared fixtures (no size works): {solved} of {expected} found")
        print(f"false alarms: {len(false_alarms)}")
        for line in false_alarms:
            print(f"  {line}")
        return 1 if false_alarms else 0


if __name__ == "__main__":
    sys.exit(main("--verbose" in sys.argv[1:]))
