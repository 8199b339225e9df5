"""Synthetic worlds of any size, for benchmarks and tests of scale.

`synthetic_world` draws a gravity-shaped world (lognormal economy sizes, distances between
random points on a sphere, home bias, a share of bilateral flows that are zero, as in
product-level trade data) and balances it with `tradewar.model.calibrate.world_from_shares`,
so its accounts hold exactly like those of a bundled world. Nothing in it is real data.
"""

from __future__ import annotations

import numpy as np

from tradewar.data.world import World
from tradewar.model.calibrate import BaselineShares, world_from_shares
from tradewar.model.solver import SolverOptions


def synthetic_world(
    n_countries: int,
    n_sectors: int,
    *,
    seed: int = 0,
    zero_share: float = 0.3,
    name: str | None = None,
) -> World:
    """A balanced gravity-shaped world of ``n_countries`` x ``n_sectors``.

    Parameters
    ----------
    n_countries, n_sectors
        Size ``N`` and ``J`` (at least 2 and 1).
    seed
        Seed of the random draws: the same seed gives the same world.
    zero_share
        Average share of cross-border flows (importer, exporter, sector) that are zero; the
        smallest exporters have the most (up to twice the average), the largest none.
    name
        Package name; ``synthetic-NxJ`` by default.

    Returns
    -------
    World
        Codes ``C001``... and ``S01``..., money in USD million (world GDP about 100 million
        million, as in 2023), tariffs 0-10% on cross-border flows, trade elasticities 2-10,
        value-added shares 0.35-0.6, no year.
    """
    if n_countries < 2 or n_sectors < 1:
        raise ValueError("a synthetic world needs at least 2 countries and 1 sector")
    if not 0.0 <= zero_share < 0.5:
        raise ValueError("zero_share must be in [0, 0.5)")
    rng = np.random.default_rng(seed)
    N, J = n_countries, n_sectors
    size = rng.lognormal(0.0, 1.5, N)
    size = 1e8 * size / size.sum()  # value added, USD million
    points = rng.normal(size=(N, 3))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    distance = np.arccos(np.clip(points @ points.T, -1.0, 1.0)) + 0.05
    pull = size[None, :, None] * distance[:, :, None] ** -1.2 * rng.lognormal(0.0, 1.0, (N, N, J))
    rank = np.argsort(np.argsort(-size)) / max(N - 1, 1)  # 0 for the largest exporter
    zero = rng.uniform(size=(N, N, J)) < 2.0 * zero_share * rank[None, :, None]
    home = np.eye(N, dtype=bool)[:, :, None]
    pull = np.where(zero & ~home, 0.0, pull)
    cross = pull.sum(axis=1, keepdims=True) - np.where(home, pull, 0.0).sum(axis=1, keepdims=True)
    home_share = rng.uniform(0.5, 0.9, (N, 1, J))
    pull = np.where(home, cross * home_share / (1.0 - home_share), pull)
    pi = pull / pull.sum(axis=1, keepdims=True)
    tau = np.where(home, 0.0, rng.uniform(0.0, 0.10, (N, N, J)))
    va_share = rng.uniform(0.35, 0.6, (N, J))
    inputs = rng.dirichlet(np.ones(J), size=(N, J)).transpose(0, 2, 1)  # [n, k, j]
    gamma_io = inputs * (1.0 - va_share)[:, None, :]
    alpha = rng.dirichlet(np.ones(J), size=N)
    deficit = rng.normal(0.0, 0.02, N) * size
    world, _ = world_from_shares(
        BaselineShares(
            countries=tuple(f"C{k:03d}" for k in range(1, N + 1)),
            country_names=tuple(f"Country {k}" for k in range(1, N + 1)),
            sectors=tuple(f"S{k:02d}" for k in range(1, J + 1)),
            sector_names=tuple(f"Sector {k}" for k in range(1, J + 1)),
            theta=rng.uniform(2.0, 10.0, J),
            tradable=np.ones(J, dtype=bool),
            pi=pi,
            tau=tau,
            gamma_io=gamma_io,
            alpha=alpha,
            va=size,
            deficit=deficit,
            expenditure=alpha * (size / 0.5)[:, None],
            meta={
                "name": name or f"synthetic-{N}x{J}",
                "description": f"synthetic gravity-shaped world, {N} countries x {J} sectors "
                f"(seed {seed}, {zero_share:.0%} zero flows on average); not real data",
                "unit": "USD million",
                "source": "tradewar.build.synthetic_world",
            },
        ),
        name=name or f"synthetic-{N}x{J}",
        options=SolverOptions(max_iterations=5000),
    )
    return world
