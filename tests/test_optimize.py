"""The strategy layer's bounded search calls a point stationary only when it is one."""

import numpy as np
from scipy.optimize import rosen, rosen_der

from tradewar.game.optimize import Stopping, bounded_minimize, projected_stationary


def rosenbrock(t: np.ndarray) -> tuple[float, np.ndarray]:
    return float(rosen(t)), rosen_der(t)


def test_a_stop_on_the_function_change_is_not_called_stationary():
    # A loose ftol makes L-BFGS-B report success long before the valley's end at (1, 1).
    res = bounded_minimize(
        rosenbrock, np.array([-1.2, 1.0]), -5.0, 5.0, stop=Stopping(ftol=0.5, gtol=1e-12, maxiter=2)
    )
    assert res.success  # scipy's own test passed ...
    assert "REDUCTION OF F" in res.message
    assert not res.stationary  # ... but the projected gradient is far from zero
    assert np.max(np.abs(res.grad)) > 1e-3


def test_restarts_finish_a_search_that_stopped_early():
    res = bounded_minimize(
        rosenbrock,
        np.array([-1.2, 1.0]),
        -5.0,
        5.0,
        stop=Stopping(ftol=1e-9, gtol=1e-12, maxiter=1000),
    )
    assert res.stationary and res.restarts >= 1
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-5)


def test_a_bound_that_binds_is_stationary():
    # Minimum of (t - 2)^2 within [0, 1] is the upper bound, where the gradient is -2.
    res = bounded_minimize(
        lambda t: (float(np.sum((t - 2) ** 2)), 2 * (t - 2)),
        np.array([0.3]),
        0.0,
        1.0,
        stop=Stopping(ftol=1e-12, gtol=1e-10, maxiter=100),
    )
    assert res.stationary and res.x[0] == 1.0 and res.grad[0] == -2.0


def test_projected_gradient_test_fails_on_nan_and_on_an_inward_gradient():
    x, lo, hi = np.array([0.0, 0.5]), 0.0, 1.0
    assert projected_stationary(x, np.array([1.0, 0.0]), lo, hi)  # pushes outward at lo
    assert not projected_stationary(x, np.array([-1.0, 0.0]), lo, hi)  # inward at lo
    assert not projected_stationary(x, np.array([0.0, np.nan]), lo, hi)
