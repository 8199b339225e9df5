"""Turn policies into the engine's shock arrays for a given world."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.policy.policies import Selector, Tariff, TradeCost


def _select(selector: Selector, valid: tuple[str, ...], key: str) -> np.ndarray:
    codes = [selector] if isinstance(selector, str) else list(selector)
    if "*" in codes:
        return np.ones(len(valid), dtype=bool)
    mask = np.zeros(len(valid), dtype=bool)
    lookup = {c: k for k, c in enumerate(valid)}
    for code in codes:
        if code not in lookup:
            shown = ", ".join(valid[:15]) + (", ..." if len(valid) > 15 else "")
            raise ScenarioError(f"unknown code '{code}' (valid: {shown})", key=key)
        mask[lookup[code]] = True
    return mask


def policy_mask(world: World, policy: Tariff | TradeCost, key: str) -> np.ndarray:
    """Boolean ``(N, N, J)`` mask of the importer-exporter-sector cells a policy touches."""
    imp = _select(policy.importer, world.countries, f"{key}.importer")
    exp = _select(policy.exporter, world.countries, f"{key}.exporter")
    sec = _select(policy.sectors, world.sectors, f"{key}.sectors")
    mask = imp[:, None, None] & exp[None, :, None] & sec[None, None, :]
    return mask & ~np.eye(world.n_countries, dtype=bool)[:, :, None]


def apply_policies(
    world: World,
    policies: Sequence[Tariff | TradeCost],
    tariffs: np.ndarray,
    cost_hat: np.ndarray,
    key_prefix: str = "policy",
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``policies`` in order on top of ``tariffs`` (fractions) and ``cost_hat``.

    Returns new arrays; the inputs are not modified. Raises `ScenarioError` naming the policy
    key for unknown codes, unknown tariff tables or tariffs that end at or below -100%.
    """
    tariffs, cost_hat = tariffs.copy(), cost_hat.copy()
    for k, policy in enumerate(policies):
        key = f"{key_prefix}[{k}]"
        mask = policy_mask(world, policy, key)
        if isinstance(policy, Tariff):
            if policy.set_pct is not None:
                tariffs[mask] = policy.set_pct / 100.0
            elif policy.add_pct is not None:
                tariffs[mask] = tariffs[mask] + policy.add_pct / 100.0
            else:
                label = str(policy.set_from)
                if label not in world.tariff_tables:
                    available = ", ".join(world.tariff_tables) or "none"
                    raise ScenarioError(
                        f"world '{world.name}' has no tariff table '{label}' "
                        f"(tariffs_{label}.csv); available: {available}",
                        key=f"{key}.set_from",
                    )
                tariffs[mask] = world.tariff_tables[label][mask]
            if np.any(tariffs[mask] <= -1.0):
                raise ScenarioError("the resulting tariff is at or below -100%", key=key)
        elif isinstance(policy, TradeCost):
            cost_hat[mask] = cost_hat[mask] * policy.cost_factor
    return tariffs, cost_hat
