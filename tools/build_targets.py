"""Write docs/data/wiod2014_targets_2023.csv: 2023 aggregates for the 44 WIOD regions, each sourced.

Run from the repository root: ``python tools/build_targets.py``. Reads the ILMS (2025) base data in
``../shared/data/ilms2025/base_data``: BACI HS22 V202501 bilateral goods trade in 2023 (USD
thousand, exporter rows) and World Bank WDI GDP (NY.GDP.MKTP.CD, release 2025-03-24). Countries
outside WIOD's 43 are summed into ROW (their trade among themselves is ROW's domestic trade and
is not a target). Taiwan is absent from those files (no WDI GDP), so it gets no target.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "ilms2025" / "base_data"
OUT = ROOT / "docs" / "data" / "wiod2014_targets_2023.csv"
sys.path.insert(0, str(ROOT / "src"))

BACI = (
    "CEPII BACI HS22 V202501, 2023, summed over HS6 products (Gaulier and Zignago 2010), as "
    "compiled in the replication data of Ignatenko, Lashkaripour, Macedoni and Simonovska (2025)"
)
WDI = (
    "World Bank WDI NY.GDP.MKTP.CD (current USD), release 2025-03-24, latest year per country "
    "(2023 for 183 of 194)"
)


def main() -> None:
    from tradewar.data.io import load_world

    wiod = load_world("wiod2014").countries
    labels = pd.read_csv(SRC / "country_labels.csv")["iso3"].astype(str).tolist()
    trade = pd.read_csv(SRC / "trade_cepii.csv").fillna(0.0).to_numpy(float) / 1000.0  # [i, n]
    gdp = pd.read_csv(SRC / "gdp.csv")["gdp"].to_numpy(float) / 1e6
    region = [c if c in wiod else "ROW" for c in labels]
    codes = [c for c in wiod if c in region]
    member = np.array([[r == c for c in codes] for r in region], dtype=float)  # [country, region]
    trade_r = member.T @ trade @ member  # [exporter region, importer region]
    gdp_r = member.T @ gdp
    rows = []
    for k, c in enumerate(codes):
        what = "sum over the countries outside WIOD's 43" if c == "ROW" else c
        rows.append(("gdp", c, "", gdp_r[k], f"{WDI}; {what}"))
    for i, exporter in enumerate(codes):
        for n, importer in enumerate(codes):
            if i != n and trade_r[i, n] > 0:
                rows.append(("goods_trade", exporter, importer, trade_r[i, n], BACI))
    frame = pd.DataFrame(rows, columns=["variable", "country", "partner", "value", "source"])
    frame.insert(4, "unit", "USD million")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False, float_format="%.6f")
    missing = sorted(set(wiod) - set(codes))
    print(f"wrote {OUT} ({len(frame)} rows); no target for {', '.join(missing)}")


if __name__ == "__main__":
    main()
