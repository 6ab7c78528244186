"""``--fix`` and ``--diff``: after the fix torch runs every fixable bad fixture; a second
``--fix`` changes nothing; ``--diff`` shows the same change and writes nothing; the file
keeps its encoding, BOM and line endings; a computed argument gets no edit."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import torch
from test_fixtures import _concrete, _inputs, _load, _torch_args

from shapelint.cli import main
from shapelint.engine import check_path

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"
FIXABLE = [p for p in sorted(BAD.glob("*.py")) if all(f.fix is not None for f in check_path(p).findings) and check_path(p).findings]


def test_some_fixtures_are_fixable():
    assert len(FIXABLE) >= 5


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda p: p.stem)
def test_fix_makes_torch_run_the_model(fixture, tmp_path, capsys):
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    before = path.read_text()
    assert main(["check", "--diff", str(path)]) == 1
    diff = capsys.readouterr()[0]
    assert path.read_text() == before  # --diff writes nothing
    assert main(["check", "--fix", str(path)]) == 0
    out = capsys.readouterr()[0]
    assert "Fixed" in out
    after = path.read_text()
    assert diff == "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), str(path), str(path)))
    # a second --fix changes nothing
    assert main(["check", "--fix", str(path)]) == 0
    capsys.readouterr()
    assert path.read_text() == after
    # torch runs what the fix left
    result = check_path(path)
    module = _load(path)
    ran = 0
    for name, _, shape, args, kwargs in _inputs(result):  # declared, or stated in the code
        model = getattr(module, name)(*_torch_args(module, args), **_torch_args(module, kwargs))
        model.eval()
        with torch.no_grad():
            model(torch.zeros(_concrete(shape)))
        ran += 1
    assert ran


def test_fix_keeps_bom_crlf_and_comments(tmp_path, capsys):
    source = (BAD / "lenet_wrong_fc.py").read_text()
    path = tmp_path / "net.py"
    path.write_bytes(b"\xef\xbb\xbf" + source.replace("\n", "  # keep me\n", 3).replace("\n", "\r\n").encode())
    assert main(["check", "--fix", str(path)]) == 0
    capsys.readouterr()
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\n" not in data.replace(b"\r\n", b"")
    assert data.count(b"# keep me") == 3


def test_computed_argument_gets_no_edit(tmp_path, capsys):
    """The GroupNorm is sized by a block parameter other models use correctly: the
    message says where the value comes from and no edit is offered."""
    path = tmp_path / "g.py"
    shutil.copy(BAD / "groupnorm_channels.py", path)
    [finding] = check_path(path).findings
    assert finding.fix is None and "comes from `in_ch`" in finding.message
    assert main(["check", "--diff", str(path)]) == 0


def test_fix_refuses_a_file_changed_on_disk(tmp_path):
    from shapelint.fix import fix_file

    path = tmp_path / "net.py"
    shutil.copy(BAD / "lenet_wrong_fc.py", path)
    fixed = fix_file(path, check_path(path).findings)
    assert fixed is not None
    path.write_text(path.read_text() + "\n# edited meanwhile\n")
    with pytest.raises(OSError, match="changed on disk"):
        fixed.write()
    assert path.read_text().endswith("# edited meanwhile\n")
