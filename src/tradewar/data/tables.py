"""Reading and checking the tables of a world package (CSV or Parquet), with precise errors."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tradewar.errors import DataError


def table_path(directory: Path, stem: str) -> Path | None:
    """The CSV or Parquet file for ``stem`` in ``directory`` (CSV first), or None."""
    for suffix in (".csv", ".parquet"):
        path = directory / f"{stem}{suffix}"
        if path.exists():
            return path
    return None


#: Bytes read at a time when a text table is checked before parsing.
SCAN_CHUNK_BYTES = 16 * 2**20
#: The most characters of a file's own content an error message quotes.
QUOTE_CHARS = 200


def quoted(text: object, limit: int = QUOTE_CHARS) -> str:
    """``text`` for an error message, cut at ``limit`` characters (a file can hold anything)."""
    value = str(text)
    return value if len(value) <= limit else f"{value[:limit]}... ({len(value):,} characters)"


def check_text_table(path: Path) -> None:
    """Refuse a CSV that holds NUL bytes before any parser sees it.

    A text table never contains NUL; a file that does is binary, truncated with zeros, or a
    sparse placeholder, and a CSV parser would read it as one enormous field (gigabytes of
    memory, then an error quoting it). The file is read in `SCAN_CHUNK_BYTES` pieces, so the
    check needs no more memory than one piece.

    Raises
    ------
    DataError
        Naming the file and the byte offset of the first NUL.
    """
    offset = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_CHUNK_BYTES):
                at = chunk.find(b"\0")
                if at >= 0:
                    raise DataError(
                        f"not a text table: a NUL byte at byte {offset + at:,} (binary data, "
                        "or a file padded with zeros)",
                        file=path.name,
                    )
                offset += len(chunk)
    except OSError as exc:
        raise DataError(f"cannot be read: {quoted(exc.strerror or exc)}", file=path.name) from None


#: The longest header line a text table may have before it is taken for something else.
HEADER_BYTES = 2**20


def table_columns(path: Path) -> list[str]:
    """The column names of a CSV or Parquet table, reading only its header or schema.

    A CSV's first line is read with a bound (`HEADER_BYTES`), so a binary or zero-filled file
    costs no memory here (its NUL bytes are reported as `check_text_table` reports them);
    the whole file is scanned once, later, by `read_table`.

    Raises
    ------
    DataError
        Naming the file, for a table that cannot be read.
    """
    errors = (OSError, ValueError, UnicodeError, pd.errors.ParserError)
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        with path.open("rb") as handle:
            head = handle.readline(HEADER_BYTES)
    except errors as exc:
        raise DataError(f"cannot be read: {quoted(exc)}", file=path.name) from None
    if b"\0" in head:
        check_text_table(path)  # raises, naming the byte
    if len(head) == HEADER_BYTES and not head.endswith(b"\n"):
        raise DataError(
            f"not a text table: no line break in its first {HEADER_BYTES:,} bytes", file=path.name
        )
    try:
        return list(pd.read_csv(io.BytesIO(head), nrows=0).columns)
    except errors as exc:
        raise DataError(f"cannot be read: {quoted(exc)}", file=path.name) from None


def read_csv_checked(path: Path, **options: object) -> pd.DataFrame:
    """`pandas.read_csv` after `check_text_table`, with parser errors as a short `DataError`."""
    check_text_table(path)
    try:
        return pd.read_csv(path, **options)
    except (OSError, ValueError, UnicodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot be read: {quoted(exc)}", file=path.name) from None


def read_table(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    """Read ``path`` and check that it has ``columns`` (name -> "str" | "float" | "bool").

    Returns a frame with exactly those columns, codes as ``str``, numbers as ``float64``.
    A column that is missing, or a number that is not finite, raises `DataError` naming the
    file, the row (the line in a CSV, header = line 1; the 1-based record in Parquet) and field.
    """
    if path.suffix != ".parquet":
        check_text_table(path)
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            _release_arrow_memory()
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError, UnicodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot be read: {quoted(exc)}", file=path.name) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = [quoted(c, 40) for c in list(frame.columns)[:12]]
        more = f" and {len(frame.columns) - 12} more" if len(frame.columns) > 12 else ""
        raise DataError(
            f"missing column(s) {missing}; found {found}{more}",
            file=path.name,
            field=missing[0],
        )
    out = {}
    offset = 2 if path.suffix == ".csv" else 1
    for name, kind in columns.items():
        col = frame[name]
        if kind == "str":
            values = col.astype(str).str.strip()
            bad = np.flatnonzero((values == "") | (values.str.lower() == "nan"))
            if bad.size:
                raise DataError("empty code", file=path.name, row=int(bad[0]) + offset, field=name)
            out[name] = values.reset_index(drop=True)
        elif kind == "float":
            numbers = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(numbers))
            if bad.size:
                raise DataError(
                    f"not a finite number: {col.iloc[bad[0]]!r}",
                    file=path.name,
                    row=int(bad[0]) + offset,
                    field=name,
                )
            out[name] = numbers
        elif kind == "bool":
            text = col.astype(str).str.strip().str.lower()
            truth = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
            bad = np.flatnonzero(~text.isin(list(truth)))
            if bad.size:
                raise DataError(
                    f"not true/false: {col.iloc[bad[0]]!r}",
                    file=path.name,
                    row=int(bad[0]) + offset,
                    field=name,
                )
            out[name] = text.map(truth).to_numpy(dtype=bool)
    result = pd.DataFrame(out)
    result.attrs["row_offset"] = offset
    result.attrs["file"] = path.name
    return result


def _release_arrow_memory() -> None:
    """Hand Arrow's freed buffers back to the system (its allocator keeps them otherwise).

    Reading the Parquet tables of a 44-country world left about 35 MB resident in Arrow's
    pool after the frames were converted; a timeline's memory is then mostly its results.
    """
    pa.default_memory_pool().release_unused()


def codes_to_index(frame: pd.DataFrame, field: str, valid: tuple[str, ...]) -> np.ndarray:
    """Map the codes in ``frame[field]`` to positions in ``valid``; unknown codes raise."""
    # Arrow's hash lookup on the strings themselves (a pandas indexer on Python strings took a
    # third of loading a world).
    codes = pa.array(frame[field], type=pa.large_string())
    found = pc.index_in(codes, value_set=pa.array(valid, pa.large_string()))
    idx = pc.fill_null(found, -1).to_numpy()
    bad = np.flatnonzero(idx < 0)
    if bad.size:
        shown = ", ".join(valid[:12]) + (", ..." if len(valid) > 12 else "")
        raise DataError(
            f"unknown code '{frame[field].iloc[bad[0]]}' (valid: {shown})",
            file=frame.attrs.get("file"),
            row=int(bad[0]) + frame.attrs.get("row_offset", 1),
            field=field,
        )
    return idx.astype(np.int64)


def require_nonnegative(frame: pd.DataFrame, field: str) -> None:
    """Raise `DataError` at the first negative value of ``frame[field]``."""
    bad = np.flatnonzero(frame[field].to_numpy() < 0)
    if bad.size:
        raise DataError(
            f"negative value {frame[field].iloc[bad[0]]}; values must be >= 0",
            file=frame.attrs.get("file"),
            row=int(bad[0]) + frame.attrs.get("row_offset", 1),
            field=field,
        )


def scatter(
    frame: pd.DataFrame,
    index_fields: list[tuple[str, tuple[str, ...]]],
    value_field: str,
) -> np.ndarray:
    """Place ``frame[value_field]`` into a dense array indexed by coded fields; missing = 0.

    Duplicate keys raise `DataError` naming the row of the second occurrence.
    """
    idx = tuple(codes_to_index(frame, f, valid) for f, valid in index_fields)
    shape = tuple(len(valid) for _, valid in index_fields)
    flat = np.ravel_multi_index(idx, shape) if idx else np.zeros(0, dtype=np.int64)
    _, first = np.unique(flat, return_index=True)
    if first.size != flat.size:
        dup_mask = np.ones(flat.size, dtype=bool)
        dup_mask[first] = False
        row = int(np.flatnonzero(dup_mask)[0])
        raise DataError(
            "duplicate entry for "
            + ", ".join(f"{f}={frame[f].iloc[row]}" for f, _ in index_fields),
            file=frame.attrs.get("file"),
            row=row + frame.attrs.get("row_offset", 1),
            field=index_fields[0][0],
        )
    out = np.zeros(int(np.prod(shape)), dtype=np.float64)
    out[flat] = frame[value_field].to_numpy()
    return out.reshape(shape)
