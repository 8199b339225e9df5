"""Strategy layer: implicit gradients, game-theory sanity checks, CLI contracts and errors."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.data.world import World
from tradewar.engine import economy_from_world
from tradewar.game import (
    GameSettings,
    TariffGame,
    cooperative_tariffs,
    nash_bargain,
    nash_tariffs,
    optimal_tariffs,
)
from tradewar.game.objectives import objective_values
from tradewar.model.solver import SolverOptions

runner = CliRunner()


def symmetric_world() -> World:
    flows = np.zeros((2, 2, 2))
    flows[:, :, 0] = [[80.0, 20.0], [20.0, 80.0]]
    flows[:, :, 1] = [[60.0, 30.0], [30.0, 60.0]]
    return World(
        name="symmetric",
        countries=("AAA", "BBB"),
        country_names=("A", "B"),
        sectors=("G1", "G2"),
        sector_names=("Goods 1", "Goods 2"),
        theta=np.array([4.0, 6.0]),
        tradable=np.array([True, True]),
        flows=flows,
        tariffs=np.zeros_like(flows),
        value_added=flows.sum(axis=0),
        intermediates=np.zeros((2, 2, 2)),
        final_demand=flows.sum(axis=1),
        meta={"unit": "USD"},
    )


@pytest.mark.parametrize(
    ("world_name", "model"), [("tiny", "caliendo-parro"), ("ossa2014", "ossa")]
)
def test_implicit_gradients_match_finite_differences(world_name, model):
    world = tw.load_world(world_name)
    econ = economy_from_world(world, model)
    options = SolverOptions(tol=1e-13, inner_tol=1e-15)
    weights = None if world.political_weights is None else jnp.asarray(world.political_weights)
    tau0 = econ.tau + 0.1 * (1.0 - jnp.eye(world.n_countries))[:, :, None]

    def payoff(tau):
        welfare, gov, _, _ = objective_values(econ, tau, weights, options)
        return welfare[0] + 2.0 * gov[1]

    grad = np.asarray(jax.grad(payoff)(tau0))
    # The three tariffs that matter most (finite differences of negligible ones are noise).
    top = np.argsort(-np.abs(grad).ravel())[:3]
    for n, i, j in zip(*np.unravel_index(top, grad.shape), strict=True):
        h = 1e-4
        e = np.zeros(tau0.shape)
        e[n, i, j] = h
        fd = (float(payoff(tau0 + e)) - float(payoff(tau0 - e))) / (2 * h)
        assert grad[n, i, j] == pytest.approx(fd, rel=1e-6, abs=1e-12)


def test_symmetric_two_country_nash_is_symmetric_and_positive_and_cooperation_is_free_trade():
    game = TariffGame(symmetric_world(), "armington", GameSettings(tol_pct=0.01))
    nash = nash_tariffs(game)
    a = nash.tariffs[0, 1]
    b = nash.tariffs[1, 0]
    assert nash.converged
    assert np.all(a > 0.05)
    np.testing.assert_allclose(a, b, atol=1e-4)
    coop = cooperative_tariffs(game, equal_gains=True)
    np.testing.assert_allclose(coop.tariffs[0, 1], 0.0, atol=1e-4)
    np.testing.assert_allclose(coop.tariffs[1, 0], 0.0, atol=1e-4)
    assert coop.welfare_hat[0] == pytest.approx(coop.welfare_hat[1], abs=1e-8)
    # Every player loses in the trade war relative to free trade.
    assert np.all(nash.welfare_hat < 1.0)


def test_optimal_tariff_beats_its_neighbours():
    game = TariffGame(symmetric_world(), "armington")
    result = optimal_tariffs(game, "AAA")
    best = result.welfare_hat[0]
    for delta in (-0.02, 0.02):
        tau = result.tariffs.copy()
        tau[0, 1, :] += delta
        assert game.payoffs(tau)[0][0] < best


def test_bargain_improves_on_the_threat_for_both():
    game = TariffGame(symmetric_world(), "armington")
    threat = nash_tariffs(game).tariffs
    deal = nash_bargain(game, "AAA", "BBB", threat)
    threat_welfare = game.payoffs(threat)[0]
    assert np.all(deal.welfare_hat > threat_welfare)


def test_ban_in_the_threat_point_moves_the_bargain():
    world = tw.load_world("wiod2014-s3")
    plain = TariffGame(world, "caliendo-parro")
    ban = tw.ExportControl(exporter="CHN", importer="USA", sectors="S1", ban=True)
    hurt = TariffGame(world, "caliendo-parro", controls=[ban])
    threat = plain.base_tau.copy()
    usa, chn = world.country_index("USA"), world.country_index("CHN")
    threat[usa, chn] += 0.5
    threat[chn, usa] += 0.5
    threat_plain = plain.payoffs(threat)[0]
    threat_hurt = hurt.payoffs(threat)[0]
    assert threat_hurt[usa] < threat_plain[usa]
    deal_plain = nash_bargain(plain, "USA", "CHN", threat)
    deal_hurt = nash_bargain(plain, "USA", "CHN", threat, threat_payoff=threat_hurt)
    # A worse US outside option shifts the deal towards China.
    assert deal_hurt.welfare_hat[chn] > deal_plain.welfare_hat[chn]


def test_nash_json_contract():
    res = runner.invoke(
        app, ["nash", "tiny", "--players", "HOM,FOR", "--against", "players", "--json"]
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    for key in (
        "world",
        "model",
        "objective",
        "converged",
        "rounds",
        "max_tariff_change_pct",
        "countries",
        "average",
        "tariffs",
    ):
        assert key in data
    row = next(c for c in data["countries"] if c["country"] == "HOM")
    for key in ("median_tariff_pct", "mean_tariff_pct", "welfare_pct", "gov_welfare_pct"):
        assert key in row
    assert set(data["average"]) == {"median_tariff_pct", "welfare_pct", "gov_welfare_pct"}
    assert {t["importer"] for t in data["tariffs"]} == {"HOM", "FOR"}
    assert data["converged"] is True
    # The values are the library's: the same game solved through the Python API.
    from tradewar.game.build import build_game

    world = tw.load_world("tiny")
    result = nash_tariffs(build_game(world), ["HOM", "FOR"], against="players")
    table = result.country_table()
    assert data["rounds"] == result.rounds
    for row in data["countries"]:
        for key in ("median_tariff_pct", "mean_tariff_pct", "welfare_pct", "gov_welfare_pct"):
            expected = table.loc[row["country"], key]
            if row[key] is None:  # JSON has no NaN: a country that sets no tariff has no median
                assert np.isnan(expected), (row["country"], key)
            else:
                assert row[key] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    for t in data["tariffs"]:
        n, i = world.country_index(t["importer"]), world.country_index(t["exporter"])
        k = world.sectors.index(t["sector"])
        assert t["tariff_pct"] == pytest.approx(100 * result.tariffs[n, i, k], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["optimal", "tiny", "--country", "HOM", "--lower-pct", "50", "--upper-pct", "10"],
            "bounds reversed",
        ),
        (["optimal", "tiny", "--country", "USA"], "unknown country 'USA'"),
        (["nash", "tiny", "--players", "HOM,MARS"], "unknown country 'MARS'"),
        (["nash", "tiny", "--objective", "glory"], "unknown objective 'glory'"),
        (["nash", "tiny", "--objective", "political"], "no political_weights.csv"),
        (["bargain", "tiny", "--countries", "HOM"], "give exactly two countries"),
    ],
)
def test_game_bad_input_exits_2(args, message):
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 2, res.output
    assert message in res.stderr


def test_game_on_a_one_country_world_exits_2(tmp_path):
    d = tmp_path / "one"
    d.mkdir()
    (d / "countries.csv").write_text("country,name\nAAA,A\n")
    (d / "sectors.csv").write_text("sector,name,theta,tradable\nG,Goods,5,true\n")
    (d / "flows.csv").write_text("exporter,importer,sector,value\nAAA,AAA,G,10\n")
    res = runner.invoke(app, ["nash", str(d), "--json"])
    assert res.exit_code == 2
    assert "needs at least two countries" in res.stderr


def test_nash_non_convergence_exits_1_with_the_last_change():
    res = runner.invoke(app, ["nash", "tiny", "--max-rounds", "1", "--tol-pct", "1e-9", "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["converged"] is False
    assert "tariffs still moving" in res.stderr


def test_games_run_on_the_ces_network_model():
    world = tw.load_world("tiny")
    ces = {"critical": ["AGR"], "sigma_top": {"*": 1.0, "MAN": 0.2}}
    game = TariffGame(world, "ces-network", ces=ces)
    result = optimal_tariffs(game, "HOM", ["FOR"])
    assert result.converged and result.welfare_hat[0] > 1.0
    econ = game.econ
    options = SolverOptions(tol=1e-13, inner_tol=1e-15)

    def payoff(tau):
        return objective_values(econ, tau, None, options)[0][0]

    tau0 = econ.tau + 0.2 * (1.0 - jnp.eye(3))[:, :, None]
    grad = np.asarray(jax.grad(payoff)(tau0))
    # This payoff is curved: a step of 1e-4 would carry a truncation error of about 1e-6.
    h, e = 3e-5, np.zeros(tau0.shape)
    e[0, 1, 1] = h
    fd = (float(payoff(tau0 + e)) - float(payoff(tau0 - e))) / (2 * h)
    assert grad[0, 1, 1] == pytest.approx(fd, rel=1e-6)


def test_player_tariffs_by_code_and_a_typed_error_for_others(tiny):
    game = tw.TariffGame(tiny, "armington")
    result = tw.optimal_tariffs(game, "HOM")
    by_code = result.player_tariffs("HOM")
    assert np.array_equal(by_code, result.player_tariffs(tiny.countries.index("HOM")))
    with pytest.raises(tw.ScenarioError) as err:
        result.player_tariffs("FOR")
    assert err.value.key == "player" and "players: HOM" in str(err.value)


def test_game_country_table_is_float_with_nan_for_non_players(tiny):
    result = tw.optimal_tariffs(tw.TariffGame(tiny, "armington"), "HOM")
    table = result.country_table()
    assert all(str(t) == "float64" for t in table.dtypes)
    assert np.isnan(table.loc["FOR", "median_tariff_pct"])
    assert result.to_json()["countries"][1]["median_tariff_pct"] is None  # JSON null


def test_best_of_several_searches_prefers_a_converged_one_among_equal_values():
    from tradewar.game.optimize import BoundedSearch
    from tradewar.game.solvers import _best_search

    def search(value, stationary):
        x, g = np.array([0.3]), np.array([0.0 if stationary else 1e-3])
        return BoundedSearch(x, value, g, stationary, stationary, "", 1)

    converged = search(8.0666392847643, True)
    abnormal = search(8.0666392847622, False)  # lower only in the last digits
    assert _best_search([converged, abnormal]) is converged
    better = search(7.9, False)  # really lower: returned, and reported not converged
    assert _best_search([converged, better]) is better
    assert _best_search([]) is None


def test_bounded_minimize_scales_and_reports_in_the_callers_units():
    from tradewar.game.optimize import Stopping, bounded_minimize, projected_stationary

    def fun(t):  # minimum at t = (0.2, 1.5); the second is beyond the bound 1.0
        return float(np.sum((t - [0.2, 1.5]) ** 2)), 2.0 * (t - [0.2, 1.5])

    res = bounded_minimize(
        fun,
        np.array([0.5, 0.5]),
        0.0,
        1.0,
        scale=np.array([10.0, 0.1]),
        objective_scale=1e3,
        stop=Stopping(ftol=1e-15, gtol=1e-12, maxiter=200),
    )
    np.testing.assert_allclose(res.x, [0.2, 1.0], atol=1e-8)
    np.testing.assert_allclose(res.grad, [0.0, -1.0], atol=1e-6)
    assert res.value == pytest.approx(0.25) and res.stationary
    assert not projected_stationary(np.array([0.5]), np.array([1.0]), 0.0, 1.0)
