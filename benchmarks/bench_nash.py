"""Time of Ossa's (2014) Nash tariffs: 7 players x 198 tariffs, political objective.

Run: ``python benchmarks/bench_nash.py``. Prints the wall time, rounds, payoff evaluations and
the average median tariff. For scale, Ossa's package needed about 4 days for its full run.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

from __future__ import annotations

import time

import tradewar as tw
from tradewar.game import GameSettings, TariffGame, nash_tariffs


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="The tiny world, for CI.")
    if parser.parse_args().smoke:
        game = TariffGame(tw.load_world("tiny"), "caliendo-parro", GameSettings(tol_pct=0.5))
        result = nash_tariffs(game, players=["HOM", "FOR"], against="players")
        print(f"tiny Nash: {result.to_json()['rounds']} rounds, converged {result.converged}")
        print("ok")
        return
    world = tw.load_world("ossa2014")
    for objective in ("political", "welfare"):
        start = time.perf_counter()
        game = TariffGame(
            world, "ossa", GameSettings(objective=objective, tol_pct=0.5, allow_binding_bounds=True)
        )
        result = nash_tariffs(game)
        elapsed = time.perf_counter() - start
        data = result.to_json()
        print(
            f"Nash ({objective:9s}): {elapsed:6.1f} s, {data['rounds']} rounds, "
            f"{result.evaluations} payoff+gradient evaluations, average median tariff "
            f"{data['average']['median_tariff_pct']:.1f}%, converged {data['converged']}"
        )
    print("ok")


if __name__ == "__main__":
    main()
