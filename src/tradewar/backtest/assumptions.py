"""Who won, over the assumptions a backtest cannot pin down.

A backtest checks a scenario against what was observed, but some of its inputs are not fixed
by any observation: who earns a quota's scarcity rent (``[parameters] quota_rent``) and how
strongly trade responds within a year (``one_year_elasticity``, the short and medium horizons
only). `assumption_variants` lists the scenario with each of them changed one at a time (or
over the whole grid), and `who_won_bands` solves chosen steps of the timeline under every
variant (each step on its own, from the baseline, through `Scenario.as_of`, which gives the
timeline's numbers) and returns the two sides' welfare under each: the central value is the
scenario's own, the band the range over the variants. `band_summary` says for each step
whether the answer to "who won" holds across them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewar.api import run_scenario
from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.policy.policies import ExportControl
from tradewar.policy.scenario import RENT_REGIMES, Scenario
from tradewar.progress import ProgressCallback, report

#: One-year trade elasticities tried around the central 0.76 (Boehm, Levchenko and
#: Pandalai-Nayar, AER 2023; their 2020 working paper found 0.7): a third either side.
ONE_YEAR_RANGE = (0.5, 1.0)


@dataclass(frozen=True)
class Variant:
    """The scenario under one set of assumptions.

    ``name`` says what changed (``"as calibrated"`` for the scenario itself); ``quota_rent``
    and ``one_year_elasticity`` are the values used (the elasticity is None where the horizon
    uses long-run elasticities, so it plays no part).
    """

    name: str
    quota_rent: str
    one_year_elasticity: float | None
    scenario: Scenario


def _rents_matter(scenario: Scenario) -> bool:
    """True when some quota takes its rent regime from ``[parameters] quota_rent``."""
    policies = [*scenario.policy, *(p for s in scenario.step for p in s.policy)]
    return any(
        isinstance(p, ExportControl) and p.quota_pct_of_baseline is not None and p.rent is None
        for p in policies
    )


def assumption_variants(
    scenario: Scenario,
    *,
    grid: bool = False,
    elasticities: Sequence[float] = ONE_YEAR_RANGE,
) -> list[Variant]:
    """The scenario first, then under the other rent regimes and one-year elasticities.

    Parameters
    ----------
    scenario
        The scenario as calibrated.
    grid
        False (the default) changes one assumption at a time; True gives every combination.
    elasticities
        One-year elasticities to try besides the scenario's (used only where the horizon's
        elasticities are the one-year ones).

    Returns
    -------
    list of Variant
        The scenario itself first. Rent regimes vary only where some quota takes its regime
        from ``[parameters]``; elasticities only at one-year elasticities.
    """
    own_rent = scenario.parameters.quota_rent
    one_year = scenario.horizon_parameters().elasticities == "one-year"
    own_elasticity = scenario.parameters.one_year_elasticity if one_year else None
    rents = [own_rent] + (
        [r for r in RENT_REGIMES if r != own_rent] if _rents_matter(scenario) else []
    )
    values: list[float | None] = [own_elasticity]
    if one_year:
        values += [
            e for e in elasticities if not np.isclose(e, scenario.parameters.one_year_elasticity)
        ]
    if grid:
        combos = list(itertools.product(rents, values))
    else:
        combos = [(rents[0], values[0])]
        combos += [(r, values[0]) for r in rents[1:]]
        combos += [(rents[0], e) for e in values[1:]]
    out = []
    for rent, elasticity in combos:
        changed = []
        variant = scenario
        if rent != own_rent:
            variant = variant.with_quota_rent(rent)
            changed.append(f"rents to {rent}" if rent != "none" else "rents dissipated")
        if elasticity is not None and elasticity != own_elasticity:
            variant = variant.with_one_year_elasticity(elasticity)
            changed.append(f"one-year elasticity {elasticity:g}")
        name = ", ".join(changed) or "as calibrated"
        out.append(Variant(name, rent, elasticity, variant))
    return out


def key_steps(scenario: Scenario, result_welfare: pd.DataFrame, a: str, b: str) -> list[int]:
    """The steps worth a band: the worst for the two sides together and the last in force.

    ``result_welfare`` is `tradewar.results.summaries.country_path` of welfare (a row per
    step, a column per country).
    """
    live = [k for k, s in enumerate(scenario.step) if s.in_force] or [0]
    both = result_welfare[a].to_numpy() + result_welfare[b].to_numpy()
    worst = min(live, key=lambda k: both[k])
    return sorted({worst, live[-1]})


def who_won_bands(
    scenario: Scenario,
    a: str,
    b: str,
    steps: Sequence[int],
    *,
    world: World | None = None,
    grid: bool = False,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """The two sides' welfare at ``steps`` under every assumption variant.

    Parameters
    ----------
    scenario
        A dated scenario (its steps are solved one by one with `Scenario.as_of`).
    a, b
        The two countries compared.
    steps
        Step indices to solve.
    world
        The scenario's world (loaded when None).
    grid
        Every combination of assumptions (True) or one at a time (False).
    progress
        ``progress(fraction, message)`` after each solve.

    Returns
    -------
    pandas.DataFrame
        One row per variant and step: ``variant``, ``quota_rent``, ``one_year_elasticity``,
        ``step``, ``label``, ``welfare_pct_{a}``, ``welfare_pct_{b}``, ``gap_pts`` (a's minus
        b's, points) and ``converged``. A solve that fails raises nothing: its welfare is NaN
        and ``converged`` False, which `band_summary` reports.
    """
    if not scenario.step:
        raise ScenarioError("bands need a timeline (steps)", key="step")
    world = world or load_world(scenario.world)
    for code in (a, b):
        if code not in world.countries:
            raise ScenarioError(f"unknown country '{code}'", key="focus")
    variants = assumption_variants(scenario, grid=grid)
    jobs = [(v, k) for v in variants for k in steps]
    rows = []
    for done, (variant, k) in enumerate(jobs, start=1):
        result = run_scenario(variant.scenario.as_of(k), world=world)
        outcome = result.steps[0].outcome
        table = result.country_table(0)
        ok = bool(outcome.converged)
        wa = float(table.loc[a, "welfare_pct"]) if ok else float("nan")
        wb = float(table.loc[b, "welfare_pct"]) if ok else float("nan")
        rows.append(
            {
                "variant": variant.name,
                "quota_rent": variant.quota_rent,
                "one_year_elasticity": variant.one_year_elasticity,
                "step": k,
                "label": scenario.step[k].label,
                f"welfare_pct_{a}": wa,
                f"welfare_pct_{b}": wb,
                "gap_pts": wa - wb,
                "converged": ok,
            }
        )
        report(progress, done / len(jobs), f"{variant.name}: {scenario.step[k].label}")
    return pd.DataFrame(rows)


def band_summary(bands: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Per step: each side's welfare as calibrated with its low and high over the variants.

    ``verdict`` says who is ahead (the larger welfare change) as calibrated and whether that
    holds in every variant; a step with a failed solve says so instead of giving a band.
    """
    rows = []
    for (k, label), group in bands.groupby(["step", "label"], sort=True):
        central = group[group["variant"] == "as calibrated"].iloc[0]
        row: dict[str, object] = {"step": k, "label": label}
        for code in (a, b):
            col = f"welfare_pct_{code}"
            row[f"{code} welfare %"] = central[col]
            row[f"{code} low"] = group[col].min()
            row[f"{code} high"] = group[col].max()
        gaps = group["gap_pts"].to_numpy()
        if not group["converged"].all() or not np.all(np.isfinite(gaps)):
            failed = ", ".join(group.loc[~group["converged"], "variant"])
            row["verdict"] = f"not every variant solved ({failed})"
        else:
            ahead = a if central["gap_pts"] > 0 else b
            holds = np.all(gaps > 0) if ahead == a else np.all(gaps < 0)
            row["verdict"] = (
                f"{ahead} ahead in every variant"
                if holds
                else f"{ahead} ahead as calibrated; depends on the assumptions"
            )
        rows.append(row)
    return pd.DataFrame(rows)
