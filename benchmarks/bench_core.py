"""Speed and memory of the core engine: cold start, warm solves, peak memory.

Run: ``python benchmarks/bench_core.py`` (``--smoke``: the NAFTA case with one repeat, as the
tests run it). Prints one line per case. "cold" is a fresh Python
process doing import + load + compile + solve + results; "warm" is the median of repeated solves
once compiled (``solve_arrays`` alone, and the whole ``run_scenario`` including loading nothing).
For scale, the authors' MATLAB code for Caliendo-Parro (2015) needs about 100 s per counterfactual
under GNU Octave on this kind of machine (not measured here: Octave is not installed).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "cp2015 NAFTA": ROOT / "scenarios" / "cp2015_nafta.toml",
    "wiod2014 US+25 on CHN": ROOT / "scenarios" / "wiod2014_us_china_25.toml",
}

COLD = """
import json, resource, sys, time
t0 = time.perf_counter()
import tradewar as tw
r = tw.run_scenario(sys.argv[1])
r.to_frame()
t1 = time.perf_counter()
print(json.dumps({"cold_s": t1 - t0, "converged": r.converged, "iterations": r.iterations,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def warm_times(path: Path, repeats: int = 7) -> dict[str, float]:
    import jax.numpy as jnp
    import numpy as np

    import tradewar as tw
    from tradewar.engine import economy_from_world
    from tradewar.model.calibrate import rebalanced
    from tradewar.model.economy import Shock
    from tradewar.model.solver import SolverOptions, solve_arrays
    from tradewar.policy.shocks import PolicyState, apply_policies

    scenario = tw.load_scenario(path)
    world = tw.load_world(scenario.world)
    econ = economy_from_world(world, scenario.model)
    if scenario.deficits == "zero":
        econ = rebalanced(econ, jnp.zeros_like(econ.va))
    state = apply_policies(
        world, scenario.steps()[0][0].policy, PolicyState.baseline(np.asarray(econ.tau))
    )
    shock = Shock(
        tau=jnp.asarray(state.tariffs), cost_hat=jnp.asarray(state.cost_hat), deficit=econ.deficit
    )
    options = SolverOptions()
    solve_arrays(econ, shock, options).w_hat.block_until_ready()
    solve = []
    for _ in range(repeats):
        t = time.perf_counter()
        solve_arrays(econ, shock, options).w_hat.block_until_ready()
        solve.append(time.perf_counter() - t)
    tw.run_scenario(scenario, world=world)
    full = []
    for _ in range(3):
        t = time.perf_counter()
        tw.run_scenario(scenario, world=world)
        full.append(time.perf_counter() - t)
    return {"warm_solve_s": statistics.median(solve), "warm_scenario_s": statistics.median(full)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="A tiny run, for CI.")
    smoke = parser.parse_args().smoke
    cases = dict(list(CASES.items())[:1]) if smoke else CASES
    print(
        f"{'case':<24}{'cold s':>8}{'warm solve s':>14}{'warm scenario s':>17}"
        f"{'iterations':>12}{'peak RSS MB':>13}"
    )
    for name, path in cases.items():
        proc = subprocess.run(
            [sys.executable, "-c", COLD, str(path)], capture_output=True, text=True, check=True
        )
        cold = json.loads(proc.stdout.strip().splitlines()[-1])
        warm = warm_times(path, repeats=1 if smoke else 7)
        print(
            f"{name:<24}{cold['cold_s']:>8.2f}{warm['warm_solve_s']:>14.4f}"
            f"{warm['warm_scenario_s']:>17.3f}{cold['iterations']:>12}"
            f"{cold['peak_rss_mb']:>13.0f}"
        )
    print("ok")


if __name__ == "__main__":
    main()
