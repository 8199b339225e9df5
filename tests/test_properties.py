"""Invariance properties (Hypothesis): country order, currency unit, shock size and sign."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradewar as tw

COUNTRIES = ("HOM", "FOR", "ROW")
rates = st.floats(min_value=-20.0, max_value=200.0, allow_nan=False)  # 4 x -20 > -100
pairs = st.tuples(st.sampled_from(COUNTRIES), st.sampled_from(COUNTRIES)).filter(
    lambda p: p[0] != p[1]
)
shock_lists = st.lists(
    st.tuples(pairs, rates, st.sampled_from(["AGR", "MAN", "*"])), min_size=1, max_size=4
)
SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _policies(shocks):
    return [tw.Tariff(importer=a, exporter=b, sectors=s, add_pct=r) for (a, b), r, s in shocks]


@SETTINGS
@given(shocks=shock_lists, perm=st.permutations(range(3)))
def test_country_order_does_not_matter(tiny, shocks, perm):
    base = tw.solve(tiny, _policies(shocks)).country_table()
    other = tw.solve(tiny.reordered(list(perm)), _policies(shocks)).country_table()
    np.testing.assert_allclose(
        other.loc[list(COUNTRIES)].to_numpy(dtype=float),
        base.loc[list(COUNTRIES)].to_numpy(dtype=float),
        rtol=1e-7,
        atol=1e-7,
    )


@SETTINGS
@given(shocks=shock_lists, factor=st.floats(min_value=1e-3, max_value=1e4))
def test_currency_unit_does_not_matter(tiny, shocks, factor):
    base = tw.solve(tiny, _policies(shocks)).country_table()
    other = tw.solve(tiny.scaled(factor), _policies(shocks)).country_table()
    pct = [c for c in base.columns if c.endswith("_pct")]
    np.testing.assert_allclose(other[pct].to_numpy(), base[pct].to_numpy(), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(
        other.tariff_revenue.to_numpy(), factor * base.tariff_revenue.to_numpy(), rtol=1e-7
    )


@SETTINGS
@given(shocks=shock_lists)
def test_equilibrium_holds_for_random_shocks(tiny, shocks):
    result = tw.solve(tiny, _policies(shocks))
    o = result.steps[0].outcome
    assert o.max_residual <= 1e-10
    assert o.walras_residual <= 1e-9
    # World value added is the numeraire.
    va = np.asarray(tiny.value_added.sum(axis=1))
    assert abs(np.sum(o.w_hat * va) / va.sum() - 1.0) < 1e-12


def test_aggregation_keeps_accounts_and_labels(cp2015):
    from tradewar.data.aggregate import aggregate

    nafta = {"CAN": "NAFTA", "MEX": "NAFTA", "USA": "NAFTA"}
    merged = aggregate(cp2015, countries=nafta, sectors={"S21": "SRV", "S22": "SRV"})
    assert merged.n_countries == cp2015.n_countries - 2
    assert "NAFTA" in merged.countries and "SRV" in merged.sectors
    assert merged.country_names[merged.countries.index("ARG")] == "Argentina"
    tw.check_world(merged)
    np.testing.assert_allclose(merged.tariff_revenue.sum(), cp2015.tariff_revenue.sum(), rtol=1e-12)
    result = tw.solve(merged, [tw.Tariff(importer="NAFTA", exporter="CHN", add_pct=10)])
    assert result.converged
