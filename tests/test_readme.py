"""The README's snippets stay copyable: YAML, TOML and JSON parse, every ``shapelint``
command in them is one the command line accepts, the CI jobs hand the report they write to
the step that reads it, the editors start the same server, the versions name this release,
and the pre-commit snippet is what real pre-commit runs against this repository."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Tuple

import jsonschema
import pytest
import yaml

from shapelint.cli import UsageError, _parser, main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
FIXTURES = REPO / "fixtures"
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


def blocks(language: str) -> List[str]:
    """The fenced blocks of a language, also those indented under a list item."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", README, re.MULTILINE | re.DOTALL)
    return [textwrap.dedent(body) for _, body in found]


def yaml_blocks() -> List[Any]:
    return [yaml.safe_load(b) for b in blocks("yaml")]


def one(docs: List[Any], test) -> Any:
    [found] = [d for d in docs if test(d)]
    return found


def workflow() -> Dict[str, Any]:
    return one(yaml_blocks(), lambda d: isinstance(d, dict) and "jobs" in d)


def gitlab_job() -> Dict[str, Any]:
    return one(yaml_blocks(), lambda d: isinstance(d, dict) and "shapelint" in d and "script" in d["shapelint"])["shapelint"]


def precommit() -> Dict[str, Any]:
    return one(yaml_blocks(), lambda d: isinstance(d, dict) and "repos" in d)


def shapelint_commands() -> List[List[str]]:
    """Every ``shapelint ...`` command line of the shell blocks and the CI jobs."""
    lines: List[str] = [line for b in blocks("sh") for line in b.splitlines()]
    for step in [s for job in workflow()["jobs"].values() for s in job["steps"]]:
        lines += str(step.get("run", "")).splitlines()
    lines += gitlab_job()["script"]
    out = []
    for line in lines:
        for part in re.split(r"&&|;", line):
            words = shlex.split(part)
            if words and words[0] == "shapelint":
                out.append(words[1:])
    return out


def output_file(argv: List[str]) -> str:
    return argv[argv.index("--output-file") + 1]


def test_snippets_parse():
    assert len(blocks("yaml")) >= 3 and len(blocks("toml")) >= 2 and blocks("json")
    for b in blocks("yaml"):
        yaml.safe_load(b)
    for b in blocks("toml"):
        tomllib.loads(b)
    for b in blocks("json"):
        json.loads(b)


def test_shapelint_commands_are_accepted():
    commands = shapelint_commands()
    assert len(commands) >= 4
    for argv in commands:
        try:
            _parser().parse_args(argv)
        except UsageError as e:  # pragma: no cover - the assertion names the command
            pytest.fail(f"README command `shapelint {shlex.join(argv)}`: {e}")


def test_every_release_reference_is_this_version():
    refs = re.findall(r"@v(\d+\.\d+\.\d+)|rev: v(\d+\.\d+\.\d+)", README)
    assert len(refs) >= 3 and {a or b for a, b in refs} == {VERSION}


def test_editors_start_the_same_server():
    vscode = json.loads(blocks("json")[0])
    helix = one([tomllib.loads(b) for b in blocks("toml")], lambda d: "language-server" in d)
    [lua] = blocks("lua")
    [elisp] = blocks("elisp")
    argv = ["shapelint", "lsp"]
    assert [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]] == argv
    assert "python" in vscode["glspc.server.languageId"]
    server = helix["language-server"]["shapelint"]
    assert [server["command"], *server["args"]] == argv
    assert any(lang["name"] == "python" and "shapelint" in lang["language-servers"] for lang in helix["language"])
    assert re.findall(r"cmd = \{ '([^']*)', '([^']*)' \}", lua) == [tuple(argv)]
    assert "vim.lsp.config('shapelint'" in lua and "vim.lsp.enable('shapelint')" in lua
    assert re.findall(r'\("([^"]*)" "([^"]*)"\)', elisp) == [tuple(argv)]
    assert elisp.count("(") == elisp.count(")") and "eglot-server-programs" in elisp


def test_github_job_annotates_and_uploads_what_it_wrote():
    [job] = workflow()["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    runs = [shlex.split(s["run"]) for s in job["steps"] if str(s.get("run", "")).startswith("shapelint")]
    formats = {argv[argv.index("--output-format") + 1]: argv for argv in runs}
    assert set(formats) == {"github", "sarif"}
    upload = one(job["steps"], lambda s: str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == output_file(formats["sarif"])
    assert upload.get("if") == "always()"  # the SARIF is uploaded also when annotations failed the job


def test_gitlab_job_reports_what_it_wrote():
    job = gitlab_job()
    [argv] = [shlex.split(line)[1:] for line in job["script"] if line.startswith("shapelint ")]
    assert argv[argv.index("--output-format") + 1] == "gitlab"
    assert job["artifacts"]["reports"]["codequality"] == output_file(argv)


def test_ci_commands_run_on_a_project(tmp_path, monkeypatch, capsys):
    """The jobs' own command lines, in a project with a broken model: each writes what
    its consumer reads."""
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", tmp_path / "net.py")
    monkeypatch.chdir(tmp_path)
    [job] = workflow()["jobs"].values()
    runs = {" ".join(shlex.split(s["run"])): shlex.split(s["run"])[1:] for s in job["steps"] if str(s.get("run", "")).startswith("shapelint")}
    github = next(argv for argv in runs.values() if "github" in argv)
    sarif = next(argv for argv in runs.values() if "sarif" in argv)
    assert main(github) == 1
    assert re.fullmatch(r"::error title=SHP003 [^\n]+::SHP003 [^\n]+\n", capsys.readouterr()[0])
    assert main(sarif) == 0  # --exit-zero: the upload step gets its file
    log = json.loads(Path(output_file(sarif)).read_text())
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["SHP003"]
    [gitlab] = [shlex.split(line)[1:] for line in gitlab_job()["script"] if line.startswith("shapelint ")]
    assert main(gitlab) == 1
    [issue] = json.loads(Path(output_file(gitlab)).read_text())
    assert issue["check_name"] == "SHP003 in-features-mismatch" and issue["location"]["path"] == "net.py"


def test_precommit_snippet_and_manifest_are_valid(tmp_path):
    from pre_commit.clientlib import load_config, load_manifest

    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump(precommit()))
    [repo] = load_config(str(config))["repos"]
    assert repo["rev"] == f"v{VERSION}"
    hooks = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    for hook in repo["hooks"]:
        assert hook["id"] in hooks
    shapelint = hooks["shapelint"]
    assert shlex.split(shapelint["entry"]) == ["shapelint", "check"] and shapelint["language"] == "python"
    assert shapelint["require_serial"] is True  # one `check` over all files: one finding per bug, its own workers
    _parser().parse_args(shlex.split(shapelint["entry"])[1:])


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _try_repo(project: Path, hooks: List[Dict[str, Any]], home: Path) -> Tuple[int, str]:
    """``pre-commit try-repo`` against this repository (its working tree, uncommitted
    changes included), with the README's hook ids."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(home))
    env.pop("SHAPELINT_CACHE_DIR", None)
    out = ""
    code = 0
    for hook in hooks:
        assert set(hook) == {"id"}, "the README's hooks take no extra keys that try-repo would drop"
        done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook["id"], "--all-files"],
                              cwd=project, env=env, capture_output=True, text=True, timeout=900)
        code = max(code, done.returncode)
        out += done.stdout + done.stderr
    return code, out


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_precommit_runs_the_readme_hook(tmp_path):
    """Real pre-commit installs this repository as the hook and runs it: a broken model
    fails the commit with the finding, a fixed one passes."""
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    shutil.copy(FIXTURES / "bad" / "lenet_wrong_fc.py", project / "net.py")
    _git(project, "add", "net.py")
    hooks = precommit()["repos"][0]["hooks"]
    code, out = _try_repo(project, hooks, tmp_path / "pre-commit-home")
    assert code == 1, out
    assert re.search(r"^shapelint\.+Failed$", out, re.MULTILINE), out
    assert "net.py:19:30: SHP003 Linear expects in_features=576 but receives 400 features" in out
    (project / "net.py").write_text((project / "net.py").read_text().replace("nn.Linear(16 * 6 * 6, 120)", "nn.Linear(16 * 5 * 5, 120)"))
    _git(project, "add", "net.py")
    code, out = _try_repo(project, hooks, tmp_path / "pre-commit-home")
    assert code == 0 and re.search(r"^shapelint\.+Passed$", out, re.MULTILINE), out
