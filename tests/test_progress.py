"""Progress callbacks: called once per step or round, in order, ending at 1."""

import datetime as dt

import tradewar as tw
from tradewar.game import GameSettings, TariffGame, nash_tariffs
from tradewar.progress import report


def test_run_scenario_reports_each_step(tiny):
    scenario = tw.parse_scenario(
        {
            "name": "three steps",
            "world": "tiny",
            "step": [
                {
                    "date": dt.date(2025, 1, k + 1),
                    "label": f"s{k}",
                    "policy": [
                        {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 5}
                    ],
                }
                for k in range(3)
            ],
        }
    )
    calls = []
    tw.run_scenario(scenario, world=tiny, progress=lambda f, m: calls.append((f, m)))
    assert [f for f, _ in calls] == [1 / 3, 2 / 3, 1.0]
    assert calls[-1][1] == "step 3 of 3: s2"


def test_nash_reports_each_round(tiny):
    game = TariffGame(tiny, "armington", GameSettings(max_rounds=20))
    calls = []
    result = nash_tariffs(game, progress=lambda f, m: calls.append((f, m)))
    assert len(calls) == result.rounds
    assert [f for f, _ in calls] == [k / 20 for k in range(1, result.rounds + 1)]
    assert calls[0][1].startswith("round 1: largest tariff change")


def test_report_clips_and_ignores_none():
    calls = []
    report(lambda f, m: calls.append(f), 1.7, "x")
    report(lambda f, m: calls.append(f), -2, "x")
    report(None, 0.5, "nothing happens")
    assert calls == [1.0, 0.0]
