"""Scenarios: a world, a model and policies, optionally as a dated timeline (docs/formats.md)."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from tradewar.errors import ScenarioError
from tradewar.policy.chokepoints import (
    HORIZONS,
    ONE_YEAR_ELASTICITY,
    ChokepointSettings,
    Elasticities,
    Horizon,
    HorizonParameters,
    Wages,
)
from tradewar.policy.policies import RENT_REGIMES, Policy, RentRegime
from tradewar.policy.uncertainty import UncertaintySettings
from tradewar.registry import ModelName

if TYPE_CHECKING:
    from tradewar.data.world import World

#: Models a scenario may name, and those this version can solve.


class Step(BaseModel):
    """One dated step of a timeline; its policies apply on top of all earlier steps.

    ``in_force = false`` marks a step that was announced but never applied (a counterfactual
    branch): it is solved and reported like the others, and a backtest takes the step before it
    for the dates it covers (docs/backtest.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    label: str
    source: str = ""
    policy: list[Policy] = Field(default_factory=list)
    in_force: bool = True


class SolverSettings(BaseModel):
    """Optional ``[solver]`` table of a scenario (see `tradewar.SolverOptions`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    tol: float = Field(default=1e-10, gt=0.0, lt=1.0)
    max_iterations: int = Field(default=500, ge=1, le=1_000_000)


Elasticity = float | dict[str, float]


class CESSettings(BaseModel):
    """The ``[ces]`` table of a ``ces-network`` scenario.

    ``critical`` lists the input sectors of the critical nest. Each elasticity is a number for
    every using sector, or a table of using-sector codes with an optional ``"*"`` default
    (e.g. ``{"*" = 1.0, C17 = 0.1}``). All ones is the Cobb–Douglas ``caliendo-parro`` model.
    ``critical_dependence`` (same form, in (0, 1], default 1) is the share of each using
    sector's output that depends on the critical bundle (the rest of the sector buys none of
    it; docs/ces_network.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    critical: list[str] = Field(default_factory=list)
    sigma_top: Elasticity = 1.0
    sigma_materials: Elasticity = 1.0
    sigma_critical: Elasticity = 1.0
    critical_dependence: Elasticity = 1.0


class ArmingtonSettings(BaseModel):
    """The ``[armington]`` table: margins of the one-sector model (Ignatenko et al. 2025).

    Every default switches its margin off, leaving the plain ``armington`` model.

    ``labour_supply_elasticity`` (kappa): employment responds to the real after-tax wage.
    ``scale_elasticity`` (psi): costs fall with employment, ``c_hat = w_hat L_hat^(-psi)``.
    ``local_margin`` (nu): share of each country's spending kept by its own workers (a number
    for all, or a table by country code with an optional ``"*"`` default), in [0, 1).
    ``pass_through`` (phi~): tariff pass-through parameter; each importer's exponent is
    ``phi_n = phi~ - 1 + (1 + psi) / (1 - nu_n) - psi`` (1 with no margins).
    ``revenue``: ``"lump_sum"`` (rebated to households) or ``"income_tax_relief"`` (replaces an
    equal-yield labour-income tax). ``numeraire``: ``"world_value_added"``,
    ``"world_price_index"`` (ILMS: the spending-weighted mean consumer price is fixed) or
    ``"world_wage"`` (the income-weighted mean wage is fixed, ILMS's input-output variant).
    ``roundabout_labour_share`` (beta): below one, a roundabout input-output economy in which
    producers buy intermediates at the consumer price and labour earns ``beta`` of gross output
    (domestic flows are scaled to gross output).
    ``dropped_market``: the country whose labour-income equation the numeraire replaces (default
    the last); it matters only when transfers do not sum to zero, as in a quirk of ILMS's
    Table 10 (see docs/ilms2025.md). ``remove_imbalance_with``: a country code; every transfer
    loses its bilateral imbalance with that country, whose own transfer becomes zero (ILMS's
    "balanced trade" cases). Those transfers need not sum to zero: then the scenario must name
    ``dropped_market``, the equation that absorbs the gap.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    labour_supply_elasticity: float = Field(default=0.0, ge=0.0)
    scale_elasticity: float = Field(default=0.0, ge=0.0, lt=1.0)
    local_margin: float | dict[str, float] = 0.0
    pass_through: float = Field(default=1.0, gt=0.0)
    revenue: Literal["lump_sum", "income_tax_relief"] = "lump_sum"
    numeraire: Literal["world_value_added", "world_price_index", "world_wage"] = "world_value_added"
    roundabout_labour_share: float = Field(default=1.0, gt=0.0, le=1.0)
    dropped_market: str | None = None
    remove_imbalance_with: str | None = None

    @property
    def active(self) -> bool:
        """True if any margin differs from the plain model."""
        return self != ArmingtonSettings()


class ParameterOverrides(BaseModel):
    """The ``[parameters]`` table: the world's parameters as this scenario sets them.

    ``theta`` replaces the trade elasticities: one number for every sector, or a table by
    sector code with an optional ``"*"`` default. (The nest elasticities of ``ces-network``
    are set in ``[ces]``, the margins of the one-sector model in ``[armington]``.)
    ``quota_rent`` says who earns the scarcity rent of a quota that does not say so itself:
    ``"exporter"`` (the default), ``"importer"`` or ``"none"`` (`tradewar.ExportControl`).

    ``elasticities`` (``"long-run"``, the world's own, or ``"one-year"``) and ``wages``
    (``"flexible"`` or ``"sticky"``) default to the scenario's ``horizon``. One-year
    elasticities are the world's (or ``theta``'s) scaled by one factor so that their
    trade-weighted harmonic mean is ``one_year_elasticity`` (default 0.76, Boehm, Levchenko and
    Pandalai-Nayar 2023). Sticky wages cannot fall by more than ``wage_floor_pct`` percent.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    theta: float | dict[str, float] | None = None
    quota_rent: RentRegime = "exporter"
    elasticities: Elasticities | None = None
    one_year_elasticity: float = Field(default=ONE_YEAR_ELASTICITY, gt=0.0, le=100.0)
    wages: Wages | None = None
    wage_floor_pct: float = Field(default=0.0, ge=0.0, lt=100.0)


class Scenario(BaseModel):
    """A validated scenario.

    ``focus`` optionally names the two countries a report compares (default: the most frequent
    parties of the policies). ``horizon`` (``short``, ``medium`` or ``long``, the default) is
    how long the equilibrium stands for: it sets trade elasticities, wages and supply limits
    (`tradewar.policy.chokepoints.HORIZONS`). ``parameters`` (the ``[parameters]`` table)
    overrides the world's parameters, e.g. its trade elasticities. ``policy`` lists
    policies applied before any step. Without steps the scenario has one step, "policy",
    holding them; with steps, each step's results are relative to the baseline and include the
    top-level policies and every earlier step's policies. ``uncertainty`` (the
    ``[uncertainty]`` table) says which parameters ``tradewar uncertainty`` draws.
    ``observations`` names the observations file ``tradewar backtest`` holds the scenario
    against (a path relative to the scenario file; docs/backtest.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str
    world: str
    model: ModelName = "caliendo-parro"
    deficits: Literal["keep", "zero"] = "keep"
    horizon: Horizon = "long"
    description: str = ""
    policy: list[Policy] = Field(default_factory=list)
    step: list[Step] = Field(default_factory=list)
    solver: SolverSettings = SolverSettings()
    ces: CESSettings = CESSettings()
    chokepoints: ChokepointSettings = ChokepointSettings()
    armington: ArmingtonSettings = ArmingtonSettings()
    parameters: ParameterOverrides = ParameterOverrides()
    focus: list[str] = Field(default_factory=list)
    uncertainty: UncertaintySettings | None = None
    observations: str | None = None
    _source: str | None = PrivateAttr(default=None)

    @property
    def source_file(self) -> str | None:
        """The TOML file this scenario was read from (None if built in Python)."""
        return self._source

    def with_horizon(self, horizon: str) -> Scenario:
        """The scenario over another horizon, its other settings kept.

        The horizon replaces the scenario's and the ``[chokepoints]`` table's (whose other
        numbers stay); explicit ``[parameters] elasticities`` and ``wages`` keep their values.
        Raises `ScenarioError` (key ``horizon``) for a name that is not a horizon.
        """
        if horizon not in HORIZONS:
            raise ScenarioError(
                f"unknown horizon '{horizon}' (use short, medium or long)", key="horizon"
            )
        data = {**self.chokepoints.model_dump(exclude_unset=True), "horizon": horizon}
        settings = ChokepointSettings.model_validate(data)
        copy = self.model_copy(update={"chokepoints": settings, "horizon": horizon})
        copy._source = self._source
        return copy

    def with_quota_rent(self, rent: str) -> Scenario:
        """The scenario with another ``[parameters] quota_rent`` (who earns quota rents).

        Raises `ScenarioError` (key ``parameters.quota_rent``) for an unknown regime.
        """
        if rent not in RENT_REGIMES:
            raise ScenarioError(
                f"unknown quota rent '{rent}' (use {', '.join(RENT_REGIMES)})",
                key="parameters.quota_rent",
            )
        return self._with_parameters(quota_rent=rent)

    def with_one_year_elasticity(self, value: float) -> Scenario:
        """The scenario with another ``[parameters] one_year_elasticity``.

        The short and medium horizons use it (`ParameterOverrides`). Raises `ScenarioError`
        (key ``parameters.one_year_elasticity``) for a value outside (0, 100].
        """
        if not 0.0 < value <= 100.0:
            raise ScenarioError(
                f"one-year elasticity {value} outside (0, 100]",
                key="parameters.one_year_elasticity",
            )
        return self._with_parameters(one_year_elasticity=value)

    def _with_parameters(self, **update: object) -> Scenario:
        """The scenario with ``[parameters]`` entries replaced (already validated)."""
        parameters = self.parameters.model_copy(update=update)
        copy = self.model_copy(update={"parameters": parameters})
        copy._source = self._source
        return copy

    def as_of(self, k: int) -> Scenario:
        """A one-step scenario: the policy in force at step ``k`` solved from the baseline.

        Its single step holds the scenario-wide policy, the policy of every earlier step in
        force (``in_force = false`` steps count only as of their own date) and step ``k``'s, so
        solving it gives step ``k`` of the timeline (the timeline's warm starts aside).
        """
        if not 0 <= k < len(self.step):
            raise ScenarioError(f"no step {k} (the scenario has {len(self.step)})", key="step")
        step = self.step[k]
        enacted = [s for s in self.step[:k] if s.in_force]
        policy = [*self.policy, *(p for s in [*enacted, step] for p in s.policy)]
        copy = self.model_copy(
            update={
                "name": f"{self.name}: as of {step.date or k} ({step.label})",
                "policy": [],
                "step": [step.model_copy(update={"policy": policy, "in_force": True})],
            }
        )
        copy._source = self._source
        return copy

    def chokepoint_settings(self) -> ChokepointSettings:
        """The ``[chokepoints]`` table with its horizon resolved (the scenario's by default)."""
        return self.chokepoints.following(self.horizon)

    def horizon_parameters(self) -> HorizonParameters:
        """The numbers of the scenario's horizon with every override applied.

        Supply limits from `chokepoint_settings`; trade elasticities and wages from
        ``[parameters]`` where set, else from the scenario's ``horizon``.
        """
        limits = self.chokepoint_settings().parameters()
        base = HORIZONS[self.horizon]
        return replace(
            limits,
            elasticities=self.parameters.elasticities or base.elasticities,
            wages=self.parameters.wages or base.wages,
        )

    def steps(self) -> list[tuple[Step, str]]:
        """The steps to solve, each with the key prefix of its policies (for error messages).

        Without a timeline: one step, "policy", holding the top-level policies. With one: the
        dated steps; the top-level policies are then applied once, before the first step.
        """
        if not self.step:
            return [
                (Step(date=dt.date.today(), label="policy", policy=list(self.policy)), "policy")
            ]
        return [(s, f"step[{k}].policy") for k, s in enumerate(self.step)]


def per_code(
    codes: tuple[str, ...],
    value: float | dict[str, float],
    key: str,
    default: float | np.ndarray,
    what: str = "sector",
) -> np.ndarray:
    """Expand a scenario value given per code into an array over ``codes``.

    ``value`` is one number for every code, or a table by code whose optional ``"*"`` entry
    replaces ``default`` (a number or an array over ``codes``). Unknown codes raise
    `ScenarioError` naming ``key.CODE``.
    """
    if not isinstance(value, dict):
        return np.full(len(codes), float(value))
    out = np.empty(len(codes))
    out[:] = float(value["*"]) if "*" in value else default
    for code, entry in value.items():
        if code == "*":
            continue
        if code not in codes:
            raise ScenarioError(f"unknown {what} '{code}'", key=f"{key}.{code}")
        out[codes.index(code)] = float(entry)
    return out


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("tariff", "trade_cost", "export_control"):
            continue  # discriminator tag inserted by pydantic
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_error(exc: ValidationError, file: str | None) -> ScenarioError:
    """The first pydantic error of a TOML file as a `ScenarioError` naming the key."""
    err = exc.errors()[0]
    message = err["msg"]
    inner = err.get("ctx", {}).get("error")
    if isinstance(inner, ScenarioError):  # a policy validated by its own constructor
        key = ".".join(k for k in (_loc(tuple(err["loc"])), inner.key or "") if k)
        return ScenarioError(inner.reason, file=file, key=key.replace(".[", "["))
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] == "missing":
        message = "required key is missing"
    elif err["type"] == "union_tag_invalid":
        kind = err.get("input", {}).get("kind")
        message = f"unknown policy kind {kind!r}; use tariff, trade_cost or export_control"
    elif err["type"] == "union_tag_not_found":
        message = "policy needs a 'kind' (tariff, trade_cost or export_control)"
    return ScenarioError(
        message.removeprefix("Value error, "), file=file, key=_loc(tuple(err["loc"]))
    )


def read_toml(path: str | os.PathLike[str], what: str) -> tuple[Path, dict]:
    """Read a TOML file; a missing file or malformed TOML is a `ScenarioError` naming it."""
    if not isinstance(path, (str, os.PathLike)):
        from tradewar.errors import ArgumentError, describe_value

        raise ArgumentError("path", f"must be a {what} file path, not {describe_value(path)}")
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return p, tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"no such {what} file", file=str(p)) from None
    except IsADirectoryError:
        raise ScenarioError(f"is a folder, not a {what} file", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text (byte {exc.start}): TOML files must be UTF-8", file=str(p)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"malformed TOML: {exc}", file=str(p)) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot be read: {_os_reason(exc)}", file=str(p)) from None


def read_toml_table(path: str | os.PathLike[str], table: str, model: type[BaseModel]) -> Any:
    """The ``[table]`` of a TOML file validated as ``model``.

    A missing file or table, or a bad value, is a `ScenarioError` naming the file and the key
    (``table.field``).
    """
    p, data = read_toml(path, table)
    content = data.get(table)
    if not isinstance(content, dict):
        raise ScenarioError(f"no [{table}] table", file=str(p), key=table)
    try:
        return model.model_validate(content)
    except ValidationError as exc:
        err = validation_error(exc, str(p))
        raise ScenarioError(err.reason, file=str(p), key=f"{table}.{err.key}") from None


def _os_reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def parse_scenario(data: dict, file: str | None = None) -> Scenario:
    """Validate a scenario given as a dict (e.g. parsed TOML).

    Parameters
    ----------
    data
        The scenario's tables and keys, as a TOML file holds them.
    file
        The file it came from, for error messages (and relative world paths).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        Naming the key that is wrong.
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, file) from None
    dates = [s.date for s in scenario.step]
    for k in range(1, len(dates)):
        if dates[k] < dates[k - 1]:
            raise ScenarioError(
                f"steps must be in date order: {dates[k]} comes after {dates[k - 1]}",
                file=file,
                key=f"step[{k}].date",
            )
    return scenario


def resolve_world(world: object, base: Path) -> object:
    """A scenario's ``world`` value: a bundled name stays, a path is taken relative to ``base``.

    ``base`` is the folder of the file that names the world. A name that is neither bundled
    nor a folder next to the file raises `ScenarioError` naming both places looked at.
    """
    from tradewar.datasets import is_dataset

    if not isinstance(world, str) or is_dataset(world):
        return world
    path = Path(world)
    candidate = path if path.is_absolute() else (base / path)
    try:
        found = candidate.is_dir()
    except (OSError, ValueError):
        found = False
    if not found:
        raise ScenarioError(
            f"no such world package or bundled dataset '{world}' (run `tradewar datasets` for "
            f"the bundled names; a path is taken relative to the scenario file: {candidate})",
            key="world",
        )
    return str(candidate.resolve())


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario TOML file.

    A ``world`` that is not a bundled name is a path relative to the scenario file.

    Parameters
    ----------
    path
        The scenario file (docs/formats.md).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        For a missing file, malformed TOML, unknown keys or bad values (naming the key).
    """
    p, data = read_toml(path, "scenario")
    try:
        data = {**data, "world": resolve_world(data.get("world"), p.parent)}
    except ScenarioError as exc:
        raise ScenarioError(exc.reason, file=str(p), key=exc.key) from None
    if isinstance(data.get("observations"), str) and not Path(data["observations"]).is_absolute():
        data["observations"] = str(p.parent / data["observations"])
    scenario = parse_scenario(data, file=str(p))
    scenario._source = str(p)
    return scenario


def focus_countries(scenario: Scenario, world: World) -> list[str]:
    """The two countries a scenario is about: the most frequent parties of its policies."""
    counts: Counter[str] = Counter()
    policies = list(scenario.policy) + [p for s in scenario.step for p in s.policy]
    for policy in policies:
        for field in ("importer", "exporter"):
            value = getattr(policy, field)
            for code in [value] if isinstance(value, str) else value:
                if code != "*":
                    counts[code] += 1
    chosen = [c for c, _ in counts.most_common() if c in world.countries][:2]
    for code in world.countries:
        if len(chosen) >= 2:
            break
        if code not in chosen:
            chosen.append(code)
    return chosen
