"""Export controls and the ces-network model: equivalences, the choke, quotas, bans, errors."""

import numpy as np
import pytest

import tradewar as tw
from tradewar.engine import economy_from_world
from tradewar.engine.ces_network import ces_params
from tradewar.engine.rationing import quantity_change as _quantity_change
from tradewar.model.economy import Shock
from tradewar.model.solver import equilibrium_residuals, solve_arrays
from tradewar.policy.scenario import CESSettings

USING = ("C17", "C18", "C19", "C20")


@pytest.fixture(scope="module")
def ree():
    return tw.load_world("wiod2014-ree")


def _nest(sigma: float) -> dict:
    return {"critical": ["REE"], "sigma_top": {"*": 1.0, **dict.fromkeys(USING, sigma)}}


def _pct(table):
    return table[[c for c in table.columns if c.endswith("_pct")]].to_numpy()


@pytest.mark.slow
def test_ces_network_reproduces_caliendo_parro_as_sigma_goes_to_one(ree):
    policies = [
        tw.Tariff(importer="USA", exporter="CHN", add_pct=60),
        tw.ExportControl(exporter="CHN", importer="USA", sectors="REE", tax_pct=200),
    ]
    cp = _pct(tw.solve(ree, policies).country_table())
    # Percentage points; both solves stop at the solver's tolerance, so 1e-9 is agreement.
    for sigma, tol in ((1.0, 1e-9), (1.0 + 1e-9, 1e-8), (1.0 - 1e-9, 1e-8)):
        ces = {
            "critical": ["REE"],
            "sigma_top": sigma,
            "sigma_materials": sigma,
            "sigma_critical": sigma,
        }
        other = _pct(tw.solve(ree, policies, model="ces-network", ces=ces).country_table())
        # Undefined cells (pass-through where duties did not move) must be undefined in both.
        assert (np.isnan(other) == np.isnan(cp)).all(), sigma
        assert np.nanmax(np.abs(other - cp)) < tol, sigma


@pytest.mark.slow
def test_rare_earth_ban_chokes_us_electronics_with_low_nest_elasticity(ree):
    ban = [tw.ExportControl(exporter="CHN", importer="USA", sectors="REE", ban=True)]

    def electronics(sigma):
        frame = tw.solve(ree, ban, model="ces-network", ces=_nest(sigma)).to_frame()
        row = frame.query("country == 'USA' and sector == 'C17' and variable == 'output_real_pct'")
        return row.value.iloc[0]

    cobb_douglas, low = electronics(1.0), electronics(0.02)
    assert cobb_douglas < 0 and low < 0
    assert low < 2.5 * cobb_douglas  # at least 2.5 times the Cobb-Douglas loss


def test_export_tax_revenue_goes_to_the_exporter(tiny):
    result = tw.solve(tiny, [tw.ExportControl(exporter="FOR", importer="HOM", tax_pct=30)])
    table = result.country_table()
    assert table.loc["FOR", "export_tax_revenue"] > 0
    assert table.loc["HOM", "export_tax_revenue"] == 0
    trade = result.trade().query("importer == 'HOM' and exporter == 'FOR'")
    assert (trade.change_pct < 0).all()
    o = result.steps[0].outcome
    assert o.max_residual < 1e-10 and o.walras_residual < 1e-9


def test_equilibrium_conditions_hold_with_export_controls_and_ces(tiny):
    econ = economy_from_world(tiny)
    econ = econ._replace(
        ces=ces_params(tiny, CESSettings(critical=["AGR"], sigma_top=0.3, sigma_materials=2.0))
    )
    tau = np.asarray(econ.tau)
    export_tax = np.zeros_like(tau)
    export_tax[0, 1, 1] = 0.4
    is_open = np.ones_like(tau)
    is_open[2, 0, 0] = 0.0
    shock = Shock(
        tau=tau,
        cost_hat=np.ones_like(tau),
        deficit=econ.deficit,
        export_tax=export_tax,
        open=is_open,
    )
    sol = solve_arrays(econ, shock)
    res = equilibrium_residuals(econ, shock, sol.w_hat, sol.log_P_hat, sol.expenditure)
    for name, value in res.items():
        assert float(value) < 1e-9, name
    assert float(np.asarray(sol.pi)[2, 0, 0]) == 0.0


def test_quota_binds_at_its_level_and_reports_the_tax_equivalent(tiny):
    quota = tw.ExportControl(
        exporter="FOR", importer="HOM", sectors="MAN", quota_pct_of_baseline=60
    )
    result = tw.solve(tiny, [quota])
    rows = result.quota_table()
    assert len(rows) == 1 and rows[0]["tax_equivalent_pct"] > 0
    q_hat = _quantity_change(result.steps[0].outcome)
    assert q_hat[0, 1, 1] == pytest.approx(0.60, rel=1e-6)
    frame = result.to_frame()
    assert "export_tax_equivalent_pct" in set(frame.variable)
    # The same tax set directly gives the same equilibrium.
    tax = tw.ExportControl(
        exporter="FOR", importer="HOM", sectors="MAN", tax_pct=rows[0]["tax_equivalent_pct"]
    )
    same = tw.solve(tiny, [tax]).country_table()
    np.testing.assert_allclose(_pct(same), _pct(result.country_table()), atol=1e-5)


def test_slack_quota_has_no_tax(tiny):
    quota = tw.ExportControl(
        exporter="FOR", importer="HOM", sectors="MAN", quota_pct_of_baseline=100
    )
    result = tw.solve(tiny, [tw.Tariff(importer="HOM", exporter="FOR", add_pct=20), quota])
    assert result.quota_table()[0]["tax_equivalent_pct"] == 0.0


def test_ban_stops_the_flow_and_can_be_lifted(tiny):
    ban = tw.ExportControl(exporter="FOR", importer="HOM", sectors="MAN", ban=True)
    result = tw.solve(tiny, [ban])
    assert result.steps[0].outcome.flows_after[0, 1, 1] == 0.0
    lifted = tw.solve(
        tiny, [ban, tw.ExportControl(exporter="FOR", importer="HOM", sectors="MAN", ban=False)]
    )
    np.testing.assert_allclose(lifted.country_table().welfare_pct, 0.0, atol=1e-8)


def test_infeasible_ban_is_an_error_that_names_the_flow(ree):
    ban = tw.ExportControl(
        exporter=["CHN", "ROW", "JPN", "EST"], importer="DEU", sectors="REE", ban=True
    )
    with pytest.raises(tw.ScenarioError, match="infeasible ban: DEU buys sector REE only from"):
        tw.solve(ree, [ban])
    try:
        tw.solve(ree, [ban])
    except tw.ScenarioError as exc:
        named = str(exc).split("only from ")[1].split(" in the baseline")[0].split(", ")
        assert set(named) == {"CHN", "ROW", "JPN", "EST"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tax_pct": -100}, "above -100%"),
        ({"tax_pct": -250}, "above -100%"),
        ({"quota_pct_of_baseline": 120}, "at most 100"),
        ({"quota_pct_of_baseline": 0}, "above 0"),
        ({}, "exactly one of ban, tax_pct, quota_pct_of_baseline"),
        ({"ban": True, "tax_pct": 5}, "exactly one of"),
    ],
)
def test_export_control_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tw.ExportControl(exporter="CHN", **kwargs)


def test_ces_settings_errors(tiny):
    with pytest.raises(tw.ScenarioError, match=r"ces\.critical"):
        tw.solve(tiny, [], model="ces-network", ces={"critical": ["REE"]})
    with pytest.raises(tw.ScenarioError, match="must be positive"):
        tw.solve(tiny, [], model="ces-network", ces={"sigma_top": -1.0})
    with pytest.raises(tw.ScenarioError, match=r"ces\.sigma_top\.XYZ"):
        tw.solve(tiny, [], model="ces-network", ces={"sigma_top": {"XYZ": 0.5}})
