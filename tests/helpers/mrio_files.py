"""Small input–output tables in the exact published layouts (OECD ICIO CSV, WIOD 2016 Stata/R).

Each writer returns the table it wrote as plain arrays (after merging China and Mexico), so a
test can compare what a reader returns with what went in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ICIO_FD = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")


def _random_table(n_rows: int, n_cols: int, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(1.0, 10.0, size=(n_rows, n_cols)) * (
        rng.uniform(size=(n_rows, n_cols)) > 0.1
    )


def write_icio(
    path: Path,
    *,
    seed: int = 0,
    countries: tuple[str, ...] = ("AUS", "CHN", "CN1", "CN2", "MEX", "MX1", "MX2", "USA", "ROW"),
    industries: tuple[str, ...] = ("A01_02", "C26", "D"),
    zero_blocks: tuple[str, ...] = ("CHN", "MEX"),
) -> dict:
    """An ICIO-layout CSV (2021-edition style: CHN/MEX blocks present and zero, CN1/CN2/MX1/MX2
    split, final use by whole country). Returns merged totals for checking."""
    rng = np.random.default_rng(seed)
    rows = [f"{c}_{k}" for c in countries for k in industries]
    fd_countries = [c for c in countries if c not in ("CN1", "CN2", "MX1", "MX2")]
    fd_cols = [f"{c}_{f}" for c in fd_countries for f in ICIO_FD]
    z = _random_table(len(rows), len(rows), rng)
    fd = 10.0 * _random_table(len(rows), len(fd_cols), rng)
    inv = np.array([c.endswith("_INVNT") for c in fd_cols])
    fd[:, inv] = rng.normal(0.0, 2.0, size=(len(rows), inv.sum()))  # inventories can be negative
    for c in zero_blocks:
        sel = np.array([r.startswith(c + "_") for r in rows])
        z[sel, :] = 0.0
        z[:, sel] = 0.0
        fd[sel, :] = 0.0
    out = z.sum(axis=1) + fd.sum(axis=1)
    tls = 0.02 * out
    va = out - z.sum(axis=0) - tls
    frame = pd.DataFrame(
        np.hstack([z, fd, out[:, None]]), index=rows, columns=[*rows, *fd_cols, "OUT"]
    )
    totals = pd.DataFrame(
        [
            [*z.sum(axis=0) * 0 + tls, *np.zeros(len(fd_cols)), tls.sum()],
            [*va, *np.zeros(len(fd_cols)), va.sum()],
            [*out, *np.zeros(len(fd_cols)), out.sum()],
        ],
        index=["TLS", "VA", "OUT"],
        columns=frame.columns,
    )
    table = pd.concat([frame, totals])
    table.index.name = "V1"
    table.to_csv(path)
    return {"z": z, "fd": fd, "rows": rows, "fd_cols": fd_cols, "out": out, "va": va, "tls": tls}


def write_wiod(path: Path, *, seed: int = 0, year: int = 2014, stata: bool = True) -> dict:
    """A WIOD-2016-layout table (Stata ``.dta`` with ``v`` column prefixes, or CSV as in R)."""
    rng = np.random.default_rng(seed)
    countries = ("AUS", "CHN", "USA", "ROW")
    industries = (
        ("A01", "Crop and animal production"),
        ("C26", "Computer, electronic and optical products"),
        ("U", "Activities of extraterritorial organizations"),
    )
    J = len(industries)
    rows = [(c, code, name, r + 1) for c in countries for r, (code, name) in enumerate(industries)]
    z = _random_table(len(rows), len(rows), rng)
    fd = 10.0 * _random_table(len(rows), len(countries) * 5, rng)
    fd[:, 4::5] = rng.normal(0.0, 2.0, size=(len(rows), len(countries)))  # INVEN
    out = z.sum(axis=1) + fd.sum(axis=1)
    prefix = "v" if stata else ""
    cols = [f"{prefix}{c}{k}" for c in countries for k in range(1, J + 1)]
    cols += [f"{prefix}{c}{k}" for c in countries for k in range(J + 1, J + 6)]
    body = np.hstack([z, fd])
    frame = pd.DataFrame(body, columns=cols)
    frame.insert(0, "IndustryCode", [r[1] for r in rows])
    frame.insert(1, "IndustryDescription", [r[2] for r in rows])
    frame.insert(2, "Country", [r[0] for r in rows])
    frame.insert(3, "RNr", [r[3] for r in rows])
    frame.insert(4, "Year", year)
    frame["TOT"] = body.sum(axis=1)
    va = out - z.sum(axis=0)
    bottom = []
    for k, code in enumerate(("II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTL", "GO")):
        values = {"II_fob": z.sum(axis=0), "VA": va, "GO": out}.get(code, np.zeros(len(rows)))
        row = {
            "IndustryCode": code,
            "IndustryDescription": code,
            "Country": "TOT",
            "RNr": 65 + k,
            "Year": year,
        }
        row.update({c: (values[n] if n < len(rows) else 0.0) for n, c in enumerate(cols)})
        row["TOT"] = float(np.sum(values))
        bottom.append(row)
    frame = pd.concat([frame, pd.DataFrame(bottom)], ignore_index=True)
    if stata:
        frame.to_stata(path, write_index=False)
    else:
        frame.to_csv(path, index=False)
    return {"z": z, "fd": fd, "out": out, "va": va, "countries": countries, "J": J}
