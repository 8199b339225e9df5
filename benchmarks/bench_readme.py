"""The times the README states, measured as a user meets them: whole commands, cold.

Runs each command in a fresh process (so imports, data loading and compilation count) and
prints its wall time and peak memory, with the machine it ran on:

- ``tradewar --version`` (the cold start of the command line);
- ``tradewar run scenarios/cp2015_nafta.toml`` (the published benchmark);
- ``tradewar report scenarios/us_china_2025.toml --out DIR`` (the README's main command);
- ``python examples/us_china_strategy.py`` (optimal, Nash and bargaining tariffs).

Run on an idle machine: ``python benchmarks/bench_readme.py``.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = int(fh.readline().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    except OSError:
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"
    )


def _timed(name: str, command: list[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    status = "ok" if done.returncode == 0 else f"exit {done.returncode}"
    memory = f"{peak / 1024:.0f} MB" if peak > before else "(below an earlier command's peak)"
    print(f"{name}: {wall:.1f} s wall, peak memory {memory}, {status}")


def main() -> None:
    print(f"machine: {_machine()}")
    cli = [sys.executable, "-m", "tradewar.cli"]
    if "--smoke" in sys.argv[1:]:
        _timed("tradewar --version", [*cli, "--version"])
        print("ok")
        return
    with tempfile.TemporaryDirectory() as tmp:
        _timed("tradewar --version", [*cli, "--version"])
        _timed(
            "tradewar run scenarios/cp2015_nafta.toml", [*cli, "run", "scenarios/cp2015_nafta.toml"]
        )
        _timed(
            "tradewar report scenarios/us_china_2025.toml",
            [*cli, "report", "scenarios/us_china_2025.toml", "--out", str(Path(tmp) / "report")],
        )
        _timed("examples/us_china_strategy.py", [sys.executable, "examples/us_china_strategy.py"])
    print("ok")


if __name__ == "__main__":
    main()
