"""The same user-facing timings for two source trees, interleaved in one run.

For a refactor's before and after: ``python benchmarks/bench_revisions.py OLD_SRC NEW_SRC``
(two ``src`` folders, e.g. of ``git worktree add /tmp/old REV``) times, for each tree in turn
and in alternation so that both see the same machine:

- the cold command line: ``tradewar run scenarios/cp2015_nafta.toml --json``, a whole process
  after one untimed process has filled the compilation cache (best of three);
- warm solves: ``tw.run_scenario`` of NAFTA and of the WIOD 44 x 50 US-China scenario, the
  median of seven calls after a first in one process;
- the README's main command: ``tradewar report scenarios/us_china_2025.toml`` (best of two).

Each tree runs with its own ``src`` first on ``PYTHONPATH``; the scenarios are this checkout's.
``--smoke`` times the cold command line once per tree (for the tests; without trees, this
checkout's ``src`` against itself).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAFTA = ROOT / "scenarios" / "cp2015_nafta.toml"
WIOD = ROOT / "scenarios" / "wiod2014_us_china_25.toml"
README = ROOT / "scenarios" / "us_china_2025.toml"

WARM = """
import statistics, sys, time
import tradewar as tw
out = []
for path in sys.argv[1:]:
    scenario = tw.load_scenario(path)
    tw.run_scenario(scenario)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        tw.run_scenario(scenario)
        times.append(time.perf_counter() - start)
    out.append(statistics.median(times))
print(" ".join(f"{t:.6f}" for t in out))
"""


def _run(src: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, *args], check=True, capture_output=True, text=True, env=env
    )


def _timed(src: Path, args: list[str]) -> float:
    start = time.perf_counter()
    _run(src, args)
    return time.perf_counter() - start


def main() -> None:
    smoke = "--smoke" in sys.argv
    trees = [Path(a).resolve() for a in sys.argv[1:] if not a.startswith("--")]
    if smoke and not trees:  # this checkout against itself
        trees = [ROOT / "src", ROOT / "src"]
    if len(trees) != 2 or not all((t / "tradewar").is_dir() for t in trees):
        sys.exit("usage: bench_revisions.py OLD_SRC NEW_SRC [--smoke] (folders holding tradewar/)")
    cli = ["-m", "tradewar.cli", "run", str(NAFTA), "--json"]
    figures: dict[str, list[list[float]]] = {"cold": [[], []], "nafta": [[], []], "wiod": [[], []]}
    figures["report"] = [[], []]
    for tree in trees:
        _run(tree, cli)  # fills the compilation cache
    for _ in range(1 if smoke else 3):
        for k, tree in enumerate(trees):
            figures["cold"][k].append(_timed(tree, cli))
    if not smoke:
        for _ in range(2):
            for k, tree in enumerate(trees):
                nafta, wiod = map(
                    float, _run(tree, ["-c", WARM, str(NAFTA), str(WIOD)]).stdout.split()
                )
                figures["nafta"][k].append(nafta)
                figures["wiod"][k].append(wiod)
                with tempfile.TemporaryDirectory() as tmp:
                    report = ["-m", "tradewar.cli", "report", str(README), "--out", f"{tmp}/r"]
                    figures["report"][k].append(_timed(tree, report))
    labels = {
        "cold": "cold CLI: tradewar run cp2015_nafta.toml --json (best)",
        "nafta": "CP NAFTA: tw.run_scenario, warm (median, best process)",
        "wiod": "WIOD US+25: tw.run_scenario, warm (median, best process)",
        "report": "README: tradewar report us_china_2025.toml (best)",
    }
    print(f"{'':58s} {'before':>9s} {'after':>9s} {'after/before':>13s}")
    for key, label in labels.items():
        before, after = figures[key]
        if not before:
            continue
        b, a = min(before), min(after)
        print(f"{label:58s} {b:8.3f}s {a:8.3f}s {a / b:12.2f}x")
    print("ok")


if __name__ == "__main__":
    main()
