"""A backtest for people: the printed table, and the folder ``tradewar backtest --out`` writes."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from tradewar.backtest import Backtest

#: How a prediction, an observed value and a band are printed, by unit.
_DIGITS = {"percent": 1, "USD million": 0}


def _number(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "—"
    digits = _DIGITS.get(unit, 2)
    if unit == "percent" and abs(value) < 1.0:
        digits = 2  # a small change (a welfare effect) keeps its second decimal
    text = f"{value:,.{digits}f}"
    return text + "%" if unit == "percent" else text


def table_rows(result: Backtest) -> list[dict[str, str]]:
    """One row of text per observation: what, period, predicted, observed, band, verdict."""
    rows = []
    for row in result.rows.to_dict("records"):
        unit = str(row["unit"])
        if row["role"] != "held-out":
            verdict = {"calibration": "set from it", "model estimate": "comparison"}[row["role"]]
        else:
            verdict = "inside" if row["inside"] else "MISS"
        rows.append(
            {
                "id": str(row["id"]),
                "what": str(row["what"]),
                "period": str(row["period"]),
                "predicted": _number(float(row["predicted"]), unit),
                "observed": _number(float(row["value"]), unit),
                "band": f"{_number(float(row['low']), unit)} to "
                f"{_number(float(row['high']), unit)}",
                "verdict": verdict,
                "note": str(row["note"]) if verdict == "MISS" else "",
                "unit": unit,
            }
        )
    return rows


def score_line(result: Backtest) -> str:
    """``"9 of 12 held-out observations inside their band (75%)"`` and the misses."""
    n = len(result.held_out)
    if not n:
        return "no held-out observations to score"
    return (
        f"{result.hits} of {n} held-out observations inside their band "
        f"({100.0 * result.score:.0f}%); calibration rows set inputs and are not scored"
    )


def write_backtest(
    result: Backtest,
    directory: str | os.PathLike[str],
    manifest: dict[str, Any] | None = None,
    *,
    force: bool = False,
) -> Path:
    """Write ``backtest.csv`` and ``backtest.json`` with a manifest, whole or not at all."""
    from tradewar.folders import write_folder
    from tradewar.jsonsafe import dumps

    def fill(tmp: Path) -> dict[str, Any]:
        result.rows.to_csv(tmp / "backtest.csv", index=False)
        (tmp / "backtest.json").write_text(dumps(result.to_json()) + "\n", encoding="utf-8")
        return {
            **(manifest or {}),
            "scenario_name": result.scenario,
            "world": result.world,
            "converged": result.converged,
            "held_out": len(result.held_out),
            "hits": result.hits,
        }

    return write_folder(directory, fill, force=force)
