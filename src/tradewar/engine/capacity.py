"""Short-run capacity of critical inputs: who is limited, how stocks soften a cut-off.

`capacity_for` reads a scenario's ``[chokepoints]`` settings into a `Capacity` (the limited
producers, their headroom, supply elasticity and the buyers' stocks); `short_run_economy`
caps the users' elasticities over the horizon; `with_stocks` turns bans and quotas on a
limited input into quotas the stocks cover. The rationing solve (`tradewar.engine.rationing`)
prices the limits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.model.arrays import on_device
from tradewar.model.economy import Economy
from tradewar.policy.chokepoints import ChokepointSettings, HorizonParameters
from tradewar.policy.scenario import per_code
from tradewar.policy.shocks import PolicyState


@dataclass(frozen=True)
class Capacity:
    """Short-run supply limits of a world's producers.

    Attributes
    ----------
    limited
        ``(N, J)`` True for a producer and sector whose output is capacity-limited.
    headroom
        ``(N, J)`` capacity relative to baseline output (``1 + spare capacity``).
    elasticity
        ``(N, J)`` supply elasticity above capacity (``inf`` where not limited).
    sectors
        Positions of the capacity-limited sectors.
    stock_cover
        Share of the horizon that buyers' stocks of a cut-off supply last, in [0, 1].
    horizon
        The horizon's name and its numbers (for reports).
    """

    limited: np.ndarray
    headroom: np.ndarray
    elasticity: np.ndarray
    sectors: tuple[int, ...]
    stock_cover: float
    horizon: str
    parameters: HorizonParameters


def capacity_for(
    world: World, settings: ChokepointSettings, critical: list[str] | tuple[str, ...] = ()
) -> Capacity | None:
    """The `Capacity` of ``world`` under a ``[chokepoints]`` table (None: the long run).

    ``critical`` (the ``[ces] critical`` sectors) is the default list of limited sectors.
    Raises `ScenarioError` naming the key for unknown sectors or countries, or for limits with
    no sector named.
    """
    if not settings.active:
        return None
    codes = list(settings.sectors) if settings.sectors is not None else list(critical)
    if not codes:
        raise ScenarioError(
            "name the capacity-limited input sectors: [chokepoints] sectors = [...] "
            "(by default the [ces] critical sectors, and there are none)",
            key="chokepoints.sectors",
        )
    sectors = []
    for code in codes:
        if code not in world.sectors:
            raise ScenarioError(
                f"unknown sector '{code}' (valid: {', '.join(world.sectors)})",
                key="chokepoints.sectors",
            )
        sectors.append(world.sectors.index(code))
    params = settings.parameters()
    eta = per_code(
        world.countries,
        settings.elasticity_table(),
        "chokepoints.supply_elasticity",
        params.supply_elasticity,
        "country",
    )
    producing = world.gross_output > 0
    in_sectors = np.zeros(world.n_sectors, dtype=bool)
    in_sectors[sectors] = True
    limited = producing & in_sectors[None, :] & np.isfinite(eta)[:, None]
    return Capacity(
        limited=limited,
        headroom=np.full(limited.shape, 1.0 + params.spare_capacity_pct / 100.0),
        elasticity=np.where(limited, eta[:, None], np.inf),
        sectors=tuple(sectors),
        stock_cover=params.stock_cover,
        horizon=settings.horizon or "long",
        parameters=params,
    )


def chokepoint_meta(world: World, econ: Economy, capacity: Capacity | None) -> dict:
    """What a result records about its limits (empty in the long run).

    The horizon and its numbers, the limited sectors and, as an ``(N, J)`` list of booleans,
    the sectors that buy them.
    """
    if capacity is None:
        return {}
    users = np.asarray(econ.gamma_io)[:, list(capacity.sectors), :].sum(axis=1) > 0
    params = capacity.parameters
    return {
        "chokepoint_sectors": [world.sectors[k] for k in capacity.sectors],
        "chokepoint_users": users.tolist(),
        "horizon": {
            "name": capacity.horizon,
            "weeks": params.weeks,
            "supply_elasticity": params.supply_elasticity,
            "spare_capacity_pct": params.spare_capacity_pct,
            "inventory_weeks": params.inventory_weeks,
            "sigma_top_cap": params.sigma_top_cap,
        },
    }


def short_run_economy(econ: Economy, capacity: Capacity) -> Economy:
    """``econ`` with the horizon's cap on the top-nest elasticity of the limited inputs' users.

    Applies to ``ces-network`` economies whose critical nest holds a limited sector: every using
    sector that buys it anywhere gets ``sigma_top = min(sigma_top, cap)``. Other economies, and
    horizons without a cap, are returned unchanged.
    """
    cap = capacity.parameters.sigma_top_cap
    if econ.ces is None or not np.isfinite(cap):
        return econ
    nested = [k for k in capacity.sectors if k in econ.ces.critical_index]
    if not nested:
        return econ
    users = np.any(np.asarray(econ.gamma_io)[:, nested, :] > 0, axis=(0, 1))
    sigma = np.asarray(econ.ces.sigma_top)
    capped = on_device(np.where(users, np.minimum(sigma, cap), sigma), np.float64)
    return econ._replace(ces=replace(econ.ces, sigma_top=capped))


def with_stocks(state: PolicyState, capacity: Capacity, pi: np.ndarray) -> PolicyState:
    """``state`` with bans and quotas on limited sectors softened by buyers' stocks.

    Stocks of ``cover`` (a share of the horizon) of normal use, drawn down evenly over the
    horizon, add ``cover`` of the baseline quantity to what a cut to a share ``q`` of it (0 for
    a ban) lets through: the quota becomes ``min(q + cover, 1)``. Flows with no baseline trade
    and quotas above the baseline are left alone. With no stocks (``cover = 0``) the state is
    returned unchanged.
    """
    cover = capacity.stock_cover
    if cover <= 0.0:
        return state
    in_sectors = np.zeros(pi.shape[2], dtype=bool)
    in_sectors[list(capacity.sectors)] = True
    traded = (pi > 0) & in_sectors[None, None, :]
    banned = traded & (state.open == 0)
    cut = np.where(banned, 0.0, state.quota)
    soft = traded & (banned | (np.isfinite(cut) & (cut < 1.0)))
    quota = state.quota.copy()
    quota[soft] = np.minimum(cut[soft] + cover, 1.0)
    is_open = state.open.copy()
    is_open[banned] = 1.0
    return replace(state, open=is_open, quota=quota)
