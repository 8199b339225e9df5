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
    import_rent
        ``(N,)`` quota rents kept by each importing country (licences held by its buyers).
    rent_seeking
        ``(N,)`` quota rents dissipated in each importing country: wages of workers who queue
        and fill in forms (labour demand, not output).
    """

    output: jnp.ndarray
    value_added: jnp.ndarray
    wages: jnp.ndarray
    profits: jnp.ndarray
    tariff_revenue: jnp.ndarray
    export_tax_revenue: jnp.ndarray
    import_rent: jnp.ndarray
    rent_seeking: jnp.ndarray

    @property
    def labour_demand(self):
        """``(N,)`` the wage bill employers and rent seeking pay for."""
        return self.wages.sum(axis=1) + self.rent_seeking


def border_factor(tau, import_rent=None, dissipated=None):
    """``(N, N, J)`` domestic price over the world price: tariffs and importer-side quota wedges."""
    factor = 1.0 + tau
    if import_rent is not None:
        factor = factor * (1.0 + import_rent)
    if dissipated is not None:
        factor = factor * (1.0 + dissipated)
    return factor


def producer_shares(world_price, tau, export_tax=None, import_rent=None, dissipated=None):
    """Split each unit of ``n``'s spending into producers' receipts, tariffs and rents.

    ``world_price`` ``[n, i, k]`` is the expenditure share at world (customs) prices,
    ``pi / border_factor(tau, import_rent, dissipated)``. Returns ``(net, tariff, etax, rent,
    waste)``: ``net[n, i, k]`` reaches producers, ``tariff[n, k]`` is the tariff share of n's
    spending in ``k``, ``etax[n, i, k]`` the export-tax share going to ``i``, ``rent[n, k]``
    and ``waste[n, k]`` the shares of the quota rents the importer keeps and dissipates (each
    None where its wedge is None). Duties are assessed on the world (customs) price; the
    importer-side wedges on the duty-paid price. The arrays may also be sector-major,
    ``[k, i, n]`` (`sector_major`): then the ``(N, J)`` results come as ``[k, n]``.
    """
    if import_rent is None and dissipated is None:
        # One minus what reaches exporters: the expression the bundled worlds were built with.
        tariff = 1.0 - world_price.sum(axis=1)
    else:
        tariff = (world_price * tau).sum(axis=1)
    rent = waste = None
    if import_rent is not None:
        rent = (world_price * (1.0 + tau) * import_rent).sum(axis=1)
    if dissipated is not None:
        before = 1.0 + tau if import_rent is None else (1.0 + tau) * (1.0 + import_rent)
        waste = (world_price * before * dissipated).sum(axis=1)
    if export_tax is None:
        return world_price, tariff, None, rent, waste
    net = world_price / (1.0 + export_tax)
    return net, tariff, world_price - net, rent, waste


#: Axis order that turns ``[importer n, exporter i, sector k]`` into ``[k, i, n]`` and back.
BY_SECTOR = (2, 1, 0)


def sector_major(array):
    """A bilateral array ``[n, i, k]`` as ``[k, i, n]`` (and back); None stays None.

    The solver's inner loops multiply bilateral arrays by ``(N, J)`` vectors once per
    iteration; in this layout those batched products need no copy. On XLA's CPU backend a
    copy made inside a loop is made at every iteration (it was more than half the time of a
    NAFTA solve), so the solver transposes once per solve.
    """
    return None if array is None else jnp.transpose(array, BY_SECTOR)


class Wedges(NamedTuple):
    """A shock's border wedges, sector-major ``[k, i, n]`` (see `sector_major`)."""

    tau: jnp.ndarray
    export_tax: jnp.ndarray | None = None
    import_rent: jnp.ndarray | None = None
    dissipated: jnp.ndarray | None = None

    @classmethod
    def of(cls, tau, export_tax=None, import_rent=None, dissipated=None) -> Wedges:
        """The wedges of ``[n, i, k]`` arrays (None for a wedge the shock does not have)."""
        return cls(*(sector_major(a) for a in (tau, export_tax, import_rent, dissipated)))

    @classmethod
    def of_shock(cls, shock) -> Wedges:
        """The wedges of a `tradewar.model.economy.Shock`."""
        return cls.of(shock.tau, shock.export_tax, shock.import_rent, shock.dissipated)

    def border(self):
        """`border_factor` of these wedges: domestic over world price, ``[k, i, n]``."""
        return border_factor(self.tau, self.import_rent, self.dissipated)


class SpendingShares(NamedTuple):
    """Where each unit of an importer's spending goes, at given expenditure shares.

    Attributes
    ----------
    net
        ``(J, N, N)`` ``[k, i, n]``: the share of ``n``'s spending on ``k`` that reaches
        producer ``i``.
    tariff
        ``(N, J)`` the tariff share of ``n``'s spending on ``k``.
    export_tax
        ``(J, N, N)`` ``[k, i, n]``: the export-tax share going to ``i`` (None without export
        taxes).
    import_rent, dissipated
        ``(N, J)`` the quota-rent shares the importer keeps and dissipates (None without).
    """

    net: jnp.ndarray
    tariff: jnp.ndarray
    export_tax: jnp.ndarray | None
    import_rent: jnp.ndarray | None
    dissipated: jnp.ndarray | None


def spending_shares(world_price_by_sector, wedges: Wedges) -> SpendingShares:
    """`producer_shares` of sector-major world-price shares ``[k, i, n]``, as `SpendingShares`."""
    net, tariff, etax, rent, waste = producer_shares(world_price_by_sector, *wedges)
    return SpendingShares(
        net=net,
        tariff=tariff.T,
        export_tax=etax,
        import_rent=None if rent is None else rent.T,
        dissipated=None if waste is None else waste.T,
    )


def accounts_from_shares(econ: Economy, shares: SpendingShares, X, gamma_va) -> Accounts:
    """Accounts at spending ``X`` ``(N, J)`` incl. tariffs, split by ``shares``.

    ``gamma_va`` ``(N, J)`` is the value-added cost share at the prices in force (it moves with
    prices only in ``ces-network``).
    """
    output = jnp.einsum("kin,nk->ik", shares.net, X)
    value_added = gamma_va * output
    profits = (
        jnp.zeros_like(value_added)
        if econ.profit_share is None
        else econ.profit_share * value_added
    )
    tariff_revenue = jnp.sum(shares.tariff * X, axis=1)
    zeros = jnp.zeros_like(tariff_revenue)
    etax = shares.export_tax
    return Accounts(
        output=output,
        value_added=value_added,
        wages=value_added - profits,
        profits=profits,
        tariff_revenue=tariff_revenue,
        export_tax_revenue=zeros if etax is None else jnp.einsum("kin,nk->i", etax, X),
        import_rent=zeros if shares.import_rent is None else jnp.sum(shares.import_rent * X, 1),
        rent_seeking=zeros if shares.dissipated is None else jnp.sum(shares.dissipated * X, 1),
    )


def accounts(
    econ: Economy, tau, export_tax, pi, X, gamma_va, import_rent=None, dissipated=None
) -> Accounts:
    """Accounts at expenditure shares ``pi`` ``(N, N, J)``, spending ``X`` ``(N, J)`` incl. tariffs.

    ``gamma_va`` ``(N, J)`` is the value-added cost share at the prices in force (it moves with
    prices only in ``ces-network``); ``import_rent`` and ``dissipated`` are the importer-side
    quota wedges of the shock (`tradewar.model.economy.Shock`).
    """
    wedges = Wedges.of(tau, export_tax, import_rent, dissipated)
    world_price = sector_major(pi) / wedges.border()
    return accounts_from_shares(econ, spending_shares(world_price, wedges), X, gamma_va)


def shock_accounts(econ: Economy, shock, pi, X, gamma_va) -> Accounts:
    """`accounts` with every instrument of a `tradewar.model.economy.Shock`."""
    return accounts(
        econ, shock.tau, shock.export_tax, pi, X, gamma_va, shock.import_rent, shock.dissipated
    )


def national_income(wage_bill, deficit, acc: Accounts):
    """Income ``(N,)``: wages + profits + tariff revenue + quota rents + deficit.

    ``wage_bill`` ``(N,)`` is the wages households are paid (``w_hat * va``; at an equilibrium it
    equals ``acc.labour_demand``, the wages producers and rent seeking pay). Rents dissipated
    in rent seeking are in the wage bill; rents kept by importers and exporters are added.
    """
    return (
        wage_bill
        + acc.profits.sum(axis=1)
        + acc.tariff_revenue
        + acc.export_tax_revenue
        + acc.import_rent
        + deficit
    )


def baseline_accounts(econ: Economy) -> Accounts:
    """The accounts of the baseline economy (no export controls)."""
    return accounts(econ, econ.tau, None, econ.pi, econ.expenditure, econ.gamma_va)


def baseline_income(econ: Economy):
    """Baseline national income ``(N,)``."""
    return national_income(econ.va, econ.deficit, baseline_accounts(econ))
