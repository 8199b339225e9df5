"""A self-contained HTML report (figures embedded, PNG files beside it) for a scenario."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradewar.api import run_scenario
from tradewar.backtest import Backtest, backtest
from tradewar.backtest.assumptions import (
    assumption_variants,
    band_summary,
    key_steps,
    who_won_bands,
)
from tradewar.backtest.output import score_line, table_rows
from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.folders import check_output_folder, write_folder
from tradewar.policy.scenario import Scenario, focus_countries
from tradewar.progress import ProgressCallback, report, scaled
from tradewar.report import figures
from tradewar.results.result import Result
from tradewar.results.summaries import (
    country_path,
    head_to_head,
    head_to_head_long,
    sector_path,
)

#: Default low, central and high elasticities of the critical-input nest for sensitivity runs.
DEFAULT_NEST_ELASTICITIES = (0.02, 0.1, 0.5)

REPORT_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
.wide{overflow-x:auto;max-width:100%}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.meta{color:#555;font-size:.9em}
.note{background:#fafafa;border-left:3px solid #999;padding:.5em 1em}
"""

if TYPE_CHECKING:
    from tradewar.uncertainty import UncertaintyResult


def with_nest_elasticity(scenario: Scenario, sigma: float) -> Scenario:
    """The scenario with every sector-specific critical-nest elasticity set to ``sigma``.

    ``sigma_top`` entries other than the ``"*"`` default are the sectors that use the critical
    input; a single number is replaced outright.
    """
    top = scenario.ces.sigma_top
    if isinstance(top, dict):
        new_top: float | dict[str, float] = {k: (v if k == "*" else sigma) for k, v in top.items()}
    else:
        new_top = sigma
    ces = scenario.ces.model_copy(update={"sigma_top": new_top})
    return scenario.model_copy(update={"ces": ces})


def html_table(frame: pd.DataFrame, digits: int = 3, left: Sequence[str] = ()) -> str:
    """A frame as an HTML table (floats to ``digits``; ``left`` columns aligned left)."""
    head = "".join(
        f'<th class="{"l" if c in left else ""}">{html.escape(str(c))}</th>' for c in frame.columns
    )
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for col, value in row.items():
            text = f"{value:,.{digits}f}" if isinstance(value, float) else html.escape(str(value))
            cells.append(f'<td class="{"l" if col in left else ""}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='wide'><table><tr>{head}</tr>{''.join(rows)}</table></div>"


def _readable_who_won(frame: pd.DataFrame, a: str, b: str, unit: str) -> pd.DataFrame:
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


def embedded_image(data: bytes, alt: str) -> str:
    """PNG bytes as an ``<img>`` with the image inline (the report is one file)."""
    encoded = base64.b64encode(data).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def build_report(
    scenario: Scenario,
    out: str | Path,
    *,
    focus: Sequence[str] | None = None,
    nest_elasticities: Sequence[float] | None = None,
    version: str = "",
    force: bool = False,
    scheduler: str | None = "auto",
    progress: ProgressCallback | None = None,
) -> Path:
    """Solve ``scenario`` and write ``out/report.html`` with figures and tables.

    Writes ``report.html`` (figures embedded), ``figures/*.png``, ``tables/*.csv`` and
    ``manifest.json`` through `tradewar.folders.write_folder`: the folder is checked
    before the solve, replaced whole or not at all, and a folder holding files tradewar did not
    write is refused unless ``force``. For ``ces-network`` scenarios the timeline is also solved
    at each of ``nest_elasticities`` (default low, central and high: 0.02, 0.1, 0.5). A
    scenario with an ``[uncertainty]`` table also gets its Monte Carlo (run where ``scheduler``
    says, see `tradewar.uncertainty.monte_carlo`): a fan chart of welfare bands and a table of
    quantiles and probabilities. ``progress(fraction, message)`` follows the solves and the
    drawing.
    """
    check_output_folder(out, force)
    world = load_world(scenario.world)
    sensitivity = scenario.model == "ces-network"
    mc = scenario.uncertainty is not None
    solve_end = 0.3 if (sensitivity or mc) else 0.6
    result = run_scenario(scenario, world=world, progress=scaled(progress, 0.0, solve_end))
    focus = list(focus or scenario.focus or focus_countries(scenario, world))
    for code in focus:
        if code not in world.countries:
            raise ScenarioError(f"unknown country '{code}' in the report focus", key="focus")
    if len(focus) < 2:
        raise ScenarioError("the report needs two focus countries", key="focus")
    a, b = focus[:2]
    va = world.value_added.sum(axis=1)
    third = [world.countries[k] for k in va.argsort()[::-1] if world.countries[k] not in focus][:4]
    shown = [a, b, *third]
    names = dict(zip(world.sectors, world.sector_names, strict=True))
    uncertainty = None
    if scenario.uncertainty is not None:
        from tradewar.uncertainty import monte_carlo

        uncertainty = monte_carlo(
            scenario, scheduler=scheduler, progress=scaled(progress, solve_end, 0.55)
        )
    held = None
    if scenario.observations and scenario.step:
        held = backtest(scenario, world=world, solved=result)
    bands = None
    if scenario.step and len(assumption_variants(scenario)) > 1:
        steps = key_steps(scenario, country_path(result, "welfare_pct"), a, b)
        bands = who_won_bands(
            scenario, a, b, steps, world=world, progress=scaled(progress, 0.55, 0.6)
        )

    return (
        write_folder(
            out,
            lambda tmp: _write(
                tmp,
                scenario,
                world,
                result,
                a,
                b,
                shown,
                names,
                nest_elasticities,
                version,
                uncertainty,
                progress,
                bands,
                held,
            ),
            force=force,
        )
        / "report.html"
    )


def _write(
    tmp: Path,
    scenario: Scenario,
    world: World,
    result: Result,
    a: str,
    b: str,
    shown: list[str],
    names: dict[str, str],
    nest_elasticities: Sequence[float] | None,
    version: str,
    uncertainty: UncertaintyResult | None = None,
    progress: ProgressCallback | None = None,
    bands: pd.DataFrame | None = None,
    held: Backtest | None = None,
) -> dict:
    report(progress, 0.6, "drawing the figures")
    (tmp / "figures").mkdir()
    (tmp / "tables").mkdir()
    figs: dict[str, tuple[bytes, str]] = {}
    png = figures.png
    figs["welfare"] = (
        png(figures.welfare_path_figure(result, shown)),
        "Welfare path by step for the focus and largest third countries",
    )
    figs["real_wage"] = (
        png(
            figures.welfare_path_figure(
                result, shown, "real_wage_pct", "Real wage, % change from baseline"
            )
        ),
        "Real wage by step",
    )
    figs["tariffs"] = (
        png(figures.tariff_chart_figure(result, [(a, b), (b, a)])),
        "Tariff schedule",
    )
    figs["trade"] = (png(figures.bilateral_trade_figure(result, a, b)), "Bilateral trade")
    goods = [s for k, s in enumerate(world.sectors) if world.tradable[k]]
    heat = goods if len(goods) <= 30 else _most_changed(result, a, 30)
    for code in (a, b):
        figs[f"sectors_{code}"] = (
            png(figures.sector_heatmap_figure(result, code, heat, names)),
            f"Sector output heatmap, {code}",
        )

    who = head_to_head(result, a, b)
    welfare = country_path(result, "welfare_pct")[["step", "date", "label", *shown]]
    prices = country_path(result, "price_index_pct")[["step", "date", "label", *shown]]
    wages = country_path(result, "real_wage_pct")[["step", "date", "label", *shown]]
    tables = {
        "who_won": who,
        "who_won_long": head_to_head_long(result, a, b),
        "welfare_path": welfare,
        "price_path": prices,
        "real_wage_path": wages,
    }
    critical_users: list[str] = []
    sensitivity_html = ""
    if scenario.model == "ces-network":
        top = scenario.ces.sigma_top
        critical_users = [k for k in top if k != "*"] if isinstance(top, dict) else []
        cap = scenario.chokepoint_settings().parameters().sigma_top_cap
        sigmas = sorted({min(v, cap) for v in nest_elasticities or DEFAULT_NEST_ELASTICITIES})
        if len(sigmas) > 1:
            sensitivity_html = _sensitivity(
                scenario,
                world,
                result,
                a,
                b,
                critical_users,
                sigmas,
                figs,
                tables,
                scaled(progress, 0.65, 0.95),
            )
        else:
            sensitivity_html = (
                f"<p>At the {html.escape(scenario.horizon)} horizon every user's nest "
                f"elasticity is capped at {cap:g} (docs/chokepoints.md), so the nest "
                "elasticities asked for all give the same timeline.</p>"
            )
    bands_html = ""
    if bands is not None:
        bands_html = _bands(bands, a, b, tables)
    backtest_html = "" if held is None else _backtest(held, tables)
    uncertainty_html = ""
    if uncertainty is not None:
        uncertainty_html = _uncertainty(uncertainty, shown, figs, tables)
    chokepoint_html = ""
    if result.chokepoint_sectors:
        chokepoint_html = _chokepoints(
            scenario, world, result, (a, b), critical_users, figs, tables
        )
    user_rows = critical_users or heat[:6]
    for code in (a, b):
        produced = _produced(result, code, user_rows)
        path = sector_path(result, code, "output_real_pct").loc[produced]
        path.insert(0, "name", [names[s] for s in path.index])
        frame = path.reset_index()
        frame.attrs["omitted"] = [s for s in user_rows if s not in produced]
        tables[f"sector_output_{code}"] = frame
    quota_rows = [
        {"step": step.label, **row}
        for k, step in enumerate(result.steps)
        for row in result.quota_table(k)
    ]
    tables["quotas"] = pd.DataFrame(quota_rows)

    decomposition_html = _decomposition(result, a, b, tables)
    tariffs_html = _tariffs_and_prices(result, a, b, tables, world.unit)
    for name, (data, _) in figs.items():
        (tmp / "figures" / f"{name}.png").write_bytes(data)
    for name, frame in tables.items():
        frame.to_csv(tmp / "tables" / f"{name}.csv", index=False)
    page = _page(
        scenario,
        world,
        result,
        a,
        b,
        shown,
        figs,
        tables,
        sensitivity_html,
        critical_users,
        version,
        uncertainty_html,
        chokepoint_html,
        bands_html,
        decomposition_html,
        backtest_html,
        tariffs_html,
    )
    (tmp / "report.html").write_text(page, encoding="utf-8")
    report(progress, 1.0, "report written")
    return {
        "kind": "report",
        "scenario": scenario.model_dump(mode="json"),
        "world": world.name,
        "data_hash": world.data_hash(),
        "converged": result.converged,
        "iterations": result.iterations,
        "max_residual": result.max_residual,
        "focus": [a, b],
        "figures": sorted(f"figures/{n}.png" for n in figs),
        **(
            {}
            if uncertainty is None
            else {"monte_carlo": {"draws": len(uncertainty.runs), "failed": uncertainty.failed}}
        ),
    }


def _uncertainty(uncertainty: UncertaintyResult, shown: list[str], figs: dict, tables: dict) -> str:
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


def _control_exporter(scenario: Scenario, world: World, sectors: Sequence[str]) -> str:
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


def _chokepoints(
    scenario: Scenario,
    world: World,
    result: Result,
    focus: tuple[str, str],
    critical_users: list[str],
    figs: dict,
    tables: dict,
) -> str:
    """The chokepoint section: premia by step, who loses most, and the choke curve."""
    from tradewar.choke import choke_curve

    sectors = list(result.chokepoint_sectors)
    exporter = _control_exporter(scenario, world, sectors)
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


def _decomposition(result: Result, a: str, b: str, tables: dict) -> str:
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


def _tariffs_and_prices(result: Result, a: str, b: str, tables: dict, unit: str) -> str:
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


def _backtest(held: Backtest, tables: dict) -> str:
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


def _bands(bands: pd.DataFrame, a: str, b: str, tables: dict) -> str:
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
        + html_table(_variants_side_by_side(bands, a, b), left=("Variant",))
    )


def _variants_side_by_side(bands: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
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


def _produced(result: Result, country: str, sectors: Sequence[str]) -> list[str]:
    """The ``sectors`` that ``country`` produces in the baseline (the others have no change)."""
    n = result.countries.index(country)
    output = result.steps[0].outcome.output_before[n]
    return [s for s in sectors if output[result.sectors.index(s)] > 0]


def _most_changed(result: Result, country: str, count: int) -> list[str]:
    table = sector_path(result, country, "output_real_pct")
    return list(table.abs().max(axis=1).sort_values(ascending=False).index[:count])


def _sensitivity(
    scenario: Scenario,
    world: World,
    result: Result,
    a: str,
    b: str,
    users: list[str],
    sigmas: Sequence[float],
    figs: dict,
    tables: dict,
    progress: ProgressCallback | None = None,
) -> str:
    paths, rows = {}, []
    produced = _produced(result, a, users)
    shown_user = produced[0] if produced else None
    for number, sigma in enumerate(sigmas, start=1):
        report(progress, (number - 1) / len(sigmas), f"nest elasticity {sigma:g}")
        changed = with_nest_elasticity(scenario, sigma)
        # The central setting is usually the scenario's own: its timeline is already solved.
        variant = result if changed == scenario else run_scenario(changed, world=world)
        paths[f"σ = {sigma:g}"] = country_path(variant, "welfare_pct")
        for k, step in enumerate(variant.steps):
            table = variant.country_table(k)
            row = {
                "sigma": sigma,
                "step": k,
                "label": step.label,
                f"welfare_pct_{a}": table.loc[a, "welfare_pct"],
                f"welfare_pct_{b}": table.loc[b, "welfare_pct"],
            }
            if shown_user:
                out_a = sector_path(variant, a, "output_real_pct").loc[[shown_user]]
                row[f"output_real_pct_{a}_{shown_user}"] = out_a.iloc[0, k]
            rows.append(row)
    x, dated = figures.step_positions(result)
    for code in (a, b):
        fig = figures.sensitivity_chart_figure(paths, code, x, dated, result)
        figs[f"sensitivity_{code}"] = (figures.png(fig), f"Sensitivity of {code}'s welfare")
    frame = pd.DataFrame(rows)
    tables["sensitivity"] = frame
    return (
        f"<p>The timeline solved again with the elasticity of the critical-input nest in "
        f"{', '.join(users) or 'every sector'} set to {', '.join(f'{s:g}' for s in sigmas)} "
        "(low, central, high). Lower values make rare earths harder to do without.</p>"
        + embedded_image(figs[f"sensitivity_{a}"][0], f"sensitivity {a}")
        + embedded_image(figs[f"sensitivity_{b}"][0], f"sensitivity {b}")
        + html_table(
            frame.rename(
                columns={
                    "sigma": "Nest elasticity",
                    "step": "Step",
                    "label": "Label",
                    f"welfare_pct_{a}": f"{a} welfare %",
                    f"welfare_pct_{b}": f"{b} welfare %",
                    **(
                        {f"output_real_pct_{a}_{shown_user}": f"{a} {shown_user} real output %"}
                        if shown_user
                        else {}
                    ),
                }
            ),
            3,
            left=("Label",),
        )
    )


def _horizon_note(scenario: Scenario) -> str:
    """What each step's equilibrium stands for, at the scenario's horizon."""
    params = scenario.horizon_parameters()
    model = "the Caliendo–Parro (2015) model" + (
        " with nested CES inputs" if scenario.model == "ces-network" else ""
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


def _backtest_note(scenario: Scenario) -> str:
    """Where the scenario's numbers were checked against what was observed."""
    if not scenario.observations:
        return ""
    name = html.escape(Path(scenario.observations).name)
    return (
        f"<p>The scenario is held against observed outcomes ({name}) by "
        "<code>tradewar backtest</code>: the calibrated inputs and the held-out checks, "
        "each with its source, are in docs/backtest.md.</p>"
    )


def _page(
    scenario: Scenario,
    world: World,
    result: Result,
    a: str,
    b: str,
    shown: list[str],
    figs: dict,
    tables: dict,
    sensitivity_html: str,
    users: list[str],
    version: str,
    uncertainty_html: str = "",
    chokepoint_html: str = "",
    bands_html: str = "",
    decomposition_html: str = "",
    backtest_html: str = "",
    tariffs_html: str = "",
) -> str:
    fig_a, fig_b = figs[f"sectors_{a}"], figs[f"sectors_{b}"]
    sector_tables = [(html.escape(c), tables[f"sector_output_{c}"]) for c in (a, b)]
    a, b = html.escape(a), html.escape(b)  # from here on, display text only
    steps = pd.DataFrame(
        {
            "date": [s.date.isoformat() if s.date else "" for s in result.steps],
            "label": [s.label for s in result.steps],
            "source": [s.source for s in result.steps],
            "iterations": [s.outcome.iterations for s in result.steps],
            "max residual": [f"{s.outcome.max_residual:.1e}" for s in result.steps],
        }
    )
    every_quota = tables.get("quotas", pd.DataFrame())
    pair = (every_quota.get("exporter", pd.Series(dtype=str)).isin([a, b])) & (
        every_quota.get("importer", pd.Series(dtype=str)).isin([a, b])
    )
    quotas = every_quota[pair] if len(every_quota) else every_quota
    others = len(every_quota) - len(quotas)
    if len(quotas):
        quota_html = (
            f"<p>Quotas between {a} and {b}"
            + (
                f" ({others} more rows, for other importers, are in tables/quotas.csv)"
                if others
                else ""
            )
            + ".</p>"
            + html_table(quotas, 1, left=("step", "exporter", "importer", "sector", "rent_to"))
        )
    elif others:
        quota_html = (
            f"<p>No quotas between {a} and {b}; {others} rows for other pairs are in "
            "tables/quotas.csv.</p>"
        )
    else:
        quota_html = "<p>No quotas in force.</p>"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(scenario.name)} — tradewar report</title>",
        f"<style>{REPORT_CSS}</style></head><body>",
        f"<h1>{html.escape(scenario.name)}</h1>",
        f"<p>{html.escape(scenario.description)}</p>",
        f"<p class='meta'>World <b>{html.escape(world.name)}</b> "
        f"({html.escape(str(world.meta.get('year')))}, "
        f"{world.n_countries} countries × {world.n_sectors} sectors, "
        f"{html.escape(world.unit)}); model "
        f"<b>{scenario.model}</b>; deficits {scenario.deficits}; converged: "
        f"<b>{result.converged}</b> ({result.iterations} iterations, max residual "
        f"{result.max_residual:.1e}); tradewar {version}; data hash "
        f"{world.data_hash()[:12]}. Percent changes are from the world's baseline.</p>",
        "<h2>Steps</h2>",
        html_table(steps, left=("date", "label", "source")),
        "<h2>Welfare path</h2>",
        "<p>Exact change in real income (income deflated by the consumer price index) after each "
        "step, cumulative, against the baseline.</p>",
        embedded_image(figs["welfare"][0], figs["welfare"][1]),
        html_table(tables["welfare_path"], 3, left=("date", "label")),
        "<h3>Real wage</h3>",
        "<p>The wage deflated by the consumer price index, % change from the baseline.</p>",
        embedded_image(figs["real_wage"][0], figs["real_wage"][1]),
        html_table(tables["real_wage_path"], 3, left=("date", "label")),
        f"<h2>Who won? {a} and {b}</h2>",
        "<p>Welfare of each side (% change from the baseline), tariff revenue "
        f"({html.escape(world.unit)}), and {a}'s bilateral balance with {b} (exports minus "
        f"imports, before tariffs, {html.escape(world.unit)}). The welfare gap is {a}'s change "
        f"minus {b}'s, in points: both "
        "can lose while one loses less.</p>",
        html_table(
            _readable_who_won(tables["who_won"], a, b, html.escape(world.unit)),
            3,
            left=("Date", "Step"),
        ),
        decomposition_html,
        bands_html,
        "<h2>Tariff schedule</h2>",
        embedded_image(figs["tariffs"][0], figs["tariffs"][1]),
        tariffs_html,
        "<h2>Export controls</h2>",
        quota_html,
        (
            "<p>A quota's tax equivalent is the export tax that makes the quota bind at that "
            "step's prices, so it moves with demand even when the quota does not: tariffs that "
            "cut the importer's demand for the controlled good leave less of the quota to bind "
            "(a lower equivalent; zero when it no longer binds), and tariffs that are lifted "
            "raise it again.</p>"
            if len(quotas)
            else ""
        ),
        "<h2>Bilateral trade</h2>",
        embedded_image(figs["trade"][0], figs["trade"][1]),
        "<h2>Sector output</h2>",
        "<p>Real gross output (value deflated by the sector's unit cost), % change from the "
        "baseline.</p>",
        embedded_image(fig_a[0], fig_a[1]),
        embedded_image(fig_b[0], fig_b[1]),
    ]
    label = "Sectors that use the critical input" if users else "Most affected sectors"
    for code, frame in sector_tables:
        omitted = frame.attrs.get("omitted", [])
        note = (
            f"<p>Not shown: {html.escape(', '.join(omitted))}, which {code} does not produce "
            "in the baseline.</p>"
            if omitted
            else ""
        )
        parts += [
            f"<h3>{label}: {code}</h3>",
            html_table(frame, 2, left=("sector", "name")),
            note,
        ]
    parts += [
        "<h2>Consumer prices</h2>",
        html_table(tables["price_path"], 3, left=("date", "label")),
    ]
    if backtest_html:
        parts += ["<h2>Against what was observed</h2>", backtest_html]
    if sensitivity_html:
        parts += ["<h2>Sensitivity to the critical-input nest elasticity</h2>", sensitivity_html]
    if uncertainty_html:
        parts += ["<h2>Uncertainty</h2>", uncertainty_html]
    if chokepoint_html:
        parts += ["<h2>Chokepoints: short-run supply limits</h2>", chokepoint_html]
    parts += [
        "<h2>Reading these numbers</h2><div class='note'>",
        f"<p>{_horizon_note(scenario)} Deficits are held fixed in units of world value added. "
        "The welfare figures and their split into income parts are exact; the Caliendo–Parro "
        "first-order terms-of-trade and volume-of-trade effects are beside them in "
        "tables/welfare_decomposition.csv.</p>",
        _backtest_note(scenario),
        f"<p>Data: {html.escape(str(world.meta.get('description') or world.name))}. "
        + (
            f"Sources: {html.escape(str(world.meta['source']))}. "
            if world.meta.get("source")
            else ""
        )
        + f"Cite: {html.escape(str(world.meta.get('citation', '')))}. "
        f"Licence: {html.escape(str(world.meta.get('license', '')))}</p></div>",
        "</body></html>",
    ]
    return "\n".join(parts)
