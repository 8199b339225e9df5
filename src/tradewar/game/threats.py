"""Threat points for bargaining: bilateral Nash tariffs, the baseline, or a scenario step."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
    from tradewar.engine.scenario import scenario_step
    from tradewar.policy.scenario import load_scenario

    step = scenario_step(load_scenario(path), game.world, label or None, key="threat")
    return np.array(step.outcome.tariffs_after)
