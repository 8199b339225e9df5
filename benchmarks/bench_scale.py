"""Scale and convergence: GTAP-sized worlds, and outer iterations at default settings.

1. Synthetic gravity-shaped worlds (`tradewar.build.synthetic_world`: 30% of cross-border
   flows zero on average, as in product-level data) of the OECD ICIO's size (81 economies x 50
   industries) and an ITPD-style 194 countries x 50 sectors: a 25% tariff of the first country
   on everyone and a 25% retaliation, first (compiling) and warm solve, outer iterations, peak
   memory of a fresh process.
2. Outer iterations at default solver settings on every bundled scenario (the most over a
   timeline's steps) and on the 194-country one-sector world with roundabout production
   (labour share 0.49) under the April 2025 US tariffs: the target is <= 100 for each.

Run: ``python benchmarks/bench_scale.py``, or ``--smoke`` (a 10 x 3 world and one scenario)
as the tests run it, so the script cannot rot.
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
sys.path.insert(0, str(ROOT / "tests"))

SIZED = """
import json, resource, sys, time
import tradewar as tw
from tradewar.build import synthetic_world
n, j = int(sys.argv[1]), int(sys.argv[2])
world = synthetic_world(n, j)
policy = [tw.Tariff(importer="C001", exporter="*", add_pct=25),
          tw.Tariff(importer="*", exporter="C001", add_pct=25)]
start = time.perf_counter()
result = tw.solve(world, policy, model="caliendo-parro")
first = time.perf_counter() - start
warm = []
for _ in range(3):
    start = time.perf_counter()
    result = tw.solve(world, policy, model="caliendo-parro")
    warm.append(time.perf_counter() - start)
print(json.dumps({"first_s": first, "warm_s": sorted(warm)[1], "iterations": result.iterations,
    "converged": result.converged, "zero_share": float((world.flows == 0).mean()),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def sized_world(n: int, j: int) -> dict:
    """Solve times and peak memory of an ``n`` x ``j`` synthetic world, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", SIZED, str(n), str(j)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_sized(n: int, j: int) -> dict:
    m = sized_world(n, j)
    print(
        f"synthetic {n}x{j} ({100 * m['zero_share']:.0f}% zero flows): first solve "
        f"{m['first_s']:.2f} s, warm {m['warm_s']:.3f} s, {m['iterations']} iterations, "
        f"converged {m['converged']}, peak memory {m['peak_mb']:,.0f} MB"
    )
    return m


def iterations(paths: list[Path]) -> dict[str, int]:
    """The most outer iterations over each scenario's steps, at default settings."""
    import tradewar as tw

    out = {}
    for path in paths:
        result = tw.run_scenario(path, strict=False)
        assert result.converged, path.name
        out[path.stem] = max(step.outcome.iterations for step in result.steps)
    return out


def roundabout_iterations() -> tuple[int, float]:
    import tradewar as tw
    from helpers.worlds import roundabout_baci

    world = roundabout_baci(0.49)
    policy = [tw.Tariff(importer="USA", exporter="*", set_from="liberation_day")]
    result = tw.solve(world, policy, model="caliendo-parro")
    start = time.perf_counter()
    tw.solve(world, policy, model="caliendo-parro")
    return result.iterations, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="A tiny run, for CI.")
    args = parser.parse_args()
    if args.smoke:
        print_sized(10, 3)
        found = iterations([ROOT / "scenarios" / "cp2015_nafta.toml"])
        print(f"cp2015_nafta: {found['cp2015_nafta']} iterations")
        print("ok")
        return
    print_sized(81, 50)
    print_sized(194, 50)
    bundled = (ROOT / "scenarios").glob("*.toml")
    scenarios = sorted(p for p in bundled if "negotiation" not in p.name)
    found = iterations(scenarios)
    worst = max(found, key=found.get)
    print(
        f"bundled scenarios ({len(found)}): median {statistics.median(found.values()):.0f}, "
        f"most {found[worst]} outer iterations ({worst})"
    )
    its, warm = roundabout_iterations()
    print(
        f"194-country one-sector roundabout world, Liberation Day: {its} iterations, {warm:.3f} s"
    )
    print("ok")


if __name__ == "__main__":
    main()
