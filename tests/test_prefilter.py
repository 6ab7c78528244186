"""Files skipped before libcst: only those that cannot define a torch module."""

import ast
import importlib
import sys

import pytest
import torch

import shapelint.engine as engine
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex
from shapelint.extract.prefilter import Prefilter

BASE = '''\
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return self.conv(x)
'''

# never mentions the library: its model is a model through the project's own base
MODEL = '''\
from .base import Block


class Net(Block):
    def __init__(self):
        super().__init__(4, 8)
        self.tail = Block(16, 8)  # receives 8 channels

    def forward(self, x):
        return self.tail(super().forward(x))
'''

PLAIN = '''\
import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

from .settings import Settings

T = TypeVar("T")


class Mode(enum.Enum):
    A = 1


@dataclass
class Options(Settings, Generic[T]):
    depth: int = 3


class Error(ValueError):
    pass
'''

SETTINGS = '''\
class Base:
    pass


Settings = Base
'''


@pytest.fixture
def project(tmp_path):
    pkg = tmp_path / "pfproj"
    pkg.mkdir()
    for name, text in {"__init__.py": "", "base.py": BASE, "model.py": MODEL, "plain.py": PLAIN, "settings.py": SETTINGS}.items():
        (pkg / name).write_text(text)
    yield pkg
    for name in [m for m in sys.modules if m.split(".")[0] == "pfproj"]:
        del sys.modules[name]


def _may(path, source=None):
    source = path.read_text() if source is None else source
    return Prefilter(ProjectIndex()).may_define_module(path, source, ast.parse(source))


def test_a_model_on_a_project_base_is_checked_though_it_never_names_torch(project):
    findings = check_path(project / "model.py").findings
    assert [(f.code, f.row) for f in findings] == [("SHP002", 7)]
    sys.path.insert(0, str(project.parent))
    try:
        net = importlib.import_module("pfproj.model").Net()  # tests only: our own generated files
    finally:
        sys.path.remove(str(project.parent))
    with pytest.raises(RuntimeError, match="expected input.* to have 16 channels, but got 8 channels"):
        net(torch.zeros(1, 4, 8, 8))


def test_classes_of_builtins_and_the_standard_library_are_skipped_before_libcst(project, monkeypatch):
    assert not _may(project / "plain.py")

    def no_parse(*args, **kwargs):
        raise AssertionError("libcst was asked to parse a file that cannot define a module")

    monkeypatch.setattr(engine, "lazy_tree", no_parse)
    assert check_path(project / "plain.py").findings == []
    with pytest.raises(AssertionError, match="libcst was asked"):  # the patch is where a model file reaches libcst
        check_path(project / "model.py")


@pytest.mark.parametrize("source", [
    "from .nowhere import *\n\nclass A(Thing):\n    pass\n",  # a name from a star import
    "from .base import Block as B\n\nclass A(B):\n    pass\n",  # an alias of a project module
    "from somelib import Base\n\nclass A(Base):\n    pass\n",  # a library not found
    "from . import base\n\nclass A(make_base()):\n    pass\n",  # a computed base
    "import pfproj.base\n\nclass A(pfproj.base.Block):\n    pass\n",  # a dotted path
    "class A:\n    pass\n\nclass B(A, torch_base):\n    pass\n",  # an unknown name
])
def test_what_is_not_followed_may_be_a_module(project, source):
    assert _may(project / "other.py", source)


@pytest.mark.parametrize("source", [
    "x = 1\n",  # no class
    "from .dataset import Frames\n\nclass Clips(Frames):\n    pass\n",  # torch's, but a dataset
    "class A:\n    pass\n\nclass B(A, Exception):\n    pass\n",
])
def test_files_that_cannot_define_a_module(project, source):
    (project / "dataset.py").write_text("import torch.utils.data as data\n\nclass Frames(data.Dataset):\n    pass\n")
    assert not _may(project / "other.py", source)
