"""Benchmarks run at a tiny size here, so an API change breaks the build, not the next measurement.

Only the scripts' own smoke modes run (no timing is asserted: speed lives in the printed
figures of a full run).
"""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "args"),
    [("bench_web_load.py", ["--smoke"]), ("bench_uncertainty.py", ["--smoke"])],
)
def test_benchmark_runs_in_smoke_mode(script, args):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.rstrip().endswith("ok")
