"""A plug-in model for the tests: Armington gravity with one trade elasticity for every sector.

It is the whole of a new model: this module and one `tradewar.registry.register_model` call
(tests/test_plugins.py). Its numbers must equal those of ``armington`` on the same world with
every elasticity set to `THETA`, which the tests check.
"""

from __future__ import annotations

import numpy as np

from tradewar.data.world import World
from tradewar.engine import EngineModel
from tradewar.model.arrays import on_device
from tradewar.model.economy import Economy, gravity_shares

#: The one trade elasticity of every sector.
THETA = 5.0


class CommonTheta(EngineModel):
    """Gravity (no intermediates) with every sector's trade elasticity `THETA`."""

    name = "common-theta"

    def shares(self, world: World) -> Economy:
        """The gravity calibration with the world's elasticities replaced by `THETA`."""
        return gravity_shares(world)._replace(
            theta=on_device(np.full(world.n_sectors, THETA), np.float64)
        )


MODEL = CommonTheta()
