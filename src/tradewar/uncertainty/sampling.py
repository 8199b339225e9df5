"""Drawing parameter sets: one independent random stream per draw index.

Draw ``k`` of seed ``s`` uses ``numpy.random.default_rng(SeedSequence(s, spawn_key=(k,)))``,
the stream `SeedSequence.spawn` would give its ``k``-th child, so the draws are the same
however they are split into chunks, processes or machines.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.policy.uncertainty import ParameterDistribution, UncertaintySettings


def stream(seed: int, draw: int) -> np.random.Generator:
    """The random stream of draw ``draw`` under ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(draw,)))


def _truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, low: float, high: float
) -> float:
    """One draw of a normal truncated to [low, high], by the inverse distribution function."""
    if sd == 0.0:
        return float(min(max(mean, low), high))
    a, b = ndtr((low - mean) / sd), ndtr((high - mean) / sd)
    return float(np.clip(mean + sd * ndtri(a + rng.random() * (b - a)), low, high))


def _given(value: float | None) -> float:
    assert value is not None  # guaranteed by ParameterDistribution's validation
    return float(value)


def draw_value(rng: np.random.Generator, spec: ParameterDistribution) -> float | int:
    """One draw of ``spec`` from ``rng``."""
    d = spec.distribution
    if d == "choice":
        values = spec.values or []
        return values[int(rng.integers(len(values)))]
    if d == "normal":
        return _given(spec.mean) + _given(spec.sd) * float(rng.standard_normal())
    if d == "truncated_normal":
        mean, sd = _given(spec.mean), _given(spec.sd)
        return _truncated_normal(rng, mean, sd, _given(spec.low), _given(spec.high))
    if d == "lognormal":
        return _given(spec.median) * float(np.exp(_given(spec.sd_log) * rng.standard_normal()))
    low, high = _given(spec.low), _given(spec.high)
    if d == "uniform":
        return float(rng.uniform(low, high))
    if d == "log_uniform":
        return float(np.exp(rng.uniform(np.log(low), np.log(high))))
    return float(rng.triangular(low, _given(spec.mode), high))


def draw_parameters(
    settings: UncertaintySettings, world: World, draws: int, seed: int
) -> list[dict[str, float | int]]:
    """``draws`` parameter sets, each a dict of scenario field path -> value.

    Raises `ScenarioError` (key ``uncertainty.theta``) if published elasticities are asked for
    and the world has no ``theta_se.csv``.
    """
    theta_rows: list[tuple[str, float, float, float, float]] = []
    if settings.theta is not None:
        if world.theta_se is None or not np.isfinite(world.theta_se).any():
            raise ScenarioError(
                f"world '{world.name}' has no published standard errors of its trade elasticities "
                "(theta_se.csv); draw them with [[uncertainty.parameter]] instead, e.g. "
                "path = 'parameters.theta.S01'",
                key="uncertainty.theta",
            )
        t = settings.theta
        for code, theta, se in zip(world.sectors, world.theta, world.theta_se, strict=True):
            if se == se:
                low = max(theta - t.truncate_sd * se, t.minimum)
                high = max(theta + t.truncate_sd * se, low)
                theta_rows.append((f"parameters.theta.{code}", float(theta), float(se), low, high))
    out = []
    for k in range(draws):
        rng = stream(seed, k)
        values: dict[str, float | int] = {}
        for path, mean, sd, low, high in theta_rows:
            values[path] = _truncated_normal(rng, mean, sd, low, high)
        for spec in settings.parameter:
            values[spec.path] = draw_value(rng, spec)
        out.append(values)
    return out
