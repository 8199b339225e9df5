"""Scenario fields named by path, as in the TOML file (``parameters.theta.S01``).

A path is names separated by dots, each optionally followed by list indices in brackets. It is
applied to the scenario as a plain dict (``Scenario.model_dump()``), which is then validated
again, so a value the scenario would refuse is refused with the same message.
"""

from __future__ import annotations

import re
from typing import Any

from tradewar.errors import ScenarioError

_PART = re.compile(r"^([A-Za-z_*][A-Za-z0-9_.*-]*?)((?:\[\d+\])*)$")
#: Fields whose value is a number for every code or a table by code (with a "*" default).
_PER_CODE = {
    ("parameters", "theta"),
    ("ces", "sigma_top"),
    ("ces", "sigma_materials"),
    ("ces", "sigma_critical"),
    ("armington", "local_margin"),
}


def parse_path(path: str, key: str) -> list[str | int]:
    """``"step[2].policy[0].add_pct"`` -> ``["step", 2, "policy", 0, "add_pct"]``.

    Raises `ScenarioError` naming ``key`` for a malformed path.
    """
    parts: list[str | int] = []
    for piece in path.split("."):
        match = _PART.match(piece.strip())
        if not match:
            raise ScenarioError(f"'{path}' is not a field path (e.g. policy[0].add_pct)", key=key)
        parts.append(match.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return parts


def set_path(data: dict[str, Any], path: str, value: Any, key: str) -> None:
    """Set the field ``path`` of the scenario dict ``data`` to ``value`` (in place).

    A per-code field (``parameters.theta``, the ``ces`` elasticities,
    ``armington.local_margin``) that holds one number becomes a table
    ``{"*": number, CODE: value}`` when a code is set. Raises `ScenarioError` naming ``key``
    for a path into a list past its end or into a number.
    """
    parts = parse_path(path, key)
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        following = parts[depth + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise ScenarioError(
                    f"'{path}': index [{part}] is past the end (there are {size})", key=key
                )
            node = node[part]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"'{path}': '{part}' is not a table", key=key)
        child = node.get(part)
        prefix = tuple(p for p in parts[: depth + 1] if isinstance(p, str))
        if prefix in _PER_CODE and isinstance(following, str):
            if child is None or isinstance(child, int | float):
                child = {} if child is None else {"*": child}
                node[part] = child
        elif child is None and isinstance(following, str):
            child = {}
            node[part] = child
        elif child is None:
            raise ScenarioError(f"'{path}': '{part}' has no entries", key=key)
        node = child
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise ScenarioError(f"'{path}': index [{last}] is past the end", key=key)
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"'{path}': cannot set '{last}' on a value", key=key)
