"""Tariff tables from a long file: by sector, or by product through a concordance.

The file (CSV or Parquet) has ``importer, exporter, tariff_pct`` and either ``sector`` or
``product``, plus optional ``weight`` (e.g. trade values, for averaging products into a
sector; a simple mean without it) and ``table`` (the label of the table the row belongs to:
empty or ``baseline`` for the baseline ``tariffs.csv``, anything else for ``tariffs_<label>``,
which a scenario step takes with ``set_from = "<label>"``). ``importer``, ``exporter`` and
``sector`` may be ``*`` (every one; a row naming the cell wins over a ``*`` row; domestic
cells are never set). A concordance (``product, sector``) maps product codes to sectors by
longest prefix, so HS chapters (``"01"``) or HS6 codes (``"010121"``) both work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.data.tables import read_table, table_columns
from tradewar.errors import DataError

BASELINE = "baseline"


def read_concordance(path: str | Path) -> dict[str, str]:
    """A ``product -> sector`` map from a CSV/Parquet with columns ``product, sector``."""
    frame = read_table(Path(path), {"product": "str", "sector": "str"})
    dup = frame["product"].duplicated()
    if dup.any():
        r = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"product '{frame['product'].iloc[r]}' listed twice",
            file=frame.attrs["file"],
            row=r + frame.attrs["row_offset"],
            field="product",
        )
    return dict(zip(frame["product"], frame["sector"], strict=True))


def tariff_tables_from_long(
    path: str | Path,
    countries: tuple[str, ...],
    sectors: tuple[str, ...],
    concordance: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """Tariff tables by label (``"baseline"`` and step labels), ``(N, N, J)`` fractions.

    Raises
    ------
    DataError
        Naming the file, row and field of an unknown country or sector, a product the
        concordance does not cover, a tariff not above -100% or a negative weight.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", file=str(path))
    names = table_columns(path)
    by_product = "product" in names
    if by_product and concordance is None:
        raise DataError(
            "rows are by product: give a concordance (product, sector) with --concordance",
            file=path.name,
            field="product",
        )
    columns = {"importer": "str", "exporter": "str", "tariff_pct": "float"}
    columns["product" if by_product else "sector"] = "str"
    if "weight" in names:
        columns["weight"] = "float"
    frame = read_table(path, columns)
    offset, file = frame.attrs["row_offset"], frame.attrs["file"]
    frame["table"] = _read_labels(path) if "table" in names else pd.Series([BASELINE] * len(frame))
    frame.attrs.update(row_offset=offset, file=file)
    bad = np.flatnonzero(frame["tariff_pct"].to_numpy() <= -100.0)
    if bad.size:
        raise DataError(
            f"tariff {frame['tariff_pct'].iloc[bad[0]]}% is not above -100%",
            file=file,
            row=int(bad[0]) + offset,
            field="tariff_pct",
        )
    if "weight" in frame and np.any(frame["weight"].to_numpy() < 0):
        r = int(np.flatnonzero(frame["weight"].to_numpy() < 0)[0])
        raise DataError("negative weight", file=file, row=r + offset, field="weight")
    if by_product:
        assert concordance is not None
        frame["sector"] = [
            _sector_of(p, concordance, file, row + offset) for row, p in enumerate(frame["product"])
        ]
    for field, valid in (("importer", countries), ("exporter", countries), ("sector", sectors)):
        unknown = ~frame[field].isin([*valid, "*"])
        if unknown.any():
            r = int(np.flatnonzero(unknown.to_numpy())[0])
            shown = ", ".join(valid[:12]) + (", ..." if len(valid) > 12 else "")
            raise DataError(
                f"unknown code '{frame[field].iloc[r]}' (valid: {shown}, or *)",
                file=file,
                row=r + offset,
                field="product" if field == "sector" and by_product else field,
            )
    weight = frame["weight"].to_numpy() if "weight" in frame else np.ones(len(frame))
    frame["_w"] = weight
    frame["_wt"] = weight * frame["tariff_pct"].to_numpy()
    cells = frame.groupby(["table", "importer", "exporter", "sector"], sort=False)[
        ["_w", "_wt"]
    ].sum()
    N, J = len(countries), len(sectors)
    c_index = {c: n for n, c in enumerate(countries)}
    s_index = {s: j for j, s in enumerate(sectors)}
    tables: dict[str, np.ndarray] = {}
    specificity: dict[str, np.ndarray] = {}
    for (label, imp, exp, sec), row in cells.iterrows():
        rate = row["_wt"] / row["_w"] if row["_w"] > 0 else np.nan
        if not np.isfinite(rate):  # only zero weights: the simple mean of the rows
            sub = frame[
                (frame.table == label)
                & (frame.importer == imp)
                & (frame.exporter == exp)
                & (frame.sector == sec)
            ]
            rate = float(sub["tariff_pct"].mean())
        table = tables.setdefault(label, np.zeros((N, N, J)))
        rank = specificity.setdefault(label, np.full((N, N, J), -1))
        n_sel = list(range(N)) if imp == "*" else [c_index[imp]]
        i_sel = list(range(N)) if exp == "*" else [c_index[exp]]
        j_sel = list(range(J)) if sec == "*" else [s_index[sec]]
        level = (imp != "*") + (exp != "*") + (sec != "*")
        idx = np.ix_(n_sel, i_sel, j_sel)
        take = rank[idx] <= level
        table[idx] = np.where(take, rate / 100.0, table[idx])
        rank[idx] = np.where(take, level, rank[idx])
    for table in tables.values():
        table[np.arange(N), np.arange(N), :] = 0.0
    return tables


def _read_labels(path: Path) -> pd.Series:
    raw = (
        pd.read_parquet(path, columns=["table"])["table"]
        if path.suffix == ".parquet"
        else pd.read_csv(path, usecols=["table"], dtype=str, keep_default_na=False)["table"]
    )
    labels = raw.astype(str).str.strip().replace({"": BASELINE})
    return labels.reset_index(drop=True)


def _sector_of(product: str, concordance: dict[str, str], file: str, row: int) -> str:
    code = product.strip()
    for end in range(len(code), 0, -1):
        if code[:end] in concordance:
            return concordance[code[:end]]
    raise DataError(
        f"product '{product}' is not in the concordance", file=file, row=row, field="product"
    )


def exempt_shares(
    products: pd.DataFrame,
    concordance: dict[str, str],
    sector_trade: dict[str, float],
    unlisted_covered: bool = True,
    file: str = "products",
) -> dict[str, float]:
    """Percent of each sector's trade that a measure exempts: a trade-weighted mean of products.

    Parameters
    ----------
    products
        One row per product: ``product`` (a code the concordance maps by longest prefix, e.g.
        an HS heading ``"8517"``), ``value`` (its trade, the weight) and ``covered`` (True for a
        product the measure taxes, False for one it exempts).
    concordance
        ``product -> sector`` (`read_concordance`).
    sector_trade
        Each sector's whole trade on the same flow, in the unit of ``value``.
    unlisted_covered
        Whether the sector's products that are not listed are covered (an exemption list) or
        not (a measure on named products, such as Section 232 on steel).

    Returns
    -------
    dict
        ``{sector: exempt percent}`` for every sector with a listed product, the trade-weighted
        share of its trade the measure does not tax, within [0, 100] (listed values above the
        sector's trade are capped at it).

    Raises
    ------
    DataError
        Naming the row of a product the concordance does not cover, of a value that is not a
        trade value, or whose sector has no trade.
    """
    covered: dict[str, float] = {}
    listed: dict[str, float] = {}
    for row, (product, value, taxed) in enumerate(
        zip(products["product"], products["value"], products["covered"], strict=True)
    ):
        if not value >= 0:
            raise DataError(f"value {value} is not a trade value", file=file, row=row + 2)
        sector = _sector_of(str(product), concordance, file, row + 2)
        if not sector_trade.get(sector, 0.0) > 0:
            raise DataError(
                f"sector {sector} of product '{product}' has no trade to weight it against",
                file=file,
                row=row + 2,
                field="product",
            )
        listed[sector] = listed.get(sector, 0.0) + float(value)
        covered[sector] = covered.get(sector, 0.0) + (float(value) if bool(taxed) else 0.0)
    shares = {}
    for sector, total in sector_trade.items():
        if sector not in listed:
            continue
        rest = max(total - listed[sector], 0.0) if unlisted_covered else 0.0
        share = min((covered[sector] + rest) / total, 1.0)
        shares[sector] = 100.0 * (1.0 - share)
    return shares
