"""Closed-form 'optimal' tariffs of Ignatenko, Lashkaripour, Macedoni and Simonovska (2025).

The study's tables use these formula values, evaluated once on baseline data, not numerical
optima of its model (`tradewar.game.optimal_tariffs` finds those; docs/ilms2025.md compares
them). For country (or block) ``i`` with local margins ``nu``, pass-through ``phi`` and trade
elasticity ``eps``:

``Delta_i = sum_{n != i} (1 - nu_n)(1 - lam[n, i]) X[n, i] / ((1 - nu_i) D_i)`` and
``t_i = 1 / ((1 + eps Delta_i) phi_i - 1)``,

where ``X[n, i]`` is i's sales to n, ``lam[n, i]`` n's spending share on i and ``D_i`` a
denominator: i's imports, or its income less its domestic sales.
"""

from __future__ import annotations

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError


def _formula(exports, lam, nu_dest, nu_own, denominator, eps, phi) -> float:
    delta = np.sum((1.0 - nu_dest) * (1.0 - lam) * exports) / ((1.0 - nu_own) * denominator)
    return float(1.0 / ((1.0 + eps * delta) * phi - 1.0))


def _income(world: World, nu: np.ndarray) -> np.ndarray:
    flows = world.flows[:, :, 0]  # [importer, exporter]
    spending = flows.sum(axis=1)
    return ((1.0 - nu)[:, None] * flows).sum(axis=0) + nu * spending


def optimal_tariff_formula(
    world: World, country: str, nu: np.ndarray, phi: np.ndarray, denominator: str = "imports"
) -> float:
    """The study's uniform optimal import tariff of ``country`` (a fraction).

    ``nu`` and ``phi`` are ``(N,)`` local margins and pass-through exponents (see
    `tradewar.model.margins.pass_through`). ``denominator`` is ``"imports"`` (Table 1 case 3:
    21.80% for the USA) or ``"gdp"`` (income less domestic sales; Table 2 panel 4: 18.54%).
    """
    if world.n_sectors != 1:
        raise ScenarioError("the tariff formulas need a one-sector world", key="world")
    if denominator not in ("imports", "gdp"):
        raise ScenarioError("denominator must be 'imports' or 'gdp'", key="denominator")
    i = world.country_index(country)
    flows = world.flows[:, :, 0]
    spending = flows.sum(axis=1)
    lam = flows / spending[:, None]
    others = np.arange(world.n_countries) != i
    if denominator == "imports":
        base = spending[i] - flows[i, i]
    else:
        base = _income(world, nu)[i] - flows[i, i]
    return _formula(
        flows[others, i], lam[others, i], nu[others], nu[i], base, world.theta[0], phi[i]
    )


def retaliation_formula(world: World, target: str, nu: np.ndarray, phi: np.ndarray) -> float:
    """The study's optimal retaliation: the rest of the world as one block against ``target``.

    The world is aggregated into two blocks (everyone else R, and ``target`` U); the block
    margin and pass-through are those of R's members (the study calibrates one value for all
    non-US countries, so they must agree), and the denominator is R's income less its internal
    sales. For the USA on `baci2023` it is 22.74%.
    """
    if world.n_sectors != 1:
        raise ScenarioError("the tariff formulas need a one-sector world", key="world")
    u = world.country_index(target)
    rest = np.arange(world.n_countries) != u
    if np.ptp(nu[rest]) > 1e-12 or np.ptp(phi[rest]) > 1e-12:
        raise ScenarioError(
            "the retaliation formula needs one margin and pass-through for the whole block",
            key="local_margin",
        )
    flows = world.flows[:, :, 0]  # [importer, exporter]
    income = _income(world, nu)
    # Block sums with numpy's own (pairwise) summation rather than matrix products, whose
    # rounding depends on the BLAS kernel of the machine (4e-15 apart on two x86_64 machines).
    members = (rest, ~rest)
    block = np.array([[flows[np.ix_(a, b)].sum() for b in members] for a in members])
    block_spending = block.sum(axis=1)
    lam_ur = block[1, 0] / block_spending[1]  # U's spending share on R
    denominator = income[rest].sum() - block[0, 0]
    nu_r, nu_u = nu[rest][0], nu[u]
    return _formula(
        np.array([block[1, 0]]),
        np.array([lam_ur]),
        np.array([nu_u]),
        nu_r,
        denominator,
        world.theta[0],
        phi[rest][0],
    )
