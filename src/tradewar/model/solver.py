"""Exact hat-algebra equilibrium solver (JAX, float64).

The unknowns are log wage changes ``x = log w_hat`` (N). For a given ``x`` the inner systems are
solved to a tight tolerance, warm-started from the previous outer iterate:

1. prices: ``log P_hat`` is the fixed point of unit costs (eq. 1) and CES price indices (eq. 2),
   a contraction because value-added shares are positive;
2. shares ``pi'`` (eq. 3);
3. expenditure ``X'``: the linear goods-market system (eqs. 4–5), iterated as a contraction.

The outer map sets each wage bill to the value added its producers earn (eq. 6),
``w_hat_new = sum_j gamma_va Y' / va``, damped in logs and sped up with Anderson acceleration.
Walras' law keeps world value added (the numeraire) fixed along the iteration; the solver
re-imposes it each step against rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.model.accounts import (
    Wedges,
    accounts_from_shares,
    border_factor,
    national_income,
    sector_major,
    shock_accounts,
    spending_shares,
)
from tradewar.model.arrays import filled, on_device
from tradewar.model.economy import Economy, Shock
from tradewar.model.equilibrium import (
    InnerSolve,
    _log_prices,
    cost_structure,
    goods_market,
    trade_shares,
    trade_shares_by_sector,
    trade_weights,
)

jax.config.update("jax_enable_x64", True)


@dataclass(frozen=True)
class SolverOptions:
    """Tolerances and limits of the equilibrium solver.

    Parameters
    ----------
    tol
        Convergence when every country's labour-market excess demand, relative to its wage bill,
        is below ``tol`` in absolute value.
    max_iterations
        Outer iterations before `ConvergenceError`.
    inner_tol
        Tolerance (max abs change) of the inner price and expenditure loops, relative.
    max_inner
        Iteration cap of each inner loop per outer iteration.
    damping
        Step size ``0 < damping <= 1`` of the wage update in logs.
    anderson_memory
        Number of past iterates in Anderson acceleration; 0 turns it off.
    linear_solver
        How the adjoint systems of implicit differentiation are solved: ``"auto"`` (dense up to
        `tradewar.model.implicit.DENSE_LIMIT` unknowns, else GMRES with a dense fallback when it
        misses ``linear_tol``), ``"dense"`` or ``"gmres"`` (no fallback: a missed tolerance
        gives NaN gradients, which every caller treats as a failure).
    linear_tol
        Relative residual ``|A x - b| / |b|`` the adjoint solve must meet.
    linear_maxiter
        GMRES restarts (of 50 Krylov vectors each) before it gives up.
    adaptive_inner
        Let the inner tolerance follow the outer residual (looser far from the solution, exact
        over the last iterations and in the final evaluation); False solves the inner loops to
        ``inner_tol`` at every iteration.

    Notes
    -----
    Only ``anderson_memory`` shapes the compiled solver; the other values are passed to it as
    data, so changing a tolerance never recompiles.
    """

    tol: float = 1e-10
    max_iterations: int = 500
    inner_tol: float = 1e-13
    max_inner: int = 400
    damping: float = 0.5
    anderson_memory: int = 6
    linear_solver: str = "auto"
    linear_tol: float = 1e-10
    linear_maxiter: int = 40
    adaptive_inner: bool = True

    def __post_init__(self) -> None:
        import numbers

        from tradewar.errors import ArgumentError, describe_value

        for name, kind in (
            ("tol", numbers.Real),
            ("max_iterations", numbers.Integral),
            ("inner_tol", numbers.Real),
            ("max_inner", numbers.Integral),
            ("damping", numbers.Real),
            ("anderson_memory", numbers.Integral),
            ("linear_solver", str),
            ("linear_tol", numbers.Real),
            ("linear_maxiter", numbers.Integral),
            ("adaptive_inner", bool),
        ):
            value = getattr(self, name)
            wrong_bool = isinstance(value, bool) and kind is not bool
            if wrong_bool or not isinstance(value, kind):
                names: dict[type, str] = {
                    numbers.Real: "a number",
                    numbers.Integral: "a whole number",
                }
                wanted = names.get(kind, kind.__name__)
                raise ArgumentError(
                    f"options.{name}", f"must be {wanted}, not {describe_value(value)}"
                )
        checks = [
            (0 < self.tol < 1, "tol must be in (0, 1)"),
            (self.max_iterations >= 1, "max_iterations must be >= 1"),
            (0 < self.inner_tol < 1, "inner_tol must be in (0, 1)"),
            (self.max_inner >= 1, "max_inner must be >= 1"),
            (0 < self.damping <= 1, "damping must be in (0, 1]"),
            (0 <= self.anderson_memory <= 50, "anderson_memory must be in 0..50"),
            (
                self.linear_solver in ("auto", "dense", "gmres"),
                "linear_solver must be one of auto, dense, gmres",
            ),
            (0 < self.linear_tol < 1, "linear_tol must be in (0, 1)"),
            (self.linear_maxiter >= 1, "linear_maxiter must be >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                name = message.split(" ", 1)[0]
                raise ArgumentError(f"options.{name}", f"SolverOptions: {message}")

    def limits(self) -> _Limits:
        """The numeric limits as traced data for the compiled solver (made once per options)."""
        return _limits(self)


#: The limits of each `SolverOptions` as device arrays, made once (never while tracing).
_LIMITS: dict[SolverOptions, _Limits] = {}
_LIMITS_MAX = 64


def _limits(options: SolverOptions) -> _Limits:
    found = _LIMITS.get(options)
    if found is not None:
        return found
    made = _Limits(
        tol=on_device(options.tol, np.float64),
        max_iterations=on_device(options.max_iterations, np.int64),
        inner_tol=on_device(options.inner_tol, np.float64),
        max_inner=on_device(options.max_inner, np.int64),
        damping=on_device(options.damping, np.float64),
        adaptive=on_device(options.adaptive_inner, np.bool_),
    )
    traced = any(isinstance(leaf, jax.core.Tracer) for leaf in made)
    if not traced and len(_LIMITS) < _LIMITS_MAX:
        _LIMITS[options] = made
    return made


#: Inner tolerance of an outer iteration (with ``adaptive_inner``): this ratio times the last
#: outer residual, within
#: [`SolverOptions.inner_tol`, `INNER_TOL_CAP`], and ``inner_tol`` itself once the residual is
#: below `INNER_TOL_EXACT_BELOW` (the last iterations, which set the solution's accuracy) or
#: after `INEXACT_ITERATIONS` outer iterations. The evaluation that ends the solve always uses
#: ``inner_tol``. Anderson acceleration extrapolates from differences of the map's values, so
#: inner errors must stay well below the outer residual: at a ratio of 0.1 the 194-country
#: one-sector input-output world needed 169 iterations (30 with exact inner solves); at 0.01, 65.
INNER_TOL_RATIO = 0.01
INNER_TOL_CAP = 1e-4
INNER_TOL_EXACT_BELOW = 3e-10
#: Outer iterations after which every inner solve is exact: a slow solve is the sign that the
#: inexact inner solutions are spoiling the acceleration (the safeguard needs no tuning).
INEXACT_ITERATIONS = 50


class _Limits(NamedTuple):
    tol: jnp.ndarray
    max_iterations: jnp.ndarray
    inner_tol: jnp.ndarray
    max_inner: jnp.ndarray
    damping: jnp.ndarray
    adaptive: jnp.ndarray


class Solution(NamedTuple):
    """Raw solver output (arrays; labels live in `Result`).

    Attributes
    ----------
    w_hat
        ``(N,)`` wage (value-added) changes, numeraire = world value added.
    log_P_hat
        ``(N, J)`` log sector price-index changes.
    expenditure
        ``(N, J)`` counterfactual spending X' including tariffs.
    pi
        ``(N, N, J)`` counterfactual expenditure shares.
    iterations
        Outer iterations used.
    max_residual
        Largest residual of the equilibrium conditions at the solution: labour markets
        (relative to each wage bill), price indices (logs) and goods markets (relative to world
        value added); NaN if anything is not finite.
    inner_residual
        Largest last-step change of the inner loops at the final iterate.
    in_domain
        False when spending or a country's national income is negative at the solution.
    """

    w_hat: jnp.ndarray
    log_P_hat: jnp.ndarray
    expenditure: jnp.ndarray
    pi: jnp.ndarray
    iterations: jnp.ndarray
    max_residual: jnp.ndarray
    inner_residual: jnp.ndarray
    in_domain: jnp.ndarray


def _solve_spd(a: jnp.ndarray, b: jnp.ndarray) -> jnp.ndarray:
    """Solve ``a x = b`` for a small symmetric positive definite ``a`` (m, m); ``b`` is (m,).

    Gauss–Jordan elimination without pivoting, which is stable for such matrices: the
    Anderson step's regularised Gram matrix. Written out rather than `jnp.linalg.solve`, whose
    LAPACK kernels make a fresh process import SciPy's BLAS (0.15 s) before its first solve.
    """

    def eliminate(k, ab):
        a, b = ab
        row, rhs = a[k] / a[k, k], b[k] / a[k, k]
        factor = a[:, k].at[k].set(0.0)
        a = (a - factor[:, None] * row[None, :]).at[k].set(row)
        b = (b - factor * rhs).at[k].set(rhs)
        return a, b

    _, x = jax.lax.fori_loop(0, a.shape[0], eliminate, (a, b))
    return x


class _State(NamedTuple):
    k: jnp.ndarray
    x: jnp.ndarray
    log_P: jnp.ndarray
    X: jnp.ndarray
    dF: jnp.ndarray  # (m, N) differences of residuals
    dG: jnp.ndarray  # (m, N) differences of map values
    f_prev: jnp.ndarray
    g_prev: jnp.ndarray
    residual: jnp.ndarray
    inner: jnp.ndarray
    exact: jnp.ndarray  # the last evaluation solved the inner loops to `inner_tol`
    needs_krylov: jnp.ndarray  # the goods-market contraction failed without a GMRES fallback


def solve_arrays(
    econ: Economy,
    shock: Shock,
    options: SolverOptions | None = None,
    start: Solution | None = None,
) -> Solution:
    """Solve the equilibrium in changes for ``shock`` on ``econ``.

    This is the array kernel (jitted); `tradewar.solve` wraps it with labels and checks.
    ``start`` warm-starts wages, prices and spending from an earlier solution of the same
    economy (e.g. the previous round of a quota search or a negotiation).
    """
    options = options or SolverOptions()
    args = (econ, shock, options.anderson_memory, options.limits(), *starting_point(econ, start))
    traced = any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(args))
    if not traced:
        # The usual program has no GMRES: tracing, lowering and loading it is half as costly,
        # which is most of a fresh process's first solve. A goods market the contraction cannot
        # solve stops it, and the solve is run again from the same start with the fallback.
        solution, needs_krylov = _solve_jit(*args, krylov=False)
        if not bool(needs_krylov):
            return solution
    return _solve_jit(*args, krylov=True)[0]


def starting_point(econ: Economy, start: Solution | None) -> tuple[jnp.ndarray, ...]:
    """The solver's start ``(log w_hat, log P_hat, X')``: the baseline, or ``start``'s."""
    if start is None:
        return (
            filled(tuple(econ.va.shape), 0.0),
            filled(tuple(econ.alpha.shape), 0.0),
            econ.expenditure,
        )
    return jnp.log(start.w_hat), start.log_P_hat, start.expenditure


@partial(jax.jit, static_argnames=("anderson_memory", "krylov"))
def _solve_jit(
    econ: Economy,
    shock: Shock,
    anderson_memory: int,
    lim: _Limits,
    x0,
    log_P0,
    X0,
    krylov: bool = True,
) -> tuple[Solution, jnp.ndarray]:
    """The solver program; returns the solution and whether it stopped for want of GMRES.

    With ``krylov`` the goods market falls back on GMRES when its contraction fails (and the
    flag is always False); without it such a failure ends the loop with the flag set, and the
    solution is not to be used.
    """
    n = econ.va.shape[0]
    m = max(anderson_memory, 1)
    A = trade_weights(econ, shock)
    # The inner loops' arrays, sector-major once per solve (`sector_major`).
    A_by_sector = sector_major(A)
    wedges = Wedges.of_shock(shock)
    at_world_prices = A_by_sector / wedges.border()
    total_va = jnp.sum(econ.va)
    weights = econ.va / total_va

    def normalise(x):
        return x - jnp.log(jnp.sum(weights * jnp.exp(x)))

    def evaluate(x, log_P0, X0, inner_tol):
        w = jnp.exp(x)
        inner = InnerSolve(inner_tol, lim.max_inner, krylov)
        log_P, log_c, ch_p = _log_prices(A_by_sector, econ, x, log_P0, inner)
        world_price = trade_shares_by_sector(at_world_prices, econ, log_c, log_P)
        shares = spending_shares(world_price, wedges)
        _, gamma_va, gamma_io = cost_structure(econ, x, log_P)
        X, ch_x, failed = goods_market(shares, shock, econ, gamma_va, gamma_io, w, X0, inner)
        missed = jnp.asarray(False) if krylov else failed
        acc = accounts_from_shares(econ, shares, X, gamma_va)
        demand = acc.labour_demand
        excess = jnp.log(jnp.maximum(demand, 1e-300)) - jnp.log(w * econ.va)
        residual = jnp.max(jnp.abs(demand / (w * econ.va) - 1.0))
        return excess, residual, log_P, X, jnp.maximum(ch_p, ch_x), missed

    # The loop ends once an evaluation with exact inner solves meets the tolerance: when the
    # residual first falls below it after an inexact evaluation, the wages are held and
    # evaluated once more exactly, so the returned prices and spending are the exact inner
    # solution at the returned wages (one copy of the inner solvers in the compiled program).
    def cond(s: _State):
        done = (s.residual <= lim.tol) & s.exact
        return (s.k < lim.max_iterations) & ~done & ~jnp.isnan(s.residual) & ~s.needs_krylov

    def body(s: _State):
        # Inexact inner solves far from the solution: the inner tolerance follows the outer
        # residual down to `inner_tol`, so early iterations do not solve prices and goods
        # markets to 1e-13 at wages that are still far off.
        # The last allowed iteration is exact too and keeps its wages, so that a solve that runs
        # out of iterations still returns wages with the inner solution evaluated at them.
        last = s.k + 1 >= lim.max_iterations
        exact = (
            ~lim.adaptive
            | (s.residual < INNER_TOL_EXACT_BELOW)
            | (s.residual <= lim.tol)
            | last
            | (s.k >= INEXACT_ITERATIONS)
        )
        inner_tol = jnp.where(
            exact,
            lim.inner_tol,
            jnp.clip(INNER_TOL_RATIO * s.residual, lim.inner_tol, INNER_TOL_CAP),
        )
        excess, residual, log_P, X, inner, missed = evaluate(s.x, s.log_P, s.X, inner_tol)
        f = lim.damping * excess
        g = normalise(s.x + f)
        mixed, dF, dG = _anderson(s, f, g, m, anderson_memory > 0)
        x_new = normalise(mixed)
        x_new = jnp.where((residual <= lim.tol) | last, s.x, x_new)
        return _State(s.k + 1, x_new, log_P, X, dF, dG, f, g, residual, inner, exact, missed)

    init = _State(
        k=jnp.asarray(0),
        x=normalise(x0),
        log_P=log_P0,
        X=X0,
        dF=jnp.zeros((m, n)),
        dG=jnp.zeros((m, n)),
        f_prev=jnp.zeros(n),
        g_prev=jnp.zeros(n),
        residual=jnp.asarray(jnp.inf),
        inner=jnp.asarray(jnp.inf),
        exact=jnp.asarray(False),
        needs_krylov=jnp.asarray(False),
    )
    s = jax.lax.while_loop(cond, body, init)
    solution = _returned(econ, shock, A, s, total_va)
    return solution, s.needs_krylov


def _anderson(
    s: _State, f: jnp.ndarray, g: jnp.ndarray, m: int, accelerate: bool
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """Anderson mixing of the last ``m`` steps: the next wages and the updated histories.

    Returns the next log wages (before the numeraire is imposed) and the histories of the map's
    steps ``dF`` and values ``dG``. Falls back to the damped step ``g`` on the first iteration,
    without memory, or when the extrapolation is not finite or moves any log wage by a whole
    unit.
    """
    slot = (s.k - 1) % m
    use_history = (s.k > 0) & accelerate
    dF = jnp.where(use_history, s.dF.at[slot].set(f - s.f_prev), s.dF)
    dG = jnp.where(use_history, s.dG.at[slot].set(g - s.g_prev), s.dG)
    count = jnp.minimum(s.k, m)
    mask = (jnp.arange(m) < count).astype(f.dtype)
    dFm = dF * mask[:, None]
    gram = dFm @ dFm.T
    reg = 1e-10 * jnp.trace(gram) + 1e-200
    gamma = _solve_spd(gram + (reg + (1.0 - mask)) * jnp.eye(m), dFm @ f)
    x_aa = g - (gamma * mask) @ dG
    ok = jnp.all(jnp.isfinite(x_aa)) & (jnp.max(jnp.abs(x_aa - g)) < 1.0)
    return jnp.where(use_history & ok, x_aa, g), dF, dG


def _returned(econ: Economy, shock: Shock, A: jnp.ndarray, s: _State, total_va) -> Solution:
    """The solution at the loop's last wages, judged on every equilibrium condition."""
    # The returned wages with the inner solution evaluated at them, judged on every condition.
    log_P, X, inner = s.log_P, s.X, s.inner
    log_c, _, _ = cost_structure(econ, s.x, log_P)
    pi_new = trade_shares(A, econ, log_c, log_P)
    gaps = market_gaps(econ, shock, s.x, log_P, X)
    blocks = _residual_blocks(econ, gaps, jnp.exp(s.x))
    # Labour markets as judged by the last evaluation (at the returned wages); prices and goods
    # markets at its inner solution.
    worst = jnp.maximum(jnp.maximum(s.residual, blocks["prices"]), blocks["goods"])
    # NaN anywhere makes the residual NaN (never below the tolerance).
    worst = jnp.where(jnp.isfinite(worst), worst, jnp.nan)
    return Solution(
        w_hat=jnp.exp(s.x),
        log_P_hat=log_P,
        expenditure=X,
        pi=pi_new,
        iterations=s.k,
        max_residual=worst,
        inner_residual=inner,
        in_domain=_in_domain(gaps, X, total_va),
    )


def _in_domain(gaps: Gaps, X, scale):
    """True when spending and national income are non-negative (the model's domain).

    Deep import subsidies can drive tariff revenue, and with it income and spending, below
    zero: the equations may still balance, but such a point is not an economy.
    """
    tol = 1e-9 * scale
    return jnp.all(-tol <= X) & jnp.all(gaps.income > 0) & jnp.all(jnp.isfinite(X))


class Gaps(NamedTuple):
    """The equilibrium conditions at a candidate (see `market_gaps`)."""

    price: jnp.ndarray
    goods: jnp.ndarray
    wage_demand: jnp.ndarray
    balance: jnp.ndarray
    income: jnp.ndarray


def market_gaps(econ: Economy, shock: Shock, log_w, log_P, X) -> Gaps:
    """The equilibrium conditions (eqs. 1–6) at a candidate ``(log w_hat, log P_hat, X')``.

    Returns `Gaps`: the log price-index residual ``price`` ``(N, J)``, the goods-market gap
    ``goods = X' - intermediate - final demand`` ``(N, J)`` in money, the wage bill producers
    earn ``wage_demand`` ``(N,)`` (to compare with ``w_hat * va``), the trade-balance gap
    ``balance = imports - exports - deficit`` ``(N,)`` and national ``income`` ``(N,)``. All
    gaps are zero (wages: equal) at a solution.
    """
    A = trade_weights(econ, shock)
    log_c, gamma_va, gamma_io = cost_structure(econ, log_w, log_P)
    s = jnp.einsum("nij,ij->nj", A, jnp.exp(-econ.theta * log_c))
    price = jnp.where(s > 0, log_P + jnp.log(jnp.where(s > 0, s, 1.0)) / econ.theta, 0.0)
    pi_new = trade_shares(A, econ, log_c, log_P)
    acc = shock_accounts(econ, shock, pi_new, X, gamma_va)
    income = national_income(jnp.exp(log_w) * econ.va, shock.deficit, acc)
    goods = X - jnp.einsum("nkj,nj->nk", gamma_io, acc.output) - econ.alpha * income[:, None]
    flows = pi_new / border_factor(shock.tau, shock.import_rent, shock.dissipated) * X[:, None, :]
    off = flows * (1.0 - jnp.eye(flows.shape[0]))[:, :, None]
    balance = off.sum(axis=(1, 2)) - off.sum(axis=(0, 2)) - shock.deficit
    return Gaps(price, goods, acc.labour_demand, balance, income)


def _residual_blocks(econ: Economy, gaps: Gaps, w_hat) -> dict[str, jnp.ndarray]:
    scale = jnp.sum(w_hat * econ.va)
    labour = gaps.wage_demand / (w_hat * econ.va) - 1.0
    return {
        "prices": jnp.max(jnp.abs(gaps.price)),
        "goods": jnp.max(jnp.abs(gaps.goods)) / scale,
        "labour": jnp.max(jnp.abs(labour)),
        "trade_balance": jnp.max(jnp.abs(gaps.balance)) / scale,
    }


def equilibrium_residuals(
    econ: Economy, shock: Shock, w_hat: jnp.ndarray, log_P: jnp.ndarray, X: jnp.ndarray
) -> dict[str, jnp.ndarray]:
    """Residuals of every equilibrium condition at a candidate solution (for verification).

    Returns max absolute residuals of: ``prices`` (eqs. 1–2, in logs), ``goods`` (eqs. 4–5,
    relative to world value added), ``labour`` (eq. 6, relative to each wage bill) and
    ``trade_balance`` (imports - exports - deficit, relative to world value added; Walras' law).
    Scaling ``w_hat``, ``exp(log_P)``, ``X`` and the deficits by one factor leaves them unchanged.
    """
    gaps = market_gaps(econ, shock, jnp.log(w_hat), log_P, X)
    return _residual_blocks(econ, gaps, w_hat)
