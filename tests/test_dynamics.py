"""Negotiation dynamics: known answers, determinism, the bundled config, bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.dynamics import Action, parse_negotiation, simulate
from tradewar.game import GameSettings, TariffGame, nash_tariffs
from tradewar.report.negotiation import timeline_figure

SCENARIOS = Path(__file__).parents[1] / "scenarios"
runner = CliRunner()


def config(players, rounds=12, **extra):
    return parse_negotiation(
        {
            "name": "test",
            "world": "tiny",
            "sectors": ["AGR", "MAN"],
            "calendar": {"start": "2025-01-06", "rounds": rounds},
            "player": players,
            **extra,
        }
    )


def test_tit_for_tat_against_tit_for_tat_stays_cooperative():
    tft = {"strategy": "tit_for_tat", "params": {"initial_pct": 0}}
    result = simulate(config([{"country": "HOM", **tft}, {"country": "FOR", **tft}]))
    levels = [s["policies"][c]["tariff_level_pct"] for s in result.steps for c in ("HOM", "FOR")]
    assert max(abs(v) for v in levels) == 0.0
    assert "converged" not in result.outcome  # a negotiation that returns solved every round


def test_a_round_whose_equilibrium_is_not_found_stops_the_negotiation(monkeypatch):
    import importlib

    from tradewar.errors import ConvergenceError
    from tradewar.model.solver import SolverOptions

    simulation = importlib.import_module("tradewar.dynamics.simulate")
    monkeypatch.setattr(simulation, "SolverOptions", lambda: SolverOptions(max_iterations=1))
    escalate = {"strategy": "tit_for_tat", "params": {"initial_pct": 10}}
    with pytest.raises(ConvergenceError, match=r"did not converge|not converged|iterations"):
        simulate(config([{"country": "HOM", **escalate}, {"country": "FOR", **escalate}]))


def test_tit_for_tat_follows_an_escalation():
    result = simulate(
        config(
            [
                {"country": "HOM", "strategy": "tit_for_tat", "params": {"initial_pct": 0}},
                {
                    "country": "FOR",
                    "strategy": "escalation_ladder",
                    "params": {"initial_pct": 10, "rungs": [10, 20, 30]},
                },
            ],
            rounds=6,
        )
    )
    hom = [s["policies"]["HOM"]["tariff_level_pct"] for s in result.steps]
    fr = [s["policies"]["FOR"]["tariff_level_pct"] for s in result.steps]
    for r in range(1, 5):
        assert hom[r + 1] == pytest.approx(fr[r])


def test_escalation_ladder_climbs_while_the_other_side_keeps_tariffs():
    result = simulate(
        config(
            [
                {"country": "HOM", "strategy": "hold", "params": {"level_pct": 10}},
                {
                    "country": "FOR",
                    "strategy": "escalation_ladder",
                    "params": {"initial_pct": 10, "rungs": [10, 20, 30]},
                },
            ],
            rounds=6,
        )
    )
    fr = [s["policies"]["FOR"]["tariff_level_pct"] for s in result.steps]
    assert fr[1] == pytest.approx(10.0) and fr[-1] == pytest.approx(30.0)


def test_myopic_best_responders_converge_to_static_nash():
    best = {"strategy": "best_response"}
    result = simulate(config([{"country": "HOM", **best}, {"country": "FOR", **best}], rounds=8))
    world = tw.load_world("tiny")
    game = TariffGame(world, "caliendo-parro", GameSettings(tol_pct=0.01), sectors=["AGR", "MAN"])
    nash = nash_tariffs(game, ["HOM", "FOR"], against="players")
    for code in ("HOM", "FOR"):
        rows, cols, secs = nash.instruments[code]
        weights = world.flows[rows, cols, secs]
        target = 100.0 * float(np.sum(nash.tariffs[rows, cols, secs] * weights) / weights.sum())
        assert result.steps[-1]["policies"][code]["avg_tariff_pct"] == pytest.approx(
            target, abs=0.2
        )


@pytest.fixture(scope="module")
def war_scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("war") / "war.toml"
    path.write_text("""
name = "war"
world = "tiny"
[[step]]
date = 2025-01-01
label = "war"
[[step.policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 80
[[step.policy]]
kind = "tariff"
importer = "FOR"
exporter = "HOM"
add_pct = 80
""")
    return path


def _concession_round(war_scenario, welfare_weight):
    result = simulate(
        config(
            [
                {
                    "country": "HOM",
                    "strategy": "concede_under_pressure",
                    "params": {"threshold": 2.0},
                    "pressure": {"welfare_weight": welfare_weight},
                },
                {"country": "FOR", "strategy": "hold"},
            ],
            rounds=30,
            start={"scenario": str(war_scenario), "step": "war"},
            deal_level_pct=0.0,
        )
    )
    return result.outcome["round"] if result.outcome["deal"] else 10**6


def test_more_pressure_concedes_no_later(war_scenario):
    rounds = [_concession_round(war_scenario, w) for w in (0.5, 1.0, 3.0)]
    assert rounds[0] >= rounds[1] >= rounds[2]
    assert rounds[2] < 10**6


def test_a_strategy_written_in_a_few_lines():
    class AlwaysFive:
        def act(self, view):
            return Action(level_pct=5.0)

        def accept(self, view, gain_pct):
            return gain_pct > 0

    cfg = config(
        [{"country": "HOM", "strategy": "hold"}, {"country": "FOR", "strategy": "hold"}], rounds=3
    )
    result = simulate(cfg, strategies={"HOM": AlwaysFive()})
    assert result.steps[-1]["policies"]["HOM"]["tariff_level_pct"] == pytest.approx(5.0)


@pytest.mark.slow
def test_bundled_negotiation_is_converged_and_deterministic():
    path = str(SCENARIOS / "us_china_2025_negotiation.toml")
    first = runner.invoke(app, ["negotiate", path, "--json", "--seed", "7"])
    second = runner.invoke(app, ["negotiate", path, "--json", "--seed", "7"])
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["outcome"]["deal"]
    assert len(data["steps"]) == 52
    step = data["steps"][0]
    assert {"date", "policies", "events", "countries"} <= set(step)


@pytest.mark.slow
def test_timeline_figure_is_readable(tmp_path):
    from tradewar.dynamics import load_negotiation

    result = simulate(load_negotiation(SCENARIOS / "us_china_2025_negotiation_summit.toml"))
    fig = timeline_figure(result)
    top, bottom = fig.axes
    assert top.get_ylabel() and bottom.get_ylabel() and "Date" in bottom.get_xlabel()
    assert len(top.get_legend().get_texts()) == 2
    assert [t.get_text() for t in bottom.get_legend().get_texts()] == ["USA", "CHN"]
    offers = [e for s in result.steps for e in s["events"] if e["kind"] == "offer"]
    assert offers and offers[0]["country"] == "USA"


BAD = [
    ('strategy = "hold"', 'strategy = "chicken"', "unknown strategy 'chicken'"),
    ('country = "FOR"', 'country = "MARS"', "player 'MARS' is not in world 'tiny'"),
    ("date = 2025-03-01", "date = 2024-12-01", "events must be in date order"),
    ("welfare_weight = 1.0", "welfare_weight = -1.0", "player[0].pressure.welfare_weight"),
]
BASE = """
name = "bad"
world = "tiny"
[calendar]
start = 2025-01-06
rounds = 3
[[player]]
country = "HOM"
strategy = "concede_under_pressure"
[player.pressure]
welfare_weight = 1.0
[[player]]
country = "FOR"
strategy = "hold"
[[event]]
date = 2025-02-01
kind = "election"
country = "HOM"
[[event]]
date = 2025-03-01
kind = "deadline"
country = "FOR"
"""


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_negotiation_input_exits_2(tmp_path, old, new, message):
    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace(old, new))
    res = runner.invoke(app, ["negotiate", str(path), "--json"])
    assert res.exit_code == 2, res.output
    assert message in res.stderr


def test_look_ahead_against_a_copier_cooperates_and_against_a_holder_taxes():
    copy = simulate(
        config(
            [
                {
                    "country": "HOM",
                    "strategy": "look_ahead",
                    "params": {"reply": "copy", "discount": 5.0, "grid": [0, 10, 20, 40]},
                },
                {"country": "FOR", "strategy": "tit_for_tat", "params": {"initial_pct": 0}},
            ],
            rounds=4,
        )
    )
    hold = simulate(
        config(
            [
                {
                    "country": "HOM",
                    "strategy": "look_ahead",
                    "params": {"reply": "hold", "grid": [0, 10, 20, 40]},
                },
                {"country": "FOR", "strategy": "hold"},
            ],
            rounds=4,
        )
    )
    level_copy = copy.steps[-1]["policies"]["HOM"]["tariff_level_pct"]
    level_hold = hold.steps[-1]["policies"]["HOM"]["tariff_level_pct"]
    assert level_hold > 0  # a unilateral tariff pays when nobody answers
    assert level_copy <= level_hold  # anticipating retaliation restrains it


def test_pressure_stops_accumulating_after_a_deal(war_scenario):
    result = simulate(
        config(
            [
                {
                    "country": "HOM",
                    "strategy": "concede_under_pressure",
                    "params": {"threshold": 2.0},
                    "pressure": {"welfare_weight": 3.0},
                },
                {"country": "FOR", "strategy": "hold"},
            ],
            rounds=12,
            start={"scenario": str(war_scenario), "step": "war"},
            deal_level_pct=10.0,
        )
    )
    assert result.outcome["deal"]
    deal_round = result.outcome["round"]
    after = [s["pressure"]["HOM"] for s in result.steps[deal_round + 1 :]]
    assert after and len(set(after)) == 1
    assert result.steps[deal_round]["pressure"]["HOM"] > 0


def test_each_phase_of_a_round_can_be_run_alone():
    from tradewar.dynamics.simulate import Negotiation

    fixed = {"strategy": "tit_for_tat", "params": {"initial_pct": 10}}
    neg = Negotiation(config([{"country": "HOM", **fixed}, {"country": "FOR", **fixed}], rounds=2))
    hom, fr = neg.players
    date = neg.date_of(1)
    assert (date - neg.date_of(0)).days == neg.config.calendar.period_days
    # act: one move per player; proposed_tariffs applies each only to its own instruments
    welfare = {i: 0.0 for i in neg.players}
    actions = neg.act(0, neg.date_of(0), welfare)
    assert set(actions) == {hom, fr}
    moved = neg.proposed_tariffs({hom: Action(level_pct=10.0)})
    changed = moved != neg.tau
    assert changed.any() and not (changed & ~neg.masks[hom]).any()
    np.testing.assert_allclose(moved[neg.masks[hom]], neg.tau0[neg.masks[hom]] + 0.10)
    # resolve_offers: no offer leaves the tariffs and strikes no deal
    same, record = neg.resolve_offers(0, date, [], moved, welfare)
    assert same is moved and record is None and neg.deal is None
    # update_pressures: losses raise pressure; after a deal nothing moves
    neg.update_pressures(neg.solve(moved), date)
    before = dict(neg.pressure)
    neg.deal = {"round": 0, "date": date.isoformat(), "proposer": "HOM"}
    neg.update_pressures(neg.solve(moved), date)
    assert neg.pressure == before and neg.act(1, date, welfare) == {}
    # record appends one step and moves the state
    neg.record(0, date, neg.solve(neg.tau), moved, welfare, [])
    assert len(neg.steps) == 1 and neg.tau is moved
    assert neg.levels[hom][-1] == pytest.approx(10.0)
