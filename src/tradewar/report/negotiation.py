"""Timeline figure and report of a simulated negotiation."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from tradewar.dynamics.simulate import NegotiationResult
from tradewar.folders import write_folder
from tradewar.jsonsafe import dumps
from tradewar.report import figures
from tradewar.report.common import REPORT_CSS, embedded_image, html_table
from tradewar.report.figures import LITERAL_TEXT

plt = figures.plt


@LITERAL_TEXT
def timeline_figure(result: NegotiationResult) -> plt.Figure:
    """Two panels over dates: each player's tariff level and welfare; offers and deal marked."""
    dates = [pd.Timestamp(s["date"]) for s in result.steps]
    players = list(result.steps[0]["policies"])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    for code in players:
        top.plot(
            dates,
            [s["policies"][code]["avg_tariff_pct"] for s in result.steps],
            drawstyle="steps-post",
            linewidth=2,
            label=f"{code} tariff on the other side",
        )
        welfare = [
            next(c["welfare_pct"] for c in s["countries"] if c["country"] == code)
            for s in result.steps
        ]
        bottom.plot(dates, welfare, marker=".", linewidth=2, label=code)
    for s in result.steps:
        for e in s["events"]:
            colour = "green" if e.get("accepted") else ("grey" if e["kind"] == "offer" else "red")
            for ax in (top, bottom):
                ax.axvline(pd.Timestamp(s["date"]), color=colour, linestyle=":", linewidth=1)
    top.set_ylabel("Average tariff, %\n(weights: baseline trade)")
    top.set_title(f"{result.config.name}")
    top.legend(fontsize=8)
    top.grid(alpha=0.3)
    bottom.set_ylabel("Real income, % change\nfrom the baseline")
    bottom.set_xlabel("Date (weekly rounds; dotted: offers, green = accepted, red = events)")
    bottom.legend(title="Country", fontsize=8)
    bottom.grid(alpha=0.3)
    for label in bottom.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    return fig


def _outcome_html(outcome: dict) -> str:
    """The outcome in words and a table (welfare against the start, final tariff levels)."""
    if outcome.get("deal"):
        terms = outcome.get("terms") or {}
        levels = {}
        for code, t in terms.items():
            level = t["additional_tariff_pct_over_baseline"]  # a number, or one per country
            levels[code] = float(level[code] if isinstance(level, dict) else level)
        offered = ", ".join(
            f"{html.escape(code)} {level:+.1f} points over the baseline"
            for code, level in levels.items()
        )
        head = (
            f"<p><b>Deal</b> on {html.escape(str(outcome['date']))} (round {outcome['round']}), "
            f"offered by {html.escape(str(outcome['proposer']))}; terms: {offered}.</p>"
        )
    else:
        head = "<p><b>No deal</b> within the simulated rounds.</p>"
    table = pd.DataFrame(
        {
            "country": list(outcome["welfare_vs_start_pct"]),
            "welfare vs start %": list(outcome["welfare_vs_start_pct"].values()),
            "final tariff level, points over the start": [
                outcome["final_tariff_level_pct"][c] for c in outcome["welfare_vs_start_pct"]
            ],
        }
    )
    return head + html_table(table, 3, left=("country",))


def build_negotiation_report(
    result: NegotiationResult, out: str | Path, version: str = "", force: bool = False
) -> Path:
    """Write ``report.html`` with the timeline figure, the path table and the outcome.

    The folder is written whole or not at all (`tradewar.folders.write_folder`).
    """

    def fill(tmp: Path) -> dict:
        (tmp / "figures").mkdir()
        png = figures.png(timeline_figure(result))
        (tmp / "figures" / "timeline.png").write_bytes(png)
        rows = [
            {
                "date": s["date"],
                **{f"{k} tariff %": v["avg_tariff_pct"] for k, v in s["policies"].items()},
                **{f"{k} pressure": v for k, v in s["pressure"].items()},
                "events": "; ".join(f"{e['kind']} {e['country']}" for e in s["events"]),
            }
            for s in result.steps
        ]
        page = "\n".join(
            [
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
                f"<title>{html.escape(result.config.name)}</title>",
                f"<style>{REPORT_CSS}</style></head><body>",
                f"<h1>{html.escape(result.config.name)}</h1>",
                f"<p>{html.escape(result.config.description)}</p>",
                f"<p class='meta'>World {html.escape(result.config.world)}; seed {result.seed}; "
                f"tradewar {version}</p>",
                "<h2>Outcome</h2>",
                _outcome_html(result.outcome),
                "<h2>Timeline</h2>",
                embedded_image(png, "negotiation timeline"),
                html_table(pd.DataFrame(rows), 2, left=("date", "events")),
                "</body></html>",
            ]
        )
        (tmp / "report.html").write_text(page, encoding="utf-8")
        (tmp / "outcome.json").write_text(dumps(result.to_json()))
        return {"kind": "negotiation report", "name": result.config.name, "seed": result.seed}

    return write_folder(out, fill, force=force) / "report.html"
