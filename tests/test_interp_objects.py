"""Objects that configure models (plain classes, dataclasses, namedtuples, enums, builders)
and type dispatch, checked two ways.

Values: each expression is evaluated by the interpreter and by Python itself on the same
source; where the interpreter gives a value it must be Python's (and the listed ones must
be known).  Models: each good model's ``shapes`` rows, parameter total and output are
torch's (forward hooks, as in test_shapes_torch); each bad variant gives the expected
finding and torch refuses it.
"""

import importlib.util
import textwrap

import libcst as cst
import pytest
import torch
from oracle import kind_of
from test_fixtures import _concrete
from test_shapes_torch import torch_calls

from shapelint.analysis import analyse
from shapelint.engine import check_path
from shapelint.extract.index import ProjectIndex
from shapelint.findings import RULES
from shapelint.interp.common import Frame
from shapelint.interp.machine import Machine
from shapelint.layers import UNKNOWN

# ----------------------------------------------------------------------------- values

VALUES_SOURCE = '''\
import collections
import collections.abc
import dataclasses
import enum
import functools
import typing
from dataclasses import dataclass, field
from enum import Enum, IntEnum, auto
from typing import NamedTuple

import torch
import torch.nn as nn


class Cfg:
    depth = 4

    def __init__(self, hidden_size=768, num_heads=12, **kwargs):
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        for k, v in kwargs.items():
            setattr(self, k, v)

    @property
    def head_dim(self):
        return self.hidden_size // self.num_heads

    @classmethod
    def tiny(cls):
        return cls(hidden_size=64, num_heads=4, act="gelu")

    @staticmethod
    def round8(v):
        return (v + 7) // 8 * 8

    def widths(self, n):
        return [self.hidden_size * (i + 1) for i in range(n)]


class SubCfg(Cfg):
    depth = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.extra = self.hidden_size * 2


class Gated:
    def __init__(self):
        self._w = 1

    @property
    def w(self):
        return self._w

    @w.setter
    def w(self, v):
        self._w = v * 10


@dataclass
class Dc:
    dim: int
    mult: int = 4
    names: list = field(default_factory=list)
    hidden: int = field(init=False, default=0)

    def __post_init__(self):
        self.hidden = self.dim * self.mult


@dataclass(frozen=True)
class Frozen:
    a: int = 1
    b: int = 2

    def __post_init__(self):
        object.__setattr__(self, "c", self.a + self.b)


@dataclass
class DcChild(Dc):
    extra: int = 7


Stage = collections.namedtuple("Stage", "channels depth stride", defaults=(1,))


class BlockCfg(NamedTuple):
    cin: int
    cout: int
    stride: int = 1

    def scaled(self, k):
        return self.cout * k


class Act(Enum):
    RELU = auto()
    GELU = auto()
    SILU = auto()
    ALIAS = 1


class Mode(str, Enum):
    UP = "up"
    DOWN = "down"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    @property
    def channels(self):
        return self.conv.out_channels


class SubBlock(Block):
    pass


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.width = 3

    @property
    def width(self):
        return self._width

    @width.setter
    def width(self, v):
        self._width = v * 2


class Plain:
    pass


WIDTH = 3


class Table(dict):
    scale = 2


class Scoped:
    WIDTH = 5
    DOUBLE = WIDTH * 2
    DOUBLE += 1
    WIDTH = 7
    if DOUBLE > 100:
        TRIPLE = 3
    else:
        TRIPLE = 4


class Mappy:
    def __init__(self, **kw):
        self.kw = kw

    def keys(self):
        return self.kw.keys()

    def __getitem__(self, k):
        return self.kw[k] * 2


def call_with(**kw):
    return kw


def counted(flag):
    c = Cfg(hidden_size=16)
    if flag:
        c.hidden_size = 32
    return c.hidden_size


cfg = Cfg(hidden_size=256, num_heads=8, dropout=0.1)
tiny = Cfg.tiny()
sub = SubCfg(hidden_size=32)


def make_gated():
    g = Gated()
    g.w = 3
    return g


gated = make_gated()
dc = Dc(8)
dc2 = dataclasses.replace(dc, mult=2)
frozen = Frozen(b=5)
child = DcChild(3, extra=1)
stage = Stage(16, 2)
bc = BlockCfg(8, 16)
conv = nn.Conv2d(3, 8, 3)
block = Block(4)
sub_block = SubBlock(4)
seq = nn.Sequential(nn.ReLU())
relu6 = nn.ReLU6()
part = functools.partial(nn.Conv2d, kernel_size=3)
plain = Plain()
mappy = Mappy(a=1, b=2)
'''

EXPRESSIONS = [
    # plain instances: __init__, attributes, **kwargs, class attributes, methods, properties
    "cfg.hidden_size", "cfg.dropout", "cfg.depth", "cfg.head_dim", "cfg.widths(3)", "Cfg.round8(30)", "cfg.round8(9)",
    "tiny.hidden_size", "tiny.act", "tiny.head_dim", "sub.extra", "sub.depth", "sub.head_dim", "Cfg.depth",
    "gated.w", "hasattr(cfg, 'dropout')", "hasattr(cfg, 'nope')", "getattr(cfg, 'nope', 5)", "getattr(cfg, 'num_heads', 5)",
    "isinstance(Table(a=1), dict)", "isinstance(Table(a=1), collections.abc.Mapping)", "isinstance(Table(), Cfg)", "Table(a=1).scale",
    "Scoped.WIDTH", "Scoped().DOUBLE - 11", "vars(cfg)['num_heads']", "call_with(**mappy)", "call_with(**vars(tiny))['act']", "counted(True)", "counted(False)", "cfg is cfg", "cfg is tiny", "cfg is None", "bool(cfg)",
    # dataclasses
    "dc.dim", "dc.mult", "dc.names", "dc.hidden", "dc2.hidden", "dc2.dim", "dc is dc2", "frozen.c", "frozen.b",
    "dataclasses.asdict(dc)", "dataclasses.astuple(frozen)", "[f.name for f in dataclasses.fields(dc)]",
    "dataclasses.is_dataclass(dc)", "dataclasses.is_dataclass(cfg)", "child.hidden", "child.extra",
    "[f.name for f in dataclasses.fields(child)]",
    # namedtuples
    "stage.channels", "stage.stride", "stage[1]", "tuple(stage)", "stage._replace(depth=5).depth", "Stage._fields",
    "stage._asdict()", "bc.stride", "bc.scaled(2)", "len(bc)", "bc == (8, 16, 1)",
    # enums
    "Act.GELU.value", "Act.GELU.name", "Act(2).name", "Act['SILU'].value", "[a.name for a in Act]", "len(Act)", "len(Mode)", "Act.ALIAS is Act.RELU",
    "Act.RELU == Act.RELU", "Act.RELU == 1", "Act.RELU is Act.GELU", "Mode.UP == 'up'", "Mode('down').name",
    "Level.HIGH + 1", "Level.LOW < Level.HIGH", "Act.RELU in (Act.RELU, Act.GELU)", "{Act.RELU: 3}[Act.RELU]",
    # type dispatch
    "isinstance(cfg, Cfg)", "isinstance(sub, Cfg)", "isinstance(cfg, SubCfg)", "isinstance(cfg, (int, Cfg))",
    "issubclass(SubCfg, Cfg)", "issubclass(Cfg, SubCfg)", "isinstance(conv, nn.Module)", "isinstance(conv, nn.Conv2d)",
    "isinstance(conv, nn.Linear)", "isinstance(block, nn.Module)", "isinstance(block, Block)", "isinstance(block, SubBlock)",
    "isinstance(sub_block, Block)", "isinstance(block, nn.Conv2d)", "isinstance(relu6, nn.Hardtanh)",
    "isinstance(seq, nn.Sequential)", "isinstance(seq, nn.ModuleList)", "issubclass(Block, nn.Module)",
    "issubclass(nn.ReLU6, nn.Hardtanh)", "issubclass(nn.Conv2d, nn.Module)", "isinstance(part, functools.partial)",
    "isinstance(3, int)", "isinstance(True, int)", "isinstance('a', (list, tuple))", "isinstance((1,), tuple)",
    "isinstance([1], collections.abc.Sequence)", "isinstance({}, collections.abc.Mapping)", "isinstance(3, collections.abc.Iterable)",
    "isinstance(stage, tuple)", "isinstance(stage, Stage)", "isinstance(bc, BlockCfg)", "isinstance(Act.RELU, Act)",
    "isinstance(Level.LOW, int)", "isinstance(Mode.UP, str)", "isinstance(Act.RELU, int)", "isinstance(dc, Dc)", "isinstance(child, Dc)",
    "isinstance(3, int | str)", "isinstance(cfg, typing.Sequence)", "isinstance(plain, collections.abc.Iterable)",
    "type((1, 2)) == tuple", "type([1]) is list", "type(cfg) is Cfg", "type(sub) is Cfg", "type(sub) == SubCfg", "type(block) is Block",
    "type(conv) is nn.Conv2d", "type(conv) == nn.Linear", "type(Act.RELU) is Act",
    "callable(cfg)", "callable(Cfg)", "callable(conv)", "callable(part)", "callable(3)", "callable(Cfg.round8)",
    "typing.cast(int, 5)", "getattr(nn, 'ReLU') is nn.ReLU", "getattr(torch.nn, 'Conv2d') == nn.Conv2d",
    "block.channels", "Scaled().width", "isinstance(block.channels, int)",
]


def _load_source(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"objs_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # tests only: our own source
    return path, module


def _ours(path, expressions, phase="init"):
    index = ProjectIndex()
    info = index.load(path)
    machine = Machine(index)
    frame = Frame(info, {}, phase=phase)
    return [machine.eval(cst.parse_expression(e), frame) for e in expressions]


def test_values_are_pythons(tmp_path):
    path, module = _load_source(tmp_path, "values", VALUES_SOURCE)
    ours = _ours(path, EXPRESSIONS)
    for expr, got in zip(EXPRESSIONS, ours):
        truth = eval(expr, vars(module))  # noqa: S307 - the oracle: Python on our own test source
        assert got is not UNKNOWN, f"{expr}: unknown, Python gives {truth!r}"
        assert got == truth and type(got) is type(truth) or isinstance(truth, tuple) and tuple(got) == truth, f"{expr}: {got!r}, Python {truth!r}"


UNKNOWN_SOURCE = '''\
import torch.nn as nn
from not_installed_anywhere import Mystery, make


class Known:
    pass


class Scoped:
    DOUBLE = 2
    DOUBLE += make()
    if make():
        TRIPLE = 3


class Sub(Mystery):
    def __init__(self):
        self.a = 1


class Maybe:
    def __init__(self, flag):
        if flag:
            self.x = 3


class Opaque:
    def __getattr__(self, name):
        return 1


sub = Sub()
maybe = Maybe(make())
known = Known()
make(known)
opaque = Opaque()
anything = make()
late = Known()
late.x = 1


def escaped():
    k = Known()
    make(k)
    return k


def branchy(flag):
    k = Known()
    k.w = 1
    if flag:
        k.z = 1
        k.w = 2
    return k


def grown(flag):
    k = Known()
    k.w = 1
    for _ in make():
        k.w = k.w + 1
        if flag:
            register(k)
    return k


def register(k):
    k.q = 1


def appended(n):
    out = []
    for _ in range(n):
        out.append(1)
    return out


def extended():
    out = []
    out.extend(make())
    return out


def maybe_list(flag):
    out = [1]
    if flag:
        out.append(2)
    return out


esc = escaped()
br = branchy(make())
gr = grown(True)
'''

STAYS_UNKNOWN = [
    "isinstance(anything, Known)", "isinstance(anything, int)", "isinstance(sub, Known)", "isinstance(sub, int)",
    "issubclass(Sub, Known)", "isinstance(known, Mystery)", "maybe.x", "hasattr(maybe, 'x')", "hasattr(known, 'y')",
    "getattr(known, 'y', 2)", "hasattr(opaque, 'y')", "hasattr(sub, 'b')", "bool(sub)", "type(anything) is Known",
    "callable(anything)", "Scoped.DOUBLE", "Scoped.TRIPLE", "late.x", "hasattr(late, 'x')", "hasattr(esc, 'y')", "hasattr(br, 'z')", "br.w", "gr.w", "hasattr(gr, 'q')",
    "len(appended(make()))", "extended()", "maybe_list(make())",
    "hasattr(branchy(make()), 'z')", "branchy(make()).w", "grown(True).w", "hasattr(grown(True), 'q')", "isinstance(Known(), nn.Parameter)", "isinstance(Known, type(anything))",
]


@pytest.mark.parametrize("phase", ["init", "forward"])  # undecided branches: skipped, or both followed
def test_unknown_stays_unknown(tmp_path, phase):
    path = tmp_path / "unknowns.py"
    path.write_text(UNKNOWN_SOURCE)
    for expr, got in zip(STAYS_UNKNOWN, _ours(path, STAYS_UNKNOWN, phase)):
        assert got is UNKNOWN, f"{expr}: {got!r}, but it cannot be known"


# ----------------------------------------------------------------------------- models

HEADER = "import collections\nimport dataclasses\nimport functools\nimport typing\nfrom dataclasses import dataclass, field\nfrom enum import Enum, IntEnum, auto\nfrom typing import NamedTuple\n\nimport torch\nimport torch.nn as nn\n"

CONFIG_MODEL = '''
class Config:
    model_type = "tiny"

    def __init__(self, hidden_size=32, num_labels=3, intermediate_multiple=4, **kwargs):
        self.hidden_size = hidden_size
        self.num_labels = num_labels
        self.intermediate_multiple = intermediate_multiple
        for key, value in kwargs.items():
            setattr(self, key, value)

    @property
    def intermediate_size(self):
        return self.hidden_size * self.intermediate_multiple

    @classmethod
    def from_dict(cls, d):
        return cls(**d)


class Mlp(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# shapelint: input=(N, 5, 24)
class Net(nn.Module):
    def __init__(self, config=None):
        super().__init__()
        config = config or Config.from_dict({"hidden_size": 24, "num_layers": 2})
        self.config = config
        self.layers = nn.ModuleList([Mlp(config) for _ in range(getattr(config, "num_layers", 1))])
        self.norm = nn.LayerNorm(config.hidden_size)
        self.head = nn.Linear(HEAD_IN, config.num_labels)

    @property
    def width(self):
        return self.config.hidden_size

    def forward(self, x):
        for layer in self.layers:
            x = x + layer(x)
        x = self.norm(x)
        assert x.shape[-1] == self.width
        return self.head(x)
'''

DATACLASS_MODEL = '''
@dataclass
class StageCfg:
    out_chs: int
    depth: int = 1
    stride: int = 2


@dataclass(frozen=True)
class NetCfg:
    in_chs: int = 3
    stem_chs: int = 8
    stages: tuple = (StageCfg(16), StageCfg(24, depth=2))
    num_classes: int = 10
    head_chs: int = field(default=0)

    def __post_init__(self):
        object.__setattr__(self, "head_chs", self.stages[-1].out_chs * 2)


class Stage(nn.Sequential):
    def __init__(self, in_chs, out_chs, depth, stride):
        layers = []
        for i in range(depth):
            layers += [nn.Conv2d(in_chs if i == 0 else out_chs, out_chs, 3, stride if i == 0 else 1, 1), nn.ReLU()]
        super().__init__(*layers)


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self, cfg=NetCfg()):
        super().__init__()
        self.stem = nn.Conv2d(cfg.in_chs, cfg.stem_chs, 3, padding=1)
        chs = cfg.stem_chs
        stages = []
        for s in cfg.stages:
            stages.append(Stage(chs, **dataclasses.asdict(s)))
            chs = s.out_chs
        self.stages = nn.Sequential(*stages)
        wide = dataclasses.replace(cfg.stages[-1], out_chs=cfg.head_chs)
        self.head_conv = nn.Conv2d(chs, HEAD_IN, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(wide.out_chs, cfg.num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        x = self.pool(self.head_conv(x)).flatten(1)
        return self.fc(x)
'''

TUPLES_ENUMS_MODEL = '''
Spec = collections.namedtuple("Spec", ["kind", "out_chs", "stride"])


class Pair(NamedTuple):
    cin: int
    cout: int

    def wider(self):
        return self._replace(cout=self.cout * 2)


class Kind(Enum):
    CONV = auto()
    POOL = auto()


class Act(str, Enum):
    RELU = "relu"
    GELU = "gelu"


class Width(IntEnum):
    SMALL = 5


ACTS = {Act.RELU: nn.ReLU, Act.GELU: nn.GELU}


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self, specs=(Spec(Kind.CONV, 8, 1), Spec(Kind.POOL, 0, 2), Spec(Kind.CONV, 16, 2)), act="gelu"):
        super().__init__()
        layers = []
        chs = 3
        for spec in specs:
            kind, out_chs, stride = spec
            if kind is Kind.CONV:
                layers += [nn.Conv2d(chs, out_chs, 3, stride, 1), ACTS[Act(act)]()]
                chs = out_chs
            elif spec.kind == Kind.POOL:
                layers.append(nn.MaxPool2d(spec.stride))
        self.features = nn.Sequential(*layers)
        pair = Pair(chs, Width.SMALL).wider()
        self.proj = nn.Conv2d(HEAD_IN, pair.cout, 1)
        self.post = nn.Conv2d(pair.cout, Width.SMALL, 1)
        self.n_kinds = len([k for k in Kind])

    def forward(self, x):
        return self.post(self.proj(self.features(x)))
'''

BUILDER_MODEL = '''
def round_chs(c, divisor=4):
    return max(divisor, int(c + divisor / 2) // divisor * divisor)


class Builder:
    """Like timm's EfficientNetBuilder: keeps the channel count between stages."""

    def __init__(self, round_chs_fn=round_chs, act_layer=None):
        self.round_chs_fn = round_chs_fn
        self.act_layer = act_layer or nn.ReLU
        self.in_chs = None
        self.features = []

    def _make_block(self, args):
        out_chs = self.round_chs_fn(args["out_chs"])
        block = nn.Sequential(nn.Conv2d(self.in_chs, out_chs, 3, args["stride"], 1), nn.BatchNorm2d(out_chs), self.act_layer())
        self.in_chs = out_chs
        return block

    def __call__(self, in_chs, arch):
        self.in_chs = in_chs
        stages = []
        for stack in arch:
            stages.append(nn.Sequential(*[self._make_block(dict(a)) for a in stack]))
            self.features.append(self.in_chs)
        return stages


# shapelint: input=(N, 3, 32, 32)
class Net(nn.Module):
    def __init__(self, arch=(({"out_chs": 10, "stride": 2},), ({"out_chs": 15, "stride": 1}, {"out_chs": 22, "stride": 2}))):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        builder = Builder(act_layer=functools.partial(nn.LeakyReLU, 0.1))
        self.blocks = nn.Sequential(*builder(8, arch))
        self.num_features = builder.in_chs
        self.head = nn.Conv2d(HEAD_IN, 4, 1)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))
'''

DISPATCH_MODEL = '''
class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)


class CondBlock(nn.Module):
    def __init__(self, c, c_cond):
        super().__init__()
        self.mapper = nn.Linear(c_cond, c)

    def forward(self, x, cond):
        return x * self.mapper(cond)[:, :, None, None]


class MixBlock(nn.Module):
    def __init__(self, c, c_skip=0):
        super().__init__()
        self.fc = nn.Linear(c + c_skip, c)

    def forward(self, x, skip=None):
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.fc(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def make_act(act):
    if isinstance(act, str):
        act = getattr(nn, act)
    if isinstance(act, functools.partial) or callable(act):
        return act()
    return nn.Identity()


# shapelint: input=(N, 8, 16, 16)
class Net(nn.Module):
    def __init__(self, c=8, c_cond=6, kernel=3):
        super().__init__()
        self.blocks = nn.ModuleList([ResBlock(c), CondBlock(c, c_cond), MixBlock(c, c_skip=c), MixBlock(c)])
        k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
        self.conv = nn.Conv2d(c, c, k, padding=tuple(i // 2 for i in k))
        self.act = make_act("SiLU")
        self.out = nn.Conv2d(HEAD_IN, 2, 1)

    def forward(self, x):
        cond = torch.zeros(x.shape[0], 6)
        skip = x
        for block in self.blocks:
            if isinstance(block, ResBlock):
                x = block(x)
            elif isinstance(block, CondBlock):
                x = block(x, cond)
            elif type(block) is MixBlock and block.fc.in_features == 16:
                x = block(x, skip)
            else:
                x = block(x)
        if isinstance(self.conv, nn.Linear):
            x = self.conv(x.flatten(1))
        x = self.act(self.conv(x))
        return self.out(typing.cast(torch.Tensor, x))
'''

# model source, the HEAD_IN that runs, one that torch refuses, the finding it gives
MODELS = {
    "config": (CONFIG_MODEL, "config.hidden_size", "config.hidden_size + 1", "SHP003"),
    "dataclass": (DATACLASS_MODEL, "cfg.head_chs", "cfg.head_chs // 2", "SHP003"),
    "tuples_enums": (TUPLES_ENUMS_MODEL, "pair.cin", "pair.cout", "SHP002"),
    "builder": (BUILDER_MODEL, "self.num_features", "builder.features[0]", "SHP002"),
    "dispatch": (DISPATCH_MODEL, "c", "c * 2", "SHP002"),
}


def _model(tmp_path, name, head_in):
    source, good, bad, _ = MODELS[name]
    text = HEADER + textwrap.dedent(source).replace("HEAD_IN", good if head_in == "good" else bad)
    return _load_source(tmp_path, f"{name}_{head_in}", text)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_good_model_matches_torch(tmp_path, name):
    path, module = _model(tmp_path, name, "good")
    result = check_path(path)
    assert result.findings == []
    shape = result.declared["Net"]
    index = ProjectIndex()
    [trace] = analyse(index, index.load(path), {"Net": shape}, only="Net")
    model = module.Net()
    model.eval()
    calls, out = torch_calls(model, torch.zeros(_concrete(shape)))
    ours = [(r.name, r.type, _concrete(r.input_shape) if r.input_shape else None, _concrete(r.output_shape) if r.output_shape else None) for r in trace.rows]
    assert ours == calls
    assert trace.params == sum(p.numel() for p in model.parameters())
    assert _concrete(trace.output) == out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_bad_model_is_flagged_and_refused(tmp_path, name):
    path, module = _model(tmp_path, name, "bad")
    codes = [f.code for f in check_path(path).findings]
    assert codes == [MODELS[name][3]]
    with pytest.raises(Exception) as refused:
        model = module.Net()
        model.eval()
        with torch.no_grad():
            model(torch.zeros(_concrete(check_path(path).declared["Net"])))
    assert RULES[codes[0]].name in kind_of(f"{type(refused.value).__name__}: {refused.value}")


# torch runs these with values the analysis cannot know: they must give no finding
SILENT = {
    "unknown_loop": """
import os


# shapelint: input=(N, 3, 16, 16)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for _ in range(len(os.environ.get("SHAPELINT_NO_SUCH_VAR", "ab"))):
            layers.append(nn.Conv2d(3, 3, 3))
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(3 * 12 * 12, 10)

    def forward(self, x):
        return self.fc(self.body(x).flatten(1))
""",
    "dispatch_on_class_with_unknown_base": """
import os

Base = object if os.environ.get("SHAPELINT_NO_SUCH_VAR") else nn.Module


class Wide(Base):
    pass


class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 1)

    def forward(self, x):
        return self.conv(x)


# shapelint: input=(N, 3, 8, 8)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = A()
        self.wide = nn.Conv2d(16, 4, 1)
        self.narrow = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        x = self.block(x)
        if isinstance(self.block, Wide):
            return self.wide(torch.cat([x, x], dim=1))
        return self.narrow(x)
""",
}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_unfollowed_code_is_silent(tmp_path, name):
    path, module = _load_source(tmp_path, name, HEADER + SILENT[name])
    result = check_path(path)
    assert result.findings == []
    model = module.Net()
    with torch.no_grad():
        model(torch.zeros(_concrete(result.declared["Net"])))


def _torch_class(qualname):
    obj = importlib.import_module(qualname.split(".")[0])
    for part in qualname.split(".")[1:]:
        obj = getattr(obj, part, None)
    return obj


def test_layer_classes_subclass_as_in_torch():
    """Every registered torch layer against every other: ``issubclass`` as torch answers it."""
    from shapelint.interp.dispatch import class_tokens, kind_token
    from shapelint.interp.values import TorchRef
    from shapelint.layers import ALL_LAYERS

    machine = Machine(ProjectIndex())
    layers = [(layer.qualnames[0], _torch_class(layer.qualnames[0])) for layer in ALL_LAYERS if not layer.functional]
    assert len(layers) > 50
    for qa, ca in layers:
        tokens, complete = class_tokens(machine, TorchRef(qa))
        assert complete and kind_token(TorchRef("torch.nn.Module")) in tokens
        for qb, cb in layers:
            assert (kind_token(TorchRef(qb)) in tokens) == issubclass(ca, cb), f"issubclass({qa}, {qb})"
