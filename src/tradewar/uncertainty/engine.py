"""Solving a chunk of parameter sets: the unit of work, in this process or on a Dask worker.

Each parameter set is applied to the scenario (as its dict) and the scenario is validated and
solved by `tradewar.run_scenario`, the same path as ``tradewar run``: a draw's numbers are
exactly those of running the scenario with that draw's values. A draw that does not converge
(or whose baseline cannot be re-solved) is recorded with its status and residual, never dropped;
a value the scenario refuses (e.g. a tariff below -100%) raises `ScenarioError` naming it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ConvergenceError, ScenarioError, TradewarError
from tradewar.policy.scenario import Scenario, parse_scenario
from tradewar.uncertainty.paths import set_path

if TYPE_CHECKING:
    from tradewar.results.result import Result

#: Worlds loaded by this process, by source (a Dask worker keeps them between chunks).
_WORLDS: dict[str, World] = {}


def cached_world(source: str) -> World:
    """The world ``source`` (bundled name or path), loaded once per process."""
    from tradewar.data.io import load_world

    if source not in _WORLDS:
        _WORLDS[source] = load_world(source)
    return _WORLDS[source]


def apply_values(
    scenario_data: dict[str, Any], values: dict[str, Any], key: str = "parameter"
) -> Scenario:
    """The scenario with each ``path -> value`` set; `ScenarioError` names the path if refused."""
    data = copy.deepcopy(scenario_data)
    data.pop("uncertainty", None)
    for path, value in values.items():
        set_path(data, path, value, key=f"{key} {path}")
    try:
        return parse_scenario(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{exc.reason} (with {_describe(values)})", key=exc.key) from None


def _for_run(exc: ScenarioError, draw: int, values: dict[str, Any]) -> ScenarioError:
    """``exc`` naming the run and its values."""
    return ScenarioError(
        f"{exc.reason} (run {draw}: {_describe(values)})", file=exc.file, key=exc.key
    )


def _describe(values: dict[str, Any]) -> str:
    shown = [f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in values.items()]
    return ", ".join(shown[:4]) + (", ..." if len(shown) > 4 else "")


@dataclass
class ChunkResult:
    """What a chunk sends back: values as arrays, and one status row per draw.

    ``draw``, ``step``, ``country`` (index into the world's countries) and ``variable`` (index
    into ``variables``) label each ``value``.
    """

    variables: list[str]
    draw: np.ndarray
    step: np.ndarray
    country: np.ndarray
    variable: np.ndarray
    value: np.ndarray
    status: list[dict[str, Any]]


#: Runs (draws or sweep points) from which a run's chunks of elasticity draws are solved
#: together. Solving together compiles one more solver program for each kind of solve (about
#: 2.7 s each, two for a zero-deficit scenario) and then saves about a quarter of each draw
#: (NAFTA: 38 -> 28 ms a draw in one thread), so it pays back from about 500 draws in a fresh
#: process; the command line keeps compiled programs, so it pays once per machine.
MIN_RUNS_TOGETHER = 500


def solve_chunk(
    scenario_data: dict[str, Any],
    items: list[tuple[int, dict[str, Any]]],
    together: bool = True,
) -> ChunkResult:
    """Solve the scenario once per ``(draw, values)`` item; see the module docstring.

    With ``together``, a chunk whose draws change only the trade elasticities is solved
    together (`tradewar.engine.draws.solve_draws`: each step's solves in one program, the same
    numbers bit for bit); any other chunk, or one that function does not take, draw by draw.
    """
    from tradewar.api import run_scenario
    from tradewar.engine.draws import solve_draws

    world = cached_world(scenario_data["world"])
    scenarios = []
    for draw, values in items:
        try:
            scenarios.append(apply_values(scenario_data, values))
        except ScenarioError as exc:
            raise _for_run(exc, draw, values) from None
    together = (
        together
        and len(items) > 1
        and all(path.startswith("parameters.theta.") for _, values in items for path in values)
    )
    batched = solve_draws(scenarios, world) if together else None
    variables: list[str] = []
    parts: list[tuple[int, int, np.ndarray]] = []
    status = []
    for k, (draw, values) in enumerate(items):
        row: dict[str, Any] = {"draw": draw}
        try:
            solved: Result | ConvergenceError
            if batched is None:
                solved = run_scenario(scenarios[k], world=world, strict=False)
            else:
                solved = batched[k]
            if isinstance(solved, ConvergenceError):
                raise solved
            result = solved
        except ConvergenceError as exc:
            row.update(converged=False, status="not converged", max_residual=exc.max_residual)
            row["error"] = str(exc)
            status.append(row)
            continue
        except ScenarioError as exc:  # bad input, not a failed solve: the caller must fix it
            raise _for_run(exc, draw, values) from None
        except TradewarError as exc:
            row.update(converged=False, status="failed", max_residual=float("nan"))
            row["error"] = str(exc)
            status.append(row)
            continue
        worst = max(result.steps, key=lambda s: (not s.outcome.converged, s.outcome.max_residual))
        row.update(
            converged=result.converged,
            status=worst.outcome.status,
            max_residual=result.max_residual,
            error="",
        )
        status.append(row)
        if not result.converged:  # its numbers are not an equilibrium: counted, not used
            continue
        for step in range(len(result.steps)):
            columns = result.country_arrays(step)
            if not variables:
                variables = list(columns)
            block = np.stack([np.asarray(columns[v], dtype=float) for v in variables], axis=1)
            parts.append((draw, step, block))
    n_countries = len(world.countries)
    n_vars = len(variables)
    size = n_countries * n_vars
    count = len(parts)
    return ChunkResult(
        variables=variables,
        draw=np.repeat(np.array([p[0] for p in parts], dtype=np.int64), size),
        step=np.repeat(np.array([p[1] for p in parts], dtype=np.int64), size),
        country=np.tile(np.repeat(np.arange(n_countries), n_vars), count),
        variable=np.tile(np.arange(n_vars), n_countries * count),
        value=np.concatenate([p[2].ravel() for p in parts]) if parts else np.zeros(0),
        status=status,
    )
