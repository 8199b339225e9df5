"""Backtests: a scenario's predictions next to what was observed (docs/backtest.md).

`backtest` solves a dated scenario (once per horizon its observations ask for), predicts every
observation of an observations file (`tradewar.backtest.observations`) from the step outcomes
in force over the observation's period (`tradewar.backtest.predict`), and returns a `Backtest`:
one row per observation with the prediction, the observed value and band, whether the
prediction falls inside it, and for a miss the note that explains it. The score counts
held-out observations only: those used to set an input of the scenario are shown, not scored.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tradewar.backtest.observations import ROLES, Observation, read_observations
from tradewar.backtest.predict import PREDICTORS, predict, step_weights
from tradewar.errors import ScenarioError

__all__ = [
    "PREDICTORS",
    "ROLES",
    "Backtest",
    "Observation",
    "backtest",
    "read_observations",
    "step_weights",
]

COLUMNS = [
    "id",
    "what",
    "period",
    "horizon",
    "predicted",
    "value",
    "low",
    "high",
    "unit",
    "inside",
    "role",
    "note",
    "source",
    "source_date",
]


@dataclass(frozen=True)
class Backtest:
    """A scenario held against observations.

    Attributes
    ----------
    scenario, world
        What was solved.
    rows
        One row per observation, columns `COLUMNS`: ``predicted`` (NaN where the scenario did
        not solve at that horizon), the observed ``value`` and band ``low``-``high``,
        ``inside`` (the prediction within the band), ``role`` and ``note`` (what the model
        leaves out, the explanation of a miss).
    converged
        Whether every solve the predictions come from converged.
    """

    scenario: str
    world: str
    rows: pd.DataFrame
    converged: bool

    @property
    def held_out(self) -> pd.DataFrame:
        """The scored rows (role ``held-out``)."""
        return self.rows[self.rows["role"] == "held-out"]

    @property
    def hits(self) -> int:
        """Held-out observations whose prediction falls inside the band."""
        return int(self.held_out["inside"].sum())

    @property
    def score(self) -> float:
        """Share of held-out observations inside their band (NaN with none)."""
        n = len(self.held_out)
        return self.hits / n if n else math.nan

    def misses(self) -> pd.DataFrame:
        """Held-out rows outside their band, with the note that explains each."""
        held = self.held_out
        return held[~held["inside"]]

    def to_json(self) -> dict[str, Any]:
        """``{"scenario", "world", "converged", "held_out", "hits", "score", "rows": [...]}``."""

        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value.item() if hasattr(value, "item") else value

        return {
            "scenario": self.scenario,
            "world": self.world,
            "converged": self.converged,
            "held_out": len(self.held_out),
            "hits": self.hits,
            "score": clean(self.score),
            "rows": [{k: clean(v) for k, v in row.items()} for row in self.rows.to_dict("records")],
        }


def observations_for(scenario: Any, observations: str | os.PathLike[str] | None) -> Path:
    """The observations file of a backtest: the one given, or the scenario's own.

    Raises `ScenarioError` (key ``observations``) when neither is given.
    """
    if observations is not None:
        return Path(observations)
    own = getattr(scenario, "observations", None)
    if not own:
        raise ScenarioError(
            "no observations to hold the scenario against: give an observations file "
            "(--observations FILE) or an `observations` key in the scenario",
            key="observations",
        )
    return Path(own)


def backtest(
    scenario: Any,
    observations: str | os.PathLike[str] | list[Observation] | None = None,
    *,
    world: Any = None,
    options: Any = None,
    solved: Any = None,
) -> Backtest:
    """Hold a dated scenario against observations.

    Parameters
    ----------
    scenario
        A `tradewar.Scenario` or the path of a scenario file.
    observations
        An observations file, a list of `Observation`, or None for the scenario's own
        ``observations`` file.
    world, options
        The world (default: the scenario's) and `tradewar.SolverOptions`.
    solved
        The scenario's own `tradewar.Result`, when it is already solved (a report's): used for
        the observations at the scenario's horizon instead of solving it again.

    Returns
    -------
    Backtest
        Predictions and observations side by side. Observations with a ``horizon`` are
        predicted from the scenario solved over that horizon; the others from the scenario
        as it is.
    """
    from tradewar.api import run_scenario
    from tradewar.data.io import load_world
    from tradewar.policy.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    rows = (
        observations
        if isinstance(observations, list)
        else read_observations(observations_for(scenario, observations))
    )
    if world is None:
        world = load_world(scenario.world)
    results: dict[str, Any] = {} if solved is None else {scenario.horizon: solved}
    records = []
    for obs in rows:
        horizon = obs.horizon or scenario.horizon
        if horizon not in results:
            spec = scenario if horizon == scenario.horizon else scenario.with_horizon(horizon)
            results[horizon] = run_scenario(spec, world=world, options=options, strict=False)
        result = results[horizon]
        predicted = predict(result, world, obs) if result.converged else math.nan
        inside = bool(obs.low <= predicted <= obs.high) if math.isfinite(predicted) else False
        records.append(
            {
                "id": obs.id,
                "what": obs.what,
                "period": f"{obs.start.isoformat()} to {obs.end.isoformat()}",
                "horizon": horizon,
                "predicted": predicted,
                "value": obs.value,
                "low": obs.low,
                "high": obs.high,
                "unit": obs.unit,
                "inside": inside,
                "role": obs.role,
                "note": obs.note,
                "source": obs.source,
                "source_date": obs.source_date,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    converged = all(result.converged for result in results.values())
    return Backtest(scenario=scenario.name, world=world.name, rows=frame, converged=converged)
