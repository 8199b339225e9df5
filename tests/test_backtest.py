"""Backtests: time-weighted predictions, the observations file, the score and the command.

The small-world tests compute every prediction by hand from the solved steps and the calendar;
the bundled 2025 test holds the claim the docs make (most held-out observations inside).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.backtest import backtest, read_observations, step_weights
from tradewar.cli import app

COLUMNS = (
    "id,variable,country,partner,sector,start,end,reference_start,reference_end,step,horizon,"
    "value,low,high,unit,role,what,source,source_date,note"
)

TIMELINE = {
    "name": "half year",
    "world": "tiny",
    "step": [
        {"date": "2025-01-01", "label": "status quo"},
        {
            "date": "2025-04-01",
            "label": "announced",
            "in_force": False,
            "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 200}],
        },
        {
            "date": "2025-07-01",
            "label": "tariff",
            "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 40}],
        },
    ],
}


@pytest.fixture(scope="module")
def timeline():
    scenario = tw.parse_scenario(TIMELINE)
    return scenario, tw.run_scenario(scenario)


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "observed.csv"
    path.write_text("\n".join([COLUMNS, *rows]) + "\n", encoding="utf-8")
    return path


def test_steps_stand_for_the_days_until_the_next_step_in_force(timeline):
    _, result = timeline
    weights = step_weights(result, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    # Jan 1 - Jun 30 is 181 days, Jul 1 - Dec 31 184; the announced step stands for none.
    assert weights.tolist() == [181.0, 0.0, 184.0]
    before = step_weights(result, dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    assert before.tolist() == [31.0, 0.0, 0.0]  # the status quo also stands for earlier dates


def test_a_step_never_in_force_is_solved_but_not_carried_forward(timeline):
    _, result = timeline
    home, foreign = result.countries.index("HOM"), result.countries.index("FOR")
    announced, last = result.steps[1].outcome, result.steps[2].outcome
    base = result.steps[0].outcome.tariffs_after[home, foreign]
    assert np.allclose(announced.tariffs_after[home, foreign] - base, 2.0)
    assert np.allclose(last.tariffs_after[home, foreign] - base, 0.4)
    assert result.to_json()["steps"][1]["in_force"] is False


def test_predictions_are_the_day_weighted_step_outcomes(timeline, tmp_path):
    scenario, result = timeline
    path = _write(
        tmp_path,
        "imports,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,-5,-50,50,percent,"
        "held-out,imports,,,",
        "rate,tariff_rate_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,10,5,15,percent,"
        "held-out,rate,,,",
        "q3,imports_pct,HOM,FOR,goods,2025-07-01,2025-09-30,2025-01-01,2025-03-31,,,0,-1,1,"
        "percent,held-out,q3,,,",
        "gain,step_welfare_pct,HOM,,,2025-07-01,2025-12-31,,,tariff,,0,-1,1,percent,"
        "calibration,gain,,,",
    )
    rows = backtest(scenario, path).rows.set_index("id")
    home, foreign = result.countries.index("HOM"), result.countries.index("FOR")
    goods = [result.sectors.index(s) for s in ("AGR", "MAN")]
    flows = [s.outcome.flows_after[home, foreign, goods].sum() for s in result.steps]
    paid = [
        (s.outcome.flows_after * s.outcome.tariffs_after)[home, foreign, goods].sum()
        for s in result.steps
    ]
    year = (181 * flows[0] + 184 * flows[2]) / 365
    assert rows.loc["imports", "predicted"] == pytest.approx(100 * (year / flows[0] - 1))
    rate = (181 * paid[0] + 184 * paid[2]) / (181 * flows[0] + 184 * flows[2])
    assert rows.loc["rate", "predicted"] == pytest.approx(100 * rate)
    assert rows.loc["q3", "predicted"] == pytest.approx(100 * (flows[2] / flows[0] - 1))
    welfare = [s.outcome.welfare_hat[home] for s in result.steps]
    assert rows.loc["gain", "predicted"] == pytest.approx(100 * (welfare[2] / welfare[0] - 1))


def test_the_score_counts_held_out_rows_only(timeline, tmp_path):
    scenario, _ = timeline
    path = _write(
        tmp_path,
        "inside,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,0,-90,90,percent,held-out,a,,,",
        "miss,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,50,40,60,percent,"
        "held-out,b,,,explained here",
        "set,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,50,40,60,percent,calibration,c,,,",
    )
    result = backtest(scenario, path)
    assert (result.hits, len(result.held_out), result.score) == (1, 2, 0.5)
    assert result.misses()["note"].tolist() == ["explained here"]
    data = result.to_json()
    assert data["hits"] == 1 and data["held_out"] == 2 and len(data["rows"]) == 3


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("a,imports_pct,HOM,FOR,,2025-01-01,2025-12-31,,,,,5,-1,1,percent,held-out,x,,,", "low"),
        ("a,imports_pct,HOM,FOR,,2025-13-01,2025-12-31,,,,,0,-1,1,percent,held-out,x,,,", "start"),
        ("a,imports_pct,HOM,FOR,,2025-02-01,2025-01-31,,,,,0,-1,1,percent,held-out,x,,,", "end"),
        ("a,imports_pct,HOM,FOR,,2025-01-01,2025-12-31,,,,,0,-1,1,percent,guess,x,,,", "role"),
        ("a,imports_pct,HOM,FOR,,2025-01-01,2025-12-31,,,,,x,-1,1,percent,held-out,x,,,", "value"),
        (
            "a,imports_pct,HOM,FOR,,2025-01-01,2025-12-31,2025-01-01,,,,0,-1,1,percent,held-out,x,,,",
            "reference_start",
        ),
    ],
)
def test_a_bad_row_is_an_error_naming_the_row_and_field(tmp_path, row, field):
    path = _write(tmp_path, row)
    with pytest.raises(tw.DataError) as err:
        read_observations(path)
    assert err.value.row == 1 and err.value.field == field and str(path) in str(err.value)


def test_an_id_used_twice_and_an_unknown_variable_are_errors(timeline, tmp_path):
    row = "a,imports_pct,HOM,FOR,,2025-01-01,2025-12-31,,,,,0,-1,1,percent,held-out,x,,,"
    with pytest.raises(tw.DataError, match="used twice"):
        read_observations(_write(tmp_path, row, row))
    scenario, _ = timeline
    bad = "b,gdp_growth,HOM,,,2025-01-01,2025-12-31,,,,,0,-1,1,percent,held-out,x,,,"
    with pytest.raises(tw.DataError, match="unknown variable") as err:
        backtest(scenario, _write(tmp_path, bad))
    assert err.value.row == 1


def test_the_command_prints_the_table_and_json_and_exits_2_without_observations(tmp_path):
    scenario_path = tmp_path / "half.toml"
    scenario_path.write_text(
        'name = "half year"\nworld = "tiny"\nobservations = "observed.csv"\n'
        '[[step]]\ndate = 2025-01-01\nlabel = "status quo"\n'
        '[[step]]\ndate = 2025-07-01\nlabel = "tariff"\n'
        '[[step.policy]]\nkind = "tariff"\nimporter = "HOM"\nexporter = "FOR"\nadd_pct = 40\n',
        encoding="utf-8",
    )
    _write(
        tmp_path,
        "imports,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,-5,-50,50,percent,"
        "held-out,Home's imports from Foreign,,,",
    )
    runner = CliRunner()
    res = runner.invoke(app, ["backtest", str(scenario_path)])
    assert res.exit_code == 0, res.output
    assert "Home's imports from Foreign" in res.output and "1 of 1 held-out" in res.output
    res = runner.invoke(app, ["backtest", str(scenario_path), "--json"])
    data = json.loads(res.stdout)
    assert data["rows"][0]["inside"] is True and data["score"] == 1.0
    (tmp_path / "observed.csv").unlink()
    res = runner.invoke(app, ["backtest", str(scenario_path)])
    assert res.exit_code == 2 and "observed.csv" in res.output


@pytest.mark.slow
def test_the_2025_scenario_meets_most_held_out_observations_and_the_long_run_does_not():
    scenario = tw.load_scenario("scenarios/us_china_2025.toml")
    calibrated = backtest(scenario)
    assert calibrated.converged and calibrated.score > 0.5
    # Every miss carries its explanation.
    assert all(note.strip() for note in calibrated.misses()["note"])
    long_run = backtest(scenario.with_horizon("long").with_quota_rent("exporter"))
    assert long_run.score < calibrated.score


def test_a_solved_result_is_reused_and_gives_the_same_backtest(timeline, tmp_path):
    scenario, result = timeline
    path = _write(
        tmp_path,
        "imports,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,-5,-50,50,percent,"
        "held-out,imports,,,",
    )
    fresh = backtest(scenario, path).rows
    reused = backtest(scenario, path, solved=result).rows
    assert fresh["predicted"].tolist() == reused["predicted"].tolist()


def test_a_report_of_a_scenario_with_observations_shows_the_backtest(tmp_path):
    from tradewar.report import build_report

    path = _write(
        tmp_path,
        "imports,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,-5,-50,50,percent,"
        "held-out,HOM imports from FOR,,,",
        "far,imports_pct,HOM,FOR,goods,2025-01-01,2025-12-31,,,,,90,80,100,percent,"
        "held-out,an impossible rise,,,because the model cannot",
    )
    scenario = tw.parse_scenario({**TIMELINE, "observations": str(path)})
    page = build_report(scenario, tmp_path / "report")
    text = page.read_text(encoding="utf-8")
    assert "Against what was observed" in text
    assert "1 of 2 held-out observations inside their band" in text
    assert "because the model cannot" in text  # a miss shows its note
    rows = (page.parent / "tables" / "backtest.csv").read_text()
    assert "HOM imports from FOR" in rows
