"""One way to set up a tariff game from plain settings (`GameOptions`), for the CLI and web."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradewar.data.world import World
from tradewar.engine import get_model
from tradewar.errors import ScenarioError
from tradewar.game.core import GameSettings, TariffGame
from tradewar.game.objectives import OBJECTIVES
from tradewar.policy.scenario import ArmingtonSettings, CESSettings, Scenario, validation_error
from tradewar.registry import NASH_TOL_PCT, ModelName, check_model


class GameOptions(BaseModel):
    """The settings of a tariff game as plain values, one definition for every front end.

    The command line's four game commands take them as options and the web app's game jobs as
    fields.

    Attributes
    ----------
    model
        A registered model (default: the world's ``default_model``, else ``caliendo-parro``).
    objective
        ``welfare`` (real income) or ``political`` (lambda-weighted, Ossa 2014).
    sectors
        Sector codes or group names whose tariffs are chosen (default: every traded sector).
    lower_pct, upper_pct
        Bounds on every tariff, percent (above -100).
    deficits
        ``zero`` (re-solve the baseline with balanced trade first) or ``keep``; default
        ``keep`` with margins, else ``zero`` (see `GameSettings`).
    ces
        The nests of a model with ``nested_ces`` (``ces-network``), which needs them.
    armington
        The margins of Ignatenko et al. (2025), for a model that takes margins (``armington``).
    mfn
        One rate per sector on every partner (most-favoured-nation).
    allow_binding_bounds
        Accept best responses on a bound the payoff would still rise past.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model: ModelName | None = None
    objective: Literal["welfare", "political"] = "welfare"
    sectors: list[str] | None = None
    lower_pct: float = Field(default=0.0, gt=-100.0)
    upper_pct: float = 1000.0
    deficits: Literal["zero", "keep"] | None = None
    ces: CESSettings | None = None
    armington: ArmingtonSettings | None = None
    mfn: bool = False
    allow_binding_bounds: bool = False

    @field_validator("objective", mode="before")
    @classmethod
    def _known_objective(cls, value: object) -> object:
        if isinstance(value, str) and value not in OBJECTIVES:
            raise ValueError(f"unknown objective '{value}'; use one of {', '.join(OBJECTIVES)}")
        return value


def build_game(
    world: World,
    options: GameOptions | str | None = None,
    *,
    tol_pct: float = NASH_TOL_PCT,
    max_rounds: int = 30,
) -> TariffGame:
    """A `TariffGame` on ``world``; errors name the setting that is wrong.

    Parameters
    ----------
    world
        A checked world.
    options
        The game's `GameOptions`, or a model name for a game with default settings (default:
        all defaults).
    tol_pct, max_rounds
        The Nash search's tolerance (largest tariff change over a round, points) and its most
        rounds of best responses.

    Returns
    -------
    TariffGame
        Ready for `optimal_tariffs`, `nash_tariffs`, `cooperative_tariffs` or `nash_bargain`.
    """
    if not isinstance(options, GameOptions):
        try:
            options = GameOptions(model=options)
        except ValidationError as exc:
            raise validation_error(exc, None) from None
    model, ces, armington = options.model, options.ces, options.armington
    chosen = model or str(world.meta.get("default_model", "caliendo-parro"))
    check_model(chosen)
    kind = get_model(chosen)
    if kind.nested_ces and ces is None:
        raise ScenarioError(
            f"the {chosen} model needs its nests (a [ces] table: critical sectors and "
            "elasticities)",
            key="ces",
        )
    if not kind.nested_ces and ces is not None:
        raise ScenarioError(f"ces nests apply to the ces-network model, not {chosen}", key="ces")
    margins = None
    if armington is not None and armington.active:
        from tradewar.engine.armington import scenario_margins

        # scenario_margins refuses margins for a model that does not take them.

        scenario = Scenario(name="game", world=world.name, model=chosen, armington=armington)
        margins = scenario_margins(world, scenario)
    deficits = options.deficits
    if deficits is None:
        deficits = "keep" if margins is not None else "zero"
    settings = GameSettings(
        objective=options.objective,
        lower_pct=options.lower_pct,
        upper_pct=options.upper_pct,
        tol_pct=tol_pct,
        max_rounds=max_rounds,
        deficits=deficits,
        allow_binding_bounds=options.allow_binding_bounds,
        mfn=options.mfn,
    )
    nests = ces.model_dump() if ces is not None else None
    codes = list(options.sectors) if options.sectors else None
    return TariffGame(world, chosen, settings, sectors=codes, ces=nests, margins=margins)
