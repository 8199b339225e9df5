"""Read the share files of a Caliendo–Parro (2015)-type model (the layout of CP's and FGH's code).

The folder holds plain-text, comma-separated matrices without headers (optionally gzipped,
``.txt.gz``):

==================  =============  ===========================================================
file                shape          content
==================  =============  ===========================================================
``Din{year}.txt``   ``(J·N, N)``   expenditure shares, rows sector-major then importer,
                                   columns exporter, tariff-inclusive (``Din.txt`` also read)
``tariffs{year}``   ``(J·N, N)``   gross tariff factors ``1 + t``, same layout
``X0.txt``          ``(J, N)``     expenditure by sector and country, tariff-inclusive
``G.txt``           ``(N·J, J)``   input shares of materials spending, ``[n, k, j]``
``B.txt``           ``(J, N)``     value-added share of gross output
``alphas.txt``      ``(J, N)``     final-demand shares
``VA_n.txt``        ``(N,)``       value added
``S_n.txt``         ``(N,)``       trade surplus (exports minus imports)
==================  =============  ===========================================================

This is how Felbermayr, Gröschl and Heiland (2022) ship their WIOD 2014 baseline, from which
the bundled ``wiod2014`` worlds are built.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tradewar.build.shares import Adjustment, BaselineShares, adjustment
from tradewar.errors import DataError


def _path(directory: Path, *stems: str) -> Path:
    for stem in stems:
        for suffix in (".txt", ".txt.gz", ".csv"):
            p = directory / f"{stem}{suffix}"
            if p.exists():
                return p
    raise DataError(
        f"missing file {stems[0]}.txt (or .txt.gz) in the share-file folder", file=str(directory)
    )


def _load(directory: Path, shape: tuple[int, ...], *stems: str) -> np.ndarray:
    path = _path(directory, *stems)
    try:
        values = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError as exc:
        raise DataError(f"not a comma-separated matrix of numbers: {exc}", file=path.name) from None
    if values.size != int(np.prod(shape)):
        raise DataError(
            f"has {values.shape[0]} x {values.shape[1]} numbers, expected {int(np.prod(shape))} "
            f"for shape {shape}",
            file=path.name,
        )
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        r, c = bad[0]
        raise DataError(
            "not a finite number", file=path.name, row=int(r) + 1, field=f"column {c + 1}"
        )
    return values.reshape(shape)


def read_cp_shares(
    directory: str | Path,
    *,
    countries: tuple[str, ...],
    country_names: tuple[str, ...],
    sectors: tuple[str, ...],
    sector_names: tuple[str, ...],
    theta: np.ndarray,
    year: int | None = None,
) -> BaselineShares:
    """Read a share-file folder into `BaselineShares`.

    Parameters
    ----------
    directory
        The folder (see the module docstring for its files).
    countries, country_names, sectors, sector_names
        Labels in the files' order (the files carry none).
    theta
        ``(J,)`` trade elasticities.
    year
        The year in the names ``Din{year}.txt`` and ``tariffs{year}.txt`` (else ``Din.txt``).

    Notes
    -----
    Adjustments (recorded): domestic tariffs (importer = exporter; FGH's rest of the world
    charges itself its members' average) are set to zero; value-added shares are clipped to
    [0, 1]; deficits are minus the surpluses.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError("no such share-file folder", file=str(directory))
    N, J = len(countries), len(sectors)
    suffix = "" if year is None else str(year)
    pi = _load(directory, (J, N, N), f"Din{suffix}", "Din").transpose(1, 2, 0)
    tau = _load(directory, (J, N, N), f"tariffs{suffix}", "tariffs").transpose(1, 2, 0).copy()
    expenditure = _load(directory, (J, N), "X0").T
    G = _load(directory, (N, J, J), "G")
    B = _load(directory, (J, N), "B").T
    alpha = _load(directory, (J, N), "alphas").T
    va = _load(directory, (N,), "VA_n").ravel()
    surplus = _load(directory, (N,), "S_n").ravel()
    if np.any(tau < 1.0 - 1e-12):
        r = np.argwhere(tau < 1.0)[0]
        raise DataError(
            f"tariff factor {tau[tuple(r)]} is below 1 (a tariff below -100%?) for importer "
            f"{countries[r[0]]}, exporter {countries[r[1]]}, sector {sectors[r[2]]}",
            file=_path(directory, f"tariffs{suffix}", "tariffs").name,
        )
    adjustments: list[Adjustment] = []
    diag = np.arange(N)
    domestic = tau[diag, diag, :] - 1.0
    flows = pi * expenditure[:, None, :] / tau
    if np.any(domestic != 0.0):
        revenue = domestic * flows[diag, diag, :]
        adjustments.append(
            adjustment(
                "domestic tariffs (importer = exporter) set to zero",
                domestic != 0.0,
                revenue,
                float(expenditure.sum()),
                "world expenditure",
            )
        )
        tau[diag, diag, :] = 1.0
    outside = (B < 0.0) | (B > 1.0)
    if outside.any():
        adjustments.append(
            Adjustment(
                f"value-added shares outside [0, 1] clipped ({int(outside.sum())} cells)",
                int(outside.sum()),
                0.0,
                0.0,
                "",
            )
        )
    B = np.clip(B, 0.0, 1.0)
    gamma_io = (1.0 - B)[:, None, :] * G
    cross = (pi * (1.0 - np.eye(N))[:, :, None]).sum(axis=(0, 1))
    return BaselineShares(
        countries=tuple(countries),
        country_names=tuple(country_names),
        sectors=tuple(sectors),
        sector_names=tuple(sector_names),
        pi=pi,
        tau=tau - 1.0,
        gamma_io=gamma_io,
        alpha=alpha,
        va=va,
        deficit=-surplus,
        expenditure=expenditure,
        theta=np.asarray(theta, dtype=float),
        tradable=cross > 0,
        adjustments=tuple(adjustments),
    )
