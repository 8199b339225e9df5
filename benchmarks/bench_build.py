"""Building a world from a full-size OECD ICIO table: reading, calibrating, writing.

Writes a synthetic table in the published layout with the 2023 edition's size (77 economies
with China and Mexico split into four blocks = 81 row blocks x 50 industries: 4,050 rows and
4,050 + 486 + 1 columns), then times `tradewar build-world` steps. Run:
``python benchmarks/bench_build.py``, or ``--smoke`` (8 row blocks x 3 industries) as
the tests run it, so the script cannot rot.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.mrio_files import write_icio
from tradewar.build import build_world, read_oecd_icio
from tradewar.data.write import write_world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="A tiny run, for CI.")
    smoke = parser.parse_args().smoke
    split = ("CN1", "CN2", "CHN", "MX1", "MX2", "MEX", "ROW", "USA")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    extra = 0 if smoke else 73
    codes = (f"Z{letters[k // 26]}{letters[k % 26]}" for k in range(extra))  # no real ISO3 code
    countries = (*codes, *split)
    industries = tuple(f"C{k}" for k in range(10, 13 if smoke else 60))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "2020.csv"
        start = time.perf_counter()
        write_icio(path, countries=countries, industries=industries)
        size = path.stat().st_size / 1e6
        print(
            f"wrote a {size:.0f} MB ICIO-layout CSV ({len(countries) * len(industries)} rows) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        tables = read_oecd_icio(path)
        print(
            f"read: {time.perf_counter() - start:.1f} s ({len(tables.countries)} countries x "
            f"{len(tables.sectors)} sectors after merging)"
        )
        start = time.perf_counter()
        world, report = build_world("oecd-icio", path, name="icio-bench", theta="cp2015")
        print(
            f"read + calibrate: {time.perf_counter() - start:.1f} s; balancing moved wages by "
            f"{100 * report.max_wage_change:.2g}%"
        )
        start = time.perf_counter()
        write_world(world, Path(tmp) / "world", fmt="parquet")
        print(f"write package: {time.perf_counter() - start:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")
    print("ok")


if __name__ == "__main__":
    main()
