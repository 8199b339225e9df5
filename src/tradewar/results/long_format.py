"""A result as one tidy long table (`Result.to_frame`) or an ``xarray.DataArray``.

Every variable of every step, one row per country (and partner, and sector where it has one),
built from the outcome's arrays in one pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradewar.results.income import duties
from tradewar.results.variables import COUNTRY_VARIABLES, PCT, pct, safe_ratio

if TYPE_CHECKING:
    from tradewar.results.result import Result


def long_frame(result: Result, detail: bool = False) -> pd.DataFrame:
    """Tidy long table of every result.

    Columns: ``scenario, step, date, label, country, partner, sector, variable, unit, value``.
    ``partner`` and ``sector`` are empty where a variable is not bilateral or sectoral.
    With ``detail=True`` bilateral trade by sector (``trade``, ``trade_pct``) is included too.
    Built from arrays in one pass (a 1,000-step timeline takes about a second).
    """
    if not isinstance(detail, bool):
        from tradewar.errors import ArgumentError, describe_value

        raise ArgumentError("detail", f"must be True or False, not {describe_value(detail)}")
    parts = [step_rows(result, k, detail) for k in range(len(result.steps))]
    columns = {
        name: np.concatenate([p[name] for p in parts])
        for name in ("step", "country", "partner", "sector", "variable", "unit", "value")
    }
    step = columns.pop("step")
    dates = np.array([s.date.isoformat() if s.date else "" for s in result.steps], dtype=object)
    labels = np.array([s.label for s in result.steps], dtype=object)
    return pd.DataFrame(
        {
            "scenario": np.full(step.size, result.scenario, dtype=object),
            "step": step,
            "date": dates[step],
            "label": labels[step],
            **columns,
        }
    )


def long_xarray(result: Result, detail: bool = False) -> Any:
    """The results as an ``xarray.DataArray``: step x variable x country x partner x sector.

    The same numbers as `to_frame` (an empty ``partner`` or ``sector`` label is the entry of
    a variable that is not bilateral or sectoral); combinations that `to_frame` lacks are NaN.
    Coordinates ``unit`` (by variable), ``label`` and ``date`` (by step); the scenario,
    world and model are attributes. Needs xarray (``pip install "tradewar[xarray]"``).
    """
    try:
        import xarray  # noqa: F401
    except ImportError:  # pragma: no cover - the xarray extra
        raise ImportError('Result.to_xarray needs xarray: pip install "tradewar[xarray]"') from None
    frame = long_frame(result, detail)
    units = frame.drop_duplicates("variable").set_index("variable")["unit"]
    array = frame.set_index(["step", "variable", "country", "partner", "sector"])[
        "value"
    ].to_xarray()
    steps = array["step"].to_numpy()
    array = array.assign_coords(
        unit=("variable", units.reindex(array["variable"].to_numpy()).to_numpy()),
        label=("step", np.array([result.steps[k].label for k in steps], dtype=object)),
        date=(
            "step",
            np.array(
                [result.steps[k].date.isoformat() if result.steps[k].date else "" for k in steps],
                dtype=object,
            ),
        ),
    )
    array.name = "value"
    array.attrs = {"scenario": result.scenario, "world": result.world, "model": result.model}
    return array


def step_rows(result: Result, step: int, detail: bool) -> dict[str, np.ndarray]:
    """The tidy rows of one step as arrays (see `to_frame`)."""
    o = result.step_result(step).outcome
    c = np.array(result.countries, dtype=object)
    s = np.array(result.sectors, dtype=object)
    N, J = len(c), len(s)
    empty = np.array([""], dtype=object)
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray, str, str, np.ndarray]] = []

    def add(country, partner, sector, variable: str, unit: str, value) -> None:
        value = np.asarray(value, dtype=float).ravel()
        size = value.size
        blocks.append(
            (
                np.broadcast_to(country, size),
                np.broadcast_to(partner, size),
                np.broadcast_to(sector, size),
                variable,
                unit,
                value,
            )
        )

    for var, values in result.country_arrays(step).items():
        add(c, empty, empty, var, COUNTRY_VARIABLES[var] or result.unit, values)
    pn, pi_ = np.nonzero(~np.eye(N, dtype=bool))
    imp_before = o.flows_before.sum(axis=2)
    imp_after = o.flows_after.sum(axis=2)
    paid = duties(o)
    pair_duties = paid.sum(axis=2)
    pair_vars = {
        "terms_of_trade_pct": (100.0 * o.terms_of_trade_bilateral, PCT),
        "volume_of_trade_pct": (100.0 * o.volume_of_trade_bilateral, PCT),
        "imports_pct": (pct(safe_ratio(imp_after, imp_before)), PCT),
        "imports": (imp_after, result.unit),
        "tariff_revenue": (pair_duties, result.unit),
        "tariff_rate_pct": (100.0 * safe_ratio(pair_duties, imp_after), PCT),
    }
    for var, (arr, unit) in pair_vars.items():
        add(c[pn], c[pi_], empty, var, unit, arr[pn, pi_])
    sn, sj = np.indices((N, J)).reshape(2, -1)
    sector_vars = {
        "price_index_pct": (pct(o.P_hat), PCT),
        "unit_cost_pct": (pct(o.c_hat), PCT),
        "output_pct": (pct(safe_ratio(o.output_after, o.output_before)), PCT),
        "output_real_pct": (pct(safe_ratio(o.output_after / o.c_hat, o.output_before)), PCT),
        "output": (o.output_after, result.unit),
    }
    for var, (arr, unit) in sector_vars.items():
        add(c[sn], empty, s[sj], var, unit, arr[sn, sj])
    for row in result.quota_table(step):
        exporter, importer, sector = (
            np.array([row[k]], dtype=object) for k in ("exporter", "importer", "sector")
        )
        for var, key in (
            ("quota_pct_of_baseline", "quota_pct_of_baseline"),
            ("export_tax_equivalent_pct", "tax_equivalent_pct"),
        ):
            add(exporter, importer, sector, var, PCT, [row[key]])
    if o.capacity_rent is not None:
        for code in result.chokepoint_sectors:
            k = result.sectors.index(code)
            premium = 100.0 * o.capacity_rent[:, k]
            add(c, empty, s[k : k + 1], "capacity_premium_pct", PCT, premium)
    if detail:
        n, i, j = np.nonzero((o.flows_before > 0) | (o.flows_after > 0))
        ratio = safe_ratio(o.flows_after[n, i, j], o.flows_before[n, i, j])
        add(c[n], c[i], s[j], "trade", result.unit, o.flows_after[n, i, j])
        add(c[n], c[i], s[j], "trade_pct", PCT, pct(ratio))
        add(c[n], c[i], s[j], "tariff_revenue", result.unit, paid[n, i, j])
    sizes = [b[5].size for b in blocks]
    return {
        "step": np.full(sum(sizes), step, dtype=np.int64),
        "country": np.concatenate([b[0] for b in blocks]),
        "partner": np.concatenate([b[1] for b in blocks]),
        "sector": np.concatenate([b[2] for b in blocks]),
        "variable": np.repeat(np.array([b[3] for b in blocks], dtype=object), sizes),
        "unit": np.repeat(np.array([b[4] for b in blocks], dtype=object), sizes),
        "value": np.concatenate([b[5] for b in blocks]),
    }
