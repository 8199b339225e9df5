"""The ``[uncertainty]`` table of a scenario: which parameters to draw, how, and how often."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Distributions a parameter may be drawn from, and the fields each needs.
DISTRIBUTIONS = {
    "normal": ("mean", "sd"),
    "truncated_normal": ("mean", "sd", "low", "high"),
    "lognormal": ("median", "sd_log"),
    "uniform": ("low", "high"),
    "log_uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "choice": ("values",),
}


#: The most draws a Monte Carlo run takes (the TOML table, --draws and the API alike).
MAX_DRAWS = 1_000_000


class ThetaDraws(BaseModel):
    """Trade elasticities drawn from the world's published estimates (``theta_se.csv``).

    Each sector with a standard error is drawn independently (the estimates come from separate
    regressions) from a normal distribution centred on the world's elasticity with that
    standard error, truncated to within ``truncate_sd`` standard errors and at ``minimum``.
    Sectors without one keep their elasticity.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: Literal["published"] = "published"
    truncate_sd: float = Field(2.0, gt=0.0)
    minimum: float = Field(1.0, gt=0.0)


class ParameterDistribution(BaseModel):
    """One scenario field drawn from a distribution.

    ``path`` names the field as in the TOML file: ``parameters.theta.S01``, ``ces.sigma_top.C17``,
    ``armington.labour_supply_elasticity``, ``policy[0].add_pct``, ``step[2].policy[0].add_pct``.
    The fields each distribution needs are in `DISTRIBUTIONS` (``truncated_normal`` is a normal
    of ``mean`` and ``sd`` kept within [``low``, ``high``]; ``lognormal`` has ``median`` and the
    standard deviation of the log, ``sd_log``; ``choice`` picks one of ``values`` with equal
    probability).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    path: str = Field(min_length=1)
    distribution: Literal[
        "normal", "truncated_normal", "lognormal", "uniform", "log_uniform", "triangular", "choice"
    ]
    mean: float | None = None
    sd: float | None = Field(None, ge=0.0)
    median: float | None = Field(None, gt=0.0)
    sd_log: float | None = Field(None, ge=0.0)
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    values: list[int | float] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _fields(self) -> ParameterDistribution:
        needed = DISTRIBUTIONS[self.distribution]
        missing = [k for k in needed if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.distribution} distribution needs {', '.join(missing)}")
        extra = [
            k
            for k in ("mean", "sd", "median", "sd_log", "low", "high", "mode", "values")
            if k not in needed and getattr(self, k) is not None
        ]
        if extra:
            raise ValueError(f"a {self.distribution} distribution takes no {', '.join(extra)}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.distribution == "log_uniform" and (self.low or 0.0) <= 0:
            raise ValueError("a log_uniform distribution needs low > 0")
        if self.mode is not None and not (self.low or 0.0) <= self.mode <= (self.high or 0.0):
            raise ValueError("mode must lie between low and high")
        return self


class UncertaintySettings(BaseModel):
    """The ``[uncertainty]`` table: Monte Carlo draws of a scenario's parameters.

    ``draws`` sets of parameters are drawn with ``seed``; draw ``k`` uses its own random stream
    (`numpy.random.SeedSequence` with spawn key ``k``), so the numbers do not depend on how the
    draws are split across processes. ``quantiles`` (percent) are reported with the probability
    of each sign. ``theta`` draws the trade elasticities from published estimates; each
    ``[[uncertainty.parameter]]`` draws one scenario field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    draws: int = Field(200, ge=1, le=MAX_DRAWS)
    seed: int = Field(0, ge=0)
    quantiles: list[float] = Field(default_factory=lambda: [5.0, 50.0, 95.0], min_length=1)
    theta: ThetaDraws | None = None
    parameter: list[ParameterDistribution] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> UncertaintySettings:
        if not all(0.0 <= q <= 100.0 for q in self.quantiles):
            raise ValueError("quantiles are percentages between 0 and 100")
        if self.theta is None and not self.parameter:
            raise ValueError(
                "nothing to draw: give [uncertainty.theta] or [[uncertainty.parameter]]"
            )
        paths = [p.path for p in self.parameter]
        if len(set(paths)) != len(paths):
            raise ValueError("each parameter path may be drawn once")
        return self
