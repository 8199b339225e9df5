"""The exempt shares of the 2025 US tariff measures in scenarios/us_china_2025.toml.

Run from the repository root: ``python tools/us_tariffs_2025.py``. It maps the products each
measure names (docs/data/us_tariff_products_2025.csv, each value with its source) to the sectors
of ``wiod2023-ree`` through docs/data/hs_wiod_concordance.csv and weights them by the sectors'
US imports in the world (`tradewar.build.tariffs.exempt_shares`), then prints the ``exempt_pct``
table of each measure. tests/test_us_china_2025.py checks that the scenario carries these
numbers. Values of 2024 are scaled to the 2023 world by US goods imports from the partner.

Rules that are not in the product file, each an assumption stated in docs/us_china_2025.md:

- Annex II of Executive Order 14257 exempts energy, critical minerals and pharmaceuticals from
  the reciprocal tariffs: mining (C04, energy and ores), refined petroleum (C10),
  pharmaceuticals (C12) and rare earths (REE) are exempt as whole sectors.
- Goods under Section 232 do not pay the reciprocal tariff as well (no stacking): the covered
  share of basic metals (C15) and all of motor vehicles (C20) are exempt from it.
- Canada and Mexico: vehicles that meet the USMCA rules pay on their non-US content (40% US
  content assumed) and USMCA parts are exempt (about four in five parts met the rules in 2023,
  USTR, as reported by Crain's Detroit Business, 3 May 2025): their vehicles are covered at 60%
  of the vehicle share and their parts at 20% of the parts share.
- Vehicles and parts split motor vehicles (C20) in the proportions of their 2024 values; parts
  take the share of C20 that vehicles leave.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradewar import load_world  # noqa: E402
from tradewar.build.tariffs import exempt_shares, read_concordance  # noqa: E402

PRODUCTS = ROOT / "docs" / "data" / "us_tariff_products_2025.csv"
CONCORDANCE = ROOT / "docs" / "data" / "hs_wiod_concordance.csv"
#: US goods imports from China in 2024 (Census basis; docs/us_china_2025_facts.md section 2).
US_IMPORTS_FROM_CHINA_2024 = 438_900.0
#: US goods imports from the world in 2024 (Census basis, USD 3,295 bn: U.S. International Trade
#: in Goods and Services, December and Annual 2024, released 5 February 2025).
US_IMPORTS_2024 = 3_295_000.0
ANNEX_II = ("C04", "C10", "C12", "REE")
USMCA_VEHICLES_COVERED = 0.60  # non-US content of USMCA vehicles
USMCA_PARTS_COVERED = 0.20  # parts that do not meet the USMCA rules


def _round(table: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in sorted(table.items())}


def measures(world_name: str = "wiod2023-ree") -> dict[str, dict[str, float]]:
    """``{measure: {sector: exempt percent}}`` of every 2025 US measure of the scenario."""
    world = load_world(world_name)
    products = pd.read_csv(PRODUCTS, dtype={"product": str})
    concordance = read_concordance(CONCORDANCE)
    us, cn = world.country_index("USA"), world.country_index("CHN")
    goods = np.array([s in world.sector_groups["goods"] for s in world.sectors])
    others = np.ones(world.n_countries, dtype=bool)
    others[[us, cn]] = False
    china_trade = world.flows[us, cn]
    other_trade = world.flows[us, others].sum(axis=0)
    all_trade = china_trade + other_trade
    china_scale = china_trade[goods].sum() / US_IMPORTS_FROM_CHINA_2024
    world_scale = all_trade[goods].sum() / US_IMPORTS_2024

    def shares(measure: str, trade: np.ndarray, scale: float, unlisted: bool) -> dict[str, float]:
        rows = products[products["measure"] == measure].copy()
        rows["value"] = rows["value"] * scale
        rows["covered"] = rows["covered"].astype(str).str.lower() == "true"
        totals = dict(zip(world.sectors, trade.tolist(), strict=True))
        return exempt_shares(rows, concordance, totals, unlisted, file=PRODUCTS.name)

    metals = shares("s232_metals", all_trade, world_scale, unlisted=False)
    vehicles = 100.0 - shares("s232_vehicles", all_trade, world_scale, unlisted=False)["C20"]
    parts = min(
        100.0 - shares("s232_parts", all_trade, world_scale, unlisted=False)["C20"],
        100.0 - vehicles,
    )
    no_stacking = {"C15": 100.0 - metals["C15"], "C20": 100.0}
    annex = {code: 100.0 for code in ANNEX_II}
    china = {**shares("reciprocal_china", china_trade, china_scale, True), **annex, **no_stacking}
    rest = {**shares("reciprocal_others", other_trade, world_scale, True), **annex, **no_stacking}
    return {
        "reciprocal_china": _round(china),
        "reciprocal_others": _round(rest),
        "s232_metals": _round(metals),
        "s232_vehicles": _round({"C20": 100.0 - vehicles}),
        "s232_parts": _round({"C20": 100.0 - parts}),
        "s232_vehicles_usmca": _round({"C20": 100.0 - USMCA_VEHICLES_COVERED * vehicles}),
        "s232_parts_usmca": _round({"C20": 100.0 - USMCA_PARTS_COVERED * parts}),
    }


if __name__ == "__main__":
    for measure, table in measures().items():
        cells = ", ".join(f"{k} = {v}" for k, v in table.items())
        print(f"{measure}: exempt_pct = {{ {cells} }}")
