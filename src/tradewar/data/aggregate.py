"""Aggregate a world's countries or sectors into groups, keeping labels and accounts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from tradewar.data.world import World
from tradewar.errors import DataError


def membership(
    codes: tuple[str, ...], names: tuple[str, ...], mapping: Mapping[str, str] | None, what: str
) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """An ``(old, new)`` 0/1 membership matrix, the new codes (first-seen order) and names."""
    mapping = dict(mapping or {})
    unknown = [c for c in mapping if c not in codes]
    if unknown:
        raise DataError(f"unknown {what} '{unknown[0]}' in the aggregation mapping", field=what)
    target = [mapping.get(c, c) for c in codes]
    new_codes = tuple(dict.fromkeys(target))
    new_names = tuple(
        names[codes.index(g)] if g in codes and mapping.get(g, g) == g else g for g in new_codes
    )
    member = np.zeros((len(codes), len(new_codes)))
    member[np.arange(len(codes)), [new_codes.index(t) for t in target]] = 1.0
    return member, new_codes, new_names


def aggregate(
    world: World | str | os.PathLike[str],
    countries: Mapping[str, str] | None = None,
    sectors: Mapping[str, str] | None = None,
    name: str | None = None,
) -> World:
    """Merge countries and/or sectors into groups.

    Parameters
    ----------
    world
        The world to aggregate, or a bundled world's name or a world-package path.
    countries, sectors
        Maps from an existing code to its group code; unmapped codes stay as they are. A group
        code may equal one of its members (e.g. ``{"AUT": "EU", "DEU": "EU"}``).
    name
        Name of the new world (default: ``"<name>-agg"``).

    Notes
    -----
    Flows, value added, intermediates and final demand are summed, so every accounting identity
    still holds. Tariffs are averaged with baseline flows as weights, which keeps tariff revenue
    and spending unchanged; trade between members of one country group becomes internal trade
    that keeps its tariffs. A merged sector's trade elasticity is the mean of its members'
    weighted by their cross-border trade (by gross output where there is none), and it is
    tradable if any member is.

    Returns
    -------
    World
        The aggregated world (a new package; ``world`` is unchanged).
    """
    if isinstance(world, (str, os.PathLike)):
        from tradewar.data.io import load_world

        world = load_world(world)
    elif not isinstance(world, World):
        from tradewar.errors import ArgumentError, describe_value

        raise ArgumentError(
            "world", f"must be a World, a name or a path, not {describe_value(world)}"
        )
    C, new_c, new_cn = membership(world.countries, world.country_names, countries, "country")
    S, new_s, new_sn = membership(world.sectors, world.sector_names, sectors, "sector")

    def bilateral(a: np.ndarray) -> np.ndarray:
        return np.einsum("nij,na,ib,jc->abc", a, C, C, S, optimize=True)

    flows = bilateral(world.flows)

    def average_tariff(t: np.ndarray) -> np.ndarray:
        revenue = bilateral(t * world.flows)
        return np.where(flows > 0, revenue / np.where(flows > 0, flows, 1.0), 0.0)

    off = world.flows * (1.0 - np.eye(world.n_countries))[:, :, None]
    weight = off.sum(axis=(0, 1))
    weight = np.where(weight @ S @ S.T > 0, weight, world.gross_output.sum(axis=0))
    theta = (world.theta * weight) @ S / np.maximum(weight @ S, 1e-300)
    return replace(
        world,
        name=name or f"{world.name}-agg",
        countries=new_c,
        country_names=new_cn,
        sectors=new_s,
        sector_names=new_sn,
        theta=theta,
        tradable=(world.tradable.astype(float) @ S) > 0,
        flows=flows,
        tariffs=average_tariff(world.tariffs),
        value_added=C.T @ world.value_added @ S,
        intermediates=np.einsum("nkj,na,kb,jc->abc", world.intermediates, C, S, S, optimize=True),
        final_demand=C.T @ world.final_demand @ S,
        tariff_tables={k: average_tariff(v) for k, v in world.tariff_tables.items()},
        meta={**world.meta, "name": name or f"{world.name}-agg", "aggregated_from": world.name},
        political_weights=None,
        # Standard errors of averaged elasticities are not those of any estimate.
        theta_se=world.theta_se if sectors is None else None,
    )


def region_mapping(world: World, region: str, code: str | None = None) -> dict[str, str]:
    """A country-to-group mapping for `aggregate` from a region the world package defines.

    A world defines a region ``name`` by a ``regions_<name>`` entry in its ``world.toml``: the
    member codes separated by spaces (``baci2023`` has ``eu_ilms``, the 25 EU members of
    Ignatenko et al. 2025, and ``eu27``). ``code`` names the merged country (default: the region
    name in capitals). Raises `DataError` naming the regions the world has.
    """
    key = f"regions_{region}"
    if key not in world.meta:
        have = sorted(k.removeprefix("regions_") for k in world.meta if k.startswith("regions_"))
        raise DataError(
            f"world '{world.name}' defines no region '{region}' (it has: "
            f"{', '.join(have) or 'none'})",
            file="world.toml",
            field=key,
        )
    members = str(world.meta[key]).split()
    return dict.fromkeys(members, code or region.upper())
