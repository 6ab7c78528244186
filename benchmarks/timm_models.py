"""How well shapelint follows timm's model code (code nobody here wrote).

Run with a Python that has torch and timm (they are the oracle, used here only):

    python benchmarks/timm_models.py [--verbose] [--only NAME]

For each architecture a small driver module builds the model from timm's own classes,
with the arguments timm's registered function passes (``resnet50`` is
``ResNet(block=Bottleneck, layers=(3, 4, 6, 3))``).  torch imports the driver, builds
the model and forward hooks record every leaf-module call; shapelint reads the same
driver (and, through its imports, timm's source: never importing it) and its rows are
compared name by name, as in ``benchmarks/torchvision_models.py``.  A row is *right*
when its output shape equals torch's, *unknown* when shapelint left it (partly)
unknown, *wrong* otherwise; calls torch made that shapelint has no row for are
*missed*, rows torch never called are *extra*.  ``check`` runs over the driver too:
every model here runs in torch, so any finding is a false alarm.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

import timm
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from shapelint.analysis import analyse  # noqa: E402
from shapelint.engine import check_path  # noqa: E402
from shapelint.extract.index import ProjectIndex  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hooks import compare, torch_calls  # noqa: E402

EFFNET_B0 = """[
        ['ds_r1_k3_s1_e1_c16_se0.25'], ['ir_r2_k3_s2_e6_c24_se0.25'], ['ir_r2_k5_s2_e6_c40_se0.25'],
        ['ir_r3_k3_s2_e6_c80_se0.25'], ['ir_r3_k5_s1_e6_c112_se0.25'], ['ir_r4_k5_s2_e6_c192_se0.25'],
        ['ir_r1_k3_s1_e6_c320_se0.25'],
    ]"""
MNV3_LARGE = """[
        ['ds_r1_k3_s1_e1_c16_nre'], ['ir_r1_k3_s2_e4_c24_nre', 'ir_r1_k3_s1_e3_c24_nre'],
        ['ir_r3_k5_s2_e3_c40_se0.25_nre'], ['ir_r1_k3_s2_e6_c80', 'ir_r1_k3_s1_e2.5_c80', 'ir_r2_k3_s1_e2.3_c80'],
        ['ir_r2_k3_s1_e6_c112_se0.25'], ['ir_r3_k5_s2_e6_c160_se0.25'], ['cn_r1_k1_s1_c960'],
    ]"""

# name, driver imports, the model expression (as the registered function builds it), input size
ARCHITECTURES: List[Tuple[str, str, str, Tuple[int, ...]]] = [
    ("resnet50", "from timm.models.resnet import ResNet, Bottleneck",
     "ResNet(block=Bottleneck, layers=(3, 4, 6, 3))", (1, 3, 224, 224)),
    ("resnext50_32x4d", "from timm.models.resnet import ResNet, Bottleneck",
     "ResNet(block=Bottleneck, layers=(3, 4, 6, 3), cardinality=32, base_width=4)", (1, 3, 224, 224)),
    ("efficientnet_b0",
     "from timm.models.efficientnet import EfficientNet\n"
     "from timm.models._efficientnet_builder import decode_arch_def, round_channels, resolve_act_layer, resolve_bn_args",
     f"EfficientNet(block_args=decode_arch_def({EFFNET_B0}, 1.0), num_features=round_channels(1280, 1.0, 8), stem_size=32,\n"
     "            round_chs_fn=partial(round_channels, multiplier=1.0, divisor=8), act_layer=resolve_act_layer({}, 'swish'),\n"
     "            norm_layer=partial(nn.BatchNorm2d, **resolve_bn_args({})))", (1, 3, 224, 224)),
    ("mobilenetv3_large_100",
     "from timm.models.mobilenetv3 import MobileNetV3\n"
     "from timm.models._efficientnet_builder import decode_arch_def, round_channels, resolve_act_layer, resolve_bn_args\n"
     "from timm.models._efficientnet_blocks import SqueezeExcite",
     f"MobileNetV3(block_args=decode_arch_def({MNV3_LARGE}, depth_multiplier=1.0), num_features=1280, stem_size=16,\n"
     "            fix_stem=False, round_chs_fn=partial(round_channels, multiplier=1.0),\n"
     "            norm_layer=partial(nn.BatchNorm2d, **resolve_bn_args({})), act_layer=resolve_act_layer({}, 'hard_swish'),\n"
     "            se_layer=partial(SqueezeExcite, gate_layer='hard_sigmoid', force_act_layer=nn.ReLU, rd_round_fn=round_channels))",
     (1, 3, 224, 224)),
    ("convnext_tiny", "from timm.models.convnext import ConvNeXt",
     "ConvNeXt(depths=(3, 3, 9, 3), dims=(96, 192, 384, 768))", (1, 3, 224, 224)),
    ("vit_small_patch16_224", "from timm.models.vision_transformer import VisionTransformer",
     "VisionTransformer(patch_size=16, embed_dim=384, depth=12, num_heads=6)", (1, 3, 224, 224)),
    ("swin_tiny_patch4_window7_224", "from timm.models.swin_transformer import SwinTransformer",
     "SwinTransformer(patch_size=4, window_size=7, embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24))",
     (1, 3, 224, 224)),
    ("regnety_016", "from timm.models.regnet import RegNet, model_cfgs",
     "RegNet(cfg=model_cfgs['regnety_016'])", (1, 3, 224, 224)),
    ("densenet121", "from timm.models.densenet import DenseNet",
     "DenseNet(growth_rate=32, block_config=(6, 12, 24, 16))", (1, 3, 224, 224)),
    ("inception_v3", "from timm.models.inception_v3 import InceptionV3", "InceptionV3()", (1, 3, 299, 299)),
    ("mixer_b16_224", "from timm.models.mlp_mixer import MlpMixer",
     "MlpMixer(patch_size=16, num_blocks=12, embed_dim=768)", (1, 3, 224, 224)),
    ("cspdarknet53", "from timm.models.cspnet import CspNet, model_cfgs",
     "CspNet(cfg=model_cfgs['cspdarknet53'])", (1, 3, 256, 256)),
]

DRIVER = '''from functools import partial

import torch.nn as nn
{imports}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = {expr}

    def forward(self, x):
        return self.m(x)
'''


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--only", action="append", help="architecture name (repeatable)")
    parser.add_argument("--drivers", metavar="DIR", help="write the driver modules here (kept), not to a temporary folder")
    args = parser.parse_args()
    site = Path(timm.__file__).resolve().parent.parent
    print(f"torch {torch.__version__}, timm {timm.__version__} in {site}")
    print(f"{'architecture':<30}{'torch calls':>12}{'right':>7}{'%':>6}{'unknown':>9}{'wrong':>7}{'missed':>8}{'extra':>7}  {'params (ours / torch)':<26}{'findings':>9}{'seconds':>9}")
    tmp = Path(args.drivers) if args.drivers else Path(tempfile.mkdtemp(prefix="shapelint-timm-"))
    tmp.mkdir(parents=True, exist_ok=True)
    totals = [0, 0]
    for name, imports, expr, shape in ARCHITECTURES:
        if args.only and name not in args.only:
            continue
        path = tmp / f"drive_{name}.py"
        path.write_text(DRIVER.format(imports=imports, expr=expr))
        torch.manual_seed(0)
        model = load(path).Model()
        model.eval()
        calls = torch_calls(model, torch.zeros(shape))
        t0 = time.perf_counter()
        index = ProjectIndex([site])
        info = index.load(path)
        [trace] = analyse(index, info, {"Model": shape}, only="Model", training=False)
        findings = check_path(path, (("Model", shape),), ProjectIndex([site])).findings
        seconds = time.perf_counter() - t0
        c = compare(calls, trace.rows, args.verbose)
        right, unknown, wrong, missed, extra = c.right, c.unknown, c.wrong, c.missed, c.extra
        torch_params = sum(p.numel() for p in model.parameters())
        pct = 100.0 * right / len(calls) if calls else 0.0
        totals[0] += right
        totals[1] += len(calls)
        print(f"{name:<30}{len(calls):>12}{right:>7}{pct:>6.1f}{unknown:>9}{wrong:>7}{missed:>8}{extra:>7}  {str(trace.params) + ' / ' + str(torch_params):<26}{len(findings):>9}{seconds:>9.2f}")
        if trace.error:
            print(f"   internal error: {trace.error}")
        for f in findings:
            print(f"   finding: {f.filename}:{f.row}:{f.column} {f.code} {f.message}")
    if totals[1]:
        print(f"{'all':<30}{totals[1]:>12}{totals[0]:>7}{100.0 * totals[0] / totals[1]:>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
