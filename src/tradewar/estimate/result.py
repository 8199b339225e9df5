"""`ElasticityEstimates`: sector trade elasticities with standard errors and an honest status."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from tradewar.data.world import World
from tradewar.errors import DataError
from tradewar.status import Status

#: The statuses of a sector's estimate; only "estimated" can be used as a model parameter.
STATUSES = tuple(
    str(s)
    for s in (
        Status.ESTIMATED,
        Status.NOT_IDENTIFIED,
        Status.NOT_CONVERGED,
        Status.NOT_FINITE,
        Status.NOT_POSITIVE,
    )
)


@dataclass(frozen=True)
class ElasticityEstimates:
    """Estimated trade elasticities, one row per sector.

    Attributes
    ----------
    method
        ``"ppml"`` or ``"triple-difference"``.
    value_basis
        ``"gross"`` (flows times one plus the tariff: the model's tariff-inclusive spending,
        whose elasticity to ``1 + t`` is ``-theta``) or ``"net"`` (flows before tariffs,
        elasticity ``-(theta + 1)``). Either way ``theta`` is the model's trade elasticity.
    table
        Columns ``sector, theta, se, n_obs, status`` (`STATUSES`); ``theta`` and ``se`` are
        NaN where the status is not ``estimated`` or ``not positive``.
    source
        Where the data came from.
    """

    method: str
    value_basis: str
    table: pd.DataFrame
    source: str = ""

    @property
    def converged(self) -> bool:
        """True when no sector's estimator failed numerically (``not converged``, ``not finite``).

        The same flag as ``"converged"`` in ``tradewar estimate --json`` (exit 1 when False). A
        sector ``not identified`` or ``not positive`` is an answer, not a failure: see
        `complete`.
        """
        failed = [str(s) for s in Status if s.failed]
        return not bool(self.table["status"].isin(failed).any())

    @property
    def complete(self) -> bool:
        """True when every sector's status is ``estimated`` (a usable elasticity for each)."""
        return bool((self.table["status"] == Status.ESTIMATED).all())

    def to_frame(self) -> pd.DataFrame:
        """The tidy table, with ``method`` and ``value_basis`` columns."""
        return self.table.assign(method=self.method, value_basis=self.value_basis)[
            ["method", "value_basis", "sector", "theta", "se", "n_obs", "status"]
        ].reset_index(drop=True)

    def __str__(self) -> str:
        lines = [
            f"Trade elasticities by {self.method} ({self.value_basis} values)",
            f"source: {self.source}",
            f"{'sector':<12}{'theta':>10}{'s.e.':>10}{'obs':>8}  status",
        ]
        for row in self.table.itertuples():
            lines.append(
                f"{row.sector:<12}{row.theta:>10.3f}{row.se:>10.3f}{row.n_obs:>8d}  {row.status}"
            )
        return "\n".join(lines)

    def apply(self, world: World) -> World:
        """``world`` with its elasticities and standard errors replaced by the estimates.

        Only sectors whose status is ``estimated`` change; the others keep the world's values
        (and no standard error). Raises `DataError` if the world lacks an estimated sector.
        """
        theta = world.theta.copy()
        se = np.full(world.n_sectors, np.nan) if world.theta_se is None else world.theta_se.copy()
        used = self.table[self.table["status"] == Status.ESTIMATED]
        for row in used.itertuples():
            if row.sector not in world.sectors:
                raise DataError(
                    f"estimated sector '{row.sector}' is not a sector of world '{world.name}'",
                    field="sector",
                )
            k = world.sectors.index(row.sector)
            theta[k], se[k] = row.theta, row.se
        return replace(
            world,
            theta=theta,
            theta_se=se,
            meta={
                **world.meta,
                "theta_source": f"tradewar estimate, {self.method} ({self.value_basis} values) on "
                f"{self.source}: {len(used)} of {world.n_sectors} sectors",
            },
        )


def status_of(theta: float, se: float, *, converged: bool) -> str:
    """The status of one estimate (see `STATUSES`), as the plain string a table holds.

    ``converged`` is the estimator's own verdict on its iterations (pyfixest's IRLS flag); an
    estimator in closed form passes True and says so where it calls this.
    """
    if not converged:
        status = Status.NOT_CONVERGED
    elif not (np.isfinite(theta) and np.isfinite(se)):
        status = Status.NOT_FINITE
    elif theta <= 0:
        status = Status.NOT_POSITIVE
    else:
        status = Status.ESTIMATED
    return str(status)
