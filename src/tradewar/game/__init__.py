"""Strategy: optimal tariffs, Nash tariffs, cooperative tariffs and Nash bargaining."""

from tradewar.game.core import GameSettings, TariffGame
from tradewar.game.environment import ControlArrays
from tradewar.game.result import GameResult
from tradewar.game.solvers import (
    cooperative_tariffs,
    nash_bargain,
    nash_tariffs,
    optimal_tariffs,
)

__all__ = [
    "ControlArrays",
    "GameResult",
    "GameSettings",
    "TariffGame",
    "cooperative_tariffs",
    "nash_bargain",
    "nash_tariffs",
    "optimal_tariffs",
]
