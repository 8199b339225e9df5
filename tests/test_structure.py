"""Results as pandas and xarray users expect them, and optional extras that stay optional."""

import subprocess
import sys

import numpy as np

import tradewar as tw


def test_to_xarray_round_trips_to_the_tidy_frame(tiny):
    import xarray as xr

    scenario = tw.Scenario.model_validate(
        {
            "name": "two steps",
            "world": "tiny",
            "step": [
                {
                    "label": "a",
                    "date": "2025-04-02",
                    "policy": [
                        {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 10}
                    ],
                },
                {
                    "label": "b",
                    "date": "2025-04-09",
                    "policy": [
                        {"kind": "tariff", "importer": "FOR", "exporter": "HOM", "add_pct": 10}
                    ],
                },
            ],
        }
    )
    result = tw.run_scenario(scenario, world=tiny)
    array = result.to_xarray()
    assert isinstance(array, xr.DataArray)
    assert array.dims == ("step", "variable", "country", "partner", "sector")
    frame = result.to_frame().dropna(subset=["value"])  # undefined cells (NaN) as xarray drops
    back = array.to_series().dropna().reset_index()
    merged = frame.merge(back, on=["step", "variable", "country", "partner", "sector"], how="outer")
    assert len(merged) == len(frame) == len(back)
    np.testing.assert_array_equal(merged["value_x"].to_numpy(), merged["value_y"].to_numpy())
    assert array.sel(variable="welfare_pct")["unit"].item() == "percent"
    assert list(array["label"].to_numpy()) == ["a", "b"]
    assert array.attrs["world"] == "tiny"


def test_str_of_a_wiod2014_result_fits_in_40_lines():
    world = tw.load_world("wiod2014")
    result = tw.solve(world, [tw.Tariff(importer="USA", exporter="CHN", add_pct=25)])
    assert len(str(result).splitlines()) <= 40


def test_tradewar_imports_and_solves_without_matplotlib(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import tradewar as tw\n"
        "r = tw.solve('tiny', [tw.Tariff(importer='HOM', exporter='FOR', add_pct=10)])\n"
        "assert r.converged\n"
        "from typer.testing import CliRunner\n"
        "from tradewar.cli import app\n"
        "args = ['report', 'scenarios/cp2015_nafta.toml', '--out', sys.argv[1]]\n"
        "out = CliRunner().invoke(app, args)\n"
        "print(out.exit_code, out.output)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 ")
    assert 'pip install "tradewar[report]"' in done.stdout


def test_negotiation_frame_has_one_row_per_round_player_and_variable():
    from tradewar.dynamics import load_negotiation, simulate

    config = load_negotiation("scenarios/us_china_2025_negotiation.toml")
    config = config.model_copy(
        update={"calendar": config.calendar.model_copy(update={"rounds": 3})}
    )
    result = simulate(config)
    frame = result.to_frame()
    players = [p.country for p in config.player]
    assert len(frame) == 3 * len(players) * 4
    assert not frame.duplicated(["round", "country", "variable"]).any()
    assert frame["value"].dtype == float
    assert set(frame["variable"]) == {
        "tariff_level_pct",
        "avg_tariff_pct",
        "pressure",
        "welfare_vs_start_pct",
    }
    first = frame[(frame["round"] == 0) & (frame["variable"] == "welfare_vs_start_pct")]
    np.testing.assert_allclose(first["value"], 0.0, atol=1e-9)


def test_who_won_has_a_tidy_twin(tiny):
    from tradewar.results.summaries import head_to_head, head_to_head_long

    result = tw.solve(tiny, [tw.Tariff(importer="HOM", exporter="FOR", add_pct=20)])
    wide, long = head_to_head(result, "HOM", "FOR"), head_to_head_long(result, "HOM", "FOR")
    assert not any("HOM" in c or "FOR" in c for c in long.columns)
    assert len(long) == 7 * len(wide)
    gap = long[(long["variable"] == "welfare_gap_pts")]["value"].to_numpy()
    np.testing.assert_array_equal(gap, wide["welfare_gap_pts"].to_numpy())
    balance = long[(long["variable"] == "bilateral_balance")]
    assert set(balance["country"]) == {"HOM"} and set(balance["partner"]) == {"FOR"}
