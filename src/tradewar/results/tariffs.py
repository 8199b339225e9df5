"""What a tariff schedule means for buyers: effective rates, import prices and pass-through.

Each function takes one step's `Outcome` and returns arrays; `tradewar.results.Result` puts
them into tables. Flows are at customs value (before duties) and exclude domestic sales.

Effective tariff rates come in the two weightings policy trackers publish:

* **statutory** (before substitution): the tariffs in force weighted by the baseline's imports,
  so the rate moves only when policy does (as the Yale Budget Lab's "pre-substitution" rate);
* **realised** (after substitution): duties collected over imports after the shock, so buyers
  switching to untaxed suppliers lower it (the "post-substitution" rate, and what customs
  receipts over customs values show).

Import prices follow the exporters' unit costs (with export taxes and capacity premia), at
customs value and duty-paid, weighted by the baseline's imports. **Pass-through** is the
share of the change in the duty factor ``(1 + t)`` that reaches duty-paid import prices, in
logs: 100% when foreign suppliers keep their prices, less when they absorb part of the duty.
"""

from __future__ import annotations

import numpy as np

from tradewar.model.outcomes import Outcome

#: A duty factor that moves less than this (in logs, 0.5%) leaves pass-through undefined (NaN):
#: a ratio of two small changes says nothing.
MIN_DUTY_CHANGE = 5e-3


def _cross_border(o: Outcome) -> np.ndarray:
    """``(N, N, 1)`` mask of flows between different countries."""
    return ~np.eye(o.flows_before.shape[0], dtype=bool)[:, :, None]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den > 0``, else NaN (no imports: no rate)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def pair_tariffs(o: Outcome) -> dict[str, np.ndarray]:
    """Effective tariff rates of each importer on each partner, ``(N, N)`` arrays.

    Returns
    -------
    dict
        ``statutory_pct`` (tariffs in force weighted by the baseline's imports),
        ``realised_pct`` (duties over imports after the shock), ``imports_before`` and
        ``imports_after`` (customs value, world units), ``tariff_revenue`` (world units).
        Rows are importers, columns partners; the diagonal is zero imports (NaN rates).
    """
    cross = _cross_border(o)
    before = np.where(cross, o.flows_before, 0.0)
    after = np.where(cross, o.flows_after, 0.0)
    duties = after * o.tariffs_after
    weighted = (o.tariffs_after * before).sum(axis=2)
    return {
        "statutory_pct": 100.0 * _ratio(weighted, before.sum(axis=2)),
        "realised_pct": 100.0 * _ratio(duties.sum(axis=2), after.sum(axis=2)),
        "imports_before": before.sum(axis=2),
        "imports_after": after.sum(axis=2),
        "tariff_revenue": duties.sum(axis=2),
    }


def importer_tariffs(o: Outcome) -> dict[str, np.ndarray]:
    """Each importer's effective tariff rate on all its imports, ``(N,)`` arrays, percent."""
    cross = _cross_border(o)
    before = np.where(cross, o.flows_before, 0.0)
    after = np.where(cross, o.flows_after, 0.0)
    return {
        "statutory_tariff_pct": 100.0
        * _ratio((o.tariffs_after * before).sum(axis=(1, 2)), before.sum(axis=(1, 2))),
        "realised_tariff_pct": 100.0
        * _ratio((o.tariffs_after * after).sum(axis=(1, 2)), after.sum(axis=(1, 2))),
    }


def unit_price_change(o: Outcome) -> np.ndarray:
    """``(N, N, J)`` change of the customs-value price of each flow (importer, exporter, sector).

    The exporter's unit cost times its export tax and capacity premium (neither is in the
    baseline): what a customs-value import price index such as the BLS's measures.
    """
    premium = 1.0 if o.capacity_rent is None else 1.0 + o.capacity_rent[None, :, :]
    return np.broadcast_to(
        o.c_hat[None, :, :] * premium * (1.0 + o.export_tax), o.flows_before.shape
    )


def import_prices(o: Outcome) -> dict[str, np.ndarray]:
    """Each importer's import prices and the pass-through of its duties, ``(N,)`` arrays.

    Returns
    -------
    dict
        ``import_price_pct`` (customs value), ``import_price_duty_paid_pct`` (with duties),
        ``duty_factor_pct`` (change of the baseline-weighted ``1 + t``) and
        ``pass_through_pct`` (``100 * ln(duty-paid price) / ln(duty factor)``; NaN where the
        duty factor moved by less than `MIN_DUTY_CHANGE` in logs). All weighted by the
        baseline's imports, percent.
    """
    cross = _cross_border(o)
    weights = np.where(cross, o.flows_before, 0.0)
    total = weights.sum(axis=(1, 2))
    unit = unit_price_change(o)
    duty = (1.0 + o.tariffs_after) / (1.0 + o.tariffs_before)
    customs = _ratio((unit * weights).sum(axis=(1, 2)), total)
    duty_paid = _ratio((unit * duty * weights).sum(axis=(1, 2)), total)
    factor = _ratio((duty * weights).sum(axis=(1, 2)), total)
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.abs(np.log(factor)) >= MIN_DUTY_CHANGE
        through = np.where(moved, 100.0 * np.log(duty_paid) / np.log(factor), np.nan)
    return {
        "import_price_pct": 100.0 * (customs - 1.0),
        "import_price_duty_paid_pct": 100.0 * (duty_paid - 1.0),
        "duty_factor_pct": 100.0 * (factor - 1.0),
        "pass_through_pct": through,
    }


def equivalent_variation(o: Outcome) -> np.ndarray:
    """``(N,)`` money-metric welfare change: ``(W_hat - 1) * income before``, world units.

    The sum that, paid at baseline prices, would change each country's real income as the
    policy does (equivalent variation; positive for a gain). NaN for an outcome without income
    levels (the one-sector model with margins, whose welfare is not a ratio of real incomes),
    as its welfare decomposition is.
    """
    if o.income_before is None:
        return np.full(o.welfare_hat.shape[0], np.nan)
    return (o.welfare_hat - 1.0) * o.income_before
