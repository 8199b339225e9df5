"""Strategy commands: ``tradewar optimal``, ``nash``, ``cooperate``, ``bargain``, their options."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradewar.cli.common import (
    _JSON,
    _TOP,
    _codes,
    _exit_codes,
    _fail,
    _print_json,
    _progress_bar,
    _spinner,
    app,
    console,
)
from tradewar.registry import MODELS, NASH_TOL_PCT

if TYPE_CHECKING:
    from tradewar.errors import ScenarioError
    from tradewar.game.build import GameOptions

# ---------------------------------------------------------------------------- strategy
#: One default for the Nash search's tariff-change tolerance, shared with the Python API.
_DEFAULT_TOL_PCT = NASH_TOL_PCT


def _game(world: str, args: _GameArgs, *, tol_pct: float = _DEFAULT_TOL_PCT, max_rounds: int = 30):
    """The game on ``world`` with the command's shared options (errors name the option)."""
    from tradewar.data.io import load_world
    from tradewar.errors import ScenarioError
    from tradewar.game.build import build_game

    w = load_world(world)
    options = args.options()
    try:
        return build_game(w, options, tol_pct=tol_pct, max_rounds=max_rounds)
    except ScenarioError as exc:
        raise args.renamed(exc) from None


@dataclass(frozen=True)
class _GameArgs:
    """The shared game options as the command line gave them (paths, comma-separated codes)."""

    values: dict[str, Any]

    def options(self) -> GameOptions:
        """The `GameOptions`, with the ``--ces`` and ``--armington`` files read."""
        from pydantic import ValidationError

        from tradewar.errors import ScenarioError
        from tradewar.game.build import GameOptions
        from tradewar.policy.scenario import validation_error

        v = dict(self.values)
        ces, armington = v.pop("ces"), v.pop("armington")
        try:
            return GameOptions(
                **v | {"sectors": _codes(v["sectors"])},
                ces=_read_ces(ces) if ces is not None else None,
                armington=_read_armington(armington) if armington is not None else None,
            )
        except ValidationError as exc:
            err = validation_error(exc, None)
            raise self.renamed(ScenarioError(err.reason, key=err.key)) from None

    def renamed(self, exc: ScenarioError) -> ScenarioError:
        """``exc`` naming the option (``--model``) or the ``--armington`` file it is about."""
        from tradewar.errors import ScenarioError

        key = exc.key or ""
        armington = self.values["armington"]
        if exc.file is None and armington is not None and key.startswith("armington."):
            return ScenarioError(exc.reason, file=str(armington), key=key)
        if exc.file is None and key in self.values:
            return ScenarioError(exc.reason, key="--" + key.replace("_", "-"))
        return exc


def _read_armington(path: Path):
    """The ``[armington]`` table of a TOML file, validated (errors name the file and key)."""
    from tradewar.policy.scenario import ArmingtonSettings, read_toml_table

    return read_toml_table(path, "armington", ArmingtonSettings)


def _read_ces(path: Path):
    """The ``[ces]`` table of a TOML file, validated (errors name the file and key)."""
    from tradewar.policy.scenario import CESSettings, read_toml_table

    return read_toml_table(path, "ces", CESSettings)


def _print_game(result, json_out: bool, top: int = 20) -> None:
    if json_out:
        _print_json(result.to_json())
        return
    full = result.country_table()
    players = list(result.players)
    others = full.drop(index=players)["welfare_pct"].abs().sort_values(ascending=False).index
    order = list(dict.fromkeys([*players, *others]))[: max(top, len(players))]
    table = full.loc[order]
    caption = (
        f"converged {result.converged}; rounds {result.rounds}; {result.elapsed_s:.1f} s; "
        f"deficits {result.deficits}; welfare in % vs the baseline tariffs; {len(table)} of "
        f"{len(full)} countries: the players, then the largest welfare changes"
    )
    if "max_nash_gap_pct" in result.extra:
        caption += f"; Nash gap {result.extra['max_nash_gap_pct']:.2g}%"
    if result.kind == "bargain" and "threat_payoff" in result.extra:
        threat = result.extra["threat_payoff"]
        shown = ", ".join(
            f"{code} {100.0 * (threat[result.countries.index(code)] - 1.0):+.3f}%"
            for code in players
        )
        caption += f"; threat point ({result.objective}): {shown}"
    t = Table(
        title=f"{result.kind} tariffs — {escape(result.world)}, {result.model}, "
        f"objective {result.objective}",
        caption=caption,
    )
    for col in ("Country", "Median tariff %", "Mean tariff %", "Welfare %", "Gov. welfare %"):
        t.add_column(col, justify="left" if col == "Country" else "right")

    def cell(value: object, fmt: str) -> str:
        return "" if value is None or value != value else format(value, fmt)

    for code, row in table.iterrows():
        t.add_row(
            escape(str(code)),
            cell(row.median_tariff_pct, ".1f"),
            cell(row.mean_tariff_pct, ".1f"),
            cell(row.welfare_pct, "+.3f"),
            cell(row.gov_welfare_pct, "+.3f"),
        )
    console.print(t)


def _run_game(action, json_out: bool, describe: dict, top: int = 20) -> None:
    """Run ``action(progress)`` under a progress bar (Nash rounds) and print its result."""
    if describe["game"] == "nash":  # rounds to count
        bar, advance = _progress_bar("Nash tariffs: rounds", json_out)
    else:
        bar, advance = _spinner(f"solving the {describe['game']} game…", json_out), None
    with _exit_codes(describe if json_out else None), bar:
        result = action(advance)
    _print_game(result, json_out, top)
    if not result.converged:
        _fail(f"{result.kind} tariffs did not converge: {result.reason}", 1)


_MODEL = typer.Option(help=f"Model: {', '.join(MODELS)} (default: the world's).")
_OBJECTIVE = typer.Option(help="welfare (real income) or political (lambda-weighted).")
_DEFICITS = typer.Option(
    help="zero: re-solve the baseline with balanced trade first (default, as Ossa 2014; keep "
    "with --armington); keep: deficits are fixed transfers (best responses may then end on the "
    "upper bound)."
)
_ARMINGTON = typer.Option(
    help="For --model armington: a TOML file (e.g. a scenario) whose armington table sets the "
    "margins of Ignatenko et al. (2025); deficits are then kept."
)
_MFN = typer.Option(
    "--mfn", help="Most-favoured-nation tariffs: one rate per sector on every partner."
)
_BOUNDS = typer.Option(
    "--allow-binding-bounds",
    help="Accept tariffs on a bound the payoff would still rise past (the bounds are part of "
    "the problem, as Ossa's 0-1000%); by default such a best response is a failure.",
)
_CES = typer.Option(help="For --model ces-network: a TOML file whose ces table names the nests.")
_WORLD = typer.Argument(help="Bundled world or world-package path.")
_SECTORS = typer.Option(help="Sector codes (default: all traded).")
_LOWER = typer.Option(help="Lower bound, percent.")
_UPPER = typer.Option(help="Upper bound, percent.")


#: The options every game command takes (the fields of `GameOptions`), in the order of --help.
_GAME_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("model", Annotated[str | None, _MODEL], None),
    ("objective", Annotated[str, _OBJECTIVE], "welfare"),
    ("sectors", Annotated[str | None, _SECTORS], None),
    ("lower_pct", Annotated[float, _LOWER], 0.0),
    ("upper_pct", Annotated[float, _UPPER], 1000.0),
    ("deficits", Annotated[str | None, _DEFICITS], None),
    ("ces", Annotated[Path | None, _CES], None),
    ("armington", Annotated[Path | None, _ARMINGTON], None),
    ("mfn", Annotated[bool, _MFN], False),
    ("allow_binding_bounds", Annotated[bool, _BOUNDS], False),
)
#: Options after the shared ones in --help.
_LAST = ("top", "json_out")


def _with_game_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` taking the shared game options (`_GAME_OPTIONS`) as its ``game`` argument.

    Typer reads a command's options from its signature and has no option groups; this gives
    the command a signature with the shared options added (before ``--top`` and ``--json``) and
    calls it with them gathered in a `_GameArgs`. One definition serves the four commands.
    """
    hints = typing.get_type_hints(command, include_extras=True)
    own = [p for p in inspect.signature(command).parameters.values() if p.name != "game"]
    kind = inspect.Parameter.KEYWORD_ONLY
    shared = [
        inspect.Parameter(name, kind, default=default, annotation=annotation)
        for name, annotation, default in _GAME_OPTIONS
    ]
    first = [p.replace(kind=kind, annotation=hints[p.name]) for p in own if p.name not in _LAST]
    last = [p.replace(kind=kind, annotation=hints[p.name]) for p in own if p.name in _LAST]
    parameters = [*first, *shared, *last]

    @functools.wraps(command)
    def with_options(**values: Any) -> None:
        game = _GameArgs({name: values.pop(name) for name, _, _ in _GAME_OPTIONS})
        command(**values, game=game)

    # Read by inspect.signature and typing.get_type_hints, which is how Typer finds options.
    with_options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    with_options.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_options


@app.command()
@_with_game_options
def optimal(
    world: Annotated[str, _WORLD],
    country: Annotated[str, typer.Option(help="The country that sets its tariffs.")],
    partners: Annotated[str | None, typer.Option(help="Tariffs on these only, e.g. CHN.")] = None,
    *,
    game: _GameArgs,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Unilateral optimal tariffs of one country, everyone else at baseline tariffs."""
    from tradewar.game import optimal_tariffs

    def action(progress):
        built = _game(world, game, max_rounds=1)
        return optimal_tariffs(built, country, _codes(partners), strict=False)

    _run_game(action, json_out, {"game": "optimal", "world": world}, top)


@app.command()
@_with_game_options
def nash(
    world: Annotated[str, _WORLD],
    players: Annotated[
        str | None, typer.Option(help="Players, e.g. USA,CHN (default all).")
    ] = None,
    against: Annotated[
        str, typer.Option(help="all: tax every partner; players: only players.")
    ] = "all",
    tol_pct: Annotated[
        float, typer.Option(help="Search: stop when no tariff moves more than this, points.")
    ] = _DEFAULT_TOL_PCT,
    max_rounds: Annotated[int, typer.Option(help="Rounds of best responses at most.")] = 30,
    *,
    game: _GameArgs,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Nash tariffs (a trade war): best responses until no player gains by deviating."""
    from tradewar.game import nash_tariffs

    def action(progress):
        built = _game(world, game, tol_pct=tol_pct, max_rounds=max_rounds)
        return nash_tariffs(
            built, _codes(players), against=against, strict=False, progress=progress
        )

    _run_game(action, json_out, {"game": "nash", "world": world}, top)


@app.command()
@_with_game_options
def cooperate(
    world: Annotated[str, _WORLD],
    players: Annotated[str | None, typer.Option(help="Players (default all).")] = None,
    equal_gains: Annotated[
        bool, typer.Option(help="Equal proportional gains (trade talks).")
    ] = True,
    *,
    game: _GameArgs,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Cooperative (efficient) tariffs from the baseline, optionally with equal gains."""
    from tradewar.game import cooperative_tariffs

    def action(progress):
        built = _game(world, game, max_rounds=1)
        return cooperative_tariffs(built, _codes(players), equal_gains=equal_gains, strict=False)

    _run_game(action, json_out, {"game": "cooperative", "world": world}, top)


@app.command()
@_with_game_options
def bargain(
    world: Annotated[str, _WORLD],
    countries: Annotated[str, typer.Option(help="The two negotiators, e.g. USA,CHN.")],
    threat: Annotated[
        str,
        typer.Option(
            help="Threat point: 'nash' (their bilateral Nash tariffs), 'baseline', or "
            "SCENARIO.toml#STEP-LABEL (a step's tariffs; same world)."
        ),
    ] = "nash",
    power: Annotated[str, typer.Option(help="Bargaining weights, e.g. 0.5,0.5.")] = "0.5,0.5",
    *,
    game: _GameArgs,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Nash bargain over two countries' bilateral tariffs in the shadow of a threat point."""
    from tradewar.errors import ScenarioError
    from tradewar.game import nash_bargain
    from tradewar.game.threats import threat_tariffs

    def action(progress):
        pair = _codes(countries) or []
        if len(pair) != 2:
            raise ScenarioError("give exactly two countries, e.g. USA,CHN", key="--countries")
        try:
            weights = tuple(float(v) for v in power.split(","))
        except ValueError:
            raise ScenarioError("not two numbers", key="--power") from None
        built = _game(world, game, max_rounds=30)
        threat_tau = threat_tariffs(built, pair, threat)
        return nash_bargain(built, pair[0], pair[1], threat_tau, weights, strict=False)

    _run_game(action, json_out, {"game": "bargain", "world": world}, top)
