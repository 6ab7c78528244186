"""How well ``shapelint shapes`` follows the model code shipped inside torchvision.

Run with a Python that has torch and torchvision (they are the oracle, used here only):

    python benchmarks/torchvision_models.py [--verbose]

For each model file, torch builds the model and forward hooks record every leaf-module
call; shapelint reads the same file (never importing it) and its rows are compared name
by name.  A row is *right* when its output shape equals torch's, *unknown* when
shapelint left it (partly) unknown, *wrong* otherwise; calls torch made that shapelint
has no row for are *missed*, rows torch never called are *extra*.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torchvision

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from shapelint.analysis import analyse  # noqa: E402
from shapelint.engine import check_path  # noqa: E402
from shapelint.extract.index import ProjectIndex  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hooks import compare, torch_calls  # noqa: E402

MODELS = [
    ("alexnet.py", "AlexNet", (1, 3, 224, 224)),
    ("squeezenet.py", "SqueezeNet", (1, 3, 224, 224)),
    ("googlenet.py", "GoogLeNet", (1, 3, 224, 224)),
    ("mobilenetv2.py", "MobileNetV2", (1, 3, 224, 224)),
    ("densenet.py", "DenseNet", (1, 3, 224, 224)),
    ("inception.py", "Inception3", (1, 3, 299, 299)),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    folder = Path(torchvision.__file__).parent / "models"
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, files in {folder}")
    print(f"{'file':<16}{'class':<13}{'torch calls':>12}{'right':>7}{'unknown':>9}{'wrong':>7}{'missed':>8}{'extra':>7}  {'params (ours / torch)':<28}{'findings':>9}{'seconds':>9}")
    for filename, cls, shape in MODELS:
        path = folder / filename
        model = getattr(torchvision.models, cls)(**({"init_weights": False} if cls in ("GoogLeNet", "Inception3") else {}))
        model.eval()
        calls = torch_calls(model, torch.zeros(shape))
        t0 = time.perf_counter()
        index = ProjectIndex()
        info = index.load(path)
        [trace] = analyse(index, info, {cls: shape}, only=cls, training=False)
        findings = check_path(path).findings
        seconds = time.perf_counter() - t0
        c = compare(calls, trace.rows, args.verbose)
        right, unknown, wrong, missed, extra = c.right, c.unknown, c.wrong, c.missed, c.extra
        torch_params = sum(p.numel() for p in model.parameters())
        print(f"{filename:<16}{cls:<13}{len(calls):>12}{right:>7}{unknown:>9}{wrong:>7}{missed:>8}{extra:>7}  {str(trace.params) + ' / ' + str(torch_params):<28}{len(findings):>9}{seconds:>9.2f}")
        for f in findings:
            print(f"   finding: {f.row}:{f.column} {f.code} {f.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
