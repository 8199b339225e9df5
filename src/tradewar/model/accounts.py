"""National accounts at given shares and spending: the one statement of national income.

The solver's goods-market and residual equations, the reported outcomes and the game objectives
all take income from `national_income`, so a model feature (profits, export-tax rents, deficits)
enters every layer at once or none.

Shapes: ``N`` countries, ``J`` sectors; bilateral arrays are ``[importer n, exporter i, sector]``.
Money is in the world's unit (after a solve: units of baseline world value added).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from tradewar.model.economy import Economy


class Accounts(NamedTuple):
    """Who earns what at given shares and spending.

    Attributes
    ----------
    output
        ``(N, J)`` producers' receipts ``Y'`` (sales net of tariffs and export taxes).
    value_added
        ``(N, J)`` value added ``gamma_va * Y'`` (wages plus profits).
    wages
        ``(N, J)`` the wage bill: value added less profits.
    profits
        ``(N, J)`` profits (``ossa``: a share ``1 / sigma`` of value added; zero elsewhere).
    tariff_revenue
        ``(N,)`` tariffs collected by each importer.
    export_tax_revenue
        ``(N,)`` export taxes (quota rents) collected by each exporter.
    """

    output: jnp.ndarray
    value_added: jnp.ndarray
    wages: jnp.ndarray
    profits: jnp.ndarray
    tariff_revenue: jnp.ndarray
    export_tax_revenue: jnp.ndarray


def producer_shares(pi, tau, export_tax=None):
    """Split each unit of ``n``'s spending into producers' receipts, tariffs and export taxes.

    Returns ``(net, leak, etax)``: ``net[n, i, k]`` reaches producers, ``leak[n, k]`` is the
    tariff share of n's spending in ``k`` and ``etax[n, i, k]`` the export-tax share going to
    ``i`` (None without export taxes).
    """
    world_price = pi / (1.0 + tau)
    leak = 1.0 - world_price.sum(axis=1)
    if export_tax is None:
        return world_price, leak, None
    net = world_price / (1.0 + export_tax)
    return net, leak, world_price - net


def accounts(econ: Economy, tau, export_tax, pi, X, gamma_va) -> Accounts:
    """Accounts at expenditure shares ``pi`` ``(N, N, J)``, spending ``X`` ``(N, J)`` incl. tariffs.

    ``gamma_va`` ``(N, J)`` is the value-added cost share at the prices in force (it moves with
    prices only in ``ces-network``).
    """
    net, leak, etax = producer_shares(pi, tau, export_tax)
    output = jnp.einsum("nik,nk->ik", net, X)
    value_added = gamma_va * output
    profits = (
        jnp.zeros_like(value_added)
        if econ.profit_share is None
        else econ.profit_share * value_added
    )
    tariff_revenue = jnp.sum(leak * X, axis=1)
    export_tax_revenue = (
        jnp.zeros_like(tariff_revenue) if etax is None else jnp.einsum("nik,nk->i", etax, X)
    )
    return Accounts(
        output=output,
        value_added=value_added,
        wages=value_added - profits,
        profits=profits,
        tariff_revenue=tariff_revenue,
        export_tax_revenue=export_tax_revenue,
    )


def national_income(wage_bill, deficit, acc: Accounts):
    """Income ``(N,)``: wages + profits + tariff revenue + export-tax revenue + deficit.

    ``wage_bill`` ``(N,)`` is ``w_hat * va``, the wages households are paid (at an equilibrium it
    equals ``acc.wages.sum(axis=1)``, the wages producers can pay).
    """
    return (
        wage_bill + acc.profits.sum(axis=1) + acc.tariff_revenue + acc.export_tax_revenue + deficit
    )


def baseline_accounts(econ: Economy) -> Accounts:
    """The accounts of the baseline economy (no export controls)."""
    return accounts(econ, econ.tau, None, econ.pi, econ.expenditure, econ.gamma_va)


def baseline_income(econ: Economy):
    """Baseline national income ``(N,)``."""
    return national_income(econ.va, econ.deficit, baseline_accounts(econ))
