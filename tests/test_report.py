"""Reports: files, embedded figures, labelled axes, atomic output, CLI errors."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.policy.scenario import focus_countries
from tradewar.report import build_report, figures
from tradewar.report.html import with_nest_elasticity

TIMELINE = """
name = "tiny escalation"
world = "tiny"
model = "ces-network"

[ces]
critical = ["AGR"]
sigma_top = {"*" = 1.0, MAN = 0.2}

[[step]]
date = 2025-01-01
label = "start"

[[step]]
date = 2025-03-01
label = "HOM tariff"
source = "made up"
[[step.policy]]
kind = "tariff"
importer = "HOM"
exporter = "FOR"
add_pct = 40

[[step]]
date = 2025-04-01
label = "FOR retaliates"
[[step.policy]]
kind = "tariff"
importer = "FOR"
exporter = "HOM"
add_pct = 40
[[step.policy]]
kind = "export_control"
exporter = "FOR"
importer = "HOM"
sectors = "AGR"
quota_pct_of_baseline = 70
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "tiny.toml"
    path.write_text(TIMELINE)
    return tw.load_scenario(path)


@pytest.fixture(scope="module")
def result(scenario):
    return tw.run_scenario(scenario)


def test_report_writes_html_png_tables_and_manifest(scenario, tmp_path):
    page = build_report(scenario, tmp_path / "rep", nest_elasticities=[0.05, 0.5])
    out = page.parent
    text = page.read_text()
    for heading in (
        "Welfare path",
        "Who won?",
        "Tariff schedule",
        "Bilateral trade",
        "Sector output",
        "Sensitivity",
        "Export controls",
    ):
        assert heading in text
    assert text.count("data:image/png;base64,") >= 7
    pngs = sorted((out / "figures").glob("*.png"))
    assert len(pngs) >= 7
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["converged"] is True and manifest["focus"] == ["HOM", "FOR"]
    assert (out / "tables" / "who_won.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_report_tables_hold_the_librarys_numbers(scenario, result, tmp_path):
    """Every number in the report's tables against the same scenario solved by the library."""
    out = build_report(scenario, tmp_path / "rep", nest_elasticities=[0.05, 0.5]).parent
    tables = {p.stem: pd.read_csv(p) for p in (out / "tables").glob("*.csv")}
    frame = result.to_frame()
    for name, variable in (
        ("welfare_path", "welfare_pct"),
        ("price_path", "price_index_pct"),
        ("real_wage_path", "real_wage_pct"),
    ):
        table = tables[name]
        assert list(table.label) == [step.label for step in result.steps]
        for k in range(len(result.steps)):
            expected = result.country_table(k)[variable]
            for code in ("HOM", "FOR", "ROW"):
                assert table.loc[k, code] == pytest.approx(expected[code], abs=1e-9), (name, k)
    who = tables["who_won"]
    for k in range(len(result.steps)):
        countries = result.country_table(k)
        assert who.loc[k, "welfare_gap_pts"] == pytest.approx(
            countries.loc["HOM", "welfare_pct"] - countries.loc["FOR", "welfare_pct"], abs=1e-9
        )
        for code in ("HOM", "FOR"):
            assert who.loc[k, f"tariff_revenue_{code}"] == pytest.approx(
                countries.loc[code, "tariff_revenue"], rel=1e-9
            )
    for code in ("HOM", "FOR"):
        sectors = tables[f"sector_output_{code}"].set_index("sector")
        for k, step in enumerate(result.steps):
            rows = frame[
                (frame.step == k) & (frame.country == code) & (frame.variable == "output_real_pct")
            ]
            expected = rows.set_index("sector")["value"]
            for sector in sectors.index:
                assert sectors.loc[sector, step.label] == pytest.approx(expected[sector], abs=1e-9)
    # The decomposition's parts add up to the welfare change (an identity, not a snapshot).
    parts = tables["welfare_decomposition"]
    names = ("factor_income", "tariff_revenue", "rents", "capacity_rents", "transfers")
    total = parts[[f"{name}_pct" for name in names]].sum(axis=1)
    np.testing.assert_allclose(total, parts.welfare_pct, atol=1e-9)


def test_figures_have_labelled_axes_and_legends(result):
    checks = [
        figures.welfare_path_figure(result, ["HOM", "FOR", "ROW"]),
        figures.tariff_chart_figure(result, [("HOM", "FOR"), ("FOR", "HOM")]),
        figures.bilateral_trade_figure(result, "HOM", "FOR"),
    ]
    for fig in checks:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        legend = ax.get_legend()
        assert legend is not None and len(legend.get_texts()) >= 2
        assert "%" in ax.get_ylabel() or "USD" in ax.get_ylabel()
    heat = figures.sector_heatmap_figure(result, "HOM")
    ax = heat.axes[0]
    assert ax.get_xlabel() == "Step" and ax.get_ylabel() == "Sector"
    assert "% change" in heat.axes[1].get_ylabel()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == figures.step_ticks(result)
    for tick, step in zip(ticks, result.steps, strict=True):
        assert tick == f"{step.date:%d %b %Y}\n{step.label}"  # date and label on every step


def test_timelines_are_evenly_spaced_and_one_step_results_are_bars(result):
    fig = figures.welfare_path_figure(result, ["HOM", "FOR"])
    ax = fig.axes[0]
    assert list(ax.get_xticks()) == list(range(len(result.steps)))  # not a calendar axis
    one = tw.solve("tiny", [tw.Tariff(importer="HOM", exporter="FOR", add_pct=20)])
    bars = figures.welfare_path_figure(one, ["HOM", "FOR", "ROW"]).axes[0]
    assert len(bars.patches) == 3 and not bars.get_lines()[1:]  # bars, no one-point lines
    heat = figures.sector_heatmap_figure(one, "HOM")
    assert not heat.axes[0].images and len(heat.axes[0].patches) == 3  # bars, no 1-cell map


def test_report_tables_read_well(tmp_path):
    path = tmp_path / "timeline.toml"
    path.write_text(TIMELINE, encoding="utf-8")
    page = build_report(tw.load_scenario(path), tmp_path / "out").read_text(encoding="utf-8")
    assert "HOM welfare %" in page and "Gap, points" in page
    assert "welfare_pct_HOM" not in page  # raw column names stay in tables/who_won.csv
    assert "class='wide'" in page  # wide tables scroll inside the page


def test_focus_and_sensitivity_helpers(scenario):
    world = tw.load_world("tiny")
    assert focus_countries(scenario, world) == ["HOM", "FOR"]
    low = with_nest_elasticity(scenario, 0.01)
    assert low.ces.sigma_top == {"*": 1.0, "MAN": 0.01}


def test_head_to_head_table(result):
    from tradewar.results import head_to_head, tariff_schedule

    table = head_to_head(result, "HOM", "FOR")
    assert list(table.label) == ["start", "HOM tariff", "FOR retaliates"]
    assert table.loc[1, "tariff_revenue_HOM"] > table.loc[0, "tariff_revenue_HOM"]
    sched = tariff_schedule(result, "HOM", "FOR")
    assert sched.tariff_pct.iloc[1] == pytest.approx(sched.tariff_pct.iloc[0] + 40)


def test_report_cli_errors_leave_nothing(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(TIMELINE)
    runner = CliRunner()
    res = runner.invoke(
        app, ["report", str(path), "--out", str(tmp_path / "r"), "--focus", "HOM,MARS"]
    )
    assert res.exit_code == 2 and "unknown country 'MARS'" in res.stderr
    res = runner.invoke(
        app, ["report", str(path), "--out", str(tmp_path / "r"), "--nest-elasticities", "0.1,abc"]
    )
    assert res.exit_code == 2 and "--nest-elasticities" in res.stderr
    assert not (tmp_path / "r").exists()
    assert not [p for p in Path(tmp_path).iterdir() if p.name.startswith(".")]


def test_negotiation_outcome_reads_as_text():
    from tradewar.report.negotiation import _outcome_html

    outcome = {
        "deal": True,
        "date": "2025-05-12",
        "round": 4,
        "proposer": "USA",
        "terms": {
            "USA": {"additional_tariff_pct_over_baseline": {"USA": 55.0, "CHN": 10.0}},
            "CHN": {"additional_tariff_pct_over_baseline": {"USA": 55.0, "CHN": 10.0}},
        },
        "welfare_vs_start_pct": {"USA": 0.1234567890123, "CHN": 0.05},
        "final_tariff_level_pct": {"USA": 30.0, "CHN": -115.0},
        "converged": True,
    }
    page = _outcome_html(outcome)
    assert "Deal</b> on 2025-05-12 (round 4), offered by USA" in page
    assert "USA +55.0 points" in page and "CHN +10.0 points" in page
    assert "0.123" in page and "0.1234567890123" not in page and "{" not in page
    assert "No deal" in _outcome_html({**outcome, "deal": False})


def test_report_progress_runs_from_the_solves_to_the_end(tmp_path):
    path = tmp_path / "timeline.toml"
    path.write_text(TIMELINE, encoding="utf-8")
    calls = []
    build_report(
        tw.load_scenario(path),
        tmp_path / "out",
        nest_elasticities=[0.1, 0.5],
        progress=lambda f, m: calls.append((f, m)),
    )
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    messages = [m for _, m in calls]
    assert any(m.startswith("step ") for m in messages)
    assert "nest elasticity 0.5" in messages and "drawing the figures" in messages


def test_short_run_report_has_bands_decomposition_and_says_what_a_step_is(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(
        TIMELINE.replace('model = "ces-network"', 'model = "ces-network"\nhorizon = "short"')
    )
    page = build_report(tw.load_scenario(path), tmp_path / "out")
    text = page.read_text(encoding="utf-8")
    tables = page.parent / "tables"
    assert "short-run equilibrium" in text and "long-run equilibrium" not in text
    assert "one-year trade elasticities" in text
    # The nest elasticities are capped at the short horizon: no sensitivity runs, a note.
    assert "capped at 0.02" in text and not (tables / "sensitivity.csv").exists()
    assert "How far the answer depends on the assumptions" in text
    bands = pd.read_csv(tables / "who_won_bands.csv")
    assert set(bands["variant"]) == {
        "as calibrated",
        "rents to importer",
        "rents dissipated",
        "one-year elasticity 0.5",
        "one-year elasticity 1",
    }
    decomposition = pd.read_csv(tables / "welfare_decomposition.csv")
    parts = ["factor_income_pct", "tariff_revenue_pct", "rents_pct", "capacity_rents_pct"]
    total = decomposition[[*parts, "transfers_pct"]].sum(axis=1)
    np.testing.assert_allclose(total, decomposition["welfare_pct"], atol=1e-9)
    assert "Where each side" in text and "Tariff revenue" in text


def check_page(text: str) -> None:
    """What a reader sees: no NaN or infinite cell, and no table without words before it.

    Between one table and the next (or the page's start) there must be a heading or a
    paragraph saying what the table is.
    """
    import re

    body = re.sub(r"<img[^>]*>", "", text)
    cells = [c.strip().lower() for c in re.findall(r"<td[^>]*>([^<]*)</td>", body)]
    bad = [c for c in cells if c in ("nan", "inf", "-inf", "none")]
    assert not bad, f"{len(bad)} empty cells: {bad[:5]}"
    pieces = body.split("<table>")
    for k, before in enumerate(pieces[:-1]):
        since = before.rsplit("</table>", 1)[-1]
        assert re.search(r"<h[1-3][ >]|<p[ >]", since), f"table {k} has nothing saying what it is"


def test_report_pages_have_no_empty_cells_and_every_table_a_heading(scenario, tmp_path):
    check_page(build_report(scenario, tmp_path / "rep").read_text(encoding="utf-8"))


def test_every_figure_draws_names_as_text_not_math():
    """A name such as ``$\\foo{x}$`` (unknown TeX) crashed matplotlib's math parser."""
    import inspect

    drawn = [
        name
        for name, function in inspect.getmembers(figures, inspect.isfunction)
        if name.endswith("_figure") and function.__module__ == figures.__name__
    ]
    assert "choke_curve_figure" in drawn
    for name in drawn:  # each drawn under LITERAL_TEXT (a context decorator wraps it)
        assert hasattr(getattr(figures, name), "__wrapped__"), name
    curve = pd.DataFrame(
        {
            "country": ["HOM"] * 2,
            "variable": ["output_real_pct"] * 2,
            "sector": ["MAN"] * 2,
            "cut_pct": [50.0, 100.0],
            "value": [-1.0, -3.0],
        }
    )
    names = {"MAN": "$\\foo{x}$"}
    data = figures.png(figures.choke_curve_figure(curve, "HOM", ["MAN"], names, "$\\bar{x}$"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
