"""Observed outcomes a scenario is held against: the observations file (docs/formats.md).

An observations file is a CSV, one row per observed figure, with columns

``id, variable, country, partner, sector, start, end, reference_start, reference_end, step,
horizon, value, low, high, unit, role, what, source, source_date, note``

``variable`` names what the model predicts (`tradewar.backtest.predict.PREDICTORS`): for
example ``imports_pct``, the change in the customs value of ``country``'s imports from
``partner`` over the period ``start``-``end`` against the status quo (or against the
``reference_start``-``reference_end`` period when given). ``value`` is the observed figure,
``low`` and ``high`` the band a prediction must fall in to count as a hit (they hold the value
and express how precisely the figure pins down what the model predicts: measurement error,
disagreeing sources, definitions). ``role`` is ``held-out`` (scored), ``calibration`` (used
to set an input of the scenario, so shown but not scored) or ``model estimate`` (another
model's published number, for comparison, not scored). ``note`` says what the model leaves
out that matters for this figure; a miss is explained by it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tradewar.data.tables import check_text_table, quoted
from tradewar.errors import DataError

#: The roles an observation can have; only ``held-out`` observations are scored.
ROLES = ("held-out", "calibration", "model estimate")
REQUIRED = ("id", "variable", "start", "end", "value", "low", "high", "unit", "role", "what")
OPTIONAL = (
    "country",
    "partner",
    "sector",
    "reference_start",
    "reference_end",
    "step",
    "horizon",
    "source",
    "source_date",
    "note",
)


@dataclass(frozen=True)
class Observation:
    """One observed figure (see the module docstring for the fields).

    ``country``, ``partner`` and ``sector`` are codes of the scenario's world, a group name
    (``goods``) or, for ``partner``, ``*`` (every other country) or ``-CODE`` (every other
    country but ``CODE``); empty where the variable needs none. ``step`` names a step (its
    label) for the variables that compare one step with the one before it. ``file`` and
    ``row`` say where it was read (for error messages).
    """

    id: str
    variable: str
    start: dt.date
    end: dt.date
    value: float
    low: float
    high: float
    unit: str
    role: str
    what: str
    country: str = ""
    partner: str = ""
    sector: str = ""
    reference_start: dt.date | None = None
    reference_end: dt.date | None = None
    step: str = ""
    horizon: str = ""
    source: str = ""
    source_date: str = ""
    note: str = ""
    file: str = ""
    row: int = 0

    @property
    def scored(self) -> bool:
        """True for a held-out observation (the backtest's score counts these only)."""
        return self.role == "held-out"


def _date(text: str, file: str, row: int, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(
            f"'{text}' is not a date (YYYY-MM-DD)", file=file, row=row, field=field
        ) from None


def _number(text: str, file: str, row: int, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"'{text}' is not a number", file=file, row=row, field=field) from None
    if not math.isfinite(value):
        raise DataError(f"{value} is not a finite number", file=file, row=row, field=field)
    return value


def read_observations(path: str | Path) -> list[Observation]:
    """Read and check an observations file.

    Raises
    ------
    DataError
        Naming the file, row and field of a missing column, an empty required cell, a bad
        date or number, a band that does not hold its value, an unknown role, a period that
        ends before it starts, or an id used twice.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise DataError("no such observations file", file=file)
    check_text_table(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot be read as CSV: {quoted(exc)}", file=file) from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"missing column(s): {', '.join(missing)}", file=file)
    unknown = [c for c in frame.columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise DataError(f"unknown column(s): {', '.join(unknown)}", file=file)
    out: list[Observation] = []
    seen: set[str] = set()
    for k, raw in enumerate(frame.to_dict("records")):
        row = k + 1  # data rows count from one, the header is row 0
        cells = {c: str(raw.get(c, "")).strip() for c in REQUIRED + OPTIONAL}
        for c in REQUIRED:
            if not cells[c]:
                raise DataError("empty cell", file=file, row=row, field=c)
        if cells["id"] in seen:
            raise DataError(f"id '{cells['id']}' used twice", file=file, row=row, field="id")
        seen.add(cells["id"])
        if cells["role"] not in ROLES:
            raise DataError(
                f"unknown role '{cells['role']}' (use {', '.join(ROLES)})",
                file=file,
                row=row,
                field="role",
            )
        start = _date(cells["start"], file, row, "start")
        end = _date(cells["end"], file, row, "end")
        if end < start:
            raise DataError("the period ends before it starts", file=file, row=row, field="end")
        numbers = {c: _number(cells[c], file, row, c) for c in ("value", "low", "high")}
        if not numbers["low"] <= numbers["value"] <= numbers["high"]:
            raise DataError(
                f"the band [{numbers['low']}, {numbers['high']}] does not hold the value "
                f"{numbers['value']}",
                file=file,
                row=row,
                field="low",
            )
        reference = [
            _date(cells[c], file, row, c) if cells[c] else None
            for c in ("reference_start", "reference_end")
        ]
        if (reference[0] is None) != (reference[1] is None):
            raise DataError(
                "give both reference_start and reference_end, or neither",
                file=file,
                row=row,
                field="reference_start",
            )
        out.append(
            Observation(
                id=cells["id"],
                variable=cells["variable"],
                start=start,
                end=end,
                reference_start=reference[0],
                reference_end=reference[1],
                value=numbers["value"],
                low=numbers["low"],
                high=numbers["high"],
                unit=cells["unit"],
                role=cells["role"],
                what=cells["what"],
                country=cells["country"],
                partner=cells["partner"],
                sector=cells["sector"],
                step=cells["step"],
                horizon=cells["horizon"],
                source=cells["source"],
                source_date=cells["source_date"],
                note=cells["note"],
                file=file,
                row=row,
            )
        )
    if not out:
        raise DataError("no observations", file=file)
    return out


def bad(obs: Observation, field: str, message: str) -> DataError:
    """A `DataError` naming the observations file, the observation's row and ``field``."""
    return DataError(f"observation {obs.id}: {message}", file=obs.file, row=obs.row, field=field)
