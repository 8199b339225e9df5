"""Negotiation dynamics: dated rounds of tariffs, pressure, offers and deals."""

from tradewar.dynamics.config import NegotiationConfig, load_negotiation, parse_negotiation
from tradewar.dynamics.simulate import NegotiationResult, simulate
from tradewar.dynamics.strategies import Action, Strategy, View, make_strategy

__all__ = [
    "Action",
    "NegotiationConfig",
    "NegotiationResult",
    "Strategy",
    "View",
    "load_negotiation",
    "make_strategy",
    "parse_negotiation",
    "simulate",
]
