"""``shapelint lsp``: the language server, over stdio (pygls).

The message loop never analyses: each analysis runs on one worker thread (the index it
keeps warm is not thread-safe).  An edit waits a short debounce; a newer edit of the same
document cancels the waiting one, and the result of an analysis whose document changed
meanwhile is dropped.  An analysis that fails becomes a log message, never a dead server.

A finding is published in the file it is in: checking a model can find the wrong literal
in a block it imports, so a file's diagnostics are those of every open document's latest
analysis that lie in it.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..config import ConfigError
from ..extract.environment import EnvironmentError_
from ..findings import Finding
from . import actions, shapes
from .convert import diagnostics, uri_of
from .session import Analysis, Session, Superseded

# Seconds an edit waits for the next keystroke before it is analysed.
DEBOUNCE = float(os.environ.get("SHAPELINT_LSP_DEBOUNCE", "0.05"))


def _path(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


def _same_file(a: str, b: Path) -> bool:
    return os.path.realpath(a) == str(b)


def _switch(options: Any) -> bool | None:
    """``inlayHints`` from initializationOptions or settings: at the top or under ``shapelint``."""
    if not isinstance(options, dict):
        return None
    inner = options.get("shapelint")
    if isinstance(inner, dict) and isinstance(inner.get("inlayHints"), bool):
        return bool(inner["inlayHints"])
    value = options.get("inlayHints")
    return value if isinstance(value, bool) else None


class ShapelintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("shapelint", __version__)
        self.session = Session()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapelint-analysis")
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.analyses: dict[str, Analysis] = {}  # uri -> its latest analysis
        self.shown: dict[str, list[Finding]] = {}  # uri -> the findings published there
        self.inlay_hints = True

    # -- helpers ---------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        """The position encoding agreed with the client: "utf-16" unless it offered another."""
        kind = self.workspace.position_encoding
        return str(getattr(kind, "value", kind) or "utf-16")

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))

    def doc_version(self, uri: str) -> int | None:
        doc = self.workspace.text_documents.get(uri)
        return doc.version if doc is not None else None

    def current(self, uri: str) -> Analysis | None:
        """The document's latest analysis, if made of the text it has now (positions
        computed on another text would point elsewhere)."""
        analysis = self.analyses.get(uri)
        doc = self.workspace.text_documents.get(uri)
        return analysis if analysis is not None and doc is not None and doc.source == analysis.text else None

    def buffers(self) -> dict[Path, str]:
        out = {}
        for uri, doc in self.workspace.text_documents.items():
            path = _path(uri)
            if path is not None:
                out[path] = doc.source
        return out

    # -- scheduling ------------------------------------------------------------------

    def schedule(self, uri: str, delay: float, cascade: bool = True) -> None:
        """Analyse the document after ``delay``; a waiting analysis of it is cancelled.
        ``cascade``: then re-check the open documents that read this one."""
        old = self.pending.pop(uri, None)
        if old is not None and not old.done():
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._analyse(uri, delay, cascade))

    async def _analyse(self, uri: str, delay: float, cascade: bool) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = self.workspace.text_documents.get(uri)
        path = _path(uri)
        if doc is None or path is None:
            return
        version, text, buffers = doc.version, doc.source, self.buffers()

        def wanted() -> bool:
            return self.doc_version(uri) == version

        loop = asyncio.get_running_loop()
        try:
            analysis = await loop.run_in_executor(self.executor, self.session.analyse, path, text, buffers, wanted)
        except Superseded:
            return
        except (ConfigError, EnvironmentError_) as e:  # the user's settings: say so, plainly
            self.log(types.MessageType.Error, f"shapelint: {e}")
            return
        except Exception as e:  # noqa: BLE001 - a bug of ours must not end the server
            self.log(types.MessageType.Error, f"shapelint: internal error while analysing {path}: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            return
        if not wanted():
            return  # the buffer changed meanwhile: its own analysis is on its way
        try:
            self._accept(uri, path, version, analysis, cascade)
        except Exception as e:  # noqa: BLE001 - nor must a bug in what follows
            self.log(types.MessageType.Error, f"shapelint: internal error after analysing {path}: {type(e).__name__}: {e}\n{traceback.format_exc()}")

    def _accept(self, uri: str, path: Path, version: int, analysis: Analysis, cascade: bool) -> None:
        """Log, keep and publish a fresh analysis; re-check the documents that read it."""
        for problem in analysis.problems:
            self.log(types.MessageType.Error, f"shapelint: internal error while analysing {path}: {problem} (please report it)")
        for warning in analysis.result.warnings:
            self.log(types.MessageType.Warning, f"shapelint: {warning}")
        self.log(types.MessageType.Log, f"shapelint: {path.name} v{version} analysed in {analysis.seconds * 1000:.0f} ms")
        before = self.analyses.get(uri)
        self.analyses[uri] = analysis
        self.publish(before, analysis)
        if cascade:
            for other, each in list(self.analyses.items()):
                if other != uri and analysis.path in each.depends_on:
                    self.schedule(other, 0, cascade=False)
        if self.inlay_hints and self._can_refresh_hints():
            self.workspace_inlay_hint_refresh(None)

    async def pull_settings(self) -> None:
        """``shapelint.inlayHints`` through ``workspace/configuration``, where the client has it."""
        ws = self.client_capabilities.workspace
        if not (ws and ws.configuration):
            return
        try:
            got = await self.workspace_configuration_async(types.ConfigurationParams([types.ConfigurationItem(section="shapelint")]))
        except Exception as e:  # noqa: BLE001 - a client that fails to answer keeps the current settings
            self.log(types.MessageType.Warning, f"shapelint: could not read the settings: {e}")
            return
        switch = _switch({"shapelint": got[0]}) if got else None
        if switch is not None:
            self.inlay_hints = switch

    def _can_refresh_hints(self) -> bool:
        ws = self.client_capabilities.workspace
        return bool(ws and ws.inlay_hint and ws.inlay_hint.refresh_support)

    # -- publishing ------------------------------------------------------------------

    def publish(self, before: Analysis | None, after: Analysis | None) -> None:
        """Publish again each file whose findings may have changed."""
        files = {after.path} if after is not None else set()
        for each in (before, after):
            if each is not None:
                files |= {Path(os.path.realpath(f.filename)) for f in each.findings}
        for path in files:
            self.publish_file(path, always=after is not None and path == after.path)

    def uri_for(self, path: Path) -> str:
        """The URI the client knows the file by (an open document's own), else one made."""
        for uri, each in self.analyses.items():
            if each.path == path:
                return uri
        for uri in self.workspace.text_documents:
            own = _path(uri)
            if own is not None and own.resolve() == path:
                return uri
        return uri_of(str(path))

    def publish_file(self, path: Path, always: bool = False, uri: str | None = None) -> None:
        """``always``: publish even an empty list never published (the document just checked)."""
        uri = uri or self.uri_for(path)
        found: list[Finding] = []
        seen = set()
        for each in self.analyses.values():
            for f in each.findings:
                key = (f.row, f.column, f.code, f.message)
                if _same_file(f.filename, path) and key not in seen:
                    seen.add(key)
                    found.append(f)
        if not found and uri not in self.shown and not always:
            return
        if found:
            self.shown[uri] = found
        else:
            self.shown.pop(uri, None)
        doc = self.workspace.text_documents.get(uri)
        own = self.analyses.get(uri)
        text = own.text if own is not None else doc.source if doc is not None else _disk_text(path)
        version = self.doc_version(uri) if own is not None else None
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diagnostics(found, text, str(path), self.encoding), version))

    def forget(self, uri: str) -> None:
        """A closed document: its analysis no longer speaks for any file."""
        task = self.pending.pop(uri, None)
        if task is not None and not task.done():
            task.cancel()
        before = self.analyses.pop(uri, None)
        if before is not None:
            self.publish(before, None)
            self.publish_file(before.path, uri=uri)  # by the URI the client knew it by
        path = _path(uri)
        for other, each in list(self.analyses.items()):
            if path is not None and path.resolve() in each.depends_on:
                self.schedule(other, 0, cascade=False)  # they read the file as it is on disk now


def _disk_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def make_server() -> ShapelintServer:
    server = ShapelintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: ShapelintServer, params: types.InitializeParams) -> None:
        switch = _switch(params.initialization_options)
        if switch is not None:
            ls.inlay_hints = switch

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ShapelintServer, params: types.InitializedParams) -> None:
        """Ask to hear of pyproject.toml and .py files changing on disk, where the client
        lets a server ask (otherwise a change is noticed at the next edit); read the
        ``shapelint`` settings where the client serves them."""
        ws = ls.client_capabilities.workspace
        if ws and ws.did_change_watched_files and ws.did_change_watched_files.dynamic_registration:
            watchers = [types.FileSystemWatcher(glob_pattern="**/pyproject.toml"), types.FileSystemWatcher(glob_pattern="**/*.py")]
            options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
            ls.client_register_capability(types.RegistrationParams([types.Registration("shapelint-watch", types.WORKSPACE_DID_CHANGE_WATCHED_FILES, options)]))
        await ls.pull_settings()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def changed_configuration(ls: ShapelintServer, params: types.DidChangeConfigurationParams) -> None:
        switch = _switch(params.settings)
        if switch is not None:
            ls.inlay_hints = switch
        else:  # the client only says that something changed: ask it
            await ls.pull_settings()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ShapelintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ShapelintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ShapelintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ShapelintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: ShapelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        """A pyproject.toml or a .py file changed on disk: check the open documents again
        (the session notices what changed: settings, or files it had read)."""
        for uri in list(ls.workspace.text_documents):
            if _path(uri) is not None:
                ls.schedule(uri, 0, cascade=False)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: ShapelintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        analysis = ls.current(uri)
        if analysis is None:
            return None
        mine = [f for f in analysis.findings if _same_file(f.filename, analysis.path)]
        return actions.code_actions(mine, analysis.text, uri, str(analysis.path), params.range, ls.encoding) or None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ShapelintServer, params: types.HoverParams) -> types.Hover | None:
        analysis = ls.current(params.text_document.uri)
        if analysis is None:
            return None
        loop = asyncio.get_running_loop()  # positions are computed on the analysis thread
        return await loop.run_in_executor(ls.executor, shapes.hover, analysis, params.position, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions())
    async def inlay_hint(ls: ShapelintServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        analysis = ls.current(params.text_document.uri)
        if analysis is None or not ls.inlay_hints:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(ls.executor, shapes.inlay_hints, analysis, params.range, ls.encoding)

    return server


def main() -> int:
    make_server().start_io()
    return 0
