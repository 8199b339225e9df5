"""The engine's economy for a model: one builder for the scenario, game and negotiation layers.

`economy_for` turns a world and a model name (with the ``[ces]`` settings of ``ces-network``)
into the `Economy` the solver takes; `ces_params` checks the settings against the world. The
engine (`tradewar.model`) never reads scenario settings itself.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.model.arrays import on_device
from tradewar.model.economy import CESParams, Economy, economy_from_world
from tradewar.policy.scenario import CESSettings, Scenario, per_code

if TYPE_CHECKING:
    from tradewar.rationing import Capacity


def _per_sector(world: World, value: float | dict[str, float], key: str) -> np.ndarray:
    out = per_code(world.sectors, value, key, 1.0)
    bad = np.flatnonzero(~(out > 0) | ~np.isfinite(out))
    if bad.size:
        raise ScenarioError(
            f"elasticity {out[bad[0]]} for sector {world.sectors[bad[0]]} must be positive",
            key=key,
        )
    return out


def ces_params(world: World, settings: CESSettings) -> CESParams:
    """Check ``settings`` against ``world`` and return the engine's `CESParams`."""
    critical = np.zeros(world.n_sectors)
    for code in settings.critical:
        if code not in world.sectors:
            raise ScenarioError(
                f"unknown sector '{code}' (valid: {', '.join(world.sectors)})",
                key="ces.critical",
            )
        critical[world.sectors.index(code)] = 1.0
    materials = _per_sector(world, settings.sigma_materials, "ces.sigma_materials")
    dependence = _dependence(world, settings, critical > 0)
    partial = bool(np.any(dependence < 1.0))
    return CESParams(
        sigma_top=on_device(_per_sector(world, settings.sigma_top, "ces.sigma_top"), np.float64),
        sigma_materials=on_device(materials, np.float64),
        sigma_critical=on_device(
            _per_sector(world, settings.sigma_critical, "ces.sigma_critical"), np.float64
        ),
        dependence=on_device(dependence, np.float64) if partial else None,
        critical_index=tuple(int(k) for k in np.flatnonzero(critical)),
        materials_cobb_douglas=bool(np.all(materials == 1.0)),
        partial_dependence=partial,
    )


def _dependence(world: World, settings: CESSettings, critical: np.ndarray) -> np.ndarray:
    """``(J,)`` share of each using sector that depends on the critical bundle, checked.

    It must lie in (0, 1] and, where the sector buys critical inputs, be at least the largest
    cost share they have in any country (the dependent line cannot spend more than all of its
    costs on them).
    """
    key = "ces.critical_dependence"
    share = per_code(world.sectors, settings.critical_dependence, key, 1.0)
    bad = np.flatnonzero(~((share > 0) & (share <= 1)))
    if bad.size:
        raise ScenarioError(
            f"critical dependence {share[bad[0]]} of sector {world.sectors[bad[0]]} must be in "
            "(0, 1]",
            key=key,
        )
    output = world.gross_output
    inputs = world.intermediates[:, critical, :].sum(axis=1)  # (N, J) before tariffs
    cost = np.where(output > 0, inputs / np.where(output > 0, output, 1.0), 0.0).max(axis=0)
    short = np.flatnonzero(share < cost)
    if short.size:
        j = short[0]
        raise ScenarioError(
            f"critical dependence {share[j]} of sector {world.sectors[j]} is below the cost "
            f"share of its critical inputs ({cost[j]:.3g})",
            key=key,
        )
    return share


def economy_for(world: World, model: str, ces: CESSettings | dict | None = None) -> Economy:
    """The baseline `Economy` of ``world`` under ``model``.

    ``ces`` (a `CESSettings` or its table as a dict) sets the nests of ``ces-network`` and is
    ignored by the other models. Raises `ScenarioError` for an unknown model or bad settings.
    """
    from tradewar.registry import check_model

    check_model(model)
    econ = economy_from_world(world, model)
    if model == "ces-network":
        settings = ces if isinstance(ces, CESSettings) else CESSettings.model_validate(ces or {})
        econ = econ._replace(ces=ces_params(world, settings))
    return econ


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

    Short-run supply limits (``[chokepoints]``, `tradewar.rationing.capacity_for`) cap the
    users' top-nest elasticities; sticky wages put a floor under every nominal wage
    (``[parameters] wage_floor_pct`` below the baseline). Returns the economy and the
    `Capacity` (None without limits).
    """
    from tradewar.rationing import capacity_for, short_run_economy

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
