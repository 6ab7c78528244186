"""shapelint runs on untrusted pull requests: checking a file, and the project it
imports, never imports, executes or evaluates it.  Proved with Python's audit hooks:
while ``shapelint check`` runs on a project whose every line would write a file, open
a socket or start a process, no such event happens and none of its modules is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

EVIL = """
import os, socket, subprocess
open(os.path.join(os.path.dirname(__file__), "pwned-{name}.txt"), "w").write("ran")
socket.socket().connect(("127.0.0.1", 9))
subprocess.run(["touch", "pwned-process"])
"""

PROJECT = {
    "evilpkg/__init__.py": EVIL.format(name="init"),
    "evilpkg/blocks.py": EVIL.format(name="blocks") + """
import torch.nn as nn

WIDTH = eval("__import__('os').system('touch pwned-eval') or 16")


class Block(nn.Module):
    def __init__(self, c=exec("import os; os.system('touch pwned-exec')") or 8):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        __import__("os").system("touch pwned-forward")
        return self.conv(x)
""",
    "evilpkg/net.py": EVIL.format(name="net") + """
import importlib
import torch
import torch.nn as nn
from .blocks import Block

mod = importlib.import_module("evilpkg.blocks")


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = Block(8)
        self.fc = nn.Linear(100, 10)  # 8*32*32 arrive: a finding, so the analysis really ran

    def forward(self, x):
        open("pwned-open.txt", "w")
        x = self.block(self.stem(x))
        return self.fc(torch.flatten(x, 1))
""",
}

HOOK = textwrap.dedent("""
    import sys
    events = []
    WATCH = ("socket.", "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "ctypes.")

    def hook(event, args):
        if event == "open" and len(args) > 1 and isinstance(args[1], str) and any(c in args[1] for c in "wax+"):
            events.append((event, str(args[0])))
        elif event == "import" and str(args[0]).split(".")[0] == "evilpkg":
            events.append((event, args[0]))
        elif event.startswith(WATCH):
            events.append((event, repr(args)[:80]))

    from shapelint.cli import main
    sys.addaudithook(hook)
    code = main(["check", "--no-cache", "--output-format", "concise", sys.argv[1]])
    print("EVENTS", events)
    print("EXIT", code)
""")


def test_checking_a_hostile_project_has_no_effect(tmp_path):
    for rel, text in PROJECT.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    script = tmp_path / "run_check.py"
    script.write_text(HOOK)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "evilpkg")], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert "EXIT 1" in proc.stdout, proc.stdout + proc.stderr
    assert "EVENTS []" in proc.stdout, proc.stdout
    assert "SHP003" in proc.stdout  # the analysis followed the project
    assert not [p.name for p in Path(tmp_path).rglob("pwned*")]


def test_the_cache_writes_only_into_its_folder(tmp_path):
    for rel, text in PROJECT.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.shapelint]\n")
    before = {p for p in tmp_path.rglob("*")}
    env = {k: v for k, v in os.environ.items() if k != "SHAPELINT_CACHE_DIR"}
    for _ in range(2):  # a cold run writes entries, a warm one reads them
        proc = subprocess.run([sys.executable, "-m", "shapelint", "check", str(tmp_path / "evilpkg")], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
        assert proc.returncode == 1, proc.stderr
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p.is_relative_to(tmp_path / ".shapelint_cache") for p in new), sorted(map(str, new))
