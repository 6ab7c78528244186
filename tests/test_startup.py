"""The pre-commit case: one small file checked by a fresh interpreter must not pay for what
its check does not use.  Each test runs the command line in a new process and looks at
the modules it imported (what costs the start: libcst alone takes about 0.12 s)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import shapelint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_PROBE = """\
import json, sys
from shapelint.cli import main
code = main(sys.argv[2:])
print(json.dumps({name: name in sys.modules for name in sys.argv[1].split(",")}))
sys.exit(code)
"""

HEAVY = ["libcst", "shapelint.extract.index", "shapelint.interp.machine", "shapelint.analysis", "shapelint.layers"]
# used only by some runs: a model with no declared input, several files, a pyproject.toml,
# the cache, --fix / --add-noqa, the CI formats
OCCASIONAL = ["shapelint.solve", "shapelint.extract.stated", "multiprocessing", "tomllib", "tempfile", "shapelint.fix", "shapelint.report.ci"]


def _check(path: Path, names: List[str]) -> Tuple[int, str, Dict[str, bool]]:
    """Exit code, report and which of ``names`` were imported, of ``shapelint check PATH``."""
    env = dict(os.environ, PYTHONPATH=str(Path(shapelint.__file__).resolve().parent.parent))
    done = subprocess.run([sys.executable, "-c", _PROBE, ",".join(names), "check", "--no-cache", "--exit-zero", "--output-format", "concise", str(path)],
                          capture_output=True, text=True, env=env, cwd=path.parent, check=False)
    *report, imported = done.stdout.splitlines()
    return done.returncode, "\n".join(report), json.loads(imported)


def test_a_file_that_cannot_define_a_module_is_checked_without_libcst_or_the_interpreter(tmp_path):
    """Ruled out by the prefilter, here by following a base class into another file."""
    pkg = tmp_path / "proj"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text("class Base:\n    pass\n\n\nSettings = Base\n")
    (pkg / "plain.py").write_text(textwrap.dedent("""\
        import enum
        from .settings import Settings


        class Mode(enum.Enum):
            A = 1


        class Options(Settings):
            depth = 3
        """))
    code, report, imported = _check(pkg / "plain.py", HEAVY)
    assert (code, report) == (0, "All checks passed!")
    assert [name for name, yes in imported.items() if yes] == []


def test_a_model_with_a_declared_input_loads_only_what_its_check_needs(tmp_path):
    (tmp_path / "lenet.py").write_text((FIXTURES / "good" / "lenet.py").read_text())
    (tmp_path / "bad.py").write_text((FIXTURES / "bad" / "lenet_wrong_fc.py").read_text())
    code, report, imported = _check(tmp_path / "lenet.py", HEAVY + OCCASIONAL)
    assert (code, report) == (0, "All checks passed!")
    assert [name for name in OCCASIONAL if imported[name]] == []
    assert all(imported[name] for name in HEAVY)  # the probe sees what the analysis loads
    code, report, _ = _check(tmp_path / "bad.py", [])
    assert code == 0 and "SHP003" in report  # and the analysis finds what it should
