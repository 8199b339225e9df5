"""Command-line interface: the ``tradewar`` command, one module per group of commands.

`tradewar.cli.common` holds the Typer ``app``, the exit codes and the options commands share;
`scenarios` (run, compare, backtest, report), `data` (cache, datasets, describe, build-world,
estimate), `games` (optimal, nash, cooperate, bargain), `negotiate`, `uncertainty` (uncertainty,
sweep) and `serve` each register their commands on it when imported here.

Exit codes: 0 success, 1 the solver did not converge, 2 bad input (one line naming file and field).
"""

from typer.models import CommandInfo

from tradewar.cli import data, games, negotiate, scenarios, serve, uncertainty
from tradewar.cli.common import app, main

#: The order of ``tradewar --help``: solving first, then strategy, many runs, data, the server.
HELP_ORDER = (
    "run", "compare", "backtest", "report", "optimal", "nash", "cooperate", "bargain",
    "negotiate", "uncertainty", "sweep", "datasets", "describe", "build-world", "estimate",
    "cache", "serve",
)  # fmt: skip


def _help_position(command: CommandInfo) -> int:
    name = command.name or getattr(command.callback, "__name__", "")
    return HELP_ORDER.index(name) if name in HELP_ORDER else len(HELP_ORDER)


app.registered_commands.sort(key=_help_position)

__all__ = [
    "HELP_ORDER",
    "app",
    "data",
    "games",
    "main",
    "negotiate",
    "scenarios",
    "serve",
    "uncertainty",
]
