"""Government objectives as differentiable functions of tariffs (JAX).

* ``welfare``: exact real income, ``I_hat / prod_j P_hat_j^alpha_j``.
* ``political``: Ossa (2014) government welfare. Each sector's income — its value added (sales in
  the ``ossa`` model) plus its wage-bill share of tariff revenue — is weighted by the political
  weight ``lambda[n, j]`` and deflated by the same price index. With all weights one and balanced
  trade it equals ``welfare``.
"""

from __future__ import annotations

import jax.numpy as jnp

from tradewar.model.economy import Economy, Shock
from tradewar.model.implicit import differentiable_solve
from tradewar.model.solver import SolverOptions, _shares, _trade_weights, cost_structure

OBJECTIVES = ("welfare", "political")


def _income_parts(econ: Economy, tau, pi, X, gamma_va, export_tax=None):
    """Value added (incl. profits), wage bill by sector and trade-tax revenue at given shares.

    Revenue is the importer's tariff revenue plus, with export taxes, the exporter's export-tax
    revenue.
    """
    flows = pi * X[:, None, :] / (1.0 + tau)
    revenue = jnp.sum(tau * flows, axis=(1, 2))
    if export_tax is not None:
        revenue = revenue + jnp.sum(flows * export_tax / (1.0 + export_tax), axis=(0, 2))
        flows = flows / (1.0 + export_tax)
    Y = flows.sum(axis=0)
    va_sector = gamma_va * Y
    wages = va_sector if econ.profit_share is None else va_sector * (1.0 - econ.profit_share)
    return va_sector, wages, revenue


def objective_values(
    econ: Economy,
    tau: jnp.ndarray,
    weights: jnp.ndarray | None = None,
    options: SolverOptions | None = None,
    start: jnp.ndarray | None = None,
    export_tax: jnp.ndarray | None = None,
    open_: jnp.ndarray | None = None,
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """``(welfare_hat, gov_welfare_hat, z)`` of every country at tariffs ``tau``.

    Differentiable with respect to ``tau`` (implicit differentiation through the equilibrium).
    ``weights`` are the political weights ``(N, J)``; None means all ones. ``z`` is the solved
    state, to warm-start the next call through ``start``. ``export_tax`` and ``open_`` hold
    export controls that are part of the environment (fixed, not chosen).
    """
    shock = Shock(
        tau=tau,
        cost_hat=jnp.ones_like(tau),
        deficit=econ.deficit,
        export_tax=export_tax,
        open=open_,
    )
    w_hat, log_P, X, z = differentiable_solve(econ, shock, options, start)
    log_c, gamma_va, _ = cost_structure(econ, jnp.log(w_hat), log_P)
    pi = _shares(_trade_weights(econ, shock), econ, log_c, log_P)
    price_index = jnp.exp(jnp.sum(econ.alpha * log_P, axis=1))

    va1, wages1, rev1 = _income_parts(econ, tau, pi, X, gamma_va, export_tax)
    va0, wages0, rev0 = _income_parts(econ, econ.tau, econ.pi, econ.expenditure, econ.gamma_va)
    income1 = va1.sum(axis=1) + rev1 + econ.deficit
    income0 = va0.sum(axis=1) + rev0 + econ.deficit
    welfare = income1 / income0 / price_index

    lam = jnp.ones_like(econ.alpha) if weights is None else weights

    def lobby(va, wages, revenue):
        share = wages / jnp.maximum(wages.sum(axis=1, keepdims=True), 1e-300)
        return jnp.sum(lam * (va + share * revenue[:, None]), axis=1)

    gov = lobby(va1, wages1, rev1) / lobby(va0, wages0, rev0) / price_index
    return welfare, gov, z
