"""Read tidy long tables (any source): bilateral sales, and optionally input use and value added.

* flows (required): ``exporter, importer, sector, value``: sales before tariffs, intermediate
  and final use together, domestic sales (exporter = importer) included;
* input use (optional): ``country, input_sector, using_sector, value``: purchases of an input,
  from every origin, by a sector;
* value added (with input use): ``country, sector, value_added``.

Without input use the world is a gravity world: output is all value added and all spending final.
CSV or Parquet; codes are taken in the order they first appear in the flows (exporters first).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tradewar.build.shares import SourceTables
from tradewar.data.tables import read_table, require_nonnegative, scatter
from tradewar.errors import DataError


def read_long(
    flows: str | Path,
    inputs: str | Path | None = None,
    value_added: str | Path | None = None,
    names: dict[str, str] | None = None,
    meta: dict | None = None,
) -> SourceTables:
    """Read long tables into `SourceTables` (see the module docstring).

    Raises
    ------
    DataError
        Naming the file, row and field of a missing column, a value that is not a finite
        non-negative number, an unknown code or a duplicate entry.
    """
    if (inputs is None) != (value_added is None):
        raise DataError(
            "input use and value added come together (both or neither)",
            file=str(inputs or value_added),
        )
    flows_t = read_table(
        _existing(flows), {"exporter": "str", "importer": "str", "sector": "str", "value": "float"}
    )
    require_nonnegative(flows_t, "value")
    countries = tuple(dict.fromkeys([*flows_t["exporter"], *flows_t["importer"]]))
    sectors = tuple(dict.fromkeys(flows_t["sector"]))
    F = scatter(
        flows_t, [("importer", countries), ("exporter", countries), ("sector", sectors)], "value"
    )
    N, J = len(countries), len(sectors)
    if inputs is not None and value_added is not None:
        z_t = read_table(
            _existing(inputs),
            {"country": "str", "input_sector": "str", "using_sector": "str", "value": "float"},
        )
        require_nonnegative(z_t, "value")
        Z = scatter(
            z_t,
            [("country", countries), ("input_sector", sectors), ("using_sector", sectors)],
            "value",
        )
        va_t = read_table(
            _existing(value_added), {"country": "str", "sector": "str", "value_added": "float"}
        )
        VA = scatter(va_t, [("country", countries), ("sector", sectors)], "value_added")
    else:
        Z = np.zeros((N, J, J))
        VA = F.sum(axis=0)  # a gravity world: output is all value added
    final = F.sum(axis=1) - Z.sum(axis=2)
    names = names or {}
    return SourceTables(
        countries=countries,
        country_names=tuple(names.get(c, c) for c in countries),
        sectors=sectors,
        sector_names=sectors,
        flows=F,
        inputs=Z,
        final=final,
        value_added=VA,
        meta={"source": f"long tables: {Path(flows).name}", **(meta or {})},
    )


def _existing(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file", file=str(p))
    return p
