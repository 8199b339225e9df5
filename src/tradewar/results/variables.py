"""The variables of a result: their names, units and the two ratios they are made of."""

from __future__ import annotations

import numpy as np

PCT = "percent"

#: Country-level variables of the JSON contract, in order, with their units (None = world unit).
COUNTRY_VARIABLES: dict[str, str | None] = {
    "welfare_pct": PCT,
    "terms_of_trade_pct": PCT,
    "volume_of_trade_pct": PCT,
    "real_wage_pct": PCT,
    "price_index_pct": PCT,
    "exports_pct": PCT,
    "imports_pct": PCT,
    "tariff_revenue": None,
    "tariff_revenue_before": None,
    "export_tax_revenue": None,
    "wage_pct": PCT,
    "income_pct": PCT,
    "trade_balance": None,
    "trade_balance_before": None,
    "employment_pct": PCT,
    "deficit_change_pct": PCT,
    "exports_to_gdp_pct": PCT,
    "imports_to_gdp_pct": PCT,
    "gdp": None,
    "equivalent_variation": None,
    "equivalent_variation_per_household": "USD per household",
    "statutory_tariff_pct": PCT,
    "realised_tariff_pct": PCT,
    "import_price_pct": PCT,
    "import_price_duty_paid_pct": PCT,
    "duty_factor_pct": PCT,
    "pass_through_pct": PCT,
    "factor_income_pct": PCT,
    "tariff_revenue_pct": PCT,
    "rents_pct": PCT,
    "capacity_rents_pct": PCT,
    "transfers_pct": PCT,
    "export_control_rents": None,
    "capacity_rents": None,
    "rent_seeking": None,
}


def pct(ratio: np.ndarray) -> np.ndarray:
    """A change ratio (``x_hat``) as a percentage change."""
    return 100.0 * (np.asarray(ratio) - 1.0)


def safe_ratio(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``new / old`` where ``old`` is positive, NaN elsewhere (undefined, never inf)."""
    return np.where(old > 0, new / np.where(old > 0, old, 1.0), np.nan)
