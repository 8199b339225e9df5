"""Move a world to a target year: rescale to a small table of aggregates with RAS.

Targets (a CSV or Parquet, long) have columns ``variable, country, partner, value`` (``partner``
empty unless needed) and optionally ``unit`` (checked against the world's) and ``source``:

* ``gdp``: value added of ``country``;
* ``goods_trade``: goods shipped from exporter ``country`` to importer ``partner``;
* ``goods_exports`` / ``goods_imports``: a country's goods exports or imports (all partners).

The update: value added moves to the GDP targets; the goods trade matrix is the old one
scaled by the geometric mean of the two countries' GDP growth, with the given pairs set to their
targets and the other pairs balanced bi-proportionally (RAS) to any export and import totals;
each pair's goods trade keeps its sector mix; services trade moves with the partners' GDP growth
and domestic sales absorb the rest, scaled so that value added meets the GDP target (input and
final-demand shares are kept). The world is then re-solved at the new shares
(`tradewar.model.calibrate.world_from_shares`), so its accounts balance; `UpdateReport` says how
far the re-solved trade is from the targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.build.shares import (
    SourceTables,
    shares_from_tables,
    tariff_factor,
    world_from_baseline,
)
from tradewar.data.tables import read_table
from tradewar.data.world import World
from tradewar.errors import DataError

VARIABLES = ("gdp", "goods_trade", "goods_exports", "goods_imports")


@dataclass(frozen=True)
class Targets:
    """Aggregates to update a world to, in the world's currency unit.

    ``gdp`` ``(N,)`` and the totals are NaN where not given; ``trade`` ``(N, N)`` is
    ``[importer, exporter]``, NaN where not given.
    """

    gdp: np.ndarray
    trade: np.ndarray
    exports: np.ndarray
    imports: np.ndarray
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateReport:
    """What the update changed and how close the re-solved world is to the targets.

    A report exists only for a balancing that converged (`update_baseline` raises
    `DataError` otherwise), so it carries the measured gap, not a flag that could only be true.
    """

    ras_iterations: int
    ras_max_gap: float
    gdp_max_gap_pct: float
    trade_median_gap_pct: float
    trade_max_gap_pct: float
    gdp_growth: dict[str, float] = field(default_factory=dict)
    pairs: pd.DataFrame | None = None

    def lines(self) -> list[str]:
        """A short, printable account of the update."""
        return [
            f"RAS: converged in {self.ras_iterations} iterations (largest relative gap "
            f"{self.ras_max_gap:.2e})",
            f"value added vs GDP targets: largest gap {self.gdp_max_gap_pct:.2e}%",
            "goods trade vs targets after re-solving: median gap "
            f"{self.trade_median_gap_pct:.2f}%, "
            f"largest {self.trade_max_gap_pct:.2f}%",
        ]


def read_targets(path: str | Path, world: World) -> Targets:
    """Read a targets table (see the module docstring) for ``world``'s countries."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", file=str(path))
    frame = read_table(path, {"variable": "str", "country": "str", "value": "float"})
    offset, file = frame.attrs["row_offset"], frame.attrs["file"]
    raw = (
        pd.read_parquet(path)
        if path.suffix == ".parquet"
        else pd.read_csv(path, dtype=str, keep_default_na=False)
    )
    partner = (
        raw["partner"].astype(str).str.strip() if "partner" in raw else pd.Series([""] * len(raw))
    )
    if "unit" in raw:
        wrong = raw["unit"].astype(str).str.strip() != world.unit
        if wrong.any():
            r = int(np.flatnonzero(wrong.to_numpy())[0])
            raise DataError(
                f"unit '{raw['unit'].iloc[r]}' is not the world's ({world.unit})",
                file=file,
                row=r + offset,
                field="unit",
            )
    N = world.n_countries
    gdp, exports, imports = np.full(N, np.nan), np.full(N, np.nan), np.full(N, np.nan)
    trade = np.full((N, N), np.nan)
    index = {c: n for n, c in enumerate(world.countries)}
    for r, (variable, country, value) in enumerate(
        zip(frame["variable"], frame["country"], frame["value"], strict=True)
    ):
        where = {"file": file, "row": r + offset}
        if variable not in VARIABLES:
            raise DataError(
                f"unknown variable '{variable}' (one of {', '.join(VARIABLES)})",
                field="variable",
                **where,
            )
        if country not in index:
            raise DataError(f"unknown country '{country}'", field="country", **where)
        if value < 0:
            raise DataError(f"negative value {value}", field="value", **where)
        n = index[country]
        if variable == "goods_trade":
            p = partner.iloc[r]
            if p not in index or p == country:
                raise DataError(
                    f"partner '{p}' is not another country of the world", field="partner", **where
                )
            target: np.ndarray = trade
            at: tuple[int, ...] = (index[p], n)
        else:
            target = {"gdp": gdp, "goods_exports": exports, "goods_imports": imports}[variable]
            at = (n,)
        if np.isfinite(target[at]):
            raise DataError(f"{variable} for {country} given twice", field="variable", **where)
        target[at] = value
    sources = tuple(sorted(set(raw["source"].astype(str)))) if "source" in raw else ()
    return Targets(gdp=gdp, trade=trade, exports=exports, imports=imports, sources=sources)


def ras(
    prior: np.ndarray,
    fixed: np.ndarray,
    row_totals: np.ndarray,
    col_totals: np.ndarray,
    tol: float = 1e-12,
    max_iterations: int = 10_000,
) -> tuple[np.ndarray, int, bool, float]:
    """Bi-proportional (RAS) balancing of a non-negative matrix with fixed cells.

    Parameters
    ----------
    prior
        ``(R, C)`` starting matrix (non-negative); cells where ``fixed`` is finite are set to it
        and not scaled.
    row_totals, col_totals
        Targets (NaN = free: the row or column is not scaled).

    Returns
    -------
    matrix, iterations, converged, max_gap
        ``max_gap`` is the largest relative gap of a targeted total.
    """
    is_fixed = np.isfinite(fixed)
    free = np.where(is_fixed, 0.0, prior)
    fixed0 = np.where(is_fixed, fixed, 0.0)
    rows_on, cols_on = np.isfinite(row_totals), np.isfinite(col_totals)
    r_target = np.where(rows_on, row_totals - fixed0.sum(axis=1), 0.0)
    c_target = np.where(cols_on, col_totals - fixed0.sum(axis=0), 0.0)
    if np.any(r_target < -1e-9 * np.nansum(row_totals)) or np.any(
        c_target < -1e-9 * np.nansum(col_totals)
    ):
        raise DataError("a total is below the sum of its fixed pairs", field="goods_trade")
    gap = np.inf
    iterations = 0
    with np.errstate(under="ignore"):  # inconsistent totals drive cells towards zero
        for iterations in range(1, max_iterations + 1):  # noqa: B007
            s = free.sum(axis=1)
            free = (
                free * np.where(rows_on & (s > 0), r_target / np.where(s > 0, s, 1.0), 1.0)[:, None]
            )
            s = free.sum(axis=0)
            free = (
                free * np.where(cols_on & (s > 0), c_target / np.where(s > 0, s, 1.0), 1.0)[None, :]
            )
            gaps = np.concatenate(
                [
                    np.abs(free.sum(axis=1) - r_target)[rows_on]
                    / np.maximum(r_target[rows_on], 1e-300),
                    np.abs(free.sum(axis=0) - c_target)[cols_on]
                    / np.maximum(c_target[cols_on], 1e-300),
                ]
            )
            gap = float(gaps.max()) if gaps.size else 0.0
            if gap <= tol:
                break
    return free + fixed0, iterations, bool(gap <= tol), gap


def update_baseline(
    world: World,
    targets: Targets,
    goods: tuple[str, ...] | None = None,
    name: str | None = None,
) -> tuple[World, UpdateReport]:
    """The world moved to the targets (see the module docstring) and a report.

    Parameters
    ----------
    goods
        Sector codes that count as goods (default: the world's ``goods`` group, else every
        tradable sector).
    """
    N = world.n_countries
    goods = (
        goods
        or world.sector_groups.get("goods")
        or tuple(s for s, t in zip(world.sectors, world.tradable, strict=True) if t)
    )
    is_goods = np.array([s in goods for s in world.sectors])
    va_old = world.value_added.sum(axis=1)
    known = np.isfinite(targets.gdp)
    if not known.any():
        raise DataError("the targets give no GDP", field="gdp")
    overall = targets.gdp[known].sum() / va_old[known].sum()
    growth = np.where(known, targets.gdp / np.where(va_old > 0, va_old, 1.0), overall)
    off = 1.0 - np.eye(N)
    goods_old = (world.flows[:, :, is_goods]).sum(axis=2) * off  # [importer, exporter]
    prior = goods_old * np.sqrt(np.outer(growth, growth))
    fixed = np.where(off > 0, targets.trade, np.nan)
    goods_new, iterations, converged, gap = ras(prior, fixed, targets.imports, targets.exports)
    if not converged:  # before the re-solve: nothing to build on
        raise DataError(
            f"the RAS balancing did not converge (largest gap {gap:.2e} after {iterations} "
            "iterations): the export and import totals are inconsistent with the fixed pairs",
            field="goods_trade",
        )
    goods_new = goods_new * off
    # Each pair keeps its sector mix; a pair with no old goods trade takes the importer's mix.
    importer_mix = world.flows[:, :, is_goods].sum(axis=1)
    importer_mix = importer_mix / np.maximum(importer_mix.sum(axis=1, keepdims=True), 1e-300)
    mix = np.where(
        goods_old[:, :, None] > 0,
        world.flows[:, :, is_goods] / np.where(goods_old > 0, goods_old, 1.0)[:, :, None],
        importer_mix[:, None, :],
    )
    flows = world.flows * np.sqrt(np.outer(growth, growth))[:, :, None] * off[:, :, None]
    flows[:, :, is_goods] = goods_new[:, :, None] * mix
    # Domestic sales absorb the rest: scaled so that value added meets the GDP target.
    Y_old = world.gross_output
    with np.errstate(all="ignore"):
        beta = np.where(Y_old > 0, world.value_added / np.where(Y_old > 0, Y_old, 1.0), 0.0)
        gamma_io = np.where(
            Y_old[:, None, :] > 0,
            world.intermediates / np.where(Y_old > 0, Y_old, 1.0)[:, None, :],
            0.0,
        )
    exports = flows.sum(axis=0)  # [exporter, sector], domestic sales still zero
    domestic_old = world.flows[np.arange(N), np.arange(N), :]
    target_va = va_old * growth
    scale = (target_va - (beta * exports).sum(axis=1)) / np.maximum(
        (beta * domestic_old).sum(axis=1), 1e-300
    )
    if np.any(scale <= 0):
        bad = int(np.flatnonzero(scale <= 0)[0])
        raise DataError(
            f"the GDP target of {world.countries[bad]} ({target_va[bad]:,.6g}) is below the value "
            "added of its target exports",
            field="gdp",
        )
    flows[np.arange(N), np.arange(N), :] = domestic_old * scale[:, None]
    output = flows.sum(axis=0)
    factor = tariff_factor(flows, world.tariffs)
    inputs = gamma_io * output[:, None, :] / factor[:, :, None]  # before tariffs
    tables = SourceTables(
        countries=world.countries,
        country_names=world.country_names,
        sectors=world.sectors,
        sector_names=world.sector_names,
        flows=flows,
        inputs=inputs,
        final=flows.sum(axis=1) - inputs.sum(axis=2),
        value_added=beta * output,
        meta={**world.meta},
    )
    shares = shares_from_tables(tables, world.theta, world.tariffs, world.tariff_tables)
    shares = replace(shares, tradable=world.tradable)
    new, _ = world_from_baseline(shares, name or f"{world.name}-updated")
    report = _report(world, new, targets, fixed, is_goods, growth, (iterations, gap))
    return new, report


def _report(
    world: World,
    new: World,
    targets: Targets,
    fixed: np.ndarray,
    is_goods: np.ndarray,
    growth: np.ndarray,
    ras_result: tuple[int, float],
) -> UpdateReport:
    """How close the updated world ``new`` comes to the targets (GDP, fixed goods trade)."""
    iterations, gap = ras_result
    known = np.isfinite(targets.gdp)
    new_va = new.value_added.sum(axis=1)
    gdp_gap = np.abs(new_va - targets.gdp)[known] / targets.gdp[known]
    resolved = new.flows[:, :, is_goods].sum(axis=2)
    given = np.isfinite(fixed)
    pair_gap = np.abs(resolved[given] - fixed[given]) / np.maximum(fixed[given], 1e-300)
    n_idx, i_idx = np.nonzero(given)
    pairs = pd.DataFrame(
        {
            "exporter": np.array(world.countries)[i_idx],
            "importer": np.array(world.countries)[n_idx],
            "target": fixed[given],
            "updated": resolved[given],
            "gap_pct": 100.0 * (resolved[given] - fixed[given]) / np.maximum(fixed[given], 1e-300),
        }
    )
    report = UpdateReport(
        ras_iterations=iterations,
        ras_max_gap=gap,
        gdp_max_gap_pct=float(100 * gdp_gap.max()),
        trade_median_gap_pct=float(100 * np.median(pair_gap)) if pair_gap.size else 0.0,
        trade_max_gap_pct=float(100 * pair_gap.max()) if pair_gap.size else 0.0,
        gdp_growth=dict(zip(world.countries, growth.tolist(), strict=True)),
        pairs=pairs,
    )
    return report


def with_base_tariffs(world: World, tariffs: np.ndarray, name: str | None = None) -> World:
    """``world`` with other baseline tariffs, its trade at customs value kept.

    For tariffs that are part of the base year's data (e.g. duties in force since 2018 on a
    world whose tariff file predates them): each importer's spending on a flow becomes the
    customs value times ``1 + tariff``, so expenditure shares, tariff revenue and income take
    the new tariffs while cost and final-demand shares, value added and deficits stay; the world
    is then re-solved at those shares (`tradewar.model.calibrate.world_from_shares`).

    Parameters
    ----------
    tariffs
        ``(N, N, J)`` new baseline tariffs (fractions, above -1; domestic cells zero).
    """
    from tradewar.build.shares import BaselineShares
    from tradewar.model.economy import io_shares

    tariffs = np.asarray(tariffs, dtype=float)
    if tariffs.shape != world.tariffs.shape or not np.all(np.isfinite(tariffs) & (tariffs > -1)):
        raise DataError(
            f"tariffs must be finite, above -100% and of shape {world.tariffs.shape}",
            field="tariffs",
        )
    econ = io_shares(world)
    spend = (1.0 + tariffs) * world.flows
    X = spend.sum(axis=1)
    eye = np.eye(world.n_countries)[:, :, None]
    pi = np.where(X[:, None, :] > 0, spend / np.where(X > 0, X, 1.0)[:, None, :], eye)
    shares = replace(BaselineShares.of(world, econ), pi=pi, tau=tariffs, expenditure=X)
    new, _ = world_from_baseline(shares, name or world.name)
    return replace(new, sector_groups=world.sector_groups, theta_se=world.theta_se)
