"""Summaries across the steps of a result: paths, head-to-head tables, tariff schedules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewar.results.result import Result


def _step_index(result: Result) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": range(len(result.steps)),
            "date": [s.date.isoformat() if s.date else "" for s in result.steps],
            "label": [s.label for s in result.steps],
        }
    )


def country_path(result: Result, variable: str = "welfare_pct") -> pd.DataFrame:
    """One row per step, one column per country: ``variable`` of the country table (wide)."""
    rows = [result.country_table(k)[variable] for k in range(len(result.steps))]
    frame = pd.DataFrame(rows).reset_index(drop=True)
    return pd.concat([_step_index(result), frame], axis=1)


def head_to_head(result: Result, a: str, b: str) -> pd.DataFrame:
    """The "who won" table of two countries, one row per step.

    Columns: welfare of each (percent change from the baseline), tariff revenue of each (world
    unit), the bilateral balance of ``a`` with ``b`` (a's exports to b minus its imports from b,
    before tariffs, world unit) and its change from the baseline, and ``welfare_gap_pts``
    (a's welfare change minus b's, percentage points).
    """
    ia, ib = result.countries.index(a), result.countries.index(b)
    rows = []
    for k, step in enumerate(result.steps):
        o = step.outcome
        table = result.country_table(k)
        balance = o.flows_after[ib, ia].sum() - o.flows_after[ia, ib].sum()
        balance0 = o.flows_before[ib, ia].sum() - o.flows_before[ia, ib].sum()
        rows.append(
            {
                f"welfare_pct_{a}": table.loc[a, "welfare_pct"],
                f"welfare_pct_{b}": table.loc[b, "welfare_pct"],
                f"tariff_revenue_{a}": table.loc[a, "tariff_revenue"],
                f"tariff_revenue_{b}": table.loc[b, "tariff_revenue"],
                f"balance_{a}_with_{b}": balance,
                f"balance_change_{a}_with_{b}": balance - balance0,
                "welfare_gap_pts": table.loc[a, "welfare_pct"] - table.loc[b, "welfare_pct"],
            }
        )
    return pd.concat([_step_index(result), pd.DataFrame(rows)], axis=1)


def head_to_head_long(result: Result, a: str, b: str) -> pd.DataFrame:
    """`head_to_head` as a tidy table: labels in columns, not in column names.

    Columns ``step, date, label, country, partner, variable, unit, value``; ``partner`` is set
    for the bilateral balance and the welfare gap (``a`` against ``b``).
    """
    wide = head_to_head(result, a, b)
    unit = result.unit
    columns = {
        f"welfare_pct_{a}": (a, "", "welfare_pct", "percent"),
        f"welfare_pct_{b}": (b, "", "welfare_pct", "percent"),
        f"tariff_revenue_{a}": (a, "", "tariff_revenue", unit),
        f"tariff_revenue_{b}": (b, "", "tariff_revenue", unit),
        f"balance_{a}_with_{b}": (a, b, "bilateral_balance", unit),
        f"balance_change_{a}_with_{b}": (a, b, "bilateral_balance_change", unit),
        "welfare_gap_pts": (a, b, "welfare_gap_pts", "percentage points"),
    }
    parts = []
    for column, (country, partner, variable, u) in columns.items():
        part = wide[["step", "date", "label"]].copy()
        part["country"], part["partner"], part["variable"], part["unit"] = (
            country,
            partner,
            variable,
            u,
        )
        part["value"] = wide[column].astype(float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def tariff_schedule(result: Result, importer: str, exporter: str) -> pd.DataFrame:
    """Trade-weighted average tariff (percent) ``importer`` levies on ``exporter`` at each step.

    Weights are the baseline flows (before tariffs) over all sectors, so the series shows policy,
    not the trade response to it.
    """
    n, i = result.countries.index(importer), result.countries.index(exporter)
    values = []
    for step in result.steps:
        o = step.outcome
        weights = o.flows_before[n, i]
        values.append(100.0 * float(np.sum(o.tariffs_after[n, i] * weights) / np.sum(weights)))
    frame = _step_index(result)
    frame["tariff_pct"] = values
    frame["importer"], frame["exporter"] = importer, exporter
    return frame


def sector_path(result: Result, country: str, variable: str = "output_real_pct") -> pd.DataFrame:
    """Sector by step table (rows sectors, columns step labels) of a sector variable."""
    frame = result.to_frame()
    part = frame[(frame.country == country) & (frame.variable == variable)]
    wide = part.pivot_table(index="sector", columns="step", values="value", sort=False)
    wide.columns = [result.steps[k].label for k in wide.columns]
    return wide.reindex(list(result.sectors))
