"""The 2025 tariff war on 2023 data (ILMS 2025): solve times and formula vs true optimum.

Prints, for the 194-country `baci2023` world on this machine: the cold and warm solve of the
Liberation Day tariffs, the whole set of Table 1 and Table 2 cases, and the optimal-tariff
searches behind docs/ilms2025.md's "formula vs true optimum" table: the US best response
(uniform, and by partner) without retaliation, and the common retaliation tariff that
maximises the expenditure-weighted welfare of the other 193 countries (a one-dimensional
search). Run: ``python benchmarks/bench_ilms2025.py``.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar

import tradewar as tw
from tradewar.engine.armington import scenario_margins
from tradewar.game import GameSettings, TariffGame, optimal_tariffs

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TABLES_1_2 = [
    "liberation_day_2025",
    "liberation_day_2025_lump_sum",
    "liberation_day_2025_optimal",
    "liberation_day_2025_reciprocal",
    "liberation_day_2025_optimal_retaliation",
    "liberation_day_2025_optimal_both",
]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    import sys

    world = tw.load_world("baci2023")
    base = tw.load_scenario(SCENARIOS / "liberation_day_2025.toml")
    _, cold = timed(lambda: tw.run_scenario(base, world=world))
    if "--smoke" in sys.argv[1:]:
        print(f"Liberation Day tariffs on baci2023: first solve {cold:.2f} s (incl. compile)")
        print("ok")
        return
    runs = [timed(lambda: tw.run_scenario(base, world=world))[1] for _ in range(5)]
    print(
        f"Liberation Day tariffs on baci2023: first solve {cold:.2f} s (incl. compile), "
        f"warm {min(runs):.3f} s (best of 5)"
    )
    scenarios = [tw.load_scenario(SCENARIOS / f"{n}.toml") for n in TABLES_1_2]
    results, seconds = timed(lambda: [tw.run_scenario(s, world=world) for s in scenarios])
    assert all(r.converged for r in results)
    print(f"Tables 1 and 2 ({len(scenarios)} cases): {seconds:.2f} s")
    us = world.country_index("USA")
    usa = results[0].country_table().loc["USA", "welfare_pct"]
    formula = results[2].country_table().loc["USA", "welfare_pct"]
    print(
        f"  US welfare: Liberation Day {usa:+.3f}%, formula optimal tariff 21.80% {formula:+.3f}%"
    )

    margins = scenario_margins(world, base)
    uniform = TariffGame(
        world, "armington", GameSettings(deficits="keep", mfn=True, upper_pct=100), margins=margins
    )
    best, seconds = timed(lambda: optimal_tariffs(uniform, "USA"))
    rate = best.tariffs[us, 0, 0] if us != 0 else best.tariffs[us, 1, 0]
    print(
        f"US uniform best response, no retaliation: {100 * rate:.2f}%, US welfare "
        f"{100 * (best.welfare_hat[us] - 1):+.3f}% ({seconds:.1f} s)"
    )
    by_partner = TariffGame(
        world, "armington", GameSettings(deficits="keep", upper_pct=100), margins=margins
    )
    best_p, seconds = timed(lambda: optimal_tariffs(by_partner, "USA"))
    chosen = best_p.player_tariffs(us)
    print(
        f"US best response by partner: median {np.median(chosen):.2f}%, US welfare "
        f"{100 * (best_p.welfare_hat[us] - 1):+.3f}% ({seconds:.1f} s)"
    )
    retaliation = 0.22742194553900788
    weights = world.expenditure[:, 0].copy()
    weights[us] = 0.0
    ustr = world.tariff_tables["liberation_day"]

    def others_welfare(t: float) -> float:
        tau = ustr.copy()
        tau[:, us, 0] = t
        tau[us, us, 0] = 0.0
        welfare, _ = uniform.payoffs(tau)
        return float(np.sum(weights * (welfare - 1.0)) / weights.sum())

    search, seconds = timed(
        lambda: minimize_scalar(
            lambda t: -others_welfare(t),
            bounds=(0.0, 0.6),
            method="bounded",
            options={"xatol": 1e-6},
        )
    )
    print(
        f"Common retaliation maximising the others' E-weighted welfare: {100 * search.x:.2f}%, "
        f"their welfare {100 * others_welfare(search.x):+.3f}% vs formula 22.74% "
        f"{100 * others_welfare(retaliation):+.3f}% ({seconds:.1f} s, {search.nfev} solves)"
    )


if __name__ == "__main__":
    main()
