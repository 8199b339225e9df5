"""The command line: contracts of `run --json`, `--out`, exit codes and one-line errors."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.datasets import dataset_path

runner = CliRunner()
SCENARIOS = Path(__file__).parents[1] / "scenarios"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """
name = "tiny test"
world = "tiny"
model = "caliendo-parro"

[[policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
sectors = "*"
add_pct = 25
"""


def test_run_json_contract(tmp_path):
    res = runner.invoke(app, ["run", str(write(tmp_path, GOOD)), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in (
        "scenario",
        "world",
        "model",
        "converged",
        "iterations",
        "max_residual",
        "countries",
        "steps",
    ):
        assert key in data
    assert data["converged"] is True
    row = data["countries"][0]
    for key in (
        "country",
        "welfare_pct",
        "terms_of_trade_pct",
        "volume_of_trade_pct",
        "real_wage_pct",
        "price_index_pct",
        "exports_pct",
        "imports_pct",
        "tariff_revenue",
    ):
        assert key in row
    assert {r["country"] for r in data["countries"]} == {"HOM", "FOR", "ROW"}
    # The values are the library's: the same scenario solved through the Python API.
    result = tw.run_scenario(write(tmp_path, GOOD))
    table = result.country_table()
    assert data["iterations"] == result.iterations
    assert data["max_residual"] == pytest.approx(result.max_residual, rel=1e-12)
    assert [s["method"] for s in data["steps"]] == ["anderson"] * len(result.steps)
    for row in data["countries"]:
        for key, value in row.items():
            if key != "country" and isinstance(value, float):
                assert value == pytest.approx(table.loc[row["country"], key], rel=1e-12, abs=1e-15)


def test_nafta_json_gives_table2(tmp_path):
    res = runner.invoke(app, ["run", str(SCENARIOS / "cp2015_nafta.toml"), "--json"])
    assert res.exit_code == 0
    rows = {r["country"]: r for r in json.loads(res.stdout)["countries"]}
    assert rows["MEX"]["terms_of_trade_pct"] == pytest.approx(-0.41, abs=0.01)
    assert rows["MEX"]["volume_of_trade_pct"] == pytest.approx(1.72, abs=0.01)
    assert rows["CAN"]["real_wage_pct"] == pytest.approx(0.32, abs=0.01)


def test_run_table_output(tmp_path):
    res = runner.invoke(app, ["run", str(write(tmp_path, GOOD))])
    assert res.exit_code == 0
    assert "Welfare" in res.stdout and "HOM" in res.stdout


def test_out_writes_parquet_and_manifest(tmp_path):
    out = tmp_path / "results"
    res = runner.invoke(app, ["run", str(write(tmp_path, GOOD)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["converged"] is True
    assert len(manifest["data_hash"]) == 64
    assert manifest["tradewar_version"]
    frame = pd.read_parquet(out / "results.parquet")
    assert {"scenario", "step", "country", "partner", "sector", "variable", "unit", "value"} <= set(
        frame.columns
    )
    assert "trade" in set(frame.variable)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_timeline_has_one_entry_per_step(tmp_path):
    text = """
name = "timeline"
world = "tiny"

[[step]]
date = 2025-02-04
label = "first"
source = "test"
[[step.policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 10

[[step]]
date = 2025-04-09
label = "second"
[[step.policy]]
kind = "tariff"
importer = "FOR"
exporter = "HOM"
add_pct = 10
"""
    res = runner.invoke(app, ["run", str(write(tmp_path, text)), "--json"])
    assert res.exit_code == 0, res.output
    steps = json.loads(res.stdout)["steps"]
    assert [s["label"] for s in steps] == ["first", "second"]
    assert steps[0]["date"] == "2025-02-04"
    hom = [next(r for r in s["countries"] if r["country"] == "HOM") for s in steps]
    assert all(s["converged"] for s in steps)
    # HOM's 10-point tariff on FOR raises its revenue above the baseline in both steps.
    assert hom[0]["tariff_revenue"] > hom[0]["tariff_revenue_before"]
    assert hom[1]["exports_pct"] < hom[0]["exports_pct"]  # retaliation hits HOM's exports


BAD_SCENARIOS = [
    ("name = 'x'\nworld = 'tiny'\n[[policy]\nkind='tariff'", "malformed TOML"),
    (
        GOOD.replace("add_pct = 25", "add_pct = 25\ncolour = 'red'"),
        "key 'policy[0].colour': unknown key",
    ),
    (
        GOOD.replace('importer = "HOM"', 'importer = "USA"'),
        "key 'policy[0].importer': unknown code 'USA'",
    ),
    (
        GOOD.replace('sectors = "*"', 'sectors = ["STEEL"]'),
        "key 'policy[0].sectors': unknown code 'STEEL'",
    ),
    (GOOD.replace("add_pct = 25", "set_pct = -100"), "above -100%"),
    (GOOD.replace("add_pct = 25", "add_pct = -150"), "at or below -100%"),
    (GOOD.replace("add_pct = 25", "set_from = '1999'"), "no tariff table '1999'"),
    (GOOD.replace('kind = "tariff"', 'kind = "embargo"'), "unknown policy kind 'embargo'"),
    (GOOD.replace('world = "tiny"', 'world = "atlantis"'), "no such world package"),
    (GOOD.replace('model = "caliendo-parro"', 'model = "gravity"'), "key 'model'"),
    (GOOD.replace('name = "tiny test"', ""), "key 'name': required key is missing"),
    (
        "name='t'\nworld='tiny'\n[[step]]\ndate=2025-05-01\nlabel='a'\n[[step]]\ndate=2025-01-01\n"
        "label='b'\n",
        "step[1].date",
    ),
]


EXPORT_CONTROL = """
name = "controls"
world = "tiny"

[[policy]]
kind = "export_control"
exporter = "FOR"
importer = "HOM"
sectors = "MAN"
ban = true
"""
BAD_SCENARIOS += [
    (
        EXPORT_CONTROL.replace('sectors = "MAN"', 'sectors = "REE"'),
        "key 'policy[0].sectors': unknown code 'REE'",
    ),
    (
        EXPORT_CONTROL.replace("ban = true", "tax_pct = -120"),
        "key 'policy[0]': tax_pct = -120.0: an export tax must be above -100%",
    ),
    (
        EXPORT_CONTROL.replace("ban = true", "quota_pct_of_baseline = 140"),
        "key 'policy[0]': quota_pct_of_baseline = 140.0: a quota must be above 0 and at most 100",
    ),
    (
        EXPORT_CONTROL.replace('world = "tiny"', 'world = "wiod2014-ree"')
        .replace('sectors = "MAN"', 'sectors = "REE"')
        .replace('importer = "HOM"', 'importer = "DEU"')
        .replace('exporter = "FOR"', 'exporter = ["CHN", "ROW", "JPN", "EST"]'),
        "key 'policy': infeasible ban: DEU buys sector REE only from",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_SCENARIOS)
def test_bad_scenarios_exit_2_with_one_line(tmp_path, text, message):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(write(tmp_path, text)), "--json", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.stderr.split())
    assert len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""
    assert not out.exists()


def test_missing_scenario_file_exits_2(tmp_path):
    res = runner.invoke(app, ["run", str(tmp_path / "nope.toml")])
    assert res.exit_code == 2
    assert "nope.toml" in res.stderr and "no such scenario file" in res.stderr


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        ("flows.csv", ("value", "-1"), "flows.csv, row 2, field 'value': negative value"),
        ("flows.csv", ("value", "nan"), "flows.csv, row 2, field 'value': not a finite number"),
        ("tariffs.csv", ("tariff_pct", "-120"), "tariffs.csv, row 2, field 'tariff_pct'"),
        ("flows.csv", ("importer", "USA"), "flows.csv, row 2, field 'importer': unknown code"),
        ("value_added.csv", ("value_added", "0"), "unbalanced"),
    ],
)
def test_bad_world_exits_2(tmp_path, file, edit, message):
    pkg = tmp_path / "world"
    shutil.copytree(dataset_path("tiny"), pkg)
    frame = pd.read_csv(pkg / file, dtype=str, keep_default_na=False)
    frame.loc[0, edit[0]] = edit[1]
    frame.to_csv(pkg / file, index=False)
    scenario = write(tmp_path, GOOD.replace('world = "tiny"', f'world = "{pkg}"'))
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(scenario), "--json", "--out", str(out)])
    assert res.exit_code == 2
    assert message in res.stderr
    assert not out.exists()


def test_missing_world_file_exits_2(tmp_path):
    pkg = tmp_path / "world"
    shutil.copytree(dataset_path("tiny"), pkg)
    (pkg / "sectors.csv").unlink()
    res = runner.invoke(
        app, ["run", str(write(tmp_path, GOOD.replace('world = "tiny"', f'world = "{pkg}"')))]
    )
    assert res.exit_code == 2
    assert "missing required file sectors.csv" in res.stderr


def test_non_convergence_exits_1_and_flags_json(tmp_path):
    text = GOOD.replace("add_pct = 25", "add_pct = 90") + "\n[solver]\nmax_iterations = 1\n"
    res = runner.invoke(app, ["run", str(write(tmp_path, text)), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["converged"] is False
    assert "not found after 1 iterations" in res.stderr


def test_datasets_and_describe():
    res = runner.invoke(app, ["datasets"])
    assert res.exit_code == 0 and "cp2015" in res.stdout and "wiod2014" in res.stdout
    res = runner.invoke(app, ["describe", "cp2015", "--json"])
    assert res.exit_code == 0
    summary = json.loads(res.stdout)
    assert summary["countries"] == 31 and summary["sectors"] == 40
    assert runner.invoke(app, ["describe", "atlantis"]).exit_code == 2


def test_console_script_entry_point(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tradewar.cli", "run", str(write(tmp_path, GOOD)), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["world"] == "tiny"


def test_the_command_ends_with_its_exit_code_and_all_its_output(tmp_path):
    # `main` ends the process without interpreter teardown: the exit code and every byte of
    # output must survive it, on success and on failure.
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nworld = "atlantis"\n')
    command = [sys.executable, "-m", "tradewar.cli"]
    failed = subprocess.run(
        [*command, "run", str(bad)], capture_output=True, text=True, timeout=300, check=False
    )
    assert failed.returncode == 2 and "atlantis" in failed.stderr
    listed = subprocess.run(
        [*command, "describe", "cp2015", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert listed.returncode == 0 and json.loads(listed.stdout)["countries"] == 31
    version = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, timeout=300, check=False
    )
    assert version.returncode == 0 and version.stdout.startswith("tradewar ")


def test_error_in_a_later_step_names_that_step(tmp_path):
    text = """
name = "t"
world = "tiny"
[[policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 5
[[step]]
date = 2025-01-01
label = "a"
[[step]]
date = 2025-02-01
label = "b"
[[step.policy]]
kind = "trade_cost"
importer = "HOM"
exporter = "MARS"
factor = 1.1
"""
    res = runner.invoke(app, ["run", str(write(tmp_path, text))])
    assert res.exit_code == 2
    assert "key 'step[1].policy[0].exporter': unknown code 'MARS'" in res.stderr


def test_version_and_describe_list_the_sectors():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.startswith("tradewar ")
    res = runner.invoke(app, ["describe", "wiod2014", "--json"])
    sectors = json.loads(res.stdout)["sector_list"]
    assert len(sectors) == 50
    assert {"sector", "name", "theta", "tradable"} <= set(sectors[0])
    res = runner.invoke(app, ["describe", "wiod2014"])
    assert "Sectors" in res.stdout and "C17" in res.stdout


def test_unknown_codes_list_every_valid_code(tmp_path):
    text = (
        GOOD.replace('sectors = "*"', 'sectors = "XYZ"')
        .replace('world = "tiny"', 'world = "wiod2014"')
        .replace('importer = "HOM"', 'importer = "USA"')
        .replace('exporter = "FOR"', 'exporter = "CHN"')
    )
    res = runner.invoke(app, ["run", str(write(tmp_path, text))])
    assert res.exit_code == 2
    message = " ".join(res.stderr.split())
    assert "unknown code 'XYZ'" in message and "C50" in message  # the last of 50 codes
    assert "..." not in message


def test_game_tables_show_players_first_and_the_threat_point():
    result = runner.invoke(
        app, ["bargain", "tiny", "--model", "armington", "--countries", "HOM,FOR", "--top", "2"]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split()[1] for line in result.output.splitlines() if line.startswith("│")]
    assert rows == ["HOM", "FOR"]  # the players, and no more than --top rows
    text = " ".join(result.output.split())
    assert "2 of 3 countries" in text and "threat point (welfare): HOM" in text


def test_the_table_says_when_balanced_trade_equates_exports_and_imports(tmp_path):
    nafta = runner.invoke(app, ["run", str(SCENARIOS / "cp2015_nafta.toml")], terminal_width=200)
    assert nafta.exit_code == 0, nafta.output
    said = " ".join(nafta.stdout.split())
    assert "trade is balanced (deficits=zero), so each country's exports and imports" in said
    data = json.loads(
        runner.invoke(app, ["run", str(SCENARIOS / "cp2015_nafta.toml"), "--json"]).stdout
    )
    for row in data["countries"]:  # the identity the sentence states
        assert row["exports_pct"] == pytest.approx(row["imports_pct"], abs=1e-6)
    kept = tmp_path / "kept.toml"
    kept.write_text(
        (SCENARIOS / "cp2015_nafta.toml")
        .read_text()
        .replace('deficits = "zero"', 'deficits = "keep"')
    )
    assert 'deficits = "keep"' in kept.read_text()
    other = runner.invoke(app, ["run", str(kept)], terminal_width=200)
    assert other.exit_code == 0 and "trade is balanced" not in " ".join(other.stdout.split())


@pytest.mark.parametrize(
    "args",
    [
        ["run", "nope.toml"],
        ["report", "nope.toml", "--out", "rep"],
        ["compare", "nope.toml", "nope2.toml"],
        ["uncertainty", "nope.toml"],
        ["sweep", "nope.toml", "--set", "policy[0].add_pct=0:10:5"],
        ["backtest", "nope.toml"],
        ["negotiate", "nope.toml"],
    ],
)
def test_a_missing_file_is_refused_before_the_heavy_imports(args, tmp_path):
    probe = (
        "import sys\nfrom typer.testing import CliRunner\nfrom tradewar.cli import app\n"
        f"res = CliRunner().invoke(app, {args!r})\n"
        "print(res.exit_code, 'jax' in sys.modules, 'pandas' in sys.modules)\n"
        "print(res.output)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    first, output = done.stdout.split("\n", 1)
    assert first == "2 False False", done.stdout + done.stderr
    assert "nope.toml: no such" in output


def test_a_failed_zero_deficit_baseline_still_gives_iterations_and_residual(tmp_path):
    text = (SCENARIOS / "cp2015_nafta.toml").read_text()
    failing = tmp_path / "one_iteration.toml"
    failing.write_text(
        text.replace('deficits = "zero"', 'deficits = "zero"\n[solver]\nmax_iterations = 1', 1)
    )
    res = runner.invoke(app, ["run", str(failing), "--json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["converged"] is False and data["iterations"] == 1
    assert data["max_residual"] > 1e-10  # the residual that was not small enough
    assert "baseline could not be re-solved" in data["error"]


@pytest.mark.parametrize("command", [["run", "SCENARIO"], ["nash", "tiny"], ["compare"]])
@pytest.mark.parametrize("top", ["0", "-1"])
def test_top_must_show_at_least_one_row(command, top):
    nafta = str(SCENARIOS / "cp2015_nafta.toml")
    args = [nafta if a == "SCENARIO" else a for a in command]
    if command == ["compare"]:
        args += [nafta, nafta]
    res = runner.invoke(app, [*args, "--top", top])
    assert res.exit_code == 2 and "--top" in res.output


def test_every_command_has_its_place_in_the_help():
    """The command line is a package of modules; ``--help`` lists them in one chosen order."""
    from tradewar.cli import HELP_ORDER

    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names == list(HELP_ORDER)
    out = CliRunner().invoke(app, ["--help"]).output
    positions = [out.index(f"  {name} ") for name in HELP_ORDER]
    assert positions == sorted(positions)
