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
from typing import NamedTuple, TypedDict, Unpack

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.model.economy import Economy, Shock
from tradewar.model.outcomes import Outcome, cp_decomposition
from tradewar.status import Status

jax.config.update("jax_enable_x64", True)

NUMERAIRES = ("world_value_added", "world_price_index", "world_wage")


@partial(
    jax.tree_util.register_dataclass,
    data_fields=["kappa", "psi", "nu", "phi"],
    meta_fields=["tax_relief", "numeraire", "dropped_market", "balanced_with", "beta"],
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
    beta
        Labour share of gross output in a roundabout (input-output) economy (1 = none): the
        domestic flows of the data are gross output (divided by ``beta``), producers buy
        intermediates at the consumer price, unit costs are ``w_hat^beta P_hat^(1 - beta)``,
        and ``P_hat`` becomes an unknown (4N unknowns).
    """

    kappa: jnp.ndarray
    psi: jnp.ndarray
    nu: jnp.ndarray
    phi: jnp.ndarray
    tax_relief: bool = False
    numeraire: str = "world_value_added"
    dropped_market: int = -1
    balanced_with: int = -1
    beta: float = 1.0


def pass_through(nu: np.ndarray, psi: float, phi_tilde: float) -> np.ndarray:
    """ILMS's tariff pass-through exponent of each importer, ``(N,)``.

    ``phi_n = phi~ - 1 + (1 + th) / ((1 - nu_n) th) - 1 / th`` with ``th = 1 / psi``, that is
    ``phi~ - 1 + (1 + psi) / (1 - nu_n) - psi``. With no margins and ``phi~ = 1`` it is one
    (complete pass-through).
    """
    return phi_tilde - 1.0 + (1.0 + psi) / (1.0 - np.asarray(nu)) - psi


class MarginValues(TypedDict, total=False):
    """The scalar settings of `make_margins`, as in `Margins` (the defaults switch them off).

    ``kappa`` (0), ``psi`` (0), ``phi_tilde`` (the pass-through parameter, 1), ``tax_relief``
    (False), ``numeraire`` (``"world_value_added"``) and ``beta`` (1).
    """

    kappa: float
    psi: float
    phi_tilde: float
    tax_relief: bool
    numeraire: str
    beta: float


def make_margins(
    n_countries: int,
    *,
    nu: np.ndarray | None = None,
    dropped_market: int | None = None,
    balanced_with: int | None = None,
    **values: Unpack[MarginValues],
) -> Margins:
    """Build `Margins` from plain values (every margin off by default: the plain model).

    Parameters
    ----------
    n_countries
        ``N``.
    nu
        ``(N,)`` local margins (default zeros).
    dropped_market, balanced_with
        Country indices (default: the last country; none).
    **values
        `MarginValues`: the elasticities, pass-through, revenue use, numeraire and labour
        share.

    Returns
    -------
    Margins
        With each importer's pass-through exponent ``phi`` computed from ``nu``.

    Raises
    ------
    TypeError
        For a value `MarginValues` does not name (as for any unknown keyword).
    ValueError
        For an unknown numeraire.
    """
    unknown = sorted(set(values) - set(MarginValues.__annotations__))
    if unknown:
        raise TypeError(
            f"make_margins() got unknown value(s) {', '.join(unknown)} "
            f"(one of {', '.join(MarginValues.__annotations__)})"
        )
    numeraire = values.get("numeraire", "world_value_added")
    if numeraire not in NUMERAIRES:
        raise ValueError(f"numeraire must be one of {', '.join(NUMERAIRES)}")
    nu = np.zeros(n_countries) if nu is None else np.asarray(nu, dtype=float)
    psi = float(values.get("psi", 0.0))
    return Margins(
        kappa=jnp.asarray(float(values.get("kappa", 0.0))),
        psi=jnp.asarray(psi),
        nu=jnp.asarray(nu),
        phi=jnp.asarray(pass_through(nu, psi, float(values.get("phi_tilde", 1.0)))),
        tax_relief=bool(values.get("tax_relief", False)),
        numeraire=numeraire,
        dropped_market=n_countries - 1 if dropped_market is None else int(dropped_market),
        balanced_with=-1 if balanced_with is None else int(balanced_with),
        beta=float(values.get("beta", 1.0)),
    )


class MarginsBaseline(NamedTuple):
    """Baseline levels: ``E``, ``Y``, ``T`` ``(N,)``; ``lam``, ``flows`` ``(N, N)``."""

    lam: jnp.ndarray
    E: jnp.ndarray
    Y: jnp.ndarray
    T: jnp.ndarray
    flows: jnp.ndarray  # (N, N) [importer, exporter], pre-tariff


def margins_baseline(econ: Economy, margins: Margins) -> MarginsBaseline:
    """Baseline levels with local margins.

    Labour income ``Y_i = beta sum_n (1 - nu_n) X[n, i] + nu_i E_i`` and transfers
    ``T_n = E_n - Y_n - (1 - beta) sum_k (1 - nu_k) X[k, n]`` (the last term: intermediate
    purchases). With a roundabout economy (``beta < 1``) the domestic flows are scaled to gross
    output first.
    """
    lam = econ.pi[:, :, 0]
    flows = lam * econ.expenditure[:, 0][:, None]
    beta = margins.beta
    if beta < 1.0:
        flows = flows + jnp.diag(jnp.diag(flows) * (1.0 / beta - 1.0))
    E = flows.sum(axis=1)
    lam = flows / E[:, None]
    net_sales = ((1.0 - margins.nu)[:, None] * flows).sum(axis=0)
    Y = beta * net_sales + margins.nu * E
    T = E - Y - (1.0 - beta) * net_sales
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
    P_implied: jnp.ndarray
    A: jnp.ndarray
    lam: jnp.ndarray
    flows: jnp.ndarray
    revenue: jnp.ndarray
    income: jnp.ndarray
    spending: jnp.ndarray
    tax_ratio: jnp.ndarray


def _unknowns(z, n: int):
    w, E_hat, L_hat = jnp.exp(z[:n]), jnp.exp(z[n : 2 * n]), jnp.exp(z[2 * n : 3 * n])
    P_unknown = jnp.exp(z[3 * n :]) if z.shape[0] > 3 * n else None
    return w, E_hat, L_hat, P_unknown


def margins_state(z, base: MarginsBaseline, shock: Shock, margins: Margins, eps) -> MarginsState:
    """Prices, shares, flows and incomes at ``z = [log w_hat, log E_hat, log L_hat(, log P_hat)]``.

    ``P_implied`` is the consumer price the trade shares imply. ``P_hat`` equals it, except in a
    roundabout economy (``beta < 1``), where ``P_hat`` is an unknown that the equilibrium
    equates to ``P_implied``.
    """
    n = base.E.shape[0]
    w, E_hat, L_hat, P_unknown = _unknowns(z, n)
    tau = shock.tau[:, :, 0]
    if P_unknown is None:
        cost = w * L_hat ** (-margins.psi)
    else:
        beta = margins.beta
        scale = (w / P_unknown) ** (1.0 - beta) * L_hat
        cost = w**beta * P_unknown ** (1.0 - beta) * scale ** (-margins.psi)
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
    P_implied = (E_hat / w) ** (1.0 - margins.phi) * A ** (-1.0 / eps)
    spending = E_hat * base.E
    income = w * L_hat * base.Y
    flows = lam * spending[:, None] / (1.0 + tau)
    revenue = (tau * flows).sum(axis=1)
    return MarginsState(
        w=w,
        E_hat=E_hat,
        L_hat=L_hat,
        P_hat=P_implied if P_unknown is None else P_unknown,
        P_implied=P_implied,
        A=A,
        lam=lam,
        flows=flows,
        revenue=revenue,
        income=income,
        spending=spending,
        tax_ratio=revenue / income,
    )


def margins_residuals(z, base: MarginsBaseline, shock: Shock, margins: Margins, eps):
    """The equilibrium conditions, each relative to its baseline size (zero at a solution).

    Labour income (one country's replaced by the numeraire), the budget
    ``E' = Y' + R' + (1 - beta) sales' + T sum(Y') / sum(Y)``, labour supply and, in a
    roundabout economy, the price index.
    """
    s = margins_state(z, base, shock, margins, eps)
    n = base.E.shape[0]
    beta = margins.beta
    net_sales = ((1.0 - margins.nu)[:, None] * s.flows).sum(axis=0)
    earned = beta * net_sales + margins.nu * s.flows.sum(axis=1)
    income_gap = (earned - s.income) / base.Y
    if margins.numeraire == "world_price_index":
        anchor = jnp.sum(base.E * (s.P_hat - 1.0)) / jnp.sum(base.E)
    elif margins.numeraire == "world_wage":
        anchor = jnp.sum(base.Y * (s.w - 1.0)) / jnp.sum(base.Y)
    else:
        anchor = jnp.sum(s.income) / jnp.sum(base.Y) - 1.0
    income_gap = income_gap.at[margins.dropped_market % n].set(anchor)
    world = jnp.sum(s.income) / jnp.sum(base.Y)
    inputs = (1.0 - beta) * net_sales
    budget_gap = (s.spending - s.income - s.revenue - inputs - base.T * world) / base.E
    after_tax = 1.0 / (1.0 - s.tax_ratio) if margins.tax_relief else 1.0
    labour_gap = z[2 * n : 3 * n] - margins.kappa * jnp.log(after_tax * s.w / s.P_hat)
    parts = [income_gap, budget_gap, labour_gap]
    if z.shape[0] > 3 * n:  # roundabout: the unknown price must equal the one shares imply
        parts.append(jnp.log(s.P_hat) - jnp.log(s.P_implied))
    return jnp.concatenate(parts)


class MarginsSolution(NamedTuple):
    """Raw output of `solve_margins`: the unknowns, iterations and the largest residual."""

    z: jnp.ndarray
    iterations: jnp.ndarray
    max_residual: jnp.ndarray


#: Steps of the homotopy in the policy that `solve_margins` falls back on.
CONTINUATION_STEPS = 8


def solve_margins(
    econ: Economy,
    shock: Shock,
    margins: Margins,
    tol: float = 1e-12,
    max_iterations: int = 100,
    start: jnp.ndarray | None = None,
) -> MarginsSolution:
    """Solve the extended model by Newton's method with backtracking (jitted).

    ``start`` warm-starts from an earlier ``z`` (default: the baseline). If Newton's method
    misses ``tol`` from there (large shocks), the policy is applied in `CONTINUATION_STEPS`
    equal steps (tariffs and trade costs in proportion), each solved from the last, and the
    result is solved once more at the full policy. The residual is the largest relative
    residual of any equation; NaN if anything is not finite.
    """
    base = margins_baseline(econ, margins)
    unknowns = (3 if margins.beta == 1.0 else 4) * base.E.shape[0]
    z0 = jnp.zeros(unknowns) if start is None else start
    return _solve(base, shock, margins, econ.theta[0], z0, jnp.asarray(tol), max_iterations)


@partial(jax.jit, static_argnames=("max_iterations",))
def _solve(base, shock, margins, eps, z0, tol, max_iterations: int) -> MarginsSolution:
    direct = _newton(base, shock, margins, eps, z0, tol, max_iterations)

    def homotopy(_):
        def step(k, z):
            frac = (k + 1.0) / CONTINUATION_STEPS
            partial_shock = shock._replace(tau=frac * shock.tau, cost_hat=shock.cost_hat**frac)
            return _newton(base, partial_shock, margins, eps, z, tol, max_iterations).z

        z = jax.lax.fori_loop(0, CONTINUATION_STEPS, step, jnp.zeros_like(z0))
        return _newton(base, shock, margins, eps, z, tol, max_iterations)

    return jax.lax.cond(direct.max_residual <= tol, lambda _: direct, homotopy, None)


@partial(jax.jit, static_argnames=("max_iterations",))
def _newton(base, shock, margins, eps, z0, tol, max_iterations: int) -> MarginsSolution:
    """Newton's method that reuses its Jacobian while that still converges fast.

    Each iteration first tries a step with the last factorised Jacobian; if that does not
    halve the largest residual, the Jacobian is recomputed (forward mode) at the current point
    and a full Newton step is taken, halved while the largest residual does not fall. Building
    the Jacobian costs about twenty times a factorised solve, so most iterations reuse it.
    """

    def residual(z):
        return margins_residuals(z, base, shock, margins, eps)

    def size(f):
        return jnp.where(jnp.all(jnp.isfinite(f)), jnp.max(jnp.abs(f)), jnp.inf)

    def factor(z):
        return jax.scipy.linalg.lu_factor(jax.jacfwd(residual)(z))

    def cond(state):
        k, _, err, _ = state
        return (k < max_iterations) & (err > tol) & jnp.isfinite(err)

    def body(state):
        k, z, err, lu = state
        f = residual(z)
        quick = z - jax.scipy.linalg.lu_solve(lu, f)
        quick_err = size(residual(quick))

        def fresh(_):
            new_lu = factor(z)
            step = jax.scipy.linalg.lu_solve(new_lu, f)

            def shorter(carry):
                t, _ = carry
                return t * 0.5, size(residual(z - 0.5 * t * step))

            def too_long(carry):
                t, trial = carry
                return (trial >= err) & (t > 1e-4)

            t, trial_err = jax.lax.while_loop(too_long, shorter, (1.0, size(residual(z - step))))
            return z - t * step, trial_err, new_lu

        z_new, err_new, lu = jax.lax.cond(
            quick_err <= 0.5 * err, lambda _: (quick, quick_err, lu), fresh, None
        )
        return k + 1, z_new, err_new, lu

    state = (0, z0, size(residual(z0)), factor(z0))
    k, z, err, _ = jax.lax.while_loop(cond, body, state)
    err = jnp.where(jnp.isfinite(err), err, jnp.nan)
    return MarginsSolution(z=z, iterations=jnp.asarray(k), max_residual=err)


def margins_welfare(state: MarginsState, base: MarginsBaseline, margins: Margins) -> jnp.ndarray:
    """ILMS welfare ``delta C_hat / P_hat + (1 - delta) w_hat L_hat / P_hat``.

    ``C`` is final spending: ``E`` without a roundabout, else ``Y + T`` (gross spending less
    intermediate purchases) with change ``(R' + Y' + T sum(Y') / sum(Y)) / C``;
    ``delta = C / (C - kappa / (1 + kappa) (1 - tau) Y)`` (money-metric utility net of the
    disutility of work), with ``tau = tau'`` under tax relief and 0 under a lump-sum rebate.
    With ``kappa = 0`` it is real final spending.
    """
    if margins.beta == 1.0:
        final, C_hat = base.E, state.E_hat
    else:
        final = base.Y + base.T
        world = jnp.sum(state.income) / jnp.sum(base.Y)
        C_hat = (state.revenue + state.income + base.T * world) / final
    tau = state.tax_ratio if margins.tax_relief else 0.0
    delta = final / (final - margins.kappa / (1.0 + margins.kappa) * (1.0 - tau) * base.Y)
    return (delta * C_hat + (1.0 - delta) * state.w * state.L_hat) / state.P_hat


def margins_outcome(
    econ: Economy, shock: Shock, margins: Margins, sol: MarginsSolution, tol: float
) -> Outcome:
    """Every reported quantity of a solved extended model (shapes as in `Outcome`).

    Income is gross spending ``E`` (labour income, tariff revenue and the transfer); GDP is
    labour income ``Y``; the unit cost is ``w_hat L_hat^(-psi)``; the consumer price index is
    ``P_hat``; welfare is `margins_welfare`. The Caliendo–Parro decomposition is evaluated with
    the unit-cost changes. ``walras_residual`` is the world sum of ``E' - Y' - R' - inputs' -
    T'`` relative to world income (zero when the world's accounts close).
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
    inputs = (1.0 - margins.beta) * ((1.0 - np.asarray(margins.nu))[:, None] * arr["flows"]).sum(0)
    transfers = arr["spending"] - arr["income"] - arr["revenue"] - inputs
    walras = float(abs(transfers.sum()) / arr["income"].sum())
    residual = float(sol.max_residual)
    finite = np.isfinite(residual) and all(np.all(np.isfinite(v)) for v in arr.values())
    if not finite:
        status = Status.NOT_FINITE
    elif np.any(arr["spending"] <= 0) or np.any(arr["income"] <= 0):
        status = Status.OUTSIDE_DOMAIN
    else:
        status = Status.CONVERGED if residual <= tol else Status.NOT_CONVERGED
    welfare = np.asarray(margins_welfare(s, base, margins))
    zeros = np.zeros_like(E)
    return Outcome(
        method="newton",
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
        tariffs_before=np.asarray(econ.tau),
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
