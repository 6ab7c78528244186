import os
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
# CI: derandomized so a run is reproducible; locally hypothesis explores afresh.
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "default")

# the CLI's cache goes to a folder of this run, never into the repository (tests/test_cache.py
# checks the default location itself)
os.environ.setdefault("SHAPELINT_CACHE_DIR", tempfile.mkdtemp(prefix="shapelint-cache-"))

# cases per layer family drawn by the torch conformance tests; SHAPELINT_CASES overrides
CASES_PER_FAMILY = int(os.environ.get("SHAPELINT_CASES", "2000"))


def pytest_terminal_summary(terminalreporter):  # pragma: no cover - reporting only
    try:
        from oracle import CASES
    except ImportError:
        return
    if CASES:
        total = sum(CASES.values())
        terminalreporter.write_line(f"torch conformance: {total} cases checked against torch")
        for family, n in sorted(CASES.items()):
            terminalreporter.write_line(f"  {family}: {n}")
