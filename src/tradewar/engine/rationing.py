"""Solving a policy state when quantities are rationed: quotas and short-run capacity limits.

Both are solved as price wedges on top of the engine's equilibrium:

- a **quota** on a flow is the export tax that makes the quantity shipped equal the quota (the
  rent goes to the exporter, who holds the licences);
- a **capacity limit** on a producer of a critical input (`Capacity`, from the scenario's
  ``[chokepoints]`` table) is a premium ``r`` on all of its sales, at home and abroad, that holds
  its output quantity ``Q_hat`` on its supply curve ``Q_hat <= headroom * (1 + r)^eta``. With
  ``eta = 0`` (fixed capacity) the premium rises until buyers want no more than the capacity;
  with a finite ``eta`` more output comes at a rising price. The premium is the shadow price of
  capacity, a rent earned by the producing country (national income, not wages).

Stocks soften cut-offs: a ban (or quota) on a capacity-limited input becomes a quota at
``min(q + cover, 1)`` of the baseline quantity, where ``cover`` is the share of the horizon the
buyers' stocks of normal use last, i.e. stocks are drawn down evenly over the horizon.

Who earns a quota's scarcity rent is set per quota (`split_wedges`): the exporter (an export
tax), the importer (a tariff-like wedge whose rent the importing country keeps) or nobody (the
rent is dissipated in rent seeking).

Each round solves the engine at the current wedges and takes a quasi-Newton step in
``log(1 + wedge)`` per quota cell and per capacity-limited producer: the first with their
partial elasticities, then with Broyden's updates of the Jacobian, because the cells are coupled
(buyers switch between limited suppliers) and the partial elasticities can be far off when
demand for the input is very inelastic. A wedge never goes below its floor (the policy's own export
tax, or no premium).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from tradewar.engine.capacity import Capacity, with_stocks
from tradewar.model.arrays import filled, on_device
from tradewar.model.economy import Economy, Shock
from tradewar.model.outcomes import Outcome, compute_outcome
from tradewar.model.solver import Solution, SolverOptions, solve_arrays
from tradewar.policy.policies import RENT_REGIMES
from tradewar.policy.shocks import PolicyState
from tradewar.status import Status

#: Tolerance (relative quantity gap) and round cap of the search for the wedges.
RATIONING_TOL = 1e-7
RATIONING_MAX_ROUNDS = 100
#: Largest change of ``log(1 + wedge)`` in one round (keeps a poor first slope from overshooting).
MAX_LOG_STEP = 1.5


@dataclass(frozen=True)
class Wedges:
    """A policy state's price wedges split by who earns them, ``(N, N, J)`` each (fractions).

    ``export_tax`` goes to the exporter (policy taxes and the exporter's part of quota rents),
    ``import_rent`` stays with the importer, ``dissipated`` is burned in rent seeking in the
    importing country; None where a kind is absent everywhere.
    """

    export_tax: np.ndarray
    import_rent: np.ndarray | None
    dissipated: np.ndarray | None


def split_wedges(
    state: PolicyState, tax: np.ndarray, binding: np.ndarray, default_rent: str = "exporter"
) -> Wedges:
    """Split the quota wedges in ``tax`` by the rent regime of each quota.

    ``tax`` ``(N, N, J)`` holds the policies' export taxes and, on the ``binding`` quota cells,
    the whole wedge that makes the quota bind (at least the policy's own export tax). The part
    of that wedge above the policy tax is the quota rent: under ``exporter`` the exporter earns
    it up to the quota's premium cap and the importer keeps the rest; under ``importer`` the
    importer keeps all of it; under ``none`` all of it is dissipated. Cells without a binding
    quota keep the policy's export tax.
    """
    if not binding.any():  # no quota binds: the policies' export taxes, nothing else
        return Wedges(export_tax=np.array(tax, dtype=float), import_rent=None, dissipated=None)
    regimes = state.rent_regimes(default_rent)
    base = state.export_tax
    quota_rent = np.where(binding, (1.0 + tax) / (1.0 + base) - 1.0, 0.0)
    exporter = binding & (regimes == RENT_REGIMES.index("exporter"))
    paid = np.where(exporter, np.minimum(quota_rent, state.caps()), 0.0)
    rest = (1.0 + quota_rent) / (1.0 + paid) - 1.0
    none = binding & (regimes == RENT_REGIMES.index("none"))
    kept = np.where(binding & ~none, rest, 0.0)
    burned = np.where(none, rest, 0.0)
    return Wedges(
        export_tax=np.where(binding, (1.0 + base) * (1.0 + paid) - 1.0, tax),
        import_rent=kept if np.any(kept > 0) else None,
        dissipated=burned if np.any(burned > 0) else None,
    )


def _shock(econ: Economy, state: PolicyState, wedges: Wedges, rent: np.ndarray) -> Shock:
    wedge = state.has_export_controls or bool(np.any(rent > 0))
    factor = (1.0 + wedges.export_tax) * (1.0 + rent[None, :, :])
    return Shock(
        tau=on_device(state.tariffs, np.float64),
        cost_hat=filled(state.cost_hat.shape, 1.0)
        if not np.any(state.cost_hat != 1.0)
        else on_device(state.cost_hat, np.float64),
        deficit=econ.deficit,
        export_tax=on_device(factor - 1.0, np.float64) if wedge else None,
        open=on_device(state.open, np.float64) if wedge else None,
        import_rent=None
        if wedges.import_rent is None
        else on_device(wedges.import_rent, np.float64),
        dissipated=None if wedges.dissipated is None else on_device(wedges.dissipated, np.float64),
    )


def _outcome(
    econ: Economy,
    shock: Shock,
    solution: Solution,
    options: SolverOptions,
    wedges: Wedges,
    rent: np.ndarray | None,
) -> Outcome:
    """The outcome with the exporters' taxes and the capacity premia reported apart."""
    outcome = compute_outcome(econ, shock, solution, options.tol)
    if rent is None:
        return replace(outcome, export_tax=wedges.export_tax)
    return replace(outcome, export_tax=wedges.export_tax, capacity_rent=rent)


def quantity_change(outcome: Outcome) -> np.ndarray:
    """Change in quantities shipped, ``(N, N, J)``: producer value over the exporter's unit cost."""
    before = outcome.flows_before
    factor = 1.0 + outcome.export_tax
    if outcome.capacity_rent is not None:
        factor = factor * (1.0 + outcome.capacity_rent[None, :, :])
    after = outcome.flows_after / factor / outcome.c_hat[None, :, :]
    return np.where(before > 0, after / np.where(before > 0, before, 1.0), 1.0)


def output_quantity_change(outcome: Outcome) -> np.ndarray:
    """Change in each producer's output quantity, ``(N, J)`` (1 where it produced nothing)."""
    before = outcome.output_before
    after = outcome.output_after / outcome.c_hat
    return np.where(before > 0, after / np.where(before > 0, before, 1.0), 1.0)


class Rationed(NamedTuple):
    """What one rationed solve passes to the next: its solution, wedges and Jacobian estimate.

    ``tax`` ``(N, N, J)`` holds the quota wedges (policy taxes elsewhere), ``rent`` ``(N, J)``
    the capacity premia, ``jacobian`` the search's last estimate and ``cells`` the masks of the
    quota and capacity cells it is over (a Jacobian is reused only for the same cells).
    """

    solution: Solution
    tax: np.ndarray
    rent: np.ndarray
    jacobian: np.ndarray | None = None
    cells: tuple[np.ndarray, np.ndarray] | None = None


class _Broyden:
    """Broyden's ("good") quasi-Newton steps for the wedges, from a diagonal first guess.

    The residuals of the quota and capacity cells are coupled (buyers switch between limited
    suppliers) and their slopes can be far from the partial elasticities that start the search
    when demand for an input is very inelastic. Each round corrects the Jacobian estimate along
    the step just taken, so the search becomes Newton's method on the coupled system at the cost
    of one equilibrium per round.
    """

    def __init__(self, jacobian: np.ndarray | None = None) -> None:
        self.jacobian = jacobian
        self.u: np.ndarray | None = None
        self.residual: np.ndarray | None = None

    def step(
        self, u: np.ndarray, residual: np.ndarray, slope: np.ndarray, active: np.ndarray
    ) -> np.ndarray:
        """The next change of ``u`` (log wedges) given the residuals and the model's slopes.

        Only ``active`` cells move (a wedge at its floor whose quantity is below its limit stays
        there); the step solves the Jacobian's block of the active cells.
        """
        if self.jacobian is None:
            self.jacobian = np.diag(slope)
        elif self.u is not None and self.residual is not None:
            du = u - self.u
            size = float(du @ du)
            if size > 1e-24:
                change = residual - self.residual - self.jacobian @ du
                self.jacobian = self.jacobian + np.outer(change, du) / size
        self.u, self.residual = u, residual
        delta = np.zeros_like(u)
        if not active.any():
            return delta
        block = self.jacobian[np.ix_(active, active)]
        try:
            delta[active] = -np.linalg.solve(block, residual[active])
        except np.linalg.LinAlgError:
            delta[active] = np.nan
        if not np.all(np.isfinite(delta)):
            self.jacobian = np.diag(slope)
            delta = np.where(active, -residual / slope, 0.0)
        return np.clip(delta, -MAX_LOG_STEP, MAX_LOG_STEP)


@dataclass(frozen=True)
class _Cells:
    """The cells a rationed solve searches over and what holds each of them."""

    binding: np.ndarray  # (N, N, J) quota cells
    quota: np.ndarray  # (N, N, J) quota levels (fractions of the baseline quantity)
    policy_tax: np.ndarray  # (N, N, J) the policies' own export taxes (the quota wedges' floor)
    limited: np.ndarray  # (N, J) capacity-limited producers
    headroom: np.ndarray  # (N, J)
    eta: np.ndarray  # (N, J) supply elasticities (0 where not limited)
    theta: np.ndarray  # (J,)
    baseline_flows: np.ndarray  # (N, N, J)

    @property
    def n_quota(self) -> int:
        return int(self.binding.sum())

    def floor(self) -> np.ndarray:
        """The lowest log wedge of every cell: the policy's export tax, or no premium."""
        return np.concatenate(
            [np.log1p(self.policy_tax[self.binding]), np.zeros(int(self.limited.sum()))]
        )

    def log_wedges(self, tax: np.ndarray, rent: np.ndarray) -> np.ndarray:
        """The search's unknowns: ``log(1 + wedge)`` of the quota cells, then the producers."""
        return np.concatenate([np.log1p(tax[self.binding]), np.log1p(rent[self.limited])])

    def wedges(self, u: np.ndarray, tax: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(tax, rent)`` at the unknowns ``u`` (``tax`` gives the cells that are not searched)."""
        tax = tax.copy()
        tax[self.binding] = np.expm1(u[: self.n_quota])
        rent = np.zeros(self.limited.shape)
        rent[self.limited] = np.expm1(u[self.n_quota :])
        return tax, rent

    def residuals(self, outcome: Outcome, tax: np.ndarray, rent: np.ndarray):
        """Residuals, model slopes, active masks and the two largest gaps at an outcome.

        A quota cell's residual is the log of its quantity over the quota, a limited
        producer's the log of its output over its supply curve; each is active where its wedge
        is above the floor or its quantity above the limit. Slopes are the partial elasticities
        (the quantity shipped under a quota falls with ``(1 + e)^-(1 + theta (1 - share))``, a
        limited producer's output at least with ``theta (1 - market share)``).
        """
        q_hat = quantity_change(outcome)
        ratio = np.where(self.binding, q_hat / np.where(self.binding, self.quota, 1.0), 1.0)
        q_active = self.binding & ((tax > self.policy_tax) | (ratio > 1.0))
        out_hat = np.maximum(output_quantity_change(outcome), 1e-300)
        c_gap = np.log(out_hat) - np.log(self.headroom) - self.eta * np.log1p(rent)
        c_active = self.limited & ((rent > 0) | (c_gap > 0))
        flows = outcome.flows_after
        total = flows.sum(axis=1, keepdims=True)
        share = np.where(total > 0, flows / np.where(total > 0, total, 1.0), 0.0)
        q_slope = -(1.0 + self.theta[None, None, :] * (1.0 - share))
        sales = outcome.output_after.sum(axis=0, keepdims=True)
        market = outcome.output_after / np.where(sales > 0, sales, 1.0)
        c_slope = -np.maximum(self.theta[None, :] * (1.0 - market), 0.1) - self.eta
        q_res = np.log(np.where(q_active, np.maximum(ratio, 1e-300), 1.0))
        c_res = np.where(c_active, c_gap, 0.0)
        return (
            np.concatenate([q_res[self.binding], c_res[self.limited]]),
            np.concatenate([q_slope[self.binding], c_slope[self.limited]]),
            np.concatenate([q_active[self.binding], c_active[self.limited]]),
            float(np.max(np.abs(np.where(q_active, ratio - 1.0, 0.0)))),
            float(np.max(np.abs(c_res))),
        )


#: Step of ``log(1 + premium)`` for the finite-difference slopes of capacity-limited producers.
FD_STEP = 0.05
#: Rounds without a 10% fall of the largest gap after which the search restarts its Jacobian.
STALL_ROUNDS = 8
#: Equilibrium tolerance of a round far from the wedges: this ratio times the largest gap, at
#: most `INEXACT_CAP` and at least the solver's own tolerance.
INEXACT_RATIO = 1e-2
INEXACT_CAP = 1e-5


def solve_state(
    econ: Economy,
    state: PolicyState,
    options: SolverOptions,
    previous: Rationed | None = None,
    capacity: Capacity | None = None,
    quota_rent: str = "exporter",
) -> tuple[Outcome, Rationed]:
    """Solve one policy state, with its quotas and capacity limits binding.

    ``previous`` (the `Rationed` of the step before: solution, wedges, Jacobian estimate)
    warm-starts the solver and the search; the equilibrium found does not depend on it. Returns
    the outcome (status ``"quota not settled"`` or ``"capacity not settled"`` when the wedges
    did not settle within `RATIONING_MAX_ROUNDS`) and the `Rationed` to pass to the next step.
    ``quota_rent`` is who earns the rent of a quota that names none (`split_wedges`). The
    outcome's ``export_tax`` holds the exporters' taxes (with their part of quota rents),
    ``import_rent`` and ``dissipated`` the importer-side parts; with ``capacity`` its
    ``capacity_rent`` ``(N, J)`` holds the premia (fractions of unit cost).

    Without a binding quota or limit it is one solve (`plain_solve`). Otherwise the search is
    quasi-Newton in the log wedges: Broyden's updates from the last step's Jacobian (same
    cells), else the quota cells' partial elasticities with finite-difference columns for the
    capacity-limited producers (few, and those whose slopes the partial elasticities miss).
    """
    plain = plain_solve(econ, state, previous, capacity, quota_rent)
    if plain is not None:
        return plain_outcome(
            econ, plain, solve_arrays(econ, plain.shock, options, plain.start), options
        )
    pi = np.asarray(econ.pi)
    if capacity is not None:
        state = with_stocks(state, capacity, pi)
    quota, binding = _quota_cells(state, pi)
    limited = capacity.limited if capacity is not None else np.zeros(pi.shape[1:], dtype=bool)
    start, tax, rent, jacobian, capacity_block = _warm_start(previous, state, binding, limited)
    reported = capacity is not None

    loose = {"tol": options.tol}  # the equilibrium tolerance of the next solves

    def evaluate(tax, rent, start):
        wedges = split_wedges(state, tax, binding, quota_rent)
        shock = _shock(econ, state, wedges, rent)
        solve = options if loose["tol"] <= options.tol else replace(options, tol=loose["tol"])
        solution = solve_arrays(econ, shock, solve, start=start)
        return solution, _outcome(econ, shock, solution, solve, wedges, rent if reported else None)

    solution, outcome = evaluate(tax, rent, start)
    if not (binding.any() or limited.any()) or not outcome.converged:
        return outcome, Rationed(solution, tax, rent)
    cells = _Cells(
        binding=binding,
        quota=quota,
        policy_tax=state.export_tax,
        limited=limited,
        headroom=capacity.headroom if capacity is not None else np.ones(limited.shape),
        eta=np.where(limited, capacity.elasticity, 0.0) if capacity is not None else rent * 0,
        theta=np.asarray(econ.theta),
        baseline_flows=outcome.flows_before,
    )
    floor = cells.floor()
    search = _Broyden(jacobian)
    quota_gap = capacity_gap = 0.0
    best, since = np.inf, 0
    for _ in range(RATIONING_MAX_ROUNDS):
        residual, slope, active, quota_gap, capacity_gap = cells.residuals(outcome, tax, rent)
        gap = max(quota_gap, capacity_gap)
        if gap < RATIONING_TOL:
            if loose["tol"] <= options.tol:
                return outcome, Rationed(solution, tax, rent, search.jacobian, (binding, limited))
            # Settled on inexact equilibria: solve once more to the full tolerance and check.
            loose["tol"] = options.tol
            solution, outcome = evaluate(tax, rent, solution)
            if not outcome.converged:
                return outcome, Rationed(solution, tax, rent)
            continue
        # Far from the wedges, the equilibria need not be exact: the solver's tolerance
        # follows the largest gap (Dembo, Eisenstat and Steihaug's inexact Newton).
        loose["tol"] = min(max(options.tol, INEXACT_RATIO * gap), INEXACT_CAP)
        # A search that stops gaining (a Jacobian estimate gone wrong, a cell pinned at its
        # floor) starts again from the model's slopes.
        best, since = (gap, 0) if gap < 0.9 * best else (best, since + 1)
        if since >= STALL_ROUNDS:
            search, best, since = _Broyden(), gap, 0
        u = cells.log_wedges(tax, rent)
        if search.jacobian is None:
            response = _responder(cells, tax, solution, residual, evaluate)
            search.jacobian = _first_jacobian(cells, u, slope, active, response, capacity_block)
        move = search.step(u, residual, slope, active)
        # A cell on its floor that the step would push further down keeps its own Newton step.
        newton = np.where(active, -residual / slope, 0.0)
        pinned = (u <= floor) & (move < 0) & (newton > 0)
        move = np.where(pinned, np.clip(newton, 0.0, MAX_LOG_STEP), move)
        u_new = np.maximum(u + move, floor)
        tax, rent = cells.wedges(u_new, tax)
        solution, outcome = evaluate(tax, rent, solution)
        if not outcome.converged:
            return outcome, Rationed(solution, tax, rent)
    # The wedges did not settle: the numbers are those of the last round, flagged.
    status = Status.QUOTA_NOT_SETTLED if quota_gap >= capacity_gap else Status.CAPACITY_NOT_SETTLED
    return replace(outcome, status=status), Rationed(solution, tax, rent)


def _quota_cells(state: PolicyState, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The quotas ``(N, N, J)`` (inf where none) and the cells where one can bind.

    A quota on a flow with no baseline trade caps nothing (zero stays below any cap), and nor
    does one on a banned flow.
    """
    quota = np.nan_to_num(state.quota, nan=np.inf)
    return quota, np.isfinite(quota) & (pi > 0) & (state.open > 0)


class PlainSolve(NamedTuple):
    """The one solve of a policy state in which no quota or capacity limit can bind.

    ``shock`` and ``start`` are what the solver gets; ``wedges``, ``tax`` and ``rent`` what the
    outcome and the next step keep (`plain_outcome`).
    """

    shock: Shock
    start: Solution | None
    wedges: Wedges
    tax: np.ndarray
    rent: np.ndarray


def plain_solve(
    econ: Economy,
    state: PolicyState,
    previous: Rationed | None,
    capacity: Capacity | None,
    quota_rent: str = "exporter",
) -> PlainSolve | None:
    """The solve of `solve_state` when nothing is rationed; None when a quota or limit can bind.

    Split out so that the solves of many such states can be made together
    (`tradewar.model.batch.solve_many`) and finished one by one with `plain_outcome`.
    """
    if capacity is not None:
        return None
    _, binding = _quota_cells(state, np.asarray(econ.pi))
    if binding.any():
        return None
    start, tax, rent, _, _ = _warm_start(
        previous, state, binding, np.zeros(binding.shape[1:], dtype=bool)
    )
    wedges = split_wedges(state, tax, binding, quota_rent)
    return PlainSolve(_shock(econ, state, wedges, rent), start, wedges, tax, rent)


def plain_outcome(
    econ: Economy, plain: PlainSolve, solution: Solution, options: SolverOptions
) -> tuple[Outcome, Rationed]:
    """The outcome of a `plain_solve` from its solution, and what the next step starts from."""
    outcome = _outcome(econ, plain.shock, solution, options, plain.wedges, None)
    return outcome, Rationed(solution, plain.tax, plain.rent)


def _warm_start(
    previous: Rationed | None, state: PolicyState, binding: np.ndarray, limited: np.ndarray
) -> tuple[Solution | None, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Where the search starts: the step before's solution, wedges and Jacobian, if it fits.

    Returns the solver's start, the export taxes and capacity premia to start from, the
    Jacobian estimate (the step before's, when its cells are the same) and, when only the
    quota cells changed, the capacity producers' block of it.
    """
    tax = state.export_tax.copy()
    rent = np.zeros(limited.shape)
    if previous is None:
        return None, tax, rent, None, None
    start, previous_tax, previous_rent = previous.solution, previous.tax, previous.rent
    tax = np.where(binding, np.maximum(previous_tax, state.export_tax), tax)
    rent = np.where(limited, previous_rent, 0.0)
    same = previous.cells is not None and all(
        np.array_equal(a, b) for a, b in zip(previous.cells, (binding, limited), strict=True)
    )
    jacobian = previous.jacobian if same else None
    carry = not same and previous.jacobian is not None and previous.cells is not None
    old_cells, old_jacobian = previous.cells, previous.jacobian
    capacity_block = None
    if (
        carry
        and old_cells is not None
        and old_jacobian is not None
        and np.array_equal(old_cells[1], limited)
    ):
        # The quota cells changed but not the producers: their block carries over.
        n_old = int(old_cells[0].sum())
        capacity_block = old_jacobian[n_old:, n_old:]
    return start, tax, rent, jacobian, capacity_block


def _responder(
    cells: _Cells,
    tax: np.ndarray,
    solution: Solution,
    residual: np.ndarray,
    evaluate: Callable,
) -> Callable[[np.ndarray], np.ndarray | None]:
    """``response(u)``: the residuals' finite-difference slope at log wedges ``u``.

    None where the equilibrium at ``u`` is not found.
    """

    def response(bumped: np.ndarray) -> np.ndarray | None:
        tax_b, rent_b = cells.wedges(bumped, tax)
        _, outcome_b = evaluate(tax_b, rent_b, solution)
        if not outcome_b.converged:
            return None
        return (cells.residuals(outcome_b, tax_b, rent_b)[0] - residual) / FD_STEP

    return response


def _first_jacobian(
    cells: _Cells,
    u: np.ndarray,
    slope: np.ndarray,
    active: np.ndarray,
    response: Callable[[np.ndarray], np.ndarray | None],
    capacity_block: np.ndarray | None = None,
) -> np.ndarray:
    """The first Jacobian: finite differences where the partial elasticities go wrong.

    Each active capacity-limited producer's premium is raised by `FD_STEP` in logs and every
    residual recomputed (a full column), unless ``capacity_block`` (the producers' block of
    the step before) is given. The quota cells of one exporter and sector are raised together
    (one solve per group) and each cell's own response taken as its diagonal entry: demand for
    a critical input barely responds to its price, so the partial elasticity overstates the
    response many times. An entry that comes out non-finite or with the wrong sign keeps the
    partial elasticity.
    """
    jacobian = np.diag(slope)
    if capacity_block is not None:
        jacobian[cells.n_quota :, cells.n_quota :] = capacity_block
    n_quota = cells.n_quota
    _, i_idx, j_idx = np.nonzero(cells.binding)
    weights = cells.baseline_flows[cells.binding]
    for i, j in {(int(a), int(b)) for a, b in zip(i_idx, j_idx, strict=True)}:
        members = np.flatnonzero((i_idx == i) & (j_idx == j) & active[:n_quota])
        if not members.size:
            continue
        bumped = u.copy()
        bumped[members] += FD_STEP
        column = response(bumped)
        if column is None:
            continue
        own = column[members]
        ok = np.isfinite(own) & (own < 0)
        jacobian[members[ok], members[ok]] = own[ok]
        # The producers' residuals moved with the whole group: shared out over its members in
        # proportion to their baseline flows (a rank-one estimate of those entries).
        producers = column[n_quota:]
        if np.all(np.isfinite(producers)):
            flows = weights[members] / max(weights[members].sum(), 1e-300)
            jacobian[n_quota:, members] = np.outer(producers, flows)
    for c in np.flatnonzero(active[n_quota:]) if capacity_block is None else ():
        k = n_quota + c
        bumped = u.copy()
        bumped[k] += FD_STEP
        column = response(bumped)
        if column is not None and np.all(np.isfinite(column)) and column[k] < 0:
            jacobian[:, k] = column
    return jacobian
