"""Write world packages (docs/formats.md), whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewar.data.world import World


def write_world(
    world: World,
    directory: str | os.PathLike[str],
    fmt: str = "csv",
    *,
    force: bool = False,
) -> Path:
    """Write ``world`` as a world package, whole or not at all.

    Parameters
    ----------
    world
        The world to write.
    directory
        Target folder: new, empty, or a world package tradewar wrote (replaced whole). A folder
        holding other files is refused (`tradewar.OutputError`) unless ``force``.
    fmt
        ``"csv"`` or ``"parquet"`` for the large tables (flows, tariffs, intermediates).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    from tradewar.folders import write_folder

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")

    def fill(tmp: Path) -> dict[str, Any]:
        _write_files(world, tmp, fmt)
        return {"kind": "world package", "name": world.name, "data_hash": world.data_hash()}

    return write_folder(directory, fill, force=force)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _write_files(world: World, out: Path, fmt: str) -> None:
    meta = {"name": world.name, **{k: v for k, v in world.meta.items() if k != "name"}}
    lines = [f"{k} = {_toml_value(v)}" for k, v in meta.items() if not isinstance(v, dict)]
    (out / "world.toml").write_text("\n".join(lines) + "\n")
    c, s = np.array(world.countries), np.array(world.sectors)
    pd.DataFrame({"country": c, "name": world.country_names}).to_csv(
        out / "countries.csv", index=False
    )
    pd.DataFrame(
        {
            "sector": s,
            "name": world.sector_names,
            "theta": world.theta,
            "tradable": np.where(world.tradable, "true", "false"),
            **(
                {
                    "groups": [
                        " ".join(g for g, members in world.sector_groups.items() if c in members)
                        for c in world.sectors
                    ]
                }
                if world.sector_groups
                else {}
            ),
        }
    ).to_csv(out / "sectors.csv", index=False)

    def save(frame: pd.DataFrame, stem: str, big: bool) -> None:
        if big and fmt == "parquet":
            frame.to_parquet(out / f"{stem}.parquet", index=False)
        else:
            frame.to_csv(out / f"{stem}.csv", index=False, float_format="%.17g")

    n, i, j = np.nonzero(world.flows)
    save(
        pd.DataFrame(
            {"exporter": c[i], "importer": c[n], "sector": s[j], "value": world.flows[n, i, j]}
        ),
        "flows",
        True,
    )
    for label, table in [
        ("", world.tariffs),
        *[(f"_{k}", v) for k, v in world.tariff_tables.items()],
    ]:
        n, i, j = np.nonzero(table)
        save(
            pd.DataFrame(
                {
                    "importer": c[n],
                    "exporter": c[i],
                    "sector": s[j],
                    "tariff_pct": 100.0 * table[n, i, j],
                }
            ),
            f"tariffs{label}",
            True,
        )
    nn, jj = np.indices(world.value_added.shape).reshape(2, -1)
    save(
        pd.DataFrame({"country": c[nn], "sector": s[jj], "value_added": world.value_added[nn, jj]}),
        "value_added",
        False,
    )
    if world.political_weights is not None:
        save(
            pd.DataFrame(
                {"country": c[nn], "sector": s[jj], "weight": world.political_weights[nn, jj]}
            ),
            "political_weights",
            False,
        )
    if world.theta_se is not None:
        known = np.isfinite(world.theta_se)
        save(pd.DataFrame({"sector": s[known], "se": world.theta_se[known]}), "theta_se", False)
    n, k, j = np.nonzero(world.intermediates)
    save(
        pd.DataFrame(
            {
                "country": c[n],
                "input_sector": s[k],
                "using_sector": s[j],
                "value": world.intermediates[n, k, j],
            }
        ),
        "intermediates",
        True,
    )
    save(
        pd.DataFrame({"country": c[nn], "sector": s[jj], "value": world.final_demand[nn, jj]}),
        "final_demand",
        False,
    )
