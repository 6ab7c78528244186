"""Torch as the oracle: run a layer for real and compare with the algebra.

torch decides.  A call certainly fails when it fails in every mode we try (train and
eval, input with and without ``requires_grad``), certainly runs when it runs in every
mode; the algebra must report a failure exactly when torch certainly fails, and must
stay silent (never guess) when the outcome depends on the mode.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch

from shapelint.layers import Failure, Layer, lookup
from shapelint.layers.core import ARGS, CHANNELS, FEATURES, MERGE, NORM, RANK, RESHAPE, SPATIAL

CASES: Counter = Counter()  # family -> cases checked against torch (printed by conftest)

# What torch says for each kind of failure.  A failure the algebra reports must be one
# torch reports with a message of the same kind.
KIND_PATTERNS: Dict[str, List[str]] = {
    SPATIAL: [
        r"Kernel size can't be greater than actual input size",
        r"Output size is too small",
        r"Invalid computed output size",
        r"output sizes? should be greater than 0",
        r"Input and output sizes should be greater than 0",
        r"more than 1 value per channel",
        r"more than 1 spatial element",
        r"resulted in a negative output size",
        r"Padding size should be less than the corresponding input dimension",
        r"Padding value causes wrapping around more than once",
        r"Negative padding value is resulting in an empty dimension",  # circular pad
        r"is too small\.\s*Calculated output",  # reflection/replication pad
        r"narrow\(\): length must be non-negative",  # constant pad: negative pads beyond the dim
        r"Trying to create tensor with negative dimension -\d+",  # reflection/replication pad below 0
        r"numel: integer multiplication overflow",  # reflection/replication pad: a negative output dim
        r"could not construct a memory descriptor",  # oneDNN, transposed conv output below 1
        r"input image \(T: \d+ H: \d+ W: \d+\) smaller than kernel size",  # avg_pool3d
        r"calculated shape of the array of sliding blocks as .* but its components must be at least one",  # unfold
        r"calculated shape of the array of sliding blocks as .* which is too small \(non-positive\)",  # fold
    ],
    CHANNELS: [
        r"expected input\[.*\] to have \d+ channels, but got \d+ channels",
        r"Mismatch of parameter numbers and input channel size",
    ],
    FEATURES: [
        r"mat1 and mat2 shapes cannot be multiplied",
        r"size mismatch",
        r"input1 size does not match weight size",
        r"input2 size does not match weight size",
        r"inconsistent tensor size",
        r"input.size\(-1\) must be equal to input_size",
        r"was expecting embedding dimension of \d+, but got \d+",
        r"expecting (key|value) weights shape of",
        r"the feature number of src and tgt must be equal to d_model",
    ],
    NORM: [
        r"running_mean should contain \d+ elements not \d+",
        r"expected input's size at dim=\d+ to match num_features",
        r"Expected number of channels in input to be divisible by num_groups",
        r"Expected weight to be a vector of size equal to the number of channels",
        r"Given normalized_shape=.*expected input with shape",
        r"weight should contain \d+ elements not \d+",
        r"bias should contain \d+ elements not \d+",
        r"Expected (weight|bias) to be of same shape as normalized_shape",
        r"Expected (weight|bias) to be a vector of size equal to the number of channels in input",
    ],
    ARGS: [
        r"groups must be a positive integer",
        r"in_channels must be divisible by groups",
        r"out_channels must be divisible by groups",
        r"padding='same' is not supported for strided convolutions",
        r"Invalid padding string",
        r"padding_mode must be one of",
        r'Only "zeros" padding mode is supported',
        r"output padding must be smaller than either stride or dilation",
        r"negative padding is not supported",
        r"non-positive stride is not supported",
        r"pad should be at most half of effective kernel size",
        r"pad should be smaller than or equal to half of kernel size",
        r"padding should be at most half of (effective )?kernel size",
        r"num_channels must be divisible by num_groups",
        r"Padding_idx must be within num_embeddings",
        r"dropout probability has to be between 0 and 1",
        r"Padding length must be divisible by 2",
        r"only one of size or scale_factor should be defined",
        r"either size or scale_factor should be defined",
        r"align_corners option can only be set with the interpolating modes",
        r"recompute_scale_factor is not meaningful with an explicit size",
        r"start_dim cannot come after end_dim",
        r"kernel size should be greater than zero",
        r"stride should be greater than zero",
        r"dilation should be greater than zero",
        r"expected stride to be a single integer value or a list of",
        r"expected to be divisible by \d+ at dimension 0",
        r"pad must be non-negative",
        r"max_pool1d\(\) (kernel_size|stride|dilation) must be greater than zero",
        r"max_pool1d\(\) padding must be non-negative",
        r"stride should not be zero",
        r"divisor must be not zero",
        r"Given groups=\d+, expected weight to be (at least|divisible by) \d+ at dimension 0",
        r"adaptive_(avg|max)_pool[123]d: elements of output_size must be greater than or equal to 0",
        r"Trying to create tensor with negative dimension -\d+",  # adaptive_max_pool: negative output_size
        r"only one dimension can be inferred",
        r"invalid shape dimension",
        r"duplicate dims are not allowed",
        r"num_layers must be greater than zero",
        r"embed_dim must be divisible by num_heads",
        r"hidden_size must be greater than zero",
        r"proj_size should be a positive integer or zero to disable projections",
        r"proj_size has to be smaller than hidden_size",
        r"Unknown nonlinearity",
        r"dropout should be a number in range \[0, 1\]",
        r"chunk expects `chunks` to be greater than 0",
        r"split expects split_size be non-negative",
        r"split_size can only be 0 if dimension size is 0",
        r"split_with_sizes expects split_sizes have only non-negative entries",
        r"isn't allowed in a leading, non-existing dimension",
        r"numel: integer multiplication overflow",  # expand with -1 for a new leading dim
        r"Expected normalized_shape to be at least 1-dimensional",
        r"num_channels \(\d+\) must be divisible by num_groups \(\d+\)",
        r"unflatten: sizes must be non-empty",
        r"Anti-alias option is restricted to bilinear, bicubic",
        r"Lanczos mode does not support align_corners=True",
        r"Lanczos mode requires antialias=True",
        r"pixel_(un)?shuffle expects a positive (up|down)scale_factor",
        r"Padding mode \"\w+\" doesn't take in value argument",
        # circular pad with a positive and a negative pad on one dim copies a slice onto itself
        r"unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location",
        r"float\(\) argument must be a string or a real number, not 'list'",  # Upsample(scale_factor=[...])
        r"__init__\(\) takes \d+ positional arguments? but \d+ were given",  # Sigmoid(1): Module.__init__
        r"__init__\(\) got an unexpected keyword argument",
        r"einsum\(\): (fewer|more) operands were provided than specified in the equation",
        r"einsum\(\): output subscript \w (does not appear in the equation for any input operand|appears more than once in the output)",
        r"einsum\(\): found '\.' for (operand \d+|output) that is not part of any ellipsis",
        r"einsum\(\): invalid subscript given at index \d+",
        r"selected index k out of range",
        r"activation should be relu/gelu, not",
        r"It is expected (kernel_size|dilation|padding|stride|output_size) equals to 2",
        r"kernel size should be greater than zero, but got kernel_height",
        r"(stride|dilation) should be greater than zero, but got",
        r"padding should be non-negative, but got pad_height",
        r"einsum\(\): must specify the equation string and at least one operand",
    ],
    RESHAPE: [
        r"don't multiply up to the size of dim",
        r"is invalid for input of size",
        r"cannot reshape tensor of 0 elements into shape .* because the unspecified dimension size -1 can be any value",
        r"'channel' dimension to be divisible by the square of upscale_factor",
        r"is not divisible by the square of upscale_factor",
        r"to be divisible by downscale_factor",
        r"Halving dimension must be even",
        r"split_with_sizes expects split_sizes to sum exactly to",
        r"Expected size of input's dimension 1 to be divisible by the product of kernel_size",
        r"expected size of input's dimension 2 to match the calculated number of sliding blocks",
    ],
    RANK: [
        r"Expected \d+D \(unbatched\) or \d+D \(batched\) input",
        r"Expected \d+-dimensional input for \d+-dimensional weight",
        r"Expected \d+D or \d+D \(batch mode\) tensor",
        r"non-empty \d+D or \d+D \(batch mode\) tensor expected",
        r"Expected \d+D or \d+D input tensor",
        r"expected \d+D (or \d+D )?input \(got \d+D input\)",
        r"Dimension out of range",
        r"Expected at least \d+ dimensions",
        r"Expected \d+D or higher dimensionality input",
        r"Input and output must have the same number of spatial dimensions",
        r"Input and scale_factor must have the same number of spatial dimensions",
        r"needs \d+D input",
        r"Only 3D, 4D and 5D input Tensors supported",
        r"Padding length should be less than or equal to two times the input dimension",
        r"Padding length too large",
        r"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported",
        r"Expected 2D or 3D input",
        r"Expected \d+ to \d+ dimensions, but got \d+-dimensional tensor",  # checkDimRange
        r"Input dimension should be at least \d+",  # adaptive pooling's _list_with_default
        r"weight should have at least three dimensions",  # F.conv* with a 2-D weight
        r"adaptive_(avg|max)_pool[23]d\(\): Expected \d+D or \d+D tensor, but got",
        r"at least 3 dimensions",
        r"input dimensions do not match",
        r"number of dims don't match in permute",
        r"number of dimensions in the tensor input does not match the length of the desired ordering",
        r"Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
        r"chunk expects at least a 1-dimensional tensor",
        r"Expected input to be 2D or 3D, got \d+D",
        r"query should be unbatched 2D or batched 3D tensor",
        r"expected `key` and `value` to be \d-D but found",
        r"split expects at least a 1-dimensional tensor",
        r"the number of sizes provided \(\d+\) must be greater or equal to the number of dimensions",
        r"both arguments to linear need to be at least 1D",
        r"t\(\) expects a tensor with <= 2 dimensions",
        r"mat2 must be a matrix, got 1-D tensor",
        r"both arguments to matmul need to be at least 1D",
        r"Expected query, key, and value to all be\s+at least 2 dimensional",
        r"^IndexError: tuple index out of range",
        r"For (un)?batched \d-D input, hx (and cx )?should also be \d-D",  # nn.TransformerDecoder reads the sequence length of a 1-D tgt
        r"Expected at least 2 dimensions for input tensor but received \d+",
        r"batch[12] must be a 3D tensor",
        r"self must be a matrix",
        r"mat2 must be a matrix",
        r"einsum\(\): the number of subscripts in the equation \(\d+\) (does not match|is more than) the number of dimensions",
        r"Dimension specified as -1 but tensor has no dimensions",
        r"Dimension specified as -?\d+ but tensor has no dimensions",
        r"Got \d+D input, but \w+ mode needs \d+D input",  # F.interpolate
        r"Padding size \d+ is not supported for \d+D input tensor",  # F.pad, non-constant modes
        r"Softmax2d: expected input to be 3D or 4D",
        r"glu does not support scalars",
        r"Not allow zero-dim input tensor",  # prelu with several parameters
        r"dropout1d: Expected 2D or 3D input",
        r"the number of sizes provided \(\d+\) must be greater or equal to the number of dimensions in the tensor",
        r"Input tensor must have at least \d+ dimensions, but got \d+",
        r"Expected \d+D or higher dimensionality\s+input",  # F.local_response_norm's message has a run of spaces
    ],
    "shape-assert": [r"^AssertionError"],
    MERGE: [
        r"input batch dimensions do not match",
        r"Tensors must have same number of dimensions",
        r"key shape .* does not match value shape",
        r"key's sequence and batch dims .* do not match value's",
        r"Sizes of tensors must match except in dimension",
        r"stack expects each tensor to be equal size",
        r"The expanded size of the tensor \(\d+\) must match the existing size \(\d+\)",
        r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\)",
        r"output with shape \[.*\] doesn't match the broadcast shape",
        # products: the inner dims (matmul, mm, mv, dot, bmm), einsum's subscripts
        r"mat1 and mat2 shapes cannot be multiplied",
        r"size mismatch, got input \(\d+\), mat \(\d+x\d+\), vec \(\d+\)",
        r"inconsistent tensor size, expected tensor \[\d+\] and src \[\d+\]",
        r"Expected size for first two dimensions of batch2 tensor to be",
        r"Number of heads in key and value must divide the number of heads in",
        r"Expected hidden(\[\d\])? size \(",
        r"the batch number of src and tgt must be equal",
        r"einsum\(\): subscript \w is repeated for operand \d+ but the sizes don't match",
        r"einsum\(\): subscript \w has size \d+ for operand \d+ which does not broadcast",
        r"einsum\(\): dimension \d+ covered by ellipsis in operand \d+\s*has size \d+ which does not broadcast",
    ],
}


@dataclass(frozen=True)
class T:
    """A tensor argument: its shape (and dtype) — zeros for torch, the shape for the algebra."""

    shape: Tuple[int, ...]
    dtype: Any = torch.float32


@dataclass
class Outcome:
    stage: Optional[str]  # None: ran; "init" or "forward": where torch refused
    certain: bool
    shapes: List[Tuple[int, ...]]  # output shapes of the runs that succeeded
    error: str = ""
    params: Optional[int] = None


def _tensor(a: Any, grad: bool) -> Any:
    if isinstance(a, T):
        t = torch.zeros(a.shape, dtype=a.dtype)
        return t.requires_grad_() if grad and t.is_floating_point() else t
    if isinstance(a, (list, tuple)) and any(isinstance(e, T) for e in a):
        return type(a)(_tensor(e, grad) for e in a)
    return a


def _out_shape(out: Any, pieces: bool = False) -> Any:
    if pieces:  # chunk / split: the shape of every piece
        return tuple(tuple(o.shape) for o in out)
    if isinstance(out, tuple):  # return_indices and friends
        out = out[0]
    return tuple(out.shape)


def _run(call: Any, args: Sequence[Any], kwargs: Dict[str, Any], module: Any = None, pieces: bool = False) -> Outcome:
    shapes, errors = [], []
    for training in (True, False):
        if module is not None:
            module.train(training)
        for grad in (False, True):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = call(*[_tensor(a, grad) for a in args], **{k: _tensor(v, grad) for k, v in kwargs.items()})
                shapes.append(_out_shape(out, pieces))
            except Exception as e:  # torch refuses with many exception types
                errors.append(f"{type(e).__name__}: {e}")
            if module is None:
                break  # a function has no train/eval mode
        if module is None and errors and shapes:
            break
    stage = "forward" if errors else None
    params = None if module is None else sum(p.numel() for p in module.parameters())
    return Outcome(stage, not (errors and shapes), shapes, errors[0] if errors else "", params)


def torch_module(name: str, args: Sequence[Any], kwargs: Dict[str, Any], inputs: Sequence[T]) -> Outcome:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = getattr(torch.nn, name)(*args, **kwargs)
    except Exception as e:
        return Outcome("init", True, [], f"{type(e).__name__}: {e}")
    return _run(module, list(inputs), {}, module)


def torch_function(fn: Any, args: Sequence[Any], kwargs: Dict[str, Any], pieces: bool = False) -> Outcome:
    return _run(fn, args, kwargs, pieces=pieces)


def _shape_arg(a: Any) -> Any:
    if isinstance(a, T):
        return a.shape
    if isinstance(a, (list, tuple)) and any(isinstance(e, T) for e in a):
        return type(a)(_shape_arg(e) for e in a)
    return a


def kind_of(message: str) -> List[str]:
    return [k for k, pats in KIND_PATTERNS.items() if any(re.search(p, message) for p in pats)]


def agree(family: str, qualname: str, args: Sequence[Any], kwargs: Dict[str, Any], inputs: Sequence[T] = (), fn: Any = None, pieces: bool = False) -> None:
    """Run torch and the algebra on the same call; assert they agree exactly."""
    layer: Optional[Layer] = lookup(qualname)
    assert layer is not None, qualname
    if fn is None:
        truth = torch_module(qualname.rsplit(".", 1)[1], args, kwargs, inputs)
    else:
        truth = torch_function(fn, args, kwargs, pieces)
    cfg = layer.bind([_shape_arg(a) for a in args], {k: _shape_arg(v) for k, v in kwargs.items()})
    if isinstance(cfg, Failure):
        got_shape, failure = None, cfg
    else:
        res = layer.apply(cfg, *[_shape_arg(i) for i in inputs])
        got_shape, failure = res.shape, res.failure
    CASES[family] += 1
    where = f"{qualname} args={args!r} kwargs={kwargs!r} inputs={[_shape_arg(i) for i in inputs]}"
    if truth.stage == "init":
        assert failure is not None, f"torch refuses to build {where}: {truth.error}"
        assert failure.kind in kind_of(truth.error), f"kind {failure.kind} vs torch: {truth.error} ({where})"
        return
    if truth.stage is None:  # torch runs in every mode
        assert failure is None, f"false alarm on {where}: {failure}; torch gives {truth.shapes[0]}"
        assert got_shape == truth.shapes[0], f"{where}: algebra {got_shape}, torch {truth.shapes[0]}"
    elif truth.certain:
        assert failure is not None, f"missed: torch refuses {where}: {truth.error}; algebra {got_shape}"
        assert failure.kind in kind_of(truth.error), f"kind {failure.kind} vs torch: {truth.error} ({where})"
    else:  # depends on mode: the algebra must not guess a failure
        assert failure is None, f"uncertain case reported on {where}: {failure} (torch: {truth.error})"
        assert got_shape == truth.shapes[0], f"{where}: algebra {got_shape}, torch {truth.shapes[0]}"
    if not isinstance(cfg, Failure) and truth.params is not None and failure is None:
        assert layer.params(cfg) == truth.params, f"{where}: params {layer.params(cfg)} vs torch {truth.params}"


def split_positional(kwargs: Dict[str, Any], order: Sequence[str], n: int) -> Tuple[List[Any], Dict[str, Any]]:
    """Pass the first ``n`` arguments of ``order`` positionally (stops at the first absent one)."""
    args: List[Any] = []
    rest = dict(kwargs)
    for name in order[:n]:
        if name not in rest:
            break
        args.append(rest.pop(name))
    return args, rest


def check_quirk(family: str, name: str, args: Sequence[Any], kwargs: Dict[str, Any], shape: Tuple[int, ...], expected: Any) -> None:
    """A hand-picked case: the algebra gives ``expected`` (a shape or a failure kind), and torch agrees."""
    layer = lookup(f"torch.nn.{name}")
    assert layer is not None
    cfg = layer.bind(args, kwargs)
    assert not isinstance(cfg, Failure), cfg
    res = layer.apply(cfg, shape)
    if isinstance(expected, str):
        assert res.failure is not None and res.failure.kind == expected
    else:
        assert res.failure is None and res.shape == expected
    agree(family, f"torch.nn.{name}", args, kwargs, [T(shape)])
