"""Solving a scenario: its world and economy, the tariffs in force at each step, each step's solve.

`solve_scenario` is what `tradewar.run_scenario` runs once it has checked its arguments; the
strategy and negotiation layers take "the tariffs in force at a step" from `scenario_step`.
Each step is solved by the model's step solver (`tradewar.engine.models.EngineModel.step_solver`):
for every model the engine's solver inside the scenario's short run (`tradewar.engine.steps`),
for the one-sector model with ``[armington]`` margins `tradewar.model.margins`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.engine.economies import scenario_world
from tradewar.engine.models import economy_for, get_model
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.model.arrays import filled
from tradewar.model.calibrate import rebalanced
from tradewar.model.economy import Economy
from tradewar.model.outcomes import Outcome
from tradewar.model.solver import SolverOptions
from tradewar.policy.scenario import Scenario, Step
from tradewar.policy.shocks import PolicyState, apply_policies, check_bans_feasible
from tradewar.progress import ProgressCallback, report
from tradewar.registry import check_model
from tradewar.results.result import Result, StepResult
from tradewar.status import Status


def solve_scenario(
    scenario: Scenario,
    world: World | None = None,
    options: SolverOptions | None = None,
    strict: bool = True,
    progress: ProgressCallback | None = None,
) -> Result:
    """Solve every step of a checked scenario (what `tradewar.run_scenario` runs).

    Parameters
    ----------
    scenario
        A validated `Scenario`.
    world
        Its world, if already loaded (default: loaded by name).
    options
        Solver settings (default: the scenario's ``[solver]`` table).
    strict
        Raise `ConvergenceError` for a step that does not solve; with False its status is kept.
    progress
        ``progress(fraction, message)`` after each step.

    Returns
    -------
    Result
        One `StepResult` per step. A `ScenarioError` names the scenario's file when it has one.
    """
    try:
        return _solve(scenario, world, options, strict, progress)
    except ScenarioError as exc:
        if exc.file is None and scenario.source_file is not None:
            raise ScenarioError(exc.reason, file=scenario.source_file, key=exc.key) from None
        raise


def _solve(
    scenario: Scenario,
    world: World | None,
    options: SolverOptions | None,
    strict: bool,
    progress: ProgressCallback | None,
) -> Result:
    check_model(scenario.model)
    if world is None:
        world = load_world(scenario.world)
    world = scenario_world(world, scenario)
    if options is None:
        options = SolverOptions(
            tol=scenario.solver.tol, max_iterations=scenario.solver.max_iterations
        )
    start = time.perf_counter()
    data_hash = world.data_hash()
    econ = _baseline_economy(world, data_hash, scenario, options)
    steps = get_model(scenario.model).step_solver(world, scenario, econ, options)
    econ = steps.econ
    pi0 = np.asarray(econ.pi)
    results = []
    todo = len(scenario.steps())
    states = policy_states(scenario, world, econ.tau)
    for number, (step, key_prefix, state) in enumerate(states, start=1):
        check_bans_feasible(world, state, pi0, key_prefix)
        outcome = steps.solve(state, key_prefix)
        if strict and not outcome.converged:
            raise ConvergenceError(
                outcome.iterations,
                outcome.max_residual,
                options.tol,
                _hint(step),
                reason=Status(outcome.status).message,
            )
        results.append(step_result(scenario, step, outcome, state))
        report(progress, number / todo, f"step {number} of {todo}: {step.label}")
    return scenario_result(
        scenario,
        world,
        results,
        elapsed_s=time.perf_counter() - start,
        meta={
            "data_hash": data_hash,
            "scenario": scenario.model_dump(mode="json"),
            "quota_rent": scenario.parameters.quota_rent,
            **steps.meta(world),
        },
    )


def policy_states(scenario: Scenario, world: World, tau) -> Iterator[tuple[Step, str, PolicyState]]:
    """Each step of ``scenario`` with its key prefix and the policies in force at it.

    Starts from the baseline tariffs ``tau`` ``(N, N, J)`` and the scenario's own policies
    (a timeline's base), applies each step's policies on the last state in force, and lets an
    announced step that never applied (``in_force = false``) not carry forward. A generator:
    each step's policies are applied (and refused, naming their key) when it is reached.
    """
    state = PolicyState.baseline(np.asarray(tau))
    if scenario.step:
        state = apply_policies(world, scenario.policy, state, "policy")
    for step, key_prefix in scenario.steps():
        in_force = state
        state = apply_policies(world, step.policy, state, key_prefix)
        yield step, key_prefix, state
        if not step.in_force:
            state = in_force


def step_result(scenario: Scenario, step: Step, outcome: Outcome, state: PolicyState) -> StepResult:
    """The `StepResult` of ``step`` solved to ``outcome`` under the policies ``state``."""
    return StepResult(
        label=step.label,
        date=step.date if scenario.step else None,
        source=step.source,
        outcome=outcome,
        policies=state,
        in_force=step.in_force,
    )


def scenario_result(
    scenario: Scenario,
    world: World,
    steps: list[StepResult],
    elapsed_s: float = 0.0,
    meta: dict | None = None,
) -> Result:
    """The `Result` of ``scenario``'s ``steps`` solved on ``world`` (its labels and units)."""
    return Result(
        scenario=scenario.name,
        world=world.name,
        model=scenario.model,
        deficits=scenario.deficits,
        countries=world.countries,
        sectors=world.sectors,
        unit=world.unit,
        year=world.year,
        steps=steps,
        elapsed_s=elapsed_s,
        meta=meta or {},
    )


#: Baseline economies built in this process (the zero-deficit re-solve is a full solve), keyed
#: by the world's data hash and everything else they depend on; economies are immutable.
_ECONOMIES: OrderedDict[tuple, Economy] = OrderedDict()
_ECONOMIES_MAX = 8
_ECONOMIES_LOCK = threading.Lock()


def _baseline_economy(
    world: World, data_hash: str, scenario: Scenario, options: SolverOptions
) -> Economy:
    """The scenario's baseline `Economy` (re-solved with zero deficits if it asks), cached."""
    key = (data_hash, scenario.model, scenario.ces.model_dump_json(), scenario.deficits, options)
    with _ECONOMIES_LOCK:
        econ = _ECONOMIES.get(key)
        if econ is not None:
            _ECONOMIES.move_to_end(key)
            return econ
    econ = economy_for(world, scenario.model, scenario.ces)
    if scenario.deficits == "zero" and not scenario.armington.active:
        econ = rebalanced(econ, filled(tuple(econ.va.shape), 0.0), options)
    with _ECONOMIES_LOCK:  # Monte Carlo draws may run on several threads
        _ECONOMIES[key] = econ
        while len(_ECONOMIES) > _ECONOMIES_MAX:
            _ECONOMIES.popitem(last=False)
    return econ


def scenario_step(
    scenario: Scenario, world: World, label: str | None = None, key: str = "step"
) -> StepResult:
    """Solve ``scenario`` on ``world`` and return the step with ``label`` (default: the last).

    The one way the strategy and negotiation layers take "the tariffs in force at a step" (a
    threat point, a negotiation's start). Raises `ScenarioError` (at ``key``) if the scenario
    uses another world or has no such step, and `ConvergenceError` if a step does not solve.
    """
    if scenario.world != world.name:
        raise ScenarioError(
            f"the scenario uses world '{scenario.world}', not '{world.name}'", key=key
        )
    result = solve_scenario(scenario, world, None, strict=True)
    labels = [s.label for s in result.steps]
    if label and label not in labels:
        raise ScenarioError(f"no step '{label}'; steps: {', '.join(labels)}", key=key)
    return result.steps[labels.index(label)] if label else result.steps[-1]


def _hint(step: Step) -> str:
    return (
        f"in step '{step.label}'; raise [solver] max_iterations in the scenario (or "
        "SolverOptions.max_iterations) or check the policies for extreme values"
    )
