"""Quick start: a 25-point US tariff on Chinese goods on the WIOD 2014 world.

Run: ``python examples/quickstart.py``. Prints the countries most affected and the sectors whose
US output changes most, and returns the tidy results table.
"""

from __future__ import annotations

import pandas as pd

import tradewar as tw


def main() -> pd.DataFrame:
    """Solve the tariff and print the headline tables; return the tidy results."""
    world = tw.load_world("wiod2014")
    goods = [f"C{k:02d}" for k in range(1, 23)]
    policy = tw.Tariff(importer="USA", exporter="CHN", sectors=goods, add_pct=25)
    result = tw.solve(world, [policy], model="caliendo-parro", deficits="keep")

    table = result.country_table()
    print(
        table.loc[
            ["USA", "CHN", "MEX", "DEU", "JPN"],
            ["welfare_pct", "real_wage_pct", "exports_pct", "tariff_revenue"],
        ].round(3)
    )

    frame = result.to_frame()
    us_output = frame.query("country == 'USA' and variable == 'output_real_pct'")
    print(us_output.sort_values("value").iloc[[0, 1, 2, -3, -2, -1]][["sector", "value"]])
    return frame


if __name__ == "__main__":
    main()
