"""The one Krylov solver of the engine: restarted GMRES on a matrix-free operator."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp


def gmres(
    matvec: Callable[[jnp.ndarray], jnp.ndarray],
    b: jnp.ndarray,
    *,
    x0: jnp.ndarray | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
    restart: int,
    maxiter: int,
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Solve ``A x = b`` for ``A`` given by ``matvec``; returns ``x`` and its relative residual.

    Stops when ``|A x - b| <= max(rtol |b|, atol)`` or after ``maxiter`` restarts of ``restart``
    steps (``jax.scipy.sparse.linalg.gmres``, batched Arnoldi). The relative residual
    ``|A x - b| / |b|`` is computed from the answer, so a caller can check it, never trust it.
    """
    x, _ = jax.scipy.sparse.linalg.gmres(
        matvec,
        b,
        x0=x0,
        tol=rtol,
        atol=atol,
        restart=restart,
        maxiter=maxiter,
        solve_method="batched",
    )
    return x, relative_residual(matvec, x, b)


def relative_residual(
    matvec: Callable[[jnp.ndarray], jnp.ndarray], x: jnp.ndarray, b: jnp.ndarray
) -> jnp.ndarray:
    """``|A x - b| / |b|`` (``|A x|`` when ``b`` is zero)."""
    norm_b = jnp.linalg.norm(b)
    return jnp.linalg.norm(matvec(x) - b) / jnp.where(norm_b > 0, norm_b, 1.0)
