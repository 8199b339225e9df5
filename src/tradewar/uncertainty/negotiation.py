"""Negotiations under uncertainty: the same draws, a distribution of deal dates.

Each draw sets fields of the negotiation's start scenario (its trade elasticities, nest
elasticities, policies; as `monte_carlo` does for a scenario) and runs `tradewar.dynamics.simulate`
from it. Without a start scenario the draws apply to a scenario of the config's world and model
with no policies (the baseline start).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tradewar.dynamics.config import NegotiationConfig
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.policy.scenario import Scenario, load_scenario
from tradewar.policy.uncertainty import MAX_DRAWS, UncertaintySettings
from tradewar.progress import ProgressCallback
from tradewar.uncertainty.cluster import choose_scheduler, run_chunks
from tradewar.uncertainty.engine import apply_values, cached_world
from tradewar.uncertainty.run import settings_for
from tradewar.uncertainty.sampling import draw_parameters

#: Draws per task: each is a whole negotiation, so chunks are small.
CHUNK_SIZE = 4


@dataclass(frozen=True)
class NegotiationDraws:
    """Outcomes of a negotiation across draws.

    ``runs`` has one row per draw: the drawn values, ``deal`` (bool), ``date``, ``round`` and
    ``proposer`` of the deal, each player's welfare change from the start (``welfare_<CODE>``),
    ``converged`` and ``error``. `summary` gives the probability of a deal and the distribution
    of its date.
    """

    name: str
    runs: pd.DataFrame
    players: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def failed(self) -> int:
        """Draws whose rounds could not all be solved."""
        return int((~self.runs["converged"]).sum())

    def summary(self) -> dict[str, Any]:
        """P(deal), the 5/50/95% deal dates, deal dates by frequency, welfare quantiles."""
        ok = self.runs[self.runs["converged"]]
        dates = pd.to_datetime(ok.loc[ok["deal"], "date"])
        quantiles = {}
        if len(dates):
            ordinal = np.array([d.toordinal() for d in dates])
            for q in (5, 50, 95):
                day = dt.date.fromordinal(round(float(np.quantile(ordinal, q / 100.0))))
                quantiles[f"q{q}"] = day.isoformat()
        counts = ok.loc[ok["deal"], "date"].value_counts().sort_index()
        welfare = {
            code: {
                f"q{q}": float(np.quantile(ok[f"welfare_{code}"], q / 100.0)) for q in (5, 50, 95)
            }
            for code in self.players
            if len(ok)
        }
        return {
            "draws": len(self.runs),
            "failed": self.failed,
            "p_deal": float(ok["deal"].mean()) if len(ok) else float("nan"),
            "deal_date": quantiles,
            "deal_dates": {str(k): int(v) for k, v in counts.items()},
            "welfare_vs_start_pct": welfare,
        }

    def to_json(self) -> dict[str, Any]:
        """The summary, the settings and every draw's outcome."""
        return {
            "name": self.name,
            **self.summary(),
            "settings": self.settings,
            "runs": self.runs.to_dict(orient="records"),
            "elapsed_s": self.elapsed_s,
        }


def _start_data(config: NegotiationConfig) -> dict[str, Any]:
    if config.start.scenario:
        scenario = load_scenario(config.start.scenario)
    else:
        scenario = Scenario(name=f"{config.name} start", world=config.world, model=config.model)
    return scenario.model_dump(mode="json")


def solve_negotiation_chunk(
    config_data: dict[str, Any],
    start_data: dict[str, Any],
    items: list[tuple[int, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Run the negotiation once per ``(draw, values)`` item; one outcome row each."""
    from tradewar.dynamics import simulate

    config = NegotiationConfig.model_validate(config_data)
    rows = []
    for draw, values in items:
        row: dict[str, Any] = {"draw": draw, **values}
        start = apply_values(start_data, values)
        try:
            result = simulate(config, start=start)
        except ConvergenceError as exc:
            row.update(deal=False, converged=False, error=str(exc))
            rows.append(row)
            continue
        outcome = result.outcome
        row.update(
            deal=bool(outcome["deal"]),
            date=outcome["date"],
            round=outcome["round"],
            proposer=outcome["proposer"],
            # The rounds' own statuses (a round that failed raised above, so this is a check).
            converged=result.result is not None and result.result.converged,
            error="",
        )
        for code, value in outcome["welfare_vs_start_pct"].items():
            row[f"welfare_{code}"] = value
        rows.append(row)
    return rows


def negotiation_draws(
    config: NegotiationConfig,
    *,
    draws: int | None = None,
    seed: int | None = None,
    parameters: UncertaintySettings | Mapping[str, Any] | None = None,
    scheduler: str | None = "auto",
    chunk_size: int | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> NegotiationDraws:
    """Simulate the negotiation for each draw of its start scenario's uncertain parameters.

    ``parameters`` defaults to the start scenario's ``[uncertainty]`` table; ``draws``,
    ``seed``, ``scheduler``, ``chunk_size``, ``workers`` and ``progress`` as in
    `tradewar.uncertainty.monte_carlo` (the same draws for the same table and seed).
    """
    start_time = time.perf_counter()
    start_data = _start_data(config)
    start = Scenario.model_validate(start_data)
    settings = settings_for(start, parameters)
    count = settings.draws if draws is None else draws
    if not 1 <= count <= MAX_DRAWS:
        raise ScenarioError(
            f"draws must be between 1 and {MAX_DRAWS:,}, got {count:,}", key="draws"
        )
    chosen_seed = settings.seed if seed is None else seed
    world = cached_world(start.world)
    values = draw_parameters(settings, world, count, chosen_seed)
    for v in values[:1]:
        apply_values(start_data, v)
    size = chunk_size or CHUNK_SIZE
    items = list(enumerate(values))
    config_data = config.model_dump(mode="json")
    chunks = [(config_data, start_data, items[k : k + size]) for k in range(0, len(items), size)]
    chosen = choose_scheduler(scheduler, len(chunks), workers)
    parts = run_chunks(solve_negotiation_chunk, chunks, chosen, progress, workers)
    runs = pd.DataFrame([row for part in parts for row in part]).sort_values("draw")
    return NegotiationDraws(
        name=config.name,
        runs=runs.reset_index(drop=True),
        players=tuple(p.country for p in config.player),
        settings={
            "seed": chosen_seed,
            "draws": count,
            "theta": settings.theta.model_dump() if settings.theta else None,
            "parameters": [p.model_dump(exclude_none=True) for p in settings.parameter],
            "scheduler": chosen,
            "scheduler_asked": scheduler or "none",
        },
        elapsed_s=time.perf_counter() - start_time,
    )
