"""Trade-elasticity estimation: PPML on pyfixest and the Caliendo–Parro triple difference."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradewar as tw
from helpers.panels import COUNTRIES_1993
from tradewar.cli import app
from tradewar.errors import DataError
from tradewar.estimate import load_panel, panel_from_world, trade_elasticity
from tradewar.model.calibrate import BaselineShares, world_from_shares

runner = CliRunner()
THETA = np.array([2.0, 5.0, 8.0])


def simulated_world(seed: int, noise: float, n: int = 14) -> tw.World:
    """A world whose trade is the model's equilibrium at gravity shares with known theta.

    Trade costs are symmetric pair costs times a sector-pair shock, so that log trade has an
    error of standard deviation ``noise`` (the gravity regression's error); tariffs vary by
    pair and sector.
    """
    rng = np.random.default_rng(seed)
    J = THETA.size
    distance = rng.uniform(1.2, 3.0, size=(n, n))
    distance = np.sqrt(distance * distance.T)
    np.fill_diagonal(distance, 1.0)
    shock = np.exp(noise * rng.normal(size=(n, n, J)) / THETA)  # log trade error: sd = noise
    shock[np.arange(n), np.arange(n), :] = 1.0
    tau = rng.uniform(0.0, 0.4, size=(n, n, J))
    tau[np.arange(n), np.arange(n), :] = 0.0
    productivity = np.exp(rng.normal(size=(n, J)))
    kappa = distance[:, :, None] * shock * (1.0 + tau)
    weight = productivity[None, :, :] * kappa ** (-THETA)
    pi = weight / weight.sum(axis=1, keepdims=True)
    codes = tuple(f"C{k:02d}" for k in range(n))
    sectors = ("S1", "S2", "S3")
    world, _ = world_from_shares(
        BaselineShares(
            countries=codes,
            country_names=codes,
            sectors=sectors,
            sector_names=sectors,
            theta=THETA,
            tradable=np.ones(J, dtype=bool),
            pi=pi,
            tau=tau,
            gamma_io=np.zeros((n, J, J)),
            alpha=np.full((n, J), 1.0 / J),
            va=rng.uniform(50.0, 500.0, size=n),
            deficit=np.zeros(n),
            expenditure=np.full((n, J), 100.0),
            meta={"unit": "USD million"},
        ),
        name="simulated",
    )
    return world


def test_triple_difference_recovers_theta_exactly_without_noise():
    world = simulated_world(0, noise=0.0)
    for basis in ("gross", "net"):
        est = trade_elasticity(world, "triple-difference", value_basis=basis)
        np.testing.assert_allclose(est.table["theta"], THETA, rtol=1e-8)
        assert est.converged and est.complete


@pytest.mark.slow
def test_ppml_recovers_known_theta_within_two_standard_errors_over_seeds():
    # Three-way PPML with few sectors has a small incidental-parameter bias and clustered
    # errors a little too small (Weidner and Zylkin 2021): ask for 80% inside 2 s.e., not 95%.
    z = []
    for seed in range(8):
        est = trade_elasticity(simulated_world(seed, noise=0.3, n=20), "ppml")
        assert set(est.table["status"]) == {"estimated"}
        z.extend((est.table["theta"].to_numpy() - THETA) / est.table["se"].to_numpy())
    z = np.array(z)
    assert np.mean(np.abs(z) <= 2.0) >= 0.8
    assert np.abs(z).max() < 4.0
    assert abs(z.mean()) < 0.75


def no_small_sample_factors(pf):
    """pyfixest's ssc without its small-sample factors (argument names changed in 0.40)."""
    try:
        return pf.ssc(k_adj=False, G_adj=False)
    except TypeError:
        return pf.ssc(adj=False, cluster_adj=False)


def test_pyfixest_equals_a_direct_glm_fit_on_a_small_case():
    import pyfixest as pf
    import statsmodels.api as sm

    world = simulated_world(3, noise=0.3, n=6)
    panel = panel_from_world(world)
    est = trade_elasticity(panel, "ppml")
    frame = panel.assign(y=panel["value"] * (1 + panel["tariff_pct"] / 100))
    slopes = pd.DataFrame(
        {
            f"lt_{k}": np.where(frame["sector"] == s, np.log1p(frame["tariff_pct"] / 100), 0.0)
            for k, s in enumerate(world.sectors)
        }
    )
    fes = pd.DataFrame(
        {
            "exs": frame["exporter"] + frame["sector"],
            "ims": frame["importer"] + frame["sector"],
            "pair": frame["exporter"] + frame["importer"],
        }
    )
    design = pd.concat([slopes, pd.get_dummies(fes).astype(float)], axis=1)
    keep: list[int] = []  # a full-rank design: the dummy sets overlap
    matrix = design.to_numpy()
    for col in range(matrix.shape[1]):
        if np.linalg.matrix_rank(matrix[:, [*keep, col]]) > len(keep):
            keep.append(col)
    design = design.iloc[:, keep]
    groups = pd.factorize(fes["pair"])[0]
    glm = sm.GLM(frame["y"].to_numpy(), design, family=sm.families.Poisson()).fit(
        tol=1e-13,
        maxiter=500,
        cov_type="cluster",
        cov_kwds={"groups": groups, "use_correction": False},
    )
    names = list(slopes.columns)
    np.testing.assert_allclose(
        -est.table["theta"].to_numpy(), glm.params[names].to_numpy(), rtol=1e-7
    )
    data = pd.concat([frame[["y"]], slopes, fes], axis=1)
    raw = pf.fepois(
        "y ~ " + " + ".join(names) + " | exs + ims + pair",
        data=data,
        vcov={"CRV1": "pair"},
        ssc=no_small_sample_factors(pf),
    )
    np.testing.assert_allclose(raw.se().to_numpy(), glm.bse[names].to_numpy(), rtol=1e-4)


def test_cp2015_panel_estimates_and_statuses():
    est = trade_elasticity(
        "cp2015-1993",
        "triple-difference",
        countries=COUNTRIES_1993,
    )
    table = est.table.set_index("sector")
    # Petroleum against the published estimate shipped with the world (Caliendo and Parro 2015,
    # Table 1: 64.85, s.e. 15.61; cp2015/sectors.csv and theta_se.csv): within one standard
    # error, and with a standard error of its own that is not larger than the published one.
    world = tw.load_world("cp2015")
    k = world.sectors.index("S07")
    published, published_se = world.theta[k], world.theta_se[k]
    assert (published, published_se) == pytest.approx((64.85, 15.61), abs=0.005)
    assert abs(table.loc["S07", "theta"] - published) < published_se
    assert table.loc["S07", "se"] < published_se
    assert table.loc["S07", "n_obs"] == 69
    assert (table["status"] == "not positive").any() and not est.complete
    assert est.converged  # "not positive" is an answer, not a numerical failure
    assert table.loc[table["status"] == "not positive", "theta"].max() <= 0
    pooled = trade_elasticity("cp2015-1993", "triple-difference", pooled=True)
    assert pooled.table["sector"].tolist() == ["all"]


def test_estimates_go_into_a_world_and_its_uncertainty_draws(tmp_path):
    world = simulated_world(1, noise=0.2)
    est = trade_elasticity(world, "ppml")
    updated = est.apply(world)
    np.testing.assert_array_equal(updated.theta, est.table["theta"].to_numpy())
    np.testing.assert_array_equal(updated.theta_se, est.table["se"].to_numpy())
    tw.write_world(updated, tmp_path / "w", fmt="csv")
    loaded = tw.load_world(tmp_path / "w")
    np.testing.assert_allclose(loaded.theta_se, est.table["se"].to_numpy(), rtol=1e-15)
    assert "tradewar estimate" in loaded.meta["theta_source"]


def test_estimate_cli_json_and_world(tmp_path):
    result = runner.invoke(
        app,
        [
            "estimate",
            "cp2015-1993",
            "--method",
            "triple-difference",
            "--sectors",
            "S07,S15",
            "--world",
            "cp2015",
            "--write-world",
            str(tmp_path / "cp"),
            "--out",
            str(tmp_path / "est"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    payload = json.loads(result.output)
    assert [r["sector"] for r in payload["estimates"]] == ["S07", "S15"]
    assert payload["converged"] is True
    world = tw.load_world(tmp_path / "cp")
    k = world.sector_index("S07")
    assert world.theta[k] == pytest.approx(payload["estimates"][0]["theta"])
    assert (tmp_path / "est" / "estimates.csv").exists() and (
        tmp_path / "est" / "manifest.json"
    ).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["estimate", "cp2015-1993", "--method", "ols"], "unknown method 'ols'"),
        (["estimate", "cp2015-1993", "--sectors", "S99"], "unknown sector 'S99'"),
        (
            ["estimate", "cp2015-1993", "--method", "triple-difference", "--share", "0"],
            "share must be in",
        ),
        (["estimate", "nowhere.csv"], "not a bundled panel"),
        (
            ["estimate", "cp2015-1993", "--world", "cp2015"],
            "--world and --write-world come together",
        ),
    ],
)
def test_estimate_bad_input_exits_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_panel_file_errors(tmp_path):
    (tmp_path / "p.csv").write_text("exporter,importer,sector,value,tariff_pct\nA,B,S,1,-100\n")
    with pytest.raises(
        DataError, match=r"p.csv, row 2, field 'tariff_pct': tariff not above -100%"
    ):
        load_panel(tmp_path / "p.csv")
    (tmp_path / "p.csv").write_text("exporter,importer,sector,value\nA,B,S,1\n")
    with pytest.raises(DataError, match="missing column"):
        load_panel(tmp_path / "p.csv")


def test_an_unconverged_ppml_fit_says_so():
    # Once read from a flag pyfixest never sets to False: every fit was "converged".
    from tradewar.estimate import ppml_elasticities

    panel = panel_from_world(simulated_world(1, noise=0.3, n=8))
    stopped = ppml_elasticities(panel, max_iterations=1)
    assert set(stopped.table["status"]) == {"not converged"} and not stopped.converged
    full = ppml_elasticities(panel)
    assert "not converged" not in set(full.table["status"]) and full.converged


def _panel(case: str) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    codes = ["A", "B", "C", "D"]
    rows = [
        (e, m, s, float(rng.uniform(1, 10)), float(rng.uniform(0, 20)))
        for e in codes
        for m in codes
        for s in ("s1", "s2", "s3")
        if e != m
    ]
    panel = pd.DataFrame(rows, columns=["exporter", "importer", "sector", "value", "tariff_pct"])
    if case == "all zero":
        panel["value"] = 0.0
    elif case == "one exporter":
        panel = panel[panel.exporter == "A"].reset_index(drop=True)
    elif case == "one sector zero":
        panel.loc[panel.sector == "s1", "value"] = 0.0
    elif case == "one sector flat":
        panel.loc[panel.sector == "s3", "tariff_pct"] = 5.0
    return panel


@pytest.mark.parametrize("case", ["all zero", "one exporter"])
def test_ppml_on_a_panel_with_nothing_to_identify_says_so_in_process(case):
    # These aborted the whole process (a panic inside pyfixest's solver, exit 134).
    est = trade_elasticity(_panel(case), "ppml")
    assert set(est.table.status) == {"not identified"} and not est.complete
    assert est.table.theta.isna().all()


def test_ppml_on_one_sector_is_not_identified_under_pair_effects():
    est = trade_elasticity("cp2015-1993", "ppml", sectors=["S07"])
    assert est.table.status.tolist() == ["not identified"]


@pytest.mark.parametrize("method", ["ppml", "triple-difference"])
def test_a_sector_without_tariff_variation_is_reported_not_dropped(method):
    est = trade_elasticity(_panel("one sector flat"), method)
    table = est.table.set_index("sector")
    assert set(table.index) == {"s1", "s2", "s3"}
    assert table.loc["s3", "status"] == "not identified" and np.isnan(table.loc["s3", "theta"])
    assert table.loc[["s1", "s2"], "theta"].notna().all()


def test_ppml_drops_only_what_cannot_be_identified():
    # A sector whose flows are all zero goes; the others keep the estimates pyfixest gives on
    # the rows that identify them (recomputed here without the zero sector).
    full = trade_elasticity(_panel("one sector zero"), "ppml").table.set_index("sector")
    assert full.loc["s1", "status"] == "not identified"
    alone = _panel("one sector zero").query("sector != 's1'")
    direct = trade_elasticity(alone, "ppml").table.set_index("sector")
    np.testing.assert_allclose(full.loc[["s2", "s3"], "theta"], direct.theta, rtol=1e-8)


def test_panel_files_refuse_duplicates_and_corruption(tmp_path):
    (tmp_path / "dup.csv").write_text(
        "exporter,importer,sector,value,tariff_pct\nA,B,S,1,5\nA,C,S,2,5\nA,B,S,1,5\n"
    )
    with pytest.raises(DataError, match=r"dup.csv, row 4: a second row for exporter A, "):
        load_panel(tmp_path / "dup.csv")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    with pytest.raises(DataError, match=r"bad\.parquet: cannot be read"):
        load_panel(tmp_path / "bad.parquet")
    res = runner.invoke(app, ["estimate", str(tmp_path / "bad.parquet")])
    assert res.exit_code == 2 and "bad.parquet: cannot be read" in res.output


def test_estimate_errors_name_the_panel():
    res = runner.invoke(app, ["estimate", "cp2015-1993", "--sectors", "S99"])
    assert res.exit_code == 2
    assert "cp2015-1993, field 'sector': unknown sector 'S99'" in " ".join(res.output.split())
