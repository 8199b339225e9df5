"""Who earns a quota's rent, stocks against a partial cut, and horizon-specific elasticities.

Each test checks a property that follows from the model's definitions, recomputed here from the
solved arrays rather than read off the code's own summaries.
"""

from __future__ import annotations

import numpy as np
import pytest

import tradewar as tw
from tradewar.engine import economy_from_world
from tradewar.engine.capacity import with_stocks
from tradewar.engine.economies import horizon_theta, trade_weighted_elasticity, with_theta
from tradewar.engine.rationing import quantity_change
from tradewar.model.solver import equilibrium_residuals

QUOTA = {
    "kind": "export_control",
    "exporter": "FOR",
    "importer": "*",
    "sectors": "MAN",
    "quota_pct_of_baseline": 50,
}


def _quota_run(default: str | None = None, **policy):
    spec = {"name": "quota", "world": "tiny", "policy": [{**QUOTA, **policy}]}
    if default is not None:
        spec["parameters"] = {"quota_rent": default}
    return tw.run_scenario(tw.parse_scenario(spec))


@pytest.mark.parametrize("rent", ["exporter", "importer", "none"])
def test_every_rent_regime_ships_the_quota_and_solves_every_market(rent):
    result = _quota_run(rent)
    o = result.steps[0].outcome
    assert o.converged
    q = quantity_change(o)
    f, m = result.countries.index("FOR"), result.sectors.index("MAN")
    for n in (result.countries.index("HOM"), result.countries.index("ROW")):
        assert q[n, f, m] == pytest.approx(0.5, rel=1e-6)
    # Trade balances equal the deficits (Walras' law), recomputed from the flows.
    off = o.flows_after * (1.0 - np.eye(3))[:, :, None]
    gap = off.sum(axis=(1, 2)) - off.sum(axis=(0, 2)) - o.deficit_after
    assert np.max(np.abs(gap)) < 1e-8 * o.gdp_before.sum()
    assert result.quota_table()[0]["rent_to"] == rent


def test_without_the_rent_the_exporter_does_not_gain_from_its_own_quota():
    welfare = {
        rent: _quota_run(rent).country_table().loc["FOR", "welfare_pct"]
        for rent in ("exporter", "importer", "none")
    }
    assert welfare["exporter"] > 0  # the rent can make a dominant exporter gain
    assert welfare["importer"] < 0 and welfare["none"] < 0


def test_the_importer_keeps_the_rent_it_is_credited_with():
    result = _quota_run("importer")
    o = result.steps[0].outcome
    # Rent = customs value x (1 + tariff) x wedge, summed by importer: recomputed by hand.
    by_hand = (o.flows_after * (1.0 + o.tariffs_after) * o.import_rent).sum(axis=(1, 2))
    assert np.allclose(o.import_rent_revenue, by_hand, rtol=1e-10)
    assert o.import_rent_revenue[result.countries.index("FOR")] == 0.0
    assert np.all(o.export_tax_revenue == 0.0)


def test_a_dissipated_rent_is_wages_for_nothing_in_the_importing_country():
    result = _quota_run("none")
    o = result.steps[0].outcome
    by_hand = (o.flows_after * (1.0 + o.tariffs_after) * o.dissipated).sum(axis=(1, 2))
    assert np.allclose(o.rent_seeking, by_hand, rtol=1e-10)
    assert np.all(o.import_rent_revenue == 0.0)
    # Dissipating the rent costs the importers more than keeping it.
    kept = _quota_run("importer").country_table()
    burned = result.country_table()
    assert (
        burned.loc[["HOM", "ROW"], "welfare_pct"] < kept.loc[["HOM", "ROW"], "welfare_pct"]
    ).all()


def test_a_zero_premium_cap_makes_the_exporter_regime_the_importer_regime():
    capped = _quota_run("exporter", premium_cap_pct=0).country_table()
    importer = _quota_run("importer").country_table()
    assert np.allclose(capped["welfare_pct"], importer["welfare_pct"], atol=1e-9)


def test_a_premium_cap_binds_at_its_level():
    result = _quota_run("exporter", premium_cap_pct=5)
    o = result.steps[0].outcome
    f = result.countries.index("FOR")
    paid = o.export_tax[:, f, result.sectors.index("MAN")]
    assert paid[result.countries.index("HOM")] == pytest.approx(0.05, rel=1e-12)
    assert o.import_rent is not None and o.import_rent.max() > 0


def test_a_policy_rent_overrides_the_scenario_default():
    result = _quota_run("exporter", rent="none")
    assert {row["rent_to"] for row in result.quota_table()} == {"none"}


def test_rent_options_apply_to_quotas_only():
    with pytest.raises(tw.ScenarioError, match="apply to a quota"):
        tw.parse_scenario(
            {
                "name": "x",
                "world": "tiny",
                "policy": [
                    {"kind": "export_control", "exporter": "FOR", "ban": True, "rent": "none"}
                ],
            }
        )
    with pytest.raises(tw.ScenarioError, match="premium_cap_pct"):
        tw.parse_scenario(
            {
                "name": "x",
                "world": "tiny",
                "policy": [{**QUOTA, "rent": "none", "premium_cap_pct": 5}],
            }
        )


def test_stocks_of_normal_use_add_to_a_partial_cut():
    world = tw.load_world("tiny")
    econ = economy_from_world(world)
    state = tw.policy.shocks.PolicyState.baseline(np.asarray(econ.tau))
    state = tw.policy.shocks.apply_policies(world, [tw.ExportControl(**QUOTA)], state)
    scenario = tw.parse_scenario(
        {
            "name": "s",
            "world": "tiny",
            "ces": {"critical": ["MAN"]},
            "model": "ces-network",
            "chokepoints": {"horizon": "short", "weeks": 10, "inventory_weeks": 3},
        }
    )
    from tradewar.engine.capacity import capacity_for

    capacity = capacity_for(world, scenario.chokepoint_settings(), ["MAN"])
    soft = with_stocks(state, capacity, np.asarray(econ.pi))
    f, m = world.countries.index("FOR"), world.sectors.index("MAN")
    # 50% of the flow gets through, stocks cover 3 of 10 weeks of normal use: 80%.
    assert soft.quota[world.countries.index("HOM"), f, m] == pytest.approx(0.8)
    long_stocks = scenario.chokepoints.model_copy(update={"inventory_weeks": 6})
    capacity = capacity_for(world, long_stocks, ["MAN"])
    assert with_stocks(state, capacity, np.asarray(econ.pi)).quota[0, f, m] == 1.0


def test_one_year_elasticities_scale_every_sector_to_the_published_level():
    world = tw.load_world("wiod2014")
    theta = horizon_theta(world, 0.76)
    ratio = theta / world.theta
    assert np.all(theta != world.theta)
    assert np.allclose(ratio, ratio[0], rtol=1e-14)  # one factor: the sector pattern is kept
    scaled = with_theta(world, dict(zip(world.sectors, theta, strict=True)))
    assert trade_weighted_elasticity(scaled) == pytest.approx(0.76, rel=1e-12)
    # The Caliendo-Parro sector values on WIOD's trade weights aggregate to their pooled 4.55.
    assert trade_weighted_elasticity(world) == pytest.approx(4.55, abs=0.02)


def test_the_elasticity_switch_changes_the_elasticities_and_only_them():
    policy = [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 40}]
    base = {"name": "h", "world": "tiny", "policy": policy}
    one_year = tw.run_scenario(
        tw.parse_scenario({**base, "parameters": {"elasticities": "one-year"}})
    )
    theta = horizon_theta(tw.load_world("tiny"), 0.76)
    explicit = tw.run_scenario(
        tw.parse_scenario(
            {**base, "parameters": {"theta": dict(zip(("AGR", "MAN", "SRV"), theta, strict=True))}}
        )
    )
    long_run = tw.run_scenario(tw.parse_scenario(base))
    a, b = one_year.country_table(), explicit.country_table()
    assert np.array_equal(a.to_numpy(), b.to_numpy(), equal_nan=True)
    assert not np.allclose(a["welfare_pct"], long_run.country_table()["welfare_pct"])


def test_the_horizon_sets_the_elasticities_and_the_long_run_is_the_world_own():
    policy = [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 40}]
    spec = {"name": "h", "world": "tiny", "policy": policy}
    short = tw.parse_scenario({**spec, "horizon": "short"})
    assert short.horizon_parameters().elasticities == "one-year"
    assert short.with_horizon("long").horizon_parameters().elasticities == "long-run"
    plain = tw.run_scenario(tw.parse_scenario(spec)).country_table()
    back = tw.run_scenario(short.with_horizon("long")).country_table()
    assert np.array_equal(plain.to_numpy(), back.to_numpy(), equal_nan=True)
    pinned = tw.parse_scenario(
        {**spec, "horizon": "short", "parameters": {"elasticities": "long-run"}}
    )
    assert pinned.horizon_parameters().elasticities == "long-run"


def test_sticky_wages_never_fall_below_the_floor_and_unemployment_takes_the_rest():
    spec = {
        "name": "sticky",
        "world": "tiny",
        "parameters": {"wages": "sticky", "wage_floor_pct": 1.0},
        "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 60}],
    }
    result = tw.run_scenario(tw.parse_scenario(spec))
    o = result.steps[0].outcome
    assert o.converged
    assert np.all(o.wage_rate_hat >= 0.99 - 1e-12)
    assert np.all(o.employment_hat <= 1.0 + 1e-12)
    # Where employment fell, the wage sits on its floor; elsewhere everyone works.
    idle = o.employment_hat < 1.0 - 1e-9
    assert idle.any()
    assert np.allclose(o.wage_rate_hat[idle], 0.99, rtol=1e-12)
    assert np.allclose(o.employment_hat[~idle], 1.0, atol=1e-12)
    # The equilibrium conditions, recomputed from the solution at the economy with its floor.
    from tradewar.engine.economies import horizon_economy

    scenario = tw.parse_scenario(spec)
    world = tw.load_world("tiny")
    econ, _ = horizon_economy(world, economy_from_world(world), scenario)
    shock = tw.model.economy.Shock(
        tau=o.tariffs_after, cost_hat=np.ones_like(o.tariffs_after), deficit=o.deficit_after
    )
    residuals = equilibrium_residuals(econ, shock, o.w_hat, np.log(o.P_hat), _spending(o))
    assert max(float(v) for v in residuals.values()) < 1e-8


def _spending(o):
    """Spending by importer and sector, tariffs included, from the flows: X = sum_i M (1+tau)."""
    return (o.flows_after * (1.0 + o.tariffs_after)).sum(axis=1)


def test_sticky_wages_change_nothing_without_a_shock():
    spec = {"name": "none", "world": "tiny", "parameters": {"wages": "sticky"}}
    o = tw.run_scenario(tw.parse_scenario(spec)).steps[0].outcome
    assert np.allclose(o.welfare_hat, 1.0, atol=1e-12)
    assert np.allclose(o.employment_hat, 1.0, atol=1e-12)


def _critical_cut(dependence: float):
    """A short-run cut of half of FOR's manufacturing to HOM, every user near Leontief."""
    spec = {
        "name": "dependence",
        "world": "tiny",
        "model": "ces-network",
        "ces": {"critical": ["MAN"], "critical_dependence": {"*": dependence}},
        "chokepoints": {"horizon": "short", "inventory_weeks": 0.0},
        "parameters": {"elasticities": "long-run"},
        "policy": [{**QUOTA, "importer": "HOM"}],
    }
    return tw.run_scenario(tw.parse_scenario(spec))


def test_the_less_output_depends_on_a_cut_input_the_less_the_cut_costs():
    # Only the dependent line must ration the critical bundle, so demand for it is more
    # elastic: the scarcity premium, the critical price and the importer's loss all fall as the
    # dependent share falls. (A single sector's output need not: in general equilibrium its
    # sales to the cutting country move with that country's wage.)
    runs = [_critical_cut(phi) for phi in (1.0, 0.75, 0.5)]
    assert all(r.steps[0].outcome.converged for r in runs)
    tax = [r.quota_table()[0]["tax_equivalent_pct"] for r in runs]
    price = [r.steps[0].outcome.P_hat[0, 1] for r in runs]
    welfare = [r.steps[0].outcome.welfare_hat[0] for r in runs]
    assert tax[0] > 10.0  # the cut binds
    assert tax[0] > tax[1] > tax[2]
    assert price[0] > price[1] > price[2] > 1.0
    assert welfare[0] < welfare[1] < welfare[2] < 1.0


def test_full_dependence_is_the_single_nest_exactly():
    policy = [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 30}]
    base = {"name": "d", "world": "tiny", "model": "ces-network", "policy": policy}
    ces = {"critical": ["MAN"], "sigma_top": 0.3}
    a = tw.run_scenario(tw.parse_scenario({**base, "ces": ces})).country_table()
    b = tw.run_scenario(
        tw.parse_scenario({**base, "ces": {**ces, "critical_dependence": 1.0}})
    ).country_table()
    assert np.array_equal(a.to_numpy(), b.to_numpy(), equal_nan=True)


def test_partial_dependence_leaves_the_baseline_unchanged():
    spec = {
        "name": "z",
        "world": "tiny",
        "model": "ces-network",
        "ces": {"critical": ["MAN"], "sigma_top": 0.2, "critical_dependence": {"*": 0.6}},
    }
    o = tw.run_scenario(tw.parse_scenario(spec)).steps[0].outcome
    assert np.allclose(o.welfare_hat, 1.0, atol=1e-12)
    assert np.allclose(o.output_after, o.output_before, rtol=1e-10)


def test_a_dependence_below_the_critical_cost_share_is_an_error():
    spec = {
        "name": "bad",
        "world": "tiny",
        "model": "ces-network",
        "ces": {"critical": ["MAN"], "critical_dependence": {"AGR": 1e-6}},
    }
    with pytest.raises(tw.ScenarioError, match="critical_dependence"):
        tw.run_scenario(tw.parse_scenario(spec))


def test_a_ban_after_a_quota_on_the_same_flows_is_the_ban_alone():
    # The quota's wedge carried from the step before must not survive the ban (it once left
    # the search chasing a quota on a flow that no longer exists).
    quota = {**QUOTA, "quota_pct_of_baseline": 25}
    ban = {k: v for k, v in QUOTA.items() if k != "quota_pct_of_baseline"} | {"ban": True}
    steps = [
        {"date": "2025-01-01", "label": "quota", "policy": [quota]},
        {"date": "2025-02-01", "label": "ban", "policy": [ban]},
    ]
    timeline = tw.run_scenario(
        tw.parse_scenario(
            {"name": "q", "world": "tiny", "step": steps, "parameters": {"quota_rent": "importer"}}
        )
    )
    alone = tw.run_scenario(tw.parse_scenario({"name": "b", "world": "tiny", "policy": [ban]}))
    last = timeline.steps[-1].outcome
    assert last.converged and last.status == "converged"
    np.testing.assert_allclose(last.welfare_hat, alone.steps[0].outcome.welfare_hat, rtol=1e-8)
    assert timeline.quota_table(1) == []


def test_a_driver_sentence_names_the_part_that_decides_the_sign_and_only_that():
    spec = {
        "name": "t",
        "world": "tiny",
        "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 20}],
    }
    result = tw.run_scenario(tw.parse_scenario(spec))
    table = result.welfare_decomposition(0)
    drivers = result.welfare_drivers(0)
    # Recomputed from the decomposition: HOM gains only through its tariff revenue.
    hom = table.loc["HOM"]
    assert hom.welfare_pct > 0.01 and hom.welfare_pct - hom.tariff_revenue_pct < -0.01
    assert [(d["country"], d["part"]) for d in drivers] == [("HOM", "tariff_revenue_pct")]
    assert drivers[0]["sentence"].endswith("tariff revenue decides the sign.")
    assert "everything else -" in drivers[0]["sentence"]
    # FOR loses with or without its (small) revenue, so nothing decides its sign.
    assert not any(d["country"] == "FOR" for d in drivers)
    # No tariff, no sentence.
    none = tw.run_scenario(tw.parse_scenario({"name": "n", "world": "tiny"}))
    assert none.welfare_drivers(0) == []
