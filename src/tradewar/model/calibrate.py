"""Turn a solved counterfactual into a new baseline, and build balanced worlds from shares.

Both are the same operation: the equilibrium of the model at given shares, taken in levels. This is
how the zero-deficit baselines of Caliendo–Parro (2015) and Ossa (2014) are made, and how data whose
accounts do not add up exactly (inventories, rounding) become a consistent world package.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


@dataclass(frozen=True)
class Adjustment:
    """One accounting adjustment a builder made to the source data.

    Attributes
    ----------
    what
        What was changed, e.g. ``"negative value added set to zero"``.
    cells
        How many cells it touched.
    amount
        Their total (absolute) value in the source unit.
    share_pct
        ``amount`` as a percentage of the reference total named in ``of``.
    of
        The reference total, e.g. ``"world gross output"``.
    """

    what: str
    cells: int
    amount: float
    share_pct: float
    of: str

    def __str__(self) -> str:
        if not self.of:
            return self.what
        return (
            f"{self.what}: {self.cells} cell(s), {self.amount:,.6g} "
            f"({self.share_pct:.3g}% of {self.of})"
        )


@dataclass(frozen=True)
class BaselineShares:
    """The shares and levels a Caliendo–Parro world is calibrated to.

    Attributes
    ----------
    pi
        ``(N, N, J)`` tariff-inclusive expenditure shares ``[n, i, k]``; each ``[n, :, k]``
        sums to one (or zero where ``n`` buys nothing of ``k``).
    tau
        ``(N, N, J)`` ad valorem tariffs (fractions).
    gamma_io
        ``(N, J, J)`` input cost shares ``[n, k, j]``; value added is the remainder.
    alpha
        ``(N, J)`` final-demand shares, rows sum to one.
    va, deficit
        ``(N,)`` value added and trade deficit (imports minus exports).
    expenditure
        ``(N, J)`` the data's spending, the solver's starting point.
    theta
        ``(J,)`` trade elasticities; ``tradable`` ``(J,)`` flags.
    tariff_tables
        Other tariff tables by label.
    """

    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_names: tuple[str, ...]
    pi: np.ndarray
    tau: np.ndarray
    gamma_io: np.ndarray
    alpha: np.ndarray
    va: np.ndarray
    deficit: np.ndarray
    expenditure: np.ndarray
    theta: np.ndarray
    tradable: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    adjustments: tuple[Adjustment, ...] = ()
    tariff_tables: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, world: World, econ: Economy) -> BaselineShares:
        """The shares of ``econ``, a calibration of ``world``, with the world's own data.

        Labels, elasticities, tariffs, ``meta`` and tariff tables are ``world``'s; trade, cost
        and final-demand shares, value added, deficits and spending are ``econ``'s (as numpy
        arrays). Change any with `dataclasses.replace` before `world_from_shares`.
        """
        return cls(
            countries=world.countries,
            country_names=world.country_names,
            sectors=world.sectors,
            sector_names=world.sector_names,
            pi=np.asarray(econ.pi),
            tau=world.tariffs,
            gamma_io=np.asarray(econ.gamma_io),
            alpha=np.asarray(econ.alpha),
            va=np.asarray(econ.va),
            deficit=np.asarray(econ.deficit),
            expenditure=np.asarray(econ.expenditure),
            theta=world.theta,
            tradable=world.tradable,
            meta=dict(world.meta),
            tariff_tables=dict(world.tariff_tables),
        )


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
    shock = rebalance_shock(econ, deficit)
    return rebalanced_economy(econ, shock, solve_arrays(econ, shock, options), options)


def rebalance_shock(econ: Economy, deficit: jnp.ndarray) -> Shock:
    """The shock of `rebalanced`: the baseline's tariffs and costs, the new deficits ``(N,)``."""
    return Shock(
        tau=econ.tau, cost_hat=filled(tuple(econ.tau.shape), 1.0), deficit=on_device(deficit)
    )


def rebalanced_economy(
    econ: Economy, shock: Shock, sol: Solution, options: SolverOptions
) -> Economy:
    """The new baseline of `rebalanced` from the solution of its shock (checked).

    Raises
    ------
    ConvergenceError
        If ``sol`` does not meet ``options.tol``.
    """
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
    shares: BaselineShares, *, name: str, options: SolverOptions | None = None
) -> tuple[World, np.ndarray]:
    """Build a balanced `World` whose levels are the model's equilibrium at the given shares.

    Parameters
    ----------
    shares
        The labels, trade, cost and final-demand shares, tariffs, value added, deficits
        (re-centred here to sum to 0), elasticities and ``meta`` of the world;
        ``shares.expenditure`` is the solver's starting point. ``shares.adjustments`` are not
        written here (a builder puts them in ``meta``).
    name
        The world's name.
    options
        Solver settings (default `SolverOptions`); inner solves are always exact, so that a
        package rebuilds to the same bytes.

    Returns
    -------
    world, w_hat
        The balanced world and the wage changes needed to balance it
        (all ones means the data already balanced).

    Raises
    ------
    ConvergenceError
        If the model cannot be solved at these shares within ``options.tol``.
    """
    # Exact inner solves: a calibrated world must not depend on the solver's speed heuristics
    # (the inner tolerance schedule), so that a package rebuilds to the same bytes.
    options = replace(options or SolverOptions(), adaptive_inner=False)
    va = np.asarray(shares.va, dtype=float)
    deficit = np.asarray(shares.deficit, dtype=float)
    deficit = deficit - deficit.sum() * va / va.sum()
    econ = Economy(
        pi=on_device(shares.pi, np.float64),
        tau=on_device(shares.tau, np.float64),
        theta=on_device(shares.theta, np.float64),
        gamma_va=on_device(1.0 - shares.gamma_io.sum(axis=1), np.float64),
        gamma_io=on_device(shares.gamma_io, np.float64),
        alpha=on_device(shares.alpha, np.float64),
        va=on_device(va, np.float64),
        deficit=on_device(deficit, np.float64),
        expenditure=on_device(shares.expenditure, np.float64),
    )
    shock = Shock(tau=econ.tau, cost_hat=filled(tuple(econ.tau.shape), 1.0), deficit=econ.deficit)
    sol = solve_arrays(econ, shock, options)
    if solution_status(sol, options.tol) != "converged":
        raise ConvergenceError(int(sol.iterations), float(sol.max_residual), options.tol)
    X = np.asarray(sol.expenditure)
    pi_new = np.asarray(sol.pi)
    flows = pi_new * X[:, None, :] / (1.0 + shares.tau)
    Y = flows.sum(axis=0)
    intermediates = np.asarray(shares.gamma_io) * Y[:, None, :]
    value_added = Y - intermediates.sum(axis=1)
    final_demand = X - intermediates.sum(axis=2)
    world = World(
        name=name,
        countries=shares.countries,
        country_names=shares.country_names,
        sectors=shares.sectors,
        sector_names=shares.sector_names,
        theta=np.asarray(shares.theta, dtype=float),
        tradable=np.asarray(shares.tradable, dtype=bool),
        flows=flows,
        tariffs=np.asarray(shares.tau),
        value_added=np.maximum(value_added, 0.0),
        intermediates=intermediates,
        final_demand=np.maximum(final_demand, 0.0),
        tariff_tables=dict(shares.tariff_tables),
        meta=dict(shares.meta),
    )
    check_world(world)
    return world, np.asarray(sol.w_hat)
