"""Strategies of governments in a negotiation. A strategy is a small object with ``act``.

Each round a strategy sees a `View` (its own and the other side's tariff levels so far, both
pressures, its welfare, the date, a seeded random generator) and returns an `Action`: a new
additional tariff level on the other side (percentage points over its start tariffs), optionally
a full tariff vector, and whether it offers a deal. ``accept`` decides on the other side's offers.
Write your own in a few lines::

    class SoftHawk:
        def act(self, view):
            return Action(level_pct=max(view.other_levels[-1] - 5.0, 0.0))
        def accept(self, view, gain_pct):
            return gain_pct > 0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tradewar.errors import ScenarioError


@dataclass(frozen=True)
class View:
    """What a government knows when it acts (levels in percentage points over the start)."""

    round: int
    date: dt.date
    me: str
    other: str
    my_levels: list[float]
    other_levels: list[float]
    pressure: float
    other_pressure: float
    welfare_vs_start_pct: float
    rng: np.random.Generator
    best_response: Callable[[], np.ndarray] = field(repr=False, default=lambda: np.zeros(0))
    evaluate: Callable[[float, float], float] = field(repr=False, default=lambda a, b: 0.0)
    """``evaluate(my_level, other_level)``: my welfare (% vs the start) if those levels held."""


@dataclass(frozen=True)
class Action:
    """A move: a uniform additional tariff level, or a full tariff vector, and an offer flag."""

    level_pct: float | None = None
    tariffs: np.ndarray | None = None
    offer: bool = False


class Strategy(Protocol):
    """The interface every strategy implements."""

    def act(self, view: View) -> Action:
        """Choose this round's move."""
        ...

    def accept(self, view: View, gain_pct: float) -> bool:
        """Accept the other side's offer, given its welfare gain against continuing."""
        ...


class _Rule:
    """Shared acceptance rule: accept a deal that raises welfare, or when pressure is high.

    ``PARAMS`` names the parameters a strategy reads besides ``threshold`` and ``initial_pct``;
    any other name is an error (a misspelt parameter must not fall back to its default).
    """

    PARAMS: tuple[str, ...] = ()

    def __init__(
        self, threshold: float = float("inf"), initial_pct: float | None = None, **params: Any
    ) -> None:
        unknown = sorted(set(params) - set(self.PARAMS))
        if unknown:
            valid = ", ".join(["threshold", "initial_pct", *self.PARAMS])
            raise UnknownParameter(unknown[0], valid)
        self.threshold = float(threshold)
        self.initial = initial_pct
        self.params = params

    def accept(self, view: View, gain_pct: float) -> bool:
        """Accept if the deal raises welfare against continuing, or under high pressure."""
        return gain_pct >= 0.0 or view.pressure >= self.threshold

    def start(self, view: View) -> float:
        """The level to open with."""
        return view.my_levels[-1] if self.initial is None else float(self.initial)


class TitForTat(_Rule):
    """Start at ``initial_pct``, then copy the other side's last level."""

    def act(self, view: View) -> Action:
        """Copy the other side's last level."""
        if view.round == 0:
            return Action(level_pct=self.start(view))
        return Action(level_pct=view.other_levels[-1])


class Proportional(_Rule):
    """Answer every change of the other side's level with ``k`` times that change."""

    PARAMS = ("k",)

    def act(self, view: View) -> Action:
        """Match ``k`` times the other side's last change."""
        k = float(self.params.get("k", 1.0))
        if view.round == 0 or len(view.other_levels) < 2:
            return Action(level_pct=self.start(view))
        change = view.other_levels[-1] - view.other_levels[-2]
        return Action(level_pct=max(view.my_levels[-1] + k * change, 0.0))


class EscalationLadder(_Rule):
    """Climb one rung of ``rungs`` each round the other side keeps tariffs; drop if it stops."""

    PARAMS = ("rungs",)

    def act(self, view: View) -> Action:
        """Next rung while the other side keeps tariffs."""
        rungs = [float(r) for r in self.params.get("rungs", [10, 20, 34, 84, 125])]
        if view.round == 0:
            return Action(level_pct=self.start(view))
        if view.other_levels[-1] <= 0.0:
            return Action(level_pct=0.0)
        higher = [r for r in rungs if r > view.my_levels[-1] + 1e-9]
        return Action(level_pct=higher[0] if higher else view.my_levels[-1])


class GrimTrigger(_Rule):
    """Keep ``cooperate_pct`` until the other side exceeds it, then ``punishment_pct`` forever."""

    PARAMS = ("cooperate_pct", "tolerance_pct", "punishment_pct")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.triggered = False

    def act(self, view: View) -> Action:
        """Cooperate until the first defection, then punish forever."""
        cooperate = float(self.params.get("cooperate_pct", 0.0))
        tolerance = float(self.params.get("tolerance_pct", 0.5))
        if view.round > 0 and view.other_levels[-1] > cooperate + tolerance:
            self.triggered = True
        return Action(
            level_pct=float(self.params.get("punishment_pct", 50.0))
            if self.triggered
            else cooperate
        )


class ConcedeUnderPressure(_Rule):
    """Hold the current level; once pressure exceeds ``threshold``, offer the deal."""

    def act(self, view: View) -> Action:
        """Hold; offer the deal once pressure is above the threshold."""
        level = self.start(view) if view.round == 0 else view.my_levels[-1]
        return Action(level_pct=level, offer=view.pressure >= self.threshold)


class Hold(_Rule):
    """Keep the start level (or ``level_pct``) whatever happens."""

    PARAMS = ("level_pct",)

    def act(self, view: View) -> Action:
        """Keep the level."""
        level = self.params.get("level_pct")
        return Action(level_pct=self.start(view) if level is None else float(level))


class BestResponse(_Rule):
    """Myopic best response: the tariffs that maximise this round's welfare given the other's."""

    def act(self, view: View) -> Action:
        """Best response to the current tariffs."""
        return Action(tariffs=view.best_response())


class LookAhead(_Rule):
    """Optimising with look-ahead: pick the level that maximises discounted welfare.

    Candidates are ``grid`` levels (percentage points). For each, the strategy anticipates that
    the other side answers next round by copying it (``reply = "copy"``, tit-for-tat) or keeps
    its level (``reply = "hold"``), and scores ``W(a, other) + discount * W(a, reply(a))`` with
    welfare from the GE engine. ``discount`` falls as pressure rises (``discount / (1 +
    pressure)``), so a government under pressure cares more about today.
    """

    PARAMS = ("grid", "discount", "reply")

    def act(self, view: View) -> Action:
        """Best level against the anticipated reply."""
        grid = [float(g) for g in self.params.get("grid", [0, 5, 10, 20, 35, 50, 75, 100])]
        discount = float(self.params.get("discount", 0.9)) / (1.0 + max(view.pressure, 0.0))
        reply = self.params.get("reply", "copy")
        other = view.other_levels[-1]

        def score(level: float) -> float:
            nxt = level if reply == "copy" else other
            return view.evaluate(level, other) + discount * view.evaluate(level, nxt)

        return Action(level_pct=max(grid, key=score))


_REGISTRY: dict[str, type] = {
    "tit_for_tat": TitForTat,
    "proportional": Proportional,
    "escalation_ladder": EscalationLadder,
    "grim_trigger": GrimTrigger,
    "concede_under_pressure": ConcedeUnderPressure,
    "best_response": BestResponse,
    "hold": Hold,
    "look_ahead": LookAhead,
}


def make_strategy(name: str, params: dict[str, Any]) -> Strategy:
    """Build a named strategy with its parameters; unknown names or parameters raise."""
    if name not in _REGISTRY:
        raise ScenarioError(
            f"unknown strategy '{name}'; use one of {', '.join(_REGISTRY)}", key="strategy"
        )
    try:
        return _REGISTRY[name](**params)
    except UnknownParameter as exc:
        raise ScenarioError(
            f"unknown parameter '{exc.name}' for strategy {name}; valid: {exc.valid}",
            key=f"params.{exc.name}",
        ) from None
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"bad parameters for {name}: {exc}", key="params") from None


class UnknownParameter(TypeError):
    """A strategy was given a parameter it does not read."""

    def __init__(self, name: str, valid: str) -> None:
        self.name, self.valid = name, valid
        super().__init__(f"unknown parameter '{name}' (valid: {valid})")
