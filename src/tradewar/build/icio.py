"""Read the OECD Inter-Country Input-Output (ICIO) tables in their published CSV layout.

One CSV per year (``2020.csv`` in the 2023 edition's ``ICIO2023_2016-2020.zip``;
``ICIO2021_2018.csv`` in the 2021 edition). The first column holds the row labels, the header
the column labels:

* industry rows and columns ``CTRY_IND`` (``AUS_A01_02``, ``CHN_C26``; ``AUS_D01T02`` in 2021);
* China and Mexico split into ``CN1``/``CN2`` and ``MX1``/``MX2`` (processing and other
  activities); as OECD documents, each pair is summed back into ``CHN`` and ``MEX`` (a zero
  ``CHN``/``MEX`` block, as in the 2021 edition, is summed in too);
* final-use columns ``CTRY_CAT`` with ``CAT`` in ``HFCE NPISH GGFC GFCF INVNT DPABR`` (also
  ``NONRES`` and ``DISC`` in older editions); ``INVNT`` is the change in inventories;
* total rows ``TLS`` (or ``TAXSUB``), ``VA`` (or ``VALU``) and ``OUT`` (or ``OUTPUT``), and a
  total column ``OUT`` (or ``TOTAL``).

`read_oecd_icio` accepts the CSV, a folder holding it, or the zip as downloaded.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.build.mrio import MrioBlocks, tables_from_blocks
from tradewar.build.shares import SourceTables
from tradewar.data.tables import check_text_table, quoted
from tradewar.errors import DataError

#: Final-use categories of the ICIO editions; INVNT is the change in inventories.
FINAL_USE = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR", "NONRES", "DISC")
INVENTORIES = frozenset({"INVNT"})
TOTAL_ROWS = {
    "TLS": "taxes",
    "TAXSUB": "taxes",
    "VA": "value added",
    "VALU": "value added",
    "OUT": "output",
    "OUTPUT": "output",
}
TOTAL_COLUMNS = ("OUT", "TOTAL", "OUTPUT")
#: OECD's split countries and the country each belongs to.
SPLIT_COUNTRIES = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
_LABEL = re.compile(r"^([A-Z]{2}[A-Z0-9])_([A-Z0-9_]+)$")


def _find_csv(path: Path, year: int | None) -> tuple[str, bytes | Path]:
    """The CSV to read: ``path`` itself, or the one for ``year`` in a folder or zip."""
    if path.is_file() and path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            chosen = _pick(names, year, str(path))
            return Path(chosen).name, archive.read(chosen)
    if path.is_dir():
        names = sorted(p.name for p in path.glob("*.csv"))
        return _pick(names, year, str(path)), path / _pick(names, year, str(path))
    if path.is_file():
        return path.name, path
    raise DataError("no such file or folder", file=str(path))


def _pick(names: list[str], year: int | None, where: str) -> str:
    if year is not None:
        names = [n for n in names if str(year) in Path(n).name]
    if len(names) != 1:
        raise DataError(
            f"expected one CSV{f' for {year}' if year else ''}, found {len(names)}"
            + (f" ({', '.join(names[:5])})" if names else "")
            + ("; pass --year" if year is None and names else ""),
            file=where,
        )
    return names[0]


def read_oecd_icio(
    path: str | Path,
    year: int | None = None,
    names: dict[str, str] | None = None,
) -> SourceTables:
    """Read one year of the OECD ICIO tables (see the module docstring for the layout).

    Parameters
    ----------
    path
        The year's CSV, a folder of yearly CSVs, or the zip as downloaded.
    year
        Which year to take from a folder or zip (the file name contains it).
    names
        Country display names by code (codes are used where missing).

    Raises
    ------
    DataError
        Naming the file, the line and the column of a label that does not parse, a value that
        is not a number, a missing country block or a negative output.
    """
    file, frame = _read_csv(Path(path), year)
    row_labels = [str(r).strip() for r in frame.index]
    col_labels = [str(c).strip() for c in frame.columns]

    rows: list[tuple[str, str]] = []
    row_index: list[int] = []
    totals: dict[str, int] = {}
    for r, label in enumerate(row_labels):
        if label in TOTAL_ROWS:
            totals[label] = r
            continue
        m = _LABEL.match(label)
        if not m:
            raise DataError(
                f"row label '{label}' does not parse as COUNTRY_INDUSTRY (e.g. AUS_C26) nor is "
                f"a total row ({', '.join(TOTAL_ROWS)})",
                file=file,
                row=r + 2,
                field=frame.index.name or "row label",
            )
        rows.append((m.group(1), m.group(2)))
        row_index.append(r)
    if not rows:
        raise DataError("no industry rows (COUNTRY_INDUSTRY labels)", file=file)
    industries = set(k for _, k in rows)

    z_cols, z_keys, fd_cols, fd_keys = _columns(col_labels, industries, file)
    duplicated = pd.Index(row_labels).duplicated()
    if duplicated.any():
        r = int(np.flatnonzero(duplicated)[0])
        raise DataError(f"row label '{row_labels[r]}' appears twice", file=file, row=r + 2)
    values = _numbers(frame, file)
    out_row = next((totals[k] for k in ("OUT", "OUTPUT") if k in totals), None)
    # Without an output row, output is the column total.
    output = values[out_row, z_cols] if out_row is not None else values[:, z_cols].sum(axis=0)
    bad = np.flatnonzero(output < 0)
    if bad.size:
        raise DataError(
            f"negative output {output[bad[0]]:.6g}",
            file=file,
            row=(out_row + 2) if out_row is not None else None,
            field=col_labels[z_cols[bad[0]]],
        )
    blocks = MrioBlocks(
        file=file,
        row_keys=rows,
        row_lines=[r + 2 for r in row_index],
        z_keys=z_keys,
        z=values[np.ix_(row_index, z_cols)],
        fd_keys=fd_keys,
        fd=values[np.ix_(row_index, fd_cols)],
        output=output,
        inventories=INVENTORIES,
    )
    meta = {
        "year": year,
        "unit": "USD million",
        "source": f"OECD Inter-Country Input-Output tables, {file}",
        "citation": "OECD (2023). OECD Inter-Country Input-Output Database. http://oe.cd/icio",
        "license": "OECD terms and conditions (https://www.oecd.org/termsandconditions/)",
    }
    return tables_from_blocks(blocks, SPLIT_COUNTRIES, names=names, meta=meta)


def _numbers(frame: pd.DataFrame, file: str) -> np.ndarray:
    """The frame's cells as float64; the first cell that is not a number raises."""
    for c, dtype in enumerate(frame.dtypes):
        if not pd.api.types.is_numeric_dtype(dtype):
            column = pd.to_numeric(frame.iloc[:, c], errors="coerce").to_numpy(dtype=np.float64)
            r = int(np.flatnonzero(~np.isfinite(column))[0])
            raise DataError(
                f"not a number: {frame.iloc[r, c]!r}",
                file=file,
                row=r + 2,
                field=str(frame.columns[c]),
            )
    values = frame.to_numpy(dtype=np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        r, c = bad[0]
        raise DataError(
            f"not a finite number: {values[r, c]!r}",
            file=file,
            row=int(r) + 2,
            field=str(frame.columns[c]),
        )
    return values


def _read_csv(path: Path, year: int | None) -> tuple[str, pd.DataFrame]:
    """The year's table (a CSV, in a folder or a zip) as read, with its file name."""
    file, source = _find_csv(Path(path), year)
    if isinstance(source, bytes):
        if b"\0" in source:
            at = source.index(b"\0")
            raise DataError(f"not a text table: a NUL byte at byte {at:,}", file=file)
    else:
        check_text_table(Path(source))
    try:
        frame = pd.read_csv(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            index_col=0,
            keep_default_na=False,
            na_values=[],
        )
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot be read as CSV: {quoted(exc)}", file=file) from None
    return file, frame


def _columns(
    labels: list[str], industries: set[str], file: str
) -> tuple[list[int], list[tuple[str, str]], list[int], list[tuple[str, str]]]:
    """Positions and ``(country, industry or use)`` keys of the use and final-use columns."""
    z_cols: list[int] = []
    fd_cols: list[int] = []
    z_keys: list[tuple[str, str]] = []
    fd_keys: list[tuple[str, str]] = []
    for c, label in enumerate(labels):
        if label in TOTAL_COLUMNS:
            continue
        m = _LABEL.match(label)
        if m and m.group(2) in industries:
            z_cols.append(c)
            z_keys.append((m.group(1), m.group(2)))
        elif m and m.group(2) in FINAL_USE:
            fd_cols.append(c)
            fd_keys.append((m.group(1), m.group(2)))
        else:
            raise DataError(
                f"column label '{label}' does not parse as COUNTRY_INDUSTRY, COUNTRY_"
                f"{'|'.join(FINAL_USE[:6])} or a total column ({', '.join(TOTAL_COLUMNS)})",
                file=file,
                row=1,
                field=label,
            )
    return z_cols, z_keys, fd_cols, fd_keys
