"""Short-run chokepoints: capacity limits, stocks, horizons, the convex choke, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tradewar as tw
import tradewar.engine.rationing as rationing
from tradewar.build.shares import BaselineShares, world_from_baseline
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.policy.chokepoints import HORIZONS

FIXED = {"horizon": "short", "inventory_weeks": 0.0}


@pytest.fixture(scope="module")
def choke_world() -> tw.World:
    """Three countries, a critical input REE that China supplies 80% of, manufacturing, services.

    The United States produces no REE; everyone outside China buys it 80% from China and 20%
    from ROW; China buys only its own. Manufacturing spends 1% of its costs on REE.
    """
    countries, sectors = ("CHN", "USA", "ROW"), ("REE", "MAN", "SRV")
    n, j = len(countries), len(sectors)
    pi = np.zeros((n, n, j))
    pi[:, :, 0] = [[1.0, 0.0, 0.0], [0.8, 0.0, 0.2], [0.8, 0.0, 0.2]]
    pi[:, :, 1] = 0.2 + 0.4 * np.eye(n)
    pi[:, :, 2] = np.eye(n)
    gamma = np.zeros((n, j, j))
    gamma[:, :, 0] = [0.0, 0.2, 0.2]  # REE uses manufactures and services
    gamma[:, :, 1] = [0.01, 0.3, 0.2]  # MAN uses REE
    gamma[:, :, 2] = [0.0, 0.1, 0.3]
    alpha = np.tile([0.0, 0.4, 0.6], (n, 1))
    va = np.array([10.0, 12.0, 20.0])
    shares = BaselineShares(
        countries=countries,
        country_names=("China", "United States", "Rest of world"),
        sectors=sectors,
        sector_names=("Rare earths", "Manufacturing", "Services"),
        pi=pi,
        tau=np.zeros((n, n, j)),
        gamma_io=gamma,
        alpha=alpha,
        va=va,
        deficit=np.zeros(n),
        expenditure=alpha * va[:, None] * 2.0 + 0.05,
        theta=np.array([0.5, 4.0, 4.0]),
        tradable=np.array([True, True, False]),
    )
    world, _ = world_from_baseline(shares, "choke-test")
    return world


def _scenario(world, policies, chokepoints=None, sigma_top=0.001, steps=()):
    return tw.Scenario(
        name="choke",
        world=world.name,
        model="ces-network",
        ces={"critical": ["REE"], "sigma_top": {"*": 1.0, "MAN": sigma_top}},
        chokepoints=chokepoints or {},
        policy=list(policies),
        step=list(steps),
    )


def _ban(importer="*"):
    return tw.ExportControl(exporter="CHN", importer=importer, sectors=["REE"], ban=True)


def _real_output(outcome):
    before = outcome.output_before
    return np.where(
        before > 0, outcome.output_after / outcome.c_hat / np.where(before > 0, before, 1), 1
    )


def test_long_horizon_is_todays_ces_network_exactly():
    scenario = tw.load_scenario("scenarios/us_china_2025.toml").with_horizon("long")
    # The long run solved without the rationing layer at all (no horizon anywhere).
    plain = scenario.model_copy(update={"chokepoints": tw.ChokepointSettings()})
    today = tw.run_scenario(plain)
    long = tw.run_scenario(scenario)
    named = tw.ChokepointSettings(horizon="long", inventory_weeks=4.0, spare_capacity_pct=3.0)
    long_named = tw.run_scenario(scenario.model_copy(update={"chokepoints": named}))
    for other in (long, long_named):
        for a, b in zip(today.steps, other.steps, strict=True):
            assert np.max(np.abs(a.outcome.welfare_hat - b.outcome.welfare_hat)) <= 1e-10
            assert np.max(np.abs(a.outcome.output_after - b.outcome.output_after)) <= 1e-10 * (
                a.outcome.output_after.max()
            )
            assert b.outcome.capacity_rent is None
    assert HORIZONS["long"].stock_cover == 0.0 and not HORIZONS["long"].limited


def test_zero_shock_leaves_every_premium_at_zero(choke_world):
    result = tw.run_scenario(_scenario(choke_world, [], FIXED), world=choke_world)
    o = result.steps[0].outcome
    assert o.converged
    assert np.max(np.abs(o.welfare_hat - 1.0)) < 1e-9
    assert np.all(o.capacity_rent == 0.0)


def test_full_ban_with_fixed_capacity_chokes_users_at_least_by_the_leontief_bound(choke_world):
    """Leontief users cannot make more than the REE they get; outside China that is ROW's.

    Users outside China (US and ROW manufacturing) bought 80% of their REE from China. With
    ROW's capacity fixed, their REE falls by at least 80%, and with a near-Leontief top nest
    (sigma = 0.001) each unit of output needs its baseline REE, so their output, weighted by
    REE use, falls by at least 80% (less the tiny substitution sigma allows).
    """
    result = tw.run_scenario(_scenario(choke_world, [_ban()], FIXED), world=choke_world)
    o = result.steps[0].outcome
    assert o.converged
    real = _real_output(o)
    ree, man = 0, 1
    # ROW's REE output cannot exceed its capacity.
    assert real[2, ree] <= 1.0 + 1e-6
    ree_use = choke_world.intermediates[1:, ree, man]
    weighted = float(np.sum(ree_use * real[1:, man]) / ree_use.sum())
    lost_share = 0.8
    substitution = 0.001 * np.log(o.P_hat[1:, ree].max())  # what sigma lets users save
    assert 1.0 - weighted >= lost_share * (1.0 - substitution) - 1e-6
    # The capacity premium is the shadow price that rations REE: large and positive.
    table = result.capacity_table()
    assert table.loc[("ROW", "REE"), "capacity_premium_pct"] > 100.0
    # In the long run the same ban costs these users almost nothing.
    long = tw.run_scenario(_scenario(choke_world, [_ban()]), world=choke_world).steps[0].outcome
    assert (1.0 - _real_output(long)[1:, man]).max() < 0.5 * lost_share


def test_ban_on_all_destinations_cannot_raise_supply_elsewhere_beyond_capacity(choke_world):
    long = tw.run_scenario(_scenario(choke_world, [_ban()], sigma_top=0.1), world=choke_world)
    short = tw.run_scenario(
        _scenario(choke_world, [_ban()], FIXED, sigma_top=0.1), world=choke_world
    )
    # Constant costs: ROW's REE output expands; fixed capacity: it cannot.
    assert _real_output(long.steps[0].outcome)[2, 0] > 1.5
    assert _real_output(short.steps[0].outcome)[2, 0] <= 1.0 + 1e-6
    # With a supply elasticity, output grows along the supply curve Q = K (1 + r)^eta.
    medium = {"horizon": "medium", "inventory_weeks": 0.0}
    o = (
        tw.run_scenario(_scenario(choke_world, [_ban()], medium, sigma_top=0.1), world=choke_world)
        .steps[0]
        .outcome
    )
    eta, headroom = HORIZONS["medium"].supply_elasticity, 1.05
    expected = headroom * (1.0 + o.capacity_rent[2, 0]) ** eta
    assert _real_output(o)[2, 0] == pytest.approx(expected, rel=1e-6)


def test_loss_is_convex_in_the_share_cut_off(choke_world):
    scenario = _scenario(choke_world, [], FIXED, sigma_top=0.05)
    curve = tw.choke_curve(
        scenario, "CHN", "REE", cuts=(0.2, 0.4, 0.6, 0.8, 1.0), world=choke_world
    )
    us = curve[(curve.country == "USA") & (curve.sector == "MAN")]
    us = us[us.variable == "output_real_pct"].sort_values("cut_pct")
    loss = np.concatenate([[0.0], -us.value.to_numpy()])
    assert np.all(np.diff(loss) > 0)  # more cut, more loss
    assert np.all(np.diff(loss, 2) > -1e-9)  # and each step costs more than the last
    assert loss[-1] > 10 * loss[1]
    welfare = curve[(curve.country == "USA") & (curve.variable == "welfare_pct")]
    assert welfare.value.is_monotonic_decreasing


def test_stocks_soften_a_ban_into_a_quota(choke_world):
    weeks = {"horizon": "short", "weeks": 10.0, "inventory_weeks": 4.0}
    soft = tw.run_scenario(_scenario(choke_world, [_ban("USA")], weeks), world=choke_world)
    hard = tw.run_scenario(_scenario(choke_world, [_ban("USA")], FIXED), world=choke_world)
    q = rationing.quantity_change(soft.steps[0].outcome)
    assert q[1, 0, 0] == pytest.approx(0.4, rel=1e-6)  # 4 of 10 weeks covered
    assert rationing.quantity_change(hard.steps[0].outcome)[1, 0, 0] == 0.0
    us_man_soft = _real_output(soft.steps[0].outcome)[1, 1]
    us_man_hard = _real_output(hard.steps[0].outcome)[1, 1]
    assert us_man_hard < us_man_soft < 1.0
    # The declared policy is still the ban.
    assert soft.steps[0].policies.open[1, 0, 0] == 0.0


def test_unsettled_premia_are_reported_never_returned_as_converged(choke_world, monkeypatch):
    monkeypatch.setattr(rationing, "RATIONING_MAX_ROUNDS", 1)
    scenario = _scenario(choke_world, [_ban()], FIXED)
    result = tw.run_scenario(scenario, world=choke_world, strict=False)
    assert result.steps[0].outcome.status == "capacity not settled"
    assert not result.converged
    with pytest.raises(ConvergenceError, match="supply curves"):
        tw.run_scenario(scenario, world=choke_world)


def test_short_run_economy_caps_the_top_nest_of_users_only(choke_world):
    result = tw.run_scenario(
        _scenario(choke_world, [_ban("USA")], {"horizon": "short"}, sigma_top=0.5),
        world=choke_world,
    )
    assert result.meta["horizon"]["sigma_top_cap"] == 0.02
    assert result.chokepoint_sectors == ("REE",)
    hit = result.users_hit(country="USA")
    assert list(hit.index.get_level_values("sector")) == ["MAN"]
    frame = result.to_frame()
    premia = frame[frame.variable == "capacity_premium_pct"]
    assert set(premia.sector) == {"REE"} and (premia.value >= 0).all()
    assert result.to_json()["steps"][0]["capacity"][0]["sector"] == "REE"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"horizon": "short", "supply_elasticity": -0.5}, "chokepoints.supply_elasticity"),
        ({"horizon": "short", "supply_elasticity": {"ROW": -1.0}}, "chokepoints.supply_elasticity"),
        ({"horizon": "short", "inventory_weeks": -1.0}, "chokepoints.inventory_weeks"),
        ({"horizon": "short", "spare_capacity_pct": -5.0}, "chokepoints.spare_capacity_pct"),
        ({"horizon": "short", "weeks": 0.0}, "chokepoints.weeks"),
        ({"horizon": "someday"}, "chokepoints.horizon"),
    ],
)
def test_infeasible_settings_are_errors_naming_the_key(tmp_path, table, key):
    from typer.testing import CliRunner

    from tradewar.cli import app

    lines = ["[chokepoints]"]
    for name, value in table.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} = {v}" for k, v in value.items())
            lines.append(f"{name} = {{ {inner} }}")
        elif isinstance(value, str):
            lines.append(f'{name} = "{value}"')
        else:
            lines.append(f"{name} = {value}")
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\nworld = "wiod2014-ree"\nmodel = "ces-network"\n'
        '[ces]\ncritical = ["REE"]\n' + "\n".join(lines) + "\n"
    )
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2, result.output
    assert key in result.output


def test_unknown_limited_sector_and_missing_sectors_are_errors(choke_world):
    with pytest.raises(ScenarioError, match="unknown sector 'XYZ'") as exc:
        tw.run_scenario(
            _scenario(choke_world, [], {"horizon": "short", "sectors": ["XYZ"]}),
            world=choke_world,
        )
    assert exc.value.key == "chokepoints.sectors"
    plain = tw.Scenario(name="x", world=choke_world.name, chokepoints={"horizon": "short"})
    with pytest.raises(ScenarioError, match="capacity-limited"):
        tw.run_scenario(plain, world=choke_world)


def test_report_draws_the_choke_curve_for_a_scenario_with_limits(choke_world, tmp_path):
    from tradewar.report import build_report

    folder = tmp_path / "choke-world"
    tw.write_world(choke_world, folder)
    scenario = _scenario(
        choke_world,
        [],
        {"horizon": "short", "inventory_weeks": 0.0},
        sigma_top=0.05,
        steps=[
            tw.Step(
                date="2025-04-04",
                label="licensing",
                policy=[
                    tw.ExportControl(
                        exporter="CHN", importer="*", sectors=["REE"], quota_pct_of_baseline=50
                    )
                ],
            )
        ],
    ).model_copy(update={"world": str(folder), "focus": ["USA", "CHN"]})
    page = build_report(scenario, tmp_path / "report", nest_elasticities=[0.05])
    text = page.read_text()
    assert "Chokepoints: short-run supply limits" in text
    out = page.parent
    assert (out / "figures" / "choke_curve.png").read_bytes()[:4] == b"\x89PNG"
    curve = pd.read_csv(out / "tables" / "choke_curve.csv")
    us = curve[(curve.country == "USA") & (curve.sector == "MAN")]
    us = us[us.variable == "output_real_pct"].sort_values("cut_pct")
    assert us.value.is_monotonic_decreasing and us.value.iloc[-1] < -10
    capacity = pd.read_csv(out / "tables" / "capacity.csv")
    assert (capacity.loc[capacity.country == "ROW", "capacity_premium_pct"] > 0).all()
    assert not pd.read_csv(out / "tables" / "users_hit.csv").empty
