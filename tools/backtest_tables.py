"""Print the tables of docs/backtest.md: the 2025 scenario against the observations.

Run from the repository root: ``python tools/backtest_tables.py``. It holds
``scenarios/us_china_2025.toml`` against ``scenarios/us_china_2025_observed.csv`` as it is
(short horizon, rents to importers) and with the long-run, price-rationed settings of earlier
versions (``--horizon long --quota-rent exporter``), and prints both as Markdown, then the score
under each assumption no observation pins down (rent regimes, one-year elasticity).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradewar import load_scenario  # noqa: E402
from tradewar.backtest import backtest  # noqa: E402
from tradewar.backtest.assumptions import assumption_variants  # noqa: E402
from tradewar.backtest.output import score_line, table_rows  # noqa: E402

SCENARIO = ROOT / "scenarios" / "us_china_2025.toml"


def main() -> None:
    scenario = load_scenario(SCENARIO)
    calibrated = backtest(scenario)
    long_run = backtest(scenario.with_horizon("long").with_quota_rent("exporter"))
    by_id = {row["id"]: row for row in table_rows(long_run)}
    print("| observation | period | observed (band) | predicted | long run, rents to exporter |")
    print("|---|---|---|---|---|")
    for row in table_rows(calibrated):
        other = by_id[row["id"]]
        mark = {"inside": "✓", "MISS": "✗"}.get(row["verdict"], row["verdict"])
        other_mark = {"inside": "✓", "MISS": "✗"}.get(other["verdict"], "")
        print(
            f"| {row['id']} | {row['period']} | {row['observed']} ({row['band']}) | "
            f"{row['predicted']} {mark} | {other['predicted']} {other_mark} |"
        )
    print()
    print(f"As calibrated: {score_line(calibrated)}.")
    print(f"Long run, rents to the exporter: {score_line(long_run)}.")
    print()
    print("| assumptions | held-out inside | misses |")
    print("|---|---|---|")
    for variant in assumption_variants(scenario):
        run = calibrated if variant.name == "as calibrated" else backtest(variant.scenario)
        held = run.held_out
        misses = ", ".join(held.loc[~held["inside"].astype(bool), "id"])
        print(f"| {variant.name} | {int(held['inside'].sum())} of {len(held)} | {misses} |")


if __name__ == "__main__":
    main()
