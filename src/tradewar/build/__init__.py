"""Build world packages from your own data (see docs/building_worlds.md).

Readers (`read_oecd_icio`, `read_wiod`, `read_long`, `read_cp_shares`) turn a source into
`SourceTables` or `BaselineShares`; `build_world` goes from a source to a balanced `World`,
with region maps (`region_map`), tariff tables from long files (`tariff_tables_from_long`) and
named elasticities (`theta_for_sectors`); `update_baseline` moves a world to a target year;
`synthetic_world` draws a balanced gravity-shaped world of any size (benchmarks, tests).
"""

from tradewar.build.cpshares import read_cp_shares
from tradewar.build.icio import read_oecd_icio
from tradewar.build.long import read_long
from tradewar.build.regions import region_map
from tradewar.build.shares import (
    Adjustment,
    BaselineShares,
    SourceTables,
    shares_from_tables,
    world_from_baseline,
)
from tradewar.build.synthetic import synthetic_world
from tradewar.build.tariffs import tariff_tables_from_long
from tradewar.build.theta import theta_for_sectors
from tradewar.build.update import Targets, UpdateReport, read_targets, update_baseline
from tradewar.build.wiod import read_wiod
from tradewar.build.world import BuildOptions, BuildReport, aggregate_tables, build_world

__all__ = [
    "Adjustment",
    "BaselineShares",
    "BuildOptions",
    "BuildReport",
    "SourceTables",
    "Targets",
    "UpdateReport",
    "aggregate_tables",
    "build_world",
    "read_cp_shares",
    "read_long",
    "read_oecd_icio",
    "read_targets",
    "read_wiod",
    "region_map",
    "shares_from_tables",
    "synthetic_world",
    "tariff_tables_from_long",
    "theta_for_sectors",
    "update_baseline",
    "world_from_baseline",
]
