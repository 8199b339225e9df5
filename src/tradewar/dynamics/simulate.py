"""Round-based negotiation simulation whose payoffs come from the general-equilibrium engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from tradewar.data.io import load_world
from tradewar.dynamics.config import NegotiationConfig
from tradewar.dynamics.pressure import (
    average_tariff,
    deal_level,
    instrument_sectors,
    update_pressure,
)
from tradewar.dynamics.strategies import Action, Strategy, View, make_strategy
from tradewar.engine import economy_for, get_model
from tradewar.engine.economies import horizon_economy, scenario_world
from tradewar.engine.rationing import solve_state
from tradewar.engine.scenario import scenario_step
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.model.arrays import on_device
from tradewar.model.economy import Shock
from tradewar.model.outcomes import Outcome, compute_outcome
from tradewar.model.solver import SolverOptions, solve_arrays
from tradewar.policy.chokepoints import HORIZONS
from tradewar.policy.scenario import CESSettings, Scenario, load_scenario
from tradewar.policy.shocks import PolicyState
from tradewar.progress import ProgressCallback, report
from tradewar.results.result import Result, StepResult
from tradewar.status import Status


@dataclass(frozen=True)
class NegotiationResult:
    """The simulated path: one entry per round (country codes as keys), and the outcome."""

    config: NegotiationConfig
    steps: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)
    result: Result | None = None
    seed: int = 0

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table, one row per round, player and variable.

        Columns ``round, date, country, variable, unit, value`` with the variables
        ``tariff_level_pct`` (the player's tariffs over the start, trade-weighted, percentage
        points), ``avg_tariff_pct`` (its trade-weighted average tariff on the other players),
        ``pressure`` (an index) and ``welfare_vs_start_pct``; floats, NaN where unknown.
        """
        rows = []
        units = {
            "tariff_level_pct": "percentage points",
            "avg_tariff_pct": "percent",
            "pressure": "index",
            "welfare_vs_start_pct": "percent",
        }
        for step in self.steps:
            for country, policy in step["policies"].items():
                values = {
                    "tariff_level_pct": policy["tariff_level_pct"],
                    "avg_tariff_pct": policy["avg_tariff_pct"],
                    "pressure": step["pressure"].get(country, float("nan")),
                    "welfare_vs_start_pct": step.get("welfare_vs_start_pct", {}).get(
                        country, float("nan")
                    ),
                }
                rows += [
                    (step["round"], step["date"], country, name, units[name], float(value))
                    for name, value in values.items()
                ]
        return pd.DataFrame(rows, columns=["round", "date", "country", "variable", "unit", "value"])

    def to_json(self) -> dict[str, Any]:
        """``{"name", "world", "steps": [...], "outcome": {...}}`` (docs/formats.md)."""
        return {
            "name": self.config.name,
            "world": self.config.world,
            "seed": self.seed,
            "steps": self.steps,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class _StartState:
    """The instruments in force at a negotiation's start (arrays ``(N, N, J)``).

    ``export_tax`` is the exporters' part of the export controls; ``import_rent`` and
    ``dissipated`` the importer-side quota wedges (None where none). Without quantity limits
    these hold the quotas' tax equivalents at the start step and ``state`` is None; with them
    (short-run chokepoints, where quantities bind) ``state`` keeps the quotas as quantities.
    """

    tariffs: np.ndarray
    export_tax: np.ndarray
    open: np.ndarray
    import_rent: np.ndarray | None = None
    dissipated: np.ndarray | None = None
    state: PolicyState | None = None


def _start_state(
    config: NegotiationConfig, world, econ, scenario: Scenario | None, quotas: bool = False
) -> _StartState:
    """The tariffs and export controls at the start, with the quotas when ``quotas`` is True."""
    base = PolicyState.baseline(np.asarray(econ.tau))
    zeros = np.zeros_like(base.tariffs)
    if scenario is None:
        return _StartState(base.tariffs, zeros, base.open)
    if scenario.world != world.name:
        raise ScenarioError(
            f"the start scenario uses world '{scenario.world}', the config '{world.name}'",
            key="start.scenario",
        )
    step = scenario_step(scenario, world, config.start.step, key="start.step")
    tariffs = np.array(step.outcome.tariffs_after)
    if not config.start.export_controls or step.policies is None:
        return _StartState(tariffs, zeros, base.open)
    if quotas:
        policies = step.policies
        return _StartState(tariffs, np.array(policies.export_tax), policies.open, state=policies)
    o = step.outcome
    return _StartState(
        tariffs, np.array(o.export_tax), step.policies.open, o.import_rent, o.dissipated
    )


class Negotiation:
    """A negotiation between rounds: its economy, tariffs, pressures, levels and record.

    `simulate` runs it round by round; each phase of a round is a method that can be called
    (and tested) alone: `update_pressures`, `act` (each player's move), `proposed_tariffs`
    (the moves applied), `resolve_offers` (offers answered, a deal struck or not) and `record`.
    Every payoff is an equilibrium of the engine (`solve`, cached by tariffs).
    """

    def __init__(
        self,
        config: NegotiationConfig,
        strategies: dict[str, Strategy] | None = None,
        seed: int | None = None,
        start: Scenario | None = None,
    ) -> None:
        world = load_world(config.world)
        for k, player in enumerate(config.player):
            if player.country not in world.countries:
                raise ScenarioError(
                    f"player '{player.country}' is not in world '{world.name}'",
                    key=f"player[{k}].country",
                )
        for k, event in enumerate(config.event):
            if event.country not in world.countries:
                raise ScenarioError(f"unknown country '{event.country}'", key=f"event[{k}].country")
        model, ces = config.model, CESSettings()
        scenario = start
        if scenario is None and config.start.scenario:
            scenario = load_scenario(config.start.scenario)
        self.quota_rent = "exporter"
        self.long_run = True
        if scenario is not None:
            model, ces = scenario.model, scenario.ces
            self.quota_rent = scenario.parameters.quota_rent
            self.long_run = scenario.horizon_parameters() == HORIZONS["long"]
        self.config, self.model, self.ces = config, model, ces
        self.names = world.countries
        self.capacity = None
        if scenario is not None:
            solved = scenario_world(world, scenario)
            self.econ, self.capacity = horizon_economy(
                solved, economy_for(solved, model, ces), scenario
            )
        else:
            solved, self.econ = world, economy_for(world, model, ces)
        self.world = solved
        start_state = _start_state(
            config, world, self.econ, scenario, quotas=self.capacity is not None
        )
        self.tau0, self.export_tax, self.is_open = (
            start_state.tariffs,
            start_state.export_tax,
            start_state.open,
        )
        self.start_policies = start_state.state
        self._rationed: Any = None
        self.base_tau = np.asarray(self.econ.tau)
        self.players = [world.country_index(p.country) for p in config.player]
        self.sectors = instrument_sectors(config, world, self.base_tau)
        self.masks: dict[int, np.ndarray] = {}
        for i in self.players:
            mask = np.zeros_like(self.tau0, dtype=bool)
            others = [j for j in self.players if j != i]
            mask[np.ix_([i], others, self.sectors)] = True
            self.masks[i] = mask
        self.weights = {
            i: world.flows[m] / max(world.flows[m].sum(), 1e-300) for i, m in self.masks.items()
        }
        self.seed = config.seed if seed is None else seed
        self.rng = np.random.default_rng(self.seed)
        self.runners = {
            i: (strategies or {}).get(world.countries[i])
            or make_strategy(p.strategy, dict(p.params))
            for i, p in zip(self.players, config.player, strict=True)
        }
        self.options = SolverOptions()
        self.controls = Shock(
            tau=on_device(self.tau0, np.float64),
            cost_hat=on_device(np.ones(self.econ.tau.shape)),
            deficit=self.econ.deficit,
            export_tax=on_device(self.export_tax, np.float64),
            open=on_device(self.is_open, np.float64),
            import_rent=None
            if start_state.import_rent is None
            else on_device(start_state.import_rent, np.float64),
            dissipated=None
            if start_state.dissipated is None
            else on_device(start_state.dissipated, np.float64),
        )
        self._cache: dict[bytes, Outcome] = {}
        self._last_solution: Any = None
        self._game: Any = None
        self.start = self.solve(self.tau0)
        self.tau = self.tau0.copy()
        self.levels = {i: [0.0] for i in self.players}
        self.pressure = {i: 0.0 for i in self.players}
        self.deal: dict[str, Any] | None = None
        self.step_results: list[StepResult] = []
        self.steps: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ the engine
    def solve(self, tau: np.ndarray) -> Outcome:
        """The equilibrium at ``tau`` (cached; warm-started from the last solve)."""
        key = tau.tobytes()
        if key not in self._cache and self.capacity is not None:
            self._cache[key] = self._solve_rationed(tau)
        if key not in self._cache:
            shock = self.controls._replace(tau=on_device(tau, np.float64))
            sol = solve_arrays(self.econ, shock, self.options, start=self._last_solution)
            outcome = self._trusted(compute_outcome(self.econ, shock, sol, self.options.tol))
            self._last_solution = sol
            self._cache[key] = outcome
        return self._cache[key]

    def _solve_rationed(self, tau: np.ndarray) -> Outcome:
        """The equilibrium at ``tau`` with quotas and capacity limits binding (short run)."""
        policies = self.start_policies or PolicyState.baseline(self.base_tau)
        state = replace(
            policies,
            tariffs=np.array(tau),
            cost_hat=np.ones_like(tau),
            export_tax=self.export_tax,
            open=self.is_open,
        )
        outcome, self._rationed = solve_state(
            self.econ, state, self.options, self._rationed, self.capacity, self.quota_rent
        )
        return self._trusted(outcome)

    def _trusted(self, outcome: Outcome) -> Outcome:
        """``outcome`` if it converged, else `ConvergenceError` with the reason."""
        if not outcome.converged:
            raise ConvergenceError(
                outcome.iterations,
                outcome.max_residual,
                self.options.tol,
                reason=Status(outcome.status).message,
            )
        return outcome

    def best_response(self, i: int, tau: np.ndarray) -> np.ndarray:
        """Player ``i``'s best-response tariffs on the other players at ``tau``."""
        if not self.long_run:
            raise ScenarioError(
                "best-response moves are computed on the long-run game; over a short-run "
                "horizon (supply limits, one-year elasticities, sticky wages) use another "
                "strategy",
                key="player.strategy",
            )
        if self._game is None:
            from tradewar.game import ControlArrays, GameSettings, TariffGame

            self._game = TariffGame(
                self.world,
                self.model,
                # The negotiation's economy keeps the world's deficits; so must its payoffs.
                GameSettings(deficits="keep"),
                sectors=[self.world.sectors[s] for s in self.sectors],
                ces=self.ces.model_dump() if get_model(self.model).nested_ces else None,
                controls=ControlArrays(self.export_tax, self.is_open),
            )
        new, info = self._game.best_response(i, tau, [j for j in self.players if j != i])
        if not info["success"]:
            raise ConvergenceError(
                0,
                float("nan"),
                self._game.options.tol,
                "check the negotiation's sectors and bounds",
                reason=f"{self.names[i]}'s best response failed: {info['reason']}",
            )
        return new[self.masks[i]]

    def _evaluate_for(
        self, i: int, others: list[int], my_level: float, other_level: float
    ) -> float:
        return self.evaluate(my_level, other_level, i, others)

    def evaluate(self, my_level: float, other_level: float, i: int, others: list[int]) -> float:
        """Player ``i``'s welfare (% vs the start) at uniform tariff levels over the start."""
        trial = self.tau0.copy()
        trial[self.masks[i]] = np.maximum(self.tau0[self.masks[i]] + my_level / 100.0, 0.0)
        for j in others:
            trial[self.masks[j]] = np.maximum(self.tau0[self.masks[j]] + other_level / 100.0, 0.0)
        return self.welfare_pct(self.solve(trial), i)

    def welfare_pct(self, outcome: Outcome, i: int) -> float:
        """Player ``i``'s welfare at ``outcome``, percent against the start."""
        return 100.0 * (outcome.welfare_hat[i] / self.start.welfare_hat[i] - 1.0)

    # ------------------------------------------------------------------ the phases of a round
    def date_of(self, r: int) -> dt.date:
        """The date of round ``r``."""
        calendar = self.config.calendar
        return calendar.start + dt.timedelta(days=r * calendar.period_days)

    def events_of(self, date: dt.date) -> list:
        """The configured events that fall in the round starting on ``date``."""
        days = dt.timedelta(days=self.config.calendar.period_days)
        return [e for e in self.config.event if date <= e.date < date + days]

    def update_pressures(self, outcome: Outcome, date: dt.date) -> None:
        """Each player's pressure after this round's losses (frozen once a deal is made)."""
        if self.deal is not None:
            return
        for k, i in enumerate(self.players):
            self.pressure[i] = update_pressure(
                self.config.player[k].pressure,
                self.pressure[i],
                outcome,
                i,
                date,
                self.config.event,
                self.world,
            )

    def act(self, r: int, date: dt.date, welfare: dict[int, float]) -> dict[int, Action]:
        """Every player's move this round (none once a deal is made)."""
        if self.deal is not None:
            return {}
        actions: dict[int, Action] = {}
        for i in self.players:
            others = [j for j in self.players if j != i]
            view = View(
                round=r,
                date=date,
                me=self.names[i],
                other=",".join(self.names[j] for j in others),
                my_levels=list(self.levels[i]),
                other_levels=list(np.mean([self.levels[j] for j in others], axis=0)),
                pressure=self.pressure[i],
                other_pressure=float(np.mean([self.pressure[j] for j in others])),
                welfare_vs_start_pct=welfare[i],
                rng=self.rng,
                best_response=partial(self.best_response, i, self.tau),
                evaluate=partial(self._evaluate_for, i, others),
            )
            actions[i] = self.runners[i].act(view)
        return actions

    def proposed_tariffs(self, actions: dict[int, Action]) -> np.ndarray:
        """The tariffs after every player's move."""
        new_tau = self.tau.copy()
        for i, action in actions.items():
            mask = self.masks[i]
            if action.tariffs is not None:
                new_tau[mask] = np.maximum(action.tariffs, 0.0)
            elif action.level_pct is not None:
                new_tau[mask] = np.maximum(self.tau0[mask] + action.level_pct / 100.0, 0.0)
        return new_tau

    def resolve_offers(
        self,
        r: int,
        date: dt.date,
        offers: list[int],
        new_tau: np.ndarray,
        welfare: dict[int, float],
    ) -> tuple[np.ndarray, dict[str, Any] | None]:
        """The first offer put to the other players: the tariffs that follow, and its record.

        Every other player answers with its strategy, given its welfare gain from the deal
        against continuing; all must accept. An accepted offer sets the deal.
        """
        if not offers:
            return new_tau, None
        deal_tau = new_tau.copy()
        for i in self.players:
            level = deal_level(self.config, self.names[i])
            deal_tau[self.masks[i]] = self.base_tau[self.masks[i]] + level / 100.0
        deal_out, cont_out = self.solve(deal_tau), self.solve(new_tau)
        proposer = offers[0]
        answers = {}
        for i in self.players:
            if i == proposer:
                continue
            gain = 100.0 * (deal_out.welfare_hat[i] / cont_out.welfare_hat[i] - 1.0)
            view = View(
                round=r,
                date=date,
                me=self.names[i],
                other=self.names[proposer],
                my_levels=list(self.levels[i]),
                other_levels=list(self.levels[proposer]),
                pressure=self.pressure[i],
                other_pressure=self.pressure[proposer],
                welfare_vs_start_pct=welfare[i],
                rng=self.rng,
            )
            answers[self.names[i]] = bool(self.runners[i].accept(view, gain))
        accepted = all(answers.values())
        event = {
            "date": date.isoformat(),
            "kind": "offer",
            "country": self.names[proposer],
            "accepted": accepted,
            "answers": answers,
            "terms_pct": self.config.deal_level_pct,
        }
        if accepted:
            self.deal = {"round": r, "date": date.isoformat(), "proposer": self.names[proposer]}
            return deal_tau, event
        return new_tau, event

    def record(
        self,
        r: int,
        date: dt.date,
        outcome: Outcome,
        new_tau: np.ndarray,
        welfare: dict[int, float],
        events: list[dict[str, Any]],
    ) -> None:
        """Append the round to the record and move to ``new_tau``."""
        for i in self.players:
            mask = self.masks[i]
            self.levels[i].append(
                float(np.sum(self.weights[i] * (new_tau[mask] - self.tau0[mask])) * 100.0)
            )
        self.step_results.append(
            StepResult(label=f"round {r}", date=date, source="simulation", outcome=outcome)
        )
        self.steps.append(
            {
                "round": r,
                "date": date.isoformat(),
                "policies": {
                    self.names[i]: {
                        "tariff_level_pct": self.levels[i][-2],
                        "avg_tariff_pct": average_tariff(self.tau, self.masks[i], self.world)
                        * 100.0,
                    }
                    for i in self.players
                },
                "pressure": {self.names[i]: self.pressure[i] for i in self.players},
                "welfare_vs_start_pct": {self.names[i]: welfare[i] for i in self.players},
                "events": events,
            }
        )
        self.tau = new_tau

    def play_round(self, r: int) -> None:
        """One round: pressures, moves, offers, record."""
        date = self.date_of(r)
        outcome = self.solve(self.tau)
        events = self.events_of(date)
        self.update_pressures(outcome, date)
        welfare = {i: self.welfare_pct(outcome, i) for i in self.players}
        actions = self.act(r, date, welfare)
        if self.deal is None:
            summit = {self.names.index(e.country) for e in events if e.kind == "summit"}
            offers = [i for i in self.players if actions[i].offer or i in summit]
        else:
            offers = []
        new_tau = self.proposed_tariffs(actions)
        record_events = [
            {"date": e.date.isoformat(), "kind": e.kind, "country": e.country, "label": e.label}
            for e in events
        ]
        new_tau, offer = self.resolve_offers(r, date, offers, new_tau, welfare)
        if offer is not None:
            record_events.append(offer)
        self.record(r, date, outcome, new_tau, welfare, record_events)

    def result(self) -> NegotiationResult:
        """The record so far as a `NegotiationResult`."""
        final = self.solve(self.tau)
        result = Result(
            scenario=self.config.name,
            world=self.world.name,
            model=self.model,
            deficits="keep",
            countries=self.world.countries,
            sectors=self.world.sectors,
            unit=self.world.unit,
            year=self.world.year,
            steps=list(self.step_results),
        )
        steps = [
            {**step, "countries": result.countries_json(k)} for k, step in enumerate(self.steps)
        ]
        deal, names, players = self.deal, self.names, self.players
        outcome_json = {
            "deal": deal is not None,
            "date": deal["date"] if deal else None,
            "round": deal["round"] if deal else None,
            "proposer": deal["proposer"] if deal else None,
            "terms": (
                {
                    names[i]: {"additional_tariff_pct_over_baseline": self.config.deal_level_pct}
                    for i in players
                }
                if deal
                else None
            ),
            "welfare_vs_start_pct": {names[i]: self.welfare_pct(final, i) for i in players},
            "final_tariff_level_pct": {names[i]: self.levels[i][-1] for i in players},
        }
        return NegotiationResult(
            config=self.config, steps=steps, outcome=outcome_json, result=result, seed=self.seed
        )


def simulate(
    config: NegotiationConfig,
    strategies: dict[str, Strategy] | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    start: Scenario | None = None,
) -> NegotiationResult:
    """Run the negotiation round by round.

    Parameters
    ----------
    config
        The negotiation (`load_negotiation`).
    strategies
        Strategies by country that replace the players' named ones.
    seed
        Seed of any random choices of the strategies.
    progress
        ``progress(fraction, message)``, called after each round.
    start
        Replaces the config's start scenario (e.g. one draw of its parameters); the start
        scenario's model, nests and trade elasticities (``[parameters] theta``) are those of
        every round.

    Returns
    -------
    NegotiationResult
        The path of tariffs, welfare and pressure by round, the events, and the outcome
        (deal or not).
    """
    negotiation = Negotiation(config, strategies, seed, start)
    rounds = config.calendar.rounds
    for r in range(rounds):
        negotiation.play_round(r)
        report(progress, (r + 1) / rounds, f"round {r + 1}: {negotiation.date_of(r).isoformat()}")
    return negotiation.result()
