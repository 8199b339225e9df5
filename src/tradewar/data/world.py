"""The `World`: a labelled baseline of trade, production and demand in one currency unit.

Array conventions (all ``numpy.float64``):

* ``flows[n, i, j]``: shipments from exporter ``i`` to importer ``n`` in sector ``j``, valued before
  tariffs, domestic sales (``n == i``) included. Shape ``(N, N, J)``.
* ``tariffs[n, i, j]``: ad valorem tariff (a fraction: 0.25 is 25%) that ``n`` levies on ``i``.
* ``value_added[n, j]``: value added of sector ``j`` in ``n``. Shape ``(N, J)``.
* ``intermediates[n, k, j]``: purchases of input ``k`` by sector ``j`` in ``n``, tariffs included.
* ``final_demand[n, j]``: final spending of ``n`` on sector ``j``, tariffs included.

Money values are in ``World.unit`` (e.g. "USD million"). Derived quantities (gross output,
expenditure, tariff revenue, deficits) are properties computed from these arrays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from tradewar.errors import DataError


@dataclass(frozen=True, eq=False)
class World:
    """A baseline world economy with labels.

    Parameters
    ----------
    name
        Short name, e.g. ``"cp2015"``.
    countries, country_names
        ISO3 (or region) codes and display names, length ``N``.
    sectors, sector_names
        Sector codes and names, length ``J``.
    theta
        Trade elasticity of each sector, shape ``(J,)``, positive.
    tradable
        Whether each sector is traded, shape ``(J,)``.
    flows, tariffs, value_added, intermediates, final_demand
        See the module docstring for shapes and units.
    tariff_tables
        Other tariff tables by label (e.g. ``{"2005": array}``), same shape as ``tariffs``.
    meta
        The ``world.toml`` contents: year, unit, source, citation, license.
    political_weights
        ``(N, J)`` weights a government puts on each sector's income (Grossman–Helpman /
        Ossa 2014 lambda; mean one by country), from ``political_weights.csv``; None if absent.
    sector_groups
        Named groups of sectors (e.g. ``goods``, ``services``, ``manufacturing``), from the
        optional ``groups`` column of ``sectors.csv``; a policy, a game or a negotiation may
        name a group wherever it takes sector codes.
    theta_se
        ``(J,)`` standard errors of the estimated trade elasticities (NaN for a sector whose
        elasticity is not its own estimate), from ``theta_se.csv``; None if absent. Used to draw
        elasticities in `tradewar.uncertainty`.
    """

    name: str
    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_names: tuple[str, ...]
    theta: np.ndarray
    tradable: np.ndarray
    flows: np.ndarray
    tariffs: np.ndarray
    value_added: np.ndarray
    intermediates: np.ndarray
    final_demand: np.ndarray
    tariff_tables: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    political_weights: np.ndarray | None = None
    theta_se: np.ndarray | None = None
    sector_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    # ------------------------------------------------------------------ sector groups
    def expand_sectors(self, codes: list[str] | tuple[str, ...]) -> list[str]:
        """Sector codes with every group name replaced by its sectors (order kept, no repeats).

        Unknown names are left in place for the caller to report.
        """
        out: list[str] = []
        for code in codes:
            members = self.sector_groups.get(code, (code,)) if code not in self.sectors else (code,)
            out.extend(c for c in members if c not in out)
        return out

    # ------------------------------------------------------------------ sizes and labels
    @property
    def n_countries(self) -> int:
        """Number of countries ``N``."""
        return len(self.countries)

    @property
    def n_sectors(self) -> int:
        """Number of sectors ``J``."""
        return len(self.sectors)

    @property
    def unit(self) -> str:
        """Currency unit of every money value, e.g. ``"USD million"``."""
        return str(self.meta.get("unit", "currency units"))

    @property
    def year(self) -> int | None:
        """Calendar year of the data (``world.toml``'s ``year``); None if absent or not a year."""
        value = self.meta.get("year")
        if isinstance(value, bool):
            return None
        try:
            return int(value) if value is not None and float(value) == int(value) else None
        except (TypeError, ValueError, OverflowError):
            return None

    def country_index(self, code: str) -> int:
        """Position of a country code; raises `DataError` naming the valid codes."""
        try:
            return self.countries.index(code)
        except ValueError:
            raise DataError(
                f"unknown country '{code}'; valid codes: {', '.join(self.countries)}",
                file=self.name,
            ) from None

    def sector_index(self, code: str) -> int:
        """Position of a sector code; raises `DataError` naming the valid codes."""
        try:
            return self.sectors.index(code)
        except ValueError:
            raise DataError(
                f"unknown sector '{code}'; valid codes: {', '.join(self.sectors)}",
                file=self.name,
            ) from None

    # ------------------------------------------------------------------ derived accounts
    @property
    def gross_output(self) -> np.ndarray:
        """Gross output ``Y[i, j] = sum_n flows[n, i, j]``, shape ``(N, J)``."""
        return self.flows.sum(axis=0)

    @property
    def expenditure(self) -> np.ndarray:
        """Spending including tariffs ``X[n, j] = sum_i (1 + t) flows``, shape ``(N, J)``."""
        return ((1.0 + self.tariffs) * self.flows).sum(axis=1)

    @property
    def tariff_revenue(self) -> np.ndarray:
        """Tariff revenue of each importer, shape ``(N,)``."""
        return (self.tariffs * self.flows).sum(axis=(1, 2))

    @property
    def exports(self) -> np.ndarray:
        """Exports before tariffs, domestic sales excluded, shape ``(N,)``."""
        off = self.flows * (1.0 - np.eye(self.n_countries))[:, :, None]
        return off.sum(axis=(0, 2))

    @property
    def imports(self) -> np.ndarray:
        """Imports before tariffs, domestic purchases excluded, shape ``(N,)``."""
        off = self.flows * (1.0 - np.eye(self.n_countries))[:, :, None]
        return off.sum(axis=(1, 2))

    @property
    def deficit(self) -> np.ndarray:
        """Trade deficit ``imports - exports`` (before tariffs), shape ``(N,)``; sums to zero."""
        return self.imports - self.exports

    @property
    def income(self) -> np.ndarray:
        """National income ``value added + tariff revenue + deficit``, shape ``(N,)``."""
        return self.value_added.sum(axis=1) + self.tariff_revenue + self.deficit

    def data_hash(self) -> str:
        """SHA-256 of every array and label, for provenance manifests."""
        h = hashlib.sha256()
        for part in (self.countries, self.sectors):
            h.update("|".join(part).encode())
        for arr in (
            self.theta,
            self.flows,
            self.tariffs,
            self.value_added,
            self.intermediates,
            self.final_demand,
        ):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        for label in sorted(self.tariff_tables):
            h.update(label.encode())
            h.update(np.ascontiguousarray(self.tariff_tables[label]).tobytes())
        return h.hexdigest()

    # ------------------------------------------------------------------ transformations
    def scaled(self, factor: float) -> World:
        """The same world with every money value multiplied by ``factor`` (a currency change)."""
        return replace(
            self,
            flows=self.flows * factor,
            value_added=self.value_added * factor,
            intermediates=self.intermediates * factor,
            final_demand=self.final_demand * factor,
        )

    def reordered(self, country_order: list[int] | np.ndarray) -> World:
        """The same world with countries permuted.

        ``country_order[k]`` is the old index of the new country ``k``.
        """
        p = np.asarray(country_order)
        return replace(
            self,
            countries=tuple(self.countries[k] for k in p),
            country_names=tuple(self.country_names[k] for k in p),
            flows=self.flows[np.ix_(p, p)],
            tariffs=self.tariffs[np.ix_(p, p)],
            value_added=self.value_added[p],
            intermediates=self.intermediates[p],
            final_demand=self.final_demand[p],
            tariff_tables={k: v[np.ix_(p, p)] for k, v in self.tariff_tables.items()},
            political_weights=None if self.political_weights is None else self.political_weights[p],
        )

    def summary(self) -> dict[str, Any]:
        """Headline facts: size, unit, totals and the largest economies and deficits."""
        va = self.value_added.sum(axis=1)
        order = np.argsort(-va)
        world_va = va.sum()
        trade = self.exports.sum()
        rev = self.tariff_revenue
        imports = self.imports
        avg_tariff = np.where(imports > 0, rev / np.where(imports > 0, imports, 1.0), 0.0)
        return {
            "name": self.name,
            "year": self.meta.get("year"),
            "unit": self.unit,
            "countries": self.n_countries,
            "sectors": self.n_sectors,
            "tradable_sectors": int(self.tradable.sum()),
            "world_value_added": float(world_va),
            "world_exports": float(trade),
            "source": self.meta.get("source", ""),
            "citation": self.meta.get("citation", ""),
            "license": self.meta.get("license", ""),
            "country_list": [
                {"country": code, "name": name}
                for code, name in zip(self.countries, self.country_names, strict=True)
            ],
            "sector_list": [
                {
                    "sector": code,
                    "name": name,
                    "theta": float(theta),
                    "tradable": bool(tradable),
                }
                for code, name, theta, tradable in zip(
                    self.sectors, self.sector_names, self.theta, self.tradable, strict=True
                )
            ],
            "sector_groups": {k: list(v) for k, v in self.sector_groups.items()},
            "regions": {
                k.removeprefix("regions_"): len(str(v).split())
                for k, v in self.meta.items()
                if k.startswith("regions_")
            },
            "largest": [
                {
                    "country": self.countries[k],
                    "name": self.country_names[k],
                    "value_added": float(va[k]),
                    "share_of_world_pct": float(100 * va[k] / world_va),
                    "deficit": float(self.deficit[k]),
                    "avg_tariff_pct": float(100 * avg_tariff[k]),
                }
                for k in order[: min(10, self.n_countries)]
            ],
        }
