"""Policies and scenarios."""

from tradewar.policy.chokepoints import HORIZONS, ChokepointSettings
from tradewar.policy.policies import ExportControl, Policy, Tariff, TradeCost
from tradewar.policy.scenario import CESSettings, Scenario, Step, load_scenario, parse_scenario
from tradewar.policy.shocks import PolicyState, apply_policies

__all__ = [
    "HORIZONS",
    "CESSettings",
    "ChokepointSettings",
    "ExportControl",
    "Policy",
    "PolicyState",
    "Scenario",
    "Step",
    "Tariff",
    "TradeCost",
    "apply_policies",
    "load_scenario",
    "parse_scenario",
]
