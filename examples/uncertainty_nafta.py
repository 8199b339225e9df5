"""Uncertainty and sweeps: NAFTA under uncertain trade elasticities, and a US tariff curve.

Run: ``python examples/uncertainty_nafta.py [DRAWS]``. It

1. draws every estimated sector elasticity of Caliendo and Parro (2015) from their Table 1
   estimates and standard errors (``scenarios/cp2015_nafta_theta.toml``, 1,000 draws by
   default) and solves NAFTA for each; prints the 5/50/95% band of each NAFTA member's welfare
   change and the probability that it loses;
2. sweeps the US tariff on Chinese goods from 0 to 100 points on ``wiod2014-s3``, without
   retaliation and with a Chinese tariff on US goods that matches it point for point;
3. draws both in ``docs/uncertainty_nafta.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import tradewar as tw
from tradewar.uncertainty import monte_carlo, sweep

ROOT = Path(__file__).parents[1]
NAFTA = ROOT / "scenarios" / "cp2015_nafta_theta.toml"
GOODS = ["S1"]  # wiod2014-s3: goods (S2 tradable services, S3 non-tradable services)
TARIFF_WAR = tw.parse_scenario(
    {
        "name": "US tariff on China, with and without retaliation",
        "world": "wiod2014-s3",
        "model": "caliendo-parro",
        "focus": ["USA", "CHN"],
        "policy": [
            {
                "kind": "tariff",
                "importer": "USA",
                "exporter": "CHN",
                "sectors": GOODS,
                "add_pct": 0,
            },
            {
                "kind": "tariff",
                "importer": "CHN",
                "exporter": "USA",
                "sectors": GOODS,
                "add_pct": 0,
            },
        ],
    }
)
US_TARIFF = list(range(0, 101, 10))


def main(draws: int | None = None, figure: Path | None = None, scheduler: str = "none"):
    """Run both analyses, print their tables and write the figure; return both results."""
    nafta = monte_carlo(NAFTA, draws=draws, scheduler=scheduler)
    summary = nafta.summary()
    nafta_members = summary.country.isin(["MEX", "CAN", "USA"])
    welfare = summary[(summary.variable == "welfare_pct") & nafta_members]
    print(f"NAFTA, {len(nafta.runs)} draws ({nafta.failed} failed): welfare change, %")
    columns = ["country", "central", "q5", "q50", "q95", "p_negative"]
    print(welfare[columns].round(4).to_string(index=False))

    alone = sweep(TARIFF_WAR, {"policy[0].add_pct": US_TARIFF}, scheduler=scheduler)
    matched = sweep(
        TARIFF_WAR, {("policy[0].add_pct", "policy[1].add_pct"): US_TARIFF}, scheduler=scheduler
    )
    curves = {}
    for name, result in (("no retaliation", alone), ("China matches", matched)):
        usa = result.values.query("country == 'USA' and variable == 'welfare_pct'")
        curves[name] = usa.sort_values("point").value.to_list()
        print(f"US welfare, % ({name}):", [round(v, 3) for v in curves[name]])

    figure = figure or ROOT / "docs" / "uncertainty_nafta.png"
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    values = nafta.values[nafta.values.variable == "welfare_pct"]
    central = nafta.central.country_table()["welfare_pct"]
    for code, colour in (("MEX", "tab:green"), ("CAN", "tab:red"), ("USA", "tab:blue")):
        left.hist(
            values[values.country == code].value, bins=40, alpha=0.55, color=colour, label=code
        )
        left.axvline(central[code], color=colour, lw=1.5)
    left.set_xlabel("welfare change, % (lines: the published elasticities)")
    left.set_ylabel("draws")
    left.set_title(f"NAFTA, {len(nafta.runs)} draws of the trade elasticities")
    left.legend()
    for name, curve in curves.items():
        right.plot(US_TARIFF, curve, marker="o", label=name)
    right.axhline(0, color="grey", lw=0.8)
    right.set_xlabel("US tariff on Chinese goods, added points")
    right.set_ylabel("US welfare change, %")
    right.set_title("US welfare curve, wiod2014-s3")
    right.legend()
    fig.tight_layout()
    fig.savefig(figure, dpi=110)
    plt.close(fig)
    print(f"wrote {figure}")
    return nafta, curves


if __name__ == "__main__":  # the guard Dask's worker processes need
    main(draws=int(sys.argv[1]) if len(sys.argv) > 1 else None)
