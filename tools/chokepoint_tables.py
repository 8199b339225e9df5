"""Print the tables of docs/chokepoints.md: the April 2025 controls over three horizons.

    python tools/chokepoint_tables.py            # the scenario tables and the choke curve
    python tools/chokepoint_tables.py --negotiation   # also the deal dates (a few minutes)

Every number in docs/chokepoints.md comes from this script; rerun it after changing the
horizons, the bundled `wiod2023-ree` or `scenarios/us_china_2025.toml`.
"""

from __future__ import annotations

import sys

import numpy as np

import tradewar as tw
from tradewar.dynamics import load_negotiation, simulate

SCENARIO = "scenarios/us_china_2025.toml"
CONTROLS = "China: rare-earth licensing"
USERS = ("MAG", "C17", "C18", "C19", "C20")
HORIZONS = ("long", "medium", "short")


def _real(outcome, n, j):
    return outcome.output_after[n, j] / outcome.c_hat[n, j] / outcome.output_before[n, j]


def controls_table() -> None:
    """The April controls' own effect: the licensing step against the step before."""
    world = tw.load_world(tw.load_scenario(SCENARIO).world)
    us, cn = world.country_index("USA"), world.country_index("CHN")
    print("| | " + " | ".join(HORIZONS) + " |")
    print("|---|" + "---|" * len(HORIZONS))
    rows: dict[str, list[str]] = {}
    for horizon in HORIZONS:
        result = tw.run_scenario(tw.load_scenario(SCENARIO).with_horizon(horizon))
        labels = [s.label for s in result.steps]
        k = labels.index(CONTROLS)
        before, after = result.steps[k - 1].outcome, result.steps[k].outcome

        def add(name, value, fmt="{:+.2f}"):
            rows.setdefault(name, []).append(fmt.format(value))

        add("US welfare, pp", 100 * (after.welfare_hat[us] - before.welfare_hat[us]), "{:+.3f}")
        add("China welfare, pp", 100 * (after.welfare_hat[cn] - before.welfare_hat[cn]), "{:+.3f}")
        for code in USERS[1:]:
            j = world.sector_index(code)
            change = 100 * (_real(after, us, j) / _real(before, us, j) - 1)
            add(f"US {code} {world.sector_names[j]} real output, %", change)
        for code in ("REE", "MAG"):
            j = world.sector_index(code)
            change = 100 * (after.P_hat[us, j] / before.P_hat[us, j] - 1)
            add(f"US price of {code}, %", change, "{:+.0f}")
        for code, producer in (("REE", "ROW"), ("MAG", "JPN")):
            j, n = world.sector_index(code), world.country_index(producer)
            premium = 0.0 if after.capacity_rent is None else 100 * after.capacity_rent[n, j]
            add(f"capacity premium, {producer} {code}, %", premium, "{:.0f}")
            change = 100 * (_real(after, n, j) / _real(before, n, j) - 1)
            add(f"{producer} {code} output, %", change, "{:+.1f}")
        hit = result.users_hit(k, top=3)
        hardest = "; ".join(f"{c} {s} {v:+.1f}" for (c, s), v in hit.output_real_pct.items())
        rows.setdefault("users hit hardest (real output, %)", []).append(hardest or "–")
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(values) + " |")


def curve_table() -> None:
    """US losses against the share of China's REE and magnet supply cut off (short run)."""
    scenario = tw.load_scenario(SCENARIO)
    cuts = (0.1, 0.25, 0.5, 0.75, 1.0)
    for horizon in ("short", "long"):
        curve = tw.choke_curve(scenario.with_horizon(horizon), "CHN", ["REE", "MAG"], cuts=cuts)
        us = curve[(curve.country == "USA") & (curve.variable == "output_real_pct")]
        welfare = curve[(curve.country == "USA") & (curve.variable == "welfare_pct")]
        print(f"\n{horizon}:")
        print("| cut, % | " + " | ".join(USERS[1:]) + " | US welfare, % |")
        print("|---|" + "---|" * (len(USERS)))
        for cut in sorted(set(us.cut_pct)):
            at = us[us.cut_pct == cut].set_index("sector").value
            w = float(welfare[welfare.cut_pct == cut].value.iloc[0])
            cells = " | ".join(f"{at[c]:+.2f}" for c in USERS[1:])
            print(f"| {cut:g} | {cells} | {w:+.3f} |")


def negotiation_table() -> None:
    """Deal dates of the bundled negotiation over three horizons, with and without controls."""
    print("\n| horizon | with the controls | without (no_ree) |")
    print("|---|---|---|")
    for horizon in HORIZONS:
        cells = []
        for name in ("us_china_2025_negotiation", "us_china_2025_negotiation_no_ree"):
            config = load_negotiation(f"scenarios/{name}.toml")
            start = tw.load_scenario(config.start.scenario).with_horizon(horizon)
            result = simulate(config, start=start)
            out = result.outcome
            cells.append(
                f"{out['date']} (US {out['welfare_vs_start_pct']['USA']:+.3f}%, "
                f"CHN {out['welfare_vs_start_pct']['CHN']:+.3f}%)"
                if out["deal"]
                else "no deal"
            )
        print(f"| {horizon} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    controls_table()
    curve_table()
    if "--negotiation" in sys.argv:
        negotiation_table()
