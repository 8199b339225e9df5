"""`build_world`: one call from a source to a checked world, for the CLI and the Python API."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypedDict, Unpack

import numpy as np

from tradewar.build.regions import region_map
from tradewar.build.shares import Adjustment, SourceTables, shares_from_tables, world_from_baseline
from tradewar.build.tariffs import BASELINE, read_concordance, tariff_tables_from_long
from tradewar.build.theta import theta_for_sectors
from tradewar.data.world import World
from tradewar.errors import DataError

#: Sources `build_world` reads.
SOURCES = ("oecd-icio", "wiod", "long", "world")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class BuildReport:
    """What a build did: the source's adjustments and how far balancing moved wages."""

    adjustments: tuple[Adjustment, ...]
    max_wage_change: float
    tariff_tables: tuple[str, ...]

    def lines(self) -> list[str]:
        """Printable lines."""
        out = [str(a) for a in self.adjustments]
        out.append(f"balancing moved wages by at most {100 * self.max_wage_change:.3g}%")
        if self.tariff_tables:
            out.append("tariff tables: " + ", ".join(self.tariff_tables))
        return out


def aggregate_tables(
    tables: SourceTables,
    countries: dict[str, str] | None = None,
    sectors: dict[str, str] | None = None,
) -> SourceTables:
    """Sum source tables into country and sector groups (every value is additive)."""
    from tradewar.data.aggregate import membership

    C, new_c, new_cn = membership(tables.countries, tables.country_names, countries, "country")
    S, new_s, new_sn = membership(tables.sectors, tables.sector_names, sectors, "sector")
    return replace(
        tables,
        countries=new_c,
        country_names=new_cn,
        sectors=new_s,
        sector_names=new_sn,
        flows=np.einsum("nik,na,ib,kc->abc", tables.flows, C, C, S, optimize=True),
        inputs=np.einsum("nkj,na,kb,jc->abc", tables.inputs, C, S, S, optimize=True),
        final=C.T @ tables.final @ S,
        value_added=C.T @ tables.value_added @ S,
    )


def read_sector_map(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """A ``sector -> group`` map (and group names) from a CSV with ``sector, group[, name]``."""
    import pandas as pd

    from tradewar.data.tables import read_table

    frame = read_table(Path(path), {"sector": "str", "group": "str"})
    raw = (
        pd.read_csv(path, dtype=str, keep_default_na=False) if str(path).endswith(".csv") else None
    )
    names = (
        dict(zip(raw["group"].str.strip(), raw["name"].str.strip(), strict=True))
        if raw is not None and "name" in raw
        else {}
    )
    return dict(zip(frame["sector"], frame["group"], strict=True)), names


class BuildOptions(TypedDict, total=False):
    """The optional inputs of `build_world` (each a flag of ``tradewar build``).

    Attributes
    ----------
    year
        The source's year, where a file holds several (``oecd-icio``, ``wiod``).
    regions, keep
        Country aggregation (`region_map`); ``keep`` sends every other country to ``ROW``.
    sector_map
        CSV ``sector, group[, name]`` merging sectors.
    theta
        ``"cp2015"`` (the default) or a CSV ``sector, theta`` (ignored for ``world``, which
        keeps its own).
    tariffs, concordance
        Long tariff file (`tariff_tables_from_long`): its baseline rows are the baseline
        tariffs (not allowed for ``world``, whose accounts include its tariffs); other labels
        become tariff tables for scenario steps.
    inputs, value_added
        The input-use and value-added files of a ``long`` source (`read_long`).
    """

    year: int | None
    regions: str | Path | None
    keep: list[str] | None
    sector_map: str | Path | None
    theta: str | Path
    tariffs: str | Path | None
    concordance: str | Path | None
    inputs: str | Path | None
    value_added: str | Path | None


def build_world(
    source: str, path: str | Path, *, name: str, **options: Unpack[BuildOptions]
) -> tuple[World, BuildReport]:
    """Build a balanced world from a source.

    Parameters
    ----------
    source
        ``"oecd-icio"`` (`read_oecd_icio`), ``"wiod"`` (`read_wiod`), ``"long"`` (`read_long`,
        with ``inputs`` and ``value_added``), or ``"world"`` (an existing world package or
        bundled name, to aggregate or add tariff tables to).
    path
        The source file (or, for ``world``, the package folder or bundled name).
    name
        The new world's name.
    **options
        `BuildOptions`: year, regions, sector map, elasticities, tariffs and the ``long``
        source's other files.

    Returns
    -------
    world, report
        The balanced world and a `BuildReport` of what the build changed.

    Raises
    ------
    TypeError
        For an option `BuildOptions` does not name.
    DataError
        For an unknown source or a file that cannot be read, naming it.
    """
    unknown = sorted(set(options) - set(BuildOptions.__annotations__))
    if unknown:
        raise TypeError(
            f"build_world() got unknown option(s) {', '.join(unknown)} "
            f"(one of {', '.join(BuildOptions.__annotations__)})"
        )
    year = options.get("year")
    regions = options.get("regions")
    keep = options.get("keep")
    sector_map = options.get("sector_map")
    theta = options.get("theta", "cp2015")
    tariffs = options.get("tariffs")
    concordance = options.get("concordance")
    if source not in SOURCES:
        raise DataError(f"unknown source '{source}' (one of {', '.join(SOURCES)})", field="from")
    sector_groups: dict[str, str] = {}
    sector_names: dict[str, str] = {}
    if sector_map is not None:
        sector_groups, sector_names = read_sector_map(sector_map)
    if source == "world":
        return _from_world(path, name, regions, keep, sector_groups, tariffs, concordance)
    from tradewar.build.icio import read_oecd_icio
    from tradewar.build.long import read_long
    from tradewar.build.wiod import read_wiod

    if source == "oecd-icio":
        tables = read_oecd_icio(path, year)
    elif source == "wiod":
        tables = read_wiod(path, year)
    else:
        tables = read_long(
            path, options.get("inputs"), options.get("value_added"), meta={"year": year}
        )
    _require_finite_totals(tables, Path(path).name)
    country_map = (
        region_map(tables.countries, regions or "", keep) if regions or keep is not None else {}
    )
    theta_base = theta_for_sectors(tables.sectors, theta)
    tables = aggregate_tables(tables, country_map, None)
    theta_values = _merged_theta(tables, theta_base, sector_groups)
    tables = aggregate_tables(tables, None, sector_groups)
    if sector_names:
        tables = replace(
            tables,
            sector_names=tuple(
                sector_names.get(s, n)
                for s, n in zip(tables.sectors, tables.sector_names, strict=True)
            ),
        )
    tables_by_label = _tariffs(tariffs, concordance, tables.countries, tables.sectors)
    baseline = tables_by_label.pop(BASELINE, None)
    shares = shares_from_tables(tables, theta_values, baseline, tables_by_label)
    meta = {
        **{k: v for k, v in tables.meta.items() if v is not None},
        "description": f"{name}: {len(tables.countries)} countries x {len(tables.sectors)} sectors"
        + (f", {year}" if year else "")
        + f", built from {source}",
        "theta_source": str(theta),
    }
    if regions:
        meta["regions_source"] = str(regions)
    shares = replace(shares, meta=meta)
    world, w_hat = world_from_baseline(shares, name)
    return world, BuildReport(
        shares.adjustments, float(np.abs(np.asarray(w_hat) - 1.0).max()), tuple(tables_by_label)
    )


def _merged_theta(tables: SourceTables, theta: np.ndarray, groups: dict[str, str]) -> np.ndarray:
    """Elasticities of merged sectors, weighted as `tradewar.data.aggregate.aggregate` does.

    The members' mean weighted by cross-border trade (by gross output where a group has none).
    """
    if not groups:
        return theta
    N = len(tables.countries)
    cross = (tables.flows * (1.0 - np.eye(N))[:, :, None]).sum(axis=(0, 1))
    output = (tables.value_added + tables.inputs.sum(axis=1)).sum(axis=0)
    target = [groups.get(s, s) for s in tables.sectors]
    values = []
    for code in dict.fromkeys(target):
        idx = np.array([k for k, t in enumerate(target) if t == code])
        w = cross[idx] if cross[idx].sum() > 0 else output[idx]
        values.append(
            float(np.average(theta[idx], weights=w)) if w.sum() > 0 else float(theta[idx].mean())
        )
    return np.array(values)


def _tariffs(
    tariffs: str | Path | None,
    concordance: str | Path | None,
    countries: tuple[str, ...],
    sectors: tuple[str, ...],
) -> dict[str, np.ndarray]:
    if tariffs is None:
        if concordance is not None:
            raise DataError("--concordance needs --tariffs", field="concordance")
        return {}
    conc = read_concordance(concordance) if concordance is not None else None
    tables = tariff_tables_from_long(tariffs, countries, sectors, conc)
    for label in tables:
        if not _LABEL.match(label):
            raise DataError(
                f"table label '{label}' is not usable in a file name (letters, digits, '_', '-')",
                file=Path(tariffs).name,
                field="table",
            )
    return tables


def _from_world(
    path: str | Path,
    name: str,
    regions: str | Path | None,
    keep: list[str] | None,
    sector_groups: dict[str, str],
    tariffs: str | Path | None,
    concordance: str | Path | None,
) -> tuple[World, BuildReport]:
    from tradewar.data.aggregate import aggregate
    from tradewar.data.io import load_world

    world = load_world(path)
    country_map = (
        region_map(world.countries, regions or "", keep) if regions or keep is not None else {}
    )
    if country_map or sector_groups:
        world = aggregate(world, country_map or None, sector_groups or None, name=name)
    tables = _tariffs(tariffs, concordance, world.countries, world.sectors)
    if BASELINE in tables:
        raise DataError(
            "baseline tariffs cannot be changed on a built world (its accounts include them); "
            "give each row a table label for scenario steps, or rebuild from the source",
            file=Path(str(tariffs)).name,
            field="table",
        )
    world = replace(
        world,
        name=name,
        meta={**world.meta, "name": name},
        tariff_tables={**world.tariff_tables, **tables},
    )
    return world, BuildReport((), 0.0, tuple(tables))


def _require_finite_totals(tables: SourceTables, file: str) -> None:
    """`DataError` naming ``file`` when the tables' totals overflow double precision.

    Each value may be finite (1e308 is) while a country's output, the sum of its sales, is
    not; the world built from them would fail inside the solver as "not finite".
    """
    with np.errstate(over="ignore", invalid="ignore"):
        totals = {
            "flows": tables.flows.sum(axis=(0, 2)),
            "inputs": tables.inputs.sum(axis=(1, 2)),
            "value added": tables.value_added.sum(axis=1),
        }
        overflow = {k: v for k, v in totals.items() if not np.isfinite(v.sum())}
    if overflow:
        what, values = next(iter(overflow.items()))
        bad = np.flatnonzero(~np.isfinite(values))
        where = f" (country {tables.countries[int(bad[0])]})" if bad.size else ""
        raise DataError(
            f"values too large: the {what} totals overflow double precision{where}; rescale "
            "the data (e.g. to millions)",
            file=file,
            field="value",
        )
