"""Effective tariff rates, the schedule in force, import prices and money, recomputed by hand."""

import numpy as np
import pandas as pd
import pytest

import tradewar as tw
from tradewar.results.tariffs import MIN_DUTY_CHANGE


@pytest.fixture(scope="module")
def world():
    return tw.load_world("tiny")


@pytest.fixture(scope="module")
def result(world):
    policies = [
        tw.Tariff(importer="HOM", exporter="FOR", sectors="MAN", add_pct=30),
        tw.Tariff(importer="HOM", exporter="ROW", sectors="AGR", add_pct=10),
    ]
    return tw.solve(world, policies, model="caliendo-parro")


def test_statutory_rates_are_the_schedule_weighted_by_the_worlds_own_flows(world, result):
    """From the raw world: baseline tariffs plus the policies, weighted by baseline flows."""
    k = {code: world.sectors.index(code) for code in world.sectors}
    n, f, r = (world.country_index(c) for c in ("HOM", "FOR", "ROW"))
    tariffs = np.array(world.tariffs, dtype=float)
    tariffs[n, f, k["MAN"]] += 0.30
    tariffs[n, r, k["AGR"]] += 0.10
    flows = world.flows
    table = result.effective_tariffs(step=-1).set_index(["importer", "partner"])
    for partner, i in (("FOR", f), ("ROW", r)):
        expected = 100 * (tariffs[n, i] * flows[n, i]).sum() / flows[n, i].sum()
        assert table.loc[("HOM", partner), "statutory_pct"] == pytest.approx(expected, rel=1e-12)
    cross = ~np.eye(3, dtype=bool)
    expected_all = (
        100
        * (tariffs[n] * flows[n] * cross[n][:, None]).sum()
        / (flows[n] * cross[n][:, None]).sum()
    )
    assert table.loc[("HOM", "all"), "statutory_pct"] == pytest.approx(expected_all, rel=1e-12)
    countries = result.country_table()
    assert countries.loc["HOM", "statutory_tariff_pct"] == pytest.approx(expected_all, rel=1e-12)


def test_realised_rates_are_duties_over_imports_and_add_up(result):
    table = result.effective_tariffs(step=-1)
    pairs, totals = table[table.partner != "all"], table[table.partner == "all"]
    np.testing.assert_allclose(
        pairs.realised_pct, 100 * pairs.tariff_revenue / pairs.imports_after, rtol=1e-12
    )
    by_importer = pairs.groupby("importer")[["tariff_revenue", "imports_after"]].sum()
    countries = result.country_table()
    for row in totals.itertuples():
        assert row.tariff_revenue == pytest.approx(by_importer.loc[row.importer, "tariff_revenue"])
        assert row.tariff_revenue == pytest.approx(countries.loc[row.importer, "tariff_revenue"])
    # Substitution away from the taxed partner: the realised rate is below the statutory one.
    hom_for = pairs.set_index("partner").loc["FOR"]
    hom_for = hom_for[hom_for.importer == "HOM"].iloc[0]
    assert hom_for.realised_pct < hom_for.statutory_pct


def test_the_schedule_in_force_lists_exactly_the_changed_cells(result):
    schedule = result.tariffs_in_force()
    assert set(zip(schedule.importer, schedule.exporter, schedule.sector, strict=True)) == {
        ("HOM", "FOR", "MAN"),
        ("HOM", "ROW", "AGR"),
    }
    assert schedule.change_pts.tolist() == pytest.approx([30.0, 10.0])
    np.testing.assert_allclose(schedule.in_force_pct - schedule.baseline_pct, schedule.change_pts)
    every = result.tariffs_in_force(changed_only=False)
    assert len(every) == 3 * 2 * 3  # every cross-border cell


def test_import_prices_and_pass_through_recomputed(world, result):
    o = result.step_result(-1).outcome
    n = world.country_index("HOM")
    weights = o.flows_before[n] * (np.arange(3) != n)[:, None]
    unit = o.c_hat * (1.0 + o.export_tax[n])  # exporter unit costs, no premia here
    duty = (1 + o.tariffs_after[n]) / (1 + o.tariffs_before[n])
    customs = (unit * weights).sum() / weights.sum()
    paid = (unit * duty * weights).sum() / weights.sum()
    factor = (duty * weights).sum() / weights.sum()
    row = result.country_table().loc["HOM"]
    assert row.import_price_pct == pytest.approx(100 * (customs - 1), rel=1e-10)
    assert row.import_price_duty_paid_pct == pytest.approx(100 * (paid - 1), rel=1e-10)
    assert row.duty_factor_pct == pytest.approx(100 * (factor - 1), rel=1e-10)
    assert row.pass_through_pct == pytest.approx(100 * np.log(paid) / np.log(factor), rel=1e-10)
    # HOM is large in this world: its tariff lowers its suppliers' prices, so less than all of
    # the duty reaches duty-paid prices.
    assert 0 < row.pass_through_pct < 100
    # FOR levies nothing new: its duty factor does not move, and pass-through is not defined.
    other = result.country_table().loc["FOR"]
    assert abs(np.log1p(other.duty_factor_pct / 100)) < MIN_DUTY_CHANGE
    assert np.isnan(other.pass_through_pct)


def test_equivalent_variation_is_welfare_in_money(result):
    o = result.step_result(-1).outcome
    countries = result.country_table()
    parts = result.welfare_decomposition()
    contributions = parts.drop(
        columns=["welfare_pct", "terms_of_trade_pct", "volume_of_trade_pct"]
    ).sum(axis=1)
    # The income decomposition's points, in money at baseline income, sum to the EV.
    np.testing.assert_allclose(
        countries.equivalent_variation, contributions / 100 * o.income_before, rtol=1e-9
    )
    assert (np.sign(countries.equivalent_variation) == np.sign(countries.welfare_pct)).all()


def test_effective_tariffs_of_a_timeline_have_every_step_and_the_json_carries_them(tmp_path):
    result = tw.run_scenario("scenarios/us_china_2025.toml")
    table = result.effective_tariffs()
    assert sorted(table.step.unique()) == list(range(len(result.steps)))
    first = table[(table.step == 0) & (table.importer == "USA") & (table.partner == "CHN")]
    last = table[(table.step == table.step.max()) & (table.importer == "USA")]
    assert first.statutory_pct.iloc[0] < last.set_index("partner").loc["CHN", "statutory_pct"]
    data = result.to_json()
    rows = pd.DataFrame(data["steps"][-1]["effective_tariffs"])
    expected = last[last.partner.isin(rows[rows.importer == "USA"].partner)]
    got = rows[rows.importer == "USA"].set_index("partner")
    for row in expected.itertuples():
        assert got.loc[row.partner, "statutory_pct"] == pytest.approx(row.statutory_pct)
