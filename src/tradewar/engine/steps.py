"""Solving a scenario's policy states in order: the step solver every model gets by default.

A model's `tradewar.engine.models.EngineModel.step_solver` says how the steps of a scenario are
solved. The default, `StepSolver`, wraps any model's equilibrium in the scenario's short run: the
horizon's supply limits and sticky wages applied to the model's economy
(`tradewar.engine.economies.horizon_economy`), and quotas and capacity limits rationed around
its solve (`tradewar.engine.rationing.solve_state`, the plain solve when nothing binds). Each
step starts from the one before; the equilibrium found does not depend on the start.
"""

from __future__ import annotations

from typing import Any

from tradewar.data.world import World
from tradewar.engine.capacity import chokepoint_meta
from tradewar.engine.economies import horizon_economy
from tradewar.engine.rationing import (
    PlainSolve,
    Rationed,
    plain_outcome,
    plain_solve,
    solve_state,
)
from tradewar.model.economy import Economy
from tradewar.model.outcomes import Outcome
from tradewar.model.solver import Solution, SolverOptions
from tradewar.policy.scenario import Scenario
from tradewar.policy.shocks import PolicyState


class StepSolver:
    """Solves one scenario's policy states in order, each warm-started from the one before.

    Parameters
    ----------
    world
        The scenario's world (after its ``[parameters]``).
    scenario
        The scenario: its horizon, ``[chokepoints]`` limits and quota-rent convention.
    econ
        The model's baseline economy for the scenario.
    options
        Solver settings of every step.

    Attributes
    ----------
    econ
        The economy the steps are solved on: ``econ`` over the scenario's horizon.
    capacity
        The horizon's supply limits (`tradewar.engine.capacity.Capacity`), None without.
    """

    def __init__(
        self, world: World, scenario: Scenario, econ: Economy, options: SolverOptions
    ) -> None:
        self.econ, self.capacity = horizon_economy(world, econ, scenario)
        self.options = options
        self.quota_rent = scenario.parameters.quota_rent
        self._previous: Rationed | None = None

    def solve(self, state: PolicyState, key: str) -> Outcome:
        """The equilibrium under ``state`` (the policies in force at a step).

        Parameters
        ----------
        state
            Tariffs, export taxes, bans, quotas and cost shocks ``(N, N, J)``.
        key
            The scenario key of the step's policies, for errors.

        Returns
        -------
        Outcome
            The step's outcome; its status says whether it converged.
        """
        outcome, self._previous = solve_state(
            self.econ, state, self.options, self._previous, self.capacity, self.quota_rent
        )
        return outcome

    def plan(self, state: PolicyState) -> PlainSolve | None:
        """The solve of ``state`` when nothing in it is rationed, else None.

        With `finish`, `solve` split in two, so that the solves of many draws can be made
        together (`tradewar.engine.draws`).
        """
        return plain_solve(self.econ, state, self._previous, self.capacity, self.quota_rent)

    def finish(self, plain: PlainSolve, solution: Solution) -> Outcome:
        """The outcome of a `plan` from its solution; the next step starts from it."""
        outcome, self._previous = plain_outcome(self.econ, plain, solution, self.options)
        return outcome

    def meta(self, world: World) -> dict[str, Any]:
        """What the result's ``meta`` records of the steps' economy (the supply limits)."""
        return chokepoint_meta(world, self.econ, self.capacity)
