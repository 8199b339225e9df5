"""One status type for every result: how a solve, a search or an estimate ended.

`Status` is a string enum (its values are the strings the JSON and the tables carry, so
``Status.CONVERGED == "converged"``), with a message per member for errors and reports, in the
manner of optimistix's ``RESULTS``. ``converged`` is derived from it everywhere: True only for
`Status.CONVERGED`; ``failed`` marks the statuses whose numbers must not be used.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """How a result ended; `message` says what a status means."""

    CONVERGED = "converged"
    NOT_CONVERGED = "not converged"
    NOT_FINITE = "not finite"
    OUTSIDE_DOMAIN = "outside domain"
    QUOTA_NOT_SETTLED = "quota not settled"
    CAPACITY_NOT_SETTLED = "capacity not settled"
    ESTIMATED = "estimated"
    NOT_IDENTIFIED = "not identified"
    NOT_POSITIVE = "not positive"

    @property
    def converged(self) -> bool:
        """True only for `CONVERGED`."""
        return self is Status.CONVERGED

    @property
    def failed(self) -> bool:
        """True where the numbers are not a solution (or not an estimate) and must not be used.

        ``not identified`` and ``not positive`` estimates are answers about the data, not
        failures.
        """
        return self in _FAILED

    @property
    def message(self) -> str:
        """What the status means, in a sentence fragment for error messages."""
        return _MESSAGES[self]


_FAILED = frozenset(
    {
        Status.NOT_CONVERGED,
        Status.NOT_FINITE,
        Status.OUTSIDE_DOMAIN,
        Status.QUOTA_NOT_SETTLED,
        Status.CAPACITY_NOT_SETTLED,
    }
)

_MESSAGES = {
    Status.CONVERGED: "the residual is within the tolerance",
    Status.NOT_CONVERGED: "the equilibrium residual is above the tolerance",
    Status.NOT_FINITE: "the solution is not finite (NaN or infinite values): the shock is outside "
    "what the model can solve (e.g. a good left with no supplier, or extreme policy values)",
    Status.OUTSIDE_DOMAIN: "the solution has negative spending or national income: the shock "
    "(e.g. deep import subsidies) is outside the model's domain",
    Status.QUOTA_NOT_SETTLED: "the export-tax equivalents of the quotas did not settle; check "
    "the quota levels",
    Status.CAPACITY_NOT_SETTLED: "the price premia that hold capacity-limited producers on their "
    "supply curves did not settle; check the [chokepoints] settings (a fixed capacity with "
    "demand that barely responds to price needs very large premia)",
    Status.ESTIMATED: "a usable estimate",
    Status.NOT_IDENTIFIED: "the data cannot identify it (no variation in tariffs, or too few "
    "informative rows)",
    Status.NOT_POSITIVE: "the estimate is not positive, so it cannot be a trade elasticity",
}
