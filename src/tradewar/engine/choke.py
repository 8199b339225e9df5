"""How losses grow with the share of a critical input's supply that is cut off.

`choke_curve` solves a scenario's economy (its world, model, nests, deficits and
``[chokepoints]`` horizon) with one exporter cutting a rising share of its sales of one sector,
and returns the losses of every user of that sector. With low elasticities and fixed outside
capacity the losses are convex in the share cut (Baqaee and Farhi 2019): the first percent of
supply lost costs little, the last a great deal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.engine.scenario import solve_scenario
from tradewar.errors import ScenarioError
from tradewar.policy.policies import ExportControl
from tradewar.policy.scenario import Scenario, Step, load_scenario

#: Shares of the exporter's baseline sales cut off, by default (fractions).
DEFAULT_CUTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def choke_curve(
    scenario: Scenario | str,
    exporter: str,
    sector: str | Sequence[str],
    importers: str | Sequence[str] = "*",
    cuts: Sequence[float] = DEFAULT_CUTS,
    world: World | None = None,
) -> pd.DataFrame:
    """Losses against the share of ``exporter``'s sales of ``sector`` to ``importers`` cut off.

    Each cut ``s`` in (0, 1] is a quota at ``1 - s`` of the baseline quantity (a ban at 1),
    solved on the scenario's baseline without its own policies.

    Parameters
    ----------
    scenario
        A `Scenario` or a TOML path: its world, model, horizon and settings.
    exporter
        The country whose sales are cut.
    sector
        One sector code or several (e.g. rare earths and magnets, cut together).
    importers
        The buyers cut off (default ``"*"``, everyone).
    cuts
        Shares cut, each in (0, 1] (default 10% to 100% in steps of 10).
    world
        The scenario's world when it is already loaded (or not a bundled one).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``cut_pct``, ``country``, ``sector``, ``variable``, ``value``, with
        ``output_real_pct`` for every country-sector that buys one of the sectors in the
        baseline, ``input_price_pct`` (the price each country pays for each cut sector) and
        ``welfare_pct`` (``sector`` empty).

    Raises
    ------
    ScenarioError
        For unknown codes or cuts outside (0, 1].
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if world is None:
        world = load_world(scenario.world)
    codes = [sector] if isinstance(sector, str) else list(sector)
    for code in codes:
        if code not in world.sectors:
            raise ScenarioError(f"unknown sector '{code}'", key="sector")
    if exporter not in world.countries:
        raise ScenarioError(f"unknown country '{exporter}'", key="exporter")
    cuts = [float(c) for c in cuts]
    if not cuts or any(not (0.0 < c <= 1.0) for c in cuts):
        raise ScenarioError("each cut must be a share in (0, 1]", key="cuts")
    steps = []
    start = dt.date(2000, 1, 1)
    for k, cut in enumerate(sorted(cuts)):
        control = (
            ExportControl(exporter=exporter, importer=list(importers), sectors=codes, ban=True)
            if cut >= 1.0
            else ExportControl(
                exporter=exporter,
                importer=list(importers),
                sectors=codes,
                quota_pct_of_baseline=100.0 * (1.0 - cut),
            )
        )
        steps.append(
            Step(date=start + dt.timedelta(days=k), label=f"{100 * cut:g}% cut", policy=[control])
        )
    curve = scenario.model_copy(update={"policy": [], "step": steps})
    result = solve_scenario(curve, world)
    cut_idx = [world.sectors.index(code) for code in codes]
    buys = world.intermediates[:, cut_idx, :].sum(axis=1) > 0
    n_user, j_user = np.nonzero(buys)
    rows = []
    for cut, st in zip(sorted(cuts), result.steps, strict=True):
        o = st.outcome
        before = o.output_before[n_user, j_user]
        real = o.output_after[n_user, j_user] / o.c_hat[n_user, j_user]
        output = 100.0 * (real / np.where(before > 0, before, 1.0) - 1.0)
        for a, b, value in zip(n_user, j_user, output, strict=True):
            rows.append((100 * cut, world.countries[a], world.sectors[b], "output_real_pct", value))
        for n, code in enumerate(world.countries):
            for j, name in zip(cut_idx, codes, strict=True):
                rows.append((100 * cut, code, name, "input_price_pct", 100 * (o.P_hat[n, j] - 1)))
            rows.append((100 * cut, code, "", "welfare_pct", 100 * (o.welfare_hat[a] - 1)))
    return pd.DataFrame(rows, columns=["cut_pct", "country", "sector", "variable", "value"])
