"""The engine layer: models as plug-ins, each building the baseline economy the solver takes.

A model is one module with a `MODEL` object (an `EngineModel`) and one line in
`tradewar.registry`; `get_model` finds it by name, and `economy_for` builds a world's baseline
economy under it for every layer above (scenarios, games, negotiations, the web app), and its
`StepSolver` solves a scenario's steps (`tradewar.engine.steps`).
"""

from __future__ import annotations

from tradewar.engine.models import EngineModel, economy_for, economy_from_world, get_model
from tradewar.engine.steps import StepSolver

__all__ = ["EngineModel", "StepSolver", "economy_for", "economy_from_world", "get_model"]
