"""Installed libraries are read like project code from the project's environment, never run.

A fake environment is built in tmp_path: a virtual environment's ``pyvenv.cfg`` and
``lib/pythonX.Y/site-packages`` holding ``fakelib`` (re-exports, star imports) and a small
``timm`` (a ``@register_model`` registry and ``create_model``).  Importing either writes a
marker file, so a run of shapelint that executed them would leave it behind.  Real torch
(in a subprocess, with the fake site-packages on its path) confirms each model: the bad one
fails, the good one runs.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shapelint import cli
from shapelint.analysis import analyse
from shapelint.extract.environment import EnvironmentError_, library_roots
from shapelint.extract.index import ProjectIndex

PY = f"python{sys.version_info.major}.{sys.version_info.minor}"

SIDE_EFFECT = "open({marker!r}, 'w').write('imported')\n"

LIBRARY = {
    # a package __init__ re-exporting a function named like its submodule, and a chain
    "fakelib/__init__.py": SIDE_EFFECT + "from .layers import conv_block, Widen\nfrom .layers.plain import *\n",
    "fakelib/layers/__init__.py": "from .conv_block import conv_block\nfrom .blocks import *\nfrom .more import *\n",
    "fakelib/layers/conv_block.py": """\
        import torch.nn as nn


        def conv_block(cin, cout, stride=1):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU())
        """,
    # star import that follows a literal __all__
    "fakelib/layers/blocks.py": """\
        import torch.nn as nn

        __all__ = ["Widen"]


        class Widen(nn.Module):
            def __init__(self, cin, factor=2):
                super().__init__()
                self.conv = nn.Conv2d(cin, cin * factor, 1)

            def forward(self, x):
                return self.conv(x)


        def Hidden(cin):  # not in __all__: a star import does not bind it
            return nn.Linear(cin, 3)
        """,
    # star import without __all__: the public names
    "fakelib/layers/more.py": """\
        import torch.nn as nn


        def pooled(cin):
            return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())


        def _private(cin):
            return nn.Linear(cin, 3)
        """,
    "fakelib/layers/plain.py": "from .more import pooled\n",
    # layers the library wires itself: torch refuses them for some of the caller's values
    "fakelib/layers/wired.py": """\
        import torch.nn as nn


        class Grouped(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1, groups=3)

            def forward(self, x):
                return self.conv(x)


        class Squash(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 4)

            def forward(self, x):
                return self.fc(x.flatten(1))
        """,
    # a timm-shaped registry: create_model finds the @register_model function by name
    "timm/__init__.py": SIDE_EFFECT + "from .models import create_model\n",
    "timm/models/__init__.py": "from ._factory import create_model\nfrom ._registry import register_model\nfrom .tiny import *\n",
    "timm/models/_registry.py": """\
        _model_entrypoints = {}


        def register_model(fn):
            _model_entrypoints[fn.__name__] = fn
            return fn


        def model_entrypoint(name):
            return _model_entrypoints[name.split(".")[0]]
        """,
    "timm/models/_factory.py": """\
        from ._registry import model_entrypoint


        def create_model(model_name, pretrained=False, checkpoint_path=None, **kwargs):
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            return model_entrypoint(model_name)(pretrained=pretrained, **kwargs)
        """,
    # as timm: the pretrained config, registered while importing, fills num_classes
    "timm/models/_builder.py": """\
        _cfgs = {}


        def register_cfg(name, **cfg):
            _cfgs[name] = cfg


        def _update_default_model_kwargs(pretrained_cfg, kwargs, kwargs_filter):
            if pretrained_cfg.get("num_classes") is not None:
                kwargs.setdefault("num_classes", pretrained_cfg["num_classes"])


        def build_model_with_cfg(model_cls, variant, pretrained=False, **kwargs):
            _update_default_model_kwargs(_cfgs.get(variant), kwargs, None)
            return model_cls(**kwargs)
        """,
    "timm/models/tiny.py": """\
        import torch.nn as nn

        from fakelib import conv_block, Widen, pooled
        from ._builder import build_model_with_cfg, register_cfg
        from ._registry import register_model

        register_cfg("tiny_net_cfg", num_classes=7)


        class TinyNet(nn.Module):
            def __init__(self, width=16, num_classes=1000, in_chans=3):
                super().__init__()
                self.stem = conv_block(in_chans, width, stride=2)
                self.widen = Widen(width)
                self.pool = pooled(width * 2)
                self.fc = nn.Linear(width * 2, num_classes) if num_classes > 0 else nn.Identity()

            def forward(self, x):
                return self.fc(self.pool(self.widen(self.stem(x))))


        def _create(variant, pretrained=False, **kwargs):
            return TinyNet(**kwargs)


        @register_model
        def tiny_net(pretrained=False, **kwargs):
            return _create("tiny_net", pretrained, **dict(dict(width=16), **kwargs))


        @register_model
        def tiny_net_wide(pretrained=False, **kwargs):
            return _create("tiny_net_wide", pretrained, **dict(dict(width=24), **kwargs))


        @register_model
        def tiny_net_cfg(pretrained=False, **kwargs):
            return build_model_with_cfg(TinyNet, "tiny_net_cfg", pretrained, **kwargs)
        """,
}

MODEL = """\
import timm
import torch
import torch.nn as nn


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = timm.create_model("{name}", num_classes=0, pretrained=False)
        self.head = nn.Linear({features}, 10)

    def forward(self, x):
        return self.head(self.backbone(x))
"""

REEXPORTS = """\
import torch
import torch.nn as nn

import fakelib.layers
from fakelib import conv_block, Widen, pooled


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = conv_block(3, 8)
        self.b = fakelib.layers.conv_block({cin}, 8)
        self.c = Widen(8)
        self.pool = pooled(16)

    def forward(self, x):
        return self.pool(self.c(self.b(self.a(x))))
"""


def make_env(root: Path, marker: Path) -> Path:
    """A virtual environment at ``root`` holding the fake libraries; returns its interpreter path."""
    (root / "bin").mkdir(parents=True)
    python = root / "bin" / "python"
    python.write_text("#!/bin/sh\nexit 3\n")  # never run: pyvenv.cfg says where site-packages is
    (root / "pyvenv.cfg").write_text(f"home = /nowhere\ninclude-system-site-packages = false\nversion = {sys.version_info.major}.{sys.version_info.minor}.0\n")
    site = root / "lib" / PY / "site-packages"
    for rel, text in LIBRARY.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace(SIDE_EFFECT, SIDE_EFFECT.format(marker=str(marker))))
    return python


@pytest.fixture
def env(tmp_path):
    marker = tmp_path / "imported.txt"
    python = make_env(tmp_path / "env", marker)
    return python, marker


def site_of(python: Path) -> Path:
    return python.parent.parent / "lib" / PY / "site-packages"


def run_torch(site: Path, path: Path, shape=(2, 3, 32, 32)):
    """Run the model in real torch, the fake libraries importable; (ok, output shape or error)."""
    script = textwrap.dedent(f"""\
        import importlib.util, json, sys, torch
        spec = importlib.util.spec_from_file_location("model", {str(path)!r})
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
            out = mod.Net()(torch.zeros(*{shape!r}))
            print(json.dumps([True, list(out.shape), sum(p.numel() for p in mod.Net().parameters())]))
        except (RuntimeError, ValueError, TypeError) as e:
            print(json.dumps([False, str(e).splitlines()[0], 0]))
        """)
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def check(path: Path, capsys, *args: str):
    code = cli.main(["check", str(path), "--output-format", "json", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip().startswith("[") else out


def write_model(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.py"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name, width", [("tiny_net", 16), ("tiny_net_wide.some_tag", 24)])
def test_create_model_runs_the_registered_function(env, tmp_path, capsys, name, width):
    python, marker = env
    bad = write_model(tmp_path / "bad", MODEL.format(name=name, features=1024))
    good = write_model(tmp_path / "good", MODEL.format(name=name, features=2 * width))
    code, findings = check(bad, capsys, "--python", str(python))
    assert code == 1
    [f] = findings
    assert f["code"] == "SHP003" and f"receives {2 * width} features" in f["message"]
    assert "line 5 of fakelib.layers.more" in f["message"]  # the producer, in the library's file
    assert (f["location"]["row"], f["filename"]) == (11, str(bad))
    assert check(good, capsys, "--python", str(python)) == (0, [])
    assert not marker.exists()  # read, never imported
    ok, detail, _ = run_torch(site_of(python), bad)
    assert not ok and "mat1 and mat2" in detail
    ok, detail, params = run_torch(site_of(python), good)
    assert ok and detail == [2, 10]
    index = ProjectIndex(library_roots=library_roots(good, str(python)))
    [trace] = analyse(index, index.load(good), {"Net": ("N", 3, 32, 32)})
    assert trace.output == ("N", 10) and trace.params == params


@pytest.mark.parametrize("features", [7, 1000])
def test_a_head_size_from_the_pretrained_config_is_unknown(env, tmp_path, capsys, features):
    """The config registered at import time says 7 classes; the class default is 1000.

    Neither is read: a Linear after the head is not checked (torch: 7 runs, 1000 fails)."""
    python, _ = env
    path = write_model(tmp_path / f"c{features}", MODEL.format(name="tiny_net_cfg", features=features).replace("num_classes=0, ", ""))
    assert check(path, capsys, "--python", str(python)) == (0, [])
    ok, _, _ = run_torch(site_of(python), path)
    assert ok == (features == 7)


def test_an_unknown_model_name_is_unknown_not_a_finding(env, tmp_path, capsys):
    python, _ = env
    path = write_model(tmp_path / "p", MODEL.format(name="no_such_net", features=1024))
    assert check(path, capsys, "--python", str(python)) == (0, [])
    path = write_model(tmp_path / "q", MODEL.format(name="hf-hub:timm/tiny_net", features=1024))
    assert check(path, capsys, "--python", str(python)) == (0, [])


@pytest.mark.parametrize("cin", [8, 4])
def test_reexports_star_imports_and_chains(env, tmp_path, capsys, cin):
    python, marker = env
    path = write_model(tmp_path / f"r{cin}", REEXPORTS.format(cin=cin))
    code, findings = check(path, capsys, "--python", str(python))
    assert not marker.exists()
    ok, detail, params = run_torch(site_of(python), path)
    if cin == 8:
        assert (code, findings) == (0, [])
        assert ok and detail == [2, 16]
        index = ProjectIndex(library_roots=library_roots(path, str(python)))
        [trace] = analyse(index, index.load(path), {"Net": ("N", 3, 32, 32)})
        assert trace.output == ("N", 16) and trace.params == params
    else:
        [f] = findings
        assert f["code"] == "SHP002" and f["location"]["row"] == 13 and "receives 8" in f["message"]
        assert not ok and "channels" in detail


def test_star_exports_follow_all_else_public_names(env):
    python, _ = env
    index = ProjectIndex(library_roots=library_roots(python, str(python)))
    blocks = index.module("fakelib.layers.blocks")
    more = index.module("fakelib.layers.more")
    assert blocks is not None and more is not None
    assert index.star_binds(blocks, "Widen") and not index.star_binds(blocks, "Hidden")
    assert index.star_binds(more, "pooled") and not index.star_binds(more, "_private")
    assert not index.star_binds(more, "nothing_here")
    layers = index.module("fakelib.layers")
    assert index.star_source(layers, "Widen") is blocks
    assert index.star_source(layers, "Hidden") is None
    # the package binds conv_block: the function, not the submodule of the same name
    info, rest = index.split("fakelib.layers.conv_block")
    assert (info.name, rest) == ("fakelib.layers", ["conv_block"])
    info, rest = index.split("fakelib.layers.conv_block.conv_block")
    assert (info.name, rest) == ("fakelib.layers", ["conv_block", "conv_block"])
    assert index.module("torch") is None  # torch is the layer algebra's, never read


def _project(tmp_path: Path, name: str = "proj") -> Path:
    return write_model(tmp_path / name / "src", MODEL.format(name="tiny_net", features=1024))


def test_a_dot_venv_at_the_project_root_is_found(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    marker = tmp_path / "imported.txt"
    path = _project(tmp_path)
    (tmp_path / "proj" / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    make_env(tmp_path / "proj" / ".venv", marker)
    code, findings = check(path, capsys)
    assert code == 1 and [f["code"] for f in findings] == ["SHP003"]
    assert not marker.exists()


def test_virtual_env_is_found(tmp_path, capsys, monkeypatch):
    marker = tmp_path / "imported.txt"
    make_env(tmp_path / "somewhere", marker)
    path = _project(tmp_path)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert check(path, capsys) == (0, [])  # no environment: the backbone is unknown, nothing reported
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "somewhere"))
    code, findings = check(path, capsys)
    assert code == 1 and [f["code"] for f in findings] == ["SHP003"]
    assert not marker.exists()


def test_pyproject_python_is_read_and_a_bad_value_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    make_env(tmp_path / "envs" / "a", tmp_path / "imported.txt")
    path = _project(tmp_path)
    pyproject = tmp_path / "proj" / "pyproject.toml"
    pyproject.write_text('[tool.shapelint]\npython = "../envs/a/bin/python"\n')
    code, findings = check(path, capsys)
    assert code == 1 and [f["code"] for f in findings] == ["SHP003"]
    for bad in ('python = 3', 'python = "../envs/nothing/bin/python"'):
        pyproject.write_text(f"[tool.shapelint]\n{bad}\n")
        code, out = check(path, capsys)
        assert code == 2 and "python" in out.err and out.out == ""


def test_a_bad_python_flag_is_a_usage_error(tmp_path, capsys):
    path = _project(tmp_path)
    assert cli.main(["check", str(path), "--python", str(tmp_path / "no" / "python")]) == 2
    assert "no such interpreter" in capsys.readouterr().err
    assert cli.main(["shapes", f"{path}::Net", "--python", str(tmp_path)]) == 2
    assert "not a virtual environment" in capsys.readouterr().err


def test_shapes_reads_the_library_too(env, tmp_path, capsys):
    python, _ = env
    path = write_model(tmp_path / "s", MODEL.format(name="tiny_net", features=32))
    assert cli.main(["shapes", f"{path}::Net", "--python", str(python), "--output-format", "json"]) == 0
    [model] = json.loads(capsys.readouterr().out)
    assert model["output_shape"] == ["N", 10]
    assert [row["name"] for row in model["layers"]][:3] == ["backbone.stem.0", "backbone.stem.1", "backbone.stem.2"]


def test_one_index_for_all_files_of_a_run(env, tmp_path, capsys, monkeypatch):
    python, _ = env
    for name in ("a", "b"):
        write_model(tmp_path / "many" / name, MODEL.format(name="tiny_net", features=1024))
    parsed = []
    real_add = ProjectIndex.add

    def add(self, path, *args, **kwargs):
        parsed.append(Path(path).resolve())
        return real_add(self, path, *args, **kwargs)

    monkeypatch.setattr(ProjectIndex, "add", add)
    code, findings = check(tmp_path / "many", capsys, "--python", str(python))
    assert code == 1 and len(findings) == 2
    library = [p for p in parsed if site_of(python).resolve() in p.parents]
    assert library and len(library) == len(set(library))  # each library file parsed once per run


def test_environment_discovery_without_running_anything(tmp_path):
    python = make_env(tmp_path / "venv", tmp_path / "m")
    site = site_of(python).resolve()
    assert library_roots(tmp_path, str(python)) == [site]
    assert library_roots(tmp_path, str(tmp_path / "venv")) == [site]  # the environment's folder
    # an editable install's .pth adds its folder; an ``import`` line is never run
    (tmp_path / "src").mkdir()
    (site / "editable.pth").write_text(f"{tmp_path / 'src'}\nimport os; os.remove('x')\n")
    assert library_roots(tmp_path, str(python)) == [site, (tmp_path / "src").resolve()]
    with pytest.raises(EnvironmentError_):
        library_roots(tmp_path, str(tmp_path / "missing"))
    # not a virtual environment (conda): its one lib/pythonX.Y/site-packages, still not run
    conda = tmp_path / "conda"
    (conda / "bin").mkdir(parents=True)
    (conda / "bin" / "python").write_text("#!/bin/sh\nexit 3\n")
    (conda / "lib" / PY / "site-packages").mkdir(parents=True)
    assert library_roots(tmp_path, str(conda / "bin" / "python")) == [(conda / "lib" / PY / "site-packages").resolve()]


TORCHVISION_MODEL = """\
import torch
import torch.nn as nn
from torchvision import models


# shapelint: input=(N, 3, 64, 64)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = models.resnet18(weights=None)
        self.backbone.fc = nn.Identity()
        self.head = nn.Linear({features}, 10)

    def forward(self, x):
        return self.head(self.backbone(x))
"""


@pytest.mark.skipif(not os.environ.get("SHAPELINT_LIBS_PYTHON"), reason="set SHAPELINT_LIBS_PYTHON to an interpreter with torch and torchvision installed")
@pytest.mark.parametrize("features", [512, 1024])
def test_real_torchvision_through_its_environment(tmp_path, capsys, features):
    """The released torchvision, read from the environment of SHAPELINT_LIBS_PYTHON; that
    interpreter (which has torch) is the oracle."""
    python = os.environ["SHAPELINT_LIBS_PYTHON"]
    path = write_model(tmp_path / str(features), TORCHVISION_MODEL.format(features=features))
    code, findings = check(path, capsys, "--python", python)
    script = f"import importlib.util, torch; s = importlib.util.spec_from_file_location('m', {str(path)!r}); m = importlib.util.module_from_spec(s); s.loader.exec_module(m); print(sum(p.numel() for p in m.Net().parameters())); m.Net()(torch.zeros(2, 3, 64, 64))"
    ran = subprocess.run([python, "-c", script], capture_output=True, text=True)
    if features == 512:
        assert (code, findings) == (0, []) and ran.returncode == 0
        index = ProjectIndex(library_roots=library_roots(path, python))
        [trace] = analyse(index, index.load(path), {"Net": ("N", 3, 64, 64)})
        assert trace.output == ("N", 10) and trace.params == int(ran.stdout.split()[0])
    else:
        assert [(f["code"], f["location"]["row"]) for f in findings] == [("SHP003", 12)]
        assert "receives 512 features" in findings[0]["message"]
        assert ran.returncode != 0 and "mat1 and mat2" in ran.stderr


def test_bindings_as_python_makes_them(tmp_path):
    """What the try body binds wins over its fallback; a later definition over an import."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(textwrap.dedent("""\
        try:
            from .b import f
        except ImportError:
            f = None
        from .b import g
        def g():
            return 2
        from .b import h
        """))
    (pkg / "b.py").write_text("def f():\n    return 1\n\n\ndef g():\n    return 1\n\n\nh = 3\n")
    info = ProjectIndex().load(pkg / "a.py")
    assert info.from_imports == {"f": ("pkg.b", "f"), "h": ("pkg.b", "h")}
    assert "g" in info.defs and "f" not in info.defs


TORCH_STARS = """\
import torch
from torch.nn import *
from torch.nn.functional import *


# shapelint: input=(N, 3, 32, 32)
class Net(Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2d(3, 8, 3)
        self.fc = Linear(8 * 30 * 30, 10)
        self.fc2 = Linear({features}, 2)

    def forward(self, x):
        return self.fc2(relu(self.fc(torch.flatten(self.conv(x), 1))))
"""


@pytest.mark.parametrize("features", [10, 12])
def test_star_imports_from_torch(tmp_path, capsys, features):
    """``from torch.nn import *`` then ``from torch.nn.functional import *``: each name is the member
    of the star module that has it (Module and Linear of torch.nn, relu of functional)."""
    path = write_model(tmp_path / str(features), TORCH_STARS.format(features=features))
    code, findings = check(path, capsys)
    ok, detail, _ = run_torch(tmp_path, path)
    if features == 10:
        assert (code, findings, ok) == (0, [], True)
    else:
        assert [(f["code"], f["location"]["row"]) for f in findings] == [("SHP003", 12)] and "receives 10" in findings[0]["message"]
        assert not ok and "mat1 and mat2" in detail


WIRED = """\
import torch
import torch.nn as nn
from fakelib.layers.wired import Grouped, Squash


# shapelint: input=(N, {channels}, {size}, {size})
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.grouped = Grouped({channels})
        self.squash = Squash()

    def forward(self, x):
        return self.squash(self.grouped(x)[:, :1])
"""


@pytest.mark.parametrize("channels, size, expected", [(3, 4, None), (4, 4, ("SHP005", 10)), (3, 8, ("SHP003", 14))])
def test_a_failure_inside_a_library_is_reported_at_the_projects_call(env, tmp_path, capsys, channels, size, expected):
    """The user cannot edit the library: a layer it wires wrong for the caller's values is
    reported at the project's call (the constructor for a construction, the module call for
    forward), naming the library's line, and with no fix."""
    python, _ = env
    path = write_model(tmp_path / f"w{channels}{size}", WIRED.format(channels=channels, size=size))
    code, findings = check(path, capsys, "--python", str(python))
    ok, detail, _ = run_torch(site_of(python), path, (2, channels, size, size))
    if expected is None:
        assert (code, findings, ok) == (0, [], True)
        return
    [f] = findings
    assert (f["code"], f["location"]["row"], f["filename"]) == (*expected, str(path))
    assert "inside fakelib.layers.wired, line" in f["message"] and f["fix"] is None
    assert not ok
