"""No silent wrong answers: every layer above the solver fails loudly and says why."""

import json
from dataclasses import replace

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
    ControlArrays,
    GameSettings,
    TariffGame,
    nash_tariffs,
    optimal_tariffs,
)
from tradewar.game.objectives import objective_values
from tradewar.model.calibrate import BaselineShares, world_from_shares
from tradewar.model.economy import Shock
from tradewar.model.implicit import DENSE_LIMIT, adjoint_solve, equilibrium_conditions
from tradewar.model.outcomes import compute_outcome
from tradewar.model.solver import SolverOptions, _solve_jit, solve_arrays

runner = CliRunner()


def balanced(world: World) -> World:
    """``world`` re-solved with zero deficits, as a world package (exactly balanced)."""
    shares = BaselineShares.of(world, economy_from_world(world))
    out, _ = world_from_shares(
        replace(shares, deficit=np.zeros(world.n_countries)),
        name=f"{world.name}-balanced",
        options=SolverOptions(tol=1e-13),
    )
    return out


@pytest.fixture(scope="module")
def tiny_balanced(tiny):
    return balanced(tiny)


# ---------------------------------------------------------------- 1. deficits = "zero"
@pytest.mark.parametrize("model", ["armington", "caliendo-parro", "ces-network", "ossa"])
def test_zero_deficits_equal_keep_on_a_balanced_world(tiny_balanced, model):
    world = tiny_balanced
    econ = economy_from_world(world, model)
    assert np.max(np.abs(np.asarray(econ.deficit))) < 1e-9 * float(econ.va.sum())
    policies = [
        tw.Tariff(importer="HOM", exporter="FOR", add_pct=50),
        tw.Tariff(importer="FOR", exporter="*", sectors="MAN", add_pct=20),
    ]
    ces = {"critical": ["AGR"], "sigma_top": 0.3, "sigma_materials": 2.0}
    kwargs = {"ces": ces} if model == "ces-network" else {}
    options = SolverOptions(tol=1e-13)
    keep = tw.solve(world, policies, model=model, deficits="keep", options=options, **kwargs)
    zero = tw.solve(world, policies, model=model, deficits="zero", options=options, **kwargs)
    a, b = keep.country_table(), zero.country_table()
    pct = [c for c in a.columns if c.endswith("_pct")]
    np.testing.assert_allclose(b[pct].to_numpy(), a[pct].to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(b.tariff_revenue.to_numpy(), a.tariff_revenue.to_numpy(), rtol=1e-10)


def test_zero_deficits_keep_the_model_features(tiny):
    """On an unbalanced world, zero deficits keep profits (ossa) and CES nests (ces-network)."""
    from tradewar.model.calibrate import rebalanced

    econ = economy_from_world(tiny, "ossa")
    after = rebalanced(econ, jnp.zeros_like(econ.va))
    assert after.profit_share is not None
    np.testing.assert_allclose(after.profit_share, econ.profit_share)
    np.testing.assert_allclose(np.asarray(after.deficit), 0.0, atol=1e-12)
    # A CES world rebalanced is an equilibrium of the CES model: solving it again moves nothing.
    from tradewar.engine.ces_network import ces_params
    from tradewar.policy.scenario import CESSettings

    econ = economy_from_world(tiny)._replace(
        ces=ces_params(tiny, CESSettings(critical=["AGR"], sigma_top=0.3, sigma_materials=2.0))
    )
    after = rebalanced(econ, jnp.zeros_like(econ.va))
    assert after.ces is not None
    shock = Shock(tau=after.tau, cost_hat=jnp.ones_like(after.tau), deficit=after.deficit)
    sol = solve_arrays(after, shock)
    np.testing.assert_allclose(np.asarray(sol.w_hat), 1.0, atol=1e-10)


# ---------------------------------------------------------------- 2. games and equilibria
def test_a_game_whose_equilibria_fail_is_not_converged(tiny):
    game = TariffGame(
        tiny,
        "caliendo-parro",
        GameSettings(deficits="keep"),
        options=SolverOptions(tol=1e-12, max_iterations=2),
    )
    result = optimal_tariffs(game, "HOM", strict=False)
    assert not result.converged
    assert "equilibrium was not found" in result.reason
    with pytest.raises(tw.ConvergenceError, match="equilibrium was not found"):
        optimal_tariffs(game, "HOM")


def test_a_best_response_on_its_upper_bound_is_not_converged(tiny):
    game = TariffGame(tiny, "caliendo-parro", GameSettings(upper_pct=1.0))
    result = optimal_tariffs(game, "HOM", strict=False)
    assert not result.converged
    assert "upper bound (1%)" in result.reason
    assert result.extra["optimizer"]["at_upper"] > 0


def test_untrusted_payoffs_and_residuals_are_named(tiny):
    game = TariffGame(tiny, "caliendo-parro")
    assert game.untrusted(1e-14, np.array([1.0])) == ""
    assert "not found" in game.untrusted(float("nan"))
    assert "domain" in game.untrusted(float("inf"))
    assert "not finite" in game.untrusted(0.0, np.array([np.nan]))


def test_best_response_payoff_is_the_payoff_not_its_thousandth_power(tiny):
    game = TariffGame(tiny, "caliendo-parro")
    result = optimal_tariffs(game, "HOM")
    assert result.extra["optimizer"]["payoff"] == pytest.approx(result.welfare_hat[0], rel=1e-9)


def test_nash_reports_the_gap_and_converges_only_below_it(tiny):
    game = TariffGame(tiny, "caliendo-parro", GameSettings(tol_pct=0.01))
    result = nash_tariffs(game)
    gaps = result.extra["nash_gap_pct"]
    assert set(gaps) == set(tiny.countries)
    assert result.converged and max(gaps.values()) < game.settings.gap_tol_pct
    # An impossibly tight gap tolerance cannot be met: the result says so.
    strict = TariffGame(
        tiny, "caliendo-parro", GameSettings(tol_pct=0.01, gap_tol_pct=1e-30, max_rounds=6)
    )
    failed = nash_tariffs(strict, strict=False)
    assert not failed.converged
    assert "can still gain" in failed.reason


def test_cli_game_failure_prints_valid_json_and_exits_1():
    res = runner.invoke(app, ["optimal", "tiny", "--country", "HOM", "--upper-pct", "1", "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["converged"] is False and "upper bound" in data["reason"]
    assert "upper bound" in res.stderr


def test_a_failed_final_equilibrium_gives_null_payoffs_in_strict_json(tiny):
    from tradewar.jsonsafe import dumps

    game = TariffGame(
        tiny,
        "caliendo-parro",
        GameSettings(deficits="keep"),
        options=SolverOptions(tol=1e-12, max_iterations=2),
    )
    start = game.base_tau + 0.5 * (1.0 - np.eye(3))[:, :, None]
    result = optimal_tariffs(game, "HOM", tau=start, strict=False)
    assert not result.converged and "at the final tariffs" in result.reason
    assert np.all(np.isnan(result.welfare_hat))
    with pytest.raises(ValueError, match="Out of range float"):
        json.dumps(result.to_json(), allow_nan=False)
    data = json.loads(dumps(result.to_json()))
    assert all(c["welfare_pct"] is None for c in data["countries"])
    assert data["converged"] is False


def test_cli_nash_ces_network_needs_nests_and_uses_them(tmp_path):
    res = runner.invoke(app, ["nash", "tiny", "--model", "ces-network", "--json"])
    assert res.exit_code == 2 and "--ces" in res.stderr
    nests = tmp_path / "nests.toml"
    nests.write_text('[ces]\ncritical = ["AGR"]\nsigma_top = { "*" = 1.0, MAN = 0.2 }\n')
    bad = tmp_path / "bad.toml"
    bad.write_text('[ces]\ncritical = ["XYZ"]\n')
    res = runner.invoke(
        app, ["optimal", "tiny", "--country", "HOM", "--model", "ces-network", "--ces", str(bad)]
    )
    assert res.exit_code == 2 and "XYZ" in res.stderr
    res = runner.invoke(
        app,
        [
            "optimal",
            "tiny",
            "--country",
            "HOM",
            "--model",
            "ces-network",
            "--ces",
            str(nests),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    ces_welfare = json.loads(res.stdout)["countries"][0]["welfare_pct"]
    res = runner.invoke(app, ["optimal", "tiny", "--country", "HOM", "--json"])
    cd_welfare = json.loads(res.stdout)["countries"][0]["welfare_pct"]
    assert abs(ces_welfare - cd_welfare) > 1e-4  # the nests matter: not Cobb-Douglas


def test_environment_ban_is_checked_for_feasibility(tiny):
    econ = economy_from_world(tiny)
    export_tax = np.zeros(np.asarray(econ.tau).shape)
    is_open = np.ones_like(export_tax)
    is_open[0, :, 1] = 0.0  # HOM can buy MAN from nobody, itself included
    is_open[0, 0, 1] = 0.0
    with pytest.raises(tw.ScenarioError, match="infeasible ban: HOM buys sector MAN"):
        TariffGame(tiny, "caliendo-parro", controls=ControlArrays(export_tax, is_open))


def test_a_good_with_no_supplier_is_not_finite_rather_than_free(tiny):
    econ = economy_from_world(tiny)
    is_open = np.ones(np.asarray(econ.tau).shape)
    is_open[0, :, 1] = 0.0
    shock = Shock(
        tau=econ.tau,
        cost_hat=jnp.ones_like(econ.tau),
        deficit=econ.deficit,
        export_tax=jnp.zeros_like(econ.tau),
        open=jnp.asarray(is_open),
    )
    with jax.debug_nans(False), np.errstate(all="ignore"):
        sol = solve_arrays(econ, shock)
        outcome = compute_outcome(econ, shock, sol, 1e-10)
    assert outcome.status == "not finite" and not outcome.converged


# ---------------------------------------------------------------- 3. gradients
def _payoff_fn(econ, options):
    def payoff(tau):
        welfare, _, _, _ = objective_values(econ, tau, None, options)
        return welfare[0] - 0.5 * welfare[1]

    return payoff


def _check_against_fd(payoff, tau0, cells, rel):
    grad = np.asarray(jax.grad(payoff)(tau0))
    for n, i, j in cells:
        h = 1e-4
        e = np.zeros(tau0.shape)
        e[n, i, j] = h
        fd = (float(payoff(tau0 + e)) - float(payoff(tau0 - e))) / (2 * h)
        assert grad[n, i, j] == pytest.approx(fd, rel=rel, abs=1e-11), (n, i, j)
    return grad


def test_gmres_adjoint_matches_finite_differences_on_a_small_world(tiny):
    econ = economy_from_world(tiny)
    tau0 = econ.tau + 0.1 * (1.0 - jnp.eye(3))[:, :, None]
    gmres = SolverOptions(tol=1e-13, inner_tol=1e-15, linear_solver="gmres")
    dense = SolverOptions(tol=1e-13, inner_tol=1e-15, linear_solver="dense")
    g1 = _check_against_fd(_payoff_fn(econ, gmres), tau0, [(0, 1, 0), (0, 1, 1), (1, 0, 1)], 1e-6)
    g2 = np.asarray(jax.grad(_payoff_fn(econ, dense))(tau0))
    np.testing.assert_allclose(g1, g2, rtol=1e-8, atol=1e-12)


def test_an_adjoint_solve_that_misses_its_tolerance_gives_nan_and_fails_the_search(tiny):
    econ = economy_from_world(tiny)
    z = jnp.concatenate([jnp.zeros(3 + econ.alpha.size), jnp.ones(econ.alpha.size)])
    shock = Shock(tau=econ.tau * 1.5 + 0.05, cost_hat=jnp.ones_like(econ.tau), deficit=econ.deficit)
    g = jnp.linspace(1.0, 2.0, z.size)
    starved = SolverOptions(linear_solver="gmres", linear_maxiter=1, linear_tol=1e-14)
    with jax.debug_nans(False):
        x = adjoint_solve(lambda v: equilibrium_conditions(econ, shock, v), z, g, starved)
        assert np.all(np.isnan(np.asarray(x)))
        game = TariffGame(
            tiny,
            "caliendo-parro",
            options=SolverOptions(
                tol=1e-12, linear_solver="gmres", linear_maxiter=1, linear_tol=1e-14
            ),
        )
        result = optimal_tariffs(game, "HOM", strict=False)
    assert not result.converged
    assert "adjoint linear solve missed its tolerance" in result.reason


@pytest.mark.slow
def test_large_world_gradients_match_finite_differences(cp2015):
    econ = economy_from_world(cp2015)
    dim = econ.va.size + 2 * econ.alpha.size
    assert dim > DENSE_LIMIT  # "auto" takes the GMRES path here
    tau0 = econ.tau
    auto = SolverOptions(tol=1e-13, inner_tol=1e-15)
    payoff = _payoff_fn(econ, auto)
    usa, mex = cp2015.countries.index("USA"), cp2015.countries.index("MEX")
    grad = np.asarray(jax.grad(payoff)(tau0))
    top = np.argsort(-np.abs(grad[usa]).ravel())[:3]
    cells = [(usa, *np.unravel_index(k, grad[usa].shape)) for k in top]
    cells.append((mex, usa, int(np.argmax(np.abs(grad[mex, usa])))))
    _check_against_fd(payoff, tau0, cells, 1e-6)
    # Against the dense adjoint, which finite differences confirm on small worlds: far tighter.
    dense = SolverOptions(tol=1e-13, inner_tol=1e-15, linear_solver="dense")
    reference = np.asarray(jax.grad(_payoff_fn(econ, dense))(tau0))
    scale = np.max(np.abs(reference))
    assert np.max(np.abs(grad - reference)) < 1e-8 * scale


# ---------------------------------------------------------------- 4. solver options
def test_changing_a_tolerance_does_not_recompile(tiny):
    econ = economy_from_world(tiny)
    shock = Shock(tau=econ.tau + 0.1, cost_hat=jnp.ones_like(econ.tau), deficit=econ.deficit)
    solve_arrays(econ, shock, SolverOptions(tol=1e-10))
    before = _solve_jit._cache_size()
    for k in range(5):
        solve_arrays(econ, shock, SolverOptions(tol=10.0 ** -(9 + k % 3), max_iterations=300 + k))
    assert _solve_jit._cache_size() == before


def test_outcome_status_flags_a_shock_outside_the_domain(tiny):
    subsidy = tw.Tariff(importer="*", exporter="*", set_pct=-80)
    with jax.debug_nans(False), np.errstate(all="ignore"):
        result = tw.solve(tiny, [subsidy], strict=False)
    assert not result.converged
    assert result.steps[0].outcome.status in ("outside domain", "not finite", "not converged")
    with jax.debug_nans(False), np.errstate(all="ignore"), pytest.raises(tw.ConvergenceError):
        tw.solve(tiny, [subsidy])


def test_inner_loops_that_stop_short_make_the_solve_not_converged(tiny):
    econ = economy_from_world(tiny)
    shock = Shock(tau=econ.tau + 0.3, cost_hat=jnp.ones_like(econ.tau), deficit=econ.deficit)
    good = solve_arrays(econ, shock)
    assert compute_outcome(econ, shock, good, 1e-10).converged
    short = solve_arrays(econ, shock, SolverOptions(max_inner=1, max_iterations=50))
    outcome = compute_outcome(econ, shock, short, 1e-10)
    assert not outcome.converged and outcome.max_residual > 1e-10


def test_a_nan_residual_is_not_blamed_on_max_iterations():
    message = str(tw.ConvergenceError(3, float("nan"), 1e-10))
    assert "not finite" in message and "max_iterations" not in message
    assert "max_iterations" in str(tw.ConvergenceError(3, 1e-3, 1e-10))


def test_cooperation_and_bargains_whose_equilibria_fail_are_not_converged(tiny):
    from tradewar.game import cooperative_tariffs, nash_bargain

    game = TariffGame(
        tiny,
        "caliendo-parro",
        GameSettings(deficits="keep"),
        options=SolverOptions(tol=1e-12, max_iterations=2),
    )
    with jax.debug_nans(False):  # a failed solve may well be NaN: that is what is tested
        coop = cooperative_tariffs(game, ["HOM", "FOR"], strict=False)
    assert not coop.converged and "equilibrium was not found" in coop.reason
    threat = game.base_tau + 0.5 * (1.0 - np.eye(3))[:, :, None]
    with jax.debug_nans(False):
        deal = nash_bargain(game, "HOM", "FOR", threat, threat_payoff=np.full(3, 0.9), strict=False)
    assert not deal.converged and "equilibrium was not found" in deal.reason
    # A starting point that cannot be evaluated raises, naming the reason.
    with pytest.raises(tw.ConvergenceError, match="equilibrium was not found"):
        cooperative_tariffs(game, ["HOM", "FOR"], tau=threat, strict=False)


def test_the_cli_and_the_api_share_one_nash_tolerance():
    from tradewar.cli import games
    from tradewar.game import GameSettings

    assert GameSettings().tol_pct == games._DEFAULT_TOL_PCT


def test_run_json_with_a_non_finite_solution_is_valid_json_and_exits_1(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "subsidies"\nworld = "tiny"\n[[policy]]\nkind = "tariff"\nimporter = "*"\n'
        'exporter = "*"\nset_pct = -80\n'
    )
    with jax.debug_nans(False), np.errstate(all="ignore"):
        res = runner.invoke(app, ["run", str(path), "--json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["converged"] is False
    assert data["steps"][0]["status"] != "converged"
