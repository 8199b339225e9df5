"""``ces-network``: nested CES production with a low-substitution critical input.

The input-output calibration of ``caliendo-parro`` with the nests of the scenario's ``[ces]``
table (docs/ces_network.md): a top nest of value added and materials, materials split into a
critical bundle and the rest, and an optional share of each using sector that depends on the
critical bundle. All elasticities one is ``caliendo-parro`` exactly.
"""

from __future__ import annotations

import numpy as np

from tradewar.data.world import World
from tradewar.engine.models import EngineModel
from tradewar.errors import ScenarioError
from tradewar.model.arrays import on_device
from tradewar.model.economy import CESParams, Economy, io_shares
from tradewar.policy.scenario import CESSettings, per_code


class CESNetwork(EngineModel):
    """Caliendo–Parro with nested CES production (settings from ``[ces]``)."""

    name = "ces-network"
    nested_ces = True

    def shares(self, world: World) -> Economy:
        """The input-output calibration, without nests (`tradewar.model.economy.io_shares`)."""
        return io_shares(world)

    def economy(self, world: World, ces: CESSettings) -> Economy:
        """The input-output calibration with the nests of ``ces``, checked against ``world``."""
        return io_shares(world)._replace(ces=ces_params(world, ces))


MODEL = CESNetwork()


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
