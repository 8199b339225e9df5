"""One way to set up a tariff game from plain settings, shared by the CLI and the web app."""

from __future__ import annotations

from collections.abc import Sequence

from tradewar.data.world import World
from tradewar.engine import get_model
from tradewar.errors import ScenarioError
from tradewar.game.core import GameSettings, TariffGame
from tradewar.policy.scenario import ArmingtonSettings, CESSettings, Scenario
from tradewar.registry import NASH_TOL_PCT, check_model


def build_game(
    world: World,
    model: str | None = None,
    *,
    objective: str = "welfare",
    lower_pct: float = 0.0,
    upper_pct: float = 1000.0,
    tol_pct: float = NASH_TOL_PCT,
    max_rounds: int = 30,
    sectors: Sequence[str] | None = None,
    deficits: str | None = None,
    ces: CESSettings | None = None,
    armington: ArmingtonSettings | None = None,
    mfn: bool = False,
    allow_binding_bounds: bool = False,
) -> TariffGame:
    """A `TariffGame` on ``world``; errors name the setting that is wrong.

    ``model`` defaults to the world's ``default_model`` (else ``caliendo-parro``). The
    ``ces-network`` model needs ``ces`` (its nests); ``armington`` settings (the margins of
    Ignatenko et al. 2025) apply to the ``armington`` model only. ``deficits`` defaults to
    ``"keep"`` with margins and ``"zero"`` otherwise (see `GameSettings`).
    """
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
        if not kind.margins:
            raise ScenarioError(
                f"armington margins apply to the armington model, not {chosen}", key="armington"
            )
        from tradewar.engine.scenario import scenario_margins

        scenario = Scenario(name="game", world=world.name, model=chosen, armington=armington)
        margins = scenario_margins(world, scenario)
    if deficits is None:
        deficits = "keep" if margins is not None else "zero"
    settings = GameSettings(
        objective=objective,
        lower_pct=lower_pct,
        upper_pct=upper_pct,
        tol_pct=tol_pct,
        max_rounds=max_rounds,
        deficits=deficits,
        allow_binding_bounds=allow_binding_bounds,
        mfn=mfn,
    )
    nests = ces.model_dump() if ces is not None else None
    codes = list(sectors) if sectors else None
    return TariffGame(world, chosen, settings, sectors=codes, ces=nests, margins=margins)
