"""Worlds built for tests and benchmarks from bundled ones (nothing here is shipped data)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import tradewar as tw
from tradewar.data.world import World
from tradewar.engine import economy_from_world
from tradewar.model.calibrate import BaselineShares, world_from_shares
from tradewar.model.solver import SolverOptions


def roundabout_baci(labour_share: float = 0.49) -> World:
    """``baci2023`` (194 countries, one sector) with roundabout production.

    Labour earns ``labour_share`` of gross output and the rest is spent on the sector's own
    good, as in the input-output case of Ignatenko et al. (2025) (beta = 0.49); trade shares,
    tariffs, value added and deficits are baci2023's, and the world is re-balanced as the
    model's equilibrium at them (`world_from_shares`). Keeps the ``liberation_day`` tariffs.
    """
    base = tw.load_world("baci2023")
    econ = economy_from_world(base)
    shares = replace(
        BaselineShares.of(base, econ),
        gamma_io=np.full((base.n_countries, 1, 1), 1.0 - labour_share),
        expenditure=np.asarray(econ.expenditure) / labour_share,
        meta={**base.meta, "name": "baci2023-roundabout"},
    )
    world, _ = world_from_shares(
        shares,
        name="baci2023-roundabout",
        options=SolverOptions(max_iterations=5000),
    )
    return world
