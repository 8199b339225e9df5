"""``caliendo-parro``: input-output linkages (Caliendo and Parro 2015), the default model."""

from __future__ import annotations

from tradewar.data.world import World
from tradewar.engine.models import EngineModel
from tradewar.model.economy import Economy, io_shares


class CaliendoParro(EngineModel):
    """Cobb–Douglas production with intermediates from every sector, sector-level gravity."""

    name = "caliendo-parro"

    def shares(self, world: World) -> Economy:
        """The input-output calibration (`tradewar.model.economy.io_shares`)."""
        return io_shares(world)


MODEL = CaliendoParro()
