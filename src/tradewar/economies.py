"""The engine's economy for a model: one builder for the scenario, game and negotiation layers.

`economy_for` turns a world and a model name (with the ``[ces]`` settings of ``ces-network``)
into the `Economy` the solver takes; `ces_params` checks the settings against the world. The
engine (`tradewar.model`) never reads scenario settings itself.
"""

from __future__ import annotations

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.model.arrays import on_device
from tradewar.model.economy import CESParams, Economy, economy_from_world
from tradewar.policy.scenario import CESSettings, per_code


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
    return CESParams(
        sigma_top=on_device(_per_sector(world, settings.sigma_top, "ces.sigma_top"), np.float64),
        sigma_materials=on_device(materials, np.float64),
        sigma_critical=on_device(
            _per_sector(world, settings.sigma_critical, "ces.sigma_critical"), np.float64
        ),
        critical_index=tuple(int(k) for k in np.flatnonzero(critical)),
        materials_cobb_douglas=bool(np.all(materials == 1.0)),
    )


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
