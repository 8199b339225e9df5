"""Policies and scenarios."""

from tradewar.policy.policies import Policy, Tariff, TradeCost
from tradewar.policy.scenario import Scenario, Step, load_scenario, parse_scenario
from tradewar.policy.shocks import apply_policies

__all__ = [
    "Policy",
    "Scenario",
    "Step",
    "Tariff",
    "TradeCost",
    "apply_policies",
    "load_scenario",
    "parse_scenario",
]
