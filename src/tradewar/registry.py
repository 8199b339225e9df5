"""The models tradewar solves: one registry the schemas, the command line and the engine read.

Each model is a line here: its name, the module that holds its `MODEL` object (a
`tradewar.engine.EngineModel`, imported on first use) and a one-line description. A plug-in
model is one module and one call to `register_model`; scenarios, games, negotiations, the
command line and the web app's job schema then accept its name.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from tradewar.errors import ScenarioError

#: The modules of the bundled models, by name.
_BUILTIN_MODULES: dict[str, str] = {
    "armington": "tradewar.engine.armington",
    "caliendo-parro": "tradewar.engine.caliendo_parro",
    "ces-network": "tradewar.engine.ces_network",
    "ossa": "tradewar.engine.ossa",
}
_MODULES: dict[str, str] = dict(_BUILTIN_MODULES)
_LOCK = threading.Lock()

#: Every model with a one-line description (the bundled ones, then plug-ins as registered).
MODELS: dict[str, str] = {
    "armington": "one sector per country-sector, gross output is value added (gravity; "
    "Ignatenko et al. 2025 with [armington] margins)",
    "caliendo-parro": "input-output linkages (Caliendo and Parro 2015), the default",
    "ces-network": "nested CES production with a low-substitution critical input",
    "ossa": "Ossa (2014): profits and political-economy weights",
}
#: The models that ship with tradewar.
BUILTIN_MODELS: tuple[str, ...] = tuple(_BUILTIN_MODULES)

#: Default tolerance of Nash searches (largest tariff change over a round, percentage points).
NASH_TOL_PCT = 0.1


def register_model(name: str, module: str, description: str) -> None:
    """Make the model in ``module`` (its ``MODEL`` object) available as ``name``.

    Parameters
    ----------
    name
        The name scenarios and the JSON API will use: lower-case letters, digits and hyphens.
    module
        The importable module holding ``MODEL``, a `tradewar.engine.EngineModel` named ``name``
        (imported when the model is first used).
    description
        One line for the command line's help and the docs.

    Returns
    -------
    None
        The model is available from now on in this process (and in processes that register
        it too: a Dask worker or the web app's job processes import the registry afresh).

    Raises
    ------
    ValueError
        For a malformed name, or a name a bundled model already has.
    """
    if not name or not all(c.islower() or c.isdigit() or c == "-" for c in name):
        raise ValueError(f"model name {name!r} must be lower-case letters, digits and hyphens")
    if name in _BUILTIN_MODULES:
        raise ValueError(f"'{name}' is a bundled model and cannot be replaced")
    with _LOCK:
        _MODULES[name] = module
        MODELS[name] = description


def unregister_model(name: str) -> None:
    """Remove the plug-in model ``name`` (a bundled model cannot be removed; ValueError)."""
    if name in _BUILTIN_MODULES:
        raise ValueError(f"'{name}' is a bundled model and cannot be removed")
    with _LOCK:
        _MODULES.pop(name, None)
        MODELS.pop(name, None)


def check_model(model: str) -> None:
    """Raise `ScenarioError` (key ``model``) naming the valid models if ``model`` is not one."""
    if model not in MODELS:
        raise ScenarioError(
            f"model '{model}' is not available; use one of {', '.join(MODELS)}", key="model"
        )


def model_module(model: str) -> str:
    """The module that holds ``model``'s ``MODEL`` object (`check_model` first)."""
    check_model(model)
    return _MODULES[model]


def _validate_name(value: str) -> str:
    if value not in MODELS:
        raise ValueError(f"model '{value}' is not available; use one of {', '.join(MODELS)}")
    return value


class _Registered:
    """Pydantic validation of a model name against the registry as it is when validating."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            _validate_name, core_schema.str_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["enum"] = list(MODELS)
        return json_schema


#: A model name, as scenarios, games, negotiations and the JSON API spell it: any registered
#: model (its JSON schema lists them as an enum).
ModelName = Annotated[str, _Registered]
