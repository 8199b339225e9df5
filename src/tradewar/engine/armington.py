"""``armington``: one sector per country-sector, gross output is value added (gravity).

With the ``[armington]`` table of a one-sector world it is the model of Ignatenko, Macedoni,
Lashkaripour and Simonovska (2025) with its margins (labour supply, scale, local margins,
pass-through), solved by `tradewar.model.margins`.
"""

from __future__ import annotations

from tradewar.data.world import World
from tradewar.engine.models import EngineModel
from tradewar.model.economy import Economy, gravity_shares


class Armington(EngineModel):
    """Structural gravity: no intermediates, every country-sector's income is its sales."""

    name = "armington"
    margins = True

    def shares(self, world: World) -> Economy:
        """The gravity calibration (`tradewar.model.economy.gravity_shares`)."""
        return gravity_shares(world)


MODEL = Armington()
