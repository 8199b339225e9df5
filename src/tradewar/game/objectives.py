"""Government objectives as differentiable functions of tariffs (JAX).

* ``welfare``: exact real income, ``I_hat / prod_j P_hat_j^alpha_j``.
* ``political``: Ossa (2014) government welfare. Each sector's income — its value added (sales in
  the ``ossa`` model) plus its wage-bill share of tariff revenue — is weighted by the political
  weight ``lambda[n, j]`` and deflated by the same price index. With all weights one and balanced
  trade it equals ``welfare``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from tradewar.model.accounts import accounts, baseline_accounts, national_income
from tradewar.model.economy import Economy, Shock
from tradewar.model.implicit import adjoint_solve, differentiable_solve
from tradewar.model.margins import (
    Margins,
    margins_baseline,
    margins_residuals,
    margins_state,
    margins_welfare,
    solve_margins,
)
from tradewar.model.solver import (
    SolverOptions,
    cost_structure,
    trade_shares,
    trade_weights,
)

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
    pi = trade_shares(trade_weights(econ, shock), econ, log_c, log_P)
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


def margins_objective(
    econ: Economy, margins: Margins, options: SolverOptions, open_: jnp.ndarray | None = None
):
    """Payoffs of the extended one-sector model as a differentiable function of tariffs.

    Returns ``values(tau, start) -> (welfare_hat, welfare_hat, z, residual)`` (government
    welfare is real income here: the model has no political weights); ``open_`` holds bans in
    force. The forward pass is the Newton solver; derivatives come from the implicit function
    theorem with the checked `tradewar.model.implicit.adjoint_solve` (a missed tolerance gives
    NaN gradients). ``residual`` is ``inf`` outside the model's domain.
    """
    base = margins_baseline(econ, margins)
    eps = econ.theta[0]
    ones = jnp.ones_like(econ.tau)

    def shock_of(tau):
        return Shock(tau=tau, cost_hat=ones, deficit=econ.deficit, open=open_)

    def conditions(z, tau):
        return margins_residuals(z, base, shock_of(tau), margins, eps)

    @jax.custom_vjp
    def solve(tau, start):
        sol = solve_margins(econ, shock_of(tau), margins, options.tol, 100, start)
        return sol.z, sol.max_residual

    def fwd(tau, start):
        z, residual = solve(tau, start)
        return (z, residual), (tau, z, start)

    def bwd(saved, cotangents):
        tau, z, start = saved
        adjoint = adjoint_solve(lambda v: conditions(v, tau), z, cotangents[0], options)
        _, vjp_tau = jax.vjp(lambda t: conditions(z, t), tau)
        return vjp_tau(-adjoint)[0], jnp.zeros_like(start)

    solve.defvjp(fwd, bwd)

    def values(tau, start):
        z, residual = solve(tau, jax.lax.stop_gradient(start))
        state = margins_state(z, base, shock_of(tau), margins, eps)
        welfare = margins_welfare(state, base, margins)
        in_domain = jnp.all(state.spending > 0) & jnp.all(state.income > 0)
        return welfare, welfare, z, jnp.where(in_domain, residual, jnp.inf)

    return values
