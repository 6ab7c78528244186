"""The formats CI systems read: GitHub workflow commands, GitLab Code Quality, SARIF 2.1.0."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Dict, List, Sequence

from .. import __version__, docs
from ..docs import is_absolute, rule_url, summary
from ..findings import RULES, Finding


def _escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub documents (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
    out = []
    for f in findings:
        props = ",".join(
            f"{k}={_escape_property(str(v))}"
            for k, v in (("title", f"{f.code} {f.name}"), ("file", f.filename), ("line", f.row), ("col", f.column),
                         ("endLine", f.end_row), ("endColumn", f.end_column))
        )
        out.append(f"::error {props}::{_escape_data(f'{f.code} {f.message}')}")
    return "".join(line + "\n" for line in out)


def _fingerprint(f: Finding, sources: Dict[str, List[str]], seen: Dict[str, int]) -> str:
    """Stable across runs and unrelated edits: the file, the rule, the text of the
    finding's line (not its number) and, for equal lines, their order."""
    lines = sources.get(f.filename, [])
    text = lines[f.row - 1].strip() if 1 <= f.row <= len(lines) else str(f.row)
    key = f"{f.filename}\0{f.code}\0{text}\0{re.sub(r'line [0-9]+', 'line', f.message)}"
    n = seen.get(key, 0)
    seen[key] = n + 1
    return hashlib.sha256(f"{key}\0{n}".encode()).hexdigest()


def gitlab(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
    seen: Dict[str, int] = {}
    report = [
        {
            "description": f"{f.code} {f.message}",
            "check_name": f"{f.code} {f.name}",
            "fingerprint": _fingerprint(f, sources, seen),
            "severity": "major",
            "location": {"path": f.filename, "lines": {"begin": f.row, "end": f.end_row}},
        }
        for f in findings
    ]
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def sarif(findings: Sequence[Finding], sources: Dict[str, List[str]]) -> str:
    codes = sorted(RULES)
    rules = []
    for code in codes:
        rule = RULES[code]
        descriptor: Dict[str, object] = {
            "id": code,
            "name": rule.name,
            "shortDescription": {"text": summary(code)},
            "fullDescription": {"text": rule.doc},
            "help": {"text": rule.doc, "markdown": rule.doc},
            "defaultConfiguration": {"level": "error"},
        }
        if is_absolute(rule_url(code)):  # SARIF wants an absolute URI here, or none
            descriptor["helpUri"] = rule_url(code)
        rules.append(descriptor)
    results = []
    for f in findings:
        result: Dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": codes.index(f.code),
            "level": "error",
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.filename.replace("\\", "/")},
                    "region": {"startLine": f.row, "startColumn": f.column, "endLine": f.end_row, "endColumn": f.end_column},
                }
            }],
        }
        if f.fix is not None:
            result["fixes"] = [{
                "description": {"text": f.fix.message},
                "artifactChanges": [{
                    "artifactLocation": {"uri": f.filename.replace("\\", "/")},
                    "replacements": [{
                        "deletedRegion": {"startLine": e.row, "startColumn": e.column, "endLine": e.end_row, "endColumn": e.end_column},
                        "insertedContent": {"text": e.content},
                    } for e in f.fix.edits],
                }],
            }]
        results.append(result)
    driver: Dict[str, object] = {"name": "shapelint", "version": __version__, "rules": rules}
    if is_absolute(docs.PROJECT_URL):
        driver["informationUri"] = docs.PROJECT_URL
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
