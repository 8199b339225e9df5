"""Economic outcomes of a solved equilibrium: welfare, prices, trade, revenue, decomposition.

All arrays are numpy float64. Levels are in the world's currency unit at the baseline (the
numeraire, world value added, is unchanged by construction). Shapes: ``(N,)`` per country,
``(N, J)`` per country and sector, ``(N, N)`` per country and partner, ``(N, N, J)`` bilateral by
sector with axes ``[importer, exporter, sector]``.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.model.accounts import (
    baseline_accounts,
    border_factor,
    national_income,
    shock_accounts,
)
from tradewar.model.economy import Economy, Shock
from tradewar.model.equilibrium import cost_structure, wage_rate
from tradewar.model.solver import Solution, SolverOptions
from tradewar.status import Status


@dataclass(frozen=True)
class Outcome:
    """Outcome of one counterfactual (see the module docstring for units and shapes).

    ``iterations`` counts the outer iterations of the solver named by ``method``: ``"anderson"``
    (the damped fixed point on wages with Anderson acceleration, `tradewar.model.solver`) or
    ``"newton"`` (Newton's method with an exact Jacobian, `tradewar.model.margins`).
    """

    w_hat: np.ndarray
    P_hat: np.ndarray
    c_hat: np.ndarray
    price_index_hat: np.ndarray
    income_hat: np.ndarray
    welfare_hat: np.ndarray
    real_wage_hat: np.ndarray
    terms_of_trade: np.ndarray
    volume_of_trade: np.ndarray
    terms_of_trade_bilateral: np.ndarray
    volume_of_trade_bilateral: np.ndarray
    flows_before: np.ndarray
    flows_after: np.ndarray
    tariffs_before: np.ndarray
    tariffs_after: np.ndarray
    output_before: np.ndarray
    output_after: np.ndarray
    revenue_before: np.ndarray
    revenue_after: np.ndarray
    export_tax_revenue: np.ndarray
    export_tax: np.ndarray
    gamma_va_after: np.ndarray
    deficit_before: np.ndarray
    deficit_after: np.ndarray
    iterations: int
    max_residual: float
    inner_residual: float
    walras_residual: float
    status: Status
    employment_hat: np.ndarray
    gdp_before: np.ndarray
    gdp_after: np.ndarray
    capacity_rent: np.ndarray | None = None
    import_rent: np.ndarray | None = None
    dissipated: np.ndarray | None = None
    import_rent_revenue: np.ndarray | None = None
    rent_seeking: np.ndarray | None = None
    wage_rate_hat: np.ndarray | None = None
    income_before: np.ndarray | None = None
    income_after: np.ndarray | None = None
    profits_before: np.ndarray | None = None
    profits_after: np.ndarray | None = None
    method: str = "anderson"

    @property
    def converged(self) -> bool:
        """True only for a finite solution, inside the model's domain, within tolerance."""
        return Status(self.status).converged

    @functools.cached_property
    def exports_before(self) -> np.ndarray:
        """Exports before tariffs, excluding domestic sales, ``(N,)``."""
        return _foreign(self.flows_before, axis=(0, 2))

    @functools.cached_property
    def exports_after(self) -> np.ndarray:
        """Counterfactual exports, ``(N,)``."""
        return _foreign(self.flows_after, axis=(0, 2))

    @functools.cached_property
    def imports_before(self) -> np.ndarray:
        """Imports before tariffs, excluding domestic purchases, ``(N,)``."""
        return _foreign(self.flows_before, axis=(1, 2))

    @functools.cached_property
    def imports_after(self) -> np.ndarray:
        """Counterfactual imports, ``(N,)``."""
        return _foreign(self.flows_after, axis=(1, 2))


def _foreign(flows: np.ndarray, axis: tuple[int, int]) -> np.ndarray:
    """Sums of ``flows`` ``[importer, exporter, sector]`` over ``axis``, domestic flows left out.

    Made once per outcome and kept (an outcome's arrays are never changed in place): a country
    table reads each several times.
    """
    return (flows * (1.0 - np.eye(flows.shape[0]))[:, :, None]).sum(axis=axis)


def _ratio(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    return np.where(old > 0, new / np.where(old > 0, old, 1.0), np.nan)


def solution_status(sol: Solution, tol: float) -> Status:
    """`Status` ``CONVERGED``, ``NOT_FINITE``, ``OUTSIDE_DOMAIN`` or ``NOT_CONVERGED``."""
    residual = float(sol.max_residual)
    finite = np.isfinite(residual) and bool(np.all(np.isfinite(np.asarray(sol.w_hat))))
    if not finite:
        return Status.NOT_FINITE
    if not bool(sol.in_domain):
        return Status.OUTSIDE_DOMAIN
    return Status.CONVERGED if residual <= tol else Status.NOT_CONVERGED


def cp_decomposition(
    M0: np.ndarray, M1: np.ndarray, c_hat: np.ndarray, tau0: np.ndarray, I0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Caliendo–Parro (2015, eq. 16) terms-of-trade and volume-of-trade effects by partner.

    ``M0``, ``M1`` ``(N, N, J)`` flows before tariffs, ``c_hat`` ``(N, J)`` unit-cost changes,
    ``tau0`` baseline tariffs, ``I0`` ``(N,)`` baseline income. Returns two ``(N, N)`` arrays
    (fractions of baseline income; rows: the country, columns: its partner).
    """
    x_hat = np.where(M0 > 0, M1 / np.where(M0 > 0, M0, 1.0), 0.0)
    exports0 = M0.transpose(1, 0, 2)  # [n, i, j]: n's sales to i
    tot_b = (
        (exports0 * (c_hat[:, None, :] - 1.0)).sum(axis=2)
        - (M0 * (c_hat[None, :, :] - 1.0)).sum(axis=2)
    ) / I0[:, None]
    vot_b = (tau0 * M0 * ((x_hat - 1.0) - (c_hat[None, :, :] - 1.0))).sum(axis=2) / I0[:, None]
    return tot_b, vot_b


@jax.jit
def _outcome_arrays(econ: Economy, shock: Shock, sol: Solution):
    """The engine quantities an outcome needs, in one compiled call.

    Returns ``(log_c, gamma_va, baseline accounts, accounts, baseline income, income)``.
    One traced function instead of a few dozen eager operations: each eager operation is a
    separate compilation in a fresh process.
    """
    log_w = jnp.log(sol.w_hat)
    log_c, gamma_va, _ = cost_structure(econ, log_w, sol.log_P_hat)
    acc0 = baseline_accounts(econ)
    acc1 = shock_accounts(econ, shock, sol.pi, sol.expenditure, gamma_va)
    income0 = national_income(econ.va, econ.deficit, acc0)
    income1 = national_income(sol.w_hat * econ.va, shock.deficit, acc1)
    return log_c, gamma_va, acc0, acc1, income0, income1, jnp.exp(wage_rate(econ, log_w))


#: Baseline flows of the last few economies, keyed by the identity of the arrays they come from
#: (held in the entry, so the key cannot be reused): the steps of a timeline share one array.
_FLOWS: dict[tuple[int, ...], tuple] = {}
_FLOWS_LOCK = threading.Lock()


def _baseline_flows(econ: Economy) -> np.ndarray:
    """Read-only ``(N, N, J)`` baseline flows at world prices, ``pi X / (1 + tau)``."""
    sources = (econ.pi, econ.expenditure, econ.tau)
    key = tuple(id(a) for a in sources)
    with _FLOWS_LOCK:  # solves may run on several threads (the web app, Monte Carlo)
        entry = _FLOWS.get(key)
    if entry is None:
        pi0, X0, tau0 = (np.asarray(a) for a in sources)
        flows = pi0 * X0[:, None, :] / (1.0 + tau0)
        flows.flags.writeable = False
        entry = (sources, flows)
        with _FLOWS_LOCK:
            _FLOWS[key] = entry
            while len(_FLOWS) > 8:
                del _FLOWS[next(iter(_FLOWS))]
    return entry[1]


@functools.lru_cache(maxsize=8)
def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    """A shared read-only array of zeros."""
    zeros = np.zeros(shape)
    zeros.flags.writeable = False
    return zeros


def compute_outcome(
    econ: Economy, shock: Shock, sol: Solution, tol: float | SolverOptions
) -> Outcome:
    """Derive every reported quantity from a solution.

    The terms-of-trade / volume-of-trade split is Caliendo–Parro (2015, eq. 16) with discrete
    changes, as in their ``Welfarelineal.m``: for country ``n`` with baseline income ``I``,
    ``ToT = [sum E_ni (c_n - 1) - M_ni (c_i - 1)] / I`` and
    ``VoT = sum t_ni M_ni [(x_ni - 1) - (c_i - 1)] / I``, where ``E``/``M`` are baseline exports and
    imports before tariffs, ``c`` unit-cost changes, ``x`` flow changes and ``t`` baseline tariffs.
    Export-tax rents are not part of this decomposition; the exact welfare change includes them.
    """
    tau0 = np.asarray(econ.tau)
    va0, d0 = np.asarray(econ.va), np.asarray(econ.deficit)
    alpha = np.asarray(econ.alpha)
    tau1, d1 = np.asarray(shock.tau), np.asarray(shock.deficit)
    w_hat = np.asarray(sol.w_hat)
    log_P = np.asarray(sol.log_P_hat)
    X1, pi1 = np.asarray(sol.expenditure), np.asarray(sol.pi)

    log_c_j, gamma_va_j, acc0, acc1, I0_j, I1_j, rate_j = _outcome_arrays(econ, shock, sol)
    rate = np.asarray(rate_j)
    log_c, gamma_va_after = np.asarray(log_c_j), np.asarray(gamma_va_j)
    c_hat, P_hat = np.exp(log_c), np.exp(log_P)
    price_index_hat = np.exp(np.sum(alpha * log_P, axis=1))

    M0 = _baseline_flows(econ)
    # At world prices (export taxes included; tariffs and importer-side quota wedges not).
    M1 = (
        pi1
        * X1[:, None, :]
        / np.asarray(border_factor(shock.tau, shock.import_rent, shock.dissipated))
    )
    etax = _zeros(M1.shape) if shock.export_tax is None else np.asarray(shock.export_tax)
    R0, R1 = np.asarray(acc0.tariff_revenue), np.asarray(acc1.tariff_revenue)
    E1 = np.asarray(acc1.export_tax_revenue)
    output1 = np.asarray(acc1.output)
    I0, I1 = np.asarray(I0_j), np.asarray(I1_j)
    income_hat = I1 / I0

    tot_b, vot_b = cp_decomposition(M0, M1, c_hat, tau0, I0)

    foreign = M1 * (1.0 - np.eye(M1.shape[0]))[:, :, None]
    trade_gap = foreign.sum(axis=(1, 2)) - foreign.sum(axis=(0, 2)) - d1
    walras = float(np.max(np.abs(trade_gap)) / va0.sum())
    return Outcome(
        w_hat=w_hat,
        P_hat=P_hat,
        c_hat=c_hat,
        price_index_hat=price_index_hat,
        income_hat=income_hat,
        welfare_hat=income_hat / price_index_hat,
        real_wage_hat=rate / price_index_hat,
        terms_of_trade=tot_b.sum(axis=1),
        volume_of_trade=vot_b.sum(axis=1),
        terms_of_trade_bilateral=tot_b,
        volume_of_trade_bilateral=vot_b,
        flows_before=M0,
        flows_after=M1,
        tariffs_before=tau0,
        tariffs_after=tau1,
        output_before=M0.sum(axis=0),
        output_after=output1,
        revenue_before=R0,
        revenue_after=R1,
        export_tax_revenue=E1,
        export_tax=etax,
        gamma_va_after=gamma_va_after,
        deficit_before=d0,
        deficit_after=d1,
        iterations=int(sol.iterations),
        max_residual=float(sol.max_residual),
        inner_residual=float(sol.inner_residual),
        walras_residual=walras,
        status=solution_status(sol, tol.tol if isinstance(tol, SolverOptions) else tol),
        employment_hat=w_hat / rate,
        gdp_before=va0 + np.asarray(acc0.profits).sum(axis=1),
        gdp_after=w_hat * va0 + np.asarray(acc1.profits).sum(axis=1),
        import_rent=None if shock.import_rent is None else np.asarray(shock.import_rent),
        dissipated=None if shock.dissipated is None else np.asarray(shock.dissipated),
        import_rent_revenue=np.asarray(acc1.import_rent),
        rent_seeking=np.asarray(acc1.rent_seeking),
        wage_rate_hat=rate,
        income_before=I0,
        income_after=I1,
        profits_before=np.asarray(acc0.profits).sum(axis=1),
        profits_after=np.asarray(acc1.profits).sum(axis=1),
    )
