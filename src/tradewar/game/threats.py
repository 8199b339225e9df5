"""Threat points for bargaining: bilateral Nash tariffs, the baseline, or a scenario step."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradewar.errors import ScenarioError
from tradewar.game.core import TariffGame
from tradewar.game.solvers import nash_tariffs


def threat_tariffs(game: TariffGame, pair: Sequence[str], threat: str) -> np.ndarray:
    """Tariffs of the threat point.

    ``"nash"``: the two countries' bilateral Nash tariffs (everyone else at baseline);
    ``"baseline"``: the world's tariffs; ``"SCENARIO.toml#LABEL"``: the tariffs in force at the
    step with that label (the scenario must use the same world).
    """
    if threat == "nash":
        return nash_tariffs(game, list(pair), against="players").tariffs
    if threat == "baseline":
        return game.base_tau.copy()
    path, _, label = threat.partition("#")
    from tradewar.api import run_scenario
    from tradewar.policy.scenario import load_scenario

    scenario = load_scenario(path)
    if scenario.world != game.world.name:
        raise ScenarioError(
            f"the threat scenario uses world '{scenario.world}', the game '{game.world.name}'",
            key="threat",
        )
    result = run_scenario(scenario, world=game.world)
    labels = [s.label for s in result.steps]
    if label and label not in labels:
        raise ScenarioError(f"no step '{label}'; steps: {', '.join(labels)}", key="threat")
    step = result.steps[labels.index(label)] if label else result.steps[-1]
    return np.array(step.outcome.tariffs_after)
