"""Build the nested-CES parameters of the ``ces-network`` model from scenario settings."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.model.economy import CESParams
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
        sigma_top=jnp.asarray(_per_sector(world, settings.sigma_top, "ces.sigma_top")),
        sigma_materials=jnp.asarray(materials),
        sigma_critical=jnp.asarray(
            _per_sector(world, settings.sigma_critical, "ces.sigma_critical")
        ),
        critical_index=tuple(int(k) for k in np.flatnonzero(critical)),
        materials_cobb_douglas=bool(np.all(materials == 1.0)),
    )
