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
from scipy.optimize import OptimizeResult, minimize


@dataclass(frozen=True)
class BoundedSearch:
    """The end of a bounded search, in the caller's units.

    ``x`` tariffs, ``value`` the objective, ``grad`` its gradient in tariffs; ``success`` the
    optimiser's own stopping test (which L-BFGS-B also passes when the objective merely stopped
    falling), ``stationary`` the measured test alone: the projected gradient at ``x`` is below
    `STATIONARITY_TOL`. ``restarts`` counts the searches restarted from their end point because
    they stopped on the function change with a projected gradient still above it.
    """

    x: np.ndarray
    value: float
    grad: np.ndarray
    success: bool
    stationary: bool
    message: str
    iterations: int
    restarts: int = 0


#: Largest projected gradient of a stationary point, objective units per unit of tariff (for the
#: games' objective, minus the log payoff: moving any free tariff by one percentage point changes
#: the payoff by less than 1e-8 of itself to first order).
STATIONARITY_TOL = 1e-6

#: How many times a search that stopped on the function change away from a stationary point is
#: restarted from where it stopped (a fresh L-BFGS-B memory often finishes the last digits).
MAX_RESTARTS = 3


@dataclass(frozen=True)
class Stopping:
    """When a bounded search stops.

    ``ftol``, ``gtol``, ``maxiter``: L-BFGS-B's own rules (in the scaled problem);
    ``stationarity_tol``: the largest projected gradient, in the caller's units, of a point
    called stationary.
    """

    ftol: float
    gtol: float
    maxiter: int
    stationarity_tol: float = STATIONARITY_TOL


def bounded_minimize(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    lo: float | np.ndarray,
    hi: float | np.ndarray,
    *,
    scale: float | np.ndarray = 1.0,
    objective_scale: float = 1.0,
    stop: Stopping,
) -> BoundedSearch:
    """Minimise ``fun(t) -> (value, gradient)`` for ``t`` in ``[lo, hi]`` from ``x0``.

    Parameters
    ----------
    fun
        Objective and its gradient at tariffs ``t`` (same shape as ``x0``).
    x0, lo, hi
        Start and bounds, in tariffs.
    scale, objective_scale
        The optimiser works on ``t * scale`` and ``objective_scale * fun``.
    stop
        L-BFGS-B's own stopping rules (in the scaled problem) and the stationarity test's
        tolerance (in the caller's units).

    Returns
    -------
    BoundedSearch
        The end point; ``stationary`` is the projected-gradient test alone, so a search that
        stopped because the objective stopped falling is not called stationary unless it is.

    Exceptions raised by ``fun`` (e.g. an evaluation that failed) propagate.
    """
    scale = np.broadcast_to(np.asarray(scale, dtype=float), np.shape(x0))
    low = np.broadcast_to(np.asarray(lo, dtype=float), np.shape(x0))
    high = np.broadcast_to(np.asarray(hi, dtype=float), np.shape(x0))

    def scaled(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = fun(x / scale)
        return objective_scale * value, objective_scale * np.asarray(grad) / scale

    def search(start: np.ndarray) -> tuple[OptimizeResult, np.ndarray, np.ndarray]:
        res = minimize(
            scaled,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(low * scale, high * scale, strict=True)),
            options={"maxiter": stop.maxiter, "ftol": stop.ftol, "gtol": stop.gtol},
        )
        return res, res.x / scale, res.jac * scale / objective_scale

    res, x, grad = search(np.clip(x0, low, high) * scale)
    iterations, restarts = int(res.nit), 0
    while (
        not projected_stationary(x, grad, low, high, stop.stationarity_tol)
        and restarts < MAX_RESTARTS
    ):
        again, x_again, grad_again = search(res.x)
        restarts += 1
        iterations += int(again.nit)
        if not again.fun <= res.fun:
            break
        res, x, grad = again, x_again, grad_again
    return BoundedSearch(
        x=x,
        value=float(res.fun) / objective_scale,
        grad=grad,
        success=bool(res.success),
        stationary=projected_stationary(x, grad, low, high, stop.stationarity_tol),
        message=str(res.message),
        iterations=iterations,
        restarts=restarts,
    )


def projected_stationary(
    x: np.ndarray,
    g: np.ndarray,
    lo: float | np.ndarray,
    hi: float | np.ndarray,
    tol: float = STATIONARITY_TOL,
) -> bool:
    """Projected-gradient test: no feasible direction improves the objective.

    ``g`` is the gradient in the caller's units; a component at a bound counts only if it points
    into the box. NaN in ``g`` fails the test.
    """
    projected = np.where((x <= lo + 1e-12) & (g > 0), 0.0, g)
    projected = np.where((x >= hi - 1e-12) & (g < 0), 0.0, projected)
    largest = float(np.max(np.abs(projected), initial=0.0))
    return bool(np.isfinite(projected).all() and largest < tol)
