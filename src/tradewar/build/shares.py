"""From source tables to a balanced world: the two steps every builder shares.

A builder reads a source (an inter-country input–output table, a tidy long table, the share
files of a Caliendo–Parro-type model) into one of two objects:

* `SourceTables`: values before tariffs (flows by destination, input purchases, final demand,
  output), as in an input–output table;
* `BaselineShares`: the shares a Caliendo–Parro model is calibrated to (trade shares, cost
  shares, final-demand shares) with value added and deficits.

`shares_from_tables` turns the first into the second, recording every accounting adjustment;
`world_from_baseline` solves the model at those shares for levels whose accounts balance exactly
(`tradewar.model.calibrate.world_from_shares`), so every world package is an equilibrium of
the model.

Array conventions (``numpy.float64``): ``[n, i, k]`` is importer ``n``, exporter ``i``,
sector ``k``; ``[n, k, j]`` is country ``n``, input sector ``k``, using sector ``j``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from tradewar.data.world import World
from tradewar.errors import DataError
from tradewar.model.calibrate import Adjustment, BaselineShares, world_from_shares


@dataclass(frozen=True)
class SourceTables:
    """Input–output data by country and sector, values before tariffs.

    Attributes
    ----------
    countries, country_names, sectors, sector_names
        Labels, lengths ``N`` and ``J``.
    flows
        ``(N, N, J)`` sales of exporter ``i``'s sector ``k`` to destination ``n``, intermediate
        and final use together, domestic sales on the diagonal, inventories excluded.
    inputs
        ``(N, J, J)`` purchases of input ``k`` (from every origin) by sector ``j`` of ``n``.
    final
        ``(N, J)`` final use of sector ``k`` goods in ``n`` (from every origin).
    value_added
        ``(N, J)`` value added (with net taxes on production): gross output less input use at
        basic prices. Output on the cost side is value added plus inputs with their tariffs.
    meta
        Year, unit, source, citation, licence for ``world.toml``.
    adjustments
        What the reader changed (merged blocks, dropped inventories, ...).
    """

    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_names: tuple[str, ...]
    flows: np.ndarray
    inputs: np.ndarray
    final: np.ndarray
    value_added: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    adjustments: tuple[Adjustment, ...] = ()


def adjustment(
    what: str, mask: np.ndarray, values: np.ndarray, total: float, of: str
) -> Adjustment:
    """An `Adjustment` over the cells of ``values`` where ``mask`` holds."""
    amount = float(np.abs(values[mask]).sum())
    return Adjustment(what, int(mask.sum()), amount, 100.0 * amount / max(total, 1e-300), of)


def tariff_factor(flows: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``(N, J)`` tariff-inclusive over basic value of each country's purchases of each sector.

    Every purchase of ``k`` by ``n`` (intermediate or final) pays this average tariff factor of
    ``n``'s sourcing of ``k`` (one where it buys nothing).
    """
    basic = flows.sum(axis=1)
    gross = ((1.0 + tau) * flows).sum(axis=1)
    return np.where(basic > 0, gross / np.where(basic > 0, basic, 1.0), 1.0)


def shares_from_tables(
    tables: SourceTables,
    theta: np.ndarray,
    tariffs: np.ndarray | None = None,
    tariff_tables: dict[str, np.ndarray] | None = None,
) -> BaselineShares:
    """The calibration shares of input–output tables, with the adjustments they need.

    Parameters
    ----------
    tables
        Values before tariffs (`SourceTables`).
    theta
        ``(J,)`` trade elasticities.
    tariffs
        ``(N, N, J)`` baseline tariffs (fractions; default zero). Every purchase of ``k`` by
        ``n`` pays the average tariff of ``n``'s sourcing of ``k`` (the proportionality
        assumption of Caliendo and Parro 2015).

    Notes
    -----
    Adjustments, each recorded: value added (output minus inputs) below zero is set to zero and
    the sector's inputs scaled to its output; negative final use is set to zero; a sector a
    country neither produces nor buys gets neutral shares. Deficits are imports minus exports of
    the flows, so they sum to zero exactly.
    """
    N, J = len(tables.countries), len(tables.sectors)
    flows = np.asarray(tables.flows, dtype=float)
    tau = np.zeros((N, N, J)) if tariffs is None else np.asarray(tariffs, dtype=float)
    _check_shape(flows, (N, N, J), "flows")
    _check_shape(tau, (N, N, J), "tariffs")
    adjustments = list(tables.adjustments)
    world_output = float(tables.value_added.sum() + tables.inputs.sum())
    gross = (1.0 + tau) * flows
    expenditure = gross.sum(axis=1)  # [n, k]
    factor = tariff_factor(flows, tau)
    pi = np.where(
        expenditure[:, None, :] > 0,
        gross / np.where(expenditure > 0, expenditure, 1.0)[:, None, :],
        0.0,
    )
    # A country that buys none of k: it would source k at home if it ever did.
    none = expenditure <= 0
    n_idx, k_idx = np.nonzero(none)
    pi[n_idx, n_idx, k_idx] = 1.0

    inputs = np.asarray(tables.inputs, dtype=float) * factor[:, :, None]  # tariff-inclusive
    va = np.asarray(tables.value_added, dtype=float)
    input_total = inputs.sum(axis=1)
    negative_va = va < 0
    if negative_va.any():
        adjustments.append(
            adjustment(
                "negative value added (output below inputs) set to zero, inputs scaled to output",
                negative_va,
                va,
                world_output,
                "world gross output",
            )
        )
    va = np.maximum(va, 0.0)
    output = va + input_total  # costs: value added plus inputs with their tariffs
    with np.errstate(all="ignore"):
        beta = np.where(output > 0, va / np.where(output > 0, output, 1.0), 1.0)
        mix = np.where(input_total[:, None, :] > 0, inputs / input_total[:, None, :], 0.0)
    gamma_io = (1.0 - beta)[:, None, :] * mix
    # Sectors with output but no recorded inputs are all value added (beta = 1 already).
    no_inputs = (input_total <= 0) & (beta < 1.0)
    beta = np.where(no_inputs, 1.0, beta)
    gamma_io = np.where(no_inputs[:, None, :], 0.0, gamma_io)

    alpha = _final_shares(tables, factor, adjustments)
    value_added = (beta * output).sum(axis=1)
    off = flows * (1.0 - np.eye(N))[:, :, None]
    deficit = off.sum(axis=(1, 2)) - off.sum(axis=(0, 2))
    cross = off.sum(axis=(0, 1))
    return BaselineShares(
        countries=tables.countries,
        country_names=tables.country_names,
        sectors=tables.sectors,
        sector_names=tables.sector_names,
        pi=pi,
        tau=tau,
        gamma_io=gamma_io,
        alpha=alpha,
        va=value_added,
        deficit=deficit,
        expenditure=np.where(expenditure > 0, expenditure, 1e-12 * expenditure.max()),
        theta=np.asarray(theta, dtype=float),
        tradable=cross > 0,
        meta=dict(tables.meta),
        adjustments=tuple(adjustments),
        tariff_tables=dict(tariff_tables or {}),
    )


def _final_shares(
    tables: SourceTables, factor: np.ndarray, adjustments: list[Adjustment]
) -> np.ndarray:
    """``(N, J)`` final-use shares with tariffs (negative final use set to zero, recorded)."""
    final = np.asarray(tables.final, dtype=float) * factor
    negative_final = final < 0
    if negative_final.any():
        adjustments.append(
            adjustment(
                "negative final use set to zero",
                negative_final,
                final,
                float(np.abs(tables.final).sum()),
                "world final use",
            )
        )
        final = np.maximum(final, 0.0)
    final_total = final.sum(axis=1, keepdims=True)
    if np.any(final_total <= 0):
        bad = int(np.flatnonzero(final_total.ravel() <= 0)[0])
        raise DataError(
            f"country {tables.countries[bad]} has no final use left (all its final demand is "
            "zero or negative)",
            file="final demand",
            field=tables.countries[bad],
        )
    alpha = final / final_total
    return alpha


def world_from_baseline(shares: BaselineShares, name: str) -> tuple[World, np.ndarray]:
    """Solve the model at ``shares`` for a balanced `World` (and the wage changes it took).

    The adjustments are written into the world's ``meta`` (``build_adjustments``), so
    ``world.toml`` says what was changed.
    """
    theta = np.asarray(shares.theta, dtype=float)
    if theta.shape != (len(shares.sectors),) or not np.all(np.isfinite(theta) & (theta > 0)):
        raise DataError(
            "trade elasticities must be positive numbers, one per sector", field="theta"
        )
    meta = {**shares.meta, "name": name}
    if shares.adjustments:
        meta["build_adjustments"] = "; ".join(str(a) for a in shares.adjustments)
    meta.setdefault("countries", len(shares.countries))
    meta.setdefault("sectors", len(shares.sectors))
    return world_from_shares(replace(shares, theta=theta, meta=meta), name=name)


def _check_shape(array: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    if array.shape != shape:
        raise DataError(f"has shape {array.shape}, expected {shape}", file=what)
    if not np.all(np.isfinite(array)):
        raise DataError("contains NaN or infinite values", file=what)
