"""Round-based negotiation simulation whose payoffs come from the general-equilibrium engine."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import jax.numpy as jnp
import numpy as np

from tradewar.api import run_scenario
from tradewar.data.io import load_world
from tradewar.dynamics.config import NegotiationConfig
from tradewar.dynamics.strategies import Action, Strategy, View, make_strategy
from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.model.ces import ces_params
from tradewar.model.economy import Shock, economy_from_world
from tradewar.model.outcomes import STATUS_REASONS, Outcome, compute_outcome
from tradewar.model.solver import SolverOptions, solve_arrays
from tradewar.policy.scenario import CESSettings, Scenario, load_scenario
from tradewar.policy.shocks import PolicyState
from tradewar.progress import ProgressCallback, report
from tradewar.results.result import Result, StepResult


@dataclass
class NegotiationResult:
    """The simulated path: one entry per round, and the outcome."""

    config: NegotiationConfig
    steps: list[dict[str, Any]] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)
    result: Result | None = None
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        """``{"name", "world", "steps": [...], "outcome": {...}}`` (docs/formats.md)."""
        return {
            "name": self.config.name,
            "world": self.config.world,
            "seed": self.seed,
            "steps": self.steps,
            "outcome": self.outcome,
        }


def _start_state(config: NegotiationConfig, world, econ, scenario: Scenario | None):
    """Tariffs, export taxes (quota equivalents included) and bans at the start."""
    base = PolicyState.baseline(np.asarray(econ.tau))
    if scenario is None:
        return base.tariffs, np.zeros_like(base.tariffs), base.open
    if scenario.world != world.name:
        raise ScenarioError(
            f"the start scenario uses world '{scenario.world}', the config '{world.name}'",
            key="start.scenario",
        )
    result = run_scenario(scenario, world=world)
    labels = [s.label for s in result.steps]
    label = config.start.step or labels[-1]
    if label not in labels:
        raise ScenarioError(
            f"no step '{label}' in the start scenario; steps: {', '.join(labels)}", key="start.step"
        )
    step = result.steps[labels.index(label)]
    tariffs = np.array(step.outcome.tariffs_after)
    if not config.start.export_controls or step.policies is None:
        return tariffs, np.zeros_like(base.tariffs), base.open
    return tariffs, np.array(step.outcome.export_tax), step.policies.open


def simulate(
    config: NegotiationConfig,
    strategies: dict[str, Strategy] | None = None,
    seed: int | None = None,
    progress: ProgressCallback | None = None,
    start: Scenario | None = None,
) -> NegotiationResult:
    """Run the negotiation; ``strategies`` overrides players' named strategies by country.

    ``progress(fraction, message)`` is called after each round. ``start`` replaces the config's
    start scenario (e.g. one draw of its parameters); the start scenario's model, nests and
    trade elasticities (``[parameters] theta``) are those of every round.
    """
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
    if scenario is not None:
        model, ces = scenario.model, scenario.ces
        if scenario.parameters.theta is not None:
            from tradewar.api import with_theta

            world = with_theta(world, scenario.parameters.theta)
    econ = economy_from_world(world, model)
    if model == "ces-network":
        econ = econ._replace(ces=ces_params(world, ces))
    tau0, export_tax, is_open = _start_state(config, world, econ, scenario)
    base_tau = np.asarray(econ.tau)
    players = [world.country_index(p.country) for p in config.player]
    sectors = _instrument_sectors(config, world, base_tau)
    masks = {}
    for i in players:
        mask = np.zeros_like(tau0, dtype=bool)
        others = [j for j in players if j != i]
        mask[np.ix_([i], others, sectors)] = True
        masks[i] = mask
    weights = {i: world.flows[masks[i]] / max(world.flows[masks[i]].sum(), 1e-300) for i in players}
    rng = np.random.default_rng(config.seed if seed is None else seed)
    runners = {
        i: (strategies or {}).get(world.countries[i]) or make_strategy(p.strategy, dict(p.params))
        for i, p in zip(players, config.player, strict=True)
    }
    options = SolverOptions()
    controls = Shock(
        tau=jnp.asarray(tau0),
        cost_hat=jnp.ones_like(econ.tau),
        deficit=econ.deficit,
        export_tax=jnp.asarray(export_tax),
        open=jnp.asarray(is_open),
    )
    cache: dict[bytes, tuple[Outcome, Any]] = {}
    last_solution = [None]

    def solve(tau: np.ndarray) -> Outcome:
        key = tau.tobytes()
        if key not in cache:
            shock = controls._replace(tau=jnp.asarray(tau))
            sol = solve_arrays(econ, shock, options, start=last_solution[0])
            outcome = compute_outcome(econ, shock, sol, options.tol)
            if not outcome.converged:
                raise ConvergenceError(
                    outcome.iterations,
                    outcome.max_residual,
                    options.tol,
                    reason=STATUS_REASONS.get(outcome.status, outcome.status),
                )
            last_solution[0] = sol
            cache[key] = (outcome, sol)
        return cache[key][0]

    game = None

    def best_response(i: int, tau: np.ndarray) -> np.ndarray:
        nonlocal game
        if game is None:
            from tradewar.game import GameSettings, TariffGame

            game = TariffGame(
                world,
                model,
                # The negotiation's economy keeps the world's deficits; so must its payoffs.
                GameSettings(deficits="keep"),
                sectors=[world.sectors[s] for s in sectors],
                ces=ces.model_dump() if model == "ces-network" else None,
                environment=(export_tax, is_open),
            )
        new, info = game.best_response(i, tau, [j for j in players if j != i])
        if not info["success"]:
            raise ConvergenceError(
                0,
                float("nan"),
                game.options.tol,
                "check the negotiation's sectors and bounds",
                reason=f"{names[i]}'s best response failed: {info['reason']}",
            )
        return new[masks[i]]

    def _evaluate(my_level: float, other_level: float, i: int, others: list[int]) -> float:
        trial = tau0.copy()
        trial[masks[i]] = np.maximum(tau0[masks[i]] + my_level / 100.0, 0.0)
        for j in others:
            trial[masks[j]] = np.maximum(tau0[masks[j]] + other_level / 100.0, 0.0)
        return 100.0 * (solve(trial).welfare_hat[i] / start.welfare_hat[i] - 1.0)

    start = solve(tau0)
    tau = tau0.copy()
    levels = {i: [0.0] for i in players}
    pressure = {i: 0.0 for i in players}
    deal: dict[str, Any] | None = None
    names = world.countries
    step_results: list[StepResult] = []
    steps: list[dict[str, Any]] = []
    for r in range(config.calendar.rounds):
        date = config.calendar.start + dt.timedelta(days=r * config.calendar.period_days)
        outcome = solve(tau)
        events = [
            e
            for e in config.event
            if date <= e.date < date + dt.timedelta(days=config.calendar.period_days)
        ]
        for k, i in enumerate(players):
            if deal is not None:  # pressure pushes for a deal; once made, it stops accumulating
                continue
            pressure[i] = _update_pressure(
                config.player[k].pressure,
                pressure[i],
                outcome,
                start,
                i,
                date,
                config.event,
                names,
                world,
            )
        welfare = {
            i: 100.0 * (outcome.welfare_hat[i] / start.welfare_hat[i] - 1.0) for i in players
        }
        actions: dict[int, Action] = {}
        if deal is None:
            for i in players:
                others = [j for j in players if j != i]
                view = View(
                    round=r,
                    date=date,
                    me=names[i],
                    other=",".join(names[j] for j in others),
                    my_levels=list(levels[i]),
                    other_levels=list(np.mean([levels[j] for j in others], axis=0)),
                    pressure=pressure[i],
                    other_pressure=float(np.mean([pressure[j] for j in others])),
                    welfare_vs_start_pct=welfare[i],
                    rng=rng,
                    best_response=lambda i=i, tau=tau: best_response(i, tau),
                    evaluate=lambda a, b, i=i, others=others: _evaluate(a, b, i, others),
                )
                actions[i] = runners[i].act(view)
            summit = {names.index(e.country) for e in events if e.kind == "summit"}
            offers = [i for i in players if actions[i].offer or i in summit]
        else:
            offers = []
        new_tau = tau.copy()
        for i, action in actions.items():
            if action.tariffs is not None:
                new_tau[masks[i]] = np.maximum(action.tariffs, 0.0)
            elif action.level_pct is not None:
                new_tau[masks[i]] = np.maximum(tau0[masks[i]] + action.level_pct / 100.0, 0.0)
        record_events = [
            {"date": e.date.isoformat(), "kind": e.kind, "country": e.country, "label": e.label}
            for e in events
        ]
        if offers:
            deal_tau = new_tau.copy()
            for i in players:
                deal_tau[masks[i]] = base_tau[masks[i]] + _deal_level(config, names[i]) / 100.0
            deal_out, cont_out = solve(deal_tau), solve(new_tau)
            proposer = offers[0]
            answers = {}
            for i in players:
                if i == proposer:
                    continue
                gain = 100.0 * (deal_out.welfare_hat[i] / cont_out.welfare_hat[i] - 1.0)
                view = View(
                    round=r,
                    date=date,
                    me=names[i],
                    other=names[proposer],
                    my_levels=list(levels[i]),
                    other_levels=list(levels[proposer]),
                    pressure=pressure[i],
                    other_pressure=pressure[proposer],
                    welfare_vs_start_pct=welfare[i],
                    rng=rng,
                )
                answers[names[i]] = bool(runners[i].accept(view, gain))
            accepted = all(answers.values())
            record_events.append(
                {
                    "date": date.isoformat(),
                    "kind": "offer",
                    "country": names[proposer],
                    "accepted": accepted,
                    "answers": answers,
                    "terms_pct": config.deal_level_pct,
                }
            )
            if accepted:
                new_tau = deal_tau
                deal = {"round": r, "date": date.isoformat(), "proposer": names[proposer]}
        for i in players:
            levels[i].append(
                float(np.sum(weights[i] * (new_tau[masks[i]] - tau0[masks[i]])) * 100.0)
            )
        step_results.append(
            StepResult(label=f"round {r}", date=date, source="simulation", outcome=outcome)
        )
        steps.append(
            {
                "round": r,
                "date": date.isoformat(),
                "policies": {
                    names[i]: {
                        "tariff_level_pct": levels[i][-2],
                        "avg_tariff_pct": _avg(tau, masks[i], world) * 100.0,
                    }
                    for i in players
                },
                "pressure": {names[i]: pressure[i] for i in players},
                "events": record_events,
            }
        )
        tau = new_tau
        report(progress, (r + 1) / config.calendar.rounds, f"round {r + 1}: {date.isoformat()}")
    final = solve(tau)
    result = Result(
        scenario=config.name,
        world=world.name,
        model=model,
        deficits="keep",
        countries=world.countries,
        sectors=world.sectors,
        unit=world.unit,
        steps=step_results,
    )
    for k, step in enumerate(steps):
        step["countries"] = result._countries_json(k)
    outcome_json = {
        "deal": deal is not None,
        "date": deal["date"] if deal else None,
        "round": deal["round"] if deal else None,
        "proposer": deal["proposer"] if deal else None,
        "terms": (
            {
                names[i]: {"additional_tariff_pct_over_baseline": config.deal_level_pct}
                for i in players
            }
            if deal
            else None
        ),
        "welfare_vs_start_pct": {
            names[i]: 100.0 * (final.welfare_hat[i] / start.welfare_hat[i] - 1.0) for i in players
        },
        "final_tariff_level_pct": {names[i]: levels[i][-1] for i in players},
        "converged": all(s.outcome.converged for s in step_results),
    }
    return NegotiationResult(
        config=config,
        steps=steps,
        outcome=outcome_json,
        result=result,
        seed=config.seed if seed is None else seed,
    )


def _deal_level(config: NegotiationConfig, country: str) -> float:
    level = config.deal_level_pct
    if isinstance(level, dict):
        if country not in level:
            raise ScenarioError(f"no deal level for {country}", key="deal_level_pct")
        return float(level[country])
    return float(level)


def _avg(tau: np.ndarray, mask: np.ndarray, world) -> float:
    w = world.flows[mask]
    return float(np.sum(tau[mask] * w) / max(w.sum(), 1e-300))


def _instrument_sectors(config: NegotiationConfig, world, base_tau: np.ndarray) -> list[int]:
    if config.sectors:
        out = []
        for code in world.expand_sectors(config.sectors):
            if code not in world.sectors:
                raise ScenarioError(f"unknown sector '{code}'", key="sectors")
            out.append(world.sectors.index(code))
        return out
    taxed = base_tau.sum(axis=(0, 1)) > 0
    return [int(s) for s in np.flatnonzero(taxed)] or list(range(world.n_sectors))


def _update_pressure(
    params,
    current: float,
    outcome: Outcome,
    start: Outcome,
    i: int,
    date: dt.date,
    events,
    names,
    world,
) -> float:
    """One round of pressure: losses against the pre-conflict baseline, scaled by urgency."""
    loss = params.welfare_weight * max(0.0, -100.0 * (outcome.welfare_hat[i] - 1.0))
    if params.sectors:
        salient = world.expand_sectors(params.sectors)
        idx = [world.sectors.index(s) for s in salient if s in world.sectors]
        before = outcome.output_before[i, idx]
        real = outcome.output_after[i, idx] / outcome.c_hat[i, idx]
        change = 100.0 * (real / np.where(before > 0, before, 1.0) - 1.0)
        loss += params.salience * float(np.mean(np.maximum(-change, 0.0)))
    loss += params.price_weight * max(100.0 * (outcome.price_index_hat[i] - 1.0), 0.0)
    urgency = sum(
        e.importance * math.exp(-(e.date - date).days / params.horizon_days)
        for e in events
        if e.country == names[i] and e.date >= date and e.kind != "summit"
    )
    return params.decay * current + loss * (1.0 + urgency)
