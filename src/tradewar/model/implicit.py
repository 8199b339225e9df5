"""Differentiable equilibria: implicit differentiation through the solution.

`differentiable_solve` returns the equilibrium ``(x, log P_hat, X')`` as a function of the shock
that JAX can differentiate: the forward pass calls the ordinary solver, and derivatives come from
the implicit function theorem applied to the stacked equilibrium conditions
``F(z, shock) = 0`` (a custom VJP), never from differentiating solver iterations. The adjoint
system is solved densely for small economies and by GMRES for large ones, and its residual is
always checked.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from tradewar.model.economy import Economy, Shock
from tradewar.model.linear import gmres, relative_residual
from tradewar.model.solver import (
    Solution,
    SolverOptions,
    market_gaps,
    solve_arrays,
)

#: Up to this many unknowns the adjoint system is solved densely (``linear_solver="auto"``).
DENSE_LIMIT = 200
#: Above this many unknowns no dense fallback is attempted (its Jacobian would not fit).
DENSE_FALLBACK_LIMIT = 8000
#: Krylov vectors per GMRES restart.
GMRES_RESTART = 50
#: Basis vectors pushed through the Jacobian at once when it is built densely.
JACOBIAN_BATCH = 64


def _split(z: jnp.ndarray, n: int, shape: tuple[int, ...]):
    size = shape[0] * shape[1]
    return z[:n], z[n : n + size].reshape(shape), z[n + size :].reshape(shape)


def equilibrium_conditions(econ: Economy, shock: Shock, z: jnp.ndarray) -> jnp.ndarray:
    """Stacked residuals of eqs. 1–6 at ``z = [log w_hat, log P_hat, X' / X]`` (zero at a solution).

    Blocks: labour markets relative to each wage bill, with the numeraire (N); price indices in
    logs (N J); goods markets relative to each cell's baseline spending (N J). Each money
    equation is divided by the baseline size of the unknown it pins down, so the Jacobian is a
    similarity transform of the one in money: its diagonal blocks are near the identity and
    Krylov solvers converge in few steps. A cell with no baseline spending keeps ``X' = 0``
    through the equation ``X'/X - 1 = 0``.
    """
    n = econ.va.shape[0]
    x, log_P, x_rel = _split(z, n, econ.alpha.shape)
    gaps = market_gaps(econ, shock, x, log_P, x_rel * econ.expenditure)
    w = jnp.exp(x)
    weights = econ.va / jnp.sum(econ.va)
    safe_va = jnp.where(econ.va > 0, econ.va, 1.0)
    labour = (gaps.wage_demand - w * econ.va) / safe_va + weights * (jnp.sum(weights * w) - 1.0)
    spent = econ.expenditure > 0
    goods = jnp.where(spent, gaps.goods / jnp.where(spent, econ.expenditure, 1.0), x_rel - 1.0)
    return jnp.concatenate([labour, gaps.price.ravel(), goods.ravel()])


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
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """The equilibrium ``(w_hat, log P_hat, X', z, residual)``, differentiable in the inputs.

    Reverse-mode derivatives (``jax.grad``, ``jax.jacrev``) with respect to ``shock`` and
    ``econ`` come from the implicit function theorem: one adjoint solve of ``J_z^T lam = g``
    with the Jacobian of the equilibrium conditions (see `SolverOptions.linear_solver`). An
    adjoint solve that misses ``options.linear_tol`` yields NaN derivatives, never inaccurate
    ones. The forward solve is the ordinary solver, warm-started from ``start`` (a previous
    ``z``). ``residual`` is the solver's largest equilibrium residual, or ``+inf`` when the
    solution left the model's domain (negative spending or income) and NaN when it is not
    finite: callers must check it against ``options.tol``.
    """
    options = options or SolverOptions()
    n = econ.va.shape[0]
    if start is None:
        start = baseline_state(econ)
    z, residual = _solve_state(options, econ, shock, jax.lax.stop_gradient(start))
    x, log_P, x_rel = _split(z, n, econ.alpha.shape)
    return jnp.exp(x), log_P, x_rel * econ.expenditure, z, residual


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
        in_domain=jnp.asarray(True),
    )
    sol = solve_arrays(econ, shock, options, start=warm)
    residual = jnp.where(sol.in_domain, sol.max_residual, jnp.inf)
    return _pack(econ, sol), residual


def _solve_state_fwd(options, econ, shock, start):
    z, residual = _solve_state(options, econ, shock, start)
    return (z, residual), (econ, shock, z, start)


def _solve_state_bwd(options, residuals, cotangents):
    econ, shock, z, start = residuals
    cotangent = cotangents[0]  # the residual output carries no derivative
    adjoint = adjoint_solve(lambda v: equilibrium_conditions(econ, shock, v), z, cotangent, options)
    _, vjp_inputs = jax.vjp(lambda e, s: equilibrium_conditions(e, s, z), econ, shock)
    cot_econ, cot_shock = vjp_inputs(-adjoint)
    return cot_econ, cot_shock, jnp.zeros_like(start)


_solve_state.defvjp(_solve_state_fwd, _solve_state_bwd)


def dense_jacobian(conditions, z: jnp.ndarray) -> jnp.ndarray:
    """The Jacobian of ``conditions`` at ``z``, built by forward passes in batches of columns.

    Memory beyond the ``(dim, dim)`` result is that of `JACOBIAN_BATCH` tangents.
    """
    dim = z.size
    batches = -(-dim // JACOBIAN_BATCH)
    basis = jnp.eye(batches * JACOBIAN_BATCH, dim).reshape(batches, JACOBIAN_BATCH, dim)

    def columns(block):
        return jax.vmap(lambda v: jax.jvp(conditions, (z,), (v,))[1])(block)

    cols = jax.lax.map(columns, basis).reshape(batches * JACOBIAN_BATCH, dim)[:dim]
    return cols.T


def adjoint_solve(conditions, z: jnp.ndarray, g: jnp.ndarray, options: SolverOptions):
    """Solve ``J(z)^T lam = g`` for the Jacobian ``J`` of ``conditions`` at ``z``.

    ``"dense"``: an LU solve of the full Jacobian. ``"gmres"``: matrix-free restarted GMRES
    (``jax.scipy.sparse.linalg.gmres``, each product one VJP). ``"auto"``: dense up to
    `DENSE_LIMIT` unknowns; above it GMRES, falling back to the dense solve (up to
    `DENSE_FALLBACK_LIMIT` unknowns) when GMRES misses ``options.linear_tol``. Whatever the
    method, the relative residual of the answer is checked, and an answer that misses
    ``options.linear_tol`` is returned as NaN so that no caller can use it as a derivative.
    """
    dim = z.size
    method = options.linear_solver
    if method == "auto":
        method = "dense" if dim <= DENSE_LIMIT else "gmres"
    _, vjp_z = jax.vjp(conditions, z)

    def transpose_matvec(v):
        return vjp_z(v)[0]

    def dense(_):
        return jnp.linalg.solve(dense_jacobian(conditions, z).T, g)

    if method == "dense":
        x = dense(None)
    else:
        x, residual = gmres(
            transpose_matvec,
            g,
            rtol=options.linear_tol,
            restart=min(GMRES_RESTART, dim),
            maxiter=options.linear_maxiter,
        )
        if options.linear_solver == "auto" and dim <= DENSE_FALLBACK_LIMIT:
            missed = ~(residual <= options.linear_tol)
            x = jax.lax.cond(missed, dense, lambda _: x, None)
    ok = relative_residual(transpose_matvec, x, g) <= options.linear_tol
    return jnp.where(ok, x, jnp.nan)
