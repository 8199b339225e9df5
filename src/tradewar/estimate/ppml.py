"""Sector trade elasticities by Poisson pseudo-maximum likelihood on pyfixest.

``E[X_nij] = exp(a_ij + b_nj + c_ni + beta_j * ln(1 + t_nij))`` with exporter-sector
(``a``), importer-sector (``b``) and pair fixed effects (``c``, pooled across sectors), so each
``beta_j`` is identified from how a pair's trade across sectors moves with its tariffs across
sectors. Standard errors are clustered by pair. ``theta_j = -beta_j`` on tariff-inclusive
values, ``-beta_j - 1`` on values before tariffs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewar.errors import DataError
from tradewar.estimate.panel import estimation_sample
from tradewar.estimate.result import ElasticityEstimates, status_of
from tradewar.status import Status


def ppml_elasticities(
    panel: pd.DataFrame,
    value_basis: str = "gross",
    sectors: list[str] | None = None,
    countries: list[str] | None = None,
    cluster: str = "pair",
    max_iterations: int = 100,
) -> ElasticityEstimates:
    """PPML estimates of each sector's trade elasticity (see the module docstring).

    Parameters
    ----------
    panel
        A trade panel (`tradewar.estimate.load_panel`).
    value_basis
        ``"gross"`` or ``"net"`` (see `ElasticityEstimates`).
    sectors
        Sectors to estimate (default: every sector with tariff variation).
    countries
        Use only trade among these countries (default: all).
    cluster
        ``"pair"`` (exporter-importer) or ``"none"`` (heteroskedasticity-robust).
    max_iterations
        Iterations of pyfixest's IRLS; a fit that has not converged by then gives every sector
        the status ``not converged`` (read from pyfixest's own flag, never assumed).
    """
    try:
        import pyfixest as pf
    except ImportError:  # pragma: no cover - the estimate extra
        raise DataError(
            'PPML needs pyfixest: pip install "tradewar[estimate]"', field="method"
        ) from None
    frame = estimation_sample(panel, value_basis, sectors, countries)
    codes = list(dict.fromkeys(frame["sector"]))
    log_tariff = np.log1p(frame["tariff_pct"].to_numpy() / 100.0)
    slopes = {}
    for k, code in enumerate(codes):
        slopes[f"lt_{k}"] = np.where(frame["sector"].to_numpy() == code, log_tariff, 0.0)
    data = pd.DataFrame(
        {
            "y": frame["y"].to_numpy(),
            **slopes,
            "exs": frame["exporter"] + "|" + frame["sector"] + frame.get("year", ""),
            "ims": frame["importer"] + "|" + frame["sector"] + frame.get("year", ""),
            "pair": frame["exporter"] + "|" + frame["importer"],
        }
    )
    keep, identified = identified_sample(data, codes, frame["sector"].to_numpy())
    n_obs = frame.groupby("sector", sort=False).size()
    rows = []
    coef = se = pd.Series(dtype=float)
    # pyfixest's verdict, set by the fit below; without a fit no sector reaches `status_of`.
    converged = False
    if identified:
        used = [f"lt_{codes.index(code)}" for code in identified]
        formula = "y ~ " + " + ".join(used) + " | exs + ims + pair"
        vcov = {"CRV1": "pair"} if cluster == "pair" else "hetero"
        sample = data[keep].reset_index(drop=True)
        fit = pf.fepois(formula, data=sample, vcov=vcov, iwls_maxiter=max_iterations)
        # pyfixest sets `convergence` True only when IRLS met its tolerance; anything else
        # (False, or a version without the flag) counts as not converged.
        converged = getattr(fit, "convergence", None) is True
        coef, se = fit.coef(), fit.se()
    shift = 0.0 if value_basis == "gross" else -1.0
    for k, code in enumerate(codes):
        name = f"lt_{k}"
        if name not in coef.index:
            rows.append((code, np.nan, np.nan, int(n_obs[code]), str(Status.NOT_IDENTIFIED)))
            continue
        theta = -float(coef[name]) + shift
        s = float(se[name])
        status = status_of(theta, s, converged=converged)
        rows.append((code, theta, s, int(n_obs[code]), status))
    for code, count in frame.attrs.get("no_tariff_variation", {}).items():
        rows.append((code, np.nan, np.nan, int(count), str(Status.NOT_IDENTIFIED)))
    table = pd.DataFrame(rows, columns=["sector", "theta", "se", "n_obs", "status"])
    return ElasticityEstimates("ppml", value_basis, table, panel.attrs.get("source", ""))


def identified_sample(
    data: pd.DataFrame, codes: list[str], sector: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """The rows PPML can use and the sectors whose elasticity they identify.

    Drops, until nothing changes, every row in a fixed-effect group (``exs``, ``ims``,
    ``pair``) whose flows are all zero (the effect would run to minus infinity: separation) or
    that is alone in its group (fitted exactly, it says nothing about the slopes), and every
    sector whose remaining rows have a single tariff (its slope is absorbed). This is what
    the estimator would do anyway; doing it first means a sample with nothing left (all flows
    zero, one exporter, one sector under pair effects) is reported "not identified" instead of
    reaching pyfixest, whose solver aborts the process on an empty problem.

    Returns
    -------
    keep : ndarray of bool, shape (rows,)
        The rows to estimate from.
    identified : list of str
        The sectors (of ``codes``, in order) whose slope those rows identify.
    """
    keep = np.ones(len(data), dtype=bool)
    slopes = {code: data[f"lt_{k}"].to_numpy() for k, code in enumerate(codes)}
    while True:
        sub = data[keep]
        drop = np.zeros(len(sub), dtype=bool)
        for effect in ("exs", "ims", "pair"):
            groups = sub.groupby(effect, sort=False)["y"]
            drop |= groups.transform("sum").to_numpy() <= 0
            drop |= groups.transform("size").to_numpy() < 2
        rows = np.flatnonzero(keep)
        for code in codes:
            mine = sector[rows] == code
            values = slopes[code][rows][mine & ~drop]
            if values.size and np.ptp(values) == 0.0:
                drop |= mine
        if not drop.any():
            break
        keep[rows[drop]] = False
    present = set(sector[keep])
    return keep, [code for code in codes if code in present]
