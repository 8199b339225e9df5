"""Benchmarks run at a tiny size here, so an API change breaks the build, not the next measurement.

Only the scripts' own smoke modes run (no timing is asserted: speed lives in the printed
figures of a full run).
"""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


#: Every script in benchmarks/, found by its name: a new one runs here without being listed.
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))


def test_every_benchmark_is_listed_and_has_a_smoke_mode():
    assert len(SCRIPTS) >= 16
    for name in SCRIPTS:
        assert "--smoke" in (BENCHMARKS / name).read_text(encoding="utf-8"), name


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_in_smoke_mode(script):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.rstrip().endswith("ok")
