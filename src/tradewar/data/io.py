"""Load and check world packages (docs/formats.md); `tradewar.data.write` writes them."""

from __future__ import annotations

import copy
import os
import re
import threading
import tomllib
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewar.data.tables import read_table, require_nonnegative, scatter, table_path
from tradewar.data.world import World
from tradewar.errors import DataError

#: Relative tolerance of the accounting checks (share of the larger side of each identity).
BALANCE_RTOL = 1e-6


def load_world(source: str | os.PathLike[str]) -> World:
    """Load a world package from a directory, or a bundled dataset by name.

    Parameters
    ----------
    source
        A bundled name (see `tradewar.list_datasets`) or a path to a world-package directory.

    Returns
    -------
    World
        The checked baseline. Accounting identities hold to ``BALANCE_RTOL``.

    Raises
    ------
    DataError
        Naming the file, row and field of the first problem found.
    """
    from tradewar.datasets import dataset_path, is_dataset

    if not isinstance(source, (str, os.PathLike)):
        from tradewar.errors import ArgumentError, describe_value

        raise ArgumentError(
            "source",
            "must be a bundled world's name or a world-package path, not " + describe_value(source),
        )
    text = os.fspath(source)
    if "\x00" in text:
        raise DataError("not a usable path: it contains a NUL byte", file=repr(text))
    directory = dataset_path(text) if is_dataset(text) else Path(text)
    try:
        found = directory.is_dir()
    except (OSError, ValueError) as exc:  # a NUL byte, a loop of links, a path too long
        raise DataError(f"not a usable path: {_reason(exc)}", file=repr(text)) from None
    if not found:
        raise DataError(
            "no such world package directory or bundled dataset "
            "(run `tradewar datasets` for the bundled names)",
            file=text,
        )
    try:
        signature = _signature(directory)
        key = directory.resolve()
        with _LOADED_LOCK:
            cached = _LOADED.get(key)
        if cached is None or cached[0] != signature:
            cached = (signature, _read_package(directory))
            with _LOADED_LOCK:  # worlds are loaded from several threads in the web app
                _LOADED[key] = cached
                _LOADED.move_to_end(key)
                while len(_LOADED) > _LOADED_MAX:
                    _LOADED.popitem(last=False)
        return _fresh(cached[1])
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot be read: {_reason(exc)}", file=text) from None


#: Worlds read in this process, by folder, with the signature of the files they were read from.
_LOADED: OrderedDict[Path, tuple[tuple, World]] = OrderedDict()
_LOADED_MAX = 8
_LOADED_LOCK = threading.Lock()


def _signature(directory: Path) -> tuple:
    """Name, size and modification time of every file in a package folder.

    A world is read again whenever any of them changes, so the cache never serves stale data.
    """
    entries = []
    for path in sorted(directory.iterdir()):
        stat = path.stat()
        entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def _fresh(world: World) -> World:
    """A copy of a cached world whose arrays and metadata the caller may change freely."""
    return replace(
        world,
        theta=world.theta.copy(),
        tradable=world.tradable.copy(),
        flows=world.flows.copy(),
        tariffs=world.tariffs.copy(),
        value_added=world.value_added.copy(),
        intermediates=world.intermediates.copy(),
        final_demand=world.final_demand.copy(),
        tariff_tables={k: v.copy() for k, v in world.tariff_tables.items()},
        meta=copy.deepcopy(world.meta),
        political_weights=None
        if world.political_weights is None
        else world.political_weights.copy(),
        theta_se=None if world.theta_se is None else world.theta_se.copy(),
        sector_groups=dict(world.sector_groups),
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc)


def _read_package(directory: Path) -> World:
    meta = _read_meta(directory)
    name = str(meta.get("name", directory.name))

    countries_t = read_table(_need(directory, "countries"), {"country": "str", "name": "str"})
    sectors_t = read_table(
        _need(directory, "sectors"),
        {"sector": "str", "name": "str", "theta": "float", "tradable": "bool"},
    )
    countries = _unique_codes(countries_t, "country")
    sectors = _unique_codes(sectors_t, "sector")
    theta = sectors_t["theta"].to_numpy()
    bad = np.flatnonzero(theta <= 0)
    if bad.size:
        raise DataError(
            f"trade elasticity must be > 0, got {theta[bad[0]]}",
            file=sectors_t.attrs["file"],
            row=int(bad[0]) + sectors_t.attrs["row_offset"],
            field="theta",
        )
    tradable = sectors_t["tradable"].to_numpy()

    flows_t = read_table(
        _need(directory, "flows"),
        {"exporter": "str", "importer": "str", "sector": "str", "value": "float"},
    )
    require_nonnegative(flows_t, "value")
    flows = scatter(
        flows_t, [("importer", countries), ("exporter", countries), ("sector", sectors)], "value"
    )
    _check_nontradable(flows, tradable, sectors, flows_t.attrs["file"])

    tariffs = _read_tariffs(directory, "tariffs", countries, sectors)
    tables = {}
    for path in sorted(directory.glob("tariffs_*")):
        label = path.stem.removeprefix("tariffs_")
        if path.suffix in (".csv", ".parquet") and label not in tables:
            tables[label] = _read_tariffs(directory, path.stem, countries, sectors)

    value_added, intermediates, final_demand = _read_io(
        directory, countries, sectors, flows, tariffs
    )

    weights = None
    weights_path = table_path(directory, "political_weights")
    if weights_path is not None:
        w_t = read_table(weights_path, {"country": "str", "sector": "str", "weight": "float"})
        require_nonnegative(w_t, "weight")
        weights = scatter(w_t, [("country", countries), ("sector", sectors)], "weight")

    groups = _read_groups(_need(directory, "sectors"), sectors)
    theta_se = _read_theta_se(directory, sectors)

    world = World(
        name=name,
        countries=countries,
        country_names=tuple(countries_t["name"]),
        sectors=sectors,
        sector_names=tuple(sectors_t["name"]),
        theta=theta,
        tradable=tradable,
        flows=flows,
        tariffs=tariffs,
        value_added=value_added,
        intermediates=intermediates,
        final_demand=final_demand,
        tariff_tables=tables,
        meta=meta,
        political_weights=weights,
        theta_se=theta_se,
        sector_groups=groups,
    )
    check_world(world)
    return world


def _read_io(
    directory: Path,
    countries: tuple[str, ...],
    sectors: tuple[str, ...],
    flows: np.ndarray,
    tariffs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value added, intermediates and final demand: read together, or those of gravity."""
    has = {s: table_path(directory, s) for s in ("value_added", "intermediates", "final_demand")}
    if any(has.values()) and not all(has.values()):
        missing = [s for s, p in has.items() if p is None]
        raise DataError(
            "value_added, intermediates and final_demand come together; missing "
            + ", ".join(f"{m}.csv" for m in missing),
            file=str(directory),
        )
    va_path, z_path, f_path = has["value_added"], has["intermediates"], has["final_demand"]
    if va_path is not None and z_path is not None and f_path is not None:
        va_t = read_table(va_path, {"country": "str", "sector": "str", "value_added": "float"})
        require_nonnegative(va_t, "value_added")
        value_added = scatter(va_t, [("country", countries), ("sector", sectors)], "value_added")
        z_t = read_table(
            z_path,
            {"country": "str", "input_sector": "str", "using_sector": "str", "value": "float"},
        )
        require_nonnegative(z_t, "value")
        intermediates = scatter(
            z_t,
            [("country", countries), ("input_sector", sectors), ("using_sector", sectors)],
            "value",
        )
        f_t = read_table(f_path, {"country": "str", "sector": "str", "value": "float"})
        require_nonnegative(f_t, "value")
        final_demand = scatter(f_t, [("country", countries), ("sector", sectors)], "value")
    else:
        # Gravity world: all output is value added, all spending is final.
        with np.errstate(all="ignore"):  # totals that overflow are reported by check_world
            value_added = flows.sum(axis=0)
            final_demand = ((1.0 + tariffs) * flows).sum(axis=1)
        intermediates = np.zeros((len(countries), len(sectors), len(sectors)))
    return value_added, intermediates, final_demand


def _read_theta_se(directory: Path, sectors: tuple[str, ...]) -> np.ndarray | None:
    """``(J,)`` standard errors of the elasticities from ``theta_se.csv`` (None if absent)."""
    theta_se = None
    se_path = table_path(directory, "theta_se")
    if se_path is not None:
        se_t = read_table(se_path, {"sector": "str", "se": "float"})
        require_nonnegative(se_t, "se")
        theta_se = np.full(len(sectors), np.nan)
        for row, (code, se) in enumerate(zip(se_t["sector"], se_t["se"], strict=True)):
            if code not in sectors:
                raise DataError(
                    f"unknown sector '{code}'",
                    file=se_t.attrs["file"],
                    row=row + se_t.attrs["row_offset"],
                    field="sector",
                )
            theta_se[sectors.index(code)] = se
    return theta_se


def _read_meta(directory: Path) -> dict[str, Any]:
    path = directory / "world.toml"
    if not path.exists():
        return {"name": directory.name}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"malformed TOML: {exc}", file=path.name) from None
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", file=path.name) from None


#: A sector group name: lower case letters, digits and underscores.
GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _read_groups(path: Path, sectors: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The optional ``groups`` column of ``sectors.csv``: names separated by spaces per sector."""
    try:
        frame = (
            pd.read_parquet(path)
            if path.suffix == ".parquet"
            else pd.read_csv(path, dtype=str, keep_default_na=False)
        )
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot be read: {exc}", file=path.name) from None
    if "groups" not in frame.columns:
        return {}
    groups: dict[str, list[str]] = {}
    offset = 2 if path.suffix == ".csv" else 1
    for row, (code, text) in enumerate(zip(sectors, frame["groups"].astype(str), strict=True)):
        for name in text.replace(";", " ").split():
            if not GROUP_NAME.match(name) or name in sectors:
                raise DataError(
                    f"'{name}' is not a group name (lower case letters, digits and '_', not a "
                    "sector code)",
                    file=path.name,
                    row=row + offset,
                    field="groups",
                )
            groups.setdefault(name, []).append(code)
    return {k: tuple(v) for k, v in groups.items()}


def _need(directory: Path, stem: str) -> Path:
    path = table_path(directory, stem)
    if path is None:
        raise DataError(
            f"missing required file {stem}.csv (or {stem}.parquet)", file=str(directory)
        )
    return path


def _unique_codes(frame: pd.DataFrame, field: str) -> tuple[str, ...]:
    codes = frame[field]
    dup = np.flatnonzero(codes.duplicated().to_numpy())
    if dup.size:
        raise DataError(
            f"duplicate code '{codes.iloc[dup[0]]}'",
            file=frame.attrs["file"],
            row=int(dup[0]) + frame.attrs["row_offset"],
            field=field,
        )
    if len(codes) == 0:
        raise DataError("no rows", file=frame.attrs["file"], field=field)
    return tuple(codes)


def _read_tariffs(
    directory: Path, stem: str, countries: tuple[str, ...], sectors: tuple[str, ...]
) -> np.ndarray:
    path = table_path(directory, stem)
    shape = (len(countries), len(countries), len(sectors))
    if path is None:
        return np.zeros(shape)
    frame = read_table(
        path, {"importer": "str", "exporter": "str", "sector": "str", "tariff_pct": "float"}
    )
    bad = np.flatnonzero(frame["tariff_pct"].to_numpy() <= -100.0)
    if bad.size:
        raise DataError(
            f"tariff {frame['tariff_pct'].iloc[bad[0]]}% is not above -100%",
            file=path.name,
            row=int(bad[0]) + frame.attrs["row_offset"],
            field="tariff_pct",
        )
    pct = scatter(
        frame, [("importer", countries), ("exporter", countries), ("sector", sectors)], "tariff_pct"
    )
    return pct / 100.0


def _check_nontradable(
    flows: np.ndarray, tradable: np.ndarray, sectors: tuple[str, ...], file: str
) -> None:
    n = flows.shape[0]
    cross = (flows * (1.0 - np.eye(n))[:, :, None]).sum(axis=(0, 1))
    bad = np.flatnonzero(~tradable & (cross > 0))
    if bad.size:
        raise DataError(
            f"sector '{sectors[bad[0]]}' is marked tradable=false but has cross-border flows "
            f"of {cross[bad[0]]:.6g}",
            file=file,
            field="sector",
        )


def check_world(world: World, rtol: float = BALANCE_RTOL) -> None:
    """Check the accounting identities of a world; raise `DataError` naming the worst cell.

    * costs equal output: ``Y[n, j] = value_added[n, j] + sum_k intermediates[n, k, j]``;
    * spending is absorbed: ``X[n, k] = sum_j intermediates[n, k, j] + final_demand[n, k]``;
    * every array is finite and non-negative, tariffs above -100%.

    Parameters
    ----------
    world
        The world to check.
    rtol
        Relative tolerance of the identities (default 1e-6).

    Returns
    -------
    None
        Nothing when every identity holds.

    Raises
    ------
    DataError
        Naming the table, the cell and the gap of the worst violation.
    """
    for label, arr in (
        ("flows", world.flows),
        ("value_added", world.value_added),
        ("intermediates", world.intermediates),
        ("final_demand", world.final_demand),
    ):
        if not np.all(np.isfinite(arr)):
            raise DataError("contains NaN or infinite values", file=label)
        if np.any(arr < 0):
            raise DataError("contains negative values", file=label)
    if np.any(world.tariffs <= -1.0) or not np.all(np.isfinite(world.tariffs)):
        raise DataError(
            "tariffs must be finite and above -100%", file="tariffs", field="tariff_pct"
        )
    with np.errstate(all="ignore"):
        totals = [
            (label, float(np.sum(arr)))
            for label, arr in (
                ("flows", world.flows),
                ("value_added", world.value_added),
                ("intermediates", world.intermediates),
                ("final_demand", world.final_demand),
                ("flows", (1.0 + world.tariffs) * world.flows),
            )
        ]
    for label, total in totals:
        if not np.isfinite(total):
            raise DataError(
                "values too large: their total overflows double precision; rescale the data "
                "(e.g. to millions)",
                file=label,
                field="value",
            )
    if world.value_added.sum() <= 0:
        raise DataError("world value added is zero", file="value_added", field="value_added")
    with np.errstate(all="ignore"):  # overflowing totals are reported by _report_gap
        output = world.gross_output
        cost = world.value_added + world.intermediates.sum(axis=1)
        spend = world.expenditure
        use = world.intermediates.sum(axis=2) + world.final_demand
    _report_gap(
        world,
        output,
        cost,
        rtol,
        "flows.csv against value_added.csv + intermediates.csv",
        "gross output (sum of flows over importers) differs from value added plus inputs",
    )
    _report_gap(
        world,
        spend,
        use,
        rtol,
        "flows.csv + tariffs.csv against final_demand.csv + intermediates.csv",
        "expenditure (flows with tariffs) differs from intermediate plus final use",
    )


def _report_gap(
    world: World, a: np.ndarray, b: np.ndarray, rtol: float, file: str, what: str
) -> None:
    with np.errstate(all="ignore"):
        overflow = ~(np.isfinite(a) & np.isfinite(b))
        if overflow.any() or not np.isfinite(a.sum()):
            n, j = np.argwhere(overflow)[0] if overflow.any() else (0, 0)
            raise DataError(
                f"values too large: the totals at country {world.countries[n]}, sector "
                f"{world.sectors[j]} overflow double precision; rescale the data (e.g. to "
                "millions)",
                file=file,
                field="value",
            )
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), rtol * a.sum() / a.size)
        gap = np.abs(a - b) / scale
    gap = np.where(np.isfinite(gap), gap, np.inf)  # never let a NaN pass as "small"
    worst = np.unravel_index(np.argmax(gap), gap.shape)
    if not gap[worst] <= rtol:
        n, j = worst
        raise DataError(
            f"unbalanced at country {world.countries[n]}, sector {world.sectors[j]}: {what} "
            f"by {a[worst] - b[worst]:.6g} {world.unit} ({100 * gap[worst]:.3g}% of the cell; "
            f"tolerance {100 * rtol:.1g}%)",
            file=file,
            field="value",
        )
