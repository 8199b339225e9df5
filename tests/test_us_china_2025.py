"""The bundled 2025 US-China scenario: structure, the acceptance facts, and its report."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradewar.cli import app

SCENARIO = Path(__file__).parents[1] / "scenarios" / "us_china_2025.toml"


@pytest.fixture(scope="module")
def data():
    res = CliRunner().invoke(app, ["run", str(SCENARIO), "--json"])
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.slow
def test_one_converged_entry_per_step(data):
    steps = data["steps"]
    assert len(steps) == 13
    assert all(s["converged"] and s["max_residual"] < 1e-10 for s in steps)
    assert all(s["date"] and s["label"] and s["source"] for s in steps)
    dates = [s["date"] for s in steps]
    assert dates == sorted(dates)
    for s in steps:
        assert {r["country"] for r in s["countries"]} >= {"USA", "CHN", "JPN", "DEU"}


@pytest.mark.slow
def test_peak_escalation_is_worse_than_geneva_for_both(data):
    by_label = {s["label"]: {r["country"]: r for r in s["countries"]} for s in data["steps"]}
    peak, geneva = by_label["US 145% / China 125%"], by_label["Geneva: 30% / 10%"]
    for code in ("USA", "CHN"):
        assert peak[code]["welfare_pct"] < geneva[code]["welfare_pct"]


@pytest.mark.slow
def test_rare_earth_quotas_report_tax_equivalents(data):
    licensing = next(s for s in data["steps"] if s["label"] == "China: rare-earth licensing")
    to_us = next(q for q in licensing["quotas"] if q["importer"] == "USA")
    assert to_us["exporter"] == "CHN" and to_us["sector"] == "REE"
    assert to_us["quota_pct_of_baseline"] == 50 and to_us["tax_equivalent_pct"] > 0
    truce = data["steps"][-1]
    assert truce["quotas"] == []
