"""A self-contained HTML report (figures embedded, PNG files beside it) for a scenario."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tradewar.api import run_scenario
from tradewar.backtest import Backtest, backtest
from tradewar.backtest.assumptions import (
    assumption_variants,
    key_steps,
    who_won_bands,
)
from tradewar.data.io import load_world
from tradewar.data.world import World
from tradewar.engine import get_model
from tradewar.errors import ScenarioError
from tradewar.folders import check_output_folder, write_folder
from tradewar.policy.scenario import Scenario, focus_countries
from tradewar.progress import ProgressCallback, report, scaled
from tradewar.report import figures
from tradewar.report.common import REPORT_CSS, embedded_image, html_table
from tradewar.report.sections import (
    backtest_note,
    backtest_section,
    bands_section,
    chokepoints_section,
    decomposition_section,
    horizon_note,
    most_changed,
    produced_sectors,
    readable_who_won,
    tariffs_and_prices,
    uncertainty_section,
)
from tradewar.results.result import Result
from tradewar.results.summaries import (
    country_path,
    head_to_head,
    head_to_head_long,
    sector_path,
)

#: Default low, central and high elasticities of the critical-input nest for sensitivity runs.
DEFAULT_NEST_ELASTICITIES = (0.02, 0.1, 0.5)

if TYPE_CHECKING:
    from tradewar.uncertainty import UncertaintyResult


@dataclass(frozen=True)
class ReportData:
    """Everything a scenario's report shows, solved before anything is drawn.

    Attributes
    ----------
    scenario, world, result
        What was solved, on which world, and its timeline.
    focus
        The two focus countries (codes).
    shown
        The focus pair and the largest third countries, for the path figures and tables.
    sector_names
        Sector code -> name.
    version
        The tradewar version that wrote the report.
    nest_elasticities
        Critical-nest elasticities of the sensitivity runs (``ces-network``), or None for the
        defaults.
    uncertainty, bands, held
        The Monte Carlo, the who-won bands over assumption variants, and the backtest, where
        the scenario asks for them (else None).
    """

    scenario: Scenario
    world: World
    result: Result
    focus: tuple[str, str]
    shown: list[str]
    sector_names: dict[str, str]
    version: str = ""
    nest_elasticities: Sequence[float] | None = None
    uncertainty: UncertaintyResult | None = None
    bands: pd.DataFrame | None = None
    held: Backtest | None = None


@dataclass
class ReportParts:
    """What the report drew for its page: figures and tables by name, and each section's HTML.

    ``critical_users`` are the sectors that use the critical input (``ces-network``);
    ``sections`` holds ``sensitivity``, ``uncertainty``, ``chokepoints``, ``bands``,
    ``decomposition``, ``backtest`` and ``tariffs`` (empty strings for sections not shown).
    """

    figs: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    critical_users: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)


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
    sensitivity = get_model(scenario.model).nested_ces
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

    data = ReportData(
        scenario=scenario,
        world=world,
        result=result,
        focus=(a, b),
        shown=shown,
        sector_names=names,
        version=version,
        nest_elasticities=nest_elasticities,
        uncertainty=uncertainty,
        bands=bands,
        held=held,
    )
    return write_folder(out, lambda tmp: _write(tmp, data, progress), force=force) / "report.html"


def _write(tmp: Path, data: ReportData, progress: ProgressCallback | None = None) -> dict:
    """Draw the figures, write the tables and the page into ``tmp``; the manifest's entries."""
    scenario, world, result = data.scenario, data.world, data.result
    (a, b), shown = data.focus, data.shown
    uncertainty, bands, held = data.uncertainty, data.bands, data.held
    parts = ReportParts()
    report(progress, 0.6, "drawing the figures")
    (tmp / "figures").mkdir()
    (tmp / "tables").mkdir()
    figs = parts.figs
    heat = _draw_main_figures(data, figs)

    who = head_to_head(result, a, b)
    welfare = country_path(result, "welfare_pct")[["step", "date", "label", *shown]]
    prices = country_path(result, "price_index_pct")[["step", "date", "label", *shown]]
    wages = country_path(result, "real_wage_pct")[["step", "date", "label", *shown]]
    tables = parts.tables
    tables |= {
        "who_won": who,
        "who_won_long": head_to_head_long(result, a, b),
        "welfare_path": welfare,
        "price_path": prices,
        "real_wage_path": wages,
    }
    critical_users = parts.critical_users
    sensitivity_html = _nest_section(data, parts, progress)
    bands_html = ""
    if bands is not None:
        bands_html = bands_section(bands, a, b, tables)
    backtest_html = "" if held is None else backtest_section(held, tables)
    uncertainty_html = ""
    if uncertainty is not None:
        uncertainty_html = uncertainty_section(uncertainty, shown, figs, tables)
    chokepoint_html = ""
    if result.chokepoint_sectors:
        chokepoint_html = chokepoints_section(
            scenario, world, result, (a, b), critical_users, figs, tables
        )
    _sector_output_tables(data, critical_users or heat[:6], tables)
    quota_rows = [
        {"step": step.label, **row}
        for k, step in enumerate(result.steps)
        for row in result.quota_table(k)
    ]
    tables["quotas"] = pd.DataFrame(quota_rows)

    decomposition_html = decomposition_section(result, a, b, tables)
    tariffs_html = tariffs_and_prices(result, a, b, tables, world.unit)
    for name, (image, _) in figs.items():
        (tmp / "figures" / f"{name}.png").write_bytes(image)
    for name, frame in tables.items():
        frame.to_csv(tmp / "tables" / f"{name}.csv", index=False)
    parts.sections = {
        "sensitivity": sensitivity_html,
        "uncertainty": uncertainty_html,
        "chokepoints": chokepoint_html,
        "bands": bands_html,
        "decomposition": decomposition_html,
        "backtest": backtest_html,
        "tariffs": tariffs_html,
    }
    page = _page(data, parts)
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


def _draw_main_figures(data: ReportData, figs: dict) -> list[str]:
    """Welfare, real wage, tariffs, trade and sector heatmaps; the heatmaps' sectors."""
    result, world = data.result, data.world
    (a, b), shown, names = data.focus, data.shown, data.sector_names
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
    heat = goods if len(goods) <= 30 else most_changed(result, a, 30)
    for code in (a, b):
        figs[f"sectors_{code}"] = (
            png(figures.sector_heatmap_figure(result, code, heat, names)),
            f"Sector output heatmap, {code}",
        )

    return heat


def _nest_section(data: ReportData, parts: ReportParts, progress: ProgressCallback | None) -> str:
    """For a model with nested CES: the timeline at other nest elasticities (or why not)."""
    scenario = data.scenario
    critical_users = parts.critical_users
    sensitivity_html = ""
    if get_model(scenario.model).nested_ces:
        top = scenario.ces.sigma_top
        critical_users += [k for k in top if k != "*"] if isinstance(top, dict) else []
        cap = scenario.chokepoint_settings().parameters().sigma_top_cap
        chosen = data.nest_elasticities or DEFAULT_NEST_ELASTICITIES
        sigmas = sorted({min(v, cap) for v in chosen})
        if len(sigmas) > 1:
            sensitivity_html = _sensitivity(data, parts, sigmas, scaled(progress, 0.65, 0.95))
        else:
            sensitivity_html = (
                f"<p>At the {html.escape(scenario.horizon)} horizon every user's nest "
                f"elasticity is capped at {cap:g} (docs/chokepoints.md), so the nest "
                "elasticities asked for all give the same timeline.</p>"
            )
    return sensitivity_html


def _sector_output_tables(data: ReportData, user_rows: list[str], tables: dict) -> None:
    """Each focus country's real output path of ``user_rows``, into ``tables``."""
    result, names = data.result, data.sector_names
    for code in data.focus:
        produced = produced_sectors(result, code, user_rows)
        path = sector_path(result, code, "output_real_pct").loc[produced]
        path.insert(0, "name", [names[s] for s in path.index])
        frame = path.reset_index()
        frame.attrs["omitted"] = [s for s in user_rows if s not in produced]
        tables[f"sector_output_{code}"] = frame


def _sensitivity(
    data: ReportData,
    parts: ReportParts,
    sigmas: Sequence[float],
    progress: ProgressCallback | None = None,
) -> str:
    """The timeline solved again at each critical-nest elasticity: figures, table, HTML."""
    scenario, world, result = data.scenario, data.world, data.result
    (a, b), users = data.focus, parts.critical_users
    figs, tables = parts.figs, parts.tables
    paths, rows = {}, []
    produced = produced_sectors(result, a, users)
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


def _page(data: ReportData, drawn: ReportParts) -> str:
    """The report's HTML page, every string from the scenario or the world escaped."""
    scenario, world, result = data.scenario, data.world, data.result
    (a, b), version = data.focus, data.version
    figs, tables, users = drawn.figs, drawn.tables, drawn.critical_users
    sensitivity_html = drawn.sections.get("sensitivity", "")
    uncertainty_html = drawn.sections.get("uncertainty", "")
    chokepoint_html = drawn.sections.get("chokepoints", "")
    bands_html = drawn.sections.get("bands", "")
    decomposition_html = drawn.sections.get("decomposition", "")
    backtest_html = drawn.sections.get("backtest", "")
    tariffs_html = drawn.sections.get("tariffs", "")
    fig_a, fig_b = figs[f"sectors_{a}"], figs[f"sectors_{b}"]
    sector_tables = [(html.escape(c), tables[f"sector_output_{c}"]) for c in (a, b)]
    a, b = html.escape(a), html.escape(b)  # from here on, display text only
    steps = _steps_table(result)
    quota_html, quota_rows = _quota_section(tables.get("quotas", pd.DataFrame()), a, b)
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
            readable_who_won(tables["who_won"], a, b, html.escape(world.unit)),
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
            if quota_rows
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
    parts += _sector_sections(sector_tables, bool(users))
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
    parts += _closing_note(scenario, world)
    return "\n".join(parts)


def _quota_section(every_quota: pd.DataFrame, a: str, b: str) -> tuple[str, int]:
    """The quotas between the focus pair (escaped codes ``a``, ``b``) and how many there are."""
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
    return quota_html, len(quotas)


def _steps_table(result: Result) -> pd.DataFrame:
    """One row per step: date, label, source and the solve's iterations and residual."""
    return pd.DataFrame(
        {
            "date": [s.date.isoformat() if s.date else "" for s in result.steps],
            "label": [s.label for s in result.steps],
            "source": [s.source for s in result.steps],
            "iterations": [s.outcome.iterations for s in result.steps],
            "max residual": [f"{s.outcome.max_residual:.1e}" for s in result.steps],
        }
    )


def _sector_sections(sector_tables: list[tuple[str, pd.DataFrame]], users: bool) -> list[str]:
    """Each focus country's sector-output table, naming the sectors it does not produce."""
    parts: list[str] = []
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
    return parts


def _closing_note(scenario: Scenario, world: World) -> list[str]:
    """How to read the numbers, the data's sources, citation and licence; the page's end."""
    return [
        "<h2>Reading these numbers</h2><div class='note'>",
        f"<p>{horizon_note(scenario)} Deficits are held fixed in units of world value added. "
        "The welfare figures and their split into income parts are exact; the Caliendo–Parro "
        "first-order terms-of-trade and volume-of-trade effects are beside them in "
        "tables/welfare_decomposition.csv.</p>",
        backtest_note(scenario),
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
