"""``shapelint lsp`` driven by a real LSP client (pytest-lsp) over stdio.

Each test starts the server as an editor would, sends the document's text (never saved
to disk unless the test says so) and waits for what the server publishes.  Timeouts are
generous and nothing is timed: the machine may be loaded.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

import torch
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
LENET = (ROOT / "fixtures" / "bad" / "lenet_wrong_fc.py").read_text()
WAIT = 120.0  # seconds: a loaded 2-core machine, never a timing assertion

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}

# The server with its analysis broken on purpose for buffers that mention CRASH_ME:
# an internal error must become a log message, and the server must go on.
_FAULTY = """
import shapelint.lsp.session as s
real = s.check_source
def check_source(filename, source, *args, **kwargs):
    if "CRASH_ME" in source:
        raise RuntimeError("injected fault")
    return real(filename, source, *args, **kwargs)
s.check_source = check_source
from shapelint.lsp.server import main
main()
"""


def _config(*command: str) -> ClientServerConfig:
    return ClientServerConfig(server_command=[sys.executable, *command], server_env=ENV)


async def _start(client: LanguageClient, options: object = None) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        initialization_options=options,
    ))


@pytest_lsp.fixture(config=_config("-m", "shapelint", "lsp"))
async def client(lsp_client: LanguageClient):
    await _start(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config("-m", "shapelint", "lsp"))
async def quiet_client(lsp_client: LanguageClient):
    await _start(lsp_client, {"shapelint": {"inlayHints": False}})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config("-m", "shapelint", "lsp"))
async def pulling_client(lsp_client: LanguageClient):
    """A client that serves settings through workspace/configuration (as VS Code does)."""
    lsp_client.set_configuration({"inlayHints": False}, section="shapelint")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(configuration=True))))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config("-m", "shapelint", "lsp"))
async def utf8_client(lsp_client: LanguageClient):
    """A client that counts columns in UTF-8 bytes (Neovim offers that first)."""
    general = types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16])
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities(general=general)))
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config("-c", _FAULTY))
async def faulty_client(lsp_client: LanguageClient):
    await _start(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def _until(client: LanguageClient, uri: str, ok, what: str) -> list:
    """Wait until the diagnostics published for ``uri`` satisfy ``ok``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not (uri in client.diagnostics and ok(list(client.diagnostics[uri]))):
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"no diagnostics {what} for {uri}: last {client.diagnostics.get(uri)}")
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), left)
        except asyncio.TimeoutError:
            pass
    return list(client.diagnostics[uri])


def _open(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.resolve().as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", version, text)))
    return uri


def _replace(client: LanguageClient, uri: str, text: str, version: int) -> None:
    change = types.TextDocumentContentChangeWholeDocument(text=text)
    client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(version, uri), [change]))


def _span(text: str, needle: str, nth: int = 0) -> tuple[int, int, int]:
    """(0-based line, UTF-16 start, UTF-16 end) of ``needle`` on the line it is on."""
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            if nth == 0:
                col = line.index(needle)
                start = len(line[:col].encode("utf-16-le")) // 2
                return i, start, start + len(needle.encode("utf-16-le")) // 2
            nth -= 1
    raise AssertionError(f"{needle!r} not in the text")


def _offset(text: str, pos: types.Position) -> int:
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return before + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return before + len(line)


def _apply(text: str, edits: list) -> str:
    """What an editor does with a WorkspaceEdit's TextEdits."""
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: _offset(text, e.range.start)] + e.new_text + text[_offset(text, e.range.end):]
    return text


def _torch_runs(path: Path, text: str) -> tuple:
    """The output shape torch gives for LeNet written as ``text`` (raises if torch refuses)."""
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"lsp_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # tests only: our own fixture's text
    with torch.no_grad():
        return tuple(module.Net()(torch.zeros(2, 3, 32, 32)).shape)


@pytest.mark.asyncio
async def test_diagnostic_at_the_argument_then_cleared(client: LanguageClient, tmp_path):
    path = tmp_path / "lenet.py"
    uri = _open(client, path, LENET)  # nothing on disk: the buffer is what is checked
    diags = await _until(client, uri, lambda d: len(d) > 0, "for the broken model")
    assert len(diags) == 1
    d = diags[0]
    line, start, end = _span(LENET, "16 * 6 * 6")
    assert (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) == (line, start, line, end)
    assert d.code == "SHP003" and d.source == "shapelint"
    assert d.severity == types.DiagnosticSeverity.Error
    assert "receives 400 features" in d.message
    assert d.code_description is not None and d.code_description.href.endswith("#shp003-in-features-mismatch")
    related = d.related_information or []
    assert [r.location.range.start.line for r in related] == [_span(LENET, "torch.flatten(x, 1)")[0]]
    assert related[0].location.uri == uri

    _replace(client, uri, LENET.replace("16 * 6 * 6", "16 * 5 * 5"), 2)
    assert await _until(client, uri, lambda d: d == [], "cleared after the fix") == []


@pytest.mark.asyncio
async def test_closing_the_document_clears_its_diagnostics(client: LanguageClient, tmp_path):
    uri = _open(client, tmp_path / "lenet.py", LENET)
    await _until(client, uri, lambda d: len(d) == 1, "for the broken model")
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await _until(client, uri, lambda d: d == [], "once closed") == []


@pytest.mark.asyncio
async def test_every_change_is_analysed_as_typed(client: LanguageClient, tmp_path):
    """Several quick edits: the published diagnostics follow the latest buffer."""
    path = tmp_path / "lenet.py"
    fixed = LENET.replace("16 * 6 * 6", "16 * 5 * 5")
    uri = _open(client, path, fixed)
    await _until(client, uri, lambda d: d == [], "for the good model")
    for version, size in enumerate(["16 * 4 * 4", "16 * 3 * 3", "16 * 7 * 7"], start=2):
        _replace(client, uri, LENET.replace("16 * 6 * 6", size), version)
    diags = await _until(client, uri, lambda d: len(d) == 1 and "784" in d[0].message, "for the last edit")
    assert "in_features=784" in diags[0].message


@pytest.mark.asyncio
async def test_non_ascii_line_shifts_the_range(client: LanguageClient, tmp_path):
    text = LENET.replace("self.fc1 = nn.Linear(16 * 6 * 6, 120)", "self.fc1 = nn.Linear(16 * 6 * 6, 120); ü = '😀'", 1)
    text = text.replace("        self.fc1 = ", "        é𝔵 = 1; self.fc1 = ", 1)
    uri = _open(client, tmp_path / "wide.py", text)
    diags = await _until(client, uri, lambda d: len(d) > 0, "for the broken model")
    line, start, end = _span(text, "16 * 6 * 6")
    assert start == len("        é𝔵 = 1; self.fc1 = nn.Linear(") + 1  # 𝔵 is two UTF-16 units
    assert (diags[0].range.start.line, diags[0].range.start.character, diags[0].range.end.character) == (line, start, end)


@pytest.mark.asyncio
async def test_columns_in_utf8_when_the_client_asks(utf8_client: LanguageClient, tmp_path):
    text = LENET.replace("        self.fc1 = ", "        é𝔵 = 1; self.fc1 = ", 1)
    uri = _open(utf8_client, tmp_path / "wide.py", text)
    diags = await _until(utf8_client, uri, lambda d: len(d) > 0, "for the broken model")
    line = text.splitlines()[diags[0].range.start.line]
    start = len(line[: line.index("16 * 6 * 6")].encode("utf-8"))
    assert (diags[0].range.start.character, diags[0].range.end.character) == (start, start + len("16 * 6 * 6"))
    assert start == len("        é𝔵 = 1; self.fc1 = nn.Linear(") + 1 + 3  # é is 2 bytes, 𝔵 4


@pytest.mark.asyncio
async def test_quick_fix_makes_torch_run_the_model(client: LanguageClient, tmp_path):
    path = tmp_path / "lenet.py"
    uri = _open(client, path, LENET)
    diags = await _until(client, uri, lambda d: len(d) > 0, "for the broken model")
    with pytest.raises(RuntimeError):
        _torch_runs(tmp_path / "before.py", LENET)  # torch refuses the text as it is
    got = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diags[0].range, types.CodeActionContext(diagnostics=diags)))
    assert got is not None
    preferred = [a for a in got if isinstance(a, types.CodeAction) and a.is_preferred]
    assert len(preferred) == 1 and preferred[0].kind == types.CodeActionKind.QuickFix
    fixed = _apply(LENET, preferred[0].edit.changes[uri])
    assert fixed != LENET
    assert _torch_runs(tmp_path / "after.py", fixed) == (2, 10)
    _replace(client, uri, fixed, 2)
    assert await _until(client, uri, lambda d: d == [], "after the quick fix") == []


@pytest.mark.asyncio
async def test_noqa_action_suppresses(client: LanguageClient, tmp_path):
    uri = _open(client, tmp_path / "lenet.py", LENET)
    diags = await _until(client, uri, lambda d: len(d) > 0, "for the broken model")
    got = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diags[0].range, types.CodeActionContext(diagnostics=diags)))
    noqa = [a for a in got or [] if isinstance(a, types.CodeAction) and "noqa" in a.title]
    assert [a.title for a in noqa] == ["Suppress with `# noqa: SHP003`"]
    assert not noqa[0].is_preferred
    suppressed = _apply(LENET, noqa[0].edit.changes[uri])
    assert "self.fc1 = nn.Linear(16 * 6 * 6, 120)  # noqa: SHP003\n" in suppressed
    _replace(client, uri, suppressed, 2)
    assert await _until(client, uri, lambda d: d == [], "after # noqa") == []


def _shapes_rows(path: Path) -> list:
    """What `shapelint shapes` says of the file, through the command line."""
    out = subprocess.run([sys.executable, "-m", "shapelint", "shapes", str(path), "--output-format", "json"],
                         env=ENV, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]["layers"]


def _shape_text(dims: list) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


@pytest.mark.asyncio
async def test_hover_shows_the_layer_rows(client: LanguageClient, tmp_path):
    text = LENET.replace("16 * 6 * 6", "16 * 5 * 5")
    path = tmp_path / "lenet.py"
    path.write_text(text)
    rows = {r["name"]: r for r in _shapes_rows(path)}
    uri = _open(client, path, text)
    await _until(client, uri, lambda d: d == [], "for the good model")
    line, start, _ = _span(text, "self.fc1(x)")
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, start + 6)))
    assert hover is not None
    value = hover.contents.value
    fc1 = rows["fc1"]
    assert f"| fc1 (Linear) | `{_shape_text(fc1['input_shape'])}` | `{_shape_text(fc1['output_shape'])}` | {fc1['params']:,} | {fc1['macs']:,} |" in value
    assert "fc2" not in value
    line, start, _ = _span(text, "self.features(x)")
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, start + 3)))
    assert hover is not None
    for name in ("features.0", "features.3", "features.5"):
        assert f"| {name} ({rows[name]['type']}) | `{_shape_text(rows[name]['input_shape'])}`" in hover.contents.value
    line, start, _ = _span(text, "nn.Linear(16 * 5 * 5, 120)")  # the constructor in __init__
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, start + 2)))
    assert hover is not None and "| fc1 (Linear) |" in hover.contents.value and "fc2" not in hover.contents.value
    empty = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0)))
    assert empty is None


@pytest.mark.asyncio
async def test_inlay_hints_match_the_shapes_rows(client: LanguageClient, tmp_path):
    text = LENET.replace("16 * 6 * 6", "16 * 5 * 5")
    path = tmp_path / "lenet.py"
    path.write_text(text)
    rows = {r["name"]: r for r in _shapes_rows(path)}
    uri = _open(client, path, text)
    await _until(client, uri, lambda d: d == [], "for the good model")
    everything = types.Range(types.Position(0, 0), types.Position(len(text.splitlines()), 0))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), everything))
    assert hints
    got = {(h.position.line, h.position.character): h.label for h in hints}
    expected = {}
    for call, name in (("self.fc1(x)", "fc1"), ("self.fc2(x)", "fc2"), ("self.fc3(x)", "fc3"), ("self.features(x)", "features.5")):
        line, _, end = _span(text, call)
        expected[(line, end)] = f"-> {_shape_text(rows[name]['output_shape'])}"
    assert got == expected
    assert expected[_span(text, "self.features(x)")[0], _span(text, "self.features(x)")[2]] == "-> [N, 16, 5, 5]"


@pytest.mark.asyncio
async def test_inlay_hints_can_be_switched_off(quiet_client: LanguageClient, tmp_path):
    text = LENET.replace("16 * 6 * 6", "16 * 5 * 5")
    uri = _open(quiet_client, tmp_path / "lenet.py", text)
    await _until(quiet_client, uri, lambda d: d == [], "for the good model")
    everything = types.Range(types.Position(0, 0), types.Position(40, 0))
    assert not await quiet_client.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), everything))
    quiet_client.workspace_did_change_configuration(types.DidChangeConfigurationParams({"shapelint": {"inlayHints": True}}))
    hints = await quiet_client.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), everything))
    assert hints and len(hints) == 4


@pytest.mark.asyncio
async def test_inlay_hints_follow_the_workspace_configuration(pulling_client: LanguageClient, tmp_path):
    text = LENET.replace("16 * 6 * 6", "16 * 5 * 5")
    uri = _open(pulling_client, tmp_path / "lenet.py", text)
    await _until(pulling_client, uri, lambda d: d == [], "for the good model")
    params = types.InlayHintParams(types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(40, 0)))
    assert not await pulling_client.text_document_inlay_hint_async(params)
    pulling_client.set_configuration({"inlayHints": True}, section="shapelint")
    pulling_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(None))  # "ask me"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not await pulling_client.text_document_inlay_hint_async(params):
        assert loop.time() < deadline, "the settings were not read again"
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
async def test_syntax_error_is_a_diagnostic_not_a_crash(client: LanguageClient, tmp_path):
    uri = _open(client, tmp_path / "broken.py", "import torch\nclass Net(:\n    pass\n")
    diags = await _until(client, uri, lambda d: len(d) > 0, "for the syntax error")
    assert diags[0].code == "SHP000" and diags[0].range.start.line == 1
    _replace(client, uri, LENET, 2)  # the server still answers
    await _until(client, uri, lambda d: len(d) == 1 and d[0].code == "SHP003", "after the syntax error")


@pytest.mark.asyncio
async def test_internal_error_is_logged_and_the_server_goes_on(faulty_client: LanguageClient, tmp_path):
    crash = tmp_path / "crash.py"
    uri = _open(faulty_client, crash, LENET + "\n# CRASH_ME\n")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not any("injected fault" in m.message for m in faulty_client.log_messages):
        assert loop.time() < deadline, "no log message for the internal error"
        await asyncio.sleep(0.1)
    assert any(m.type == types.MessageType.Error for m in faulty_client.log_messages if "injected fault" in m.message)
    other = _open(faulty_client, tmp_path / "lenet.py", LENET)
    await _until(faulty_client, other, lambda d: len(d) == 1, "from the surviving server")
    _replace(faulty_client, uri, LENET, 2)
    await _until(faulty_client, uri, lambda d: len(d) == 1, "once the fault is gone")


SIZES = "WIDTH = 16\n"  # no model here: its own check stops early, its importers read it

BLOCKS = '''import torch.nn as nn

from .sizes import WIDTH


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, WIDTH, 5), nn.MaxPool2d(2))

    def forward(self, x):
        return self.body(x)
'''

MODEL = '''import torch
import torch.nn as nn

from .blocks import Features


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = Features()
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
'''


@pytest.mark.asyncio
async def test_editing_an_imported_file_rechecks_its_importers(client: LanguageClient, tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sizes.py").write_text(SIZES)
    (package / "blocks.py").write_text(BLOCKS)
    (package / "model.py").write_text(MODEL)
    model = _open(client, package / "model.py", MODEL)
    await _until(client, model, lambda d: d == [], "for the good model")
    blocks = _open(client, package / "blocks.py", BLOCKS)
    await _until(client, blocks, lambda d: d == [], "for the block")
    # unsaved: the model's check must read the block's buffer, not the file
    _replace(client, blocks, BLOCKS.replace("nn.Conv2d(6, WIDTH, 5)", "nn.Conv2d(6, 32, 5)"), 2)
    diags = await _until(client, model, lambda d: len(d) == 1, "in the importer")
    assert diags[0].code == "SHP003" and "receives 800 features" in diags[0].message
    assert diags[0].range.start.line == _span(MODEL, "16 * 5 * 5")[0]
    _replace(client, blocks, BLOCKS, 3)
    await _until(client, model, lambda d: d == [], "once the block is put back")
    # two files away, in a file without a model: still its buffer that counts
    sizes = _open(client, package / "sizes.py", SIZES)
    _replace(client, sizes, "WIDTH = 8\n", 2)
    diags = await _until(client, model, lambda d: len(d) == 1, "after editing sizes.py")
    assert "receives 200 features" in diags[0].message
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(sizes)))
    await _until(client, model, lambda d: d == [], "once the unsaved edit is closed")


HEAD = '''import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(576, 10)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))
'''

USES_HEAD = '''import torch.nn as nn

from .head import Head


# shapelint: input=(N, 16, 5, 5)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Head()

    def forward(self, x):
        return self.head(x)
'''


@pytest.mark.asyncio
async def test_a_finding_in_an_imported_file_is_published_there(client: LanguageClient, tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "head.py").write_text(HEAD)
    model = _open(client, package / "model.py", USES_HEAD)
    head = (package / "head.py").resolve().as_uri()
    diags = await _until(client, head, lambda d: len(d) == 1, "in the imported file")
    line, start, end = _span(HEAD, "576")
    assert (diags[0].range.start.line, diags[0].range.start.character, diags[0].range.end.character) == (line, start, end)
    assert "receives 400 features" in diags[0].message
    assert list(client.diagnostics[model]) == []
    _replace(client, model, USES_HEAD.replace("(N, 16, 5, 5)", "(N, 16, 6, 6)"), 2)  # now 576 is right
    await _until(client, head, lambda d: d == [], "once the model feeds it 576 features")


@pytest.mark.asyncio
async def test_settings_come_from_pyproject_and_are_read_again(client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\nignore = [\"SHP003\"]\n")
    uri = _open(client, tmp_path / "lenet.py", LENET)
    await _until(client, uri, lambda d: d == [], "with SHP003 ignored")
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\nselect = [\"ALL\"]\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent((tmp_path / "pyproject.toml").as_uri(), types.FileChangeType.Changed)]))
    diags = await _until(client, uri, lambda d: len(d) == 1, "once the setting is gone")
    assert diags[0].code == "SHP003"


@pytest.mark.asyncio
async def test_a_bad_setting_is_reported_and_its_repair_picked_up(client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\nbogus = 1\n")
    uri = _open(client, tmp_path / "lenet.py", LENET)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not any("unknown key" in m.message and "bogus" in m.message for m in client.log_messages):
        assert loop.time() < deadline, "no message about the bad setting"
        await asyncio.sleep(0.1)
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent((tmp_path / "pyproject.toml").as_uri(), types.FileChangeType.Changed)]))
    await _until(client, uri, lambda d: len(d) == 1, "once the setting is repaired")


@pytest.mark.asyncio
async def test_inputs_from_pyproject(client: LanguageClient, tmp_path):
    text = LENET.replace("# shapelint: input=(N, 3, 32, 32)\n", "")
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint.inputs]\n\"Net\" = [\"N\", 3, 32, 32]\n")
    uri = _open(client, tmp_path / "lenet.py", text)
    diags = await _until(client, uri, lambda d: len(d) == 1, "with the configured input")
    assert "receives 400 features" in diags[0].message


def test_without_pygls_the_command_says_how_to_install(monkeypatch, capsys):
    from shapelint.cli import main

    monkeypatch.setitem(sys.modules, "pygls", None)  # `import pygls` now fails
    for name in [n for n in sys.modules if n.startswith(("pygls.", "shapelint.lsp"))]:
        monkeypatch.delitem(sys.modules, name)
    assert main(["lsp"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'shapelint[lsp]'" in err
