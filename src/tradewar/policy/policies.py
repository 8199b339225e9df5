"""Policy instruments as validated objects (docs/formats.md).

A selector (``importer``, ``exporter``, ``sectors``) is a code, a list of codes, or ``"*"`` for all.
Domestic pairs (importer == exporter) are never affected: a tariff on one's own goods is not a
trade policy.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)


def _not_a_bool(value: Any) -> Any:
    """Refuse ``True``/``False`` where a number is meant (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("a number is needed, not true/false")
    return value


#: A rate, factor or share: a finite number, never a boolean.
Number = Annotated[float, BeforeValidator(_not_a_bool)]


def _selects_something(value: str | list[str]) -> str | list[str]:
    """Refuse an empty code or an empty list: they would select nothing, silently."""
    if value == "" or value == [] or (isinstance(value, list) and "" in value):
        raise ValueError("selects nothing: give a code, a list of codes, or '*' for all")
    return value


#: One code, a non-empty list of codes, or ``"*"``.
Selector = Annotated[str | list[str], AfterValidator(_selects_something)]


class _Policy(BaseModel):
    # NaN and infinite rates are refused: they would reach the solver as a shock it cannot solve.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        """Validate; a wrong field is a `ScenarioError` naming it (as in a scenario file)."""
        try:
            super().__init__(**data)
        except ValidationError as exc:
            from tradewar.policy.scenario import validation_error

            raise validation_error(exc, None) from None


class Tariff(_Policy):
    """An ad valorem tariff that ``importer`` levies on goods from ``exporter``.

    The revenue goes to the importer.

    Exactly one of ``set_pct`` (new rate, percent), ``add_pct`` (percentage points on top of the
    current rate) or ``set_from`` (label of a tariff table of the world, e.g. ``"2005"``).

    ``exempt_pct`` (with ``add_pct``) is the share of each sector's trade that the measure
    exempts, percent by sector code (e.g. ``{C17 = 70.4}`` for an exemption of smartphones and
    computers): the sector's rate rises by ``add_pct * (1 - exempt_pct / 100)``, the
    trade-weighted average over its products (`tradewar.build.tariffs` maps product-level
    exemptions to these shares through a concordance).
    """

    kind: Literal["tariff"] = "tariff"
    importer: Selector
    exporter: Selector
    sectors: Selector = "*"
    set_pct: Number | None = None
    add_pct: Number | None = None
    set_from: str | None = None
    exempt_pct: dict[str, Annotated[Number, Field(ge=0.0, le=100.0)]] | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> Tariff:
        given = [k for k in ("set_pct", "add_pct", "set_from") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a tariff needs exactly one of set_pct, add_pct, set_from (got {given or 'none'})"
            )
        if self.set_pct is not None and self.set_pct <= -100:
            raise ValueError(f"set_pct = {self.set_pct}: a tariff must be above -100%")
        if self.exempt_pct is not None and self.add_pct is None:
            raise ValueError("exempt_pct applies to add_pct (a measure added on top)")
        return self


class TradeCost(_Policy):
    """A change in iceberg trade costs (a non-tariff barrier): no revenue.

    Exactly one of ``factor`` (multiplies the cost, > 0) or ``add_pct`` (``add_pct = 20`` is
    ``factor = 1.2``).
    """

    kind: Literal["trade_cost"] = "trade_cost"
    importer: Selector
    exporter: Selector
    sectors: Selector = "*"
    factor: Number | None = None
    add_pct: Number | None = None

    @model_validator(mode="after")
    def _one_change(self) -> TradeCost:
        given = [k for k in ("factor", "add_pct") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a trade_cost needs exactly one of factor, add_pct (got {given or 'none'})"
            )
        if self.cost_factor <= 0:
            raise ValueError("the trade-cost factor must be positive (add_pct above -100)")
        return self

    @property
    def cost_factor(self) -> float:
        """The multiplicative change in trade costs."""
        return self.factor if self.factor is not None else 1.0 + (self.add_pct or 0.0) / 100.0


#: Who earns the scarcity rent of a quota (docs/formats.md, "Who earns a licence's rent").
RENT_REGIMES = ("exporter", "importer", "none")
RentRegime = Literal["exporter", "importer", "none"]


class ExportControl(_Policy):
    """An export control that ``exporter`` imposes on sales to ``importer``.

    Exactly one of ``ban`` (true stops the flow; false lifts earlier controls), ``tax_pct`` (an
    export tax, revenue to the exporter; above -100) or ``quota_pct_of_baseline`` (caps the
    quantity shipped at this percent of the baseline, 0 < q <= 100; the implied price wedge, its
    tax equivalent, is reported).

    A quota's scarcity rent (the wedge between what buyers would pay for the last unit and the
    exporter's cost) goes where ``rent`` says: ``"exporter"`` (licences sold or exporters raise
    their prices: an export-tax equivalent), ``"importer"`` (licences held by the buyers, or
    permits allocated at the pre-control price: the rent stays with the importing country, a
    tariff equivalent) or ``"none"`` (the rent is dissipated in queues, paperwork and rent
    seeking: it employs the importing country's workers and produces nothing). None takes the
    scenario's ``[parameters] quota_rent`` (default ``"exporter"``). ``premium_cap_pct`` caps
    the premium an exporter can charge over its cost (percent; the rest of the rent stays with
    the buyers who get supplies, as under ``"importer"``); it applies to the exporter regime.
    """

    kind: Literal["export_control"] = "export_control"
    exporter: Selector
    importer: Selector = "*"
    sectors: Selector = "*"
    ban: bool | None = None
    tax_pct: Number | None = None
    quota_pct_of_baseline: Number | None = None
    rent: RentRegime | None = None
    premium_cap_pct: Number | None = Field(default=None, ge=0.0)

    @model_validator(mode="after")
    def _one_instrument(self) -> ExportControl:
        given = [
            k for k in ("ban", "tax_pct", "quota_pct_of_baseline") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "an export_control needs exactly one of ban, tax_pct, quota_pct_of_baseline "
                f"(got {given or 'none'})"
            )
        if self.tax_pct is not None and self.tax_pct <= -100:
            raise ValueError(f"tax_pct = {self.tax_pct}: an export tax must be above -100%")
        q = self.quota_pct_of_baseline
        if q is not None and not 0 < q <= 100:
            raise ValueError(
                f"quota_pct_of_baseline = {q}: a quota must be above 0 and at most 100 "
                "(percent of the baseline quantity; use ban = true for zero)"
            )
        if q is None and (self.rent is not None or self.premium_cap_pct is not None):
            raise ValueError("rent and premium_cap_pct apply to a quota (quota_pct_of_baseline)")
        if self.premium_cap_pct is not None and self.rent not in (None, "exporter"):
            raise ValueError(
                f"premium_cap_pct caps what the exporter charges; with rent = '{self.rent}' "
                "the exporter charges no premium"
            )
        return self


Policy = Annotated[Tariff | TradeCost | ExportControl, Field(discriminator="kind")]
