"""Turn a solved counterfactual into a new baseline, and build balanced worlds from shares.

Both are the same operation: the equilibrium of the model at given shares, taken in levels. This is
how the zero-deficit baselines of Caliendo–Parro (2015) and Ossa (2014) are made, and how data whose
accounts do not add up exactly (inventories, rounding) become a consistent world package.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.data.io import check_world
from tradewar.data.world import World
from tradewar.errors import ConvergenceError
from tradewar.model.arrays import filled, on_device
from tradewar.model.economy import Economy, Shock
from tradewar.model.equilibrium import cost_structure
from tradewar.model.outcomes import solution_status
from tradewar.model.solver import Solution, SolverOptions, solve_arrays


@jax.jit
def economy_after(econ: Economy, shock: Shock, sol: Solution) -> Economy:
    """The counterfactual equilibrium as a new baseline economy (hats reset to one).

    Everything that defines the model carries over (the CES nests of ``ces-network``, the
    profit shares of ``ossa``); cost shares are those at the new prices (they move only with
    CES nests), so the new baseline is an equilibrium of the same model.
    """
    _, gamma_va, gamma_io = cost_structure(econ, jnp.log(sol.w_hat), sol.log_P_hat)
    return econ._replace(
        pi=sol.pi,
        tau=shock.tau,
        gamma_va=gamma_va,
        gamma_io=gamma_io,
        va=sol.w_hat * econ.va,
        deficit=shock.deficit,
        expenditure=sol.expenditure,
    )


def rebalanced(
    econ: Economy, deficit: jnp.ndarray, options: SolverOptions | None = None
) -> Economy:
    """Re-solve the baseline with new deficits (e.g. zero) and return it as the new baseline.

    Raises
    ------
    ConvergenceError
        If the re-solve does not meet ``options.tol``.
    """
    options = options or SolverOptions()
    shock = Shock(
        tau=econ.tau, cost_hat=filled(tuple(econ.tau.shape), 1.0), deficit=on_device(deficit)
    )
    sol = solve_arrays(econ, shock, options)
    status = solution_status(sol, options.tol)
    if status != "converged":
        raise ConvergenceError(
            int(sol.iterations),
            float(sol.max_residual),
            options.tol,
            f"the baseline could not be re-solved with the requested deficits ({status})",
        )
    return economy_after(econ, shock, sol)


def world_from_shares(
    *,
    name: str,
    countries: tuple[str, ...],
    country_names: tuple[str, ...],
    sectors: tuple[str, ...],
    sector_names: tuple[str, ...],
    theta: np.ndarray,
    tradable: np.ndarray,
    pi: np.ndarray,
    tau: np.ndarray,
    gamma_io: np.ndarray,
    alpha: np.ndarray,
    va: np.ndarray,
    deficit: np.ndarray,
    expenditure_guess: np.ndarray,
    meta: dict[str, Any],
    tariff_tables: dict[str, np.ndarray] | None = None,
    options: SolverOptions | None = None,
) -> tuple[World, np.ndarray]:
    """Build a balanced `World` whose levels are the model's equilibrium at the given shares.

    Parameters
    ----------
    pi, tau
        ``(N, N, J)`` tariff-inclusive expenditure shares and tariffs (fractions), ``[n, i, j]``.
    gamma_io
        ``(N, J, J)`` input cost shares ``[n, k, j]``; the value-added share is the remainder.
    alpha
        ``(N, J)`` final-demand shares.
    va, deficit
        ``(N,)`` value added and trade deficits from the data (deficits are re-centred to sum to 0).
    expenditure_guess
        ``(N, J)`` data spending, used as the solver's starting point.

    Returns
    -------
    world, w_hat
        The balanced world and the wage changes needed to balance it
        (all ones means the data already balanced).
    """
    # Exact inner solves: a calibrated world must not depend on the solver's speed heuristics
    # (the inner tolerance schedule), so that a package rebuilds to the same bytes.
    options = replace(options or SolverOptions(), adaptive_inner=False)
    va = np.asarray(va, dtype=float)
    deficit = np.asarray(deficit, dtype=float)
    deficit = deficit - deficit.sum() * va / va.sum()
    econ = Economy(
        pi=on_device(pi, np.float64),
        tau=on_device(tau, np.float64),
        theta=on_device(theta, np.float64),
        gamma_va=on_device(1.0 - gamma_io.sum(axis=1), np.float64),
        gamma_io=on_device(gamma_io, np.float64),
        alpha=on_device(alpha, np.float64),
        va=on_device(va, np.float64),
        deficit=on_device(deficit, np.float64),
        expenditure=on_device(expenditure_guess, np.float64),
    )
    shock = Shock(tau=econ.tau, cost_hat=filled(tuple(econ.tau.shape), 1.0), deficit=econ.deficit)
    sol = solve_arrays(econ, shock, options)
    if solution_status(sol, options.tol) != "converged":
        raise ConvergenceError(int(sol.iterations), float(sol.max_residual), options.tol)
    X = np.asarray(sol.expenditure)
    pi_new = np.asarray(sol.pi)
    flows = pi_new * X[:, None, :] / (1.0 + tau)
    Y = flows.sum(axis=0)
    intermediates = gamma_io * Y[:, None, :]
    value_added = Y - intermediates.sum(axis=1)
    final_demand = X - intermediates.sum(axis=2)
    world = World(
        name=name,
        countries=countries,
        country_names=country_names,
        sectors=sectors,
        sector_names=sector_names,
        theta=np.asarray(theta, dtype=float),
        tradable=np.asarray(tradable, dtype=bool),
        flows=flows,
        tariffs=np.asarray(tau),
        value_added=np.maximum(value_added, 0.0),
        intermediates=intermediates,
        final_demand=np.maximum(final_demand, 0.0),
        tariff_tables=tariff_tables or {},
        meta=meta,
    )
    check_world(world)
    return world, np.asarray(sol.w_hat)
