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


def _run_torch(path, result):
    """(model name, output shape or exception) for every model with a declared input.

    Blocks used inside a model (constructor arguments, no declaration) are not built alone.
    """
    module = _load(path)
    outcomes = {}
    for name, shape in result.declared.items():
        if shape is None:
            continue
        try:
            model = getattr(module, name)()
            model.eval()
            PARAMS[(path, name)] = sum(p.numel() for p in model.parameters())
            with torch.no_grad():
                outcomes[name] = tuple(model(torch.zeros(_concrete(shape))).shape)
        except Exception as e:  # torch refuses in many ways
            outcomes[name] = e
    return outcomes


def test_fixtures_exist():
    assert len(GOOD) >= 5 and len(BAD) >= 5


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_fixture_runs_in_torch_and_is_clean(path):
    result = check_path(path)
    assert result.findings == []
    assert result.traces, "no model found"
    outcomes = _run_torch(path, result)
    assert outcomes, f"{path.name}: no model has an input declaration"
    for trace in result.traces:
        if trace.model not in outcomes:
            continue  # a block without a declaration: checked through the models that use it
        got = outcomes[trace.model]
        assert not isinstance(got, Exception), f"torch refuses a good fixture: {got}"
        assert trace.output is not None, f"{trace.model}: output shape unknown"
        assert _concrete(trace.output) == got
        if trace.params is not None:
            assert trace.params == PARAMS[(path, trace.model)], f"{trace.model}: params"


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
        assert any(kind in kind_of(f"{type(e).__name__}: {e}") for e in errors), f"{finding.code} but torch says {messages}"
