"""Figures of a solved scenario (matplotlib, PNG). Each returns the PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from tradewar.results.result import Result
from tradewar.results.summaries import country_path, sector_path, tariff_schedule

_DPI = 130

#: Labels are user text (country and sector names): never parse ``$...$`` as mathtext.
LITERAL_TEXT = matplotlib.rc_context({"text.parse_math": False})


def png(fig: plt.Figure) -> bytes:
    """Render a figure to PNG bytes and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


#: Characters of a step label shown under a timeline's axis.
LABEL_CHARS = 26


def step_positions(result: Result) -> tuple[list, bool]:
    """Evenly spaced step positions, and whether the steps are dated.

    Steps are placed one per tick rather than on a calendar, so steps days apart (4 to 12 April
    2025) stay readable; each tick names its date and its label.
    """
    dated = all(s.date is not None for s in result.steps)
    return list(range(len(result.steps))), dated


def step_ticks(result: Result) -> list[str]:
    """Tick labels of a timeline: the date over the label (shortened), e.g. 12 Apr 2025."""
    ticks = []
    for s in result.steps:
        label = s.label if len(s.label) <= LABEL_CHARS else s.label[: LABEL_CHARS - 1] + "…"
        ticks.append(f"{s.date:%d %b %Y}\n{label}" if s.date else label)
    return ticks


def _width(result: Result) -> float:
    """Figure width, inches: wider for long timelines."""
    return max(9.0, 0.75 * len(result.steps) + 2.0)


def _format_x(ax: plt.Axes, result: Result, dated: bool) -> None:
    ax.set_xticks(range(len(result.steps)), step_ticks(result), rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("Step (the date it takes effect)" if dated else "Step")
    ax.set_xlim(-0.5, len(result.steps) - 0.5)


@LITERAL_TEXT
def welfare_path_figure(
    result: Result,
    countries: Sequence[str],
    variable: str = "welfare_pct",
    ylabel: str | None = None,
) -> plt.Figure:
    """Line per country: ``variable`` at each step, percent change from the baseline.

    A result with one step gets one bar per country instead (a path of one point says nothing).
    """
    path = country_path(result, variable)
    if len(result.steps) == 1:
        values = path.loc[0, list(countries)].astype(float)
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(countries) + 1.5))
        colours = ["tab:red" if v < 0 else "tab:blue" for v in values]
        ax.barh(list(countries), values, color=colours)
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:+.3f} ", va="center", ha="left" if v >= 0 else "right", fontsize=8)
        ax.invert_yaxis()
        ax.margins(x=0.18)  # room for the value labels
        ax.axvline(0.0, color="grey", linewidth=0.8)
        ax.set_xlabel(ylabel or "Real income (welfare), % change from baseline")
        ax.set_title(f"{result.scenario}: {variable.replace('_pct', '').replace('_', ' ')}")
        ax.grid(alpha=0.3, axis="x")
        return fig
    x, dated = step_positions(result)
    fig, ax = plt.subplots(figsize=(_width(result), 4.8))
    for code in countries:
        ax.plot(
            x,
            path[code],
            marker="o",
            label=code,
            linewidth=2 if code in countries[:2] else 1.2,
        )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_ylabel(ylabel or "Real income (welfare), % change from baseline")
    ax.set_title(f"{result.scenario}: {variable.replace('_pct', '').replace('_', ' ')} by step")
    ax.grid(alpha=0.3)
    ax.legend(title="Country", ncol=2, fontsize=9)
    _format_x(ax, result, dated)
    return fig


@LITERAL_TEXT
def tariff_chart_figure(result: Result, pairs: Sequence[tuple[str, str]]) -> plt.Figure:
    """Trade-weighted average tariffs of (importer, exporter) pairs at each step.

    With one step: a bar per pair, the tariff in force against the baseline's.
    """
    if len(result.steps) == 1:
        o = result.steps[0].outcome
        fig, ax = plt.subplots(figsize=(9, 1.0 * len(pairs) + 1.8))
        names, after, before = [], [], []
        for importer, exporter in pairs:
            n, i = result.countries.index(importer), result.countries.index(exporter)
            weights = o.flows_before[n, i] / max(float(o.flows_before[n, i].sum()), 1e-300)
            names.append(f"{importer} on goods from {exporter}")
            after.append(100.0 * float(np.sum(o.tariffs_after[n, i] * weights)))
            before.append(100.0 * float(np.sum(o.tariffs_before[n, i] * weights)))
        y = np.arange(len(pairs))
        ax.barh(y - 0.2, before, height=0.4, color="lightgrey", label="baseline")
        ax.barh(y + 0.2, after, height=0.4, color="tab:blue", label="after the policy")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("Average tariff, % (weights: baseline trade)")
        ax.set_title("Tariffs")
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=9)
        return fig
    x, dated = step_positions(result)
    fig, ax = plt.subplots(figsize=(_width(result), 4.2))
    for importer, exporter in pairs:
        sched = tariff_schedule(result, importer, exporter)
        ax.plot(
            x,
            sched.tariff_pct,
            marker="o",
            label=f"{importer} on goods from {exporter}",
            linewidth=2,
        )
    ax.set_ylabel("Average tariff, % (weights: baseline trade)")
    ax.set_title("Tariff schedule")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    _format_x(ax, result, dated)
    return fig


@LITERAL_TEXT
def bilateral_trade_figure(result: Result, a: str, b: str) -> plt.Figure:
    """Bilateral exports each way (before tariffs, world unit), per step.

    With one step: bars of each direction before and after.
    """
    ia, ib = result.countries.index(a), result.countries.index(b)
    if len(result.steps) == 1:
        o = result.steps[0].outcome
        names = [f"{a} exports to {b}", f"{b} exports to {a}"]
        before = [o.flows_before[ib, ia].sum(), o.flows_before[ia, ib].sum()]
        after = [o.flows_after[ib, ia].sum(), o.flows_after[ia, ib].sum()]
        fig, ax = plt.subplots(figsize=(9, 3.2))
        y = np.arange(2)
        ax.barh(y - 0.2, before, height=0.4, color="lightgrey", label="baseline")
        ax.barh(y + 0.2, after, height=0.4, color="tab:blue", label="after the policy")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(f"Exports before tariffs, {result.unit}")
        ax.set_title(f"Bilateral trade, {a} and {b}")
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=9)
        return fig
    x, dated = step_positions(result)
    a_to_b = [s.outcome.flows_after[ib, ia].sum() for s in result.steps]
    b_to_a = [s.outcome.flows_after[ia, ib].sum() for s in result.steps]
    base = result.steps[0].outcome
    fig, ax = plt.subplots(figsize=(_width(result), 4.2))
    ax.plot(x, a_to_b, marker="o", label=f"{a} exports to {b}", linewidth=2)
    ax.plot(x, b_to_a, marker="s", label=f"{b} exports to {a}", linewidth=2)
    ax.axhline(
        base.flows_before[ib, ia].sum(), color="C0", linestyle=":", label=f"{a} to {b}, baseline"
    )
    ax.axhline(
        base.flows_before[ia, ib].sum(), color="C1", linestyle=":", label=f"{b} to {a}, baseline"
    )
    ax.set_ylabel(f"Exports before tariffs, {result.unit}")
    ax.set_title(f"Bilateral trade, {a} and {b}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    _format_x(ax, result, dated)
    return fig


@LITERAL_TEXT
def sector_heatmap_figure(
    result: Result,
    country: str,
    sectors: Sequence[str] | None = None,
    names: dict[str, str] | None = None,
) -> plt.Figure:
    """Heatmap of real gross output changes (percent) by sector and step for one country."""
    table = sector_path(result, country, "output_real_pct")
    if sectors is not None:
        table = table.loc[list(sectors)]
    labels = [f"{code} {names.get(code, '')}".strip() if names else code for code in table.index]
    if table.shape[1] == 1:  # one step: bars, not a one-column heatmap
        values = table.iloc[:, 0].astype(float)
        fig, ax = plt.subplots(figsize=(9, max(3.0, 0.28 * len(table) + 1.5)))
        ax.barh(labels, values, color=["tab:red" if v < 0 else "tab:blue" for v in values])
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=8)
        ax.axvline(0.0, color="grey", linewidth=0.8)
        ax.set_xlabel("Real gross output, % change from baseline")
        ax.set_title(f"{country}: real gross output by sector")
        ax.grid(alpha=0.3, axis="x")
        return fig
    data = table.to_numpy(dtype=float)
    finite = np.abs(data[np.isfinite(data)])
    # Cap the colour scale at the 95th percentile so one extreme sector does not wash out the rest.
    limit = float(np.percentile(finite, 95)) if finite.size else 1.0
    limit = limit if limit > 0 else 1.0
    height = max(3.0, 0.28 * len(table) + 1.5)
    fig, ax = plt.subplots(figsize=(max(10.0, _width(result)), height))
    image = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_yticks(range(len(table)), labels, fontsize=8)
    ax.set_xticks(range(table.shape[1]), step_ticks(result), rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("Step")
    ax.set_ylabel("Sector")
    ax.set_title(f"{country}: real gross output by sector, % change from baseline")
    bar = fig.colorbar(image, ax=ax, fraction=0.03, extend="both")
    bar.set_label(f"% change (scale capped at ±{limit:.1f})")
    for (row, col), value in np.ndenumerate(data):
        if np.isfinite(value) and abs(value) > limit:
            ax.text(col, row, f"{value:+.0f}", ha="center", va="center", fontsize=6, color="white")
    return fig


@LITERAL_TEXT
def sensitivity_chart_figure(
    paths: dict[str, pd.DataFrame], country: str, x: list, dated: bool, result: Result
) -> plt.Figure:
    """Welfare of one country by step under several nest elasticities."""
    fig, ax = plt.subplots(figsize=(_width(result), 4.2))
    for label, path in paths.items():
        ax.plot(x, path[country], marker="o", label=label)
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_ylabel("Real income (welfare), % change from baseline")
    ax.set_title(f"{country}: welfare under low, central and high nest elasticities")
    ax.grid(alpha=0.3)
    ax.legend(title="Critical-input nest elasticity", fontsize=9)
    _format_x(ax, result, dated)
    return fig


@LITERAL_TEXT
def choke_curve_figure(
    curve: pd.DataFrame, country: str, sectors: Sequence[str], names: dict[str, str], source: str
) -> plt.Figure:
    """Real output loss of ``country``'s ``sectors`` against the share of supply cut off."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    rows = curve[(curve.country == country) & (curve.variable == "output_real_pct")]
    for code in sectors:
        line = rows[rows.sector == code].sort_values("cut_pct")
        if line.empty:
            continue
        x = np.concatenate([[0.0], line.cut_pct.to_numpy()])
        y = np.concatenate([[0.0], -line.value.to_numpy()])
        ax.plot(x, y, marker="o", label=f"{code} {names.get(code, '')}".strip())
    ax.plot([0, 100], [0, 0], color="grey", linewidth=0.8)
    ax.set_xlabel(f"Share of {source} cut off, % of baseline quantity")
    ax.set_ylabel("Real output loss, %")
    ax.set_title(f"{country}: losses against the share of supply cut off")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


@LITERAL_TEXT
def band_figure(summary: pd.DataFrame, countries: Sequence[str], low: str, high: str) -> plt.Figure:
    """Welfare bands of a Monte Carlo: a fan chart over the steps, or one interval per country.

    ``summary`` is `UncertaintyResult.summary` (rows of ``welfare_pct``); ``low`` and ``high``
    name its quantile columns (e.g. ``"q5"`` and ``"q95"``). With one step, each country gets a
    horizontal interval with its median and central value; with several, each country a line
    (central) and a shaded band.
    """
    welfare = summary[summary.variable == "welfare_pct"]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    steps = sorted(welfare.step.unique())
    if len(steps) == 1:
        rows = welfare.set_index("country").loc[list(countries)]
        y = np.arange(len(rows))
        ax.hlines(y, rows[low], rows[high], color="tab:blue", linewidth=4, alpha=0.5)
        ax.plot(rows["q50"], y, "o", color="tab:blue", label="median of draws")
        ax.plot(rows["central"], y, "|", color="black", markersize=14, label="central")
        ax.set_yticks(y, list(rows.index))
        ax.axvline(0.0, color="grey", linewidth=0.8)
        ax.set_xlabel(f"Welfare, % change ({low[1:]}–{high[1:]}% band of the draws)")
        ax.legend(fontsize=9)
    else:
        for code in countries:
            part = welfare[welfare.country == code].sort_values("step")
            x = part["date"].where(part["date"] != "", part["label"]).to_list()
            (line,) = ax.plot(x, part["central"], marker="o", label=code)
            ax.fill_between(x, part[low], part[high], color=line.get_color(), alpha=0.2)
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set_ylabel(f"Welfare, % change ({low[1:]}–{high[1:]}% band)")
        ax.legend(title="Country", ncol=2, fontsize=9)
        ax.tick_params(axis="x", rotation=45)
    ax.set_title("Welfare under parameter uncertainty")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
