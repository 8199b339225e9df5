"""The result of a Monte Carlo or a sweep: every run's numbers, tidy, and their summaries."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewar.errors import ScenarioError
from tradewar.folders import write_folder
from tradewar.results.result import Result


@dataclass(frozen=True)
class UncertaintyResult:
    """Results of many runs of one scenario (Monte Carlo draws or sweep grid points).

    Attributes
    ----------
    kind
        ``"monte_carlo"`` (each run is a ``draw``) or ``"sweep"`` (each run is a grid ``point``).
    values
        Tidy frame: ``run, step, date, label, country, variable, value`` (``run`` is named
        ``draw`` or ``point``), the country table of every step of every converged run.
    runs
        One row per run: its index, the value of each drawn or swept field (by path),
        ``converged``, ``status``, ``max_residual`` and ``error``. Runs that failed are here and
        absent from ``values``.
    central
        The scenario solved as written (Monte Carlo), or None (sweep).
    focus
        The two countries of the "who won" table.
    settings
        What was run (seed, draws, distributions or grid, chunking), for the manifest.
    """

    kind: str
    scenario: str
    world: str
    model: str
    values: pd.DataFrame
    runs: pd.DataFrame
    central: Result | None
    focus: tuple[str, ...]
    quantiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    settings: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def run_column(self) -> str:
        """``"draw"`` or ``"point"``."""
        return "draw" if self.kind == "monte_carlo" else "point"

    @property
    def failed(self) -> int:
        """Runs that did not converge (or could not be solved)."""
        return int((~self.runs["converged"]).sum())

    # ------------------------------------------------------------------ summaries
    def summary(self, quantiles: tuple[float, ...] | None = None) -> pd.DataFrame:
        """Quantiles and sign probabilities over the converged runs.

        One row per ``step, date, label, country, variable``: ``central`` (the scenario as
        written, Monte Carlo only), ``mean``, ``q5``/``q50``/``q95`` (or the ``quantiles``
        asked for), ``p_negative``, ``p_positive`` (shares of converged runs), ``runs`` (the
        converged runs behind the numbers) and ``failed``.
        """
        qs = tuple(quantiles or self.quantiles)
        keys = ["step", "date", "label", "country", "variable"]
        value = self.values["value"]
        signs = self.values[keys].assign(
            value=value, negative=(value < 0).astype(float), positive=(value > 0).astype(float)
        )
        groups = signs.groupby(keys, sort=False)
        out = groups.agg(
            mean=("value", "mean"),
            p_negative=("negative", "mean"),
            p_positive=("positive", "mean"),
            runs=("value", "count"),
        )
        grouped = groups["value"]
        for q in qs:
            out[f"q{q:g}"] = grouped.quantile(q / 100.0)
        out = out.reset_index()
        out["failed"] = self.failed
        if self.central is not None:
            central = pd.concat(
                [
                    self.central.country_table(k)
                    .reset_index()
                    .melt(id_vars="country", var_name="variable", value_name="central")
                    .assign(step=k)
                    for k in range(len(self.central.steps))
                ]
            )
            out = out.merge(central, on=["step", "country", "variable"], how="left")
        order = ["step", "date", "label", "country", "variable"]
        order += ["central"] if self.central is not None else []
        order += ["mean", *[f"q{q:g}" for q in qs], "p_negative", "p_positive", "runs", "failed"]
        return out[order]

    def probability(
        self, country: str, variable: str = "welfare_pct", below: float = 0.0, step: int = -1
    ) -> float:
        """Share of converged runs in which ``variable`` of ``country`` is below ``below``.

        ``probability("USA")`` is P(USA loses) at the last step.
        """
        steps = sorted(self.values["step"].unique())
        if not steps:
            raise ScenarioError(
                f"no run converged ({self.failed} failed): there is no probability to give",
                key="draws",
            )
        chosen = steps[step]
        part = self.values[
            (self.values.step == chosen)
            & (self.values.country == country)
            & (self.values.variable == variable)
        ]
        if part.empty:
            raise KeyError(f"no values for {country} {variable}")
        return float((part.value < below).mean())

    def who_won(self, a: str | None = None, b: str | None = None) -> pd.DataFrame:
        """Per step: the probability that ``a`` fares better than ``b`` (welfare), and the winner.

        Columns ``step, date, label, p_<a>_ahead, winner, probability`` (the winner's share
        of converged runs) and the median welfare gap in points.
        """
        if a is None or b is None:
            if len(self.focus) < 2:
                return pd.DataFrame()
            a, b = self.focus[0], self.focus[1]
        welfare = self.values[self.values.variable == "welfare_pct"]
        if welfare.empty:  # no run converged: no step to compare, not an error
            columns = ["step", "date", "label", f"p_{a}_ahead", "median_gap_pts", "winner"]
            return pd.DataFrame(columns=[*columns, "probability"])
        wide = welfare.pivot_table(
            index=["step", "date", "label", self.run_column], columns="country", values="value"
        )
        gap = (wide[a] - wide[b]).groupby(level=["step", "date", "label"], sort=False)
        frame = pd.DataFrame(
            {
                f"p_{a}_ahead": gap.apply(lambda v: float((v > 0).mean())),
                "median_gap_pts": gap.median(),
            }
        ).reset_index()
        ahead = frame[f"p_{a}_ahead"]
        frame["winner"] = np.where(ahead >= 0.5, a, b)
        frame["probability"] = np.where(ahead >= 0.5, ahead, 1.0 - ahead)
        return frame

    # ------------------------------------------------------------------ JSON and files
    def to_json(self) -> dict[str, Any]:
        """One JSON object: the summary by step and country, who won, and every failed run."""
        summary = self.summary()
        labels = ("step", "date", "label", "country", "variable")
        stats = [c for c in summary.columns if c not in (*labels, "runs", "failed")]
        steps: list[dict[str, Any]] = []
        by_step: dict[int, dict[str, dict[str, Any]]] = {}
        for record in summary.to_dict(orient="records"):
            k = int(record["step"])
            if k not in by_step:
                by_step[k] = {}
                date = record["date"] or None
                steps.append({"step": k, "date": date, "label": record["label"], "countries": []})
            entry = by_step[k].setdefault(record["country"], {"country": record["country"]})
            entry[record["variable"]] = {s: record[s] for s in stats}
        for step in steps:
            step["countries"] = list(by_step[step["step"]].values())
        failures = self.runs[~self.runs["converged"]]
        return {
            "kind": self.kind,
            "scenario": self.scenario,
            "world": self.world,
            "model": self.model,
            "runs": len(self.runs),
            "converged_runs": len(self.runs) - self.failed,
            "failed_runs": self.failed,
            "quantiles": list(self.quantiles),
            "settings": self.settings,
            "countries": steps[-1]["countries"] if steps else [],
            "steps": steps,
            "who_won": self.who_won().to_dict(orient="records"),
            "failures": failures.to_dict(orient="records"),
            "elapsed_s": self.elapsed_s,
        }

    def save(self, directory: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write ``values.parquet``, ``runs.parquet``, ``summary.csv`` and ``manifest.json``.

        The manifest records the settings (seed, draws, distributions or grid), convergence
        counts and the world's data hash; the folder is written whole or not at all
        (`tradewar.folders.write_folder`).
        """
        manifest = {
            "kind": self.kind,
            "scenario_name": self.scenario,
            "world": self.world,
            "model": self.model,
            "data_hash": self.central.meta.get("data_hash") if self.central else None,
            "runs": len(self.runs),
            "failed_runs": self.failed,
            "quantiles": list(self.quantiles),
            "settings": self.settings,
            "elapsed_s": self.elapsed_s,
        }
        summary = self.summary()

        def fill(tmp: Path) -> dict[str, Any]:
            self.values.to_parquet(tmp / "values.parquet", index=False)
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            summary.to_csv(tmp / "summary.csv", index=False)
            return manifest

        return write_folder(directory, fill, force=force)
