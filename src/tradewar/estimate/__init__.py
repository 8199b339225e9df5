"""Estimate trade elasticities from tariff variation (see docs/estimation.md).

`trade_elasticity` runs PPML with fixed effects on pyfixest (`ppml_elasticities`) or the
Caliendo–Parro (2015) triple difference (`triple_difference_elasticities`) on a trade panel
(`load_panel`: a bundled panel, a long file or a world). The estimates go into a world with
`ElasticityEstimates.apply`, and from there into the uncertainty draws (mean and standard error).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradewar.data.world import World
from tradewar.errors import DataError
from tradewar.estimate.panel import PANELS, load_panel, panel_from_world
from tradewar.estimate.ppml import ppml_elasticities
from tradewar.estimate.result import ElasticityEstimates
from tradewar.estimate.tripdiff import triple_difference_elasticities

#: Estimation methods.
METHODS = ("ppml", "triple-difference")


def trade_elasticity(
    data: str | Path | World | pd.DataFrame,
    method: str = "ppml",
    *,
    value_basis: str = "gross",
    sectors: list[str] | None = None,
    share: float = 1.0,
    countries: list[str] | None = None,
    pooled: bool = False,
) -> ElasticityEstimates:
    """Estimate sector trade elasticities.

    Parameters
    ----------
    data
        A bundled panel (``"cp2015-1993"``), a panel file, a world (or its name), or a panel
        frame (`load_panel`).
    method
        ``"ppml"`` (pyfixest; exporter-sector, importer-sector and pair fixed effects, errors
        clustered by pair) or ``"triple-difference"`` (Caliendo and Parro 2015).
    value_basis
        ``"gross"`` (tariff-inclusive values) or ``"net"``; ``theta`` is the model's either way.
    countries
        Estimate on trade among these countries only (e.g. without the EU, whose common
        external tariff leaves little variation).
    share, pooled
        Triple difference only: sample trimming, one pooled elasticity.

    Returns
    -------
    ElasticityEstimates
        With a status per sector; ``converged`` is False if an estimator failed numerically for
        some sector, ``complete`` False if some sector has no usable estimate.
    """
    panel = data if isinstance(data, pd.DataFrame) else load_panel(data)
    if method == "ppml":
        if share != 1.0 or pooled:
            raise DataError("share and pooled are options of the triple difference", field="method")
        return ppml_elasticities(panel, value_basis, sectors, countries)
    if method == "triple-difference":
        return triple_difference_elasticities(panel, value_basis, sectors, share, countries, pooled)
    raise DataError(f"unknown method '{method}' (one of {', '.join(METHODS)})", field="method")


__all__ = [
    "METHODS",
    "PANELS",
    "ElasticityEstimates",
    "load_panel",
    "panel_from_world",
    "ppml_elasticities",
    "trade_elasticity",
    "triple_difference_elasticities",
]
