"""Latency of ``shapelint lsp`` as an editor feels it: prints figures, asserts nothing.

    python benchmarks/lsp_latency.py [FILE ...] [--edits N]
    python benchmarks/lsp_latency.py fixtures/good/cyclegan.py /work/libs/torchvision/models/resnet.py

Without files it measures the largest shipped fixture.  The server runs as a subprocess
over stdio, driven by pygls's LanguageClient as an editor drives it.  For each file:

- open: from sending ``didOpen`` to the ``publishDiagnostics`` that answers it (the first
  analysis: the file and the modules it imports are parsed);
- inlay hints: the whole file's, asked once the diagnostics are in, as an editor asks;
- change: from sending a ``didChange`` (a whole-buffer edit that changes a layer's
  argument back and forth, or else a comment) to the diagnostics published for that
  version, the debounce included; each edit waits for the previous answer.  Median and max.

Targets (issue 10): under 150 ms after a change on the largest fixture, under 500 ms on
torchvision's resnet.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def largest_fixture() -> Path:
    return max(FIXTURES.glob("*/*.py"), key=lambda p: p.stat().st_size)


def _edits(text: str, n: int) -> list[str]:
    """Texts an author types: an integer argument of a layer call changed and changed back
    (the model is analysed anew each time), else a comment appended."""
    m = re.search(r"nn\.\w+\((\d+), ", text)
    out = []
    for i in range(n):
        if m is not None:
            value = str(int(m.group(1)) + (i % 2))
            out.append(text[: m.start(1)] + value + text[m.end(1):])
        else:
            out.append(text + f"\n# edit {i}\n")
    return out


class Client:
    """A client that records when each document's diagnostics arrive."""

    def __init__(self) -> None:
        self.lsp = LanguageClient("lsp-latency", "1")
        self.arrived: dict[str, list[tuple[float, int | None, int]]] = {}
        self.analysed: dict[str, list[float]] = {}  # file name -> the server's own analysis times (ms)
        self.event = asyncio.Event()

        @self.lsp.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            m = re.match(r"shapelint: (\S+) v\d+ analysed in (\d+) ms", params.message)
            if m is not None:
                self.analysed.setdefault(m.group(1), []).append(float(m.group(2)))

        @self.lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.arrived.setdefault(params.uri, []).append((time.perf_counter(), params.version, len(params.diagnostics)))
            self.event.set()

    async def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        await self.lsp.start_io(sys.executable, "-m", "shapelint", "lsp", env=env)
        await self.lsp.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), process_id=os.getpid()))
        self.lsp.initialized(types.InitializedParams())

    async def stop(self) -> None:
        await self.lsp.shutdown_async(None)
        self.lsp.exit(None)
        await self.lsp.stop()

    async def answer(self, uri: str, version: int, sent: float, timeout: float = 60.0) -> tuple[float, int]:
        """Seconds from ``sent`` to the diagnostics of ``version``, and how many there were."""
        deadline = time.perf_counter() + timeout
        while True:
            for at, v, n in self.arrived.get(uri, []):
                if v == version and at >= sent:
                    return at - sent, n
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no diagnostics for {uri} v{version}")
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), left)
            except asyncio.TimeoutError:
                pass


async def measure(client: Client, path: Path, edits: int) -> None:
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    sent = time.perf_counter()
    client.lsp.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    opened, found = await client.answer(uri, 1, sent)
    everything = types.Range(types.Position(0, 0), types.Position(len(text.splitlines()) + 1, 0))
    sent = time.perf_counter()
    hints = await client.lsp.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), everything))
    hinted = time.perf_counter() - sent
    changes = []
    for version, new in enumerate(_edits(text, edits), start=2):
        change = types.TextDocumentContentChangeWholeDocument(text=new)
        sent = time.perf_counter()
        client.lsp.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(version, uri), [change]))
        seconds, _ = await client.answer(uri, version, sent)
        changes.append(seconds)
    client.lsp.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    ms = [s * 1000 for s in changes]
    inside = client.analysed.get(path.name, [])[-len(ms):]
    print(f"{path}  ({len(text.splitlines())} lines, {found} finding{'' if found == 1 else 's'} on open)")
    print(f"  didOpen   -> diagnostics: {opened * 1000:7.0f} ms")
    print(f"  then inlayHint (whole file, {len(hints or [])} hints): {hinted * 1000:7.0f} ms (the first computes the file's positions)")
    print(f"  didChange -> diagnostics: median {statistics.median(ms):5.0f} ms, max {max(ms):5.0f} ms over {len(ms)} edits")
    if inside:
        print(f"  of which the analysis itself (check_source): median {statistics.median(inside):5.0f} ms, max {max(inside):5.0f} ms")


async def main_async(paths: list[Path], edits: int) -> None:
    client = Client()
    await client.start()
    try:
        for path in paths:
            await measure(client, path, edits)
    finally:
        await client.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="default: the largest fixture")
    parser.add_argument("--edits", type=int, default=10, help="didChange edits per file (default 10)")
    args = parser.parse_args()
    paths = args.files or [largest_fixture()]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"debounce {os.environ.get('SHAPELINT_LSP_DEBOUNCE', '0.05')} s (SHAPELINT_LSP_DEBOUNCE), {os.cpu_count()} cores, load average {load}")
    asyncio.run(main_async(paths, args.edits))


if __name__ == "__main__":
    main()
