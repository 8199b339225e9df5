"""Differentiable equilibria: implicit differentiation through the solution.

`differentiable_solve` returns the equilibrium ``(x, log P_hat, X')`` as a function of the shock
that JAX can differentiate: the forward pass calls the ordinary solver, and derivatives come from
the implicit function theorem applied to the stacked equilibrium conditions
``F(z, shock) = 0`` (a custom VJP), never from differentiating solver iterations. The adjoint
system is solved densely for small economies and by GMRES for large ones.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from tradewar.model.economy import Economy, Shock
from tradewar.model.solver import (
    Solution,
    SolverOptions,
    market_gaps,
    solve_arrays,
)

#: Above this many unknowns the tangent systems are solved by GMRES instead of densely.
DENSE_LIMIT = 1500


def _gmres(matvec, b, restart: int = 60, max_restarts: int = 30, tol: float = 1e-12):
    """Restarted GMRES with modified Gram–Schmidt, in plain JAX loops.

    Used for the adjoint systems of large economies (matrix-free: ``matvec`` is a VJP).
    """
    norm_b = jnp.linalg.norm(b)
    scale = jnp.where(norm_b > 0, norm_b, 1.0)

    def cycle(x):
        r = b - matvec(x)
        beta = jnp.linalg.norm(r)
        V = jnp.zeros((restart + 1, b.size)).at[0].set(r / jnp.where(beta > 0, beta, 1.0))
        H = jnp.zeros((restart + 1, restart))

        def arnoldi(k, carry):
            V, H = carry
            w = matvec(V[k])
            for_h = jnp.where(jnp.arange(restart + 1) <= k, V @ w, 0.0)
            w = w - for_h @ V
            h_next = jnp.linalg.norm(w)
            V = V.at[k + 1].set(w / jnp.where(h_next > 0, h_next, 1.0))
            H = H.at[:, k].set(for_h.at[k + 1].set(h_next))
            return V, H

        V, H = jax.lax.fori_loop(0, restart, arnoldi, (V, H))
        e1 = jnp.zeros(restart + 1).at[0].set(beta)
        y, *_ = jnp.linalg.lstsq(H, e1)
        return x + V[:restart].T @ y

    def cond(state):
        k, _, res = state
        return (k < max_restarts) & (res > tol * scale)

    def body(state):
        k, x, _ = state
        x = cycle(x)
        return k + 1, x, jnp.linalg.norm(b - matvec(x))

    _, x, _ = jax.lax.while_loop(cond, body, (0, jnp.zeros_like(b), jnp.inf))
    return x


def _split(z: jnp.ndarray, n: int, shape: tuple[int, ...]):
    size = shape[0] * shape[1]
    return z[:n], z[n : n + size].reshape(shape), z[n + size :].reshape(shape)


def equilibrium_conditions(econ: Economy, shock: Shock, z: jnp.ndarray) -> jnp.ndarray:
    """Stacked residuals of eqs. 1–6 at ``z = [log w_hat, log P_hat, X' / X]`` (zero at a solution).

    Blocks: labour markets with the numeraire (N), price indices (N J), goods markets (N J,
    relative to world value added).
    """
    n = econ.va.shape[0]
    x, log_P, x_rel = _split(z, n, econ.alpha.shape)
    price, goods, wage_demand, _ = market_gaps(econ, shock, x, log_P, x_rel * econ.expenditure)
    w = jnp.exp(x)
    scale = jnp.sum(econ.va)
    weights = econ.va / scale
    labour = (wage_demand - w * econ.va) / scale + weights * (jnp.sum(weights * w) - 1.0)
    goods = goods / scale
    return jnp.concatenate([labour, price.ravel(), goods.ravel()])


def baseline_state(econ: Economy) -> jnp.ndarray:
    """The stacked state ``z`` of the baseline: no wage or price change, spending unchanged."""
    n, size = econ.va.shape[0], econ.alpha.size
    return jnp.concatenate([jnp.zeros(n + size), jnp.ones(size)])


def _pack(econ: Economy, sol: Solution) -> jnp.ndarray:
    safe = jnp.where(econ.expenditure > 0, econ.expenditure, 1.0)
    x_rel = jnp.where(econ.expenditure > 0, sol.expenditure / safe, 1.0)
    return jnp.concatenate([jnp.log(sol.w_hat), sol.log_P_hat.ravel(), x_rel.ravel()])


def differentiable_solve(
    econ: Economy,
    shock: Shock,
    options: SolverOptions | None = None,
    start: jnp.ndarray | None = None,
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """The equilibrium ``(w_hat, log P_hat, X', z)``, differentiable with respect to the inputs.

    Reverse-mode derivatives (``jax.grad``, ``jax.jacrev``) with respect to ``shock`` and
    ``econ`` come from the implicit function theorem: one adjoint solve of ``J_z^T lam = g``
    with the Jacobian of the equilibrium conditions, densely for small economies and by GMRES
    for large ones. The forward solve is the ordinary solver, warm-started from ``start`` (a
    previous ``z``). Cells with zero baseline spending keep ``X' = 0``.
    """
    options = options or SolverOptions()
    n = econ.va.shape[0]
    if start is None:
        start = baseline_state(econ)
    z = _solve_state(options, econ, shock, jax.lax.stop_gradient(start))
    x, log_P, x_rel = _split(z, n, econ.alpha.shape)
    return jnp.exp(x), log_P, x_rel * econ.expenditure, z


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _solve_state(options: SolverOptions, econ: Economy, shock: Shock, start: jnp.ndarray):
    n = econ.va.shape[0]
    x0, log_P0, x_rel0 = _split(start, n, econ.alpha.shape)
    warm = Solution(
        w_hat=jnp.exp(x0),
        log_P_hat=log_P0,
        expenditure=x_rel0 * econ.expenditure,
        pi=econ.pi,
        iterations=jnp.asarray(0),
        max_residual=jnp.asarray(0.0),
        inner_residual=jnp.asarray(0.0),
    )
    return _pack(econ, solve_arrays(econ, shock, options, start=warm))


def _solve_state_fwd(options, econ, shock, start):
    z = _solve_state(options, econ, shock, start)
    return z, (econ, shock, z, start)


def _solve_state_bwd(options, residuals, cotangent):
    econ, shock, z, start = residuals
    dim = z.size

    def conditions_z(v):
        return equilibrium_conditions(econ, shock, v)

    if dim <= DENSE_LIMIT:
        jacobian = jax.jacfwd(conditions_z)(z)
        adjoint = jnp.linalg.solve(jacobian.T, cotangent)
    else:
        _, vjp_z = jax.vjp(conditions_z, z)
        adjoint = _gmres(lambda v: vjp_z(v)[0], cotangent)
    _, vjp_inputs = jax.vjp(lambda e, s: equilibrium_conditions(e, s, z), econ, shock)
    cot_econ, cot_shock = vjp_inputs(-adjoint)
    return cot_econ, cot_shock, jnp.zeros_like(start)


_solve_state.defvjp(_solve_state_fwd, _solve_state_bwd)
