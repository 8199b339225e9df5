"""Government objectives as differentiable functions of tariffs (JAX).

* ``welfare``: exact real income, ``I_hat / prod_j P_hat_j^alpha_j``.
* ``political``: Ossa (2014) government welfare. Each sector's income — its value added (sales in
  the ``ossa`` model) plus its wage-bill share of tariff revenue — is weighted by the political
  weight ``lambda[n, j]`` and deflated by the same price index. With all weights one and balanced
  trade it equals ``welfare``.
"""

from __future__ import annotations

import jax.numpy as jnp

from tradewar.model.accounts import accounts, baseline_accounts, national_income
from tradewar.model.economy import Economy, Shock
from tradewar.model.implicit import differentiable_solve
from tradewar.model.solver import SolverOptions, _shares, _trade_weights, cost_structure

OBJECTIVES = ("welfare", "political")


def objective_values(
    econ: Economy,
    tau: jnp.ndarray,
    weights: jnp.ndarray | None = None,
    options: SolverOptions | None = None,
    start: jnp.ndarray | None = None,
    export_tax: jnp.ndarray | None = None,
    open_: jnp.ndarray | None = None,
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """``(welfare_hat, gov_welfare_hat, z, residual)`` of every country at tariffs ``tau``.

    Differentiable with respect to ``tau`` (implicit differentiation through the equilibrium).
    ``weights`` are the political weights ``(N, J)``; None means all ones. ``z`` is the solved
    state, to warm-start the next call through ``start``; ``residual`` the equilibrium's largest
    residual (``inf`` outside the model's domain, NaN if not finite), to check against the
    solver tolerance. ``export_tax`` and ``open_`` hold
    export controls that are part of the environment (fixed, not chosen).
    """
    shock = Shock(
        tau=tau,
        cost_hat=jnp.ones_like(tau),
        deficit=econ.deficit,
        export_tax=export_tax,
        open=open_,
    )
    w_hat, log_P, X, z, residual = differentiable_solve(econ, shock, options, start)
    log_c, gamma_va, _ = cost_structure(econ, jnp.log(w_hat), log_P)
    pi = _shares(_trade_weights(econ, shock), econ, log_c, log_P)
    price_index = jnp.exp(jnp.sum(econ.alpha * log_P, axis=1))

    acc1 = accounts(econ, tau, export_tax, pi, X, gamma_va)
    acc0 = baseline_accounts(econ)
    income1 = national_income(w_hat * econ.va, econ.deficit, acc1)
    income0 = national_income(econ.va, econ.deficit, acc0)
    welfare = income1 / income0 / price_index

    lam = jnp.ones_like(econ.alpha) if weights is None else weights

    def lobby(acc, revenue):
        wages = acc.wages
        share = wages / jnp.maximum(wages.sum(axis=1, keepdims=True), 1e-300)
        return jnp.sum(lam * (acc.value_added + share * revenue[:, None]), axis=1)

    revenue1 = acc1.tariff_revenue + acc1.export_tax_revenue
    gov = lobby(acc1, revenue1) / lobby(acc0, acc0.tariff_revenue) / price_index
    return welfare, gov, z, residual
