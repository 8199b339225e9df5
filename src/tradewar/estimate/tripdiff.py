"""The multiplicative triple-difference estimator of Caliendo and Parro (2015).

For every sector and every three countries ``n, i, h`` whose six bilateral flows are positive,

``ln[(X_ni X_ih X_hn) / (X_in X_hi X_nh)] = -theta * ln[(tau_ni tau_ih tau_hn) /
(tau_in tau_hi tau_nh)] + e``

where ``X_ni`` is what ``n`` imports from ``i`` and ``tau = 1 + t``: importer and exporter
terms (prices, spending, market access) cancel, as do symmetric trade costs. Each unordered
triple enters once (the other orientation is the same equation with both sides negated). OLS
through the origin, heteroskedasticity-robust (HC1) standard errors. ``share < 1`` drops the
smallest ``1 - share`` of a sector's positive flows (by count) and every triple that involves
one (our reading of CP's 99% and 97.5% samples; their exact sample is not published).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from tradewar.errors import DataError
from tradewar.estimate.panel import estimation_sample
from tradewar.estimate.result import ElasticityEstimates, status_of
from tradewar.status import Status


def triple_difference_elasticities(
    panel: pd.DataFrame,
    value_basis: str = "gross",
    sectors: list[str] | None = None,
    share: float = 1.0,
    countries: list[str] | None = None,
    pooled: bool = False,
) -> ElasticityEstimates:
    """Triple-difference estimates, by sector or pooled (see the module docstring).

    Parameters
    ----------
    share
        In (0, 1]: the share of each sector's positive flows kept (the largest).
    countries
        Countries to form triples from (default: all in the panel).
    pooled
        One elasticity for all sectors together (sector ``"all"``).
    """
    if not 0.0 < share <= 1.0:
        raise DataError(f"share must be in (0, 1], got {share}", field="share")
    if "year" in panel.columns and (panel["year"] != panel["year"].iloc[0]).any():
        raise DataError("the triple difference uses one year: filter the panel first", field="year")
    frame = estimation_sample(panel, value_basis, sectors, countries)
    codes = list(dict.fromkeys(frame["sector"]))
    names = (
        list(countries)
        if countries is not None
        else sorted(set(frame["exporter"]) | set(frame["importer"]))
    )
    index = {c: n for n, c in enumerate(names)}
    N = len(names)
    if N < 3:
        raise DataError("the triple difference needs at least three countries", field="countries")
    triples = np.array(list(combinations(range(N), 3)))
    a, b, c = triples.T
    ys, xs, labels = [], [], []
    for code in codes:
        part = frame[frame["sector"] == code]
        X = np.zeros((N, N))
        T = np.ones((N, N))
        n_i = part["importer"].map(index).to_numpy()
        i_i = part["exporter"].map(index).to_numpy()
        X[n_i, i_i] = part["y"].to_numpy()
        T[n_i, i_i] = 1.0 + part["tariff_pct"].to_numpy() / 100.0
        keep = X > 0
        if share < 1.0 and keep.any():
            keep &= np.quantile(X[keep], 1.0 - share) <= X
        ok = keep[a, b] & keep[b, c] & keep[c, a] & keep[b, a] & keep[c, b] & keep[a, c]
        with np.errstate(divide="ignore"):
            LX, LT = np.log(np.where(keep, X, 1.0)), np.log(T)
        y = LX[a, b] + LX[b, c] + LX[c, a] - LX[b, a] - LX[c, b] - LX[a, c]
        x = LT[a, b] + LT[b, c] + LT[c, a] - LT[b, a] - LT[c, b] - LT[a, c]
        ys.append(y[ok])
        xs.append(x[ok])
        labels.append(code)
    groups = (
        [("all", np.concatenate(ys), np.concatenate(xs))]
        if pooled
        else list(zip(labels, ys, xs, strict=True))
    )
    shift = 0.0 if value_basis == "gross" else -1.0
    rows = []
    for code, y, x in groups:
        n = y.size
        sxx = float(x @ x)
        if n < 2 or sxx <= 0:
            rows.append((code, np.nan, np.nan, n, str(Status.NOT_IDENTIFIED)))
            continue
        beta = float(x @ y) / sxx
        e = y - beta * x
        se = float(np.sqrt(n / (n - 1) * np.sum(x**2 * e**2)) / sxx)
        theta = -beta + shift
        # OLS in closed form: nothing iterates, so only a non-finite answer can fail.
        rows.append((code, theta, se, n, status_of(theta, se, converged=True)))
    if not pooled:
        for code in frame.attrs.get("no_tariff_variation", {}):  # no triple formed
            rows.append((code, np.nan, np.nan, 0, str(Status.NOT_IDENTIFIED)))
    table = pd.DataFrame(rows, columns=["sector", "theta", "se", "n_obs", "status"])
    return ElasticityEstimates(
        "triple-difference", value_basis, table, panel.attrs.get("source", "")
    )
