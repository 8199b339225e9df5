"""The comparison page: several scenarios side by side (``tradewar compare --out DIR``)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from tradewar.folders import write_folder
from tradewar.report import figures
from tradewar.report.common import REPORT_CSS, embedded_image, html_table
from tradewar.results.compare import HEADLINE, Comparison

#: Countries in the comparison figure: the largest differences.
SHOWN = 15


@figures.LITERAL_TEXT
def comparison_figure(comparison: Comparison, variable: str = "welfare_pct") -> plt.Figure:
    """Grouped horizontal bars of ``variable`` by scenario for the largest differences."""
    wide = comparison.wide(variable)
    diffs = [c for c in wide.columns if c not in comparison.labels]
    order = wide[diffs].abs().max(axis=1).sort_values(ascending=False).index[:SHOWN]
    part = wide.loc[order, comparison.labels]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(part) * len(comparison.labels) / 2 + 2))
    height = 0.8 / len(comparison.labels)
    y = np.arange(len(part))
    for k, label in enumerate(comparison.labels):
        ax.barh(y + k * height, part[label], height=height, label=label)
    ax.set_yticks(y + 0.4 - height / 2, list(part.index))
    ax.invert_yaxis()
    ax.axvline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel(f"{variable.replace('_pct', '').replace('_', ' ')}, % change from baseline")
    ax.set_title(f"{len(part)} countries with the largest differences")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8)
    return fig


def build_comparison_report(
    comparison: Comparison, out: str | Path, version: str = "", force: bool = False
) -> Path:
    """Write ``comparison.html`` (figure and side-by-side tables), the tidy CSVs and a manifest.

    The folder is written whole or not at all (`tradewar.folders.write_folder`).
    """

    def fill(tmp: Path) -> dict[str, Any]:
        (tmp / "figures").mkdir()
        png = figures.png(comparison_figure(comparison))
        (tmp / "figures" / "welfare.png").write_bytes(png)
        comparison.countries.to_csv(tmp / "countries.csv", index=False)
        comparison.sectors.to_csv(tmp / "sectors.csv", index=False)
        rows = [
            f"<li>{html.escape(label)}: world {html.escape(world)}"
            + ("" if ok else " — <b>not converged</b>")
            + "</li>"
            for label, world, ok in zip(
                comparison.labels, comparison.worlds, comparison.converged, strict=True
            )
        ]
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>Comparison</title><style>{REPORT_CSS}</style></head><body>",
            "<h1>Scenarios side by side</h1>",
            f"<ul>{''.join(rows)}</ul>",
            f"<p class='meta'>tradewar {html.escape(version)}. Percent changes from each "
            "scenario's baseline at its last step; differences are to the first scenario.</p>",
            embedded_image(png, "welfare by scenario"),
        ]
        for variable in HEADLINE:
            wide = comparison.wide(variable)
            diffs = [c for c in wide.columns if c not in comparison.labels]
            order = wide[diffs].abs().max(axis=1).sort_values(ascending=False).index
            table = wide.loc[order].reset_index()
            parts += [f"<h2>{html.escape(variable)}</h2>", html_table(table, 3, left=("country",))]
        parts.append("</body></html>")
        (tmp / "comparison.html").write_text("\n".join(parts), encoding="utf-8")
        return {"kind": "comparison", **comparison.to_json()}

    return write_folder(out, fill, force=force) / "comparison.html"
