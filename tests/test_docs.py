"""``docs/rules.md`` is the rule table's own text (regenerated and compared, as ruff checks
its docs), every rule documents the same sections, and every link to a rule lands on a
heading of that file: from SARIF, from ``shapelint rule`` and from the README."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from shapelint import docs
from shapelint.cli import main
from shapelint.docs import RULES_DOC, anchor, is_absolute, rule_url, rules_markdown
from shapelint.findings import RULES

REPO = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
LENET = REPO / "fixtures" / "bad" / "lenet_wrong_fc.py"


def slug(heading: str) -> str:
    """The anchor GitHub derives from a heading: lower case, punctuation dropped, spaces to ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set:
    out, fenced = set(), False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#+ (.*)", line)):
            out.add(slug(m.group(1)))
    return out


def test_rules_doc_is_generated_from_the_rules():
    written = (REPO / RULES_DOC).read_text(encoding="utf-8")
    assert written == rules_markdown(), f"{RULES_DOC} is out of date: run `python -m shapelint.docs > {RULES_DOC}`"


SECTIONS = ["What it does", "Why is this bad?", "Example", "Use instead"]


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_documents_the_same_sections(code):
    headings = re.findall(r"^## (.+)$", RULES[code].doc, re.MULTILINE)
    # a rule whose check needs spatial sizes also says where they come from
    assert headings in (SECTIONS, SECTIONS + ["Input size"]), code


def test_every_rule_link_lands_on_its_section():
    written = (REPO / RULES_DOC).read_text(encoding="utf-8")
    found = anchors(written)
    for code in RULES:
        url = rule_url(code)
        assert url.endswith(f"{RULES_DOC}#{anchor(code)}") and anchor(code) in found
        # relative links are relative to the repository's root
        assert is_absolute(url) or (REPO / url.split("#")[0]).is_file()
    assert len({anchor(c) for c in RULES}) == len(RULES)


def test_readme_rule_links_land():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = anchors((REPO / RULES_DOC).read_text(encoding="utf-8"))
    links = re.findall(rf"\({re.escape(RULES_DOC)}#([\w-]+)\)", readme)
    assert len(links) >= len(RULES) and set(links) <= found


def test_rule_command_prints_the_link(capsys):
    assert main(["rule", "SHP003"]) == 0
    assert capsys.readouterr()[0].rstrip().endswith(f"Documentation: {rule_url('SHP003')}")


def test_sarif_help_uri_follows_the_project_url(monkeypatch, capsys):
    """Relative links are left out (SARIF requires absolute URIs); once the project has a
    home, each rule's helpUri is its section there."""
    schema = json.loads(SCHEMA.read_text())
    for home in ("", "https://example.org/shapelint/blob/main/"):
        monkeypatch.setattr(docs, "PROJECT_URL", home)
        assert main(["check", "--no-cache", "--output-format", "sarif", str(LENET)]) == 1
        log = json.loads(capsys.readouterr()[0])
        jsonschema.validate(log, schema)
        driver = log["runs"][0]["tool"]["driver"]
        uris = {r["id"]: r.get("helpUri") for r in driver["rules"]}
        if home:
            assert uris["SHP003"] == f"{home}docs/rules.md#shp003-in-features-mismatch" and driver["informationUri"] == home
        else:
            assert set(uris.values()) == {None} and "informationUri" not in driver
