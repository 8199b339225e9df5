"""``ossa``: Ossa (2014), Krugman competition with a fixed number of firms, profits as income."""

from __future__ import annotations

import numpy as np

from tradewar.data.world import World
from tradewar.engine.models import EngineModel
from tradewar.model.economy import Economy, gravity_shares


class Ossa(EngineModel):
    """Gravity with restricted entry: a share ``1 / sigma = 1 / (1 + theta)`` of sales is profit.

    Profits are income but not wages; political-economy weights apply to them in games.
    """

    name = "ossa"

    def shares(self, world: World) -> Economy:
        """The gravity calibration with each sector's profit share ``1 / (1 + theta_j)``."""
        shape = (world.n_countries, world.n_sectors)
        profit_share = np.broadcast_to(1.0 / (1.0 + world.theta), shape).copy()
        return gravity_shares(world, profit_share)


MODEL = Ossa()
