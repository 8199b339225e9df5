"""Time of the whole 2025 US-China timeline (13 steps, 4 with quota searches) on wiod2014-ree.

Run: ``python benchmarks/bench_timeline.py``. Prints cold time (fresh process: import, load,
compile, solve) and the median warm time of the whole timeline, with solve counts.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "us_china_2025.toml"

COLD = """
import json, resource, sys, time
t0 = time.perf_counter()
import tradewar as tw
r = tw.run_scenario(sys.argv[1])
print(json.dumps({"cold_s": time.perf_counter() - t0, "converged": r.converged,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    import tradewar as tw
    import tradewar.api as api

    if "--smoke" in sys.argv[1:]:
        steps = [
            {
                "date": f"2025-0{k}-01",
                "label": f"step {k}",
                "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 5}],
            }
            for k in range(1, 4)
        ]
        result = tw.run_scenario(tw.parse_scenario({"name": "t", "world": "tiny", "step": steps}))
        print(f"tiny 3-step timeline: converged {result.converged}")
        print("ok")
        return

    proc = subprocess.run(
        [sys.executable, "-c", COLD, str(SCENARIO)], capture_output=True, text=True, check=True
    )
    cold = json.loads(proc.stdout.strip().splitlines()[-1])
    scenario = tw.load_scenario(SCENARIO)
    world = tw.load_world(scenario.world)
    tw.run_scenario(scenario, world=world)
    solves = []
    original = api.solve_arrays

    def counted(*args, **kwargs):
        solves.append(1)
        return original(*args, **kwargs)

    api.solve_arrays = counted
    times = []
    for _ in range(3):
        solves.clear()
        start = time.perf_counter()
        tw.run_scenario(scenario, world=world)
        times.append(time.perf_counter() - start)
    api.solve_arrays = original
    print(f"{'case':<34}{'cold s':>8}{'warm s':>8}{'solves':>8}{'peak RSS MB':>13}")
    print(
        f"{'us_china_2025 (13 steps, ces)':<34}{cold['cold_s']:>8.2f}"
        f"{statistics.median(times):>8.2f}{len(solves):>8}{cold['peak_rss_mb']:>13.0f}"
    )


if __name__ == "__main__":
    main()
