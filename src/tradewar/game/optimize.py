"""The one bounded optimiser of the strategy layer: L-BFGS-B on scaled variables.

Every search (best responses, cooperative tariffs, bargains) minimises a function of tariffs
``t`` within ``[lo, hi]``. `bounded_minimize` solves in the variables ``x = t * scale`` (so that
one unit is a comparable amount of trade everywhere) with the objective multiplied by
``objective_scale``, and returns the answer in tariffs with the gradient of the unscaled
objective, so callers test stationarity and binding bounds in their own units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


@dataclass(frozen=True)
class BoundedSearch:
    """The end of a bounded search, in the caller's units.

    ``x`` tariffs, ``value`` the objective, ``grad`` its gradient in tariffs; ``success`` the
    optimiser's own test, ``stationary`` that test or a vanishing projected gradient.
    """

    x: np.ndarray
    value: float
    grad: np.ndarray
    success: bool
    stationary: bool
    message: str
    iterations: int


def bounded_minimize(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    lo: float | np.ndarray,
    hi: float | np.ndarray,
    *,
    scale: float | np.ndarray = 1.0,
    objective_scale: float = 1.0,
    ftol: float,
    gtol: float,
    maxiter: int,
) -> BoundedSearch:
    """Minimise ``fun(t) -> (value, gradient)`` for ``t`` in ``[lo, hi]`` from ``x0``.

    Exceptions raised by ``fun`` (e.g. an evaluation that failed) propagate.
    """
    scale = np.broadcast_to(np.asarray(scale, dtype=float), np.shape(x0))
    low = np.broadcast_to(np.asarray(lo, dtype=float), np.shape(x0))
    high = np.broadcast_to(np.asarray(hi, dtype=float), np.shape(x0))

    def scaled(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = fun(x / scale)
        return objective_scale * value, objective_scale * np.asarray(grad) / scale

    res = minimize(
        scaled,
        np.clip(x0, low, high) * scale,
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(low * scale, high * scale, strict=True)),
        options={"maxiter": maxiter, "ftol": ftol, "gtol": gtol},
    )
    x = res.x / scale
    grad = res.jac * scale / objective_scale
    return BoundedSearch(
        x=x,
        value=float(res.fun) / objective_scale,
        grad=grad,
        success=bool(res.success),
        stationary=bool(res.success) or projected_stationary(x, grad, low, high),
        message=str(res.message),
        iterations=int(res.nit),
    )


def projected_stationary(
    x: np.ndarray,
    g: np.ndarray,
    lo: float | np.ndarray,
    hi: float | np.ndarray,
    tol: float = 1e-6,
) -> bool:
    """Projected-gradient test: no feasible direction improves the objective."""
    projected = np.where((x <= lo + 1e-12) & (g > 0), 0.0, g)
    projected = np.where((x >= hi - 1e-12) & (g < 0), 0.0, projected)
    return bool(np.max(np.abs(projected), initial=0.0) < tol)
