"""Uncertainty and sweeps: many runs of one scenario, locally or on a Dask cluster.

`monte_carlo` draws a scenario's uncertain parameters (trade elasticities from published
estimates, nest elasticities from stated ranges, any field by path) and `sweep` walks a grid
over its fields; both return an `UncertaintyResult`. See docs/uncertainty.md.
"""

from tradewar.policy.uncertainty import (
    ParameterDistribution,
    ThetaDraws,
    UncertaintySettings,
)
from tradewar.uncertainty.negotiation import NegotiationDraws, negotiation_draws
from tradewar.uncertainty.result import UncertaintyResult
from tradewar.uncertainty.run import monte_carlo, parse_grid, sweep

__all__ = [
    "NegotiationDraws",
    "ParameterDistribution",
    "ThetaDraws",
    "UncertaintyResult",
    "UncertaintySettings",
    "monte_carlo",
    "negotiation_draws",
    "parse_grid",
    "sweep",
]
