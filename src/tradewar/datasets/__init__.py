"""Bundled world packages, shipped inside the package (nothing is downloaded at run time).

Each dataset is a folder next to this file with a ``world.toml`` giving its source, citation and
licence; `list_datasets` reads those.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).parent


def _folders() -> dict[str, Path]:
    out = {}
    for path in sorted(_ROOT.iterdir()):
        if path.is_dir() and (path / "world.toml").exists():
            out[path.name] = path
    return out


def is_dataset(name: str) -> bool:
    """True if ``name`` is a bundled dataset (and not a path)."""
    return name in _folders()


def dataset_path(name: str) -> Path:
    """Folder of the bundled dataset ``name``."""
    folders = _folders()
    if name not in folders:
        raise KeyError(f"unknown dataset '{name}'; bundled: {', '.join(folders)}")
    return folders[name]


def list_datasets() -> list[dict[str, Any]]:
    """Name, description, year, unit, size, source and licence of every bundled world.

    Returns
    -------
    list of dict
        One dict per bundled world (``name``, ``description``, ``year``, ``unit``,
        ``countries``, ``sectors``, ``source``, ``license``, ...), in name order.
    """
    rows = []
    for name, path in _folders().items():
        with (path / "world.toml").open("rb") as fh:
            meta = tomllib.load(fh)
        rows.append(
            {
                "name": name,
                "description": meta.get("description", ""),
                "year": meta.get("year"),
                "unit": meta.get("unit", ""),
                "countries": meta.get("countries"),
                "sectors": meta.get("sectors"),
                "source": meta.get("source", ""),
                "citation": meta.get("citation", ""),
                "license": meta.get("license", ""),
            }
        )
    return rows
