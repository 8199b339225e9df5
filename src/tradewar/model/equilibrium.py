"""The equilibrium conditions in changes, as maps the solver iterates (JAX, float64).

Given log wage changes: unit costs and price indices (`cost_structure`, `_log_prices`, with
the nested CES of ``ces-network``), trade shares (`trade_shares`) and the goods market's
spending (`goods_market`, a contraction with a GMRES fallback). `tradewar.model.solver`
iterates wages on them; `tradewar.model.outcomes` and `tradewar.model.calibrate` read the same
equations.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from tradewar.model.accounts import (
    SpendingShares,
    accounts_from_shares,
    border_factor,
    national_income,
)
from tradewar.model.economy import Economy, Shock
from tradewar.model.linear import gmres

jax.config.update("jax_enable_x64", True)


def trade_weights(econ: Economy, shock: Shock) -> jnp.ndarray:
    """``A[n, i, j] = pi * (kappa_hat * d_hat)^(-theta)``: the shock part of the price index.

    ``kappa_hat`` includes the change in the tariff, the export tax and the importer-side quota
    wedges (the baseline has none); banned flows have ``A = 0``.
    """
    border = border_factor(shock.tau, shock.import_rent, shock.dissipated)
    kappa = border / (1.0 + econ.tau) * shock.cost_hat
    if shock.export_tax is not None:
        kappa = kappa * (1.0 + shock.export_tax)
    A = econ.pi * jnp.exp(-econ.theta * jnp.log(kappa))
    if shock.open is not None:
        A = A * shock.open
    return A


def _log_ces_mean(x, w, rho, axis):
    """``log( sum w exp(rho x) ) / rho`` along ``axis``; weights ``w`` sum to one (or zero).

    The log of a CES mean of ``exp(x)`` with exponent ``rho = 1 - sigma``. Near ``rho = 0``
    (sigma near one) the direct formula loses precision, so for ``|rho| < 1e-3`` a third-order
    expansion around the Cobb–Douglas mean is used (error of order ``rho^3 x^4``). Returns 0
    where the weights are all zero (an empty nest).
    """
    small = jnp.abs(rho) < 1e-3
    safe = jnp.where(small, 1.0, rho)
    total = jnp.sum(w, axis=axis)
    norm = jnp.where(total > 0, total, 1.0)
    direct = jax.nn.logsumexp(x * safe, axis=axis, b=w) / safe
    mean = jnp.sum(w * x, axis=axis) / norm
    dev = x - jnp.expand_dims(mean, axis)
    var = jnp.sum(w * dev**2, axis=axis) / norm
    skew = jnp.sum(w * dev**3, axis=axis) / norm
    series = mean + rho * var / 2.0 + rho**2 * skew / 6.0
    return jnp.where(total > 0, jnp.where(small, series, direct), 0.0)


def wage_rate(econ: Economy, log_w):
    """Log wage-rate changes ``(N,)`` at log wage-bill changes ``log_w``.

    With flexible wages (no `Economy.wage_floor`) the two are the same. With a floor, nominal
    wages cannot fall below it: where the wage bill falls further, the wage stays at the floor
    and employment falls (downward nominal wage rigidity, Rodríguez-Clare, Ulate and Vásquez,
    *Journal of Political Economy* 2026; the numeraire, world value added, is the nominal
    anchor).
    """
    if econ.wage_floor is None:
        return log_w
    return jnp.maximum(log_w, econ.wage_floor)


def cost_structure(econ: Economy, log_w, log_P):
    """Unit costs and cost shares at given wages and prices.

    ``log_w`` ``(N,)`` is the log change of each country's wage bill; with a wage floor
    (`Economy.wage_floor`, sticky nominal wages) the wage rate in costs is the larger of the two
    and employment takes the rest.

    Returns ``(log_c, gamma_va, gamma_io)``: log unit-cost changes ``(N, J)`` and the value-added
    ``(N, J)`` and input ``(N, J, J)`` cost shares at the new prices. Cobb–Douglas (eq. 1) keeps the
    baseline shares; the nested CES of ``ces-network`` updates them.
    """
    log_w = wage_rate(econ, log_w)
    if econ.ces is None:
        log_c = econ.gamma_va * log_w[:, None] + jnp.einsum("nkj,nk->nj", econ.gamma_io, log_P)
        return log_c, econ.gamma_va, econ.gamma_io
    ces = econ.ces
    n_sectors = econ.gamma_va.shape[1]
    idx = jnp.asarray(ces.critical_index, dtype=int)
    is_critical = jnp.zeros(n_sectors).at[idx].set(1.0)[None, :, None]  # (1, K, 1)
    # Materials bundle: every non-critical input.
    g_m = econ.gamma_io * (1.0 - is_critical)
    total_m = g_m.sum(axis=1)
    w_m = g_m / jnp.where(total_m > 0, total_m, 1.0)[:, None, :]
    if ces.materials_cobb_douglas:
        log_m = jnp.einsum("nkj,nk->nj", w_m, log_P)
        w_m_new = w_m
    else:
        rho_m = 1.0 - ces.sigma_materials
        log_m = _log_ces_mean(log_P[:, :, None], w_m, rho_m, axis=1)
        w_m_new = w_m * jnp.exp(rho_m[None, None, :] * (log_P[:, :, None] - log_m[:, None, :]))
    # Critical bundle: only the critical inputs (few), so it is cheap.
    g_c = econ.gamma_io[:, idx, :]  # (N, C, J)
    total_c = g_c.sum(axis=1)
    w_c = g_c / jnp.where(total_c > 0, total_c, 1.0)[:, None, :]
    rho_c = 1.0 - ces.sigma_critical
    log_P_c = log_P[:, idx][:, :, None]  # (N, C, 1)
    log_cb = _log_ces_mean(log_P_c, w_c, rho_c, axis=1)
    w_c_new = w_c * jnp.exp(rho_c[None, None, :] * (log_P_c - log_cb[:, None, :]))
    # Top nest: value added, materials, critical.
    rho_t = 1.0 - ces.sigma_top
    shares = jnp.stack([econ.gamma_va, total_m, total_c])  # (3, N, J)
    logs = jnp.stack([jnp.broadcast_to(log_w[:, None], econ.gamma_va.shape), log_m, log_cb])
    if ces.partial_dependence and ces.dependence is not None:
        log_c, top_new = _two_lines(shares, logs, rho_t, ces.dependence)
    else:
        log_c = _log_ces_mean(logs, shares, rho_t, axis=0)
        top_new = shares * jnp.exp(rho_t * (logs - log_c[None]))  # (3, N, J)
    gamma_io = top_new[1][:, None, :] * w_m_new
    gamma_io = gamma_io.at[:, idx, :].add(top_new[2][:, None, :] * w_c_new)
    return log_c, top_new[0], gamma_io


def _two_lines(shares, logs, rho_t, dependence):
    """The top nest of sectors only part of whose output depends on the critical bundle.

    ``shares`` ``(3, N, J)`` are the sector's baseline cost shares of value added, materials
    and the critical bundle, ``logs`` their log price changes and ``dependence`` ``(J,)`` the
    dependent share ``phi``. The dependent line spends ``gamma_C / phi`` on the critical bundle
    and the rest on value added and materials in the sector's proportions; the independent line
    spends nothing on it. The sector is their Cobb–Douglas aggregate with weights ``phi`` and
    ``1 - phi``, so at baseline prices its cost shares are the baseline ones. Returns the log
    unit-cost change ``(N, J)`` and the new cost shares ``(3, N, J)``.
    """
    phi = dependence[None, :]
    critical = shares[2]
    rest = 1.0 - critical
    dependent_critical = critical / phi
    scale = jnp.where(rest > 0, (1.0 - dependent_critical) / jnp.where(rest > 0, rest, 1.0), 0.0)
    free = jnp.where(rest > 0, 1.0 / jnp.where(rest > 0, rest, 1.0), 0.0)
    dependent = jnp.stack([shares[0] * scale, shares[1] * scale, dependent_critical])
    independent = jnp.stack([shares[0] * free, shares[1] * free, jnp.zeros_like(critical)])
    log_dep = _log_ces_mean(logs, dependent, rho_t, axis=0)
    log_ind = _log_ces_mean(logs, independent, rho_t, axis=0)
    log_c = phi * log_dep + (1.0 - phi) * log_ind
    top_new = phi * dependent * jnp.exp(rho_t * (logs - log_dep[None])) + (
        1.0 - phi
    ) * independent * jnp.exp(rho_t * (logs - log_ind[None]))
    return log_c, top_new


def _log_prices(A_by_sector, econ: Economy, log_w, log_P0, inner: InnerSolve):
    """Solve eqs. 1–2 for ``log P_hat`` (N, J); returns (log_P, log_c, last change).

    ``A_by_sector`` is the shock's `trade_weights`, `sector_major`; ``inner``
    (`InnerSolve`) gives the tolerance on the change of ``log P_hat`` and the cap.

    A sector that a country buys in the baseline but can no longer source from anyone (every
    supplier banned) has an infinite price: ``+inf``, which makes the solution non-finite and
    so reported as failed, never a silent zero.
    """
    tol, max_inner = inner.tol, inner.max_iterations
    bought = econ.pi.sum(axis=1) > 0

    def step(log_P):
        log_c, _, _ = cost_structure(econ, log_w, log_P)
        s = jnp.einsum("jin,ij->nj", A_by_sector, jnp.exp(-econ.theta * log_c))
        direct = -jnp.log(jnp.where(s > 0, s, 1.0)) / econ.theta
        return jnp.where(s > 0, direct, jnp.where(bought, jnp.inf, 0.0))

    def cond(state):
        k, _, change = state
        return (k < max_inner) & (change > tol)

    def body(state):
        k, log_P, _ = state
        new = step(log_P)
        return k + 1, new, jnp.max(jnp.abs(new - log_P))

    _, log_P, change = jax.lax.while_loop(cond, body, (0, log_P0, jnp.asarray(jnp.inf)))
    log_c, _, _ = cost_structure(econ, log_w, log_P)
    return log_P, log_c, change


def trade_shares(A, econ: Economy, log_c, log_P):
    """Counterfactual shares (eq. 3), ``(N, N, J)``."""
    return A * jnp.exp(-econ.theta * (log_c[None, :, :] - log_P[:, None, :]))


#: Largest ``|theta * log change|`` of a unit cost or price index for which `trade_shares_by_sector`
#: takes the exponential of each factor apart (their product stays far inside float64's range).
SEPARABLE_BELOW = 300.0


def trade_shares_by_sector(A_by_sector, econ: Economy, log_c, log_P):
    """`trade_shares` from `sector_major` weights, sector-major: ``(J, N, N)`` ``[j, i, n]``.

    With ``A_by_sector`` divided by the border wedges (`border_factor`), the shares at world
    prices.

    ``exp(-theta (log_c[i] - log_P[n]))`` is the product of an exporter's and an importer's
    factor, so ``2 N J`` exponentials serve the ``N^2 J`` shares (the same numbers to
    rounding). Where a factor could leave float64's range (an infinite price index, a change
    beyond `SEPARABLE_BELOW` in ``theta`` units) each share's exponential is taken whole.
    """
    theta = econ.theta[:, None]
    exporter = -theta * log_c.T  # (J, N)
    importer = theta * log_P.T  # (J, N)
    small = (jnp.max(jnp.abs(exporter)) < SEPARABLE_BELOW) & (
        jnp.max(jnp.abs(importer)) < SEPARABLE_BELOW
    )

    def separable(_):
        return A_by_sector * jnp.exp(exporter)[:, :, None] * jnp.exp(importer)[:, None, :]

    def whole(_):
        return A_by_sector * jnp.exp(exporter[:, :, None] + importer[:, None, :])

    return jax.lax.cond(small, separable, whole, None)


def _goods_map(shares: SpendingShares, shock: Shock, econ: Economy, gamma_va, gamma_io, wage_bill):
    """``X -> intermediate + final demand at spending X`` (eqs. 4–5), an affine map of ``X``."""

    def demand(X):
        acc = accounts_from_shares(econ, shares, X, gamma_va)
        income = national_income(wage_bill, shock.deficit, acc)
        return jnp.einsum("nkj,nj->nk", gamma_io, acc.output) + econ.alpha * income[:, None]

    return demand


class InnerSolve(NamedTuple):
    """How far an inner solve (price indices, goods market) goes.

    ``tol``: the largest change at which it stops (for spending, relative to world value
    added); ``max_iterations``: the cap; ``krylov``: whether the goods market falls back on
    GMRES when its contraction fails (without it the failure is flagged and left unsolved).
    """

    tol: float | jnp.ndarray
    max_iterations: int
    krylov: bool = True


def goods_market(
    shares: SpendingShares, shock: Shock, econ: Economy, gamma_va, gamma_io, w_hat, X0, inner
):
    """Solve the goods-market system (eqs. 4–5) for X' (N, J).

    ``shares`` (`SpendingShares`) split spending at the new trade shares; ``shock`` gives the
    deficits, ``w_hat`` ``(N,)`` the wage bills, ``X0`` ``(N, J)`` the start.

    The system is affine, ``X = T X + b``. It is iterated from the warm start while that
    contracts (the usual case); large import subsidies can make ``T`` expansive, and then the
    system is solved by GMRES instead (``inner.krylov``; without it the system is left
    unsolved). ``inner`` is an `InnerSolve`.
    Returns ``(X, relative residual, contraction_failed)``, the last a boolean scalar: True
    when GMRES solved the system, or, without the fallback, when nothing did.
    """
    tol, max_inner, fallback = inner
    demand = _goods_map(shares, shock, econ, gamma_va, gamma_io, w_hat * econ.va)
    scale = jnp.sum(econ.va)

    def cond(state):
        k, _, change = state
        return (k < max_inner) & (change > tol) & (change < 1e3)

    def body(state):
        k, X, _ = state
        new = demand(X)
        return k + 1, new, jnp.max(jnp.abs(new - X)) / scale

    # The first step always runs (the starting change is finite and above any tolerance).
    _, X, change = jax.lax.while_loop(cond, body, (0, X0, jnp.asarray(1.0)))

    def krylov(_):
        b = demand(jnp.zeros_like(X0))
        sol, _ = gmres(
            lambda v: v - (demand(v) - b), b, x0=X0, atol=tol * scale, restart=40, maxiter=20
        )
        return jnp.asarray(True), sol, jnp.max(jnp.abs(demand(sol) - sol)) / scale

    def unsolved(_):
        # Flagged, for the caller to solve again with the fallback. The branch applies the map
        # once more so that the program keeps the shape of the one with GMRES: XLA compiled
        # the bare loop 15-20% slower (warm NAFTA solve 15 -> 18 ms).
        return jnp.asarray(True), demand(X), change

    def contracted(_):
        return jnp.asarray(False), X, change

    # `lax.cond`, not a while loop that runs at most once: on XLA's CPU backend such a loop
    # around GMRES cost twice the rest of the solve even when it was never entered (NAFTA warm
    # solve 0.068 s against 0.020 s with the conditional). Under `jax.vmap` a batched predicate
    # would run both branches; nothing in tradewar batches solves.
    failed, X, change = jax.lax.cond(
        ~(change <= tol), krylov if fallback else unsolved, contracted, None
    )
    return X, change, failed
