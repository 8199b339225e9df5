"""Read a World Input-Output Table of the WIOD 2016 release in its Stata/R layout.

The release ships one table per year as ``WIOT2014_October16_ROW.dta`` (Stata; also read from
CSV or Parquet exports of the same frame, e.g. the R ``wiot`` data frame). Its columns:

* ``IndustryCode``, ``IndustryDescription``, ``Country``, ``RNr``, ``Year``;
* one column per using country and industry number, ``vAUS1`` … ``vROW56`` (Stata; ``AUS1``
  in R), then final use ``vAUS57`` … ``vROW61``: 57 household consumption (CONS_h), 58
  non-profit consumption (CONS_np), 59 government consumption (CONS_g), 60 gross fixed capital
  formation (GFCF), 61 changes in inventories (INVEN);
* ``TOT``, total use.

Rows: one per supplying country and industry (``RNr`` 1–56, ``IndustryCode`` ``A01`` … ``U``),
then total rows with ``Country == "TOT"``: ``II_fob``, ``TXSP``, ``EXP_adj``, ``PURR``,
``PURNR``, ``VA``, ``IntTTL``, ``GO`` (output at basic prices).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.build.mrio import MrioBlocks, tables_from_blocks
from tradewar.build.shares import SourceTables
from tradewar.data.tables import quoted, read_csv_checked
from tradewar.errors import DataError

#: Final-use columns after the industries, in the release's order.
FINAL_USE = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")
INVENTORIES = frozenset({"INVEN"})
TOTAL_ROWS = ("II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTL", "GO")
LABEL_COLUMNS = ("IndustryCode", "IndustryDescription", "Country", "RNr", "Year")
_COLUMN = re.compile(r"^v?([A-Z]{3})(\d{1,3})$")


def _read_frame(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".dta":
            return pd.read_stata(path)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".csv":
            return read_csv_checked(path, keep_default_na=False, na_values=[])
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot be read: {quoted(exc)}", file=path.name) from None
    raise DataError(
        "expected a .dta, .csv or .parquet file (the WIOD 2016 Stata/R layout)", file=path.name
    )


def read_wiod(
    path: str | Path, year: int | None = None, names: dict[str, str] | None = None
) -> SourceTables:
    """Read one WIOD 2016 table (see the module docstring for the layout).

    Parameters
    ----------
    path
        ``WIOT{year}_October16_ROW.dta``, or a CSV/Parquet with the same columns; a folder is
        searched for the year's file.
    year
        Checked against the ``Year`` column; picks the file in a folder.

    Raises
    ------
    DataError
        Naming the file, row (1-based data row) and column of a missing column, a label that
        does not parse, a value that is not a number, a missing country block or a negative
        output.
    """
    path = _table_file(Path(path), year)
    frame = _read_frame(path)
    file = path.name
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {missing}: not the WIOD 2016 layout", file=file, field=missing[0]
        )
    country = frame["Country"].astype(str).str.strip().to_numpy()
    code = frame["IndustryCode"].astype(str).str.strip().to_numpy()
    rnr = pd.to_numeric(frame["RNr"], errors="coerce").to_numpy()
    if year is not None:
        years = pd.to_numeric(frame["Year"], errors="coerce").to_numpy()
        off = np.flatnonzero(years != year)
        if off.size:
            raise DataError(
                f"Year is {frame['Year'].iloc[off[0]]}, not {year}",
                file=file,
                row=int(off[0]) + 1,
                field="Year",
            )
    is_total = country == "TOT"
    industry_rows = np.flatnonzero(~is_total)
    _check_row_labels(frame, country, rnr, industry_rows, file)
    n_ind = int(rnr[industry_rows].max())
    by_number = {int(rnr[r]): code[r] for r in industry_rows}
    descriptions = {
        code[r]: str(frame["IndustryDescription"].iloc[r]).strip() for r in industry_rows
    }
    totals = {code[r]: r for r in np.flatnonzero(is_total)}
    if "GO" not in totals:
        raise DataError(
            "no output row (IndustryCode GO, Country TOT)", file=file, field="IndustryCode"
        )

    z_cols, z_keys, fd_cols, fd_keys = _columns(frame, n_ind, by_number, file)
    values = (
        frame.iloc[:, z_cols + fd_cols]
        .apply(pd.to_numeric, errors="coerce")
        .to_numpy(dtype=np.float64)
    )
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        r, c = bad[0]
        column = frame.columns[(z_cols + fd_cols)[c]]
        raise DataError(
            f"not a finite number: {frame[column].iloc[r]!r}",
            file=file,
            row=int(r) + 1,
            field=str(column),
        )
    nz = len(z_cols)
    output = values[totals["GO"], :nz]
    bad_out = np.flatnonzero(output < 0)
    if bad_out.size:
        raise DataError(
            f"negative output {output[bad_out[0]]:.6g}",
            file=file,
            row=int(totals["GO"]) + 1,
            field=str(frame.columns[z_cols[bad_out[0]]]),
        )
    blocks = MrioBlocks(
        file=file,
        row_keys=[(country[r], code[r]) for r in industry_rows],
        row_lines=[int(r) + 1 for r in industry_rows],
        z_keys=z_keys,
        z=values[np.ix_(industry_rows, np.arange(nz))],
        fd_keys=fd_keys,
        fd=values[np.ix_(industry_rows, np.arange(nz, values.shape[1]))],
        output=output,
        inventories=INVENTORIES,
    )
    meta = _meta(file, year)
    return tables_from_blocks(blocks, {}, names=names, sector_names=descriptions, meta=meta)


def _table_file(path: Path, year: int | None) -> Path:
    """The table: ``path`` itself, or the one file of ``year`` in the folder ``path``."""
    if path.is_dir():
        found = sorted(
            p
            for p in path.iterdir()
            if p.suffix.lower() in (".dta", ".csv", ".parquet")
            and (year is None or str(year) in p.name)
        )
        if len(found) != 1:
            raise DataError(
                f"expected one WIOD table{f' for {year}' if year else ''}, found {len(found)}",
                file=str(path),
            )
        path = found[0]
    if not path.exists():
        raise DataError("no such file", file=str(path))
    return path


def _columns(
    frame: pd.DataFrame, n_ind: int, by_number: dict[int, str], file: str
) -> tuple[list[int], list[tuple[str, str]], list[int], list[tuple[str, str]]]:
    """Positions and ``(country, industry or use)`` keys of the use and final-use columns."""
    z_cols, z_keys, fd_cols, fd_keys = [], [], [], []
    for c, label in enumerate(frame.columns):
        if label in LABEL_COLUMNS or label == "TOT":
            continue
        m = _COLUMN.match(str(label))
        number = int(m.group(2)) if m else -1
        if m and 1 <= number <= n_ind and number in by_number:
            z_cols.append(c)
            z_keys.append((m.group(1), by_number[number]))
        elif m and n_ind < number <= n_ind + len(FINAL_USE):
            fd_cols.append(c)
            fd_keys.append((m.group(1), FINAL_USE[number - n_ind - 1]))
        else:
            raise DataError(
                f"column '{label}' does not parse as a using country and an industry or final-use "
                f"number (vAUS1 … vROW{n_ind + len(FINAL_USE)})",
                file=file,
                field=str(label),
            )
    return z_cols, z_keys, fd_cols, fd_keys


def _check_row_labels(
    frame: pd.DataFrame, country: np.ndarray, rnr: np.ndarray, rows: np.ndarray, file: str
) -> None:
    """`DataError` naming the first industry row whose Country or RNr does not parse."""
    for r in rows:
        if not re.fullmatch(r"[A-Z]{3}", country[r]) or not np.isfinite(rnr[r]) or rnr[r] < 1:
            raise DataError(
                f"row label Country={country[r]!r}, RNr={frame['RNr'].iloc[r]!r} does not parse "
                "(a three-letter country code and an industry number)",
                file=file,
                row=int(r) + 1,
                field="Country" if not re.fullmatch(r"[A-Z]{3}", country[r]) else "RNr",
            )


def _meta(file: str, year: int | None) -> dict:
    """The world's source, citation and licence for a WIOD 2016 table."""
    return {
        "year": year,
        "unit": "USD million",
        "source": f"WIOD 2016 release, {file}",
        "citation": "Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. and de Vries, G. J. "
        "(2015). An Illustrated User Guide to the World Input-Output Database: the Case of "
        "Global Automotive Production. Review of International Economics 23, 575-605",
        "license": "WIOD 2016 release: CC BY 4.0",
    }
