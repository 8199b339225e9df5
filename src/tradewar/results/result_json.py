"""A result as the ``--json`` object of docs/formats.md, and as a saved results folder."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tradewar.folders import write_folder
from tradewar.jsonsafe import dumps
from tradewar.results.long_format import long_frame
from tradewar.results.tariffs import importer_tariffs, pair_tariffs

if TYPE_CHECKING:
    from tradewar.results.result import Result


def countries_rows(result: Result, step: int) -> list[dict[str, Any]]:
    """The ``countries`` rows of the ``--json`` contract for one step (NaN as null)."""
    arrays = result.country_arrays(step)
    names = list(arrays)
    columns = [[num(v) for v in np.asarray(arrays[name]).tolist()] for name in names]
    return [
        {
            "country": code,
            **{name: column[n] for name, column in zip(names, columns, strict=True)},
        }
        for n, code in enumerate(result.countries)
    ]


def tariff_revenue_rows(result: Result, step: int) -> list[dict[str, Any]]:
    """`tariff_revenue` rows of one step that pay duties, built from the arrays."""
    table = result.tariff_revenue(step)
    paying = table["tariff_revenue"].to_numpy() != 0
    columns = {
        name: table[name].to_numpy()[paying].tolist()
        for name in ("importer", "partner", "imports", "tariff_revenue", "tariff_rate_pct")
    }
    return [
        {
            "importer": importer,
            "partner": partner,
            "imports": num(imports),
            "tariff_revenue": num(revenue),
            "tariff_rate_pct": num(rate),
        }
        for importer, partner, imports, revenue, rate in zip(*columns.values(), strict=True)
    ]


def moved_pairs(result: Result) -> np.ndarray:
    """``(N, N)`` pairs whose tariff schedule moved from the baseline at any step."""
    moved = np.zeros((len(result.countries),) * 2, dtype=bool)
    for st in result.steps:
        o = st.outcome
        moved |= np.abs(o.tariffs_after - o.tariffs_before).max(axis=2) > 1e-12
    return moved


def effective_tariff_rows(
    result: Result, step: int, moved: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Each importer's rate on all imports, and each pair whose schedule moved at any step.

    The same pairs at every step, so a pair's path can be read across the steps.
    """
    o = result.steps[step].outcome
    moved = moved_pairs(result) if moved is None else moved
    pairs = pair_tariffs(o)
    totals = importer_tariffs(o)
    rows: list[dict[str, Any]] = []
    for n, code in enumerate(result.countries):
        rows.append(
            {
                "importer": code,
                "partner": "all",
                "statutory_pct": num(float(totals["statutory_tariff_pct"][n])),
                "realised_pct": num(float(totals["realised_tariff_pct"][n])),
                "imports_before": num(float(pairs["imports_before"][n].sum())),
                "imports_after": num(float(pairs["imports_after"][n].sum())),
                "tariff_revenue": num(float(pairs["tariff_revenue"][n].sum())),
            }
        )
    traded = (pairs["imports_before"] > 0) | (pairs["imports_after"] > 0)
    for n, i in zip(*np.nonzero(moved & traded), strict=True):
        rows.append(
            {
                "importer": result.countries[n],
                "partner": result.countries[i],
                **{key: num(float(values[n, i])) for key, values in pairs.items()},
            }
        )
    return rows


def result_json(result: Result) -> dict[str, Any]:
    """The ``--json`` object of docs/formats.md (a plain dict; `json.dumps` it)."""
    moved = moved_pairs(result)
    steps = []
    for k, st in enumerate(result.steps):
        o = st.outcome
        steps.append(
            {
                "step": k,
                "date": st.date.isoformat() if st.date else None,
                "label": st.label,
                "source": st.source,
                "in_force": st.in_force,
                "converged": o.converged,
                "status": o.status,
                "iterations": o.iterations,
                "method": o.method,
                "max_residual": o.max_residual,
                "countries": countries_rows(result, k),
                "quotas": result.quota_table(k),
                "capacity": [
                    {"country": c, "sector": sec, **{k2: num(v) for k2, v in row.items()}}
                    for (c, sec), row in result.capacity_table(k).iterrows()
                ],
                "tariff_revenue": tariff_revenue_rows(result, k),
                "welfare_drivers": [
                    {key: row[key] for key in ("country", "part", "sentence")}
                    for row in result.welfare_drivers(k)
                ],
                "effective_tariffs": effective_tariff_rows(result, k, moved),
            }
        )
    return {
        "scenario": result.scenario,
        "world": result.world,
        "model": result.model,
        "deficits": result.deficits,
        "unit": result.unit,
        "converged": result.converged,
        "iterations": result.iterations,
        "max_residual": result.max_residual,
        "countries": countries_rows(result, -1),
        "steps": steps,
    }


def save_result(
    result: Result,
    directory: str | os.PathLike[str],
    manifest: dict[str, Any] | None = None,
    *,
    force: bool = False,
    formats: Sequence[str] = ("parquet",),
) -> Path:
    """Write ``result`` into ``directory`` whole or not at all (see `Result.save`)."""
    unknown = set(formats) - {"parquet", "csv", "json"}
    if unknown or not formats:
        raise ValueError(f"formats must be among parquet, csv, json; got {sorted(formats)}")
    frame = long_frame(result, detail=True)
    full = {
        "scenario": result.meta.get("scenario"),
        **(manifest or {}),
        "scenario_name": result.scenario,
        "world": result.world,
        "model": result.model,
        "deficits": result.deficits,
        "data_hash": result.meta.get("data_hash"),
        "converged": result.converged,
        "iterations": result.iterations,
        "max_residual": result.max_residual,
        "elapsed_s": result.elapsed_s,
        "steps": [
            {
                "label": s.label,
                "date": s.date.isoformat() if s.date else None,
                "status": s.outcome.status,
                "converged": s.outcome.converged,
                "iterations": s.outcome.iterations,
                "method": s.outcome.method,
                "max_residual": s.outcome.max_residual,
                "walras_residual": s.outcome.walras_residual,
            }
            for s in result.steps
        ],
    }

    def fill(tmp: Path) -> dict[str, Any]:
        if "parquet" in formats:
            frame.to_parquet(tmp / "results.parquet", index=False)
        if "csv" in formats:
            long_frame(result).to_csv(tmp / "results.csv", index=False)
        if "json" in formats:
            (tmp / "results.json").write_text(dumps(result_json(result)) + "\n", encoding="utf-8")
        return full

    return write_folder(directory, fill, force=force)


def num(value: Any) -> float | None:
    """``value`` as a float, None where it is not finite (JSON has no NaN)."""
    v = float(value)
    return None if not math.isfinite(v) else v
