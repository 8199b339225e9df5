"""The high-level API: solve policies on a world, or run a scenario file."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np

from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.model.calibrate import rebalanced
from tradewar.model.economy import Shock, economy_from_world
from tradewar.model.outcomes import compute_outcome
from tradewar.model.solver import SolverOptions, solve_arrays
from tradewar.policy.policies import Tariff, TradeCost
from tradewar.policy.scenario import AVAILABLE_MODELS, Scenario, Step, load_scenario
from tradewar.policy.shocks import apply_policies
from tradewar.results.result import Result, StepResult


def _check_model(model: str) -> None:
    if model not in AVAILABLE_MODELS:
        raise ScenarioError(
            f"model '{model}' is not available; use one of {', '.join(AVAILABLE_MODELS)}",
            key="model",
        )


def solve(
    world: World | str,
    policies: Sequence[Tariff | TradeCost] = (),
    *,
    model: str = "caliendo-parro",
    deficits: str = "keep",
    options: SolverOptions | None = None,
    strict: bool = True,
    name: str = "policy",
) -> Result:
    """Solve the equilibrium after ``policies`` on ``world``.

    Parameters
    ----------
    world
        A `World` or the name/path of one.
    policies
        `Tariff` and `TradeCost` objects, applied in order.
    model
        ``"caliendo-parro"`` (input-output linkages) or ``"armington"`` (gravity, no inputs).
    deficits
        ``"keep"`` holds each deficit fixed (in units of world value added); ``"zero"`` first
        re-solves the baseline with balanced trade and reports changes from that baseline.
    options
        Solver tolerances (`SolverOptions`).
    strict
        Raise `ConvergenceError` if the solver fails (default); otherwise return a result flagged
        ``converged=False``.

    Returns
    -------
    Result
    """
    scenario = Scenario(
        name=name,
        world=world if isinstance(world, str) else world.name,
        model=model,  # type: ignore[arg-type]
        deficits=deficits,  # type: ignore[arg-type]
        policy=list(policies),
    )
    return run_scenario(
        scenario, world=world if isinstance(world, World) else None, options=options, strict=strict
    )


def run_scenario(
    scenario: Scenario | str | os.PathLike[str],
    *,
    world: World | None = None,
    options: SolverOptions | None = None,
    strict: bool = True,
) -> Result:
    """Solve every step of a scenario (a `Scenario` or a TOML path).

    Steps are cumulative: step ``k`` applies the policies of steps ``0..k``. Each step is solved
    from the baseline, warm-started from nothing, so results do not depend on step order.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    _check_model(scenario.model)
    if world is None:
        world = load_world(scenario.world)
    if options is None:
        options = SolverOptions(
            tol=scenario.solver.tol, max_iterations=scenario.solver.max_iterations
        )
    start = time.perf_counter()
    econ = economy_from_world(world, scenario.model)
    if scenario.deficits == "zero":
        econ = rebalanced(econ, jnp.zeros_like(econ.va), options)
    tariffs = np.asarray(econ.tau)
    cost_hat = np.ones_like(tariffs)
    if scenario.step:
        tariffs, cost_hat = apply_policies(world, scenario.policy, tariffs, cost_hat, "policy")
    steps = []
    for step, key_prefix in scenario.steps():
        tariffs, cost_hat = apply_policies(world, step.policy, tariffs, cost_hat, key_prefix)
        shock = Shock(
            tau=jnp.asarray(tariffs), cost_hat=jnp.asarray(cost_hat), deficit=econ.deficit
        )
        sol = solve_arrays(econ, shock, options)
        outcome = compute_outcome(econ, shock, sol, options.tol)
        if strict and not outcome.converged:
            raise ConvergenceError(
                outcome.iterations, outcome.max_residual, options.tol, _hint(step)
            )
        steps.append(
            StepResult(
                label=step.label,
                date=step.date if scenario.step else None,
                source=step.source,
                outcome=outcome,
            )
        )
    return Result(
        scenario=scenario.name,
        world=world.name,
        model=scenario.model,
        deficits=scenario.deficits,
        countries=world.countries,
        sectors=world.sectors,
        unit=world.unit,
        steps=steps,
        elapsed_s=time.perf_counter() - start,
        meta={"data_hash": world.data_hash()},
    )


def _hint(step: Step) -> str:
    return (
        f"in step '{step.label}'; raise [solver] max_iterations or check the policies for "
        "extreme values"
    )
