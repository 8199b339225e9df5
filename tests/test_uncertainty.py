"""Monte Carlo and sweeps: reproducible draws, honest failures, the CLI and a real Dask cluster."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.policy.uncertainty import UncertaintySettings
from tradewar.uncertainty import monte_carlo, parse_grid, sweep
from tradewar.uncertainty.sampling import draw_parameters, stream

ROOT = Path(__file__).parents[1]
TINY = """
name = "tiny tariff"
world = "tiny"
model = "caliendo-parro"
focus = ["HOM", "FOR"]

[[policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 20
"""
UNCERTAIN = (
    TINY
    + """
[uncertainty]
draws = 6
seed = 7
[[uncertainty.parameter]]
path = "parameters.theta.MAN"
distribution = "uniform"
low = 3.0
high = 6.0
[[uncertainty.parameter]]
path = "policy[0].add_pct"
distribution = "normal"
mean = 20.0
sd = 5.0
"""
)


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "tiny_mc.toml"
    path.write_text(UNCERTAIN, encoding="utf-8")
    return path


def _same(a, b):
    pd.testing.assert_frame_equal(
        a.values.reset_index(drop=True), b.values.reset_index(drop=True), check_exact=True
    )
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)


# ---------------------------------------------------------------------------- draws
def test_each_draw_has_its_own_stream():
    children = np.random.SeedSequence(11).spawn(5)
    for k, child in enumerate(children):
        expected = np.random.default_rng(child).random(3)
        assert np.array_equal(stream(11, k).random(3), expected)


def test_published_theta_draws_stay_within_their_bounds():
    world = tw.load_world("cp2015")
    settings = UncertaintySettings(theta={"truncate_sd": 2.0, "minimum": 1.0})
    draws = draw_parameters(settings, world, 300, seed=3)
    frame = pd.DataFrame(draws)
    assert set(frame.columns) == {
        f"parameters.theta.{c}"
        for c, se in zip(world.sectors, world.theta_se, strict=True)
        if se == se
    }
    assert "parameters.theta.S18" not in frame  # Auto: 8.22 is not its own estimate
    for code in ("S01", "S09", "S13"):
        k = world.sectors.index(code)
        low = max(world.theta[k] - 2 * world.theta_se[k], 1.0)
        high = world.theta[k] + 2 * world.theta_se[k]
        values = frame[f"parameters.theta.{code}"]
        assert values.between(low, high).all()
        assert values.std() > 0.2 * world.theta_se[k]
    assert frame["parameters.theta.S01"].mean() == pytest.approx(world.theta[0], rel=0.05)


def test_theta_draws_need_published_errors():
    with pytest.raises(tw.ScenarioError) as err:
        draw_parameters(UncertaintySettings(theta={}), tw.load_world("tiny"), 3, 0)
    assert err.value.key == "uncertainty.theta" and "theta_se.csv" in str(err.value)


# ---------------------------------------------------------------------------- identities
def test_zero_variance_gives_the_point_solve_exactly(scenario_file):
    scenario = tw.load_scenario(scenario_file)
    point = tw.run_scenario(scenario).country_table()
    parameters = {
        "parameter": [
            {"path": "policy[0].add_pct", "distribution": "normal", "mean": 20.0, "sd": 0.0}
        ]
    }
    result = monte_carlo(scenario, draws=5, parameters=parameters, scheduler="none")
    summary = result.summary().set_index(["country", "variable"])
    for variable in ("welfare_pct", "real_wage_pct", "terms_of_trade_pct", "tariff_revenue"):
        for code in point.index:
            row = summary.loc[(code, variable)]
            assert (
                row["q5"] == row["q50"] == row["q95"] == row["central"] == point.loc[code, variable]
            )
    assert result.failed == 0 and set(result.runs["converged"]) == {True}


def test_a_draw_that_does_not_converge_is_counted_not_dropped(scenario_file):
    parameters = {
        "parameter": [
            {"path": "solver.max_iterations", "distribution": "choice", "values": [1, 500]}
        ]
    }
    result = monte_carlo(scenario_file, draws=8, seed=1, parameters=parameters, scheduler="none")
    runs = result.runs
    failed = runs[~runs.converged]
    assert len(failed) == result.failed > 0
    assert (failed["solver.max_iterations"] == 1).all()
    assert (failed.status == "not converged").all() and (failed.max_residual > 1e-10).all()
    assert set(result.values.draw) == set(runs[runs.converged].draw)
    summary = result.summary()
    assert (summary.failed == result.failed).all()
    # Every converged run is behind each number a run defines (pass-through is undefined
    # where duties did not move, so fewer runs stand behind it there; money per household is
    # undefined for the tiny world's made-up countries, so no run stands behind it).
    undefined = ["pass_through_pct", "equivalent_variation_per_household"]
    defined = summary[~summary.variable.isin(undefined)]
    assert (summary[summary.variable == undefined[1]].runs == 0).all()
    assert (defined.runs == len(runs) - result.failed).all()
    assert (summary.runs <= len(runs) - result.failed).all()
    payload = result.to_json()
    assert payload["failed_runs"] == result.failed
    assert len(payload["failures"]) == result.failed


def test_summary_probabilities_and_who_won(scenario_file):
    result = monte_carlo(scenario_file, scheduler="none")
    summary = result.summary()
    hom = summary[(summary.country == "HOM") & (summary.variable == "welfare_pct")].iloc[0]
    values = result.values.query("country == 'HOM' and variable == 'welfare_pct'").value
    assert hom["q50"] == pytest.approx(np.quantile(values, 0.5))
    assert hom["p_negative"] == result.probability("HOM") == float((values < 0).mean())
    who = result.who_won()
    assert list(who.columns[:4]) == ["step", "date", "label", "p_HOM_ahead"]
    # Recomputed from the draws: each run's welfare gap between the two focus countries.
    welfare = result.values[result.values.variable == "welfare_pct"]
    wide = welfare.pivot_table(index=result.run_column, columns="country", values="value")
    ahead = float((wide["HOM"] > wide["FOR"]).mean())
    assert who.p_HOM_ahead.iloc[0] == pytest.approx(ahead)
    assert who.winner.iloc[0] == ("HOM" if ahead >= 0.5 else "FOR")
    assert who.probability.iloc[0] == pytest.approx(max(ahead, 1 - ahead))
    assert who.median_gap_pts.iloc[0] == pytest.approx(float((wide["HOM"] - wide["FOR"]).median()))
    json.dumps(result.to_json())  # plain JSON


# ---------------------------------------------------------------------------- sweeps
def test_sweep_point_equals_tradewar_run(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    swept = CliRunner().invoke(
        app,
        ["sweep", str(path), "--set", "policy[0].add_pct=0:40:20", "--scheduler", "none", "--json"],
    )
    assert swept.exit_code == 0, swept.output
    points = json.loads(swept.stdout)["points"]
    assert [p["policy[0].add_pct"] for p in points] == [0, 20, 40]
    assert points[0]["countries"][0]["welfare_pct"] == pytest.approx(0.0, abs=1e-9)
    run = CliRunner().invoke(app, ["run", str(path), "--json"])
    expected = {c["country"]: c for c in json.loads(run.stdout)["countries"]}
    for country in points[1]["countries"]:
        for key in ("welfare_pct", "real_wage_pct", "tariff_revenue"):
            assert country[key] == expected[country["country"]][key]


def test_two_field_grid_in_order(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    result = sweep(
        path,
        {"policy[0].add_pct": [10, 30], "parameters.theta.MAN": [3.0, 5.0, 7.0]},
        scheduler="none",
    )
    assert list(result.runs["policy[0].add_pct"]) == [10, 10, 10, 30, 30, 30]
    assert list(result.runs["parameters.theta.MAN"]) == [3.0, 5.0, 7.0] * 2
    assert result.failed == 0 and result.values.point.nunique() == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("policy[0].add_pct=0:10:5", ("policy[0].add_pct", [0, 5, 10])),
        ("parameters.theta.S01=4,8.5", ("parameters.theta.S01", [4, 8.5])),
        ("x=1:0:-0.5", ("x", [1, 0.5, 0])),
    ],
)
def test_parse_grid(text, expected):
    assert parse_grid(text) == expected


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["uncertainty", "{f}", "--draws", "-5", "--scheduler", "none"], "'--draws'"),
        (["sweep", "{f}", "--set", "policy[0].add_pct=0:10:0", "--scheduler", "none"], "step"),
        (["sweep", "{f}", "--set", "policy[3].add_pct=1", "--scheduler", "none"], "past the end"),
        (["sweep", "{f}", "--set", "policy[0].add_pctt=1", "--scheduler", "none"], "unknown key"),
        (["sweep", "{f}", "--set", "colour=1", "--scheduler", "none"], "key 'colour'"),
        (["sweep", "{f}", "--set", "policy[0].add_pct", "--scheduler", "none"], "PATH=VALUES"),
        (["sweep", "{f}", "--set", "policy[0].add_pct=-150", "--scheduler", "none"], "-100"),
        (["uncertainty", "{f}", "--scheduler", "carrier-pigeon"], "key 'scheduler'"),
    ],
)
def test_bad_input_exits_2_naming_the_key(scenario_file, args, message):
    result = CliRunner().invoke(app, [a.replace("{f}", str(scenario_file)) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_scenario_without_an_uncertainty_table(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text(TINY, encoding="utf-8")
    result = CliRunner().invoke(app, ["uncertainty", str(path), "--scheduler", "none"])
    assert result.exit_code == 2 and "key 'uncertainty'" in result.output


def test_a_malformed_uncertainty_table_names_the_key(tmp_path):
    bad = TINY + '\n[uncertainty]\n[[uncertainty.parameter]]\npath = "parameters.theta.MAN"\n'
    bad += 'distribution = "uniform"\nlow = 3.0\n'
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(tw.ScenarioError) as err:
        tw.load_scenario(path)
    assert err.value.key == "uncertainty.parameter[0]" and "needs high" in str(err.value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_within_the_timeout(scenario_file):
    start = time.monotonic()
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(app, ["uncertainty", str(scenario_file), "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert "cannot talk to a Dask scheduler" in result.output and "key 'scheduler'" in result.output
    assert time.monotonic() - start < 45


def test_auto_picks_this_process_on_few_cores_and_a_cluster_on_many(monkeypatch):
    from tradewar.uncertainty import cluster

    monkeypatch.setattr(cluster.os, "cpu_count", lambda: 2)
    assert cluster.choose_scheduler("auto", 40) == "threads"
    assert cluster.choose_scheduler("auto", 1) == "none"
    monkeypatch.setattr(cluster.os, "cpu_count", lambda: 1)
    assert cluster.choose_scheduler("auto", 40) == "none"
    monkeypatch.setattr(cluster.os, "cpu_count", lambda: 16)
    assert cluster.choose_scheduler("auto", 40) == "local"
    assert cluster.choose_scheduler("auto", 20) == "threads"  # fewer than two chunks a worker
    assert cluster.choose_scheduler("auto", 40, workers=2) == "threads"
    for given in ("none", "threads", "local", "tcp://127.0.0.1:8786"):
        assert cluster.choose_scheduler(given, 40) == given
    assert cluster.choose_scheduler(None, 40) == "none"


def test_the_default_scheduler_is_chosen_and_said(scenario_file, monkeypatch):
    from tradewar.uncertainty import cluster

    monkeypatch.setattr(cluster.os, "cpu_count", lambda: 2)
    result = monte_carlo(scenario_file, chunk_size=2)
    assert result.settings["scheduler"] == "threads"
    assert result.settings["scheduler_asked"] == "auto"
    shown = CliRunner().invoke(app, ["uncertainty", str(scenario_file), "--chunk-size", "2"])
    assert shown.exit_code == 0, shown.output
    assert "on threads of this process" in " ".join(shown.output.split())


# ---------------------------------------------------------------------------- Dask
@pytest.mark.slow
def test_same_numbers_without_dask_and_on_one_or_two_local_workers(scenario_file):
    alone = monte_carlo(scenario_file, scheduler="none", chunk_size=2)
    one = monte_carlo(scenario_file, scheduler="local", workers=1, chunk_size=4)
    two = monte_carlo(scenario_file, scheduler="local", workers=2, chunk_size=1)
    threads = monte_carlo(scenario_file, scheduler="threads", workers=3, chunk_size=1)
    _same(alone, one)
    _same(alone, two)
    _same(alone, threads)


def _wait_for_a_worker(address: str, seconds: float = 60) -> None:
    from distributed import Client

    deadline = time.monotonic() + seconds
    while True:
        try:
            with Client(address, timeout=5) as client:
                if client.scheduler_info()["workers"]:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"no Dask worker joined {address}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def dask_scheduler():
    """A real `dask scheduler` and one `dask worker` on loopback (CI's, if it started them)."""
    given = os.environ.get("TRADEWAR_DASK_SCHEDULER")
    if given:
        _wait_for_a_worker(given)
        yield given
        return
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen(
        [*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_a_worker(address)
        yield address
    finally:
        worker.terminate()
        scheduler.terminate()
        worker.wait(timeout=30)
        scheduler.wait(timeout=30)


@pytest.mark.slow
def test_cli_on_a_real_dask_cluster(scenario_file, dask_scheduler, tmp_path):
    command = [sys.executable, "-m", "tradewar.cli", "uncertainty", str(scenario_file), "--json"]
    on_cluster = subprocess.run(
        [*command, "--scheduler", dask_scheduler, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert on_cluster.returncode == 0, on_cluster.stderr
    local = subprocess.run(
        [*command, "--scheduler", "none"], capture_output=True, text=True, timeout=600
    )
    a, b = json.loads(on_cluster.stdout), json.loads(local.stdout)
    assert a["steps"] == b["steps"] and a["converged_runs"] == 6
    assert a["settings"]["scheduler"] == dask_scheduler
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["settings"]["seed"] == 7 and manifest["runs"] == 6
    assert {"values.parquet", "runs.parquet", "summary.csv"} <= set(manifest["files"])


def test_report_of_a_scenario_with_an_uncertainty_table(tmp_path):
    from tradewar.report import build_report

    timeline = UNCERTAIN.replace(
        "[[policy]]",
        '[[step]]\ndate = 2025-01-01\nlabel = "first"\n[[step]]\ndate = 2025-02-01\n'
        'label = "second"\n[[step.policy]]\nkind = "tariff"\nimporter = "FOR"\n'
        'exporter = "HOM"\nadd_pct = 10\n\n[[policy]]',
    )
    path = tmp_path / "timeline.toml"
    path.write_text(timeline, encoding="utf-8")
    scenario = tw.load_scenario(path)
    assert len(scenario.step) == 2
    page = build_report(scenario, tmp_path / "report", scheduler="none")
    text = page.read_text(encoding="utf-8")
    assert "<h2>Uncertainty</h2>" in text and "6 draws (seed 7)" in text
    assert (tmp_path / "report" / "figures" / "uncertainty.png").stat().st_size > 10_000
    bands = pd.read_csv(tmp_path / "report" / "tables" / "uncertainty_welfare.csv")
    assert list(bands.columns) == ["country", "central", "mean", "q5", "q50", "q95", "P(loses)"]
    # The same seed drawn again: the report's bands are the quantiles of those draws.
    draws = monte_carlo(scenario, scheduler="none")
    last = draws.values[
        (draws.values.variable == "welfare_pct") & (draws.values.step == draws.values.step.max())
    ]
    for row in bands.itertuples():
        values = last[last.country == row.country].value.to_numpy()
        assert len(values) == 6
        assert row.q5 == pytest.approx(np.quantile(values, 0.05), abs=1e-6)
        assert row.q95 == pytest.approx(np.quantile(values, 0.95), abs=1e-6)
        assert row.mean == pytest.approx(values.mean(), abs=1e-6)
    who = pd.read_csv(tmp_path / "report" / "tables" / "uncertainty_who_won.csv")
    expected = draws.who_won()
    assert len(who) == 2
    np.testing.assert_allclose(who.probability, expected.probability, atol=1e-9)
    manifest = json.loads((tmp_path / "report" / "manifest.json").read_text())
    assert manifest["monte_carlo"] == {"draws": 6, "failed": 0}


def test_theta_se_is_read_checked_and_written(tmp_path):
    world = tw.load_world("tiny")
    from dataclasses import replace

    with_se = replace(world, theta_se=np.array([1.5, np.nan, np.nan]))
    tw.write_world(with_se, tmp_path / "w")
    again = tw.load_world(tmp_path / "w")
    assert again.theta_se[0] == 1.5 and np.isnan(again.theta_se[1:]).all()
    (tmp_path / "w" / "theta_se.csv").write_text("sector,se\nAGR,1.5\nXYZ,2\n")
    with pytest.raises(tw.DataError) as err:
        tw.load_world(tmp_path / "w")
    assert "theta_se.csv" in str(err.value) and "row 3" in str(err.value)
    (tmp_path / "w" / "theta_se.csv").write_text("sector,se\nAGR,-1\n")
    with pytest.raises(tw.DataError):
        tw.load_world(tmp_path / "w")


NEGOTIATION = """
name = "tiny talks"
world = "tiny"
sectors = ["AGR", "MAN"]
[start]
scenario = "war.toml"
[calendar]
start = 2025-01-06
rounds = 8
[[player]]
country = "HOM"
strategy = "concede_under_pressure"
params = { threshold = 1.0 }
[[player]]
country = "FOR"
strategy = "concede_under_pressure"
params = { threshold = 1.0 }
"""
WAR = """
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
"""
DRAWS = """
[uncertainty]
draws = 4
seed = 3
[[uncertainty.parameter]]
path = "parameters.theta.MAN"
distribution = "uniform"
low = 2.0
high = 8.0
"""


@pytest.mark.slow
def test_negotiation_draws_give_a_distribution_of_deal_dates(tmp_path):
    (tmp_path / "war.toml").write_text(WAR, encoding="utf-8")
    (tmp_path / "talks.toml").write_text(NEGOTIATION, encoding="utf-8")
    (tmp_path / "draws.toml").write_text(DRAWS, encoding="utf-8")
    args = [
        "negotiate",
        str(tmp_path / "talks.toml"),
        "--uncertainty",
        str(tmp_path / "draws.toml"),
    ]
    out = CliRunner().invoke(app, [*args, "--scheduler", "none", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["draws"] == 4 and payload["failed"] == 0
    runs = pd.DataFrame(payload["runs"])
    assert payload["p_deal"] == pytest.approx(float(runs.deal.mean()))
    runs = pd.DataFrame(payload["runs"])
    assert (
        runs["parameters.theta.MAN"].between(2.0, 8.0).all()
        and runs["parameters.theta.MAN"].nunique() == 4
    )
    assert runs["welfare_HOM"].nunique() == 4  # each draw's elasticity reaches every round
    assert sum(payload["deal_dates"].values()) == int(runs.deal.sum())
    again = CliRunner().invoke(app, [*args, "--scheduler", "none", "--json"])
    assert json.loads(again.stdout)["runs"] == payload["runs"]
    missing = CliRunner().invoke(
        app, ["negotiate", str(tmp_path / "talks.toml"), "--draws", "2", "--scheduler", "none"]
    )
    assert missing.exit_code == 2 and "key 'uncertainty'" in missing.output


def test_a_report_whose_draws_failed_is_not_called_converged(tmp_path):
    from tradewar.report import build_report
    from tradewar.web.tasks import report_status

    failing = UNCERTAIN.replace("draws = 6", "draws = 8").replace("seed = 7", "seed = 1") + (
        '[[uncertainty.parameter]]\npath = "solver.max_iterations"\ndistribution = "choice"\n'
        "values = [1, 500]\n"
    )
    path = tmp_path / "failing.toml"
    path.write_text(failing, encoding="utf-8")
    page = build_report(tw.load_scenario(path), tmp_path / "report", scheduler="none")
    manifest = json.loads((page.parent / "manifest.json").read_text())
    failed = manifest["monte_carlo"]["failed"]
    assert manifest["monte_carlo"]["draws"] == 8 and 0 < failed < 8
    assert f"{failed} did not converge and are left out" in page.read_text(encoding="utf-8")
    status = report_status(manifest)
    assert status["converged"] is False
    assert status["reason"].startswith(f"{failed} of 8 Monte Carlo draws did not converge")


def test_when_every_draw_fails_the_json_still_comes_and_says_so(scenario_file, tmp_path):
    failing = tmp_path / "all_fail.toml"
    failing.write_text(
        UNCERTAIN.replace("draws = 6", "draws = 3") + "\n[solver]\nmax_iterations = 1\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["uncertainty", str(failing), "--scheduler", "none", "--json"])
    assert res.exit_code == 1
    payload = json.loads(res.stdout)
    assert payload["failed_runs"] == 3 and payload["who_won"] == []
    assert "3 of 3 draws did not converge" in res.stderr
    result = monte_carlo(failing, scheduler="none")
    with pytest.raises(tw.ScenarioError, match="no run converged"):
        result.probability("HOM")


@pytest.mark.parametrize("count", ["0", "1000001", "1000000000"])
def test_draws_are_bounded_on_the_command_line_as_in_the_file(scenario_file, count):
    res = CliRunner().invoke(
        app, ["uncertainty", str(scenario_file), "--draws", count, "--scheduler", "none"]
    )
    assert res.exit_code == 2
    assert "Invalid value for '--draws'" in res.output
    # The API bounds it the same way.
    with pytest.raises(tw.ScenarioError, match="draws must be between 1 and 1,000,000"):
        monte_carlo(scenario_file, draws=int(count), scheduler="none")


def test_errors_about_the_uncertainty_table_name_the_file(tmp_path):
    bad = tmp_path / "bad_path.toml"
    bad.write_text(UNCERTAIN.replace('path = "policy[0].add_pct"', 'path = "policy[5].add_pct"'))
    res = CliRunner().invoke(app, ["uncertainty", str(bad), "--scheduler", "none"])
    assert res.exit_code == 2
    assert f"{bad}, key 'parameter policy[5].add_pct'" in " ".join(res.stderr.split())
    help_text = CliRunner().invoke(app, ["uncertainty", "--help"]).output
    assert "Scenario TOML file with an [uncertainty] table" in " ".join(help_text.split())


@pytest.fixture
def silent_listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.fixture
def http_server():
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("kind", ["silent_listener", "http_server"])
@pytest.mark.parametrize("command", ["uncertainty", "sweep"])
def test_a_server_that_does_not_speak_dask_is_exit_2_in_seconds(
    kind, command, scenario_file, request, monkeypatch
):
    import tradewar.uncertainty.cluster as cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2.0)
    address = request.getfixturevalue(kind)
    extra = ["--set", "policy[0].add_pct=0:10:5"] if command == "sweep" else ["--draws", "2"]
    started = time.perf_counter()
    res = CliRunner().invoke(
        app, [command, str(scenario_file), *extra, "--scheduler", address, "--json"]
    )
    assert res.exit_code == 2, res.output
    assert f"cannot talk to a Dask scheduler at {address}" in res.stderr
    assert "scheduler" in res.stderr and time.perf_counter() - started < 30


# ------------------------------------------------------------------ draws solved together
THETA_ONLY = (
    TINY.replace('model = "caliendo-parro"', 'model = "caliendo-parro"\ndeficits = "zero"')
    + """
[uncertainty]
draws = 6
seed = 11
[[uncertainty.parameter]]
path = "parameters.theta.MAN"
distribution = "uniform"
low = 3.0
high = 6.0
"""
)
TIMELINE = """
name = "tiny timeline"
world = "tiny"
model = "caliendo-parro"
focus = ["HOM", "FOR"]
[[step]]
date = 2025-01-01
label = "tariff"
[[step.policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 30
[[step]]
date = 2025-06-01
label = "retaliation"
[[step.policy]]
kind = "tariff"
importer = "FOR"
exporter = "HOM"
add_pct = 30

[uncertainty]
draws = 6
seed = 5
[[uncertainty.parameter]]
path = "parameters.theta.MAN"
distribution = "uniform"
low = 3.0
high = 6.0
"""
QUOTA_STEP = """
[[policy]]
kind = "export_control"
exporter = "FOR"
importer = "*"
sectors = "MAN"
quota_pct_of_baseline = 50
"""


def _counting_batches(monkeypatch):
    """Count the chunks `solve_draws` solved together (a result) and left (None), with the
    draws of any run solved together (not only from `MIN_RUNS_TOGETHER`)."""
    import tradewar.engine.draws as draws
    import tradewar.uncertainty.engine as engine

    monkeypatch.setattr(engine, "MIN_RUNS_TOGETHER", 2)

    counts = {"together": 0, "left": 0}
    original = draws.solve_draws

    def counted(scenarios, world):
        out = original(scenarios, world)
        counts["together" if out is not None else "left"] += 1
        return out

    monkeypatch.setattr(draws, "solve_draws", counted)
    return counts


@pytest.mark.parametrize(
    "extra", ["", QUOTA_STEP, "timeline"], ids=["plain", "with a quota", "two steps"]
)
def test_elasticity_draws_solved_together_are_those_solved_one_by_one(tmp_path, monkeypatch, extra):
    """Chunks of one draw are solved draw by draw; larger chunks of elasticity draws together
    (every step's solves in one program, each step warm-started from the one before): the
    frames are equal bit for bit, on threads too. A scenario with a quota is left to the
    draw-by-draw path, with the same result."""
    if extra == "timeline":
        text = TIMELINE
    else:
        text = THETA_ONLY.replace("\n[uncertainty]", extra + "\n[uncertainty]")
    path = tmp_path / "theta.toml"
    path.write_text(text, encoding="utf-8")
    counts = _counting_batches(monkeypatch)
    alone = monte_carlo(path, scheduler="none", chunk_size=1)
    assert counts == {"together": 0, "left": 0}  # one draw a chunk: nothing to batch
    together = monte_carlo(path, scheduler="none", chunk_size=4)
    threads = monte_carlo(path, scheduler="threads", workers=2, chunk_size=3)
    if extra == QUOTA_STEP:
        assert counts == {"together": 0, "left": 4}
    else:
        assert counts == {"together": 4, "left": 0}
    assert alone.failed == 0
    _same(alone, together)
    _same(alone, threads)


def test_zero_variance_elasticity_draws_give_the_point_solve_exactly(tmp_path, monkeypatch):
    counts = _counting_batches(monkeypatch)
    path = tmp_path / "theta.toml"
    path.write_text(THETA_ONLY, encoding="utf-8")
    scenario = tw.load_scenario(path)
    central = float(scenario.parameters.theta["MAN"]) if scenario.parameters.theta else None
    theta = central if central is not None else float(tw.load_world("tiny").theta[1])
    point = tw.run_scenario(
        scenario.model_copy(update={"uncertainty": None}), strict=True
    ).country_table()
    parameters = {
        "parameter": [
            {"path": "parameters.theta.MAN", "distribution": "normal", "mean": theta, "sd": 0.0}
        ]
    }
    result = monte_carlo(scenario, draws=4, parameters=parameters, scheduler="none")
    summary = result.summary().set_index(["country", "variable"])
    for variable in ("welfare_pct", "real_wage_pct", "terms_of_trade_pct", "tariff_revenue"):
        for code in point.index:
            row = summary.loc[(code, variable)]
            assert row["q5"] == row["q95"] == point.loc[code, variable]
    assert counts == {"together": 1, "left": 0}


def test_solve_many_is_solve_arrays_bit_for_bit_gmres_member_included():
    """`solve_many` on problems of different tariffs: each solution equals `solve_arrays`
    exactly, including a member whose goods market needs the GMRES fallback (a 60% import
    subsidy), which it solves again alone."""
    import jax
    import jax.numpy as jnp

    from tradewar.engine import economy_from_world
    from tradewar.model.batch import solve_many
    from tradewar.model.economy import no_shock
    from tradewar.model.solver import SolverOptions, solve_arrays

    econ = economy_from_world(tw.load_world("tiny"))
    n = econ.va.shape[0]
    options = SolverOptions()
    shocks = [
        no_shock(econ)._replace(tau=jnp.where(jnp.eye(n)[:, :, None] > 0, econ.tau, subsidy))
        for subsidy in (0.1, -0.3, -0.6, 0.4)
    ]
    # The member that needs GMRES leaves NaN in the batch's output (it is solved again).
    with jax.debug_nans(False):
        many = solve_many([econ] * len(shocks), shocks, options)
    for shock, solution in zip(shocks, many, strict=True):
        alone = solve_arrays(econ, shock, options)
        for got, expected in zip(solution, alone, strict=True):
            assert np.array_equal(np.asarray(got), np.asarray(expected), equal_nan=True)
    assert float(many[2].max_residual) < 1e-10  # the expansive member was solved, by GMRES
    with pytest.raises(ValueError, match="one shock"):
        solve_many([econ], shocks, options)
