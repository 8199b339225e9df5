"""The model protocol and the lookup of a model by name.

A model is what it builds from a world and its settings (`EngineModel.shares`,
`EngineModel.economy`), what it takes (the ``[ces]`` table, ``nested_ces``; the one-sector
``[armington]`` margins, ``margins``) and how a scenario's steps are solved
(`EngineModel.step_solver`). Most models are solved by the engine's one solver
(`tradewar.model.solver`), the economy they build selecting its equations (input-output cost
shares, nested CES parameters, profit shares), inside the default `StepSolver`, which adds the
scenario's short run (supply limits, sticky wages, rationed quotas) to any model.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, ClassVar

from tradewar.data.world import World
from tradewar.engine.steps import StepSolver
from tradewar.errors import ScenarioError
from tradewar.model.economy import Economy
from tradewar.model.solver import SolverOptions
from tradewar.policy.scenario import CESSettings, Scenario
from tradewar.registry import check_model, model_module


class EngineModel:
    """A model: how it builds its baseline economy from a world, and which settings it takes.

    A plug-in subclasses it, sets ``name``, implements `shares`, puts an instance in its
    module's ``MODEL`` and registers the module with `tradewar.registry.register_model`.

    Attributes
    ----------
    name
        The name scenarios, games and the JSON API use (``model = "..."``).
    nested_ces
        Whether the model reads a scenario's ``[ces]`` table (`economy` gets it).
    margins
        Whether the model takes the ``[armington]`` margins of a one-sector world.
    """

    name: ClassVar[str]
    nested_ces: ClassVar[bool] = False
    margins: ClassVar[bool] = False

    def shares(self, world: World) -> Economy:
        """The model's calibration of ``world``: its baseline `Economy` with default settings.

        Parameters
        ----------
        world
            A checked world (`tradewar.data.world.World`), ``N`` countries and ``J`` sectors.

        Returns
        -------
        Economy
            Baseline shares and levels (``(N, N, J)`` trade shares, ``(N, J)`` spending, ...).
        """
        raise NotImplementedError

    def economy(self, world: World, ces: CESSettings) -> Economy:
        """The baseline `Economy` of ``world`` with the scenario's settings.

        Parameters
        ----------
        world
            A checked world.
        ces
            The scenario's ``[ces]`` table; models without ``nested_ces`` ignore it.

        Returns
        -------
        Economy
            `shares` unless the model overrides it.
        """
        return self.shares(world)

    def step_solver(
        self, world: World, scenario: Scenario, econ: Economy, options: SolverOptions
    ) -> StepSolver:
        """How the steps of ``scenario`` are solved under this model.

        Parameters
        ----------
        world
            The scenario's world (after its ``[parameters]``).
        scenario
            The scenario (its horizon, limits and settings).
        econ
            The model's baseline economy for the scenario (`economy`, rebalanced if it asks).
        options
            Solver settings.

        Returns
        -------
        StepSolver
            The default: the engine's solver with the scenario's short run around it.
            Raises `ScenarioError` for an ``[armington]`` table the model does not take.
        """
        check_margins_allowed(scenario)
        return StepSolver(world, scenario, econ, options)


def check_margins_allowed(scenario: Scenario) -> None:
    """Refuse a scenario whose ``[armington]`` table sets margins its model does not take.

    Raises
    ------
    ScenarioError
        (key ``armington``) naming the model.
    """
    if scenario.armington.active and not get_model(scenario.model).margins:
        raise ScenarioError(
            f"[armington] margins apply to model = 'armington', not '{scenario.model}'",
            key="armington",
        )


_LOCK = threading.Lock()


def get_model(name: str) -> EngineModel:
    """The model registered as ``name``, its module imported on first use.

    Parameters
    ----------
    name
        A model name (`tradewar.registry.MODELS`).

    Returns
    -------
    EngineModel
        The ``MODEL`` object of the registered module.

    Raises
    ------
    ScenarioError
        (key ``model``) for an unregistered name, or a module without a ``MODEL`` of that name.
    """
    check_model(name)
    path = model_module(name)
    with _LOCK:
        module = importlib.import_module(path)
    model: Any = getattr(module, "MODEL", None)
    if not isinstance(model, EngineModel) or getattr(model, "name", None) != name:
        raise ScenarioError(
            f"module '{path}' registered for model '{name}' has no MODEL, an EngineModel "
            f"named '{name}'",
            key="model",
        )
    return model


def economy_from_world(world: World, model: str = "caliendo-parro") -> Economy:
    """The calibration of ``world`` under ``model`` with default settings (`EngineModel.shares`).

    Parameters
    ----------
    world
        A checked world.
    model
        A registered model name.

    Returns
    -------
    Economy
        The baseline economy the solver takes.
    """
    return get_model(model).shares(world)


def economy_for(world: World, model: str, ces: CESSettings | dict | None = None) -> Economy:
    """The baseline `Economy` of ``world`` under ``model`` with a scenario's ``[ces]`` table.

    Parameters
    ----------
    world
        A checked world.
    model
        A registered model name.
    ces
        A `CESSettings` or its table as a dict; read only by models with ``nested_ces``.

    Returns
    -------
    Economy
        The baseline economy. Raises `ScenarioError` for an unknown model or bad settings.
    """
    chosen = get_model(model)
    settings = ces if isinstance(ces, CESSettings) else CESSettings.model_validate(ces or {})
    return chosen.economy(world, settings)
