"""Solving a scenario: its world and economy, the tariffs in force at each step, each step's solve.

`solve_scenario` is what `tradewar.run_scenario` runs once it has checked its arguments; the
strategy and negotiation layers take "the tariffs in force at a step" from `scenario_step`.
Each step is solved by the short-run rationing wrapper (`tradewar.engine.rationing.solve_state`,
which is the plain solve when nothing is rationed) or, for the one-sector model with
``[armington]`` margins, by `tradewar.model.margins`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import jax.numpy as jnp
import numpy as np

from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.engine.capacity import chokepoint_meta
from tradewar.engine.economies import horizon_economy, scenario_world
from tradewar.engine.models import economy_for, economy_from_world, get_model
from tradewar.engine.rationing import Rationed, solve_state
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.model.arrays import filled
from tradewar.model.calibrate import rebalanced
from tradewar.model.economy import Economy, Shock
from tradewar.model.margins import (
    Margins,
    make_margins,
    margins_baseline,
    margins_outcome,
    solve_margins,
)
from tradewar.model.outcomes import Outcome
from tradewar.model.solver import SolverOptions
from tradewar.policy.chokepoints import HORIZONS
from tradewar.policy.scenario import Scenario, Step, per_code
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
    margins = scenario_margins(world, scenario, econ)
    if scenario.deficits == "zero" and margins is not None:
        raise ScenarioError(
            "deficits = 'zero' is not available with [armington] margins", key="deficits"
        )
    if margins is not None and scenario.horizon_parameters() != HORIZONS["long"]:
        raise ScenarioError(
            "short-run horizons ([chokepoints] limits, sticky wages) are not available with "
            "[armington] margins",
            key="horizon",
        )
    econ, capacity = horizon_economy(world, econ, scenario)
    state = PolicyState.baseline(np.asarray(econ.tau))
    if scenario.step:
        state = apply_policies(world, scenario.policy, state, "policy")
    pi0 = np.asarray(econ.pi)
    steps = []
    previous: Rationed | None = None
    z_previous = None
    todo = scenario.steps()
    for number, (step, key_prefix) in enumerate(todo, start=1):
        in_force = state
        state = apply_policies(world, step.policy, state, key_prefix)
        check_bans_feasible(world, state, pi0, key_prefix)
        if margins is not None:
            outcome, z_previous = _solve_margins_state(
                econ, state, margins, options, z_previous, key_prefix
            )
        else:
            outcome, previous = solve_state(
                econ, state, options, previous, capacity, scenario.parameters.quota_rent
            )
        if strict and not outcome.converged:
            raise ConvergenceError(
                outcome.iterations,
                outcome.max_residual,
                options.tol,
                _hint(step),
                reason=Status(outcome.status).message,
            )
        steps.append(
            StepResult(
                label=step.label,
                date=step.date if scenario.step else None,
                source=step.source,
                outcome=outcome,
                policies=state,
                in_force=step.in_force,
            )
        )
        if not step.in_force:
            state = in_force  # an announced step that never applied does not carry forward
        report(progress, number / len(todo), f"step {number} of {len(todo)}: {step.label}")
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
        elapsed_s=time.perf_counter() - start,
        meta={
            "data_hash": data_hash,
            "scenario": scenario.model_dump(mode="json"),
            "quota_rent": scenario.parameters.quota_rent,
            **chokepoint_meta(world, econ, capacity),
        },
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


def scenario_margins(
    world: World, scenario: Scenario, econ: Economy | None = None
) -> Margins | None:
    """The `Margins` of a scenario's ``[armington]`` table on ``world`` (None: all off).

    Raises `ScenarioError` naming the key for an unknown country, a margin outside [0, 1), a
    world with several sectors or baseline tariffs, or transfers that cannot close. ``econ``
    is the world's ``armington`` economy, if already built.
    """
    settings = scenario.armington
    if not settings.active:
        return None
    if not get_model(scenario.model).margins:
        raise ScenarioError(
            f"[armington] margins apply to model = 'armington', not '{scenario.model}'",
            key="armington",
        )
    if world.n_sectors != 1:
        raise ScenarioError(
            f"[armington] margins need a one-sector world; '{world.name}' has "
            f"{world.n_sectors} sectors",
            key="armington",
        )
    if np.any(world.tariffs != 0):
        raise ScenarioError(
            "[armington] margins are calibrated to a baseline without tariffs (as in Ignatenko "
            f"et al. 2025); world '{world.name}' has baseline tariffs",
            key="armington",
        )
    nu = per_code(world.countries, settings.local_margin, "armington.local_margin", 0.0, "country")
    if not np.all((nu >= 0) & (nu < 1)):
        raise ScenarioError("local margins must be in [0, 1)", key="armington.local_margin")
    codes = {}
    for key in ("dropped_market", "remove_imbalance_with"):
        code = getattr(settings, key)
        if code is not None and code not in world.countries:
            raise ScenarioError(f"unknown country '{code}'", key=f"armington.{key}")
        codes[key] = None if code is None else world.countries.index(code)
    margins = make_margins(
        world.n_countries,
        kappa=settings.labour_supply_elasticity,
        psi=settings.scale_elasticity,
        nu=nu,
        phi_tilde=settings.pass_through,
        tax_relief=settings.revenue == "income_tax_relief",
        numeraire=settings.numeraire,
        dropped_market=codes["dropped_market"],
        balanced_with=codes["remove_imbalance_with"],
        beta=settings.roundabout_labour_share,
    )
    if econ is None:
        econ = economy_from_world(world, scenario.model)
    gap = float(jnp.sum(margins_baseline(econ, margins).T) / jnp.sum(econ.va))
    if abs(gap) > 1e-9 and settings.dropped_market is None:
        raise ScenarioError(
            f"the transfers sum to {gap:.3g} of world income, not zero, so the world's accounts "
            "cannot close; name the market whose equation absorbs the gap with "
            "armington.dropped_market (a quirk of Ignatenko et al. 2025, Table 10)",
            key="armington.remove_imbalance_with",
        )
    return margins


def _solve_margins_state(
    econ: Economy,
    state: PolicyState,
    margins: Margins,
    options: SolverOptions,
    start: jnp.ndarray | None,
    key: str,
) -> tuple[Outcome, jnp.ndarray | None]:
    """Solve one policy state of the extended one-sector model (warm-started from ``start``).

    Returns the outcome and the solution to warm-start the next state from (None after a
    failure, so no later state starts from it).
    """
    if np.any(state.export_tax != 0) or np.any(np.isfinite(state.quota)):
        raise ScenarioError(
            "export taxes and quotas are not available with [armington] margins (bans are)",
            key=key,
        )
    shock = Shock(
        tau=jnp.asarray(state.tariffs),
        cost_hat=jnp.asarray(state.cost_hat),
        deficit=econ.deficit,
        open=jnp.asarray(state.open) if np.any(state.open == 0) else None,
    )
    sol = solve_margins(econ, shock, margins, tol=options.tol, max_iterations=100, start=start)
    outcome = margins_outcome(econ, shock, margins, sol, options.tol)
    return outcome, (sol.z if outcome.converged else None)


def _hint(step: Step) -> str:
    return (
        f"in step '{step.label}'; raise [solver] max_iterations in the scenario (or "
        "SolverOptions.max_iterations) or check the policies for extreme values"
    )
