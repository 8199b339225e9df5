"""The bundled 2025 US-China scenario: structure, the enacted measures, and the acceptance facts."""

import importlib.util
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradewar.cli import app

ROOT = Path(__file__).parents[1]
SCENARIO = ROOT / "scenarios" / "us_china_2025.toml"


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data():
    res = CliRunner().invoke(app, ["run", str(SCENARIO), "--json"])
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def by_label(data):
    return {s["label"]: s for s in data["steps"]}


def _country(step, code):
    return next(r for r in step["countries"] if r["country"] == code)


@pytest.mark.slow
def test_one_converged_entry_per_step(data):
    steps = data["steps"]
    assert len(steps) == 18
    assert all(s["converged"] and s["max_residual"] < 1e-9 for s in steps)
    assert all(s["date"] and s["label"] and s["source"] for s in steps)
    dates = [s["date"] for s in steps]
    assert dates == sorted(dates)
    for s in steps:
        assert {r["country"] for r in s["countries"]} >= {"USA", "CHN", "JPN", "DEU"}
        for r in s["countries"]:
            assert np.isfinite(r["welfare_pct"]), (s["label"], r["country"])


@pytest.mark.slow
def test_only_the_october_controls_are_announced_not_enacted(data):
    announced = [s["label"] for s in data["steps"] if not s["in_force"]]
    assert announced == ["China's October controls (announced)"]
    # Never carried forward: the truce follows the London framework, not the October quota.
    assert data["steps"][-1]["quotas"] == []


@pytest.mark.slow
def test_peak_escalation_is_worse_than_geneva_for_both(by_label):
    peak, geneva = by_label["US 145% / China 125%"], by_label["Geneva: 30% / 10%"]
    for code in ("USA", "CHN"):
        assert _country(peak, code)["welfare_pct"] < _country(geneva, code)["welfare_pct"]


@pytest.mark.slow
def test_licensing_is_a_quota_at_the_observed_magnet_exports_with_rents_to_buyers(by_label):
    licensing = by_label["China: rare-earth licensing"]
    to_us = {q["sector"]: q for q in licensing["quotas"] if q["importer"] == "USA"}
    assert set(to_us) == {"REE", "MAG"}
    for q in to_us.values():
        assert q["exporter"] == "CHN"
        # 3,864 t of magnets in April-May 2025 against 10,121 t a year earlier (GAC).
        assert q["quota_pct_of_baseline"] == pytest.approx(100 * 3864 / 10121, abs=0.5)
        assert q["rent_to"] == "importer" and q["tax_equivalent_pct"] > 0
    # Rents to buyers: China earns nothing from licensing its exports.
    china = _country(licensing, "CHN")
    assert china["export_control_rents"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.slow
def test_realised_tariff_on_china_follows_the_enacted_rates(by_label):
    def rate(step):
        row = next(
            r for r in step["tariff_revenue"] if r["importer"] == "USA" and r["partner"] == "CHN"
        )
        return row["tariff_rate_pct"]

    base = rate(by_label["Status quo (2018-19 duties)"])
    peak = rate(by_label["US 145% / China 125%"])
    geneva = rate(by_label["Geneva: 30% / 10%"])
    # The 2024 duties collected on Chinese goods: 11.0% (USITC DataWeb, docs/datasets.md).
    assert base == pytest.approx(11.0, abs=0.5)
    # Exemptions (electronics, Annex II, Section 232 goods) keep the realised peak far below
    # the statutory 145% stacked on the base; Geneva's 30% points add roughly 30 x (1 - exempt).
    assert 60.0 < peak < 120.0
    assert base + 10.0 < geneva < peak


@pytest.mark.slow
def test_tariff_revenue_by_partner_adds_up_to_each_importers_revenue(data):
    for step in data["steps"]:
        totals: dict[str, float] = {}
        for row in step["tariff_revenue"]:
            totals[row["importer"]] = totals.get(row["importer"], 0.0) + row["tariff_revenue"]
        for row in step["countries"]:
            assert totals[row["country"]] == pytest.approx(row["tariff_revenue"], rel=1e-9)


def test_exempt_shares_are_the_ones_the_product_lists_give():
    measures = _tool("us_tariffs_2025").measures()
    spec = tomllib.loads(SCENARIO.read_text())
    others = measures["reciprocal_others"]
    seen = 0
    for step in spec["step"]:
        for policy in step.get("policy", []):
            exempt = policy.get("exempt_pct")
            if exempt is None:
                continue
            seen += 1
            if policy.get("exporter") == "CHN" and "C17" in exempt and len(exempt) > 1:
                assert exempt == measures["reciprocal_china"], step["label"]
            elif "C17" in exempt:
                assert exempt == others, step["label"]
            elif "C15" in exempt:
                assert exempt == measures["s232_metals"], step["label"]
            else:
                usmca = {"CAN", "MEX"} & set(np.atleast_1d(policy["exporter"]))
                kind = "parts" if "parts" in step["label"] else "vehicles"
                key = f"s232_{kind}_usmca" if usmca else f"s232_{kind}"
                assert exempt == measures[key], step["label"]
    assert seen >= 10


@pytest.mark.slow
def test_the_readme_report_reads_right(tmp_path):
    # The README's main command: no NaN cell (a sector a country does not produce is left out
    # and the omission said), every table under a heading, the backtest and the bands there.
    from test_report import check_page
    from tradewar import load_scenario
    from tradewar.report import build_report

    page = build_report(load_scenario(SCENARIO), tmp_path / "report")
    text = page.read_text(encoding="utf-8")
    check_page(text)
    assert "Not shown: MAG, which USA does not produce" in text
    assert "9 of 12 held-out observations inside their band" in text
    assert "How far the answer depends on the assumptions" in text
    assert "more rows, for other importers, are in tables/quotas.csv" in text
