"""Trade panels for estimation: bilateral flows with the tariffs they paid, in one tidy frame.

A panel has one row per exporter, importer and sector (and year, if any), domestic sales
excluded: ``exporter, importer, sector, value, tariff_pct`` with ``value`` the shipment before
tariffs (zeros kept: PPML uses them). It comes from a long file, from a world (its flows and
baseline tariffs), or from a bundled panel:

* ``cp2015-1993``: the bilateral trade (COMTRADE, ISIC Rev. 3, USD million, before tariffs) and
  applied tariffs (TRAINS) of 1993 for 31 countries and 20 goods sectors, from the replication
  package of Caliendo and Parro (2015), ``raw/xbilat1993.txt`` and ``raw/tariffs1993.txt``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.data.tables import read_table, table_columns
from tradewar.data.world import World
from tradewar.errors import DataError

#: Bundled panels: name -> (file, citation).
PANELS = {
    "cp2015-1993": (
        "cp2015_1993.parquet",
        "Caliendo, L. and Parro, F. (2015). Estimates of the Trade and Welfare Effects of NAFTA. "
        "Review of Economic Studies 82(1), 1-44; replication package, raw/xbilat1993.txt and "
        "raw/tariffs1993.txt",
    )
}
COLUMNS = ("exporter", "importer", "sector", "value", "tariff_pct")


def load_panel(source: str | Path | World) -> pd.DataFrame:
    """A trade panel (see the module docstring) from a bundled name, a file or a world.

    Raises
    ------
    DataError
        Naming the file, row and field of a missing column, a value that is negative or not a
        number, or a tariff not above -100%.
    """
    if isinstance(source, World):
        return panel_from_world(source)
    if str(source) in PANELS:
        path = resources.files("tradewar.estimate") / "data" / PANELS[str(source)][0]
        with resources.as_file(path) as p:
            frame = pd.read_parquet(p)
        frame.attrs["source"] = PANELS[str(source)][1]
        return frame
    path = Path(source)
    if not path.is_file():
        from tradewar.data.io import load_world

        try:
            return panel_from_world(load_world(str(source)))
        except DataError:
            raise DataError(
                f"not a bundled panel ({', '.join(PANELS)}), a panel file or a world",
                file=str(source),
            ) from None
    columns = {
        "exporter": "str",
        "importer": "str",
        "sector": "str",
        "value": "float",
        "tariff_pct": "float",
    }
    names = table_columns(path)
    if "year" in names:
        columns["year"] = "str"
    frame = read_table(path, columns)
    for field, bad, what in (
        ("value", frame["value"].to_numpy() < 0, "negative trade value"),
        ("tariff_pct", frame["tariff_pct"].to_numpy() <= -100.0, "tariff not above -100%"),
    ):
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{what}: {frame[field].iloc[r]}",
                file=path.name,
                row=r + frame.attrs["row_offset"],
                field=field,
            )
    keys = ["exporter", "importer", "sector", *(["year"] if "year" in columns else [])]
    repeated = frame.duplicated(keys, keep="first").to_numpy()
    if repeated.any():
        r = int(np.flatnonzero(repeated)[0])
        row = frame.iloc[r]
        first = int(np.flatnonzero((frame[keys] == row[keys]).all(axis=1).to_numpy())[0])
        raise DataError(
            "a second row for "
            + ", ".join(f"{k} {row[k]}" for k in keys)
            + f" (first at row {first + frame.attrs['row_offset']}): each flow once",
            file=path.name,
            row=r + frame.attrs["row_offset"],
        )
    offset = frame.attrs["row_offset"]
    frame = frame[frame["exporter"] != frame["importer"]].reset_index(drop=True)
    frame.attrs.update(source=str(path), row_offset=offset)
    return frame


def panel_from_world(world: World) -> pd.DataFrame:
    """The cross-border flows of a world with their baseline tariffs, as a panel."""
    N = world.n_countries
    n, i, j = np.nonzero(np.ones_like(world.flows) * (1.0 - np.eye(N))[:, :, None])
    c, s = np.array(world.countries), np.array(world.sectors)
    frame = pd.DataFrame(
        {
            "exporter": c[i],
            "importer": c[n],
            "sector": s[j],
            "value": world.flows[n, i, j],
            "tariff_pct": 100.0 * world.tariffs[n, i, j],
        }
    )
    frame = frame[np.isin(frame["sector"], s[world.tradable])].reset_index(drop=True)
    frame.attrs["source"] = f"world {world.name}"
    return frame


def estimation_sample(
    panel: pd.DataFrame,
    value_basis: str,
    sectors: list[str] | None,
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """Cross-border rows of the chosen sectors and countries, with the dependent variable ``y``."""
    if value_basis not in ("gross", "net"):
        raise DataError(
            f"value basis must be 'gross' or 'net', not {value_basis!r}", field="value_basis"
        )
    frame = panel[panel["exporter"] != panel["importer"]]
    if countries is not None:
        known = set(frame["exporter"]) | set(frame["importer"])
        unknown = [c for c in countries if c not in known]
        if unknown:
            raise DataError(f"unknown country '{unknown[0]}' (not in the panel)", field="countries")
        frame = frame[frame["exporter"].isin(countries) & frame["importer"].isin(countries)]
    if sectors is not None:
        unknown = sorted(set(sectors) - set(frame["sector"]))
        if unknown:
            raise DataError(f"unknown sector '{unknown[0]}' (not in the panel)", field="sector")
        frame = frame[frame["sector"].isin(sectors)]
    # A sector whose tariffs never vary cannot be estimated: it leaves the sample and is
    # reported "not identified" (with its rows counted) by the estimators.
    varies = frame.groupby("sector", sort=False)["tariff_pct"].transform(
        lambda t: (t != t.iloc[0]).any()
    )
    constant = frame[~varies.astype(bool)]
    frame = frame[varies.astype(bool)]
    if frame.empty:
        raise DataError(
            "no cross-border rows with tariff variation to estimate from", field="tariff_pct"
        )
    y = frame["value"].to_numpy() * (
        1.0 + frame["tariff_pct"].to_numpy() / 100.0 if value_basis == "gross" else 1.0
    )
    sample = frame.assign(y=y).reset_index(drop=True)
    sample.attrs["no_tariff_variation"] = constant.groupby("sector", sort=False).size().to_dict()
    return sample
