"""Labelled results: tidy DataFrames, the JSON contract (docs/formats.md) and saved runs."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewar.model.outcomes import Outcome
from tradewar.policy.policies import RENT_REGIMES
from tradewar.policy.shocks import PolicyState
from tradewar.results.households import per_household
from tradewar.results.income import (
    capacity_rents,
    control_rents,
    duties,
    welfare_decomposition,
    welfare_drivers,
)
from tradewar.results.long_format import long_frame, long_xarray
from tradewar.results.result_json import countries_rows, result_json, save_result
from tradewar.results.tariffs import (
    equivalent_variation,
    import_prices,
    importer_tariffs,
    pair_tariffs,
)
from tradewar.results.variables import pct, safe_ratio


@dataclass(frozen=True)
class StepResult:
    """One solved step: its label, date, source, outcome and the policies in force.

    ``in_force`` is False for a step that was announced but never applied (its policies do not
    carry into the steps after it).
    """

    label: str
    date: dt.date | None
    source: str
    outcome: Outcome
    policies: PolicyState | None = None
    in_force: bool = True


@dataclass(frozen=True)
class Result:
    """The solved scenario.

    Attributes
    ----------
    scenario, world, model, deficits
        What was solved.
    countries, sectors
        Labels of the world (``N`` and ``J`` codes).
    unit
        The world's currency unit, for levels.
    year
        The world's calendar year (for money per household); None if the world has none.
    steps
        One `StepResult` per step (a plain scenario has one).
    elapsed_s
        Wall time of all solves, seconds.
    """

    scenario: str
    world: str
    model: str
    deficits: str
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    unit: str
    steps: list[StepResult]
    elapsed_s: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    year: int | None = None

    # ------------------------------------------------------------------ diagnostics
    @property
    def converged(self) -> bool:
        """True if every step met the solver tolerance."""
        return all(s.outcome.converged for s in self.steps)

    @property
    def iterations(self) -> int:
        """Total outer iterations over all steps."""
        return sum(s.outcome.iterations for s in self.steps)

    @property
    def max_residual(self) -> float:
        """Largest labour-market residual over all steps."""
        return max(s.outcome.max_residual for s in self.steps)

    # ------------------------------------------------------------------ printing
    def summary(self, top: int = 10) -> str:
        """A compact text table: what was solved, convergence, and welfare by country.

        One line per step (status, iterations, residual) and the ``top`` countries with the
        largest welfare changes at the last step.
        """
        lines = [
            f"{self.scenario} — {self.world}, {self.model}, deficits {self.deficits}; "
            f"{'converged' if self.converged else 'NOT converged'} "
            f"({self.iterations} iterations, max residual {self.max_residual:.1e}, "
            f"{self.elapsed_s:.2f} s)"
        ]
        if len(self.steps) > 1:
            for k, step in enumerate(self.steps):
                when = step.date.isoformat() if step.date else f"step {k}"
                lines.append(
                    f"  {when} {step.label}: {step.outcome.status}, "
                    f"{step.outcome.iterations} iterations"
                )
        table = self.country_table()
        order = table["welfare_pct"].abs().sort_values(ascending=False).index[:top]
        lines.append(f"{'country':<8}{'welfare %':>11}{'real wage %':>13}{'ToT %':>9}{'VoT %':>9}")
        for code in order:
            row = table.loc[code]
            lines.append(
                f"{code:<8}{row.welfare_pct:>+11.3f}{row.real_wage_pct:>+13.3f}"
                f"{row.terms_of_trade_pct:>+9.3f}{row.volume_of_trade_pct:>+9.3f}"
            )
        if len(table) > top:
            lines.append(f"({top} of {len(table)} countries, largest welfare changes first)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ------------------------------------------------------------------ tables
    def step_result(self, step: int = -1) -> StepResult:
        """One step's result; ``step`` counts from 0, negative from the end (-1 the last).

        Raises `ArgumentError` for a step that is not a whole number or not in the result.
        """
        from tradewar.errors import ArgumentError, describe_value

        count = len(self.steps)
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
            raise ArgumentError("step", f"must be a whole number, not {describe_value(step)}")
        if not -count <= step < count:
            raise ArgumentError(
                "step",
                f"{step} is not a step of this result (0 to {count - 1}, or -1 for the last)",
            )
        return self.steps[int(step)]

    def _index(self, step: int) -> int:
        """``step`` as a non-negative index, checked as `step_result` checks it."""
        self.step_result(step)
        return int(step) % len(self.steps)

    def country_table(self, step: int = -1) -> pd.DataFrame:
        """Country results of one step (default: the last), one row per country, contract order."""
        return pd.DataFrame(
            self.country_arrays(step), index=pd.Index(self.countries, name="country")
        )

    def country_arrays(self, step: int = -1) -> dict[str, np.ndarray]:
        """The columns of `country_table` as ``(N,)`` arrays by name, without a DataFrame.

        For loops over many results (a Monte Carlo chunk), where building tables costs as much
        as a small solve.
        """
        o = self.step_result(step).outcome
        deficit_before = o.imports_before - o.exports_before
        deficit_after = o.imports_after - o.exports_after
        exports = safe_ratio(o.exports_after, o.exports_before)
        imports = safe_ratio(o.imports_after, o.imports_before)
        data = {
            "welfare_pct": pct(o.welfare_hat),
            "terms_of_trade_pct": 100.0 * o.terms_of_trade,
            "volume_of_trade_pct": 100.0 * o.volume_of_trade,
            "real_wage_pct": pct(o.real_wage_hat),
            "price_index_pct": pct(o.price_index_hat),
            "exports_pct": pct(exports),
            "imports_pct": pct(imports),
            "tariff_revenue": o.revenue_after,
            "tariff_revenue_before": o.revenue_before,
            "export_tax_revenue": o.export_tax_revenue,
            "wage_pct": pct(o.w_hat if o.wage_rate_hat is None else o.wage_rate_hat),
            "income_pct": pct(o.income_hat),
            "trade_balance": o.exports_after - o.imports_after,
            "trade_balance_before": o.exports_before - o.imports_before,
            "employment_pct": pct(o.employment_hat),
            # Relative to |D|; undefined (NaN) where trade is balanced to rounding.
            "deficit_change_pct": 100.0
            * safe_ratio(
                deficit_after - deficit_before,
                np.where(
                    np.abs(deficit_before) > 1e-9 * (o.exports_before + o.imports_before),
                    np.abs(deficit_before),
                    0.0,
                ),
            ),
            "exports_to_gdp_pct": pct(
                safe_ratio(o.exports_after / o.gdp_after, o.exports_before / o.gdp_before)
            ),
            "imports_to_gdp_pct": pct(
                safe_ratio(o.imports_after / o.gdp_after, o.imports_before / o.gdp_before)
            ),
            "gdp": o.gdp_after,
            "equivalent_variation": (ev := equivalent_variation(o)),
            "equivalent_variation_per_household": per_household(
                ev, self.countries, self.year, self.unit
            ),
            **importer_tariffs(o),
            **import_prices(o),
            **welfare_decomposition(o),
            "export_control_rents": control_rents(o),
            "capacity_rents": capacity_rents(o),
            "rent_seeking": np.zeros(len(self.countries))
            if o.rent_seeking is None
            else o.rent_seeking,
        }
        return data

    def trade(self, step: int = -1) -> pd.DataFrame:
        """Bilateral trade by sector before and after (before tariffs), long format."""
        o = self.step_result(step).outcome
        n, i, j = np.nonzero((o.flows_before > 0) | (o.flows_after > 0))
        c, s = np.array(self.countries), np.array(self.sectors)
        before, after = o.flows_before[n, i, j], o.flows_after[n, i, j]
        return pd.DataFrame(
            {
                "importer": c[n],
                "exporter": c[i],
                "sector": s[j],
                "before": before,
                "after": after,
                "change_pct": pct(safe_ratio(after, before)),
                "tariff_pct": 100.0 * o.tariffs_after[n, i, j],
            }
        )

    def to_frame(self, detail: bool = False) -> pd.DataFrame:
        """Tidy long table of every result.

        Columns: ``scenario, step, date, label, country, partner, sector, variable, unit, value``.
        ``partner`` and ``sector`` are empty where a variable is not bilateral or sectoral.
        With ``detail=True`` bilateral trade by sector (``trade``, ``trade_pct``) is included too.
        Built from arrays in one pass (a 1,000-step timeline takes about a second).
        """
        return long_frame(self, detail)

    def to_xarray(self, detail: bool = False) -> Any:
        """The results as an ``xarray.DataArray``: step x variable x country x partner x sector.

        The same numbers as `to_frame` (an empty ``partner`` or ``sector`` label is the entry of
        a variable that is not bilateral or sectoral); combinations that `to_frame` lacks are NaN.
        Coordinates ``unit`` (by variable), ``label`` and ``date`` (by step); the scenario,
        world and model are attributes. Needs xarray (``pip install "tradewar[xarray]"``).
        """
        return long_xarray(self, detail)

    def quota_table(self, step: int = -1) -> list[dict[str, Any]]:
        """Quotas in force at a step and their export-tax equivalents (percent)."""
        st = self.step_result(step)
        if st.policies is None:
            return []
        quota = st.policies.quota
        o = st.outcome
        total = quota_wedge(o)
        regimes = st.policies.rent_regimes(self.meta.get("quota_rent", "exporter"))
        n, i, j = np.nonzero(np.isfinite(quota))
        return [
            {
                "exporter": self.countries[b],
                "importer": self.countries[a],
                "sector": self.sectors[c],
                "quota_pct_of_baseline": float(100.0 * quota[a, b, c]),
                "tax_equivalent_pct": float(100.0 * total[a, b, c]),
                "rent_to": RENT_REGIMES[int(regimes[a, b, c])],
            }
            for a, b, c in zip(n, i, j, strict=True)
        ]

    @property
    def chokepoint_sectors(self) -> tuple[str, ...]:
        """The capacity-limited input sectors (empty in the long run, i.e. without limits)."""
        return tuple(self.meta.get("chokepoint_sectors", ()))

    def capacity_table(self, step: int = -1) -> pd.DataFrame:
        """Capacity-limited producers at a step: output, premium and producer price.

        Indexed by ``(country, sector)`` over the limited sectors' producers (baseline output
        above zero); columns ``output_real_pct`` (quantity), ``capacity_premium_pct`` (the
        shadow price of capacity: the premium over unit cost that rations demand, percent) and
        ``producer_price_pct`` (unit cost times premium). Empty without limits.
        """
        o = self.step_result(step).outcome
        columns = ["output_real_pct", "capacity_premium_pct", "producer_price_pct"]
        rows = []
        if o.capacity_rent is not None:
            for code in self.chokepoint_sectors:
                j = self.sectors.index(code)
                for n in np.flatnonzero(o.output_before[:, j] > 0):
                    real = o.output_after[n, j] / o.c_hat[n, j] / o.output_before[n, j]
                    premium = o.capacity_rent[n, j]
                    rows.append(
                        (
                            self.countries[n],
                            code,
                            100.0 * (real - 1.0),
                            100.0 * premium,
                            100.0 * (o.c_hat[n, j] * (1.0 + premium) - 1.0),
                        )
                    )
        frame = pd.DataFrame(rows, columns=["country", "sector", *columns])
        return frame.set_index(["country", "sector"])

    def users_hit(self, step: int = -1, top: int = 10, country: str | None = None) -> pd.DataFrame:
        """The users of the capacity-limited inputs that lose most real output at a step.

        One row per ``(country, sector)`` that buys a limited input in the baseline (as shown by
        its price index), sorted by ``output_real_pct`` (most negative first), with
        ``input_price_pct``, the change in the price its country pays for the limited input
        (the mean over limited sectors). ``country`` keeps one country's sectors. Empty without
        limits.
        """
        o = self.step_result(step).outcome
        columns = ["output_real_pct", "input_price_pct"]
        limited = [self.sectors.index(code) for code in self.chokepoint_sectors]
        if not limited or o.capacity_rent is None:
            index = pd.MultiIndex.from_tuples([], names=["country", "sector"])
            return pd.DataFrame(columns=columns, index=index)
        real = pct(safe_ratio(o.output_after / o.c_hat, o.output_before))
        price = pct(o.P_hat[:, limited]).mean(axis=1)
        uses = np.asarray(self.meta.get("chokepoint_users", np.ones(o.c_hat.shape, bool)), bool)
        n, j = np.nonzero(uses & np.isfinite(real))
        frame = pd.DataFrame(
            {
                "country": [self.countries[a] for a in n],
                "sector": [self.sectors[b] for b in j],
                "output_real_pct": real[n, j],
                "input_price_pct": price[n],
            }
        ).set_index(["country", "sector"])
        if country is not None:
            frame = frame[frame.index.get_level_values("country") == country]
        return frame.sort_values("output_real_pct").head(top)

    def tariff_revenue(self, step: int = -1, by_sector: bool = False) -> pd.DataFrame:
        """Tariff revenue by importer and partner (and sector), with the realised rate.

        Columns ``importer, partner[, sector], imports, tariff_revenue, tariff_rate_pct``:
        imports at customs value (before tariffs), duties (customs value times the tariff in
        force) and their ratio, the realised rate (percent; NaN without imports). Rows for
        flows with imports or duties; revenue summed over partners is each importer's
        ``tariff_revenue`` in `country_table`.
        """
        o = self.step_result(step).outcome
        paid, flows = duties(o), o.flows_after
        if not by_sector:
            paid, flows = paid.sum(axis=2, keepdims=True), flows.sum(axis=2, keepdims=True)
        off = ~np.eye(len(self.countries), dtype=bool)[:, :, None]
        n, i, j = np.nonzero(off & ((flows > 0) | (paid != 0)))
        frame = pd.DataFrame(
            {
                "importer": np.array(self.countries, dtype=object)[n],
                "partner": np.array(self.countries, dtype=object)[i],
                "imports": flows[n, i, j],
                "tariff_revenue": paid[n, i, j],
                "tariff_rate_pct": 100.0 * safe_ratio(paid[n, i, j], flows[n, i, j]),
            }
        )
        if by_sector:
            frame.insert(2, "sector", np.array(self.sectors, dtype=object)[j])
        return frame

    def effective_tariffs(self, step: int | None = None) -> pd.DataFrame:
        """Effective tariff rates by importer and partner at each step (or at ``step``).

        Columns ``step, date, label, importer, partner, statutory_pct, realised_pct,
        imports_before, imports_after, tariff_revenue``: the tariffs in force weighted by the
        baseline's imports (before substitution) and the duties collected over imports after
        the shock (after substitution), percent; imports at customs value and duties in world
        units. ``partner`` ``"all"`` is the importer's rate on all its imports. Pairs with no
        trade before or after are left out (`tradewar.results.tariffs`).
        """
        steps = range(len(self.steps)) if step is None else [self._index(step)]
        codes = np.array(self.countries, dtype=object)
        parts = []
        for k in steps:
            st = self.steps[k]
            pairs = pair_tariffs(st.outcome)
            n, i = np.nonzero((pairs["imports_before"] > 0) | (pairs["imports_after"] > 0))
            frame = pd.DataFrame(
                {
                    "importer": codes[n],
                    "partner": codes[i],
                    **{name: values[n, i] for name, values in pairs.items()},
                }
            )
            total = pd.DataFrame(
                {
                    "importer": codes,
                    "partner": "all",
                    "statutory_pct": importer_tariffs(st.outcome)["statutory_tariff_pct"],
                    "realised_pct": importer_tariffs(st.outcome)["realised_tariff_pct"],
                    "imports_before": pairs["imports_before"].sum(axis=1),
                    "imports_after": pairs["imports_after"].sum(axis=1),
                    "tariff_revenue": pairs["tariff_revenue"].sum(axis=1),
                }
            )
            both = pd.concat([total, frame], ignore_index=True)
            both.insert(0, "label", st.label)
            both.insert(0, "date", st.date.isoformat() if st.date else "")
            both.insert(0, "step", k)
            parts.append(both)
        return pd.concat(parts, ignore_index=True)

    def tariffs_in_force(self, step: int = -1, changed_only: bool = True) -> pd.DataFrame:
        """The tariff schedule in force at ``step``, largest changes first.

        Columns ``importer, exporter, sector, baseline_pct, in_force_pct, change_pts``, one
        row per cross-border cell (by default only the cells whose tariff differs from the
        baseline's).
        """
        o = self.step_result(step).outcome
        before, after = 100.0 * o.tariffs_before, 100.0 * o.tariffs_after
        cross = ~np.eye(len(self.countries), dtype=bool)[:, :, None]
        keep = cross & ((np.abs(after - before) > 1e-9) if changed_only else True)
        n, i, j = np.nonzero(np.broadcast_to(keep, after.shape))
        frame = pd.DataFrame(
            {
                "importer": np.array(self.countries, dtype=object)[n],
                "exporter": np.array(self.countries, dtype=object)[i],
                "sector": np.array(self.sectors, dtype=object)[j],
                "baseline_pct": before[n, i, j],
                "in_force_pct": after[n, i, j],
                "change_pts": after[n, i, j] - before[n, i, j],
            }
        )
        order = frame["change_pts"].abs().sort_values(ascending=False, kind="stable").index
        return frame.loc[order].reset_index(drop=True)

    def welfare_decomposition(self, step: int = -1) -> pd.DataFrame:
        """Each country's welfare change split exactly into the parts of its income.

        Columns ``welfare_pct`` and the contributions (percentage points, summing to it):
        ``factor_income_pct`` (wages and profits), ``tariff_revenue_pct``, ``rents_pct``
        (export-control rents and taxes, whoever of exporter and importer earns them),
        ``capacity_rents_pct`` and ``transfers_pct`` (the real value of the deficit); then the
        first-order Caliendo–Parro ``terms_of_trade_pct`` and ``volume_of_trade_pct`` for
        comparison (`tradewar.results.income`).
        """
        o = self.step_result(step).outcome
        table = pd.DataFrame(
            {"welfare_pct": pct(o.welfare_hat), **welfare_decomposition(o)},
            index=pd.Index(self.countries, name="country"),
        )
        table["terms_of_trade_pct"] = 100.0 * o.terms_of_trade
        table["volume_of_trade_pct"] = 100.0 * o.volume_of_trade
        return table

    def welfare_drivers(self, step: int = -1) -> list[dict[str, Any]]:
        """Plain sentences for the countries whose welfare sign a rent or transfer decides."""
        return welfare_drivers(self.countries, self.step_result(step).outcome)

    # ------------------------------------------------------------------ JSON and saving
    def countries_json(self, step: int) -> list[dict[str, Any]]:
        """The ``countries`` rows of the ``--json`` contract for one step (NaN as null)."""
        return countries_rows(self, step)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object of docs/formats.md (a plain dict; `json.dumps` it)."""
        return result_json(self)

    def save(
        self,
        directory: str | os.PathLike[str],
        manifest: dict[str, Any] | None = None,
        *,
        force: bool = False,
        formats: Sequence[str] = ("parquet",),
    ) -> Path:
        """Write ``results.parquet`` (tidy, with detail) and ``manifest.json`` into ``directory``.

        ``formats`` adds ``"csv"`` (``results.csv``: the same table without the bilateral
        detail by sector, which in plain text would take hundreds of MB for a world-sized
        timeline) and ``"json"`` (``results.json``, the ``--json`` object of `to_json`) to
        ``"parquet"``.

        The folder is written whole or not at all (`tradewar.folders.write_folder`): the
        manifest and the results always come from the same run, a folder holding files
        tradewar did not write is refused unless ``force``, and a second writer fails cleanly.
        ``manifest`` adds entries (e.g. the scenario file) to the manifest, which also records
        the scenario as solved (with its ``[parameters]``), convergence, every step's residuals
        and the data hash.
        """
        return save_result(self, directory, manifest, force=force, formats=formats)


def quota_wedge(o: Outcome) -> np.ndarray:
    """``(N, N, J)`` the whole price wedge of export controls on each flow (fraction).

    The exporter's tax, the rent the importer keeps and the rent dissipated, compounded: the
    tax equivalent of a quota whoever earns its rent.
    """
    total = 1.0 + o.export_tax
    for part in (o.import_rent, o.dissipated):
        if part is not None:
            total = total * (1.0 + part)
    return total - 1.0


def _num(value: Any) -> float | None:
    v = float(value)
    return None if not math.isfinite(v) else v
