"""tradewar: simulate trade wars before they happen.

Load a world, apply policies, get tidy results::

    import tradewar as tw
    world = tw.load_world("wiod2014")
    result = tw.solve(world, [tw.Tariff(importer="USA", exporter="CHN", add_pct=25)])
    result.country_table()
"""

from importlib.metadata import PackageNotFoundError, version

from tradewar.api import compare, run_scenario, solve
from tradewar.choke import choke_curve
from tradewar.data.aggregate import aggregate
from tradewar.data.io import check_world, load_world, write_world
from tradewar.data.world import World
from tradewar.datasets import list_datasets
from tradewar.dynamics import load_negotiation, simulate
from tradewar.errors import (
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
from tradewar.results import Result

try:
    __version__ = version("tradewar")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

__all__ = [
    "CESSettings",
    "ChokepointSettings",
    "ConvergenceError",
    "DataError",
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
    "run_scenario",
    "simulate",
    "solve",
    "write_world",
]
