"""Tariff games on any model: best responses, Nash equilibria, cooperation and bargaining.

Every country's instrument is the tariff it levies as an importer on each partner and sector.
Payoffs come from the general-equilibrium engine; gradients come from implicit differentiation
(`tradewar.model.implicit`), so each best response is a bounded quasi-Newton problem (L-BFGS-B).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.data.world import World
from tradewar.engine import economy_for, get_model
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.game.environment import ControlArrays, environment_arrays
from tradewar.game.objectives import OBJECTIVES, margins_objective, objective_values
from tradewar.game.optimize import BoundedSearch, Stopping, bounded_minimize
from tradewar.model.calibrate import rebalanced
from tradewar.model.economy import Economy
from tradewar.model.implicit import baseline_state
from tradewar.model.margins import Margins
from tradewar.model.solver import SolverOptions
from tradewar.registry import NASH_TOL_PCT
from tradewar.status import Status

#: Stopping tests of a best response's L-BFGS-B search (relative objective change, projected
#: gradient of the scaled problem): tight for answers, loose for early Nash rounds. The searches
#: minimise ``OBJECTIVE_SCALE * (-log payoff)``, so a relative change of 1e-10 is about 1e-12 of
#: log payoff, seven orders below the Nash gap tolerance; tighter tests (1e-12) only chased
#: round-off along tariffs on negligible flows (40% more evaluations in Ossa's Nash, same gaps).
TIGHT_TOLERANCES = Stopping(ftol=1e-10, gtol=1e-6, maxiter=3000, stationarity_tol=1e-6)
LOOSE_TOLERANCES = Stopping(ftol=1e-9, gtol=1e-5, maxiter=3000, stationarity_tol=1e-5)

#: Default Nash search tolerance: the largest tariff change over a round, percentage points.


@dataclass(frozen=True)
class GameSettings:
    """Validated settings of a tariff game.

    Parameters
    ----------
    objective
        ``"welfare"`` (real income) or ``"political"`` (λ-weighted government welfare).
    lower_pct, upper_pct
        Bounds on every strategic tariff, percent (Ossa 2014 uses 0 and 1000).
    tol_pct
        Nash search: stop when the largest change of any tariff over a round is below this,
        percentage points.
    max_rounds
        Rounds of best responses before the Nash search gives up.
    gap_tol_pct
        Nash convergence: every player's best gain from deviating at the final tariffs (the Nash
        gap, in percentage points of its payoff) must be below this.
    deficits
        ``"zero"`` (default): the baseline is first re-solved with balanced trade, as in Ossa
        (2014) and the Caliendo–Parro tables. With ``"keep"`` deficits are fixed transfers, and a
        country's welfare can rise without bound in its tariffs (it taxes the transfer it
        receives), so best responses may end on the upper bound, which is then reported as a
        failure.
    allow_binding_bounds
        False (default): a best response with a tariff on a bound where the payoff would still
        rise beyond it is a failure (the optimum is not interior). True declares the bounds part
        of the problem, as in Ossa (2014), whose tariffs are bounded by 0 and 1000%: such tariffs
        are then accepted and counted (``at_upper``/``at_lower`` in the diagnostics).
    mfn
        Most-favoured-nation tariffs: each player sets one tariff per sector, the same on every
        partner (in a one-sector world, one uniform tariff), as the closed-form optimal tariffs
        of Ignatenko et al. (2025) and the MFN variants of Ossa (2014) do.
    """

    objective: str = "welfare"
    lower_pct: float = 0.0
    upper_pct: float = 1000.0
    tol_pct: float = NASH_TOL_PCT
    max_rounds: int = 30
    gap_tol_pct: float = 1e-3
    deficits: str = "zero"
    allow_binding_bounds: bool = False
    mfn: bool = False

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ScenarioError(
                f"unknown objective '{self.objective}'; use one of {', '.join(OBJECTIVES)}",
                key="objective",
            )
        if not self.lower_pct < self.upper_pct:
            raise ScenarioError(
                f"bounds reversed: lower {self.lower_pct}% is not below upper {self.upper_pct}%",
                key="bounds",
            )
        if self.lower_pct <= -100:
            raise ScenarioError("the lower bound must be above -100%", key="bounds")
        if not (self.tol_pct > 0 and self.gap_tol_pct > 0) or self.max_rounds < 1:
            raise ScenarioError(
                "tol_pct and gap_tol_pct must be positive and max_rounds at least 1", key="tol"
            )
        if not (math.isfinite(self.lower_pct) and math.isfinite(self.upper_pct)):
            raise ScenarioError("bounds must be finite numbers", key="bounds")
        if self.deficits not in ("zero", "keep"):
            raise ScenarioError(
                f"deficits '{self.deficits}' is not one of zero, keep", key="deficits"
            )


class EvaluationFailed(Exception):
    """A payoff evaluation inside a game search failed (equilibrium or gradient); internal."""


class TariffGame:
    """A world, a model and an objective, with jitted payoffs and payoff gradients.

    Parameters
    ----------
    world
        The world (at least two countries).
    model
        Engine model: ``"ossa"``, ``"caliendo-parro"``, ``"armington"``.
    settings
        `GameSettings`.
    sectors
        Sector codes or group names (e.g. ``goods``) that are instruments (default: every
        sector with cross-border trade).
    options
        Solver options for every equilibrium.
    ces
        `CESSettings` (or a dict) for ``model="ces-network"``.
    controls
        The export controls that are part of the environment in every payoff, e.g. China's
        rare-earth ban in a threat point: `ExportControl` policies (bans or export taxes;
        quotas are not supported here, use their tax equivalents), or their `ControlArrays`.
    margins
        `tradewar.model.margins.Margins` of the extended one-sector ``armington`` model
        (labour supply, scale economies, local margins, pass-through; built by
        `tradewar.engine.armington.scenario_margins` from a scenario's ``[armington]`` table).
        Payoffs are then that model's welfare; it needs ``deficits="keep"`` (its transfers are fixed
        shares of world income) and allows bans but not export taxes.
    """

    def __init__(
        self,
        world: World,
        model: str = "caliendo-parro",
        settings: GameSettings | None = None,
        sectors: list[str] | None = None,
        options: SolverOptions | None = None,
        controls: list | ControlArrays | None = None,
        ces: dict | None = None,
        margins: Margins | None = None,
    ) -> None:
        if world.n_countries < 2:
            raise ScenarioError(
                f"a tariff game needs at least two countries; world '{world.name}' has "
                f"{world.n_countries}",
                key="world",
            )
        self.world = world
        self.model = model
        self.settings = settings or GameSettings()
        # Payoffs are differentiated and compared across nearby tariffs: solve them exactly.
        self.options = options or SolverOptions(tol=1e-12, adaptive_inner=False)
        self.econ: Economy = economy_for(world, model, ces)
        self.margins = margins
        if margins is not None:
            _check_margins(world, model, self.settings)
        if self.settings.deficits == "zero":
            self.econ = rebalanced(self.econ, jnp.zeros_like(self.econ.va), self.options)
        self.sector_mask = _sector_mask(world, sectors)
        weights = world.political_weights
        if self.settings.objective == "political" and weights is None:
            raise ScenarioError(
                f"world '{world.name}' has no political_weights.csv; use objective = welfare",
                key="objective",
            )
        self.weights = jnp.asarray(weights) if weights is not None else None
        self.base_tau = np.asarray(self.econ.tau)
        self.export_tax, self.open = environment_arrays(
            world, np.asarray(self.econ.pi), self.base_tau, controls
        )
        if margins is not None:
            if self.export_tax is not None and np.any(np.asarray(self.export_tax) != 0):
                raise ScenarioError(
                    "export taxes are not available with margins (bans are)", key="controls"
                )
            self._margins_values = margins_objective(self.econ, margins, self.options, self.open)
        if margins is None:
            # Compiled once per world shape and settings, shared by every game (a new game on
            # the same world does not compile again).
            political = self.settings.objective == "political"
            arrays = (self.econ, self.weights, self.export_tax, self.open)
            self._payoffs: Callable[..., Any] = partial(_payoffs_jit, *arrays, options=self.options)
            self._player_vg: Callable[..., Any] = partial(
                _player_value_and_grad_jit, arrays, political=political, options=self.options
            )
        else:
            self._payoffs = jax.jit(self._payoffs_impl)
            self._player_vg = jax.jit(self._player_value_and_grad)
        self.evaluations = 0
        self._start: jnp.ndarray | None = None

    # ------------------------------------------------------------------ payoffs
    def country_index(self, code: str) -> int:
        """Position of a country; `ScenarioError` naming the valid codes if unknown."""
        if code not in self.world.countries:
            raise ScenarioError(
                f"unknown country '{code}' (valid: {', '.join(self.world.countries)})",
                key="country",
            )
        return self.world.countries.index(code)

    def _values(self, tau, start):
        """``(welfare, gov, z, residual)`` at tariffs ``tau``, warm-started from ``start``."""
        if self.margins is not None:
            if start is None:
                start = self._initial_state()
            return self._margins_values(tau, start)
        return objective_values(
            self.econ, tau, self.weights, self.options, start, self.export_tax, self.open
        )

    def _initial_state(self) -> jnp.ndarray:
        if self.margins is None:
            return baseline_state(self.econ)
        per_country = 3 if self.margins.beta == 1.0 else 4
        return jnp.zeros(per_country * self.world.n_countries)

    def _payoffs_impl(self, tau):
        welfare, gov, _, residual = self._values(tau, None)
        return welfare, gov, residual

    def payoffs(self, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(welfare_hat, gov_welfare_hat)`` of every country at tariffs ``tau`` (fractions).

        Raises
        ------
        ConvergenceError
            If the equilibrium at ``tau`` is not found, leaves the model's domain, or a payoff
            is not finite.
        """
        welfare, gov, residual = self._payoffs(jnp.asarray(tau))
        welfare, gov = np.asarray(welfare), np.asarray(gov)
        self.check_equilibrium(float(residual), np.concatenate([welfare, gov]))
        return welfare, gov

    def check_equilibrium(self, residual: float, payoffs: np.ndarray | None = None) -> None:
        """Raise `ConvergenceError` naming the reason if an evaluation cannot be trusted."""
        reason = self.untrusted(residual, payoffs)
        if reason:
            raise ConvergenceError(0, residual, self.options.tol, reason=reason)

    def evaluation_status(self, residual: float, payoffs: np.ndarray | None = None) -> Status:
        """How an evaluation ended: outside the domain, not found, not finite, or converged."""
        if residual == float("inf"):
            return Status.OUTSIDE_DOMAIN
        if np.isnan(residual):
            return Status.NOT_FINITE
        if residual > self.options.tol:
            return Status.NOT_CONVERGED
        if payoffs is not None and not np.all(np.isfinite(payoffs)):
            return Status.NOT_FINITE
        return Status.CONVERGED

    def untrusted(self, residual: float, payoffs: np.ndarray | None = None) -> str:
        """Why an evaluation with this equilibrium residual and payoffs cannot be trusted, or ""."""
        status = self.evaluation_status(residual, payoffs)
        tol = self.options.tol
        if status is Status.CONVERGED:
            return ""
        if status is Status.OUTSIDE_DOMAIN:
            return "the equilibrium left the model's domain (negative spending or income)"
        if not residual <= tol:
            return f"the equilibrium was not found (residual {residual:.3g} > tolerance {tol:g})"
        return "a payoff is not finite"

    def _objective(self, tau, start):
        welfare, gov, z, residual = self._values(tau, start)
        return (gov if self.settings.objective == "political" else welfare), (z, residual)

    def _player_value_and_grad(self, values, tau, index, player, start):
        rows, cols, secs = index

        def f(v):
            full = tau.at[rows, cols, secs].set(v)
            payoff, aux = self._objective(full, start)
            return -jnp.log(payoff[player]), aux

        (value, (z, residual)), grad = jax.value_and_grad(f, has_aux=True)(values)
        return value, grad, z, residual

    def value_and_grad(self, values, tau, index, player: int):
        """Objective (minus log payoff) of ``player`` and its gradient in the ``index`` tariffs.

        Each call warm-starts the equilibrium from the previous one.

        Raises
        ------
        EvaluationFailed
            With the reason, when the equilibrium is not found, leaves the model's domain, or
            the payoff or its gradient is not finite (the adjoint solve missed its tolerance).
        """
        self.evaluations += 1
        rows, cols, secs = index
        if self._start is None:
            self._start = self._initial_state()
        value, grad, z, residual = self._player_vg(
            jnp.asarray(values), jnp.asarray(tau), (rows, cols, secs), player, self._start
        )
        checked = self.checked(value, grad, residual)
        if self.margins is None:
            # Warm starts are safe where the equilibrium is unique. With scale economies
            # (margins) there can be several, so every solve starts from the baseline and
            # the equilibrium is the one Newton's method reaches from there.
            self._start = z
        return checked

    def checked(self, value, grad, residual) -> tuple[float, np.ndarray]:
        """A search objective's value and gradient as numpy, or `EvaluationFailed` with why.

        Fails when the equilibrium behind them is untrusted (see `untrusted`), the value is not
        finite, or the gradient is not (the adjoint linear solve missed its tolerance).
        """
        value, grad = float(value), np.asarray(grad)
        reason = self.untrusted(float(residual), np.asarray([value]))
        if reason:
            raise EvaluationFailed(reason)
        if not np.all(np.isfinite(grad)):
            raise EvaluationFailed(
                "the payoff gradient is not finite: the adjoint linear solve missed its "
                f"tolerance ({self.options.linear_tol:g}); try SolverOptions(linear_solver="
                "'dense')"
            )
        return value, grad

    def instruments(self, player: int, partners: list[int] | None = None):
        """Index arrays of the tariffs ``player`` sets: on ``partners`` (default all others)."""
        partners = (
            [p for p in range(self.world.n_countries) if p != player]
            if partners is None
            else partners
        )
        sectors = np.flatnonzero(self.sector_mask)
        cols, secs = np.meshgrid(np.asarray(partners), sectors, indexing="ij")
        rows = np.full(cols.size, player)
        return rows, cols.ravel(), secs.ravel()

    def flow_scale(self, index) -> np.ndarray:
        """Variable scaling for tariff searches: the square root of each tariff's trade flow.

        Tariffs on tiny flows barely move a payoff; without this the problems are badly
        conditioned and quasi-Newton searches crawl.
        """
        flow = self.world.flows[index]
        return np.sqrt(np.maximum(flow / max(flow.mean(), 1e-300), 1e-4))

    # ------------------------------------------------------------------ best response
    def best_response(
        self,
        player: int,
        tau: np.ndarray,
        partners: list[int] | None = None,
        start: np.ndarray | None = None,
        loose: bool = False,
    ) -> tuple[np.ndarray, dict]:
        """Tariffs of ``player`` that maximise its objective given everyone else's ``tau``.

        ``loose`` stops the search at `LOOSE_TOLERANCES` instead of `TIGHT_TOLERANCES`: for
        the early rounds of a Nash search, whose tariffs the next rounds move anyway.

        Returns the new full tariff array and diagnostics: ``success`` (the optimizer met its
        test, or the projected gradient vanishes, and no bound binds), ``reason`` (why not),
        ``payoff`` (the player's payoff at the answer, relative to the baseline),
        ``at_upper``/``at_lower`` (tariffs on a bound where the payoff would still rise beyond
        it) and the optimizer's ``message`` and ``iterations``. A failed equilibrium or a
        non-finite payoff or gradient during the search ends it with ``success = False`` and
        the input tariffs.
        """
        index = self.instruments(player, partners)
        lo, hi = self.settings.lower_pct / 100.0, self.settings.upper_pct / 100.0
        # The decision variables: one per instrument, or with MFN one per sector (``group``
        # maps each instrument to its variable).
        if self.settings.mfn:
            sectors, group = np.unique(index[2], return_inverse=True)
            weight = np.bincount(group, weights=self.world.flows[index])
            scale = np.sqrt(np.maximum(weight / max(weight.mean(), 1e-300), 1e-4))
            current = tau[index]
            first = np.array([np.flatnonzero(group == g)[0] for g in range(sectors.size)])
            x0 = np.clip(current[first] if start is None else start, lo, hi) * scale
        else:
            group = np.arange(index[0].size)
            scale = self.flow_scale(index)
            x0 = np.clip(tau[index] if start is None else start, lo, hi) * scale
        size = x0.size

        def fun(t):
            value, grad = self.value_and_grad(t[group], tau, index, player)
            return value, np.bincount(group, weights=grad, minlength=size)

        try:
            result = bounded_minimize(
                fun,
                x0 / scale,
                lo,
                hi,
                scale=scale,
                objective_scale=OBJECTIVE_SCALE,
                stop=LOOSE_TOLERANCES if loose else TIGHT_TOLERANCES,
            )
        except EvaluationFailed as exc:
            info = {
                "success": False,
                "reason": str(exc),
                "message": EVALUATION_FAILED,
                "iterations": 0,
                "payoff": float("nan"),
                "at_upper": 0,
                "at_lower": 0,
            }
            return tau.copy(), info
        x, grad = result.x, result.grad  # grad: d(-log payoff)/d tariff
        new = tau.copy()
        new[index] = x[group]
        at_upper, at_lower = binding_bounds(x, grad, lo, hi)
        reason = self._bound_reason(result, at_upper, at_lower)
        info = {
            "success": not reason,
            "reason": reason,
            "message": result.message,
            "iterations": result.iterations,
            "payoff": float(np.exp(-result.value)),
            "at_upper": int(at_upper.sum()),
            "at_lower": int(at_lower.sum()),
        }
        return new, info

    def _bound_reason(
        self, result: BoundedSearch, at_upper: np.ndarray, at_lower: np.ndarray
    ) -> str:
        """Why a best response is not an interior optimum ("" if it is, or bounds are allowed)."""
        if not result.stationary:
            return f"the optimizer stopped: {result.message}"
        if self.settings.allow_binding_bounds:
            return ""
        if at_upper.any():
            return (
                f"{int(at_upper.sum())} tariff(s) end on the upper bound "
                f"({self.settings.upper_pct:g}%) with the payoff still rising: the optimum is "
                "not interior"
                + (
                    " (with deficits kept as fixed transfers, welfare can rise without bound in "
                    "the tariff; use deficits = 'zero')"
                    if self.settings.deficits == "keep" and self.margins is None
                    else "; raise the upper bound, or accept tariffs on the bound with "
                    "allow_binding_bounds=True (--allow-binding-bounds), as prohibitive "
                    "tariffs on flows that barely matter often are"
                )
            )
        if at_lower.any():
            return (
                f"{int(at_lower.sum())} tariff(s) end on the lower bound "
                f"({self.settings.lower_pct:g}%) with the payoff still rising below it"
            )
        return ""


@partial(jax.jit, static_argnames=("options",))
def _payoffs_jit(econ, weights, export_tax, open_, tau, *, options):
    """``(welfare_hat, gov_welfare_hat, residual)`` at ``tau``, solved from the baseline."""
    welfare, gov, _, residual = objective_values(
        econ, tau, weights, options, None, export_tax, open_
    )
    return welfare, gov, residual


@partial(jax.jit, static_argnames=("political", "options"))
def _player_value_and_grad_jit(arrays, values, tau, index, player, start, *, political, options):
    """Minus the log payoff of ``player`` and its gradient in the tariffs ``values``.

    ``arrays`` is the game's ``(econ, weights, export_tax, open)``; ``values`` replace ``tau``
    at ``index = (rows, cols, secs)``; ``start`` warm-starts the equilibrium. Returns
    ``(value, grad, z, residual)``.
    """
    econ, weights, export_tax, open_ = arrays
    rows, cols, secs = index

    def f(v):
        full = tau.at[rows, cols, secs].set(v)
        welfare, gov, z, residual = objective_values(
            econ, full, weights, options, start, export_tax, open_
        )
        payoff = gov if political else welfare
        return -jnp.log(payoff[player]), (z, residual)

    (value, (z, residual)), grad = jax.value_and_grad(f, has_aux=True)(values)
    return value, grad, z, residual


#: The ``message`` of a best response ended by a failed evaluation (not by the optimizer).
EVALUATION_FAILED = "evaluation failed"

#: The searches minimise ``OBJECTIVE_SCALE * (-log payoff)`` (about 1 per 0.1% of payoff).
OBJECTIVE_SCALE = 1e3

#: A bound binds when the payoff's log changes faster than this per unit of tariff beyond it.
BINDING_SLOPE = 1e-6


def binding_bounds(
    x: np.ndarray, grad: np.ndarray, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of tariffs on a bound where the payoff would still rise past it.

    ``grad`` is the gradient of ``-log payoff``: on the upper bound a negative slope means the
    payoff rises with the tariff; on the lower bound a positive one means it rises as the tariff
    falls. A tariff with no effect (zero slope) is not binding.
    """
    span = max(hi - lo, 1.0)
    at_upper = (x >= hi - 1e-9 * span) & (grad < -BINDING_SLOPE)
    at_lower = (x <= lo + 1e-9 * span) & (grad > BINDING_SLOPE)
    return at_upper, at_lower


def stack_instruments(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate several players' ``(rows, cols, secs)`` index arrays into one."""
    rows, cols, secs = (np.concatenate([p[k] for p in parts]) for k in range(3))
    return rows, cols, secs


def _check_margins(world: World, model: str, settings: GameSettings) -> None:
    """`ScenarioError` unless a game with margins can be played (model, deficits, objective)."""
    if not get_model(model).margins or world.n_sectors != 1:
        raise ScenarioError("margins apply to the one-sector armington model", key="margins")
    if settings.deficits != "keep":
        raise ScenarioError(
            "a game with [armington] margins needs deficits = 'keep' (its transfers are "
            "fixed shares of world income)",
            key="deficits",
        )
    if settings.objective == "political":
        raise ScenarioError(
            "the margins model has no political weights; use objective = welfare",
            key="objective",
        )


def _sector_mask(world: World, sectors: list[str] | None) -> np.ndarray:
    """``(J,)`` the instrument sectors: those named (codes or groups), else every traded one."""
    if sectors is None:
        off = world.flows * (1.0 - np.eye(world.n_countries))[:, :, None]
        return off.sum(axis=(0, 1)) > 0
    mask = np.zeros(world.n_sectors, dtype=bool)
    for code in world.expand_sectors(sectors):
        if code not in world.sectors:
            raise ScenarioError(f"unknown sector '{code}'", key="sectors")
        mask[world.sectors.index(code)] = True
    return mask
