"""Every shipped fixture, checked both ways: shapelint's findings and real torch.

A good fixture must run in torch and give no finding (and the output shape and, where known, the parameter count shapelint
computed); a bad one must be refused by torch with an error of the kind each expected
finding names, and shapelint must report exactly the findings in its ``.expected`` file.
"""

import importlib.util
from pathlib import Path

import pytest
import torch
from oracle import kind_of

from shapelint.engine import check_path
from shapelint.findings import RULES

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
GOOD = sorted((ROOT / "good").glob("*.py"))
BAD = sorted((ROOT / "bad").glob("*.py"))


def _concrete(shape, batch=2):
    return tuple(batch if isinstance(d, str) else d for d in shape)


def _load(path):
    spec = importlib.util.spec_from_file_location(f"fixture_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # tests only: fixtures are our own files
    return module


PARAMS = {}  # (fixture, model) -> torch's parameter count


def _torch_args(module, values):
    """A stated constructor argument for torch: a reference to the fixture's own class or
    function is that object; plain data is itself."""
    from shapelint.interp.values import ClassRef, FuncRef

    if isinstance(values, (ClassRef, FuncRef)):
        return getattr(module, values.node.name.value)
    if isinstance(values, (tuple, list)):
        return type(values)(_torch_args(module, v) for v in values)
    return values


def _inputs(result):
    """(model, source, shape, args, kwargs) of each input the analysis ran: a declared one
    (source None, built with its defaults), else each one the code states."""
    out = []
    for name, shape in result.declared.items():
        if shape is not None:
            out.append((name, None, shape, (), {}))
            continue
        for item in result.stated.get(name, []):
            out.append((name, item.source, item.shape, item.args, dict(item.kwargs)))
    return out


def _run_torch(path, result):
    """(model name, source) -> output shape or exception, for every model with an input
    declared or stated in the code (built with the stated call's arguments).

    Blocks used inside a model (constructor arguments, no input) are not built alone.
    """
    module = _load(path)
    outcomes = {}
    for name, source, shape, args, kwargs in _inputs(result):
        try:
            model = getattr(module, name)(*_torch_args(module, args), **_torch_args(module, kwargs))
            model.eval()
            PARAMS[(path, name, source)] = sum(p.numel() for p in model.parameters())
            with torch.no_grad():
                outcomes[(name, source)] = tuple(model(torch.zeros(_concrete(shape))).shape)
        except Exception as e:  # torch refuses in many ways
            outcomes[(name, source)] = e
    return outcomes


def test_fixtures_exist():
    assert len(GOOD) >= 5 and len(BAD) >= 5


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_fixture_runs_in_torch_and_is_clean(path):
    result = check_path(path)
    assert result.findings == []
    assert result.traces, "no model found"
    outcomes = _run_torch(path, result)
    assert outcomes, f"{path.name}: no model has an input declared or stated"
    assert len(outcomes) == len(_inputs(result))
    for trace in result.traces:
        key = (trace.model, trace.source)
        if key not in outcomes:
            continue  # a block without a declaration: checked through the models that use it
        got = outcomes[key]
        assert not isinstance(got, Exception), f"torch refuses a good fixture at {trace.input} ({trace.source}): {got}"
        assert trace.output is not None, f"{trace.model}: output shape unknown"
        assert _concrete(trace.output) == got
        if trace.params is not None:
            assert trace.params == PARAMS[(path, trace.model, trace.source)], f"{trace.model}: params"


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_fixture_is_refused_by_torch_and_flagged(path):
    result = check_path(path)
    expected = path.with_suffix(".expected").read_text().splitlines()
    got = [f"{f.row}:{f.column}: {f.code} {f.message}" for f in result.findings]
    assert got == expected
    outcomes = _run_torch(path, result)
    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert errors, f"torch runs {path.name}, which should be bad"
    messages = " | ".join(f"{type(e).__name__}: {e}" for e in errors)
    for finding in result.findings:
        kind = RULES[finding.code].name
        # a finding made at a stated input names it: torch must refuse that very input
        sources = [src for (_, src) in outcomes if src is not None and finding.message.endswith(f" from {src})")]
        judged = [o for (_, src), o in outcomes.items() if src in sources] if sources else errors
        assert any(isinstance(e, Exception) and kind in kind_of(f"{type(e).__name__}: {e}") for e in judged), f"{finding.code} but torch says {messages}"


STATED = [p for p in GOOD + BAD if p.stem.startswith("stated_")]


@pytest.mark.parametrize("path", STATED, ids=lambda p: p.stem)
def test_stated_fixture_declares_nothing_and_is_run_at_what_it_states(path):
    """These fixtures carry no declaration: every model runs at an input its code states."""
    assert "shapelint: input" not in path.read_text()
    result = check_path(path)
    assert all(shape is None for shape in result.declared.values())
    assert result.stated and result.traces
    assert all(t.source is not None for t in result.traces if t.model in result.stated)
