"""The models tradewar solves: one registry the schemas, the command line and the errors read."""

from __future__ import annotations

from typing import Literal, get_args

from tradewar.errors import ScenarioError

#: A model name, as scenarios, games, negotiations and the JSON API spell it.
ModelName = Literal["armington", "caliendo-parro", "ces-network", "ossa"]

#: Every model with a one-line description.
MODELS: dict[str, str] = {
    "armington": "one sector per country-sector, gross output is value added (gravity; "
    "Ignatenko et al. 2025 with [armington] margins)",
    "caliendo-parro": "input-output linkages (Caliendo and Parro 2015), the default",
    "ces-network": "nested CES production with a low-substitution critical input",
    "ossa": "Ossa (2014): profits and political-economy weights",
}
assert tuple(MODELS) == get_args(ModelName)

#: Default tolerance of Nash searches (largest tariff change over a round, percentage points).
NASH_TOL_PCT = 0.1


def check_model(model: str) -> None:
    """Raise `ScenarioError` (key ``model``) naming the valid models if ``model`` is not one."""
    if model not in MODELS:
        raise ScenarioError(
            f"model '{model}' is not available; use one of {', '.join(MODELS)}", key="model"
        )
