"""tradewar: simulate trade wars before they happen.

Load a world, apply policies, get tidy results::

    import tradewar as tw
    world = tw.load_world("wiod2014")
    result = tw.solve(world, [tw.Tariff(importer="USA", exporter="CHN", add_pct=25)])
    result.country_table()
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

#: Where each public name lives. They are imported on first use, so ``import tradewar`` (and
#: the command line, which imports only what a command needs) does not pay for JAX, SciPy or
#: pandas until something uses them.
_EXPORTS = {
    "compare": "tradewar.api",
    "run_scenario": "tradewar.api",
    "solve": "tradewar.api",
    "choke_curve": "tradewar.engine.choke",
    "aggregate": "tradewar.data.aggregate",
    "check_world": "tradewar.data.io",
    "load_world": "tradewar.data.io",
    "write_world": "tradewar.data.write",
    "World": "tradewar.data.world",
    "EngineModel": "tradewar.engine",
    "list_datasets": "tradewar.datasets",
    "load_negotiation": "tradewar.dynamics",
    "simulate": "tradewar.dynamics",
    "ArgumentError": "tradewar.errors",
    "ConvergenceError": "tradewar.errors",
    "DataError": "tradewar.errors",
    "OutputError": "tradewar.errors",
    "ScenarioError": "tradewar.errors",
    "TradewarError": "tradewar.errors",
    "GameResult": "tradewar.game",
    "GameSettings": "tradewar.game",
    "TariffGame": "tradewar.game",
    "cooperative_tariffs": "tradewar.game",
    "nash_bargain": "tradewar.game",
    "nash_tariffs": "tradewar.game",
    "optimal_tariffs": "tradewar.game",
    "SolverOptions": "tradewar.model.solver",
    "CESSettings": "tradewar.policy",
    "ChokepointSettings": "tradewar.policy",
    "ExportControl": "tradewar.policy",
    "Scenario": "tradewar.policy",
    "Step": "tradewar.policy",
    "Tariff": "tradewar.policy",
    "TradeCost": "tradewar.policy",
    "load_scenario": "tradewar.policy",
    "parse_scenario": "tradewar.policy",
    "Result": "tradewar.results",
    "register_model": "tradewar.registry",
}

if TYPE_CHECKING:
    from tradewar.api import compare, run_scenario, solve
    from tradewar.data.aggregate import aggregate
    from tradewar.data.io import check_world, load_world
    from tradewar.data.world import World
    from tradewar.data.write import write_world
    from tradewar.datasets import list_datasets
    from tradewar.dynamics import load_negotiation, simulate
    from tradewar.engine import EngineModel
    from tradewar.engine.choke import choke_curve
    from tradewar.errors import (
        ArgumentError,
        ConvergenceError,
        DataError,
        OutputError,
        ScenarioError,
        TradewarError,
    )
    from tradewar.game import (
        GameResult,
        GameSettings,
        TariffGame,
        cooperative_tariffs,
        nash_bargain,
        nash_tariffs,
        optimal_tariffs,
    )
    from tradewar.model.solver import SolverOptions
    from tradewar.policy import (
        CESSettings,
        ChokepointSettings,
        ExportControl,
        Scenario,
        Step,
        Tariff,
        TradeCost,
        load_scenario,
        parse_scenario,
    )
    from tradewar.registry import register_model
    from tradewar.results import Result


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tradewar' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


try:
    __version__ = version("tradewar")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "CESSettings",
    "ChokepointSettings",
    "ConvergenceError",
    "DataError",
    "EngineModel",
    "ExportControl",
    "GameResult",
    "GameSettings",
    "OutputError",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolverOptions",
    "Step",
    "Tariff",
    "TariffGame",
    "TradeCost",
    "TradewarError",
    "World",
    "__version__",
    "aggregate",
    "check_world",
    "choke_curve",
    "compare",
    "cooperative_tariffs",
    "list_datasets",
    "load_negotiation",
    "load_scenario",
    "load_world",
    "nash_bargain",
    "nash_tariffs",
    "optimal_tariffs",
    "parse_scenario",
    "register_model",
    "run_scenario",
    "simulate",
    "solve",
    "write_world",
]
