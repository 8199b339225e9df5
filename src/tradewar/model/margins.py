"""One-sector Armington with labour supply, scale economies, local margins and pass-through.

These are the margins of Ignatenko, Lashkaripour, Macedoni and Simonovska (2025, "ILMS") that
the baseline `armington` model lacks. Each is an option whose default switches it off, and with
every option at its default this system is the `armington` model (tested to 1e-10):

* ``kappa``: labour-supply elasticity, ``L_hat = (s_hat w_hat / P_hat)^kappa``; ``s_hat`` is
  ``1 / (1 - tau')`` when tariff revenue replaces a labour-income tax (``tax_relief``), else 1;
* ``psi``: scale elasticity, a country's cost is ``c_hat = w_hat L_hat^(-psi)``;
* ``nu``: local (distribution) margin, the share of spending in ``n`` that stays with ``n``'s
  workers: producer ``i`` earns ``sum_n (1 - nu_n) X[n, i] + nu_i sum_k X[i, k]``;
* ``phi``: tariff pass-through exponent of each importer, shares move with
  ``(1 + t)^(-eps phi_n)`` and the consumer price is ``(E_hat / w_hat)^(1 - phi_n) A^(-1/eps)``.

Notation follows tradewar (importer first): ``lam[n, i]`` is n's spending share on i, ``E`` gross
spending, ``Y`` labour income (GDP), ``T = E - Y`` the transfer, fixed as a share of world income.
Unknowns ``z = [log w_hat, log E_hat, log L_hat]`` (3N), solved by Newton's method on relative
residuals with an exact (forward-mode) Jacobian. The baseline has no tariffs (ILMS treat the
observed flows as a free-trade equilibrium).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.model.economy import Economy, Shock
from tradewar.model.outcomes import Outcome, cp_decomposition

jax.config.update("jax_enable_x64", True)

NUMERAIRES = ("world_value_added", "world_price_index")


@partial(
    jax.tree_util.register_dataclass,
    data_fields=["kappa", "psi", "nu", "phi"],
    meta_fields=["tax_relief", "numeraire", "dropped_market", "balanced_with"],
)
@dataclass(frozen=True)
class Margins:
    """Parameters of the extended one-sector model (all arrays are float64).

    Attributes
    ----------
    kappa, psi
        Scalars: labour-supply and scale elasticities (0 = off).
    nu
        ``(N,)`` local margins in ``[0, 1)``.
    phi
        ``(N,)`` tariff pass-through exponents of each importer (1 = complete).
    tax_relief
        True: tariff revenue replaces a labour-income tax (it raises the after-tax wage);
        False: it is rebated lump-sum.
    numeraire
        ``"world_value_added"`` (world income fixed, as in every tradewar model) or
        ``"world_price_index"`` (the baseline-spending-weighted mean of consumer prices fixed,
        as in ILMS); welfare does not depend on it, prices and wages do.
    dropped_market
        The country whose labour-income equation the numeraire replaces (Walras' law makes one
        redundant when transfers sum to zero).
    balanced_with
        A country ``b`` (or -1, none): every transfer loses its bilateral trade imbalance with
        ``b`` and ``b``'s own transfer is zero (ILMS's "balanced trade" framework). The result
        does not sum to zero, so the equilibrium exists only with the quirk of a dropped market
        equation that absorbs the gap (ILMS Table 10 cases 2 and 4; docs/ilms2025.md).
    """

    kappa: jnp.ndarray
    psi: jnp.ndarray
    nu: jnp.ndarray
    phi: jnp.ndarray
    tax_relief: bool = False
    numeraire: str = "world_value_added"
    dropped_market: int = -1
    balanced_with: int = -1


def pass_through(nu: np.ndarray, psi: float, phi_tilde: float) -> np.ndarray:
    """ILMS's tariff pass-through exponent of each importer, ``(N,)``.

    ``phi_n = phi~ - 1 + (1 + th) / ((1 - nu_n) th) - 1 / th`` with ``th = 1 / psi``, that is
    ``phi~ - 1 + (1 + psi) / (1 - nu_n) - psi``. With no margins and ``phi~ = 1`` it is one
    (complete pass-through).
    """
    return phi_tilde - 1.0 + (1.0 + psi) / (1.0 - np.asarray(nu)) - psi


def make_margins(
    n_countries: int,
    *,
    kappa: float = 0.0,
    psi: float = 0.0,
    nu: np.ndarray | None = None,
    phi_tilde: float = 1.0,
    tax_relief: bool = False,
    numeraire: str = "world_value_added",
    dropped_market: int | None = None,
    balanced_with: int | None = None,
) -> Margins:
    """Build `Margins` from plain values (``nu`` ``(N,)``, default zeros)."""
    nu = np.zeros(n_countries) if nu is None else np.asarray(nu, dtype=float)
    if numeraire not in NUMERAIRES:
        raise ValueError(f"numeraire must be one of {', '.join(NUMERAIRES)}")
    return Margins(
        kappa=jnp.asarray(float(kappa)),
        psi=jnp.asarray(float(psi)),
        nu=jnp.asarray(nu),
        phi=jnp.asarray(pass_through(nu, psi, phi_tilde)),
        tax_relief=tax_relief,
        numeraire=numeraire,
        dropped_market=n_countries - 1 if dropped_market is None else int(dropped_market),
        balanced_with=-1 if balanced_with is None else int(balanced_with),
    )


class MarginsBaseline(NamedTuple):
    """Baseline levels: ``E``, ``Y``, ``T`` ``(N,)``; ``lam``, ``flows`` ``(N, N)``."""

    lam: jnp.ndarray
    E: jnp.ndarray
    Y: jnp.ndarray
    T: jnp.ndarray
    flows: jnp.ndarray  # (N, N) [importer, exporter], pre-tariff


def margins_baseline(econ: Economy, margins: Margins) -> MarginsBaseline:
    """Labour income with local margins, ``Y_i = sum_n (1 - nu_n) X[n, i] + nu_i E_i``."""
    lam = econ.pi[:, :, 0]
    E = econ.expenditure[:, 0]
    flows = lam * E[:, None]
    Y = ((1.0 - margins.nu)[:, None] * flows).sum(axis=0) + margins.nu * E
    T = E - Y
    b = margins.balanced_with
    if b >= 0:
        T = (T - (flows[:, b] - flows[b, :])).at[b].set(0.0)
    return MarginsBaseline(lam=lam, E=E, Y=Y, T=T, flows=flows)


class MarginsState(NamedTuple):
    """Everything derived from the unknowns (see `margins_state`)."""

    w: jnp.ndarray
    E_hat: jnp.ndarray
    L_hat: jnp.ndarray
    P_hat: jnp.ndarray
    A: jnp.ndarray
    lam: jnp.ndarray
    flows: jnp.ndarray
    revenue: jnp.ndarray
    income: jnp.ndarray
    spending: jnp.ndarray
    tax_ratio: jnp.ndarray


def margins_state(z, base: MarginsBaseline, shock: Shock, margins: Margins, eps) -> MarginsState:
    """Prices, shares, flows and incomes at ``z = [log w_hat, log E_hat, log L_hat]``."""
    n = base.E.shape[0]
    w, E_hat, L_hat = jnp.exp(z[:n]), jnp.exp(z[n : 2 * n]), jnp.exp(z[2 * n :])
    tau = shock.tau[:, :, 0]
    cost = w * L_hat ** (-margins.psi)
    a = (
        base.lam
        * cost[None, :] ** (-eps)
        * (1.0 + tau) ** (-eps * margins.phi[:, None])
        * shock.cost_hat[:, :, 0] ** (-eps)
    )
    if shock.open is not None:
        a = a * shock.open[:, :, 0]
    A = a.sum(axis=1)
    lam = a / A[:, None]
    P_hat = (E_hat / w) ** (1.0 - margins.phi) * A ** (-1.0 / eps)
    spending = E_hat * base.E
    income = w * L_hat * base.Y
    flows = lam * spending[:, None] / (1.0 + tau)
    revenue = (tau * flows).sum(axis=1)
    return MarginsState(
        w=w,
        E_hat=E_hat,
        L_hat=L_hat,
        P_hat=P_hat,
        A=A,
        lam=lam,
        flows=flows,
        revenue=revenue,
        income=income,
        spending=spending,
        tax_ratio=revenue / income,
    )


def margins_residuals(z, base: MarginsBaseline, shock: Shock, margins: Margins, eps):
    """The 3N equilibrium conditions, each relative to its baseline size (zero at a solution).

    Labour income (one country's replaced by the numeraire), the budget
    ``E' = Y' + R' + T sum(Y') / sum(Y)`` and labour supply.
    """
    s = margins_state(z, base, shock, margins, eps)
    n = base.E.shape[0]
    earned = ((1.0 - margins.nu)[:, None] * s.flows).sum(axis=0) + margins.nu * s.flows.sum(axis=1)
    income_gap = (earned - s.income) / base.Y
    if margins.numeraire == "world_price_index":
        anchor = jnp.sum(base.E * (s.P_hat - 1.0)) / jnp.sum(base.E)
    else:
        anchor = jnp.sum(s.income) / jnp.sum(base.Y) - 1.0
    income_gap = income_gap.at[margins.dropped_market % n].set(anchor)
    world = jnp.sum(s.income) / jnp.sum(base.Y)
    budget_gap = (s.spending - s.income - s.revenue - base.T * world) / base.E
    after_tax = 1.0 / (1.0 - s.tax_ratio) if margins.tax_relief else 1.0
    labour_gap = z[2 * n :] - margins.kappa * jnp.log(after_tax * s.w / s.P_hat)
    return jnp.concatenate([income_gap, budget_gap, labour_gap])


class MarginsSolution(NamedTuple):
    """Raw output of `solve_margins`: the unknowns, iterations and the largest residual."""

    z: jnp.ndarray
    iterations: jnp.ndarray
    max_residual: jnp.ndarray


def solve_margins(
    econ: Economy,
    shock: Shock,
    margins: Margins,
    tol: float = 1e-12,
    max_iterations: int = 100,
    start: jnp.ndarray | None = None,
) -> MarginsSolution:
    """Solve the extended model by Newton's method with backtracking (jitted).

    ``start`` warm-starts from an earlier ``z``. The residual is the largest relative residual
    of any equation; NaN if anything is not finite.
    """
    base = margins_baseline(econ, margins)
    z0 = jnp.zeros(3 * base.E.shape[0]) if start is None else start
    return _newton(base, shock, margins, econ.theta[0], z0, jnp.asarray(tol), max_iterations)


@partial(jax.jit, static_argnames=("max_iterations",))
def _newton(base, shock, margins, eps, z0, tol, max_iterations: int) -> MarginsSolution:
    def residual(z):
        return margins_residuals(z, base, shock, margins, eps)

    def size(f):
        return jnp.where(jnp.all(jnp.isfinite(f)), jnp.max(jnp.abs(f)), jnp.inf)

    def cond(state):
        k, _, err = state
        return (k < max_iterations) & (err > tol) & jnp.isfinite(err)

    def body(state):
        k, z, err = state
        f = residual(z)
        step = jnp.linalg.solve(jax.jacfwd(residual)(z), f)

        def shorter(carry):
            t, _ = carry
            return t * 0.5, size(residual(z - 0.5 * t * step))

        def too_long(carry):
            t, trial = carry
            return (trial >= err) & (t > 1e-4)

        t, _ = jax.lax.while_loop(too_long, shorter, (1.0, size(residual(z - step))))
        z_new = z - t * step
        return k + 1, z_new, size(residual(z_new))

    k, z, err = jax.lax.while_loop(cond, body, (0, z0, size(residual(z0))))
    err = jnp.where(jnp.isfinite(err), err, jnp.nan)
    return MarginsSolution(z=z, iterations=jnp.asarray(k), max_residual=err)


def margins_welfare(state: MarginsState, base: MarginsBaseline, margins: Margins) -> jnp.ndarray:
    """ILMS welfare ``delta E_hat / P_hat + (1 - delta) w_hat L_hat / P_hat``.

    ``delta = E / (E - kappa / (1 + kappa) (1 - tau) Y)`` (money-metric utility net of the
    disutility of work), with ``tau = tau'`` under tax relief and 0 under a lump-sum rebate. With
    ``kappa = 0`` it is real spending ``E_hat / P_hat``.
    """
    tau = state.tax_ratio if margins.tax_relief else 0.0
    delta = base.E / (base.E - margins.kappa / (1.0 + margins.kappa) * (1.0 - tau) * base.Y)
    return (delta * state.E_hat + (1.0 - delta) * state.w * state.L_hat) / state.P_hat


def margins_outcome(
    econ: Economy, shock: Shock, margins: Margins, sol: MarginsSolution, tol: float
) -> Outcome:
    """Every reported quantity of a solved extended model (shapes as in `Outcome`).

    Income is gross spending ``E`` (labour income, tariff revenue and the transfer); GDP is
    labour income ``Y``; the unit cost is ``w_hat L_hat^(-psi)``; the consumer price index is
    ``P_hat``; welfare is `margins_welfare`. The Caliendo–Parro decomposition is evaluated with
    the unit-cost changes. ``walras_residual`` is the world sum of ``E' - Y' - R' - T'``
    relative to world income (zero when the world's accounts close).
    """
    base = margins_baseline(econ, margins)
    s = margins_state(sol.z, base, shock, margins, econ.theta[0])
    arr = {k: np.asarray(v) for k, v in s._asdict().items()}
    E, Y, T = np.asarray(base.E), np.asarray(base.Y), np.asarray(base.T)
    cost = arr["w"] * arr["L_hat"] ** (-float(margins.psi))
    M0 = np.asarray(base.flows)[:, :, None]
    M1 = arr["flows"][:, :, None]
    tau0 = np.asarray(econ.tau)
    tot_b, vot_b = cp_decomposition(M0, M1, cost[:, None], tau0, E)
    world = arr["income"].sum() / Y.sum()
    transfers = arr["spending"] - arr["income"] - arr["revenue"]
    walras = float(abs(transfers.sum()) / arr["income"].sum())
    residual = float(sol.max_residual)
    finite = np.isfinite(residual) and all(np.all(np.isfinite(v)) for v in arr.values())
    if not finite:
        status = "not finite"
    elif np.any(arr["spending"] <= 0) or np.any(arr["income"] <= 0):
        status = "outside domain"
    else:
        status = "converged" if residual <= tol else "not converged"
    welfare = np.asarray(margins_welfare(s, base, margins))
    zeros = np.zeros_like(E)
    return Outcome(
        w_hat=arr["w"],
        P_hat=arr["P_hat"][:, None],
        c_hat=cost[:, None],
        price_index_hat=arr["P_hat"],
        income_hat=arr["E_hat"],
        welfare_hat=welfare,
        real_wage_hat=arr["w"] / arr["P_hat"],
        terms_of_trade=tot_b.sum(axis=1),
        volume_of_trade=vot_b.sum(axis=1),
        terms_of_trade_bilateral=tot_b,
        volume_of_trade_bilateral=vot_b,
        flows_before=M0,
        flows_after=M1,
        tariffs_after=np.asarray(shock.tau),
        output_before=M0.sum(axis=0),
        output_after=M1.sum(axis=0),
        revenue_before=zeros,
        revenue_after=arr["revenue"],
        export_tax_revenue=zeros,
        export_tax=np.zeros_like(M1),
        gamma_va_after=np.ones_like(cost[:, None]),
        deficit_before=T,
        deficit_after=T * world,
        iterations=int(sol.iterations),
        max_residual=residual,
        inner_residual=0.0,
        walras_residual=walras,
        status=status,
        employment_hat=arr["L_hat"],
        gdp_before=Y,
        gdp_after=arr["income"],
    )
