"""The interpreter's caches answer as a fresh reading would (issue 8: cold-run speed).

A class's mro and methods, a function's generator test, a default's frame: each is kept
once computed; these tests read them several times in one run, where a cache that went
wrong would give another method, another row, or fewer doubts than the first reading.
"""

from __future__ import annotations

from pathlib import Path

import torch
from test_interp_soundness import HEADER, assert_rows_fit, build, trace_of

from shapelint.extract.index import ProjectIndex
from shapelint.interp.machine import Machine
from shapelint.interp.values import ClassRef


def test_a_cached_mro_counts_the_doubts_its_bases_count(tmp_path: Path) -> None:
    """``try`` trusts a body that adds no doubt: a base torch does not have is one each
    time the class is read, from the cache as on the first reading."""
    path = tmp_path / "model.py"
    path.write_text(HEADER + "class Odd(torch.nn.NoSuchBase):\n    pass\n\n\nclass Net(Odd, nn.Module):\n    pass\n")
    index = ProjectIndex()
    info = index.load(path)
    assert info is not None
    machine = Machine(index)
    cls = machine.global_value(info, "Net")
    assert isinstance(cls, ClassRef)
    readings = []
    for _ in range(3):
        before = machine.doubts
        chain = machine.mro(cls)
        readings.append((machine.doubts - before, [getattr(c, "name", getattr(c, "qualname", None)) for c in chain]))
    assert readings[0][0] == 1  # torch.nn.NoSuchBase
    assert readings[0] == readings[1] == readings[2]
    assert readings[0][1] == ["Net", "Odd", "torch.nn.NoSuchBase", "torch.nn.Module"]


MODEL = """
    def helper(x, scale=2, act=None):
        return x * scale

    class Base(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, self.width())

        def width(self):
            return 4

        def forward(self, x):
            return helper(self.fc(x))

    class Wide(Base):
        def width(self):
            return 2

        def width(self):  # the last definition wins, as in Python
            return 16

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Base()
            self.b = Wide()
            self.c = Wide()
            self.d = Base()
            self.head = nn.Linear(4 + 16 + 16 + 4, 3)

        def forward(self, x):
            parts = [self.a(x), self.b(x), self.c(x), self.d(x)]
            return self.head(helper(torch.cat(parts, -1), scale=1))
"""


def test_methods_read_again_from_the_caches_match_torch(tmp_path: Path) -> None:
    """Each class built twice, its methods and the helper's defaults read each time."""
    trace = trace_of(tmp_path, MODEL, "Net", ("N", 8))
    assert trace.findings == []
    assert [r.output_shape for r in trace.rows] == [("N", 4), ("N", 16), ("N", 16), ("N", 4), ("N", 3)]
    assert_rows_fit(trace, build(tmp_path, "Net"), torch.zeros(2, 8))


def test_a_lambda_default_keeps_a_frame_of_its_own(tmp_path: Path) -> None:
    """A lambda default is read in a frame of its own (the plain defaults beside it share
    one) and called with them as Python does."""
    trace = trace_of(tmp_path, """
        def pick(x, width=8, fn=lambda n: n * 2, last=None):
            return fn(width)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, pick(None))
                self.head = nn.Linear(pick(None, 8), 5)

            def forward(self, x):
                return self.head(self.fc(x))
    """, "Net", ("N", 8))
    assert trace.findings == []
    assert [r.output_shape for r in trace.rows] == [("N", 16), ("N", 5)]
    assert_rows_fit(trace, build(tmp_path, "Net"), torch.zeros(2, 8))
