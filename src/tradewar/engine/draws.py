"""Scenarios that differ only in their trade elasticities, solved together.

Monte Carlo draws of the elasticities change one array of the world. `solve_draws` builds the
world's calibration once, solves every draw's zero-deficit baseline in one program and then
each step of every draw in one program (`tradewar.model.batch.solve_many`), and finishes each
draw's outcome as `tradewar.engine.scenario.solve_scenario` would: the numbers are those of
running each scenario alone, bit for bit (tested). Batches it cannot take (a step with a quota
or a capacity limit, a model with its own step solver, draws that change more than the
elasticities) are left to the caller, which solves them one by one.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from tradewar.data.world import World
from tradewar.engine.economies import scenario_world
from tradewar.engine.models import economy_for, get_model
from tradewar.engine.scenario import policy_states, scenario_result, step_result
from tradewar.engine.steps import StepSolver
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.model.arrays import filled, on_device
from tradewar.model.batch import solve_many
from tradewar.model.calibrate import rebalance_shock, rebalanced_economy
from tradewar.model.economy import Economy
from tradewar.model.solver import SolverOptions
from tradewar.policy.scenario import Scenario, Step
from tradewar.policy.shocks import PolicyState, check_bans_feasible
from tradewar.registry import check_model
from tradewar.results.result import Result, StepResult


def solve_draws(scenarios: list[Scenario], world: World) -> list[Result | ConvergenceError] | None:
    """Each scenario's `Result` (not strict), or the `ConvergenceError` of its baseline.

    Parameters
    ----------
    scenarios
        Scenarios that differ at most in ``[parameters] theta``.
    world
        Their world, as loaded.

    Returns
    -------
    list or None
        One entry per scenario, in order; None when the batch is not one this function takes
        (see the module docstring), so that the caller solves the scenarios one by one.
    """
    first = scenarios[0]
    check_model(first.model)
    if not _same_but_elasticities(scenarios):
        return None
    worlds = [scenario_world(world, s) for s in scenarios]
    if not _only_elasticities_differ(worlds):
        return None
    options = SolverOptions(tol=first.solver.tol, max_iterations=first.solver.max_iterations)
    econs = _calibrated(worlds, first)
    if econs is None:
        return None
    states = _states(first, worlds[0], econs[0].tau)
    if states is None:
        return None
    out: list[Result | ConvergenceError | None] = [None] * len(scenarios)
    if first.deficits == "zero" and not first.armington.active:
        zero = filled(tuple(econs[0].va.shape), 0.0)
        shocks = [rebalance_shock(e, zero) for e in econs]
        solutions = solve_many(econs, shocks, options)
        rebalanced: list[Economy | None] = []
        for k, (econ, shock, sol) in enumerate(zip(econs, shocks, solutions, strict=True)):
            try:
                rebalanced.append(rebalanced_economy(econ, shock, sol, options))
            except ConvergenceError as exc:
                out[k] = exc
                rebalanced.append(None)
    else:
        rebalanced = list(econs)
    alive = [k for k, e in enumerate(rebalanced) if e is not None]
    steppers: dict[int, StepSolver] = {}
    for k in alive:
        base = rebalanced[k]
        assert base is not None
        stepper = get_model(first.model).step_solver(worlds[k], scenarios[k], base, options)
        if type(stepper) is not StepSolver or stepper.capacity is not None:
            return None
        steppers[k] = stepper
    steps = _steps(states, first, worlds[0], steppers, alive, options)
    if steps is None:
        return None
    for k in alive:
        out[k] = scenario_result(scenarios[k], worlds[k], steps[k])  # meta: a draw keeps none
    return [entry for entry in out if entry is not None]


def _same_but_elasticities(scenarios: list[Scenario]) -> bool:
    """True when the scenarios differ at most in ``[parameters] theta``."""

    def rest(scenario: Scenario) -> dict:
        data = scenario.model_dump(mode="json")
        data["parameters"].pop("theta", None)
        return data

    first = rest(scenarios[0])
    return all(rest(s) == first for s in scenarios[1:])


def _only_elasticities_differ(worlds: list[World]) -> bool:
    """True when the worlds share every field but ``theta`` (the same objects)."""
    first = worlds[0]
    names = [f.name for f in fields(World) if f.name != "theta"]
    return all(getattr(w, name) is getattr(first, name) for w in worlds[1:] for name in names)


def _calibrated(worlds: list[World], scenario: Scenario) -> list[Economy] | None:
    """Each world's economy: one calibration with each world's elasticities, or None.

    The model's calibration is made for the first world, and made again for the second to
    check that only the elasticities differ (None if anything else does).
    """
    econ = economy_for(worlds[0], scenario.model, scenario.ces)
    if len(worlds) > 1:
        other = economy_for(worlds[1], scenario.model, scenario.ces)
        for name in econ._fields:
            a, b = getattr(econ, name), getattr(other, name)
            if name == "theta" or (a is None and b is None):
                continue
            if (a is None) != (b is None) or not _equal(a, b):
                return None
    return [econ._replace(theta=on_device(w.theta, np.float64)) for w in worlds]


def _equal(a: object, b: object) -> bool:
    """Exact equality of two economy fields (arrays, or nested tuples of them)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return a == b


def _states(scenario: Scenario, world: World, tau) -> list[tuple[Step, str, PolicyState]] | None:
    """The policies in force at each step (the same for every draw), or None.

    None when a step has a quota (its wedge is searched draw by draw) or a policy is refused
    (the draw-by-draw solve reports it, naming the draw).
    """
    try:
        states = list(policy_states(scenario, world, tau))
    except ScenarioError:
        return None
    return None if any(np.isfinite(state.quota).any() for _, _, state in states) else states


def _steps(
    states: list[tuple[Step, str, PolicyState]],
    scenario: Scenario,
    world: World,
    steppers: dict[int, StepSolver],
    alive: list[int],
    options: SolverOptions,
) -> dict[int, list[StepResult]] | None:
    """Every step of every draw in ``alive``, each step's solves in one program."""
    results: dict[int, list[StepResult]] = {k: [] for k in alive}
    if not alive:
        return results
    for step, key_prefix, state in states:
        try:
            for k in alive:
                check_bans_feasible(world, state, np.asarray(steppers[k].econ.pi), key_prefix)
        except ScenarioError:
            return None  # the caller's one-by-one solve reports it, naming the draw
        plans = [steppers[k].plan(state) for k in alive]
        if any(p is None for p in plans):
            return None
        solutions = solve_many(
            [steppers[k].econ for k in alive],
            [p.shock for p in plans if p is not None],
            options,
            [p.start for p in plans if p is not None],
        )
        for k, plan, sol in zip(alive, plans, solutions, strict=True):
            assert plan is not None
            results[k].append(step_result(scenario, step, steppers[k].finish(plan, sol), state))
    return results
