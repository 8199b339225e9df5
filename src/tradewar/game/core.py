"""Tariff games on any model: best responses, Nash equilibria, cooperation and bargaining.

Every country's instrument is the tariff it levies as an importer on each partner and sector.
Payoffs come from the general-equilibrium engine; gradients come from implicit differentiation
(`tradewar.model.implicit`), so each best response is a bounded quasi-Newton problem (L-BFGS-B).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.game.objectives import OBJECTIVES, objective_values
from tradewar.model.economy import Economy, economy_from_world
from tradewar.model.implicit import baseline_state
from tradewar.model.solver import SolverOptions


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
        Nash convergence: the largest change of any tariff between rounds, percentage points.
    max_rounds
        Rounds of best responses before the Nash search gives up.
    """

    objective: str = "welfare"
    lower_pct: float = 0.0
    upper_pct: float = 1000.0
    tol_pct: float = 0.1
    max_rounds: int = 50

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
        if self.tol_pct <= 0 or self.max_rounds < 1:
            raise ScenarioError("tol_pct must be positive and max_rounds at least 1", key="tol")


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
        Sector codes that are instruments (default: every sector with cross-border trade).
    options
        Solver options for every equilibrium.
    ces
        `CESSettings` (or a dict) for ``model="ces-network"``.
    environment
        ``(export_tax, open)`` arrays ``(N, N, J)`` of export controls in force, as an
        alternative to ``controls``.
    controls
        `ExportControl` policies (bans or export taxes) that are part of the environment in
        every payoff, e.g. China's rare-earth ban in a threat point. Quotas are not supported
        here (use their tax equivalents).
    """

    def __init__(
        self,
        world: World,
        model: str = "caliendo-parro",
        settings: GameSettings | None = None,
        sectors: list[str] | None = None,
        options: SolverOptions | None = None,
        controls: list | None = None,
        ces: dict | None = None,
        environment: tuple[np.ndarray, np.ndarray] | None = None,
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
        self.options = options or SolverOptions(tol=1e-12)
        self.econ: Economy = economy_from_world(world, model)
        if model == "ces-network":
            from tradewar.model.ces import ces_params
            from tradewar.policy.scenario import CESSettings

            self.econ = self.econ._replace(
                ces=ces_params(world, CESSettings.model_validate(ces or {}))
            )
        if sectors is None:
            off = world.flows * (1.0 - np.eye(world.n_countries))[:, :, None]
            self.sector_mask = off.sum(axis=(0, 1)) > 0
        else:
            self.sector_mask = np.zeros(world.n_sectors, dtype=bool)
            for code in sectors:
                if code not in world.sectors:
                    raise ScenarioError(f"unknown sector '{code}'", key="sectors")
                self.sector_mask[world.sectors.index(code)] = True
        weights = world.political_weights
        if self.settings.objective == "political" and weights is None:
            raise ScenarioError(
                f"world '{world.name}' has no political_weights.csv; use objective = welfare",
                key="objective",
            )
        self.weights = jnp.asarray(weights) if weights is not None else None
        self.base_tau = np.asarray(self.econ.tau)
        self.export_tax, self.open = None, None
        if environment is not None:
            self.export_tax = jnp.asarray(environment[0])
            self.open = jnp.asarray(environment[1])
        if controls:
            from tradewar.policy.shocks import PolicyState, apply_policies, check_bans_feasible

            state = apply_policies(world, controls, PolicyState.baseline(self.base_tau), "controls")
            if np.any(np.isfinite(state.quota)):
                raise ScenarioError(
                    "quotas cannot be part of a game environment; use tax_pct", key="controls"
                )
            check_bans_feasible(world, state, np.asarray(self.econ.pi), "controls")
            self.export_tax = jnp.asarray(state.export_tax)
            self.open = jnp.asarray(state.open)
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

    def _payoffs_impl(self, tau):
        welfare, gov, _ = objective_values(
            self.econ, tau, self.weights, self.options, None, self.export_tax, self.open
        )
        return welfare, gov

    def payoffs(self, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(welfare_hat, gov_welfare_hat)`` of every country at tariffs ``tau`` (fractions)."""
        welfare, gov = self._payoffs(jnp.asarray(tau))
        return np.asarray(welfare), np.asarray(gov)

    def _objective(self, tau, start):
        welfare, gov, z = objective_values(
            self.econ, tau, self.weights, self.options, start, self.export_tax, self.open
        )
        return (gov if self.settings.objective == "political" else welfare), z

    def _player_value_and_grad(self, values, tau, rows, cols, secs, player, start):
        def f(v):
            full = tau.at[rows, cols, secs].set(v)
            payoff, z = self._objective(full, start)
            return -jnp.log(payoff[player]), z

        (value, z), grad = jax.value_and_grad(f, has_aux=True)(values)
        return value, grad, z

    def value_and_grad(self, values, tau, index, player: int):
        """Objective (minus log payoff) of ``player`` and its gradient in the ``index`` tariffs.

        Each call warm-starts the equilibrium from the previous one.
        """
        self.evaluations += 1
        rows, cols, secs = index
        if self._start is None:
            self._start = baseline_state(self.econ)
        value, grad, z = self._player_vg(
            jnp.asarray(values), jnp.asarray(tau), rows, cols, secs, player, self._start
        )
        self._start = z
        return float(value), np.asarray(grad)

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
    ) -> tuple[np.ndarray, dict]:
        """Tariffs of ``player`` that maximise its objective given everyone else's ``tau``.

        Returns the new full tariff array and diagnostics (optimizer status, payoff).
        """
        index = self.instruments(player, partners)
        lo, hi = self.settings.lower_pct / 100.0, self.settings.upper_pct / 100.0
        scale = self.flow_scale(index)
        x0 = np.clip(tau[index] if start is None else start, lo, hi) * scale

        def fun(x):
            value, grad = self.value_and_grad(x / scale, tau, index, player)
            return 1e3 * value, 1e3 * grad / scale

        result = minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(lo * scale, hi * scale, strict=True)),
            options={"maxiter": 3000, "ftol": 1e-12, "gtol": 1e-7},
        )
        result.x = result.x / scale
        result.jac = result.jac * scale / 1e3
        new = tau.copy()
        new[index] = result.x
        info = {
            "success": bool(result.success) or _stationary(result, lo, hi),
            "message": str(result.message),
            "iterations": int(result.nit),
            "payoff": float(np.exp(-result.fun)),
        }
        return new, info


def stack_instruments(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate several players' ``(rows, cols, secs)`` index arrays into one."""
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))  # type: ignore[return-value]


def _stationary(result, lo: float, hi: float, tol: float = 1e-6) -> bool:
    """Projected-gradient test: no feasible direction improves the objective."""
    x, g = result.x, result.jac
    projected = np.where((x <= lo + 1e-12) & (g > 0), 0.0, g)
    projected = np.where((x >= hi - 1e-12) & (g < 0), 0.0, projected)
    return bool(np.max(np.abs(projected)) < tol)
