"""Findings, fixes and the rule table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Edit:
    content: str
    row: int  # 1-based
    column: int  # 1-based
    end_row: int
    end_column: int


@dataclass(frozen=True)
class Fix:
    message: str
    edits: Tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """Another place a finding concerns (the layer that produced the refused shape)."""

    message: str
    filename: str
    row: int  # 1-based
    column: int  # 1-based
    end_row: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    filename: str
    row: int  # 1-based
    column: int  # 1-based
    end_row: int
    end_column: int
    fix: Optional[Fix] = None
    severity: str = "error"
    related: Tuple[Related, ...] = ()

    @property
    def name(self) -> str:
        return RULES[self.code].name

    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.filename, self.row, self.column, self.code)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    doc: str


# What the rules that need spatial sizes say about where those sizes come from.
_INPUT = """
## Input size
The spatial sizes come from, first match wins: `--input Net=4x3x32x32`, a
`# shapelint: input=(N, 3, 32, 32)` comment on the class, `[tool.shapelint.inputs]` in
`pyproject.toml`, then what the code states: a call of the model on a tensor of literal
size in the file or the project's tests (`Net(in_ch=1)(torch.randn(2, 1, 28, 28))`,
`summary(model, (1, 3, 224, 224))`, `torch.onnx.export(model, x, ...)`), a
jaxtyping/torchtyping annotation on `forward`'s input, asserts on its shape at the top
of `forward`, or an `Input: (N, 1, 28, 28)` line in its docstring. Each stated input is
checked on its own, and a finding made at one ends with where it comes from:
`(input [2, 1, 64, 64] from the call at line 40)`. Without any, the spatial sizes are
solved for: they start as symbols (`H`, `W`), and a finding is made only where no input
size at all meets what the model's layers require, naming what fixed the size.
"""


def _rule(code: str, name: str, doc: str, needs_input: bool = False) -> Rule:
    return Rule(code, name, (doc + (_INPUT if needs_input else "")).strip("\n"))


RULES: Dict[str, Rule] = {
    r.code: r
    for r in [
        _rule("SHP000", "syntax-error", """
## What it does
Reports a file that does not parse as Python.

## Why is this bad?
Nothing in the file can be checked, and Python will refuse to import it.

## Example
```python
class Net(nn.Module)
    def forward(self, x):
        return x
```

## Use instead
```python
class Net(nn.Module):
    def forward(self, x):
        return x
```
"""),
        _rule("SHP001", "spatial-collapse", """
## What it does
Finds a convolution, pooling or resampling layer whose output would have a spatial
size below 1 for the input size (declared, or stated in the code: see below). With no
input declared or stated, it reports the layer that collapses for every input size the
model's other layers accept (a Linear after a flatten that fixes the size): the input is
solved for, and the message names what fixed it.

## Why is this bad?
torch refuses at the first forward pass ("Output size is too small", "Kernel size
can't be greater than actual input size"), usually after data loading has started.

## Example
```python
# shapelint: input=(N, 1, 8, 8)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 5), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5))
```

## Use instead
Pad the convolutions, pool less, or use a larger input:
```python
        self.features = nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3))
```
""", needs_input=True),
        _rule("SHP002", "channel-mismatch", """
## What it does
Finds a convolution or transposed convolution whose `in_channels` differs from the
number of channels its input actually has.

## Why is this bad?
torch refuses at run time: "expected input[4, 6, 14, 14] to have 16 channels, but got 6
channels instead".

## Example
```python
nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.Conv2d(16, 32, 5))
```

## Use instead
```python
nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.Conv2d(6, 32, 5))
```
"""),
        _rule("SHP003", "in-features-mismatch", """
## What it does
Finds an `nn.Linear` (or `Bilinear`) whose `in_features` differs from the size of the
last dimension it receives, typically after a flatten. With no input declared, the
flattened size is an expression of the input's height and width, and the rule reports
only an `in_features` that no input size gives (no fix is offered: the right value
depends on the input).

## Why is this bad?
torch refuses at run time: "mat1 and mat2 shapes cannot be multiplied (4x400 and 576x120)".

## Example
```python
# shapelint: input=(N, 3, 32, 32)
... nn.Conv2d(6, 16, 5), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 6 * 6, 120)
```

## Use instead
```python
... nn.Conv2d(6, 16, 5), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120)
```
""", needs_input=True),
        _rule("SHP004", "norm-features-mismatch", """
## What it does
Finds a BatchNorm/InstanceNorm whose `num_features`, a GroupNorm whose `num_channels`
or a LayerNorm whose `normalized_shape` disagrees with its input.

## Why is this bad?
torch refuses at run time: "running_mean should contain 32 elements not 64".

## Example
```python
nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(32))
```

## Use instead
```python
nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64))
```
"""),
        _rule("SHP005", "invalid-layer-args", """
## What it does
Finds layer arguments torch refuses: groups that do not divide the channels,
`padding='same'` with a stride above 1, pool padding over half the kernel, an
`output_padding` not smaller than the stride or dilation.

## Why is this bad?
torch raises when the model is built or at its first forward pass.

## Example
```python
nn.Conv2d(16, 32, 3, stride=2, padding="same")
```

## Use instead
```python
nn.Conv2d(16, 32, 3, stride=2, padding=1)
```
"""),
        _rule("SHP006", "merge-mismatch", """
## What it does
Finds `torch.cat`, `+` or `*` operands whose shapes disagree where they must agree.
With no input declared, the sizes of both sides are expressions of the input size, and
the rule reports a `cat` whose sides differ for every input size (a U-Net skip that is
never cropped to the upsampled path).

## Why is this bad?
torch refuses at run time: "Sizes of tensors must match except in dimension 1".

## Example
```python
return x + self.shortcut(x)  # 64 channels + 128 channels
```

## Use instead
Make both branches produce the same shape, for example with a 1x1 convolution on the shortcut.
""", needs_input=True),
        _rule("SHP007", "reshape-mismatch", """
## What it does
Finds `view`, `reshape`, `unflatten` or pixel-shuffle sizes that do not fit the
element count of the tensor.

## Why is this bad?
torch refuses at run time: "shape '[-1, 576]' is invalid for input of size 1600".

## Example
```python
x = x.view(-1, 16 * 6 * 6)  # the tensor holds 16 * 5 * 5 per sample
```

## Use instead
```python
x = x.view(-1, 16 * 5 * 5)
```
""", needs_input=True),
        _rule("SHP008", "rank-mismatch", """
## What it does
Finds a layer that receives a tensor with the wrong number of dimensions.

## Why is this bad?
torch refuses at run time: "Expected 3D (unbatched) or 4D (batched) input to conv2d,
but got input of size: [4, 400]".

## Example
```python
nn.Sequential(nn.Flatten(), nn.Conv2d(16, 32, 3))
```

## Use instead
Reshape back to (N, C, H, W) before the convolution, or move the flatten after it.
"""),
        _rule("SHP009", "shape-assert", """
## What it does
Finds an `assert` (or `torch._assert`) in `forward` whose condition on shapes is
certainly false for the input (declared, or stated in the code): `assert x.shape[1] == 64` when 32 channels
arrive, `assert x.dim() == 4` on a 3-D tensor, `assert C == self.dim`.

## Why is this bad?
The model raises `AssertionError` at its first forward pass.  The assert states what
the author meant; the layers before it build something else.  Only a condition that
is false for known values is reported, never one that rests on an unknown.

## Example
```python
# shapelint: input=(N, 3, 32, 32)
def forward(self, x):
    x = self.stem(x)  # nn.Conv2d(3, 32, 3)
    assert x.shape[1] == 64
```

## Use instead
```python
    assert x.shape[1] == 32
```
""", needs_input=True),
    ]
}

KIND_TO_CODE = {rule.name: code for code, rule in RULES.items()}
