"""The rules' documentation: ``docs/rules.md`` is generated from the rule table in
``findings.py``, and every link to a rule (SARIF ``helpUri``, the language server's
``codeDescription``) comes from :func:`rule_url`, so a link cannot point at a section that
does not exist.  Regenerate the file with ``python -m shapelint.docs > docs/rules.md``;
``tests/test_docs.py`` fails while it is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Optional
from urllib.parse import urlsplit

from .findings import RULES

# Where the repository's files are published, ending in "/" (for a GitHub repository,
# "https://github.com/OWNER/shapelint/blob/main/").  Neither pyproject.toml nor the README
# names a public home yet, so rule links are relative to the repository's root
# ("docs/rules.md#shp003-in-features-mismatch"): they work in the repository and on a
# forge's file view, and consumers that need an absolute URI leave the link out.
PROJECT_URL = ""
RULES_DOC = "docs/rules.md"


def anchor(code: str) -> str:
    """The section's anchor as GitHub and most Markdown renderers derive it from the
    heading ``SHP003 in-features-mismatch``: stable while a rule keeps its code and name."""
    return f"{code.lower()}-{RULES[code].name}"


def rule_url(code: str) -> str:
    """The link to a rule's documentation (relative while :data:`PROJECT_URL` is empty)."""
    return f"{PROJECT_URL}{RULES_DOC}#{anchor(code)}"


def rule_link(code: str) -> Optional[str]:
    """An absolute link to a rule's documentation for a client that opens it (the language
    server's ``codeDescription``): the published page when :data:`PROJECT_URL` is set, else
    ``docs/rules.md`` of the checkout this package runs from, else none."""
    url = rule_url(code)
    if is_absolute(url):
        return url
    local = Path(__file__).resolve().parents[2] / RULES_DOC
    return f"{local.as_uri()}#{anchor(code)}" if local.is_file() else None


def is_absolute(url: str) -> bool:
    """Whether ``url`` can stand where an absolute URI is required (SARIF, LSP)."""
    parts = urlsplit(url)
    return bool(parts.scheme and parts.netloc)


def summary(code: str) -> str:
    """The rule's "What it does" paragraph on one line."""
    doc = RULES[code].doc
    return " ".join(doc.split("## What it does", 1)[-1].split("##", 1)[0].split()) or RULES[code].name


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _demoted(doc: str) -> List[str]:
    """The rule's own ``##`` headings one level down, under the rule's heading; lines in
    code blocks (``# shapelint: input=...``) stay as they are."""
    out = []
    fenced = False
    for line in doc.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#+ ", line):
            line = "#" + line
        out.append(line)
    return out


def rules_markdown() -> str:
    lines = [
        "# Rules",
        "",
        "<!-- Generated from src/shapelint/findings.py by `python -m shapelint.docs > docs/rules.md`: edit the rules there. -->",
        "",
        "Every rule predicts a failure torch would raise at the first forward pass (or when the",
        "model is built). A finding is reported only when the values it rests on are known; a",
        "dimension the analysis cannot know leaves the check out. `shapelint rule CODE` prints",
        "the same text in a terminal.",
        "",
        "Fixes: where a finding names the right value and the argument is a literal written for",
        "this model (a number, or arithmetic on numbers), `shapelint check --fix` rewrites it.",
        "Where the value comes from a parameter, a default, a configuration field or a block",
        "other models share, the message says where it comes from and no edit is offered.",
        "",
        "| code | name | what it finds |",
        "|---|---|---|",
    ]
    lines += [f"| [{code}](#{anchor(code)}) | {rule.name} | {_cell(summary(code))} |" for code, rule in RULES.items()]
    for code, rule in RULES.items():
        lines += ["", f"## {code} {rule.name}", ""] + _demoted(rule.doc)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(rules_markdown())
