"""Monte Carlo speed: 1,000 draws of the trade elasticities for NAFTA, with and without Dask.

1. ``tradewar.uncertainty.monte_carlo`` on ``scenarios/cp2015_nafta_theta.toml`` (each draw:
   re-solve the zero-deficit baseline and the NAFTA tariffs, 31 countries x 40 sectors) in this
   process, then on a local Dask cluster of one worker process per core; prints wall times,
   failed draws and the welfare quantiles of Mexico and the United States.
2. The same NAFTA solve for a batch of elasticity draws as one ``jax.vmap`` of the jitted solver,
   and by `tradewar.model.batch.solve_many` (one ``jax.lax.map``: the members one after another
   in one program, what Monte Carlo uses), each against a Python loop of single solves; prints
   both and their ratios.

Run: ``python benchmarks/bench_uncertainty.py [--draws 1000] [--batch 100]``, or ``--smoke``
(4 draws in this process, a batch of 3) as the tests run it, so the script cannot rot.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import tradewar as tw
from tradewar.engine import economy_from_world
from tradewar.model.batch import solve_many
from tradewar.model.calibrate import rebalanced
from tradewar.model.economy import Shock
from tradewar.model.solver import SolverOptions, _solve_jit, solve_arrays
from tradewar.policy.shocks import PolicyState, apply_policies
from tradewar.policy.uncertainty import UncertaintySettings
from tradewar.uncertainty import monte_carlo
from tradewar.uncertainty.sampling import draw_parameters

SCENARIO = Path(__file__).parents[1] / "scenarios" / "cp2015_nafta_theta.toml"


def monte_carlo_runs(draws: int, schedulers: tuple[str, ...] = ("none", "local")) -> None:
    for scheduler in schedulers:
        start = time.perf_counter()
        result = monte_carlo(SCENARIO, draws=draws, scheduler=scheduler)
        wall = time.perf_counter() - start
        summary = result.summary().set_index(["country", "variable"])
        bands = ", ".join(
            f"{c} {summary.loc[(c, 'welfare_pct'), 'q5']:+.3f} / "
            f"{summary.loc[(c, 'welfare_pct'), 'q50']:+.3f} / "
            f"{summary.loc[(c, 'welfare_pct'), 'q95']:+.3f} (P loses "
            f"{summary.loc[(c, 'welfare_pct'), 'p_negative']:.2f})"
            for c in ("MEX", "USA")
        )
        workers = "this process" if scheduler == "none" else f"{os.cpu_count()} Dask workers"
        print(
            f"{draws} draws, {workers}: {wall:.1f} s ({1000 * wall / draws:.0f} ms a draw), "
            f"{result.failed} failed; welfare 5/50/95%: {bands}"
        )


def _nafta_draws(batch: int):
    """The zero-deficit NAFTA baseline, the NAFTA shock, ``batch`` theta draws and the options."""
    world = tw.load_world("cp2015")
    scenario = tw.load_scenario(SCENARIO)
    options = SolverOptions(tol=scenario.solver.tol, max_iterations=scenario.solver.max_iterations)
    econ = economy_from_world(world, "caliendo-parro")
    base = rebalanced(econ, jnp.zeros_like(econ.va), options)
    state = apply_policies(
        world, scenario.policy, PolicyState.baseline(np.asarray(base.tau)), "policy"
    )
    shock = Shock(
        tau=jnp.asarray(state.tariffs), cost_hat=jnp.asarray(state.cost_hat), deficit=base.deficit
    )
    settings = UncertaintySettings(theta={})
    thetas = np.tile(np.asarray(world.theta), (batch, 1))
    for k, values in enumerate(draw_parameters(settings, world, batch, seed=1)):
        for path, value in values.items():
            thetas[k, world.sectors.index(path.split(".")[-1])] = value
    return base, shock, jnp.asarray(thetas), options


def map_against_loop(batch: int) -> float:
    """Print and return the speed of `solve_many` (one ``lax.map``) of ``batch`` solves
    against a loop of single solves, and check that the numbers are the same bit for bit."""
    base, shock, thetas, options = _nafta_draws(batch)
    econs = [base._replace(theta=t) for t in thetas]
    shocks = [shock] * batch
    solve_many(econs, shocks, options)  # compile
    solve_arrays(econs[0], shock, options)  # compile
    many_times, loop_times = [], []
    for _ in range(3):  # interleaved, so both see the same machine
        start = time.perf_counter()
        many = solve_many(econs, shocks, options)
        many_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        singles = [solve_arrays(e, shock, options) for e in econs]
        singles[-1].w_hat.block_until_ready()
        loop_times.append(time.perf_counter() - start)
    same = all(
        np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
        for m, one in zip(many, singles, strict=True)
        for a, b in zip(m, one, strict=True)
    )
    assert same, "solve_many differs from solve_arrays"
    many_s, loop_s = min(many_times), min(loop_times)
    print(
        f"NAFTA solve, {batch} elasticity draws (best of 3): solve_many (lax.map) {many_s:.2f} s, "
        f"loop of single solves {loop_s:.2f} s; speed-up {loop_s / many_s:.2f}x (bit-identical)"
    )
    return loop_s / many_s


def vmap_against_loop(batch: int) -> float:
    """Print and return the speed of one ``vmap`` of ``batch`` solves against a loop.

    ``vmap`` iterates every member until the slowest has converged and runs both branches of
    each conditional.
    """
    base, shock, thetas, options = _nafta_draws(batch)
    limits, memory = options.limits(), options.anderson_memory

    def one(theta):
        e = base._replace(theta=theta)
        # Without the GMRES fallback: under vmap its `lax.cond` would run for every member at
        # every outer iteration (0.04x a loop); a member that needed it is flagged instead.
        return _solve_jit(
            e,
            shock,
            memory,
            limits,
            jnp.zeros_like(e.va),
            jnp.zeros_like(e.alpha),
            e.expenditure,
            krylov=False,
        )

    batched = jax.jit(jax.vmap(one))
    batched(thetas)[0].w_hat.block_until_ready()  # compile
    solve_arrays(base._replace(theta=thetas[0]), shock, options)  # compile
    batch_times, loop_times = [], []
    for _ in range(3):  # interleaved, so both see the same machine
        start = time.perf_counter()
        out, flagged = batched(thetas)
        out.w_hat.block_until_ready()
        batch_times.append(time.perf_counter() - start)
        assert not bool(flagged.any()), "a draw needed the GMRES fallback"
        start = time.perf_counter()
        for k in range(batch):
            single = solve_arrays(base._replace(theta=thetas[k]), shock, options)
        single.w_hat.block_until_ready()
        loop_times.append(time.perf_counter() - start)
    batch_s, loop_s = min(batch_times), min(loop_times)
    gap = float(jnp.max(jnp.abs(out.w_hat[-1] - single.w_hat)))
    print(
        f"NAFTA solve, {batch} elasticity draws (best of 3): vmap batch {batch_s:.2f} s, loop "
        f"of single solves {loop_s:.2f} s; vmap speed-up {loop_s / batch_s:.2f}x (wages agree "
        f"to {gap:.1e})"
    )
    return loop_s / batch_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--smoke", action="store_true", help="A tiny run, for CI.")
    args = parser.parse_args()
    if args.smoke:
        vmap_against_loop(3)
        map_against_loop(3)
        monte_carlo_runs(4, schedulers=("none",))
        print("ok")
        return
    vmap_against_loop(args.batch)
    map_against_loop(args.batch)
    monte_carlo_runs(args.draws)
    print("ok")


if __name__ == "__main__":  # the guard Dask's worker processes need
    main()
