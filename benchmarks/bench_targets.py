"""Every speed target of the engine, measured in one run and printed against its target.

Run: ``python benchmarks/bench_targets.py`` (about three minutes) or with ``--all`` to add the
README's report, Ossa's Nash tariffs, the US–China Nash on all of ``wiod2014-ree``, outer
iterations on every bundled scenario, 1,000 Monte Carlo draws from the command line's default,
a batched solve (``vmap`` and ``lax.map``) against a loop, and a 5-player Nash and a report on
an 81 x 50 world (tens of minutes). ``--smoke`` runs two lines at a tiny size, as the tests do.

Each line: the case, the measured figure, the target and whether it is met. Warm
figures are medians of repeated runs after a first (compiling) one; "cold" figures are whole
fresh processes, measured after one untimed process has filled the compilation cache (the
user's cache folder, as a user's second command finds it).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAFTA = ROOT / "scenarios" / "cp2015_nafta.toml"
WIOD = ROOT / "scenarios" / "wiod2014_us_china_25.toml"


def median_time(run: Callable[[], object], repeats: int = 7) -> float:
    """Median wall time of ``run`` over ``repeats`` calls after one untimed call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def line(case: str, value: float, target: float, unit: str = "s", at_least: bool = False) -> None:
    """Print one target: the case, the figure, the target and met/MISSED."""
    met = value >= target if at_least else value <= target
    sign = ">=" if at_least else "<="
    verdict = "met" if met else "MISSED"
    print(f"{case:58s} {value:9.3f} {unit}   target {sign} {target:g} {unit}   {verdict}")


def scale(sizes: tuple[tuple[int, int, float], ...] = ((81, 50, 1.0), (194, 50, 3.0))) -> None:
    """Warm solves of GTAP-sized synthetic worlds, each in a fresh process (peak memory)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scale import sized_world

    for n, j, target in sizes:
        m = sized_world(n, j)
        line(
            f"synthetic {n}x{j}: warm solve ({m['iterations']} it., {m['peak_mb']:,.0f} MB peak)",
            m["warm_s"],
            target,
        )
        line(f"synthetic {n}x{j}: outer iterations, default settings", m["iterations"], 100, "it")


def convergence(every_scenario: bool) -> None:
    """Outer iterations at default settings: the roundabout 194-country world (and all)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scale import iterations, roundabout_iterations

    its, _ = roundabout_iterations()
    line("194-country one-sector roundabout world: outer iterations", its, 100, "it")
    if every_scenario:
        bundled = (ROOT / "scenarios").glob("*.toml")
        found = iterations(sorted(p for p in bundled if "negotiation" not in p.name))
        worst = max(found, key=found.get)
        line(f"every bundled scenario: most outer iterations ({worst})", found[worst], 100, "it")


def monte_carlo_cli(draws: int = 1000) -> None:
    """1,000 NAFTA theta draws from the command line's default scheduler, whole process."""
    scenario = ROOT / "scenarios" / "cp2015_nafta_theta.toml"
    command = [sys.executable, "-m", "tradewar.cli", "uncertainty", str(scenario)]
    start = time.perf_counter()
    subprocess.run([*command, "--draws", str(draws), "--json"], check=True, capture_output=True)
    line(
        f"{draws} NAFTA theta draws, CLI default scheduler (process)",
        time.perf_counter() - start,
        30.0,
    )


def batched_solve(batch: int = 100) -> None:
    """The solver batched over elasticity draws (``vmap``, ``lax.map``) against a loop."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_uncertainty import map_against_loop, vmap_against_loop

    ratio = vmap_against_loop(batch)
    line(f"vmap of {batch} NAFTA solves: speed against a loop", ratio, 1.0, "x", at_least=True)
    ratio = map_against_loop(batch)
    line(f"solve_many of {batch} NAFTA solves: speed vs a loop", ratio, 1.0, "x", at_least=True)


def large_world_strategy() -> None:
    """A 5-player Nash and a report on the synthetic 81 x 50 world."""
    import numpy as np

    from tradewar.build import synthetic_world
    from tradewar.data.write import write_world
    from tradewar.game import GameSettings, TariffGame, nash_tariffs

    world = synthetic_world(81, 50)
    players = [world.countries[k] for k in np.argsort(-world.value_added.sum(axis=1))[:5]]
    start = time.perf_counter()
    game = TariffGame(world, "caliendo-parro", GameSettings(deficits="keep"))
    result = nash_tariffs(game, players=players, against="players", strict=False)
    gap = result.extra.get("max_nash_gap_pct", float("nan"))
    line(
        f"5-player Nash, 81x50; converged {result.converged}, gap {gap:.2g}%",
        time.perf_counter() - start,
        600.0,
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_world(world, Path(tmp) / "world", "parquet")
        scenario = Path(tmp) / "scenario.toml"
        scenario.write_text(
            f'name = "81x50 tariff"\nworld = "{Path(tmp) / "world"}"\n'
            f'[[policy]]\nkind = "tariff"\nimporter = "{players[0]}"\nexporter = "*"\n'
            "add_pct = 25\n",
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "tradewar.cli", "report", str(scenario)]
        start = time.perf_counter()
        subprocess.run(
            [*command, "--out", str(Path(tmp) / "report")], check=True, capture_output=True
        )
        line("report on the 81x50 world (process)", time.perf_counter() - start, 120.0)


def warm_solve_seconds(path: Path) -> float:
    """Median time of the compiled equilibrium solve of a scenario's (first) policy state."""
    import jax.numpy as jnp
    import numpy as np

    import tradewar as tw
    from tradewar.engine.scenario import _baseline_economy
    from tradewar.model.economy import Shock
    from tradewar.model.solver import SolverOptions, solve_arrays
    from tradewar.policy.shocks import PolicyState, apply_policies

    scenario = tw.load_scenario(path)
    world = tw.load_world(scenario.world)
    options = SolverOptions()
    econ = _baseline_economy(world, world.data_hash(), scenario, options)
    state = apply_policies(world, scenario.policy, PolicyState.baseline(np.asarray(econ.tau)))
    shock = Shock(
        tau=jnp.asarray(state.tariffs), cost_hat=jnp.asarray(state.cost_hat), deficit=econ.deficit
    )
    return median_time(lambda: solve_arrays(econ, shock, options).w_hat.block_until_ready())


def warm_solves() -> None:
    import tradewar as tw

    for path, target, label in ((NAFTA, 0.045, "CP NAFTA"), (WIOD, 0.1, "WIOD 44x50")):
        line(f"{label}: warm equilibrium solve (solve_arrays)", warm_solve_seconds(path), target)
    for path, target, label in ((NAFTA, 0.1, "CP NAFTA"), (WIOD, 0.12, "WIOD US+25")):
        line(
            f"{label}: tw.run_scenario, second call in a process",
            median_time(lambda path=path: tw.run_scenario(path)),
            target,
        )
    world = tw.load_world("wiod2014")
    regions = {c: (c if k < 19 else "RST") for k, c in enumerate(world.countries)}
    line(
        "aggregate(wiod2014) to 20 regions",
        median_time(lambda: tw.aggregate(world, countries=regions)),
        0.5,
    )


TIMELINE_MEMORY = """
import json, sys
def status(key):
    for row in open("/proc/self/status"):
        if row.startswith(key):
            return int(row.split()[1]) / 1024
import jax.numpy as jnp, pandas, tradewar as tw, tradewar.api
from tradewar.compilation import enable_compilation_cache
enable_compilation_cache()
jnp.zeros(1).block_until_ready()
imported = status("VmRSS")
result = tw.run_scenario(sys.argv[1])
print(json.dumps({"imported": imported, "peak": status("VmHWM"), "converged": result.converged}))
"""


def timeline_memory() -> None:
    """Peak memory of the 18-step us_china_2025 timeline beyond the imports (Linux /proc)."""
    scenario = str(ROOT / "scenarios" / "us_china_2025.toml")
    command = [sys.executable, "-c", TIMELINE_MEMORY, scenario]
    subprocess.run(command, check=True, capture_output=True)  # fills the compilation cache
    runs = [
        json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        for _ in range(2)
    ]
    beyond = min(run["peak"] - run["imported"] for run in runs)
    line("us_china_2025 timeline (44x52): peak memory beyond import", beyond, 300.0, "MB")


def cold_cli() -> None:
    command = [sys.executable, "-m", "tradewar.cli", "run", str(NAFTA), "--json"]
    subprocess.run(command, check=True, capture_output=True)  # fills the compilation cache
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    line("cold CLI: tradewar run cp2015_nafta.toml --json (process)", min(times), 2.0)


def slow_cases() -> None:
    import tradewar as tw
    from tradewar.game import GameSettings, TariffGame, nash_tariffs

    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "tradewar.cli",
            "report",
            str(ROOT / "scenarios" / "us_china_2025.toml"),
            "--out",
            str(Path(tmp) / "report"),
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        line("README main command: the us_china_2025 report", time.perf_counter() - start, 60.0)
    world = tw.load_world("ossa2014")
    settings = GameSettings(objective="welfare", tol_pct=0.5, allow_binding_bounds=True)
    game = TariffGame(world, "ossa", settings)
    nash_tariffs(game)  # compiles
    start = time.perf_counter()
    result = nash_tariffs(TariffGame(world, "ossa", settings))
    line(
        f"Ossa Nash (welfare), warm; converged {result.converged}",
        time.perf_counter() - start,
        10.0,
    )
    ree = tw.load_world("wiod2014-ree")
    start = time.perf_counter()
    game = TariffGame(ree, "caliendo-parro", GameSettings(deficits="keep"))
    result = nash_tariffs(game, players=["USA", "CHN"], against="players", strict=False)
    gap = result.extra.get("max_nash_gap_pct", float("nan"))
    line(
        f"US-China Nash, wiod2014-ree all sectors; converged {result.converged}, gap {gap:.2g}%",
        time.perf_counter() - start,
        300.0,
    )


if __name__ == "__main__":
    if "--smoke" in sys.argv:
        line("CP NAFTA: warm equilibrium solve (solve_arrays)", warm_solve_seconds(NAFTA), 0.045)
        scale(((10, 3, 1.0),))
        print("ok")
        sys.exit(0)
    warm_solves()
    cold_cli()
    timeline_memory()
    scale()
    convergence(every_scenario="--all" in sys.argv)
    if "--all" in sys.argv:
        slow_cases()
        monte_carlo_cli()
        batched_solve()
        large_world_strategy()
    print("ok")
