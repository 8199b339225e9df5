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
from tradewar.estimate.result import ElasticityEstimates, status_of


def ppml_elasticities(
    panel: pd.DataFrame,
    value_basis: str = "gross",
    sectors: list[str] | None = None,
    cluster: str = "pair",
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
    cluster
        ``"pair"`` (exporter-importer) or ``"none"`` (heteroskedasticity-robust).
    """
    try:
        import pyfixest as pf
    except ImportError:  # pragma: no cover - the estimate extra
        raise DataError(
            'PPML needs pyfixest: pip install "tradewar[estimate]"', field="method"
        ) from None
    frame = _prepare(panel, value_basis, sectors)
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
    formula = "y ~ " + " + ".join(slopes) + " | exs + ims + pair"
    vcov = {"CRV1": "pair"} if cluster == "pair" else "hetero"
    fit = pf.fepois(formula, data=data, vcov=vcov)
    converged = bool(getattr(fit, "_convergence", True))
    coef, se = fit.coef(), fit.se()
    n_obs = frame.groupby("sector", sort=False).size()
    shift = 0.0 if value_basis == "gross" else -1.0
    rows = []
    for k, code in enumerate(codes):
        name = f"lt_{k}"
        if name not in coef.index:
            rows.append((code, np.nan, np.nan, int(n_obs[code]), "not identified"))
            continue
        theta = -float(coef[name]) + shift
        s = float(se[name])
        status = status_of(theta, s, converged)
        rows.append((code, theta, s, int(n_obs[code]), status))
    table = pd.DataFrame(rows, columns=["sector", "theta", "se", "n_obs", "status"])
    return ElasticityEstimates("ppml", value_basis, table, panel.attrs.get("source", ""))


def _prepare(panel: pd.DataFrame, value_basis: str, sectors: list[str] | None) -> pd.DataFrame:
    """Cross-border rows of the chosen sectors, with the dependent variable ``y``."""
    if value_basis not in ("gross", "net"):
        raise DataError(
            f"value basis must be 'gross' or 'net', not {value_basis!r}", field="value_basis"
        )
    frame = panel[panel["exporter"] != panel["importer"]]
    if sectors is not None:
        unknown = sorted(set(sectors) - set(frame["sector"]))
        if unknown:
            raise DataError(f"unknown sector '{unknown[0]}' (not in the panel)", field="sector")
        frame = frame[frame["sector"].isin(sectors)]
    else:  # sectors without any tariff variation cannot be estimated
        varies = frame.groupby("sector", sort=False)["tariff_pct"].transform(
            lambda t: (t != t.iloc[0]).any()
        )
        frame = frame[varies.astype(bool)]
    if frame.empty:
        raise DataError(
            "no cross-border rows with tariff variation to estimate from", field="tariff_pct"
        )
    y = frame["value"].to_numpy() * (
        1.0 + frame["tariff_pct"].to_numpy() / 100.0 if value_basis == "gross" else 1.0
    )
    return frame.assign(y=y).reset_index(drop=True)
