"""``armington``: one sector per country-sector, gross output is value added (gravity).

With the ``[armington]`` table of a one-sector world it is the model of Ignatenko, Macedoni,
Lashkaripour and Simonovska (2025) with its margins (labour supply, scale, local margins,
pass-through): `scenario_margins` reads the table and `MarginSteps` solves the steps with
`tradewar.model.margins` instead of the engine's solver.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from tradewar.data.world import World
from tradewar.engine.models import EngineModel, check_margins_allowed, economy_from_world
from tradewar.engine.steps import StepSolver
from tradewar.errors import ScenarioError
from tradewar.model.economy import Economy, Shock, gravity_shares
from tradewar.model.margins import (
    Margins,
    make_margins,
    margins_baseline,
    margins_outcome,
    solve_margins,
)
from tradewar.model.outcomes import Outcome
from tradewar.model.solver import SolverOptions
from tradewar.policy.chokepoints import HORIZONS
from tradewar.policy.scenario import Scenario, per_code
from tradewar.policy.shocks import PolicyState


class Armington(EngineModel):
    """Structural gravity: no intermediates, every country-sector's income is its sales."""

    name = "armington"
    margins = True

    def shares(self, world: World) -> Economy:
        """The gravity calibration (`tradewar.model.economy.gravity_shares`)."""
        return gravity_shares(world)

    def step_solver(
        self, world: World, scenario: Scenario, econ: Economy, options: SolverOptions
    ) -> StepSolver:
        """`MarginSteps` when the scenario's ``[armington]`` table sets a margin, else the default.

        Raises `ScenarioError` for margins with ``deficits = "zero"`` or a short-run horizon,
        and for a table `scenario_margins` refuses.
        """
        margins = scenario_margins(world, scenario, econ)
        if margins is None:
            return super().step_solver(world, scenario, econ, options)
        if scenario.deficits == "zero":
            raise ScenarioError(
                "deficits = 'zero' is not available with [armington] margins", key="deficits"
            )
        if scenario.horizon_parameters() != HORIZONS["long"]:
            raise ScenarioError(
                "short-run horizons ([chokepoints] limits, sticky wages) are not available "
                "with [armington] margins",
                key="horizon",
            )
        return MarginSteps(world, scenario, econ, options, margins)


class MarginSteps(StepSolver):
    """The steps of the one-sector model with margins (`tradewar.model.margins.solve_margins`).

    Parameters
    ----------
    world, scenario, econ, options
        As `StepSolver`.
    margins
        The scenario's `Margins` (`scenario_margins`).
    """

    def __init__(
        self,
        world: World,
        scenario: Scenario,
        econ: Economy,
        options: SolverOptions,
        margins: Margins,
    ) -> None:
        super().__init__(world, scenario, econ, options)
        self.margins = margins
        self._start: jnp.ndarray | None = None

    def solve(self, state: PolicyState, key: str) -> Outcome:
        """The equilibrium with margins under ``state``, warm-started from the last one.

        Raises `ScenarioError` (``key``) for export taxes or quotas: only bans and tariffs
        are available with margins.
        """
        if np.any(state.export_tax != 0) or np.any(np.isfinite(state.quota)):
            raise ScenarioError(
                "export taxes and quotas are not available with [armington] margins (bans are)",
                key=key,
            )
        shock = Shock(
            tau=jnp.asarray(state.tariffs),
            cost_hat=jnp.asarray(state.cost_hat),
            deficit=self.econ.deficit,
            open=jnp.asarray(state.open) if np.any(state.open == 0) else None,
        )
        sol = solve_margins(
            self.econ,
            shock,
            self.margins,
            tol=self.options.tol,
            max_iterations=100,
            start=self._start,
        )
        outcome = margins_outcome(self.econ, shock, self.margins, sol, self.options.tol)
        # A failed solve is no start for the next state.
        self._start = sol.z if outcome.converged else None
        return outcome


def scenario_margins(
    world: World, scenario: Scenario, econ: Economy | None = None
) -> Margins | None:
    """The `Margins` of a scenario's ``[armington]`` table on ``world`` (None: all off).

    Raises `ScenarioError` naming the key for an unknown country, a margin outside [0, 1), a
    world with several sectors or baseline tariffs, or transfers that cannot close. ``econ``
    is the world's ``armington`` economy, if already built.
    """
    settings = scenario.armington
    if not settings.active:
        return None
    check_margins_allowed(scenario)
    if world.n_sectors != 1:
        raise ScenarioError(
            f"[armington] margins need a one-sector world; '{world.name}' has "
            f"{world.n_sectors} sectors",
            key="armington",
        )
    if np.any(world.tariffs != 0):
        raise ScenarioError(
            "[armington] margins are calibrated to a baseline without tariffs (as in Ignatenko "
            f"et al. 2025); world '{world.name}' has baseline tariffs",
            key="armington",
        )
    nu = per_code(world.countries, settings.local_margin, "armington.local_margin", 0.0, "country")
    if not np.all((nu >= 0) & (nu < 1)):
        raise ScenarioError("local margins must be in [0, 1)", key="armington.local_margin")
    codes = {}
    for key in ("dropped_market", "remove_imbalance_with"):
        code = getattr(settings, key)
        if code is not None and code not in world.countries:
            raise ScenarioError(f"unknown country '{code}'", key=f"armington.{key}")
        codes[key] = None if code is None else world.countries.index(code)
    margins = make_margins(
        world.n_countries,
        nu=nu,
        dropped_market=codes["dropped_market"],
        balanced_with=codes["remove_imbalance_with"],
        kappa=settings.labour_supply_elasticity,
        psi=settings.scale_elasticity,
        phi_tilde=settings.pass_through,
        tax_relief=settings.revenue == "income_tax_relief",
        numeraire=settings.numeraire,
        beta=settings.roundabout_labour_share,
    )
    if econ is None:
        econ = economy_from_world(world, scenario.model)
    gap = float(jnp.sum(margins_baseline(econ, margins).T) / jnp.sum(econ.va))
    if abs(gap) > 1e-9 and settings.dropped_market is None:
        raise ScenarioError(
            f"the transfers sum to {gap:.3g} of world income, not zero, so the world's accounts "
            "cannot close; name the market whose equation absorbs the gap with "
            "armington.dropped_market (a quirk of Ignatenko et al. 2025, Table 10)",
            key="armington.remove_imbalance_with",
        )
    return margins


MODEL = Armington()
