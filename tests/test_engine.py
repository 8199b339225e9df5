"""Analytic identities of the engine: zero shock, ACR, equilibrium conditions, Walras' law."""

import numpy as np
import pytest

import tradewar as tw
from tradewar.data.world import World
from tradewar.engine import economy_from_world
from tradewar.model.economy import Shock
from tradewar.model.solver import equilibrium_residuals, solve_arrays


def one_sector_world(seed: int = 0, n: int = 5) -> World:
    rng = np.random.default_rng(seed)
    flows = rng.uniform(1.0, 10.0, size=(n, n, 1))
    flows[np.arange(n), np.arange(n), 0] += 60.0
    return World(
        name="gravity",
        countries=tuple(f"C{k}" for k in range(n)),
        country_names=tuple(f"Country {k}" for k in range(n)),
        sectors=("G",),
        sector_names=("Goods",),
        theta=np.array([5.0]),
        tradable=np.array([True]),
        flows=flows,
        tariffs=np.zeros_like(flows),
        value_added=flows.sum(axis=0),
        intermediates=np.zeros((n, 1, 1)),
        final_demand=flows.sum(axis=1),
        meta={"unit": "USD"},
    )


@pytest.mark.parametrize("model", ["armington", "caliendo-parro"])
def test_zero_shock_changes_nothing(tiny, model):
    result = tw.solve(tiny, [], model=model)
    table = result.country_table()
    assert result.converged
    np.testing.assert_allclose(table.welfare_pct, 0.0, atol=1e-8)
    np.testing.assert_allclose(table.real_wage_pct, 0.0, atol=1e-8)
    np.testing.assert_allclose(table.price_index_pct, 0.0, atol=1e-8)
    np.testing.assert_allclose(table.terms_of_trade_pct, 0.0, atol=1e-8)
    np.testing.assert_allclose(table.imports_pct, 0.0, atol=1e-8)
    np.testing.assert_allclose(table.tariff_revenue, table.tariff_revenue_before, rtol=1e-9)


def test_zero_shock_on_cp2015_keeps_the_baseline(cp2015):
    result = tw.solve(cp2015, [])
    np.testing.assert_allclose(result.steps[0].outcome.w_hat, 1.0, atol=1e-9)
    np.testing.assert_allclose(result.country_table().welfare_pct, 0.0, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_armington_matches_acr_formula(seed):
    world = one_sector_world(seed)
    rng = np.random.default_rng(100 + seed)
    shocks = [
        tw.TradeCost(importer=a, exporter=b, factor=float(rng.uniform(0.7, 1.5)))
        for a in world.countries
        for b in world.countries
        if a != b
    ]
    result = tw.solve(
        world, shocks, model="armington", deficits="zero", options=tw.SolverOptions(tol=1e-13)
    )
    o = result.steps[0].outcome
    n = np.arange(world.n_countries)
    own_before = o.flows_before[n, n, 0] / o.flows_before[:, :, 0].sum(axis=1)
    own_after = o.flows_after[n, n, 0] / o.flows_after[:, :, 0].sum(axis=1)
    acr = (own_after / own_before) ** (-1.0 / 5.0)
    np.testing.assert_allclose(o.welfare_hat, acr, rtol=1e-10, atol=1e-10)


def test_armington_with_tariffs_on_a_multisector_world(tiny):
    result = tw.solve(
        tiny, [tw.Tariff(importer="HOM", exporter="FOR", add_pct=30)], model="armington"
    )
    table = result.country_table()
    assert table.loc["FOR", "welfare_pct"] < 0
    assert table.loc["HOM", "tariff_revenue"] > table.loc["HOM", "tariff_revenue_before"]


@pytest.mark.parametrize("deficits", ["keep", "zero"])
def test_equilibrium_conditions_and_walras_hold(tiny, deficits):
    result = tw.solve(
        tiny,
        [
            tw.Tariff(importer="HOM", exporter="*", add_pct=40),
            tw.TradeCost(importer="FOR", exporter="ROW", factor=1.3),
        ],
        deficits=deficits,
    )
    o = result.steps[0].outcome
    assert o.max_residual < 1e-10
    assert o.walras_residual < 1e-10


def test_residuals_at_solution_and_homogeneity(tiny):
    econ = economy_from_world(tiny)
    tau = np.asarray(econ.tau).copy()
    tau[0, 1, :2] += 0.5
    shock = Shock(tau=tau, cost_hat=np.ones_like(tau), deficit=econ.deficit)
    sol = solve_arrays(econ, shock)
    res = equilibrium_residuals(econ, shock, sol.w_hat, sol.log_P_hat, sol.expenditure)
    for name, value in res.items():
        assert float(value) < 1e-9, name
    # Numeraire invariance: scaling every nominal variable (and deficits) by one factor is
    # still an equilibrium, so real outcomes cannot depend on the choice of numeraire.
    lam = 1.7
    scaled = Shock(tau=tau, cost_hat=shock.cost_hat, deficit=lam * econ.deficit)
    econ_scaled = econ._replace(deficit=lam * econ.deficit)
    res2 = equilibrium_residuals(
        econ_scaled, scaled, lam * sol.w_hat, sol.log_P_hat + np.log(lam), lam * sol.expenditure
    )
    for name, value in res2.items():
        assert float(value) < 1e-9, name


def test_tariff_raises_own_revenue_and_hurts_target(tiny):
    table = tw.solve(tiny, [tw.Tariff(importer="HOM", exporter="FOR", set_pct=50)]).country_table()
    assert table.loc["FOR", "welfare_pct"] < 0
    assert table.loc["FOR", "exports_pct"] < 0


def test_non_convergence_raises_and_strict_false_flags(tiny):
    policies = [tw.Tariff(importer="HOM", exporter="*", add_pct=80)]
    options = tw.SolverOptions(max_iterations=1)
    with pytest.raises(tw.ConvergenceError, match="not found after 1 iterations"):
        tw.solve(tiny, policies, options=options)
    result = tw.solve(tiny, policies, options=options, strict=False)
    assert not result.converged
    assert result.to_json()["converged"] is False


def test_solver_options_validate():
    with pytest.raises(ValueError, match="damping"):
        tw.SolverOptions(damping=0)
    with pytest.raises(ValueError, match="tol"):
        tw.SolverOptions(tol=2.0)


def test_a_theta_override_equals_a_world_built_with_that_theta():
    from dataclasses import replace

    world = tw.load_world("tiny")
    policy = tw.Tariff(importer="HOM", exporter="FOR", sectors="goods", add_pct=30)
    scenario = tw.Scenario(
        name="theta",
        world="tiny",
        policy=[policy],
        parameters={"theta": {"*": 6.0, "MAN": 2.5}},
    )
    overridden = tw.run_scenario(scenario).country_table()
    built = replace(world, theta=np.array([6.0, 2.5, 6.0]))
    direct = tw.solve(built, [policy]).country_table()
    np.testing.assert_allclose(overridden.to_numpy(), direct.to_numpy(), rtol=1e-10, atol=1e-12)
    plain = tw.solve(world, [policy]).country_table()
    assert not np.allclose(plain["welfare_pct"], overridden["welfare_pct"])


def test_parameters_table_is_validated(tmp_path):
    text = 'name = "p"\nworld = "tiny"\n[parameters]\ntheta = {"*" = 5.0, XYZ = 2.0}\n'
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(tw.ScenarioError) as err:
        tw.run_scenario(path)
    assert err.value.key == "parameters.theta.XYZ" and "unknown sector" in str(err.value)
    path.write_text('name = "p"\nworld = "tiny"\n[parameters]\ntheta = -1.0\n', encoding="utf-8")
    with pytest.raises(tw.ScenarioError) as err:
        tw.run_scenario(path)
    assert err.value.key == "parameters.theta"
    path.write_text('name = "p"\nworld = "tiny"\n[parameters]\nsigma = 2.0\n', encoding="utf-8")
    with pytest.raises(tw.ScenarioError) as err:
        tw.load_scenario(path)
    assert err.value.key == "parameters.sigma" and "unknown key" in str(err.value)


def test_printed_summary_is_short_and_says_convergence():
    result = tw.solve(
        "wiod2014-s3", [tw.Tariff(importer="USA", exporter="CHN", sectors="goods", add_pct=25)]
    )
    text = str(result)
    lines = text.splitlines()
    assert len(lines) <= 40 and "converged" in lines[0] and "max residual" in lines[0]
    assert lines[1].split()[:2] == ["country", "welfare"]
    assert "(10 of 44 countries" in text


def test_the_top_level_namespace_exports_the_strategy_and_dynamics_api():
    for name in (
        "TariffGame",
        "GameSettings",
        "nash_tariffs",
        "optimal_tariffs",
        "simulate",
        "load_negotiation",
        "aggregate",
        "compare",
    ):
        assert hasattr(tw, name) and name in tw.__all__


def test_a_saved_result_records_its_scenario_and_data_hash(tmp_path):
    import json

    from tradewar.folders import verify_folder

    scenario = tw.parse_scenario(
        {
            "name": "saved",
            "world": "tiny",
            "parameters": {"theta": 5.0},
            "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 10}],
        }
    )
    tw.run_scenario(scenario).save(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["scenario"]["parameters"]["theta"] == 5.0
    from tradewar.engine.economies import with_theta

    solved = with_theta(tw.load_world("tiny"), 5.0)  # the hash is of the data as solved
    assert manifest["data_hash"] == solved.data_hash() != tw.load_world("tiny").data_hash()
    assert verify_folder(tmp_path / "out")


@pytest.mark.parametrize(("subsidy", "gmres"), [(None, False), (-0.5, False), (-0.9, True)])
def test_goods_market_contracts_usually_and_uses_gmres_only_when_expansive(subsidy, gmres):
    """The goods-market loop solves the usual case itself; a 90% import subsidy makes the
    affine map expansive, and only then does GMRES take over (both to 1e-12)."""
    import jax.numpy as jnp

    from tradewar.engine import economy_from_world
    from tradewar.model.accounts import Wedges, sector_major, spending_shares
    from tradewar.model.economy import no_shock
    from tradewar.model.equilibrium import InnerSolve, goods_market

    econ = economy_from_world(tw.load_world("cp2015"))
    shock = no_shock(econ)
    start = 0.5 * econ.expenditure
    if subsidy is not None:
        n = econ.va.shape[0]
        shock = shock._replace(tau=jnp.where(jnp.eye(n)[:, :, None] > 0, econ.tau, subsidy))
        start = econ.expenditure
    ones = jnp.ones_like(econ.va)
    wedges = Wedges.of_shock(shock)
    shares = spending_shares(sector_major(econ.pi) / wedges.border(), wedges)
    X, residual, used = goods_market(
        shares, shock, econ, econ.gamma_va, econ.gamma_io, ones, start, InnerSolve(1e-13, 400)
    )
    assert bool(used) is gmres
    assert float(residual) < 1e-12
    assert bool(jnp.all(jnp.isfinite(X)))
    if subsidy is None:  # no shock: the baseline spending
        gap = jnp.max(jnp.abs(X - econ.expenditure)) / jnp.sum(econ.va)
        assert float(gap) < 1e-12


def test_a_solve_the_goods_market_contraction_cannot_finish_is_rerun_with_gmres():
    """The usual solver program has no GMRES; when its goods-market contraction fails (a 60%
    import subsidy everywhere in `tiny`) it stops at once with a flag, and `solve_arrays`
    solves again from the same start with the program that has the fallback."""
    import jax.numpy as jnp

    from tradewar.model.economy import no_shock
    from tradewar.model.solver import SolverOptions, _solve_jit

    econ = economy_from_world(tw.load_world("tiny"))
    n = econ.va.shape[0]
    options = SolverOptions()
    settings = (options.anderson_memory, options.limits())
    start = (jnp.zeros_like(econ.va), jnp.zeros_like(econ.alpha), econ.expenditure)
    for subsidy, expansive in ((-0.3, False), (-0.6, True)):
        shock = no_shock(econ)
        shock = shock._replace(tau=jnp.where(jnp.eye(n)[:, :, None] > 0, econ.tau, subsidy))
        quick, stopped = _solve_jit(econ, shock, *settings, *start, krylov=False)
        full, never = _solve_jit(econ, shock, *settings, *start, krylov=True)
        assert bool(stopped) is expansive and not bool(never)
        assert (int(quick.iterations) == 1) is expansive
        solution = solve_arrays(econ, shock, options)
        assert float(solution.max_residual) < options.tol
        np.testing.assert_array_equal(np.asarray(solution.w_hat), np.asarray(full.w_hat))


def test_the_anderson_step_solves_its_small_system_like_lapack():
    """`_solve_spd` (Gauss–Jordan, no LAPACK) against NumPy on regularised Gram matrices,
    including the masked form of the first iterations (unit rows for unused memory)."""
    import jax.numpy as jnp

    from tradewar.model.solver import _solve_spd

    rng = np.random.default_rng(7)
    for m, used in ((1, 1), (6, 6), (6, 2), (20, 20)):
        d = rng.normal(size=(m, 40)) * (np.arange(m) < used)[:, None]
        gram = d @ d.T
        a = gram + (1e-10 * np.trace(gram) + (np.arange(m) >= used)) * np.eye(m)
        b = rng.normal(size=m) * (np.arange(m) < used)
        x = np.asarray(_solve_spd(jnp.asarray(a), jnp.asarray(b)))
        expected = np.linalg.solve(a, b)
        assert np.max(np.abs(x - expected)) <= 1e-10 * np.max(np.abs(expected))


@pytest.mark.parametrize("shift", [0.3, 800.0])
def test_trade_shares_by_sector_are_eq_3_with_or_without_separable_exponentials(shift):
    """The solver's sector-major trade shares equal eq. 3 taken whole with NumPy: with
    moderate price changes (one exponential per exporter and per importer) and with changes
    of ``shift / theta`` that would overflow that product (each share's exponential whole)."""
    import jax.numpy as jnp

    from tradewar.engine import economy_from_world
    from tradewar.model.accounts import sector_major
    from tradewar.model.economy import no_shock
    from tradewar.model.equilibrium import (
        SEPARABLE_BELOW,
        trade_shares_by_sector,
        trade_weights,
    )

    econ = economy_from_world(tw.load_world("tiny"))
    theta = np.asarray(econ.theta)
    n, j = econ.alpha.shape
    rng = np.random.default_rng(3)
    log_c = rng.uniform(-0.2, 0.2, (n, j)) + shift / theta
    log_P = rng.uniform(-0.2, 0.2, (n, j)) + shift / theta
    assert (shift > SEPARABLE_BELOW) is (shift == 800.0)
    A = np.asarray(trade_weights(econ, no_shock(econ)))
    expected = A * np.exp(-theta * (log_c[None, :, :] - log_P[:, None, :]))
    got = trade_shares_by_sector(
        sector_major(jnp.asarray(A)), econ, jnp.asarray(log_c), jnp.asarray(log_P)
    )
    got = np.asarray(sector_major(got))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
