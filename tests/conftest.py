import os

import jax
import numpy as np
import pytest

# Tests compile in-process with strict flags; the command line's persistent compilation cache
# (tradewar.compilation) is tested on its own, in subprocesses (tests/test_compilation_cache.py).
os.environ.setdefault("TRADEWAR_NO_CACHE", "1")

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_debug_nans", True)


#: Set by `.ci/run`: a test that skips fails instead, so nothing is skipped silently in CI (every
#: test dependency is in the ``test`` extra, and Chromium is installed there).
NO_SKIPS = os.environ.get("TRADEWAR_NO_SKIPS") == "1"


def _refuse_skip(report):
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped where TRADEWAR_NO_SKIPS=1 forbids it: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    _refuse_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _refuse_skip(report)
    return report


@pytest.fixture(autouse=True)
def _strict_numpy():
    with np.errstate(all="raise"):
        yield


@pytest.fixture(scope="session")
def tiny():
    import tradewar as tw

    return tw.load_world("tiny")


@pytest.fixture(scope="session")
def cp2015():
    import tradewar as tw

    return tw.load_world("cp2015")
