"""Bad input from a fault-injection run: each case ends in a clear error, never a traceback."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.datasets import dataset_path

runner = CliRunner()

BASE = """
name = "bad input"
world = "tiny"

[[policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 25
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(*args: str):
    return runner.invoke(app, ["run", *args])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (BASE.replace("add_pct = 25", "add_pct = inf"), "policy[0].add_pct"),
        (BASE.replace("add_pct = 25", "add_pct = nan"), "policy[0].add_pct"),
        (BASE + "\n[solver]\ntol = 0\n", "solver.tol"),
        (BASE + "\n[solver]\nmax_iterations = 0\n", "solver.max_iterations"),
    ],
)
def test_non_finite_rates_and_bad_solver_settings_exit_2(tmp_path, text, key):
    res = run(str(write(tmp_path, text)), "--json")
    assert res.exit_code == 2, res.output
    assert f"key '{key}'" in res.stderr
    assert res.stdout == ""


def test_a_scenario_that_is_a_folder_or_not_utf8_exits_2(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    res = run(str(folder))
    assert res.exit_code == 2 and "is a folder" in res.stderr
    latin = tmp_path / "latin.toml"
    latin.write_bytes(BASE.replace("bad input", "caf\xe9").encode("latin-1"))
    res = run(str(latin))
    assert res.exit_code == 2 and "not UTF-8" in res.stderr


def test_world_paths_with_nul_bytes_or_link_loops_raise_data_errors(tmp_path):
    with pytest.raises(tw.DataError, match="not a usable path"):
        tw.load_world("tiny\x00world")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(tw.DataError):
        tw.load_world(str(loop))
    res = run(str(write(tmp_path, BASE.replace('world = "tiny"', f'world = "{loop}"'))))
    assert res.exit_code == 2 and "Traceback" not in res.output


def copy_tiny(tmp_path: Path, name: str = "mytiny") -> Path:
    target = tmp_path / name
    shutil.copytree(dataset_path("tiny"), target)
    return target


def test_flows_so_large_their_totals_overflow_are_refused(tmp_path):
    world = copy_tiny(tmp_path)
    flows = pd.read_csv(world / "flows.csv")
    flows.loc[flows.index[:2], "value"] = 1e308
    flows.loc[:1, "exporter"] = "HOM"
    flows.to_csv(world / "flows.csv", index=False)
    with pytest.raises(tw.DataError, match="too large"):
        tw.load_world(world)


def test_a_quota_on_flows_with_no_baseline_trade_solves(tmp_path):
    text = BASE.replace(
        'kind = "tariff"\nimporter = "HOM"\nexporter = "FOR"\nadd_pct = 25',
        'kind = "export_control"\nexporter = "FOR"\nimporter = "*"\nsectors = "*"\n'
        "quota_pct_of_baseline = 50",
    )
    res = run(str(write(tmp_path, text)), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["converged"] is True
    quotas = data["steps"][0]["quotas"]
    assert quotas and all(q["tax_equivalent_pct"] >= 0 for q in quotas)


def test_a_failed_zero_deficit_resolve_still_prints_json(tmp_path):
    text = BASE.replace('world = "tiny"', 'world = "tiny"\ndeficits = "zero"')
    res = run(str(write(tmp_path, text + "\n[solver]\nmax_iterations = 1\n")), "--json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["converged"] is False and "deficits" in data["error"]


def test_errors_found_after_parsing_name_the_scenario_file(tmp_path):
    cases = {
        "code": BASE.replace('exporter = "FOR"', 'exporter = "MARS"'),
        "table": BASE.replace("add_pct = 25", 'set_from = "1999"'),
        "ces": BASE.replace('world = "tiny"', 'world = "tiny"\nmodel = "ces-network"')
        + '\n[ces]\ncritical = ["XYZ"]\n',
    }
    for name, text in cases.items():
        path = write(tmp_path, text, f"{name}.toml")
        res = run(str(path))
        assert res.exit_code == 2, name
        assert str(path) in res.stderr, (name, res.stderr)
        with pytest.raises(tw.ScenarioError) as info:
            tw.run_scenario(path)
        assert info.value.file == str(path)


def test_a_relative_world_path_is_next_to_the_scenario_never_the_cwd(tmp_path, monkeypatch):
    here = tmp_path / "scenarios"
    here.mkdir()
    copy_tiny(here, "local")
    path = write(here, BASE.replace('world = "tiny"', 'world = "local"'))
    monkeypatch.chdir(tmp_path)
    assert run(str(path), "--json").exit_code == 0
    # A folder of that name in the working directory is not a fallback.
    copy_tiny(tmp_path, "elsewhere")
    other = write(here, BASE.replace('world = "tiny"', 'world = "elsewhere"'), "o.toml")
    res = run(str(other))
    assert res.exit_code == 2 and "relative to the scenario file" in res.stderr


def test_user_text_is_escaped_in_reports_figures_and_the_terminal(tmp_path):
    world = copy_tiny(tmp_path)
    toml = (world / "world.toml").read_text()
    (world / "world.toml").write_text(
        toml.replace('name = "tiny"', 'name = "<script>alert(1)</script>"').replace(
            "unit = ", 'unit = "<b>USD</b>"\nold_unit = ', 1
        )
    )
    sectors = pd.read_csv(world / "sectors.csv")
    sectors.loc[0, "name"] = "cost $x^2$ of {braces"
    sectors.to_csv(world / "sectors.csv", index=False)
    text = BASE.replace('name = "bad input"', 'name = "[bold red]loud[/]"').replace(
        'world = "tiny"', f'world = "{world}"'
    )
    path = write(tmp_path, text)
    res = run(str(path))
    assert res.exit_code == 0, res.output
    assert "[bold red]loud[/]" in res.stdout  # printed as written, not as markup
    out = tmp_path / "report"
    res = runner.invoke(app, ["report", str(path), "--out", str(out), "--focus", "HOM,FOR"])
    assert res.exit_code == 0, res.output
    page = (out / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>USD</b>" not in page


def test_unknown_model_in_the_python_api_is_a_scenario_error(tiny):
    with pytest.raises(tw.ScenarioError, match="model"):
        tw.solve(tiny, [], model="gravity")


NEGOTIATION = """
name = "n"
world = "tiny"
seed = 3
[calendar]
start = 2025-01-01
rounds = 3
[[player]]
country = "HOM"
strategy = "tit_for_tat"
params = { initial_pct = 10 }
[[player]]
country = "FOR"
strategy = "concede_under_pressure"
params = { treshold = 1 }
"""


def test_unknown_strategy_parameters_are_errors_naming_the_key(tmp_path):
    res = runner.invoke(app, ["negotiate", str(write(tmp_path, NEGOTIATION)), "--json"])
    assert res.exit_code == 2
    assert "player[1].params.treshold" in res.stderr and "threshold" in res.stderr


def test_negotiation_json_reports_the_seed_that_was_used(tmp_path):
    path = write(tmp_path, NEGOTIATION.replace("treshold", "threshold"))
    res = runner.invoke(app, ["negotiate", str(path), "--json", "--seed", "11"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["seed"] == 11
    res = runner.invoke(app, ["negotiate", str(path), "--json"])
    assert json.loads(res.stdout)["seed"] == 3


def test_non_finite_game_bounds_and_weights_are_refused(tiny):
    from tradewar.game import GameSettings

    with pytest.raises(tw.ScenarioError, match="finite"):
        GameSettings(upper_pct=float("inf"))
    with pytest.raises(tw.ScenarioError, match="deficits"):
        GameSettings(deficits="maybe")
    assert np.isfinite(GameSettings().upper_pct)


def _tiny_copy(tmp_path):
    import shutil

    from tradewar.datasets import dataset_path

    world = tmp_path / "world"
    shutil.copytree(dataset_path("tiny"), world)
    return world


@pytest.mark.parametrize("damage", ["all NULs", "valid then NULs"])
def test_a_table_holding_nul_bytes_is_refused_before_parsing(tmp_path, damage):
    import resource

    world = _tiny_copy(tmp_path)
    flows = world / "flows.csv"
    size = 300 * 2**20  # sparse: no disk used; a parser read it as one 300 MB field
    if damage == "all NULs":
        flows.write_bytes(b"")
        offset = 0
    else:
        offset = flows.stat().st_size
    with flows.open("r+b") as handle:
        handle.truncate(offset + size)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(tw.DataError) as caught:
        tw.load_world(world)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    message = str(caught.value)
    assert message.startswith("flows.csv: not a text table: a NUL byte at byte")
    assert f"byte {offset:,}" in message and len(message) < 300
    assert grown_mb < 100  # read a chunk at a time, never the whole file
    res = runner.invoke(
        app,
        ["build-world", str(flows), "--from", "long", "--out", str(tmp_path / "out")],
    )
    assert res.exit_code == 2 and "NUL byte" in res.output and len(res.output) < 600


def test_an_error_quotes_at_most_a_little_of_a_file(tmp_path):
    world = _tiny_copy(tmp_path)
    (world / "countries.csv").write_text("x" * 1_000_000 + "\nHOM\n")
    with pytest.raises(tw.DataError) as caught:
        tw.load_world(world)
    assert "missing column" in str(caught.value) and len(str(caught.value)) < 500


def test_values_whose_totals_overflow_are_bad_input_naming_the_file(tmp_path):
    import itertools

    rows = ["exporter,importer,sector,value"]
    for e, m, s in itertools.product("ABC", "ABC", ["S1", "S2"]):
        rows.append(f"{e},{m},{s},{50.0 if e == m else 10.0}")
    rows[1], rows[2] = "A,A,S1,1e308", "A,A,S2,1e308"  # each finite; their sum is not
    (tmp_path / "flows.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "theta.csv").write_text("sector,theta\nS1,5\nS2,5\n")
    res = runner.invoke(
        app,
        [
            "build-world",
            str(tmp_path / "flows.csv"),
            "--from",
            "long",
            "--theta",
            str(tmp_path / "theta.csv"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "flows.csv, field 'value': values too large" in " ".join(res.output.split())
    assert not (tmp_path / "out").exists()
