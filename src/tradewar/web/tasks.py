"""What the web app computes: job requests, and the engine calls that run them.

The requests reuse the scenario format's own pydantic models (one schema, not two), and each
kind runs the same engine functions as its CLI command.

Every request names worlds and bundled scenarios, never paths; `resolve_request` turns names
into what the engine loads, through the `WorldRegistry`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewar.dynamics.config import NegotiationConfig
from tradewar.errors import ScenarioError
from tradewar.game.build import GameOptions
from tradewar.policy.scenario import Scenario, parse_scenario
from tradewar.progress import ProgressCallback, report
from tradewar.registry import NASH_TOL_PCT
from tradewar.scenarios import scenario_path
from tradewar.web.worlds import WorldRegistry, check_name


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ScenarioJob(_Request):
    """Solve a scenario (as ``tradewar run``): every step, results as JSON, CSV and Parquet."""

    kind: Literal["scenario"] = "scenario"
    scenario: Scenario


class ReportJob(_Request):
    """Write the HTML report of a scenario (as ``tradewar report``)."""

    kind: Literal["report"] = "report"
    scenario: Scenario
    focus: list[str] | None = None
    nest_elasticities: list[Annotated[float, Field(gt=0)]] | None = None


class UncertaintyJob(_Request):
    """Monte Carlo of a scenario with an ``[uncertainty]`` table (as ``tradewar uncertainty``).

    The draws run in the job's own process (``--scheduler none``); ``draws`` replaces the
    table's count, at most 2,000 here (the command line allows more).
    """

    kind: Literal["uncertainty"] = "uncertainty"
    scenario: Scenario
    draws: int | None = Field(None, ge=1, le=2000)
    seed: int | None = Field(None, ge=0)


class _Game(GameOptions, _Request):
    """A game on a world: its `GameOptions` (as the options of ``tradewar nash``)."""

    world: str


class OptimalJob(_Game):
    """Unilateral optimal tariffs of ``country`` (as ``tradewar optimal``)."""

    kind: Literal["optimal"] = "optimal"
    country: str
    partners: list[str] | None = None


class NashJob(_Game):
    """Nash tariffs of ``players`` (default all; as ``tradewar nash``)."""

    kind: Literal["nash"] = "nash"
    players: list[str] | None = None
    against: Literal["all", "players"] = "all"
    tol_pct: float = Field(NASH_TOL_PCT, gt=0)
    max_rounds: int = Field(30, ge=1, le=500)


class CooperativeJob(_Game):
    """Cooperative tariffs (as ``tradewar cooperate``)."""

    kind: Literal["cooperative"] = "cooperative"
    players: list[str] | None = None
    equal_gains: bool = True


class BargainJob(_Game):
    """Nash bargain of two countries (as ``tradewar bargain``).

    ``threat``: ``"nash"``, ``"baseline"`` or ``"SCENARIO#LABEL"`` with a bundled scenario.
    """

    kind: Literal["bargain"] = "bargain"
    countries: Annotated[list[str], Field(min_length=2, max_length=2)]
    threat: str = "nash"
    power: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=2, max_length=2)] = [
        0.5,
        0.5,
    ]


class NegotiationJob(_Request):
    """Simulate a negotiation (as ``tradewar negotiate``).

    ``config.start.scenario`` names a bundled scenario (e.g. ``us_china_2025``), not a path.
    """

    kind: Literal["negotiation"] = "negotiation"
    config: NegotiationConfig
    seed: int | None = None


JobRequest = Annotated[
    ScenarioJob
    | ReportJob
    | UncertaintyJob
    | OptimalJob
    | NashJob
    | CooperativeJob
    | BargainJob
    | NegotiationJob,
    Field(discriminator="kind"),
]
#: The kinds of job, in the order the docs list them.
JOB_KINDS = (
    "scenario",
    "report",
    "uncertainty",
    "optimal",
    "nash",
    "cooperative",
    "bargain",
    "negotiation",
)


# ---------------------------------------------------------------------------- names → sources
def checked_scenario(scenario: Scenario, worlds: WorldRegistry, field: str = "world") -> Scenario:
    """``scenario`` with its world name resolved, after the checks `parse_scenario` makes."""
    source = worlds.resolve(scenario.world, field)
    data = scenario.model_dump(mode="python")
    return parse_scenario({**data, "world": source})


def bundled_scenario_file(name: object, field: str) -> Path:
    """The file of the bundled scenario ``name``; `ScenarioError` naming ``field`` if none."""
    from tradewar.scenarios import bundled_scenarios

    check_name(name, field)
    try:
        return scenario_path(str(name))
    except KeyError:
        raise ScenarioError(
            f"unknown bundled scenario '{name}'; available: {', '.join(bundled_scenarios())}",
            key=field,
        ) from None


def resolve_request(request: Any, worlds: WorldRegistry) -> Any:
    """A job request with every world and scenario name replaced by what the engine loads.

    Raises `ScenarioError` naming the field for an invalid or unknown name.
    """
    if isinstance(request, ScenarioJob | ReportJob | UncertaintyJob):
        return request.model_copy(
            update={"scenario": checked_scenario(request.scenario, worlds, "scenario.world")}
        )
    if isinstance(request, NegotiationJob):
        config = request.config
        start = config.start
        if start.scenario is not None:
            path = bundled_scenario_file(start.scenario, "config.start.scenario")
            start = start.model_copy(update={"scenario": str(path)})
        world = worlds.resolve(config.world, "config.world")
        return request.model_copy(
            update={"config": config.model_copy(update={"world": world, "start": start})}
        )
    if isinstance(request, BargainJob) and request.threat not in ("nash", "baseline"):
        name, _, label = request.threat.partition("#")
        path = bundled_scenario_file(name, "threat")
        return request.model_copy(
            update={
                "world": worlds.resolve(request.world),
                "threat": f"{path}#{label}" if label else str(path),
            }
        )
    return request.model_copy(update={"world": worlds.resolve(request.world)})


# ---------------------------------------------------------------------------- running
def execute(request: Any, out: Path, progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run a resolved job request and write its results into the new folder ``out``.

    Returns a short summary (``converged``, ``reason`` and the main figures) for the job's
    status. Writes through `tradewar.folders.write_folder`, so ``out`` has a manifest
    listing every file with its SHA-256.
    """
    from tradewar import __version__

    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if isinstance(request, ScenarioJob):
        from tradewar.api import run_scenario

        result = run_scenario(request.scenario, strict=False, progress=progress)
        result.save(
            out,
            {"request": request.model_dump(mode="json"), "started": started},
            formats=("parquet", "csv", "json"),
        )
        return {"converged": result.converged, "reason": _first_failure(result)}
    if isinstance(request, ReportJob):
        from tradewar.report import build_report

        report(progress, 0.05, "solving the scenario and drawing the report")
        page = build_report(
            request.scenario,
            out,
            focus=request.focus,
            nest_elasticities=request.nest_elasticities,
            version=__version__,
        )
        manifest = json.loads((page.parent / "manifest.json").read_text(encoding="utf-8"))
        return report_status(manifest)
    if isinstance(request, UncertaintyJob):
        from tradewar.uncertainty import monte_carlo

        if request.scenario.uncertainty is None:
            raise ScenarioError(
                "the scenario has no [uncertainty] table: nothing to draw", key="scenario"
            )
        drawn = monte_carlo(
            request.scenario,
            draws=request.draws,
            seed=request.seed,
            scheduler="none",
            progress=progress,
        )
        _write_json(out, drawn.to_json(), {"request": request.model_dump(mode="json")})
        reason = (
            f"{drawn.failed} of {len(drawn.runs)} draws did not converge (left out of the bands)"
            if drawn.failed
            else ""
        )
        return {"converged": not reason, "reason": reason}
    if isinstance(request, NegotiationJob):
        from tradewar.dynamics import simulate

        negotiation = simulate(request.config, seed=request.seed, progress=progress)
        payload = negotiation.to_json()
        _write_json(out, payload, {"request": request.model_dump(mode="json")})
        # A round whose solve fails raises ConvergenceError, which the job runner records as
        # "not converged"; the rounds that ran are checked here by their own statuses.
        solved = negotiation.result is not None and negotiation.result.converged
        return {"converged": solved, "reason": "" if solved else "a round was not solved"}
    return _game(request, out, progress)


def report_status(manifest: dict[str, Any]) -> dict[str, Any]:
    """A report job's status from the report's manifest.

    The scenario's own solve is checked by `build_report` (it raises when it fails); a report
    whose Monte Carlo section left draws out because they did not converge is "not converged",
    with the count in the reason, since its bands rest on fewer draws than were asked for.
    """
    reason = "" if manifest.get("converged") else "the scenario's equilibrium was not found"
    drawn = manifest.get("monte_carlo")
    if not reason and drawn and drawn["failed"]:
        reason = (
            f"{drawn['failed']} of {drawn['draws']} Monte Carlo draws did not converge and are "
            "left out of the report's bands"
        )
    return {"converged": not reason, "reason": reason}


def _game(request: Any, out: Path, progress: ProgressCallback | None) -> dict[str, Any]:
    from tradewar.data.io import load_world
    from tradewar.game import cooperative_tariffs, nash_bargain, nash_tariffs, optimal_tariffs
    from tradewar.game.build import build_game

    world = load_world(request.world)
    report(progress, 0.02, f"setting up the game on {world.name}")
    game = build_game(
        world,
        request,
        tol_pct=getattr(request, "tol_pct", NASH_TOL_PCT),
        max_rounds=getattr(request, "max_rounds", 30),
    )
    if isinstance(request, OptimalJob):
        result = optimal_tariffs(game, request.country, request.partners, strict=False)
    elif isinstance(request, NashJob):
        result = nash_tariffs(
            game, request.players, against=request.against, strict=False, progress=progress
        )
    elif isinstance(request, CooperativeJob):
        result = cooperative_tariffs(
            game, request.players, equal_gains=request.equal_gains, strict=False
        )
    else:
        from tradewar.game.threats import threat_tariffs

        threat = threat_tariffs(game, request.countries, request.threat)
        result = nash_bargain(
            game,
            request.countries[0],
            request.countries[1],
            threat,
            tuple(request.power),
            strict=False,
        )
    table = result.country_table()

    def extra(tmp: Path) -> None:
        table.to_csv(tmp / "countries.csv")

    _write_json(out, result.to_json(), {"request": request.model_dump(mode="json")}, extra)
    return {"converged": bool(result.converged), "reason": result.reason}


def _write_json(out: Path, payload: dict, manifest: dict, extra: Any = None) -> None:
    from tradewar.folders import write_folder
    from tradewar.jsonsafe import dumps

    def fill(tmp: Path) -> dict:
        (tmp / "results.json").write_text(dumps(payload) + "\n", encoding="utf-8")
        if extra is not None:
            extra(tmp)
        return manifest

    write_folder(out, fill)


def _first_failure(result: Any) -> str:
    from tradewar.status import Status

    for step in result.steps:
        if not step.outcome.converged:
            why = Status(step.outcome.status).message
            return f"step '{step.label}': {why}"
    return ""
