"""What a solved timeline predicts for an observed figure: time-weighted step outcomes.

A timeline's steps are equilibria, each standing for the dates from its own to the next step's
(a step that was never in force stands for none; the first step, the status quo, also stands
for the dates before it). A figure observed over a period is predicted by the step outcomes
weighted by the days each was in force in that period; a change is measured against the status
quo (the first step) or against the observation's reference period. Prices and quantities are
averaged in levels, rates as totals (duties over imports).

Every predictor takes the solved `tradewar.results.Result`, its world and the
`tradewar.backtest.observations.Observation`, and returns one number in the observation's unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from tradewar.backtest.observations import Observation, bad
from tradewar.data.world import World
from tradewar.errors import DataError
from tradewar.model.outcomes import Outcome
from tradewar.results.income import duties
from tradewar.results.result import Result
from tradewar.results.tariffs import unit_price_change


def step_weights(result: Result, start: dt.date, end: dt.date) -> np.ndarray:
    """``(K,)`` days each step was in force between ``start`` and ``end`` (both included).

    Steps stand for the dates from their own to the day before the next in-force step; the
    first also for every date before it; steps never in force for none.
    """
    maybe = [s.date for s in result.steps]
    dates = [d for d in maybe if d is not None]
    if len(dates) < len(maybe):
        raise DataError("a backtest needs a dated timeline (steps with dates)", field="step")
    live = [k for k, s in enumerate(result.steps) if s.in_force]
    weights = np.zeros(len(result.steps))
    for n, k in enumerate(live):
        begin = dt.date.min if n == 0 else dates[k]
        stop = dates[live[n + 1]] - dt.timedelta(days=1) if n + 1 < len(live) else dt.date.max
        first, last = max(begin, start), min(stop, end)
        if last >= first:
            weights[k] = (last - first).days + 1
    return weights


def _codes(world: World, spec: str, field: str, obs: Observation) -> np.ndarray:
    """Boolean mask over countries: a code, ``*`` (all) or ``-CODE`` (all but one)."""
    mask = np.zeros(world.n_countries, dtype=bool)
    if spec == "*":
        mask[:] = True
    elif spec.startswith("-") and spec[1:] in world.countries:
        mask[:] = True
        mask[world.country_index(spec[1:])] = False
    elif spec in world.countries:
        mask[world.country_index(spec)] = True
    else:
        raise bad(
            obs, field, f"unknown country '{spec}' (a code of world {world.name}, * or -CODE)"
        )
    return mask


def _sectors(world: World, spec: str, obs: Observation) -> np.ndarray:
    """Boolean mask over sectors: a code, a group, or the goods group (all) when empty."""
    if not spec:
        spec = "goods" if "goods" in world.sector_groups else "*"
    if spec == "*":
        return np.ones(world.n_sectors, dtype=bool)
    members = world.sector_groups.get(spec, (spec,) if spec in world.sectors else ())
    if not members:
        raise bad(obs, "sector", f"unknown sector or group '{spec}'")
    return np.array([s in members for s in world.sectors])


def _pair(world: World, obs: Observation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the importers, exporters and sectors of a bilateral figure."""
    if not obs.country or not obs.partner:
        raise bad(obs, "partner", f"{obs.variable} needs a country and a partner")
    home = _codes(world, obs.country, "country", obs)
    other = _codes(world, obs.partner, "partner", obs) & ~home
    return home, other, _sectors(world, obs.sector, obs)


def _one(world: World, obs: Observation) -> int:
    if obs.country not in world.countries:
        raise bad(obs, "country", f"unknown country '{obs.country}'")
    return world.country_index(obs.country)


def _sector(world: World, obs: Observation) -> int:
    if obs.sector not in world.sectors:
        raise bad(obs, "sector", f"{obs.variable} needs one sector code, not '{obs.sector}'")
    return world.sector_index(obs.sector)


def _mean(result: Result, obs: Observation, quantity: Callable[[Outcome], float]) -> float:
    """The day-weighted mean of a step quantity over the observation's period."""
    weights = step_weights(result, obs.start, obs.end)
    values = np.array([quantity(s.outcome) for s in result.steps])
    return float((weights * values).sum() / weights.sum())


def _reference(result: Result, obs: Observation, quantity: Callable[[Outcome], float]) -> float:
    """The status quo's value, or the day-weighted mean over the reference period."""
    if obs.reference_start is None or obs.reference_end is None:
        return float(quantity(result.steps[0].outcome))
    weights = step_weights(result, obs.reference_start, obs.reference_end)
    values = np.array([quantity(s.outcome) for s in result.steps])
    return float((weights * values).sum() / weights.sum())


def _change(result: Result, obs: Observation, quantity: Callable[[Outcome], float]) -> float:
    return 100.0 * (_mean(result, obs, quantity) / _reference(result, obs, quantity) - 1.0)


def _step(result: Result, obs: Observation) -> tuple[Outcome, Outcome]:
    """The outcome of the observation's step and of the in-force step before it."""
    labels = [s.label for s in result.steps]
    if obs.step not in labels:
        raise bad(obs, "step", f"no step '{obs.step}' in the scenario (steps: {', '.join(labels)})")
    k = labels.index(obs.step)
    before = [j for j in range(k) if result.steps[j].in_force]
    if not before:
        raise bad(obs, "step", f"step '{obs.step}' has no step before it")
    return result.steps[k].outcome, result.steps[before[-1]].outcome


def imports_pct(result: Result, world: World, obs: Observation) -> float:
    """Change in the customs value of ``country``'s imports from ``partner`` (percent)."""
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(home, other, sectors)
    return _change(result, obs, lambda o: o.flows_after[cells].sum())


def exports_pct(result: Result, world: World, obs: Observation) -> float:
    """Change in the value of ``country``'s exports to ``partner`` (percent)."""
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(other, home, sectors)
    return _change(result, obs, lambda o: o.flows_after[cells].sum())


def tariff_rate_pct(result: Result, world: World, obs: Observation) -> float:
    """Duties collected over imports (customs value) by ``country`` from ``partner`` (percent).

    Both totals are day-weighted over the period: the realised (post-substitution) rate.
    """
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(home, other, sectors)
    paid = _mean(result, obs, lambda o: duties(o)[cells].sum())
    value = _mean(result, obs, lambda o: o.flows_after[cells].sum())
    return 100.0 * paid / value


def statutory_tariff_pct(result: Result, world: World, obs: Observation) -> float:
    """The average tariff in force weighted by the status quo's imports (pre-substitution)."""
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(home, other, sectors)
    weights = result.steps[0].outcome.flows_after[cells]
    return 100.0 * _mean(
        result, obs, lambda o: (o.tariffs_after[cells] * weights).sum() / weights.sum()
    )


def import_price_pct(result: Result, world: World, obs: Observation) -> float:
    """Change in the price of imports from ``partner`` before duties (customs value per unit).

    The exporter's unit cost times its export taxes and capacity premia, weighted by the
    status quo's imports: what an import price index such as the BLS's measures.
    """
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(home, other, sectors)
    weights = result.steps[0].outcome.flows_after[cells]

    def price(o: Outcome) -> float:
        return float((unit_price_change(o)[cells] * weights).sum() / weights.sum())

    return _change(result, obs, price)


def price_pct(result: Result, world: World, obs: Observation) -> float:
    """Change in the price index buyers in ``country`` pay for ``sector`` (every wedge in).

    Under a quota whose rent the importer keeps this is the marginal (virtual) price, what a
    spot market for the rationed supply would show.
    """
    n, j = _one(world, obs), _sector(world, obs)
    return _change(result, obs, lambda o: o.P_hat[n, j])


def producer_price_pct(result: Result, world: World, obs: Observation) -> float:
    """Change in the price ``country``'s producers of ``sector`` charge at home.

    Unit cost times the capacity premium: a domestic price under export controls.
    """
    n, j = _one(world, obs), _sector(world, obs)

    def price(o: Outcome) -> float:
        premium = 0.0 if o.capacity_rent is None else o.capacity_rent[n, j]
        return float(o.c_hat[n, j] * (1.0 + premium))

    return _change(result, obs, price)


def _real_output(o: Outcome, n: int, j: int) -> float:
    return float(o.output_after[n, j] / o.c_hat[n, j])


def output_real_pct(result: Result, world: World, obs: Observation) -> float:
    """Change in ``country``'s real output of ``sector`` (output over unit cost)."""
    n, j = _one(world, obs), _sector(world, obs)
    return _change(result, obs, lambda o: _real_output(o, n, j))


def step_output_real_pct(result: Result, world: World, obs: Observation) -> float:
    """The change in real output that ``step`` alone causes (against the step before it)."""
    n, j = _one(world, obs), _sector(world, obs)
    after, before = _step(result, obs)
    return 100.0 * (_real_output(after, n, j) / _real_output(before, n, j) - 1.0)


def step_welfare_pct(result: Result, world: World, obs: Observation) -> float:
    """The change in ``country``'s real income that ``step`` alone causes (percent)."""
    n = _one(world, obs)
    after, before = _step(result, obs)
    return 100.0 * (after.welfare_hat[n] / before.welfare_hat[n] - 1.0)


def welfare_pct(result: Result, world: World, obs: Observation) -> float:
    """``country``'s real income over the period against the status quo (percent)."""
    n = _one(world, obs)
    return _change(result, obs, lambda o: o.welfare_hat[n])


def relative_wage_pct(result: Result, world: World, obs: Observation) -> float:
    """``country``'s wage against its trade partners', weighted by trade (percent).

    The model's real exchange rate: the wage in units of world value added over the
    trade-weighted wage of the partners (imports plus exports in the status quo).
    """
    n = _one(world, obs)
    flows = result.steps[0].outcome.flows_after.sum(axis=2)
    weights = flows[n] + flows[:, n]
    weights[n] = 0.0
    weights = weights / weights.sum()

    def ratio(o: Outcome) -> float:
        wage = o.w_hat if o.wage_rate_hat is None else o.wage_rate_hat
        return float(wage[n] / (weights * wage).sum())

    return _change(result, obs, ratio)


def exports_level(result: Result, world: World, obs: Observation) -> float:
    """The value of ``country``'s exports to ``partner`` over the period (world unit, a year)."""
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(other, home, sectors)
    return _mean(result, obs, lambda o: o.flows_after[cells].sum())


def quota_pct(result: Result, world: World, obs: Observation) -> float:
    """The quota ``country`` puts on its exports to ``partner``, percent of the baseline quantity.

    The policies' own level (100 where there is none; buyers' stocks are not in it), averaged
    over the cells with baseline trade and day-weighted over the period: what a scenario sets
    when it takes its quotas from observed export quantities.
    """
    home, other, sectors = _pair(world, obs)
    cells = np.ix_(other, home, sectors)
    traded = result.steps[0].outcome.flows_before[cells] > 0
    weights = step_weights(result, obs.start, obs.end)
    levels = []
    for step in result.steps:
        quota = step.policies.quota[cells] if step.policies is not None else np.nan
        level = np.where(np.isfinite(quota), 100.0 * np.asarray(quota), 100.0)
        levels.append(float(np.broadcast_to(level, traded.shape)[traded].mean()))
    return float((weights * np.array(levels)).sum() / weights.sum())


#: Every variable an observation may name, with its predictor.
PREDICTORS: dict[str, Callable[[Result, World, Observation], float]] = {
    "imports_pct": imports_pct,
    "exports_pct": exports_pct,
    "tariff_rate_pct": tariff_rate_pct,
    "statutory_tariff_pct": statutory_tariff_pct,
    "import_price_pct": import_price_pct,
    "price_pct": price_pct,
    "producer_price_pct": producer_price_pct,
    "output_real_pct": output_real_pct,
    "step_output_real_pct": step_output_real_pct,
    "step_welfare_pct": step_welfare_pct,
    "welfare_pct": welfare_pct,
    "relative_wage_pct": relative_wage_pct,
    "exports_level": exports_level,
    "quota_pct": quota_pct,
}


def predict(result: Result, world: World, obs: Observation) -> float:
    """The prediction of ``result`` for ``obs`` (raises `DataError` for an unknown variable)."""
    if obs.variable not in PREDICTORS:
        raise bad(
            obs, "variable", f"unknown variable '{obs.variable}' (one of {', '.join(PREDICTORS)})"
        )
    return float(PREDICTORS[obs.variable](result, world, obs))
