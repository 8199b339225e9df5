"""The sections of a scenario report: each builds its HTML and adds its figures and tables.

Each function takes the solved pieces it shows, writes its CSV tables into ``tables`` and its
PNG figures into ``figs`` (by name), and returns the section's HTML, every string from a
scenario or a world escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradewar.backtest import Backtest
from tradewar.backtest.assumptions import band_summary
from tradewar.backtest.output import score_line, table_rows
from tradewar.data.world import World
from tradewar.engine import get_model
from tradewar.policy.scenario import Scenario
from tradewar.report import figures
from tradewar.report.common import embedded_image, html_table
from tradewar.results.result import Result
from tradewar.results.summaries import sector_path

if TYPE_CHECKING:
    from tradewar.uncertainty import UncertaintyResult


def readable_who_won(frame: pd.DataFrame, a: str, b: str, unit: str) -> pd.DataFrame:
    """The "who won" table with headers for readers (the CSV keeps the column names).

    Money columns are whole numbers with thousands separators, in ``unit``.
    """
    names = {
        "date": "Date",
        "label": "Step",
        f"welfare_pct_{a}": f"{a} welfare %",
        f"welfare_pct_{b}": f"{b} welfare %",
        "welfare_gap_pts": "Gap, points",
        f"tariff_revenue_{a}": f"{a} tariff revenue ({unit})",
        f"tariff_revenue_{b}": f"{b} tariff revenue ({unit})",
        f"balance_{a}_with_{b}": f"{a} balance with {b} ({unit})",
        f"balance_change_{a}_with_{b}": f"{a} balance with {b}, change ({unit})",
    }
    order = [c for c in names if c in frame.columns]
    out = frame[order].copy()
    for column in order:
        if column.startswith(("tariff_revenue_", "balance_")):
            out[column] = [f"{round(v) or 0:,}" for v in out[column]]  # no "-0"
    return out.rename(columns=names)


def uncertainty_section(
    uncertainty: UncertaintyResult, shown: list[str], figs: dict, tables: dict
) -> str:
    """The Monte Carlo section: fan chart, last-step bands and who won, with its settings."""
    qs = [f"q{q:g}" for q in uncertainty.quantiles]
    low, high = qs[0], qs[-1]
    summary = uncertainty.summary()
    figs["uncertainty"] = (
        figures.png(figures.band_figure(summary, shown, low, high)),
        "Welfare bands across the Monte Carlo draws",
    )
    last = summary[(summary.step == summary.step.max()) & (summary.variable == "welfare_pct")]
    bands = last.set_index("country").loc[shown, ["central", "mean", *qs, "p_negative"]]
    bands = bands.rename(columns={"p_negative": "P(loses)"}).reset_index()
    tables["uncertainty_welfare"] = bands
    who = uncertainty.who_won()
    tables["uncertainty_who_won"] = who
    settings = uncertainty.settings
    described = []
    if settings.get("theta"):
        t = settings["theta"]
        described.append(
            "trade elasticities drawn from the world's published estimates and standard errors "
            f"(normal, truncated to ±{t['truncate_sd']:g} s.e. and at {t['minimum']:g})"
        )
    for p in settings.get("parameters", []):
        fields = ", ".join(f"{k} {v}" for k, v in p.items() if k not in ("path", "distribution"))
        described.append(f"{html.escape(p['path'])}: {p['distribution']} ({html.escape(fields)})")
    parts = [
        f"<p>{len(uncertainty.runs)} draws (seed {settings.get('seed')}), "
        f"{uncertainty.failed} did not converge and are left out; drawn: "
        + "; ".join(described)
        + ". Welfare at the last step, % change; central is the scenario as written. Method "
        "and assumptions: docs/uncertainty.md.</p>",
        embedded_image(figs["uncertainty"][0], figs["uncertainty"][1]),
        html_table(bands, 3, left=("country",)),
    ]
    if not who.empty:
        parts += [html_table(who, 3, left=("date", "label", "winner"))]
    return "\n".join(parts)


def control_exporter(scenario: Scenario, world: World, sectors: Sequence[str]) -> str:
    """The exporter that controls ``sectors`` most often in the scenario.

    Without such controls: the largest producer of the first limited sector.
    """
    from collections import Counter

    from tradewar.policy.policies import ExportControl

    policies = list(scenario.policy) + [p for step in scenario.step for p in step.policy]
    counts: Counter[str] = Counter()
    for policy in policies:
        if not isinstance(policy, ExportControl):
            continue
        targets = [policy.sectors] if isinstance(policy.sectors, str) else list(policy.sectors)
        exporters = [policy.exporter] if isinstance(policy.exporter, str) else policy.exporter
        if set(targets) & set(sectors):
            counts.update(code for code in exporters if code in world.countries)
    if counts:
        return counts.most_common(1)[0][0]
    k = world.sectors.index(sectors[0])
    return world.countries[int(world.gross_output[:, k].argmax())]


def chokepoints_section(
    scenario: Scenario,
    world: World,
    result: Result,
    focus: tuple[str, str],
    critical_users: list[str],
    figs: dict,
    tables: dict,
) -> str:
    """The chokepoint section: premia by step, who loses most, and the choke curve."""
    from tradewar.engine.choke import choke_curve

    sectors = list(result.chokepoint_sectors)
    exporter = control_exporter(scenario, world, sectors)
    choked = next((c for c in focus if c != exporter), focus[0])
    curve = choke_curve(scenario, exporter, sectors, world=world)
    users = critical_users or list(
        result.users_hit(top=6, country=choked).index.get_level_values("sector")
    )
    names = dict(zip(world.sectors, world.sector_names, strict=True))
    source = f"{exporter}'s {' and '.join(sectors)} supply"
    figs["choke_curve"] = (
        figures.png(figures.choke_curve_figure(curve, choked, users, names, source)),
        f"{choked}: real output loss against the share of {source} cut off",
    )
    capacity = []
    for k, st in enumerate(result.steps):
        frame = result.capacity_table(k).reset_index()
        frame.insert(0, "step", st.label)
        capacity.append(frame)
    tables["capacity"] = pd.concat(capacity, ignore_index=True)
    premia = [
        0.0
        if s.outcome.capacity_rent is None
        else float(np.nanmax(s.outcome.capacity_rent, initial=0.0))
        for s in result.steps
    ]
    worst = int(np.argmax(premia))
    hit = result.users_hit(worst, top=10).reset_index()
    tables["users_hit"] = hit
    tables["choke_curve"] = curve
    horizon = result.meta.get("horizon", {})
    top = tables["capacity"][tables["capacity"].step == result.steps[worst].label]
    top = top.sort_values("capacity_premium_pct", ascending=False).head(8)
    return (
        f"<p>Horizon <b>{html.escape(str(horizon.get('name', '')))}</b>: "
        f"{horizon.get('weeks')} weeks, supply elasticity {horizon.get('supply_elasticity')} "
        f"above {horizon.get('spare_capacity_pct')}% spare capacity, "
        f"{horizon.get('inventory_weeks')} weeks of stocks, top-nest elasticity of the users "
        f"at most {horizon.get('sigma_top_cap')} (docs/chokepoints.md). Capacity-limited "
        f"inputs: {html.escape(', '.join(sectors))}.</p>"
        f"<p>Capacity premia (the shadow price of capacity, % over unit cost) at "
        f"'{html.escape(result.steps[worst].label)}', the step where they are highest:</p>"
        + html_table(top, 2, left=("step", "country", "sector"))
        + "<p>The users that lose most real output at that step:</p>"
        + html_table(hit, 2, left=("country", "sector"))
        + embedded_image(figs["choke_curve"][0], figs["choke_curve"][1])
        + "<p>Losses grow faster than the share cut off: with fixed outside capacity and little "
        "room to substitute, the first share lost is absorbed by the premium, the last stops "
        "production (tables/choke_curve.csv has every user).</p>"
    )


def decomposition_section(result: Result, a: str, b: str, tables: dict) -> str:
    """Each side's welfare split into the parts of its income, at every step."""
    rows = []
    for k, step in enumerate(result.steps):
        table = result.welfare_decomposition(k)
        for code in (a, b):
            rows.append({"step": k, "label": step.label, "country": code, **table.loc[code]})
    frame = pd.DataFrame(rows)
    tables["welfare_decomposition"] = frame
    shown = frame[
        [
            "label",
            "country",
            "welfare_pct",
            "factor_income_pct",
            "tariff_revenue_pct",
            "rents_pct",
            "capacity_rents_pct",
            "transfers_pct",
        ]
    ].rename(
        columns={
            "label": "Step",
            "country": "Country",
            "welfare_pct": "Welfare %",
            "factor_income_pct": "Wages and profits",
            "tariff_revenue_pct": "Tariff revenue",
            "rents_pct": "Export-control rents",
            "capacity_rents_pct": "Capacity rents",
            "transfers_pct": "Transfers",
        }
    )
    live = [k for k, step in enumerate(result.steps) if step.in_force] or [len(result.steps) - 1]
    last = result.steps[live[-1]]
    drivers = [
        f"{last.label}: {d['sentence']}"
        for d in result.welfare_drivers(live[-1])
        if d["country"] in (a, b)
    ]
    return (
        "<h3>Where each side's welfare change comes from</h3>"
        "<p>Each side's welfare change split exactly into the real change of each part of its "
        "income, in points that add up to it (tables/welfare_decomposition.csv; "
        "docs/formats.md): factor income (wages and profits), tariff revenue, rents from "
        "export controls (whoever earns them), rents on capacity limits, and transfers (the "
        "real value of the trade deficit).</p>"
        + html_table(shown, 3, left=("Step", "Country"))
        + "".join(f"<p>{html.escape(t)}</p>" for t in drivers)
    )


def tariffs_and_prices(result: Result, a: str, b: str, tables: dict, unit: str) -> str:
    """Effective tariff rates of the focus pair, import prices and welfare in money, by step."""
    rates = result.effective_tariffs().set_index(["step", "importer", "partner"])
    rows = []
    for k, step in enumerate(result.steps):
        countries = result.country_table(k)
        row: dict = {"step": k, "label": step.label}
        for importer, partner in ((a, b), (b, a), (a, "all"), (b, "all")):
            key = (k, importer, partner)
            found = key in rates.index
            for kind in ("statutory", "realised"):
                row[f"{kind}_pct_{importer}_on_{partner}"] = (
                    float(rates.loc[key, f"{kind}_pct"]) if found else float("nan")
                )
        for code in (a, b):
            row[f"import_price_duty_paid_pct_{code}"] = countries.loc[
                code, "import_price_duty_paid_pct"
            ]
            row[f"pass_through_pct_{code}"] = countries.loc[code, "pass_through_pct"]
            row[f"equivalent_variation_{code}"] = countries.loc[code, "equivalent_variation"]
            row[f"equivalent_variation_per_household_{code}"] = countries.loc[
                code, "equivalent_variation_per_household"
            ]
        rows.append(row)
    frame = pd.DataFrame(rows)
    tables["effective_tariffs"] = frame
    focus = result.effective_tariffs()
    tables["effective_tariffs_all_pairs"] = focus[focus.importer.isin([a, b])]
    shown = pd.DataFrame(
        {
            "Step": frame.label,
            f"{a} on {b}, statutory %": frame[f"statutory_pct_{a}_on_{b}"],
            f"{a} on {b}, realised %": frame[f"realised_pct_{a}_on_{b}"],
            f"{b} on {a}, statutory %": frame[f"statutory_pct_{b}_on_{a}"],
            f"{b} on {a}, realised %": frame[f"realised_pct_{b}_on_{a}"],
            f"{a} on all, statutory %": frame[f"statutory_pct_{a}_on_all"],
            f"{a} on all, realised %": frame[f"realised_pct_{a}_on_all"],
        }
    )
    money = pd.DataFrame(
        {
            "Step": frame.label,
            f"{a} welfare ({unit})": frame[f"equivalent_variation_{a}"].round(0),
            f"{b} welfare ({unit})": frame[f"equivalent_variation_{b}"].round(0),
            f"{a} USD per household": frame[f"equivalent_variation_per_household_{a}"].round(0),
            f"{b} USD per household": frame[f"equivalent_variation_per_household_{b}"].round(0),
            f"{a} duty-paid import prices %": frame[f"import_price_duty_paid_pct_{a}"],
            f"{a} pass-through %": frame[f"pass_through_pct_{a}"],
            f"{b} duty-paid import prices %": frame[f"import_price_duty_paid_pct_{b}"],
            f"{b} pass-through %": frame[f"pass_through_pct_{b}"],
        }
    )
    blank = money.isna().any().any() or shown.isna().any().any()
    return (
        "<h3>Effective tariff rates</h3>"
        "<p>Statutory: the tariffs in force weighted by the baseline's imports (the rate before "
        "buyers substitute). Realised: duties collected over imports after the shock (after "
        "substitution; what customs receipts show). Percent; every pair and step in "
        "tables/effective_tariffs_all_pairs.csv.</p>"
        + html_table(shown, 2, left=("Step",))
        + "<h3>Welfare in money, import prices and pass-through</h3>"
        f"<p>Welfare as an equivalent variation ({html.escape(unit)}, at baseline prices), and "
        "per household (US dollars: the world year's population over the UN's persons per "
        "household; blank for aggregates and countries without a household size); "
        "duty-paid import "
        "prices weighted by the baseline's imports; pass-through is the share of the change in "
        "duties that reaches duty-paid import prices (in logs)"
        + (", left blank where duties moved by less than 0.5%" if blank else "")
        + " (tables/effective_tariffs.csv).</p>"
        + html_table(money.astype(object).where(money.notna(), ""), 2, left=("Step",))
    )


def backtest_section(held: Backtest, tables: dict) -> str:
    """The backtest section: every observation beside its prediction, and the score."""
    rows = table_rows(held)
    tables["backtest"] = held.rows
    frame = pd.DataFrame(
        {
            "Observation": [r["what"] for r in rows],
            "Period": [r["period"] for r in rows],
            "Observed": [r["observed"] for r in rows],
            "Band": [r["band"] for r in rows],
            "Predicted": [r["predicted"] for r in rows],
            "Verdict": [r["verdict"] for r in rows],
            "Why it misses": [r["note"] for r in rows],
        }
    )
    return (
        f"<p><b>{html.escape(score_line(held))}.</b> Each observation with its band; "
        "calibration rows set an input of the scenario and model estimates are other "
        "models' numbers, so neither is scored (<code>tradewar backtest</code>, "
        "tables/backtest.csv with sources; docs/backtest.md).</p>"
        + html_table(frame, 2, left=("Observation", "Period", "Verdict", "Why it misses"))
    )


def bands_section(bands: pd.DataFrame, a: str, b: str, tables: dict) -> str:
    """Who won at the key steps, over the assumptions no observation pins down."""
    summary = band_summary(bands, a, b)
    tables["who_won_bands"] = bands
    tables["who_won_bands_summary"] = summary
    variants = ", ".join(dict.fromkeys(bands["variant"]))
    return (
        "<h3>How far the answer depends on the assumptions</h3>"
        f"<p>The worst step for the two sides together and the last step in force, solved "
        f"again under each assumption no observation pins down ({html.escape(variants)}): "
        "who earns a quota's scarcity rent, and how strongly trade responds within a year "
        "(docs/backtest.md). Welfare as calibrated, with the lowest and highest over the "
        "variants (tables/who_won_bands.csv has each).</p>"
        + html_table(
            summary.drop(columns=["step"]).rename(columns={"label": "Step", "verdict": "Verdict"}),
            3,
            left=("Step", "Verdict"),
        )
        + f"<p>Each variant side by side ({a} / {b} welfare, %):</p>"
        + html_table(variants_side_by_side(bands, a, b), left=("Variant",))
    )


def variants_side_by_side(bands: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """One row per variant, one column per step: ``"+0.19 / -0.39"`` (a's and b's welfare)."""
    cells = bands.assign(
        text=[
            f"{x:+.2f} / {y:+.2f}"
            for x, y in zip(bands[f"welfare_pct_{a}"], bands[f"welfare_pct_{b}"], strict=True)
        ]
    )
    wide = cells.pivot(index="variant", columns="label", values="text")
    order = list(dict.fromkeys(bands["variant"]))
    steps = list(dict.fromkeys(bands.sort_values("step")["label"]))
    return wide.loc[order, steps].reset_index().rename(columns={"variant": "Variant"})


def produced_sectors(result: Result, country: str, sectors: Sequence[str]) -> list[str]:
    """The ``sectors`` that ``country`` produces in the baseline (the others have no change)."""
    n = result.countries.index(country)
    output = result.steps[0].outcome.output_before[n]
    return [s for s in sectors if output[result.sectors.index(s)] > 0]


def most_changed(result: Result, country: str, count: int) -> list[str]:
    """The ``count`` sectors whose real output moved most in ``country`` at any step."""
    table = sector_path(result, country, "output_real_pct")
    return list(table.abs().max(axis=1).sort_values(ascending=False).index[:count])


def horizon_note(scenario: Scenario) -> str:
    """What each step's equilibrium stands for, at the scenario's horizon."""
    params = scenario.horizon_parameters()
    model = "the Caliendo–Parro (2015) model" + (
        " with nested CES inputs" if get_model(scenario.model).nested_ces else ""
    )
    if scenario.horizon == "long":
        return (
            f"Static general equilibrium: each step is a new long-run equilibrium of {model}, "
            "not a forecast of the months that follow."
        )
    elasticity = (
        f"one-year trade elasticities (trade-weighted {scenario.parameters.one_year_elasticity:g}, "
        "Boehm, Levchenko and Pandalai-Nayar 2023)"
        if params.elasticities == "one-year"
        else "long-run trade elasticities"
    )
    return (
        f"Each step is a {html.escape(scenario.horizon)}-run equilibrium of {model}: "
        f"{elasticity}, {params.wages} wages, and the supply limits of the horizon "
        "(docs/chokepoints.md). It is what the policy in force does over the months it "
        "lasted, not the long run."
    )


def backtest_note(scenario: Scenario) -> str:
    """Where the scenario's numbers were checked against what was observed."""
    if not scenario.observations:
        return ""
    name = html.escape(Path(scenario.observations).name)
    return (
        f"<p>The scenario is held against observed outcomes ({name}) by "
        "<code>tradewar backtest</code>: the calibrated inputs and the held-out checks, "
        "each with its source, are in docs/backtest.md.</p>"
    )
