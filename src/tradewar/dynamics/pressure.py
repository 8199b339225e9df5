"""Domestic pressure for a deal, and the negotiation's settings read against its world."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from tradewar.data.world import World
from tradewar.dynamics.config import Event, NegotiationConfig, Pressure
from tradewar.errors import ScenarioError
from tradewar.model.outcomes import Outcome


def deal_level(config: NegotiationConfig, country: str) -> float:
    """The tariff level (percent) ``country`` would settle at (``deal_level_pct``)."""
    level = config.deal_level_pct
    if isinstance(level, dict):
        if country not in level:
            raise ScenarioError(f"no deal level for {country}", key="deal_level_pct")
        return float(level[country])
    return float(level)


def average_tariff(tau: np.ndarray, mask: np.ndarray, world: World) -> float:
    """The trade-weighted mean of ``tau`` over the cells in ``mask`` (baseline flows)."""
    w = world.flows[mask]
    return float(np.sum(tau[mask] * w) / max(w.sum(), 1e-300))


def instrument_sectors(config: NegotiationConfig, world: World, base_tau: np.ndarray) -> list[int]:
    """The sectors the negotiators set tariffs on: the config's, else those taxed at the start."""
    if config.sectors:
        out = []
        for code in world.expand_sectors(config.sectors):
            if code not in world.sectors:
                raise ScenarioError(f"unknown sector '{code}'", key="sectors")
            out.append(world.sectors.index(code))
        return out
    taxed = base_tau.sum(axis=(0, 1)) > 0
    return [int(s) for s in np.flatnonzero(taxed)] or list(range(world.n_sectors))


def update_pressure(
    params: Pressure,
    current: float,
    outcome: Outcome,
    i: int,
    date: dt.date,
    events: list[Event],
    world: World,
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
        if e.country == world.countries[i] and e.date >= date and e.kind != "summit"
    )
    return params.decay * current + loss * (1.0 + urgency)
