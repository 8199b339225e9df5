"""Bundled scenario files (the TOML files next to this module), found by name.

The same files are the repository's ``scenarios/`` folder. Negotiation configs (files with
``[[player]]`` tables) live here too; `bundled_scenarios` lists only scenarios.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

_ROOT = Path(__file__).parent


def scenario_path(name: str) -> Path:
    """The bundled file ``name`` (stem, without ``.toml``); `KeyError` if there is none."""
    path = _ROOT / f"{name}.toml"
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise KeyError(name)
    return path


def bundled_scenarios() -> list[str]:
    """Names (file stems) of the bundled scenarios, negotiation configs left out."""
    names = []
    for path in sorted(_ROOT.glob("*.toml")):
        with path.open("rb") as fh:
            if "player" not in tomllib.load(fh):
                names.append(path.stem)
    return names


def bundled_negotiations() -> list[str]:
    """Names (file stems) of the bundled negotiation configs."""
    names = []
    for path in sorted(_ROOT.glob("*.toml")):
        with path.open("rb") as fh:
            if "player" in tomllib.load(fh):
                names.append(path.stem)
    return names
