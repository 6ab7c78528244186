"""Files a linter in CI meets: each gives a clear finding or message, the right exit
code, and the rest of the run goes on; none gives a traceback or a hang."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from shapelint.cli import main

# fc2 expects 5 features where fc1 gives 4: SHP003 at the ``5`` (line 10, column 30)
MODEL = """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 4)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(5, 2)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))
"""
GOOD = MODEL.replace("nn.Linear(5, 2)", "nn.Linear(4, 2)")


def run(capsys, *args: str):
    code = main(["check", "--output-format", "concise", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def finding_at(out: str, path: Path, row: int, col: int, code: str = "SHP003") -> bool:
    return any(line.startswith(f"{path}:{row}:{col}: {code}") for line in out.splitlines())


@pytest.mark.parametrize(
    "name, data",
    [
        ("bom", b"\xef\xbb\xbf" + MODEL.encode()),
        ("crlf", MODEL.replace("\n", "\r\n").encode()),
        ("tabs", MODEL.replace("    ", "\t").encode()),
        ("formfeed", MODEL.replace("\nclass", "\n\x0c\nclass").encode()),
        ("latin1_declared", ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + MODEL).encode("latin-1")),
    ],
)
def test_text_variants_are_analysed(tmp_path, capsys, name, data):
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    code, out, _ = run(capsys, str(path))
    shift = {"formfeed": 1, "latin1_declared": 2}.get(name, 0)
    col = 24 if name == "tabs" else 30  # a tab is one column, as in ruff
    assert code == 1
    assert finding_at(out, path, 10 + shift, col), out


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("latin1", ("# caf\xe9\n" + MODEL).encode("latin-1"), "cannot be decoded"),
        ("binary", bytes(range(256)) * 8, "cannot be decoded"),
        ("nul", MODEL.encode() + b"\x00\n", "null bytes"),
        ("nested", b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n", "too many nested parentheses"),
    ],
)
def test_invalid_source_is_a_syntax_finding(tmp_path, capsys, name, data, message):
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert f"{path}:1:" in out or f"{path}:" in out
    assert "SHP000" in out and message in out


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.py"
    path.write_text("")
    assert run(capsys, str(path))[0] == 0


def test_huge_file_is_skipped_with_a_warning(tmp_path, capsys):
    path = tmp_path / "big.py"
    path.write_text(MODEL + "x = 1\n" * (10 * 1024 * 1024 // 6))
    code, _, err = run(capsys, str(path))
    assert code == 0
    assert "not analysed" in err and "MB limit" in err


def test_deep_expression_is_skipped_with_a_warning(tmp_path, capsys):
    path = tmp_path / "deep.py"
    path.write_text(MODEL + "\nX = " + " + ".join(["1"] * 50_000) + "\n")
    code, _, err = run(capsys, str(path))
    assert code == 0
    assert "not analysed" in err and "nests" in err


def test_unreadable_file_is_an_error_and_the_run_goes_on(tmp_path, capsys):
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")  # listed, but cannot be read
    bad = tmp_path / "net.py"
    bad.write_text(MODEL)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2
    assert "gone.py: cannot read" in err
    assert finding_at(out, bad, 10, 30)


def test_symlink_loop_in_a_folder(tmp_path, capsys):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path)
    (tmp_path / "pkg" / "net.py").write_text(MODEL)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    assert out.count("SHP003") == 1


NEWER = MODEL.replace("import torch\n", "import torch\n\ntype Pair = tuple[int, int]\n\n\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n\n") + """

class Dispatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        match x.dim():
            case 2:
                return self.fc(x)
            case _:
                return x
"""


def test_newer_python_syntax_is_analysed(tmp_path, capsys):
    """``type`` statements, PEP 695 generics and ``match``: valid Python 3.12, analysed
    under every supported Python."""
    path = tmp_path / "newer.py"
    path.write_text(NEWER)
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert finding_at(out, path, 17, 30), out
    assert out.count("SHP") == 1


RECURSIVE = {
    "pkg/__init__.py": "",
    # A and B subclass each other through an import cycle: Python refuses to import it,
    # the linter must simply not loop
    "pkg/a.py": "import torch.nn as nn\nfrom .b import B\n\n\nclass A(B):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n",
    "pkg/b.py": "import torch\nimport torch.nn as nn\nfrom .a import A\n\n\nclass B(A):\n    pass\n",
    "pkg/mutual.py": """import torch
import torch.nn as nn


class Mutual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = self.even(10)
        self.head = self.forever(3)

    def even(self, n):
        return self.odd(n - 1) if n else nn.Linear(8, 4)

    def odd(self, n):
        return self.even(n + 1)

    def forever(self, n):
        return self.forever(n + 1)

    def forward(self, x):
        return self.again(self.fc(x))

    def again(self, x):
        return self.again(x)
""",
}


def test_recursion_in_user_code_ends(tmp_path, capsys):
    for rel, text in RECURSIVE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    code, out, err = run(capsys, str(tmp_path / "pkg"))
    assert code == 0, out + err
    assert "internal error" not in err


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file")
def test_permission_denied(tmp_path, capsys):
    path = tmp_path / "secret.py"
    path.write_text(MODEL)
    path.chmod(0)
    code, _, err = run(capsys, str(path))
    assert code == 2 and "cannot read" in err


def test_a_file_out_of_time_ends_with_what_it_knows(tmp_path, monkeypatch):
    """Past its time budget a file's analysis stops; what it did not follow is unknown."""
    import shapelint.engine as engine

    path = tmp_path / "slow.py"
    path.write_text(MODEL.replace("        self.fc2 = nn.Linear(5, 2)", "        for _ in range(3000):\n            self.k = sum(range(50))\n        self.fc2 = nn.Linear(5, 2)"))
    assert engine.check_path(path).findings  # in time: the bug after the loop is found
    monkeypatch.setattr(engine, "FILE_SECONDS", 0.0)
    result = engine.check_path(path)
    assert result.findings == [] and result.traces and not result.traces[0].complete
    assert result.traces[0].error is None
