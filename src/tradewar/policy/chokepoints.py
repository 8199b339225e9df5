"""Horizons: how fast an economy adjusts, and the ``[chokepoints]`` table of supply limits.

A *horizon* is a named set of parameters for the length of time an equilibrium stands for
(docs/chokepoints.md and docs/backtest.md state the source or assumption behind each number):

- ``short`` (13 weeks, a quarter): one-year trade elasticities (the shortest horizon that has
  been estimated, Boehm, Levchenko and Pandalai-Nayar, AER 2023); producers of
  capacity-limited inputs cannot raise output beyond today's (supply elasticity 0, no spare
  capacity); buyers hold 8 weeks of stocks; users of the input cannot redesign around it
  (top-nest elasticity at most 0.02).
- ``medium`` (52 weeks): one-year trade elasticities; capacity can grow with a supply
  elasticity of 0.2 above 5% spare capacity; the same 8 weeks of stocks cover a smaller part
  of the year; top-nest elasticity at most 0.1.
- ``long`` (the default): the world's own (long-run) trade elasticities and no supply limits:
  the constant-returns model.

Wages are flexible at every horizon by default; ``[parameters] wages = "sticky"`` puts a floor
under nominal wages (employment falls instead), a Keynesian short run.

A scenario's ``horizon`` sets all of them; ``[parameters] elasticities`` and ``wages`` and the
numbers of the ``[chokepoints]`` table (whose own ``horizon`` sets only the supply limits)
replace single values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Horizon = Literal["short", "medium", "long"]
Elasticities = Literal["long-run", "one-year"]
Wages = Literal["flexible", "sticky"]


@dataclass(frozen=True)
class HorizonParameters:
    """The numbers of one horizon.

    Attributes
    ----------
    weeks
        Length of the period the equilibrium stands for (``inf``: the long run).
    supply_elasticity
        Elasticity of a producer's output to its price premium above capacity (0: fixed
        capacity, ``inf``: no limit).
    spare_capacity_pct
        Output a producer can add at unchanged cost, in percent of its baseline output.
    inventory_weeks
        Weeks of normal use of a cut-off supply that buyers hold in stock.
    sigma_top_cap
        Highest top-nest elasticity of substitution (``[ces] sigma_top``) in the sectors that
        use a capacity-limited input of the critical nest (``inf``: as the scenario sets it).
    elasticities
        Trade elasticities: ``"long-run"`` (the world's own) or ``"one-year"`` (scaled to the
        one-year estimate, `tradewar.engine.economies.horizon_theta`).
    wages
        ``"flexible"`` (labour markets clear by wages) or ``"sticky"`` (nominal wages cannot
        fall over the horizon; employment falls instead).
    """

    weeks: float
    supply_elasticity: float
    spare_capacity_pct: float
    inventory_weeks: float
    sigma_top_cap: float = math.inf
    elasticities: Elasticities = "long-run"
    wages: Wages = "flexible"

    @property
    def limited(self) -> bool:
        """True when supply is limited at all (a finite elasticity)."""
        return math.isfinite(self.supply_elasticity)

    @property
    def stock_cover(self) -> float:
        """Share of the horizon that stocks cover, in [0, 1] (0 in the long run)."""
        if not math.isfinite(self.weeks):
            return 0.0
        return min(self.inventory_weeks / self.weeks, 1.0)


#: The one-year trade elasticity: tariff-exclusive trade flows fall by about 0.76% for each
#: 1% rise in tariffs in the year after the change (Boehm, Levchenko and Pandalai-Nayar, "The
#: Long and Short (Run) of Trade Elasticities", American Economic Review 113(4), 2023,
#: 861-905; the long-run elasticity is 1.75-2.25, reached after 7-10 years).
ONE_YEAR_ELASTICITY = 0.76

#: The named horizons (docs/chokepoints.md gives the source or assumption of each number).
HORIZONS: dict[str, HorizonParameters] = {
    "short": HorizonParameters(
        weeks=13.0,
        supply_elasticity=0.0,
        spare_capacity_pct=0.0,
        inventory_weeks=8.0,
        sigma_top_cap=0.02,
        elasticities="one-year",
    ),
    "medium": HorizonParameters(
        weeks=52.0,
        supply_elasticity=0.2,
        spare_capacity_pct=5.0,
        inventory_weeks=8.0,
        sigma_top_cap=0.1,
        elasticities="one-year",
    ),
    "long": HorizonParameters(
        weeks=math.inf, supply_elasticity=math.inf, spare_capacity_pct=0.0, inventory_weeks=0.0
    ),
}


class ChokepointSettings(BaseModel):
    """The ``[chokepoints]`` table: which inputs are capacity-limited, and over what horizon.

    ``sectors`` lists the capacity-limited input sectors (default: the ``[ces] critical``
    sectors). ``horizon`` picks the named parameter set of the limits (default: the scenario's
    ``horizon``); ``weeks``, ``supply_elasticity`` (a number, or a table by producer country
    with an optional ``"*"`` default), ``spare_capacity_pct`` and ``inventory_weeks`` replace
    its values. Negative numbers are errors; ``supply_elasticity = inf`` is written as a very
    large number or by horizon ``long``. The horizon here sets only the supply limits; the
    scenario's ``horizon`` also sets trade elasticities and wages.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    horizon: Horizon | None = None
    sectors: list[str] | None = None
    weeks: float | None = Field(default=None, gt=0.0)
    supply_elasticity: float | dict[str, float] | None = None
    spare_capacity_pct: float | None = Field(default=None, ge=0.0)
    inventory_weeks: float | None = Field(default=None, ge=0.0)
    sigma_top_cap: float | None = Field(default=None, gt=0.0)

    @field_validator("supply_elasticity")
    @classmethod
    def _non_negative(cls, value):
        values = value.values() if isinstance(value, dict) else [value]
        for v in values:
            if v is not None and not v >= 0.0:
                raise ValueError("supply elasticities must be >= 0 (0 = fixed capacity)")
        return value

    def parameters(self) -> HorizonParameters:
        """The horizon's numbers with the table's overrides.

        With a table of elasticities by country, ``supply_elasticity`` is its lowest entry
        (`elasticity_table` has them all).
        """
        base = HORIZONS[self.horizon or "long"]
        elasticity = base.supply_elasticity
        if isinstance(self.supply_elasticity, float | int):
            elasticity = float(self.supply_elasticity)
        elif isinstance(self.supply_elasticity, dict):
            table = {"*": base.supply_elasticity, **self.supply_elasticity}
            elasticity = min(table.values())
        return HorizonParameters(
            elasticities=base.elasticities,
            wages=base.wages,
            weeks=base.weeks if self.weeks is None else self.weeks,
            supply_elasticity=elasticity,
            spare_capacity_pct=(
                base.spare_capacity_pct
                if self.spare_capacity_pct is None
                else self.spare_capacity_pct
            ),
            inventory_weeks=(
                base.inventory_weeks if self.inventory_weeks is None else self.inventory_weeks
            ),
            sigma_top_cap=base.sigma_top_cap if self.sigma_top_cap is None else self.sigma_top_cap,
        )

    def elasticity_table(self) -> float | dict[str, float]:
        """Supply elasticity by producer country (a number, or codes with a ``"*"`` default)."""
        if isinstance(self.supply_elasticity, dict):
            base = HORIZONS[self.horizon or "long"].supply_elasticity
            return {"*": base, **self.supply_elasticity}
        return self.parameters().supply_elasticity

    @property
    def active(self) -> bool:
        """True when any supply is limited (a finite elasticity somewhere)."""
        table = self.elasticity_table()
        values = table.values() if isinstance(table, dict) else [table]
        return any(math.isfinite(v) for v in values)

    def following(self, horizon: str) -> ChokepointSettings:
        """These settings with the scenario's ``horizon`` where the table names none."""
        if self.horizon is not None:
            return self
        return self.model_copy(update={"horizon": horizon})
