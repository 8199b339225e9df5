"""Print the "who won" table of docs/backtest.md: the 2025 timeline over its open assumptions.

Run from the repository root: ``python tools/who_won_2025.py``. It solves the peak of the
escalation, the Geneva cut and the Busan truce of ``scenarios/us_china_2025.toml`` under every
combination of who earns the rare-earth quota rents (importer, exporter, dissipated) and the
one-year trade elasticity (0.5, 0.76, 1.0), and prints the bands and each variant as Markdown.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradewar import load_scenario, load_world  # noqa: E402
from tradewar.backtest.assumptions import band_summary, who_won_bands  # noqa: E402

SCENARIO = ROOT / "scenarios" / "us_china_2025.toml"
STEPS = (
    "China: rare-earth licensing",
    "US 145% / China 125%",
    "Geneva: 30% / 10%",
    "Busan truce: 20% / 10%",
)


def main() -> None:
    scenario = load_scenario(SCENARIO)
    labels = [s.label for s in scenario.step]
    steps = [labels.index(label) for label in STEPS]
    start = time.perf_counter()
    bands = who_won_bands(
        scenario, "USA", "CHN", steps, world=load_world(scenario.world), grid=True
    )
    seconds = time.perf_counter() - start
    summary = band_summary(bands, "USA", "CHN")
    print("| step | USA welfare % (range) | CHN welfare % (range) | verdict |")
    print("|---|---|---|---|")
    for row in summary.to_dict("records"):
        print(
            f"| {row['label']} | {row['USA welfare %']:+.2f} ({row['USA low']:+.2f} to "
            f"{row['USA high']:+.2f}) | {row['CHN welfare %']:+.2f} ({row['CHN low']:+.2f} to "
            f"{row['CHN high']:+.2f}) | {row['verdict']} |"
        )
    print()
    print("| variant | " + " | ".join(STEPS) + " |")
    print("|---|" + "---|" * len(STEPS))
    for variant, group in bands.groupby("variant", sort=False):
        cells = [
            f"{r['welfare_pct_USA']:+.2f} / {r['welfare_pct_CHN']:+.2f}"
            for r in group.sort_values("step").to_dict("records")
        ]
        print(f"| {variant} | " + " | ".join(cells) + " |")
    print()
    print(f"{len(bands)} solves in {seconds:.0f} s; USA / CHN welfare, % change from the base.")


if __name__ == "__main__":
    main()
