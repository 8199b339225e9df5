"""Several results side by side: country and sector results of each, with differences."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tradewar.errors import ScenarioError
from tradewar.folders import write_folder
from tradewar.results.result import Result

#: Country variables shown side by side (all of `Result.country_table` are in `countries`).
HEADLINE = ("welfare_pct", "real_wage_pct", "terms_of_trade_pct", "volume_of_trade_pct")


def _labels(results: list[Result]) -> list[str]:
    labels: list[str] = []
    for r in results:
        label, k = r.scenario, 2
        while label in labels:
            label, k = f"{r.scenario} #{k}", k + 1
        labels.append(label)
    return labels


@dataclass(frozen=True)
class Comparison:
    """Results of several scenarios at one step each (the last by default).

    ``countries`` is tidy: ``country, variable, scenario, value`` plus ``difference`` (the
    value minus the first scenario's). ``sectors`` holds real output by sector the same way
    when every result has the same sectors (else it is empty).
    """

    labels: list[str]
    worlds: list[str]
    countries: pd.DataFrame
    sectors: pd.DataFrame
    converged: list[bool] = field(default_factory=list)

    def wide(self, variable: str = "welfare_pct") -> pd.DataFrame:
        """One row per country, one column per scenario, then the differences to the first."""
        part = self.countries[self.countries.variable == variable]
        values = part.pivot(index="country", columns="scenario", values="value")[self.labels]
        diffs = part.pivot(index="country", columns="scenario", values="difference")
        for label in self.labels[1:]:
            values[f"{label} − {self.labels[0]}"] = diffs[label]
        return values.reindex(part.country.drop_duplicates())

    def to_json(self) -> dict[str, Any]:
        """``{"scenarios": [...], "countries": [{"country", VARIABLE: {label: value}}]}``."""
        rows: dict[str, dict[str, Any]] = {}
        for record in self.countries.to_dict(orient="records"):
            entry = rows.setdefault(record["country"], {"country": record["country"]})
            entry.setdefault(record["variable"], {})[record["scenario"]] = record["value"]
        return {
            "scenarios": [
                {"label": label, "world": world, "converged": ok}
                for label, world, ok in zip(self.labels, self.worlds, self.converged, strict=True)
            ],
            "countries": list(rows.values()),
        }

    def save(self, directory: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write ``countries.csv``, ``sectors.csv`` and ``manifest.json`` (whole or not at all)."""

        def fill(tmp: Path) -> dict[str, Any]:
            self.countries.to_csv(tmp / "countries.csv", index=False)
            self.sectors.to_csv(tmp / "sectors.csv", index=False)
            return {"kind": "comparison", **self.to_json(), "countries": len(self.countries)}

        return write_folder(directory, fill, force=force)


def compare_results(
    results: list[Result], step: int = -1, labels: list[str] | None = None
) -> Comparison:
    """Side by side; `ScenarioError` (key ``countries``) if the countries differ.

    ``labels`` name the results in the tables (default: their scenario names, made unique).
    """
    if len(results) < 2:
        raise ScenarioError("give at least two scenarios to compare", key="scenarios")
    first = results[0]
    for r in results[1:]:
        if set(r.countries) != set(first.countries):
            only_first = sorted(set(first.countries) - set(r.countries))
            only_other = sorted(set(r.countries) - set(first.countries))
            raise ScenarioError(
                f"'{first.scenario}' ({first.world}) and '{r.scenario}' ({r.world}) have "
                f"different countries: only in the first {', '.join(only_first[:10]) or '-'}; "
                f"only in the second {', '.join(only_other[:10]) or '-'}",
                key="countries",
            )
    if labels is None:
        labels = _labels(results)
    elif len(set(labels)) != len(results):
        raise ScenarioError("give one distinct label per scenario", key="labels")
    frames = []
    for label, r in zip(labels, results, strict=True):
        table = r.country_table(step).loc[list(first.countries)]
        frames.append(
            table.reset_index()
            .melt(id_vars="country", var_name="variable", value_name="value")
            .assign(scenario=label)
        )
    countries = pd.concat(frames, ignore_index=True)
    base = countries[countries.scenario == labels[0]].set_index(["country", "variable"])["value"]
    countries["difference"] = (
        countries["value"].to_numpy()
        - base.reindex(pd.MultiIndex.from_frame(countries[["country", "variable"]])).to_numpy()
    )
    sectors = pd.DataFrame(columns=["country", "sector", "scenario", "value", "difference"])
    if all(r.sectors == first.sectors for r in results):
        parts = []
        for label, r in zip(labels, results, strict=True):
            frame = r.to_frame()
            k = frame.step.max() if step == -1 else step
            part = frame[(frame.step == k) & (frame.variable == "output_real_pct")]
            parts.append(part[["country", "sector", "value"]].assign(scenario=label))
        sectors = pd.concat(parts, ignore_index=True)
        base_s = sectors[sectors.scenario == labels[0]].set_index(["country", "sector"])["value"]
        sectors["difference"] = (
            sectors["value"].to_numpy()
            - base_s.reindex(pd.MultiIndex.from_frame(sectors[["country", "sector"]])).to_numpy()
        )
    return Comparison(
        labels=labels,
        worlds=[r.world for r in results],
        countries=countries[["country", "variable", "scenario", "value", "difference"]],
        sectors=sectors,
        converged=[r.converged for r in results],
    )
