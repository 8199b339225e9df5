"""Turn policies into the engine's shock arrays for a given world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from tradewar.data.world import World
from tradewar.errors import ScenarioError
from tradewar.policy.policies import RENT_REGIMES, ExportControl, Selector, Tariff, TradeCost


def _select(
    selector: Selector,
    valid: tuple[str, ...],
    key: str,
    groups: dict[str, tuple[str, ...]] | None = None,
) -> np.ndarray:
    """Mask over ``valid`` of a selector: codes, ``"*"`` (all) or names of ``groups``."""
    codes = [selector] if isinstance(selector, str) else list(selector)
    if "*" in codes:
        return np.ones(len(valid), dtype=bool)
    mask = np.zeros(len(valid), dtype=bool)
    lookup = {c: k for k, c in enumerate(valid)}
    groups = groups or {}
    for code in codes:
        members = groups.get(code, ()) if code not in lookup else (code,)
        if not members:
            named = f"; groups: {', '.join(groups)}" if groups else ""
            raise ScenarioError(
                f"unknown code '{code}' (valid: {', '.join(valid)}{named}; `tradewar describe "
                "WORLD` lists them with names)",
                key=key,
            )
        for member in members:
            mask[lookup[member]] = True
    return mask


@dataclass(frozen=True)
class PolicyState:
    """All instruments in force, as ``(N, N, J)`` arrays indexed ``[importer, exporter, sector]``.

    Attributes
    ----------
    tariffs
        Ad valorem tariffs (fractions).
    cost_hat
        Iceberg trade-cost changes from the baseline.
    export_tax
        Export taxes (fractions), revenue to the exporter.
    open
        1.0 where trade is allowed, 0.0 where the exporter bans it.
    quota
        Quantity caps as a fraction of the baseline; NaN where there is none.
    quota_rent
        Who earns each quota's rent: an index into `RENT_REGIMES` (0 exporter, 1 importer,
        2 none), or -1 for the scenario's default.
    premium_cap
        The largest premium (fraction) an exporter charges under a quota; ``inf`` for none.
    """

    tariffs: np.ndarray
    cost_hat: np.ndarray
    export_tax: np.ndarray
    open: np.ndarray
    quota: np.ndarray
    quota_rent: np.ndarray | None = None
    premium_cap: np.ndarray | None = None

    @classmethod
    def baseline(cls, tariffs: np.ndarray) -> PolicyState:
        """The baseline: the world's tariffs and nothing else."""
        ones = np.ones_like(tariffs)
        return cls(
            tariffs=np.array(tariffs, dtype=float),
            cost_hat=ones.copy(),
            export_tax=np.zeros_like(ones),
            open=ones.copy(),
            quota=np.full_like(ones, np.nan),
            quota_rent=np.full(ones.shape, -1, dtype=np.int8),
            premium_cap=np.full_like(ones, np.inf),
        )

    def rent_regimes(self, default: str = "exporter") -> np.ndarray:
        """``(N, N, J)`` regime index of every cell, the scenario's ``default`` where unset."""
        code = RENT_REGIMES.index(default)
        if self.quota_rent is None:
            return np.full(self.quota.shape, code, dtype=np.int8)
        return np.where(self.quota_rent < 0, code, self.quota_rent).astype(np.int8)

    def caps(self) -> np.ndarray:
        """``(N, N, J)`` premium caps (fractions; ``inf`` where none)."""
        if self.premium_cap is None:
            return np.full(self.quota.shape, np.inf)
        return self.premium_cap

    @property
    def has_export_controls(self) -> bool:
        """True if any export tax, ban or quota is in force."""
        return bool(
            np.any(self.export_tax != 0)
            or np.any(self.open == 0)
            or np.any(np.isfinite(self.quota))
        )


def policy_mask(world: World, policy: Tariff | TradeCost | ExportControl, key: str) -> np.ndarray:
    """Boolean ``(N, N, J)`` mask of the importer-exporter-sector cells a policy touches."""
    imp = _select(policy.importer, world.countries, f"{key}.importer")
    exp = _select(policy.exporter, world.countries, f"{key}.exporter")
    sec = _select(policy.sectors, world.sectors, f"{key}.sectors", world.sector_groups)
    mask = imp[:, None, None] & exp[None, :, None] & sec[None, None, :]
    return mask & ~np.eye(world.n_countries, dtype=bool)[:, :, None]


def apply_policies(
    world: World,
    policies: Sequence[Tariff | TradeCost | ExportControl],
    state: PolicyState,
    key_prefix: str = "policy",
) -> PolicyState:
    """Apply ``policies`` in order on top of ``state``; returns a new state.

    Raises `ScenarioError` naming the policy key for unknown codes, unknown tariff tables or
    tariffs that end at or below -100%.
    """
    # Copy on write: an instrument no policy touches stays the same array as in ``state``, so
    # the steps of a timeline share what they do not change (states are never written in place).
    arrays = {
        "tariffs": state.tariffs,
        "cost_hat": state.cost_hat,
        "export_tax": state.export_tax,
        "open": state.open,
        "quota": state.quota,
        "quota_rent": state.quota_rent
        if state.quota_rent is not None
        else np.full(state.quota.shape, -1, dtype=np.int8),
        "premium_cap": state.premium_cap
        if state.premium_cap is not None
        else np.full(state.quota.shape, np.inf),
    }
    copied: set[str] = set()

    def writable(name: str) -> np.ndarray:
        if name not in copied:
            arrays[name] = arrays[name].copy()
            copied.add(name)
        return arrays[name]

    for k, policy in enumerate(policies):
        key = f"{key_prefix}[{k}]"
        mask = policy_mask(world, policy, key)
        if isinstance(policy, Tariff):
            tariffs = writable("tariffs")
            if policy.set_pct is not None:
                tariffs[mask] = policy.set_pct / 100.0
            elif policy.add_pct is not None:
                covered = _coverage(world, policy.exempt_pct, f"{key}.exempt_pct")
                step = policy.add_pct / 100.0 * covered[None, None, :]
                tariffs[mask] = tariffs[mask] + np.broadcast_to(step, tariffs.shape)[mask]
            else:
                label = str(policy.set_from)
                if label not in world.tariff_tables:
                    available = ", ".join(world.tariff_tables) or "none"
                    raise ScenarioError(
                        f"world '{world.name}' has no tariff table '{label}' "
                        f"(tariffs_{label}.csv); available: {available}",
                        key=f"{key}.set_from",
                    )
                tariffs[mask] = world.tariff_tables[label][mask]
            if np.any(tariffs[mask] <= -1.0):
                raise ScenarioError("the resulting tariff is at or below -100%", key=key)
        elif isinstance(policy, TradeCost):
            cost_hat = writable("cost_hat")
            cost_hat[mask] = cost_hat[mask] * policy.cost_factor
        elif policy.ban is not None:
            writable("open")[mask] = 0.0 if policy.ban else 1.0
            # A ban supersedes an earlier quota on the same flows; lifting ends both.
            _clear_quota(mask, writable)
            if not policy.ban:
                writable("export_tax")[mask] = 0.0
        elif policy.tax_pct is not None:
            writable("export_tax")[mask] = policy.tax_pct / 100.0
            _clear_quota(mask, writable)
        else:
            writable("quota")[mask] = float(policy.quota_pct_of_baseline or 0.0) / 100.0
            regime = -1 if policy.rent is None else RENT_REGIMES.index(policy.rent)
            writable("quota_rent")[mask] = regime
            cap = np.inf if policy.premium_cap_pct is None else policy.premium_cap_pct / 100.0
            writable("premium_cap")[mask] = cap
    return replace(state, **arrays)


def _coverage(world: World, exempt_pct: dict[str, float] | None, key: str) -> np.ndarray:
    """``(J,)`` share of each sector's trade a measure covers, from its exempt percentages."""
    covered = np.ones(world.n_sectors)
    for code, pct in (exempt_pct or {}).items():
        if code not in world.sectors:
            raise ScenarioError(
                f"unknown sector '{code}' (valid: {', '.join(world.sectors)})", key=f"{key}.{code}"
            )
        covered[world.sectors.index(code)] = 1.0 - pct / 100.0
    return covered


def _clear_quota(mask: np.ndarray, writable) -> None:
    """Lift the quotas of the cells in ``mask`` (with their rent regimes and caps)."""
    writable("quota")[mask] = np.nan
    writable("quota_rent")[mask] = -1
    writable("premium_cap")[mask] = np.inf


def check_bans_feasible(world: World, state: PolicyState, pi: np.ndarray, key: str) -> None:
    """Raise `ScenarioError` if a ban in ``state`` leaves an importer with no source."""
    check_open_feasible(world, state.open, pi, key)


def check_open_feasible(world: World, is_open: np.ndarray, pi: np.ndarray, key: str) -> None:
    """Raise `ScenarioError` if bans leave an importer with no source for goods it buys.

    ``pi`` is the baseline ``(N, N, J)`` expenditure-share array and ``is_open`` the
    ``(N, N, J)`` mask of flows still allowed (1) or banned (0). A sector an importer spends on
    must keep at least one open source with a positive baseline share: the CES price index of a
    bundle with no supplier is infinite, whatever the elasticities.
    """
    buys = pi.sum(axis=1) > 0
    left = (pi * is_open).sum(axis=1)
    bad = np.argwhere(buys & (left <= 0))
    if bad.size:
        n, j = bad[0]
        banned = [
            world.countries[i] for i in np.flatnonzero((is_open[n, :, j] == 0) & (pi[n, :, j] > 0))
        ]
        raise ScenarioError(
            f"infeasible ban: {world.countries[n]} buys sector {world.sectors[j]} only from "
            f"{', '.join(banned)} in the baseline, so banning that flow leaves it no source and "
            "no substitute (its price would be infinite); ban fewer flows or use a quota or tax",
            key=key,
        )
