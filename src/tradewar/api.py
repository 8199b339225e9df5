"""The high-level API: solve policies on a world, or run a scenario file."""

from __future__ import annotations

import os
from collections.abc import Sequence

from pydantic import ValidationError

from tradewar.data.world import World
from tradewar.engine import get_model
from tradewar.engine.scenario import solve_scenario
from tradewar.errors import ArgumentError, describe_value
from tradewar.model.solver import SolverOptions
from tradewar.policy.policies import ExportControl, Tariff, TradeCost
from tradewar.policy.scenario import (
    CESSettings,
    Scenario,
    load_scenario,
    validation_error,
)
from tradewar.progress import ProgressCallback
from tradewar.registry import MODELS
from tradewar.results.compare import Comparison
from tradewar.results.result import Result


def solve(
    world: World | str,
    policies: Sequence[Tariff | TradeCost | ExportControl] = (),
    *,
    model: str = "caliendo-parro",
    deficits: str = "keep",
    ces: CESSettings | dict | None = None,
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
        `Tariff`, `TradeCost` and `ExportControl` objects, applied in order.
    model
        ``"caliendo-parro"`` (input-output linkages), ``"ces-network"`` (nested CES inputs with a
        critical-input nest; see ``ces``) or ``"armington"`` (gravity, no inputs).
    ces
        `CESSettings` (or a dict of them) for ``"ces-network"``.
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
    _check_world(world, "world", required=True)
    _check_options(options)
    if isinstance(policies, (str, bytes)) or not isinstance(policies, Sequence):
        raise ArgumentError(
            "policies", f"must be a list of policies, not {describe_value(policies)}"
        )
    if ces is not None and model in MODELS and not get_model(model).nested_ces:
        raise ArgumentError(
            "ces", f"applies to model 'ces-network' only (nested CES), not '{model}'"
        )
    try:
        scenario = Scenario(
            name=name,
            world=world.name if isinstance(world, World) else os.fspath(world),
            model=model,
            # A plain string from callers; the Scenario model validates it against its Literal.
            deficits=deficits,  # type: ignore[arg-type]
            policy=list(policies),
            ces=ces if isinstance(ces, CESSettings) else CESSettings.model_validate(ces or {}),
        )
    except ValidationError as exc:
        raise validation_error(exc, None) from None
    return run_scenario(
        scenario, world=world if isinstance(world, World) else None, options=options, strict=strict
    )


def run_scenario(
    scenario: Scenario | str | os.PathLike[str],
    *,
    world: World | None = None,
    options: SolverOptions | None = None,
    strict: bool = True,
    progress: ProgressCallback | None = None,
) -> Result:
    """Solve every step of a scenario (a `Scenario` or a TOML path).

    Steps are cumulative: step ``k`` applies the policies of steps ``0..k``. Each step is solved
    from the baseline, warm-started from nothing, so results do not depend on step order.

    Parameters
    ----------
    scenario
        A `Scenario`, or the path of a scenario TOML file.
    world
        The scenario's world when it is already loaded (default: loaded from
        ``scenario.world``).
    options
        Solver tolerances and limits (default: the scenario's ``[solver]`` table).
    strict
        Raise `ConvergenceError` when a step does not solve (default); with False the result
        is returned with that step's status.
    progress
        ``progress(fraction, message)``, called after each step.

    Returns
    -------
    Result
        One `StepResult` per step, with tidy tables and the JSON of ``tradewar run --json``.
    """
    if not isinstance(scenario, (Scenario, str, os.PathLike)):
        raise ArgumentError(
            "scenario", f"must be a Scenario or a TOML path, not {describe_value(scenario)}"
        )
    _check_world(world, "world", required=False)
    _check_options(options)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return solve_scenario(scenario, world, options, strict, progress)


def _check_world(world: object, argument: str, *, required: bool) -> None:
    """`ArgumentError` unless ``world`` is a `World`, a bundled name or a path (or None)."""
    if world is None and not required:
        return
    if not isinstance(world, (World, str, os.PathLike)):
        raise ArgumentError(
            argument,
            f"must be a World, a bundled world's name or a world-package path, not "
            f"{describe_value(world)}",
        )


def _check_options(options: object) -> None:
    if options is not None and not isinstance(options, SolverOptions):
        raise ArgumentError("options", f"must be a tw.SolverOptions, not {describe_value(options)}")


def compare(
    *scenarios: Scenario | str | os.PathLike[str],
    step: int = -1,
    strict: bool = True,
    labels: list[str] | None = None,
) -> Comparison:
    """Solve each scenario and put their results side by side (see `Comparison`).

    The scenarios may use different worlds if their countries are the same; otherwise
    `ScenarioError` names the countries that differ.

    Parameters
    ----------
    *scenarios
        `Scenario` objects or TOML paths, at least one.
    step
        The step of each scenario to compare (default -1, the last).
    strict
        Raise `ConvergenceError` if a step does not solve (default); else flag it.
    labels
        Names of the scenarios in the tables (default: the scenario names).

    Returns
    -------
    Comparison
        The results and their side-by-side tables.
    """
    from tradewar.results.compare import compare_results

    for k, scenario in enumerate(scenarios):
        if not isinstance(scenario, (Scenario, str, os.PathLike)):
            raise ArgumentError(
                f"scenarios[{k}]",
                f"must be a Scenario or a TOML path, not {describe_value(scenario)} (pass the "
                "scenarios one by one: compare(a, b))",
            )
    if len(scenarios) < 2:
        raise ArgumentError(
            "scenarios", f"compare needs two or more scenarios (given {len(scenarios)})"
        )
    results = [run_scenario(s, strict=strict) for s in scenarios]
    return compare_results(results, step, labels)
