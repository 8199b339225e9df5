"""What the dashboard draws, computed from a `Result`.

The ``--json`` object plus, per step, bilateral import changes among the largest economies and
real output by sector, and the "who won" table of the two focus countries.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradewar.data.world import World
from tradewar.jsonsafe import finite_or_none
from tradewar.policy.scenario import Scenario
from tradewar.results.result import Result

#: Countries in the bilateral heatmap: the focus pair and the largest economies.
HEATMAP_COUNTRIES = 12


def dashboard_payload(result: Result, scenario: Scenario, world: World) -> dict[str, Any]:
    """The ``--json`` object of ``result`` with what the dashboard's charts need.

    Adds ``focus`` (two codes), ``sector_names``, ``country_names``, ``who_won`` (rows of
    `tradewar.results.summaries.head_to_head`, one per step) and, in each step,
    ``bilateral`` (``countries`` and ``imports_pct[importer][exporter]``, the change of
    imports over all sectors, percent) and ``output_real_pct`` (by country code, one value
    per sector, percent).
    """
    from tradewar.policy.scenario import focus_countries
    from tradewar.results.summaries import head_to_head

    payload = result.to_json()
    focus = [
        c for c in (scenario.focus or focus_countries(scenario, world)) if c in world.countries
    ]
    focus = focus[:2]
    va = world.value_added.sum(axis=1)
    largest = [world.countries[k] for k in np.argsort(-va)]
    shown = list(dict.fromkeys([*focus, *largest]))[:HEATMAP_COUNTRIES]
    index = [world.countries.index(c) for c in shown]
    for k, step in enumerate(result.steps):
        o = step.outcome
        before = o.flows_before.sum(axis=2)[np.ix_(index, index)]
        after = o.flows_after.sum(axis=2)[np.ix_(index, index)]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(
                before > 0, 100.0 * (after / np.where(before > 0, before, 1) - 1), np.nan
            )
        np.fill_diagonal(change, np.nan)
        output = np.where(
            o.output_before > 0,
            100.0
            * (o.output_after / o.c_hat / np.where(o.output_before > 0, o.output_before, 1) - 1),
            np.nan,
        )
        payload["steps"][k]["bilateral"] = {"countries": shown, "imports_pct": change}
        payload["steps"][k]["output_real_pct"] = dict(zip(world.countries, output, strict=True))
    payload["focus"] = focus
    payload["sector_names"] = dict(zip(world.sectors, world.sector_names, strict=True))
    payload["country_names"] = dict(zip(world.countries, world.country_names, strict=True))
    if len(focus) == 2:
        table = head_to_head(result, *focus)
        payload["who_won"] = table.to_dict(orient="records")
    else:
        payload["who_won"] = []
    return finite_or_none(payload)


def _pct_change(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Percent change, NaN where ``old`` is not positive."""
    positive = old > 0
    return np.where(positive, 100.0 * (new / np.where(positive, old, 1.0) - 1.0), np.nan)
