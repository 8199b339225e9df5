"""The block arithmetic shared by the inter-country input–output readers (ICIO, WIOD).

A reader parses its layout into labelled blocks (`MrioBlocks`); `tables_from_blocks` merges
split countries, checks that every block is present, and returns `SourceTables`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewar.build.shares import Adjustment, SourceTables, adjustment
from tradewar.errors import DataError


@dataclass(frozen=True)
class MrioBlocks:
    """An input–output table cut into blocks, with labels as the source writes them.

    Attributes
    ----------
    file
        The source file's name (for error messages).
    row_keys
        ``(country, industry)`` of each industry row; ``row_lines`` their line numbers.
    z_keys, z
        ``(country, industry)`` of each intermediate-use column, and the ``(R, C)`` block.
    fd_keys, fd
        ``(country, category)`` of each final-use column, and the ``(R, F)`` block.
    output
        ``(C,)`` gross output of each intermediate-use column's industry (the output row).
    inventories
        The final-use categories that are changes in inventories.
    """

    file: str
    row_keys: list[tuple[str, str]]
    row_lines: list[int]
    z_keys: list[tuple[str, str]]
    z: np.ndarray
    fd_keys: list[tuple[str, str]]
    fd: np.ndarray
    output: np.ndarray
    inventories: frozenset[str]


def tables_from_blocks(
    blocks: MrioBlocks,
    merge: dict[str, str],
    names: dict[str, str] | None = None,
    sector_names: dict[str, str] | None = None,
    meta: dict | None = None,
) -> SourceTables:
    """`SourceTables` from parsed blocks.

    Parameters
    ----------
    merge
        Country codes merged into another (e.g. ``{"CN1": "CHN", "CN2": "CHN"}``); the merged
        country takes the place of its first member.
    names, sector_names
        Display names by code (codes are used where missing).

    Raises
    ------
    DataError
        A country without a full block of industry rows, columns or final-use columns, rows
        and columns that list different countries, or negative intermediate use or output.
    """
    file = blocks.file
    _check_signs(blocks)

    def canon(code: str) -> str:
        return merge.get(code, code)

    countries = tuple(dict.fromkeys(canon(c) for c, _ in blocks.row_keys))
    sectors = tuple(dict.fromkeys(k for _, k in blocks.row_keys))
    col_countries = tuple(dict.fromkeys(canon(c) for c, _ in blocks.z_keys))
    fd_countries = tuple(dict.fromkeys(canon(c) for c, _ in blocks.fd_keys))
    N, J = len(countries), len(sectors)
    _check_layout(blocks, countries, sectors, (col_countries, fd_countries))

    def positions(keys: list[tuple[str, str]], second: tuple[str, ...], what: str) -> np.ndarray:
        cidx = {c: n for n, c in enumerate(countries)}
        sidx = {s: j for j, s in enumerate(second)}
        return np.array([cidx[canon(c)] * len(second) + sidx[k] for c, k in keys])

    row_pos = positions(blocks.row_keys, sectors, "rows")
    col_pos = positions(blocks.z_keys, sectors, "columns")
    _require_complete(row_pos, N * J, blocks.row_keys, countries, sectors, file, "row")
    _require_complete(col_pos, N * J, blocks.z_keys, countries, sectors, file, "column")

    categories = tuple(dict.fromkeys(k for _, k in blocks.fd_keys))
    fd_pos = positions(blocks.fd_keys, categories, "final")
    for n, country in enumerate(countries):
        present = {categories[p % len(categories)] for p in fd_pos if p // len(categories) == n}
        if not (present - blocks.inventories):
            raise DataError(f"country {country} has no final-use columns", file=file, field=country)

    z = _group(_group(blocks.z, row_pos, N * J, 0), col_pos, N * J, 1).reshape(N, J, N, J)
    fd = _group(blocks.fd, row_pos, N * J, 0)
    inv_cols = np.array([k in blocks.inventories for _, k in blocks.fd_keys])
    fd_use = _group(fd[:, ~inv_cols], fd_pos[~inv_cols] // len(categories), N, 1).reshape(N, J, N)
    inventories = fd[:, inv_cols].sum(axis=1).reshape(N, J)
    output = _group(blocks.output[None, :], col_pos, N * J, 1).reshape(N, J)
    inputs_by_user = z.sum(axis=(0, 1))  # [n, j]

    world_output = float(output.sum())
    adjustments = _merge_and_inventory_notes(blocks, merge, inventories, world_output)
    flows = z.sum(axis=3).transpose(2, 0, 1) + fd_use.transpose(2, 0, 1)  # [n, i, k]
    negative = flows < 0
    if negative.any():
        adjustments.append(
            adjustment(
                "negative bilateral sales set to zero",
                negative,
                flows,
                world_output,
                "world gross output",
            )
        )
        flows = np.maximum(flows, 0.0)
    inputs = z.sum(axis=0).transpose(1, 0, 2)  # [n, k, j]
    final = fd_use.sum(axis=0).T  # [n, k]
    value_added = output - inputs_by_user  # value added and net taxes on production
    names = names or {}
    sector_names = sector_names or {}
    return SourceTables(
        countries=countries,
        country_names=tuple(names.get(c, c) for c in countries),
        sectors=sectors,
        sector_names=tuple(sector_names.get(s, s) for s in sectors),
        flows=flows,
        inputs=inputs,
        final=final,
        value_added=value_added,
        meta=dict(meta or {}),
        adjustments=tuple(adjustments),
    )


def _check_signs(blocks: MrioBlocks) -> None:
    """`DataError` naming the first negative intermediate use or output."""
    file = blocks.file
    bad = np.argwhere(blocks.z < 0)
    if bad.size:
        r, c = bad[0]
        raise DataError(
            f"negative intermediate use {blocks.z[r, c]:.6g}",
            file=file,
            row=blocks.row_lines[r],
            field="_".join(blocks.z_keys[c]),
        )
    bad_out = np.flatnonzero(blocks.output < 0)
    if bad_out.size:
        c = int(bad_out[0])
        raise DataError(
            f"negative output {blocks.output[c]:.6g}",
            file=file,
            row=None,
            field="_".join(blocks.z_keys[c]),
        )


def _check_layout(
    blocks: MrioBlocks,
    countries: tuple[str, ...],
    sectors: tuple[str, ...],
    column_countries: tuple[tuple[str, ...], tuple[str, ...]],
) -> None:
    """`DataError` unless every country has rows, columns and final use, and industries match."""
    col_countries, fd_countries = column_countries
    file = blocks.file
    for label, have in (
        ("intermediate-use columns", col_countries),
        ("final-use columns", fd_countries),
    ):
        missing = [c for c in countries if c not in have]
        extra = [c for c in have if c not in countries]
        if missing or extra:
            which = missing[0] if missing else extra[0]
            raise DataError(
                f"country {which} has industry rows but no {label}"
                if missing
                else f"country {which} has {label} but no industry rows (a missing country block?)",
                file=file,
                field=which,
            )
    col_sectors = tuple(dict.fromkeys(k for _, k in blocks.z_keys))
    if set(col_sectors) != set(sectors):
        odd = sorted(set(col_sectors) ^ set(sectors))[0]
        raise DataError(
            f"industry {odd} is in the rows or the columns but not both", file=file, field=odd
        )


def _group(values: np.ndarray, pos: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Sum the rows (``axis`` 0) or columns (1) of ``values`` by position into ``size`` slots."""
    frame = pd.DataFrame(values if axis == 0 else values.T)
    summed = frame.groupby(pos, sort=True).sum()
    out = np.zeros((size, values.shape[1 - axis]))
    out[summed.index.to_numpy()] = summed.to_numpy()
    return out if axis == 0 else out.T


def _merge_and_inventory_notes(
    blocks: MrioBlocks, merge: dict[str, str], inventories: np.ndarray, world_output: float
) -> list[Adjustment]:
    """The adjustments of merging split country blocks and dropping inventories."""
    adjustments: list[Adjustment] = []
    merged = sorted({c for c, _ in blocks.row_keys if c in merge})
    if merged:
        adjustments.append(
            Adjustment(
                "split country blocks merged ("
                + ", ".join(f"{c} into {merge[c]}" for c in merged)
                + ")",
                len(merged),
                0.0,
                0.0,
                "",
            )
        )
    if np.any(inventories != 0):
        adjustments.append(
            adjustment(
                "changes in inventories dropped from final use",
                inventories != 0,
                inventories,
                world_output,
                "world gross output",
            )
        )
    return adjustments


def _require_complete(
    pos: np.ndarray,
    size: int,
    keys: list[tuple[str, str]],
    countries: tuple[str, ...],
    sectors: tuple[str, ...],
    file: str,
    what: str,
) -> None:
    seen = np.zeros(size, dtype=bool)
    seen[pos] = True
    if not seen.all():
        p = int(np.flatnonzero(~seen)[0])
        c, s = countries[p // len(sectors)], sectors[p % len(sectors)]
        raise DataError(
            f"country {c} has no {what} for industry {s} (a missing or incomplete country block)",
            file=file,
            field=f"{c}_{s}",
        )
