"""The export controls in force in every payoff of a game (its environment)."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.policy.shocks import PolicyState, apply_policies, check_open_feasible


class ControlArrays(NamedTuple):
    """Export controls in force as arrays ``(N, N, J)`` ``[importer, exporter, sector]``.

    ``export_tax``: the exporters' taxes (fractions, above -1); ``open``: 1 where the flow is
    allowed, 0 where it is banned.
    """

    export_tax: np.ndarray
    open: np.ndarray


def environment_arrays(
    world: World, pi: np.ndarray, base_tau: np.ndarray, controls: list | ControlArrays | None
) -> tuple[jnp.ndarray | None, jnp.ndarray | None]:
    """The export taxes and open flows of a game's environment (None, None without).

    Parameters
    ----------
    world
        The game's world.
    pi
        ``(N, N, J)`` baseline trade shares, to refuse a ban that leaves a good unsourced.
    base_tau
        ``(N, N, J)`` baseline tariffs.
    controls
        `ExportControl` policies (bans and export taxes, no quotas) or `ControlArrays`.

    Returns
    -------
    export_tax, open
        ``(N, N, J)`` arrays, or None and None without controls.

    Raises
    ------
    ScenarioError
        For arrays of the wrong shape or taxes at or below -100% (key ``environment``), a
        quota (key ``controls``) or an infeasible ban.
    """
    if isinstance(controls, ControlArrays):
        export_tax, is_open = (np.asarray(a, dtype=float) for a in controls)
        shape = base_tau.shape
        if export_tax.shape != shape or is_open.shape != shape:
            raise ScenarioError(f"environment arrays must have shape {shape}", key="environment")
        if not (np.all(np.isfinite(export_tax)) and np.all(export_tax > -1.0)):
            raise ScenarioError(
                "environment export taxes must be finite and above -100%", key="environment"
            )
        check_open_feasible(world, is_open, pi, "environment")
        return jnp.asarray(export_tax), jnp.asarray(is_open)
    if not controls:
        return None, None
    state = apply_policies(world, controls, PolicyState.baseline(base_tau), "controls")
    if np.any(np.isfinite(state.quota)):
        raise ScenarioError(
            "quotas cannot be part of a game environment; use tax_pct", key="controls"
        )
    check_open_feasible(world, state.open, pi, "controls")
    return jnp.asarray(state.export_tax), jnp.asarray(state.open)
