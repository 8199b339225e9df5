"""A scenario's world and economy over its horizon: elasticities, supply limits, sticky wages.

The baseline economy of a model comes from `tradewar.engine.economy_for`; this module applies
what a scenario changes around it (`scenario_world`, `horizon_economy`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.model.arrays import on_device
from tradewar.model.economy import Economy
from tradewar.policy.scenario import Scenario, per_code

if TYPE_CHECKING:
    from tradewar.engine.capacity import Capacity


def with_theta(world: World, theta: float | dict[str, float]) -> World:
    """``world`` with its trade elasticities replaced (a number, or a table by sector code)."""
    new = per_code(world.sectors, theta, "parameters.theta", world.theta)
    if not np.all((new > 0) & np.isfinite(new)):
        raise ScenarioError("trade elasticities must be positive numbers", key="parameters.theta")
    return replace(world, theta=new)


def trade_weighted_elasticity(world: World) -> float:
    """The harmonic mean of the trade elasticities weighted by world cross-border trade.

    The aggregate elasticity the sector values imply: for the Caliendo–Parro sector values on
    the WIOD 2014 trade weights it is 4.56, their pooled estimate being 4.55.
    """
    cross = world.flows * (1.0 - np.eye(world.n_countries))[:, :, None]
    weights = cross.sum(axis=(0, 1))
    if not weights.sum() > 0:
        return float(len(world.theta) / np.sum(1.0 / world.theta))
    return float(weights.sum() / np.sum(weights / world.theta))


def horizon_theta(world: World, level: float) -> np.ndarray:
    """``(J,)`` the world's trade elasticities scaled to a short-run ``level``.

    Every sector's elasticity is multiplied by one factor, ``level`` over the world's
    trade-weighted harmonic mean (`trade_weighted_elasticity`), so the pattern across sectors
    is the world's and their aggregate is ``level`` (the one-year elasticity of Boehm, Levchenko
    and Pandalai-Nayar 2023, 0.76, by default).
    """
    return world.theta * (level / trade_weighted_elasticity(world))


def scenario_world(world: World, scenario: Scenario) -> World:
    """``world`` with the scenario's trade elasticities: ``[parameters] theta``, then horizon.

    Over a horizon with one-year elasticities (``[parameters] elasticities``, or the
    scenario's ``horizon``) every sector's elasticity is scaled by `horizon_theta`.
    """
    params = scenario.parameters
    if params.theta is not None:
        world = with_theta(world, params.theta)
    if scenario.horizon_parameters().elasticities == "one-year":
        world = replace(world, theta=horizon_theta(world, params.one_year_elasticity))
    return world


def horizon_economy(
    world: World, econ: Economy, scenario: Scenario
) -> tuple[Economy, Capacity | None]:
    """The baseline economy over the scenario's horizon and its supply limits.

    Short-run supply limits (``[chokepoints]``, `tradewar.engine.capacity.capacity_for`) cap the
    users' top-nest elasticities; sticky wages put a floor under every nominal wage
    (``[parameters] wage_floor_pct`` below the baseline). Returns the economy and the
    `Capacity` (None without limits).
    """
    from tradewar.engine.capacity import capacity_for, short_run_economy

    table = scenario.chokepoints
    named = table.horizon is not None or table.sectors is not None
    capacity = None
    if named or scenario.ces.critical:
        # Supply limits need limited sectors: the table's, or the critical nest's. A horizon
        # inherited from the scenario without either limits no supply.
        capacity = capacity_for(world, scenario.chokepoint_settings(), scenario.ces.critical)
    if capacity is not None:
        econ = short_run_economy(econ, capacity)
    if scenario.horizon_parameters().wages == "sticky":
        floor = np.full(econ.va.shape, np.log1p(-scenario.parameters.wage_floor_pct / 100.0))
        econ = econ._replace(wage_floor=on_device(floor, np.float64))
    return econ, capacity
