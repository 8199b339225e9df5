"""Engine inputs: the baseline as unlabelled arrays (a JAX pytree) and the policy shock.

Index names: ``n`` importer / user, ``i`` exporter, ``j`` and ``k`` sectors. Shapes use
``N`` countries and ``J`` sectors. Money values are in the world's currency unit; after a solve
they are in units of the numeraire, baseline world value added (which the solver holds fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.data.world import World
from tradewar.model.arrays import filled, on_device


class Economy(NamedTuple):
    """Baseline shares and levels of the multi-sector model (README, Models).

    Attributes
    ----------
    pi
        ``(N, N, J)`` expenditure share of importer ``n`` on exporter ``i`` in sector ``j``, tariffs
        included; sums to one over ``i`` for every ``(n, j)``.
    tau
        ``(N, N, J)`` baseline ad valorem tariffs (fractions) levied by ``n`` on ``i``.
    theta
        ``(J,)`` trade elasticities.
    gamma_va
        ``(N, J)`` value-added share of costs.
    gamma_io
        ``(N, J, J)`` share of input ``k`` (axis 1) in the costs of sector ``j`` (axis 2);
        ``gamma_va + gamma_io.sum(axis=1) == 1``.
    alpha
        ``(N, J)`` final-demand shares, summing to one over ``j``.
    va
        ``(N,)`` value added (wage bill) of each country.
    deficit
        ``(N,)`` trade deficit (imports minus exports, before tariffs); sums to zero.
    expenditure
        ``(N, J)`` sector spending including tariffs (used for warm starts and reporting).
    ces
        Nested-CES parameters (``ces-network``), or None for Cobb–Douglas.
    profit_share
        ``(N, J)`` share of value added paid out as profits rather than wages (``ossa``: ``1 /
        sigma``, the profits of a fixed number of firms), or None for none. Profits are national
        income but not labour demand; ``va`` is then the wage bill.
    wage_floor
        ``(N,)`` log of the lowest change of each country's nominal wage (sticky wages over a
        short horizon: 0 means wages cannot fall), or None for flexible wages. Where labour
        demand falls further, employment falls (`tradewar.model.equilibrium.wage_rate`).
    """

    pi: jnp.ndarray
    tau: jnp.ndarray
    theta: jnp.ndarray
    gamma_va: jnp.ndarray
    gamma_io: jnp.ndarray
    alpha: jnp.ndarray
    va: jnp.ndarray
    deficit: jnp.ndarray
    expenditure: jnp.ndarray
    ces: CESParams | None = None
    profit_share: jnp.ndarray | None = None
    wage_floor: jnp.ndarray | None = None


@partial(
    jax.tree_util.register_dataclass,
    data_fields=["sigma_top", "sigma_materials", "sigma_critical", "dependence"],
    meta_fields=["critical_index", "materials_cobb_douglas", "partial_dependence"],
)
@dataclass(frozen=True)
class CESParams:
    """Nested CES production of the ``ces-network`` model (None in ``caliendo-parro``).

    Costs of sector ``j`` combine value added, a *materials* bundle (the non-critical inputs) and a
    *critical* bundle (the input sectors in ``critical_index``) with elasticity ``sigma_top[j]``;
    inputs within each bundle combine with ``sigma_materials[j]`` and ``sigma_critical[j]``.
    Every elasticity equal to one is the Cobb–Douglas technology of Caliendo–Parro.

    With ``dependence[j] < 1`` only that share of sector ``j``'s output depends on the critical
    bundle: the sector is a Cobb–Douglas aggregate of a dependent line (weight ``dependence``,
    which buys all of the sector's critical inputs) and an independent line (which buys none),
    both with the sector's value added and materials in the same proportions
    (docs/ces_network.md). One reproduces the single nest exactly.

    Attributes
    ----------
    sigma_top, sigma_materials, sigma_critical
        ``(J,)`` elasticities of substitution by using sector, positive.
    dependence
        ``(J,)`` share of each using sector's output that depends on the critical bundle, in
        (0, 1]; None for one everywhere.
    critical_index
        Positions of the critical input sectors (static).
    materials_cobb_douglas
        True when every ``sigma_materials`` is one, which allows a cheaper evaluation (static).
    partial_dependence
        True when some ``dependence`` is below one (static).
    """

    sigma_top: jnp.ndarray
    sigma_materials: jnp.ndarray
    sigma_critical: jnp.ndarray
    dependence: jnp.ndarray | None = None
    critical_index: tuple[int, ...] = ()
    materials_cobb_douglas: bool = False
    partial_dependence: bool = False


class Shock(NamedTuple):
    """Counterfactual policies, in levels.

    Attributes
    ----------
    tau
        ``(N, N, J)`` new tariffs (fractions) that importer ``n`` levies on exporter ``i``.
    cost_hat
        ``(N, N, J)`` change in iceberg trade costs (1 = unchanged); no revenue.
    deficit
        ``(N,)`` deficits in units of the numeraire (baseline world value added).
    export_tax
        ``(N, N, J)`` export tax (fraction) that exporter ``i`` (axis 1) levies on sales to
        ``n``; its revenue goes to the exporter. None means no export taxes (the baseline has none).
    open
        ``(N, N, J)`` 1.0 where trade is allowed and 0.0 where exporter ``i`` bans sales to ``n``.
        None means no bans.
    import_rent
        ``(N, N, J)`` a quota's scarcity wedge (fraction of the tariff-inclusive border price)
        whose rent the importing country keeps (licences held by its buyers); None for none.
    dissipated
        ``(N, N, J)`` a quota's scarcity wedge whose rent is dissipated: it pays the importing
        country's workers for queues and paperwork (labour demand that produces nothing);
        None for none.
    """

    tau: jnp.ndarray
    cost_hat: jnp.ndarray
    deficit: jnp.ndarray
    export_tax: jnp.ndarray | None = None
    open: jnp.ndarray | None = None
    import_rent: jnp.ndarray | None = None
    dissipated: jnp.ndarray | None = None


def io_shares(world: World) -> Economy:
    """The input-output calibration of a `World` (Caliendo and Parro 2015).

    Cost shares of value added and of each input sector from the intermediate-use table
    (value added as the remainder, so that they sum to exactly one), final-demand shares of
    spending, value added from the value-added table. The ``caliendo-parro`` and ``ces-network``
    models start from it.
    """
    flows = world.flows
    Y = flows.sum(axis=0)
    safe_Y = np.where(Y > 0, Y, 1.0)
    gamma_io = np.where(Y[:, None, :] > 0, world.intermediates / safe_Y[:, None, :], 0.0)
    gamma_va = 1.0 - gamma_io.sum(axis=1)
    fd = world.final_demand
    total = fd.sum(axis=1, keepdims=True)
    alpha = fd / np.where(total > 0, total, 1.0)
    return _economy(world, gamma_va, gamma_io, alpha, world.value_added.sum(axis=1))


def gravity_shares(world: World, profit_share: np.ndarray | None = None) -> Economy:
    """The gravity calibration of a `World`: gross output is income, all spending is final.

    No intermediates (structural gravity): each country-sector's cost is its income, and
    spending shares are those of total spending. ``profit_share`` (``(N, J)``, in [0, 1)) is
    the share of each country-sector's sales that is profit (income but not wages, as in Ossa
    2014); value added is then the rest. The ``armington`` and ``ossa`` models start from it.
    """
    X = ((1.0 + world.tariffs) * world.flows).sum(axis=1)
    Y = world.flows.sum(axis=0)
    total = X.sum(axis=1, keepdims=True)
    alpha = X / np.where(total > 0, total, 1.0)
    labour = Y if profit_share is None else Y * (1.0 - profit_share)
    return _economy(
        world,
        np.ones_like(Y),
        np.zeros_like(world.intermediates),
        alpha,
        labour.sum(axis=1),
        profit_share,
    )


def _economy(
    world: World,
    gamma_va: np.ndarray,
    gamma_io: np.ndarray,
    alpha: np.ndarray,
    va: np.ndarray,
    profit_share: np.ndarray | None = None,
) -> Economy:
    """The `Economy` of ``world`` with the given cost shares, spending shares and value added.

    Trade shares, spending and the deficits (recentred so they sum to zero, each country's
    share of the sum in proportion to its value added) come from the world's flows and tariffs.
    """
    flows, tau = world.flows, world.tariffs
    spend_bilateral = (1.0 + tau) * flows
    X = spend_bilateral.sum(axis=1)
    eye = np.eye(world.n_countries)[:, :, None]
    pi = np.where(X[:, None, :] > 0, spend_bilateral / np.where(X > 0, X, 1.0)[:, None, :], eye)
    revenue = (tau * flows).sum(axis=(1, 2))
    deficit = X.sum(axis=1) - revenue - flows.sum(axis=0).sum(axis=1)
    deficit = deficit - deficit.sum() * va / va.sum()
    return Economy(
        pi=on_device(pi, np.float64),
        tau=on_device(tau, np.float64),
        theta=on_device(world.theta, np.float64),
        gamma_va=on_device(gamma_va, np.float64),
        gamma_io=on_device(gamma_io, np.float64),
        alpha=on_device(alpha, np.float64),
        va=on_device(va, np.float64),
        deficit=on_device(deficit, np.float64),
        expenditure=on_device(X, np.float64),
        profit_share=None if profit_share is None else on_device(profit_share, np.float64),
    )


def no_shock(economy: Economy) -> Shock:
    """The shock that changes nothing."""
    return Shock(
        tau=economy.tau,
        cost_hat=filled(tuple(economy.tau.shape), 1.0),
        deficit=economy.deficit,
    )
