"""Where national income comes from after a shock: duties, rents and the welfare decomposition.

Pure functions of a solved `tradewar.model.outcomes.Outcome` (numpy arrays; money in the
world's unit, bilateral arrays ``[importer, exporter, sector]``).

The decomposition is exact: real income ``I' / P_hat`` is the sum of its parts deflated by the
consumer price index, so each part's contribution ``100 * (C' / P_hat - C) / I`` (percent of
baseline income) sums to the welfare change ``100 * (I' / (I P_hat) - 1)``. The parts are
factor income (wages and profits, employment included), tariff revenue, the rents and taxes of
export controls (quota rents whoever earns them, export taxes), capacity rents (short-run
premia of capacity-limited producers) and transfers (the deficit, fixed in units of world value
added, so its real value moves with prices).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradewar.model.outcomes import Outcome

#: The parts of the welfare decomposition, in order: (variable, what it holds).
#: Welfare changes (percent) too small for a sentence: a sign decided below this is noise.
MIN_SENTENCE_PCT = 0.01
PARTS = {
    "factor_income_pct": "wages and profits",
    "tariff_revenue_pct": "tariff revenue",
    "rents_pct": "export-control rents and taxes",
    "capacity_rents_pct": "capacity rents",
    "transfers_pct": "transfers (the deficit)",
}


def duties(o: Outcome) -> np.ndarray:
    """``(N, N, J)`` tariff revenue on each flow: customs value times the tariff in force."""
    return o.flows_after * o.tariffs_after


def capacity_rents(o: Outcome) -> np.ndarray:
    """``(N,)`` capacity premia earned by each producing country (zero without limits)."""
    if o.capacity_rent is None:
        return np.zeros(o.flows_after.shape[0])
    premium = o.capacity_rent[None, :, :]
    net = o.flows_after / ((1.0 + o.export_tax) * (1.0 + premium))
    return (net * premium).sum(axis=(0, 2))


def control_rents(o: Outcome) -> np.ndarray:
    """``(N,)`` rents and taxes of export controls each country receives.

    Export taxes and the exporter's part of quota rents (as exporter) plus the quota rents an
    importing country keeps; capacity premia are apart (`capacity_rents`).
    """
    kept = (
        np.zeros_like(o.export_tax_revenue)
        if o.import_rent_revenue is None
        else (o.import_rent_revenue)
    )
    return o.export_tax_revenue - capacity_rents(o) + kept


def income_parts(o: Outcome) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """The parts of national income before and after, ``{part: (before, after)}`` ``(N,)`` each.

    None for outcomes that do not carry their income levels (the one-sector model with
    margins, whose welfare also counts labour-supply disutility).
    """
    if o.income_before is None or o.income_after is None:
        return None
    zeros = np.zeros_like(o.income_before)
    return {
        "factor_income_pct": (o.gdp_before, o.gdp_after),
        "tariff_revenue_pct": (o.revenue_before, o.revenue_after),
        "rents_pct": (zeros, control_rents(o)),
        "capacity_rents_pct": (zeros, capacity_rents(o)),
        "transfers_pct": (o.deficit_before, o.deficit_after),
    }


def welfare_decomposition(o: Outcome) -> dict[str, np.ndarray]:
    """Contributions ``(N,)`` of each income part to the welfare change (percentage points).

    They sum to ``100 * (welfare_hat - 1)`` up to rounding; NaN everywhere when the outcome has
    no income levels (`income_parts`).
    """
    parts = income_parts(o)
    n = o.welfare_hat.shape[0]
    if parts is None:
        return {name: np.full(n, np.nan) for name in PARTS}
    base = o.income_before
    return {
        name: 100.0 * (after / o.price_index_hat - before) / base
        for name, (before, after) in parts.items()
    }


def welfare_drivers(countries: tuple[str, ...], o: Outcome) -> list[dict[str, Any]]:
    """One plain sentence per country whose welfare sign a rent or the tariff revenue decides.

    A part "decides the sign" when the country's welfare changes with the part's sign and would
    change the other way without it, both by at least `MIN_SENTENCE_PCT` percent. Rents (of
    export controls and capacity) and tariff revenue are checked; the rows give the country,
    the part, both numbers and the sentence.
    """
    contributions = welfare_decomposition(o)
    welfare = 100.0 * (o.welfare_hat - 1.0)
    rows = []
    for part in ("rents_pct", "capacity_rents_pct", "tariff_revenue_pct"):
        values = contributions[part]
        for n, code in enumerate(countries):
            total, part_value = float(welfare[n]), float(values[n])
            without = total - part_value
            if not (np.isfinite(total) and np.isfinite(part_value)):
                continue
            if abs(total) < MIN_SENTENCE_PCT or np.sign(total) != np.sign(part_value):
                continue
            if np.sign(without) == np.sign(total) or abs(without) < MIN_SENTENCE_PCT:
                continue
            verb = ("adds", "decides") if part == "tariff_revenue_pct" else ("add", "decide")
            rows.append(
                {
                    "country": code,
                    "part": part,
                    "welfare_pct": total,
                    "contribution_pct": part_value,
                    "sentence": (
                        f"{code}'s real income changes by {total:+.2f}%: {PARTS[part]} "
                        f"{verb[0]} {part_value:+.2f} points and everything else "
                        f"{without:+.2f}, so {PARTS[part]} {verb[1]} the sign."
                    ),
                }
            )
    return rows
