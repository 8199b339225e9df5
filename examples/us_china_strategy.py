"""The US-China questions of the strategy layer, on the WIOD 2014 world with rare earths.

1. What tariff would the US choose against China if China did not respond?
2. Where does a bilateral trade war end (Nash tariffs, everyone else's policy fixed)?
3. Which deal would a Nash bargain strike from that war, and how does a Chinese rare-earth ban in
   the threat point move it?

Run: ``python examples/us_china_strategy.py`` (a 4-sector aggregate of wiod2014-ree: goods,
rare earths, tradable and non-tradable services; about a minute) or
``python examples/us_china_strategy.py --full`` (all 52 sectors of wiod2014-ree, goods, magnets and
rare earths as instruments; much slower).
"""

from __future__ import annotations

import sys

import pandas as pd

import tradewar as tw
from tradewar.data.aggregate import aggregate
from tradewar.game import GameSettings, TariffGame, nash_bargain, nash_tariffs, optimal_tariffs


def world_and_instruments(full: bool) -> tuple[tw.World, list[str]]:
    """wiod2014-ree, or its 4-sector aggregate, and the sectors that carry tariffs."""
    world = tw.load_world("wiod2014-ree")
    goods = [f"C{k:02d}" for k in range(1, 23)]
    if full:
        return world, [*goods, "MAG", "REE"]
    tradable = {f"C{k}" for k in range(27, 46)}
    mapping = {c: "GDS" for c in [*goods, "MAG"]}
    mapping.update(
        {
            c: ("TSV" if c in tradable else "NSV")
            for c in world.sectors
            if c not in mapping and c != "REE"
        }
    )
    return aggregate(world, sectors=mapping, name="wiod2014-ree-s4"), ["GDS", "REE"]


def main(full: bool = False) -> pd.DataFrame:
    """Answer the three questions and print one table; return it."""
    world, instruments = world_and_instruments(full)
    game = TariffGame(world, "caliendo-parro", GameSettings(tol_pct=0.1), sectors=instruments)
    ban = tw.ExportControl(exporter="CHN", importer="USA", sectors="REE", ban=True)
    with_ban = TariffGame(
        world, "caliendo-parro", GameSettings(), sectors=instruments, controls=[ban]
    )
    usa, chn = world.country_index("USA"), world.country_index("CHN")

    optimal = optimal_tariffs(game, "USA", ["CHN"])
    war = nash_tariffs(game, ["USA", "CHN"], against="players")
    deal = nash_bargain(game, "USA", "CHN", war.tariffs)
    threat_with_ban = with_ban.payoffs(war.tariffs)[0]
    deal_ban = nash_bargain(game, "USA", "CHN", war.tariffs, threat_payoff=threat_with_ban)

    rows = []
    for label, result, welfare in [
        ("US optimal tariff (no retaliation)", optimal, optimal.welfare_hat),
        ("Bilateral Nash (trade war)", war, war.welfare_hat),
        ("Trade war + China's rare-earth ban", war, threat_with_ban),
        ("Nash bargain, threat = war", deal, deal.welfare_hat),
        ("Nash bargain, threat = war + ban", deal_ban, deal_ban.welfare_hat),
    ]:
        tariffs = result.tariff_table().set_index(["importer", "exporter", "sector"]).tariff_pct
        row = {
            "case": label,
            "US welfare %": 100 * (welfare[usa] - 1),
            "China welfare %": 100 * (welfare[chn] - 1),
        }
        for sector in instruments:
            for a, b in (("USA", "CHN"), ("CHN", "USA")):
                key = (a, b, sector)
                row[f"{a} on {b} {sector} %"] = tariffs.get(key, float("nan"))
        rows.append(row)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    return table


if __name__ == "__main__":
    main(full="--full" in sys.argv)
