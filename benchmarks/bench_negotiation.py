"""Time of a 52-round two-player negotiation on wiod2014-s3 (solves warm-started each round).

Run: ``python benchmarks/bench_negotiation.py``. Prints cold and warm times for rule-based
players (an escalation ladder against tit-for-tat) and for myopic best responders, and the time of
the bundled US-China negotiation on wiod2014-ree.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

from __future__ import annotations

import time
from pathlib import Path

from tradewar.dynamics import load_negotiation, parse_negotiation, simulate

ROOT = Path(__file__).resolve().parents[1]


def config(first: dict, second: dict, rounds: int = 52):
    return parse_negotiation(
        {
            "name": "bench",
            "world": "wiod2014-s3",
            "calendar": {"start": "2025-01-06", "rounds": rounds},
            "player": [{"country": "USA", **first}, {"country": "CHN", **second}],
        }
    )


def timed(cfg) -> tuple[float, float]:
    start = time.perf_counter()
    simulate(cfg)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    simulate(cfg)
    return cold, time.perf_counter() - start


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="Four rounds, for CI.")
    if parser.parse_args().smoke:
        ladder = {"strategy": "escalation_ladder", "params": {"initial_pct": 10, "rungs": [10]}}
        tit = {"strategy": "tit_for_tat", "params": {"initial_pct": 0}}
        cold, warm = timed(config(ladder, tit, rounds=4))
        print(f"4 rounds, ladder vs tit-for-tat (s3): cold {cold:.2f} s, warm {warm:.2f} s")
        print("ok")
        return
    cases = {
        "ladder vs tit-for-tat (s3)": config(
            {
                "strategy": "escalation_ladder",
                "params": {"initial_pct": 10, "rungs": [10, 20, 34, 84, 125]},
            },
            {"strategy": "tit_for_tat", "params": {"initial_pct": 0}},
        ),
        "best responders (s3)": config(
            {"strategy": "best_response"}, {"strategy": "best_response"}
        ),
        "bundled US-China (wiod2014-ree)": load_negotiation(
            ROOT / "scenarios" / "us_china_2025_negotiation.toml"
        ),
    }
    print(f"{'case':<34}{'cold s':>8}{'warm s':>8}")
    for name, cfg in cases.items():
        cold, warm = timed(cfg)
        print(f"{name:<34}{cold:>8.2f}{warm:>8.2f}")
    print("ok")


if __name__ == "__main__":
    main()
