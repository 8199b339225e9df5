"""Negotiation configs (TOML): world, players, strategies, pressure, calendar and events."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradewar.errors import ScenarioError
from tradewar.policy.scenario import read_toml, validation_error
from tradewar.registry import ModelName

STRATEGIES = (
    "tit_for_tat",
    "proportional",
    "escalation_ladder",
    "grim_trigger",
    "concede_under_pressure",
    "best_response",
    "hold",
    "look_ahead",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pressure(_Strict):
    """How losses turn into political pressure (defaults and rationale in docs/negotiation.md).

    Each round ``pressure = decay * pressure + loss * (1 + urgency)`` where ``loss`` (percentage
    points) is the real-income loss against the pre-conflict baseline, plus ``salience`` times
    the mean real output loss of the ``sectors`` (e.g. farm exports, rare-earth users), plus
    ``price_weight`` times the rise in consumer prices; ``urgency`` sums
    ``importance * exp(-days / horizon_days)`` over the player's coming elections and deadlines.
    """

    decay: float = Field(default=0.8, ge=0.0, le=1.0)
    welfare_weight: float = Field(default=1.0, ge=0.0)
    salience: float = Field(default=0.5, ge=0.0)
    sectors: list[str] = Field(default_factory=list)
    price_weight: float = Field(default=0.5, ge=0.0)
    horizon_days: float = Field(default=60.0, gt=0.0)


class Player(_Strict):
    """A government: its country, strategy (with parameters) and pressure parameters."""

    country: str
    strategy: str
    params: dict[str, Any] = Field(default_factory=dict)
    pressure: Pressure = Field(default_factory=Pressure)

    @field_validator("strategy")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"unknown strategy '{value}'; use one of {', '.join(STRATEGIES)}")
        return value


class Event(_Strict):
    """A dated event: an election or deadline (raises urgency) or a summit (an offer)."""

    date: dt.date
    kind: Literal["election", "deadline", "summit"]
    country: str
    importance: float = Field(1.0, ge=0.0)
    label: str = ""


class Calendar(_Strict):
    """Rounds of the simulation: ``rounds`` periods of ``period_days`` from ``start``."""

    start: dt.date
    rounds: int = Field(52, ge=1, le=1000)
    period_days: int = Field(7, ge=1)


class StartPoint(_Strict):
    """Where the game starts: a scenario step's policies, or the world's baseline.

    ``export_controls = false`` drops the export controls of that step (a counterfactual start).
    """

    scenario: str | None = None
    step: str | None = None
    export_controls: bool = True


class NegotiationConfig(_Strict):
    """A validated negotiation config (``tradewar negotiate``)."""

    name: str
    description: str = ""
    world: str
    model: ModelName = "caliendo-parro"
    sectors: list[str] = Field(default_factory=list)
    start: StartPoint = StartPoint()
    calendar: Calendar
    seed: int = 0
    deal_level_pct: float | dict[str, float] = 10.0
    player: list[Player]
    event: list[Event] = Field(default_factory=list)

    @field_validator("player")
    @classmethod
    def _two_or_more(cls, value: list[Player]) -> list[Player]:
        if len(value) < 2:
            raise ValueError("a negotiation needs at least two players")
        codes = [p.country for p in value]
        if len(set(codes)) != len(codes):
            raise ValueError("each country can be one player only")
        return value


def parse_negotiation(data: dict, file: str | None = None) -> NegotiationConfig:
    """Validate a negotiation config; `ScenarioError` names the key that is wrong."""
    try:
        config = NegotiationConfig.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, file) from None
    dates = [e.date for e in config.event]
    for k in range(1, len(dates)):
        if dates[k] < dates[k - 1]:
            raise ScenarioError(
                f"events must be in date order: {dates[k]} after {dates[k - 1]}",
                file=file,
                key=f"event[{k}].date",
            )
    from tradewar.dynamics.strategies import make_strategy

    for k, player in enumerate(config.player):
        try:
            make_strategy(player.strategy, dict(player.params))
        except ScenarioError as exc:
            raise ScenarioError(exc.reason, file=file, key=f"player[{k}].{exc.key}") from None
        for name, value in player.params.items():
            if isinstance(value, int | float) and value < 0 and name != "initial_pct":
                raise ScenarioError(
                    f"'{name}' must not be negative", file=file, key=f"player[{k}].params.{name}"
                )
    return config


def load_negotiation(path: str | os.PathLike[str]) -> NegotiationConfig:
    """Read and validate a negotiation TOML file (paths in it are relative to the file).

    Parameters
    ----------
    path
        The negotiation file (docs/negotiation.md).

    Returns
    -------
    NegotiationConfig
        The validated configuration: calendar, players, their strategies and pressures.

    Raises
    ------
    ScenarioError
        For a missing file, malformed TOML or a bad value (naming the key).
    """
    p, data = read_toml(path, "negotiation")
    start = data.get("start")
    if isinstance(start, dict) and isinstance(start.get("scenario"), str):
        candidate = (p.parent / start["scenario"]).resolve()
        if candidate.exists():
            data = {**data, "start": {**start, "scenario": str(candidate)}}
    return parse_negotiation(data, file=str(p))
