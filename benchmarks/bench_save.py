"""Saving a long timeline: solve, tidy frame and `run --out` folder for 1,000 dated steps.

Prints wall times and peak memory (RSS) for a 1,000-step timeline on the bundled `tiny` world,
each step adding 0.1 points to HOM's tariff on FOR. Run: ``python benchmarks/bench_save.py``.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import tradewar as tw


def main(steps: int = 1000) -> None:
    scenario = tw.parse_scenario(
        {
            "name": "long timeline",
            "world": "tiny",
            "step": [
                {
                    "date": dt.date(2025, 1, 1) + dt.timedelta(days=k),
                    "label": f"step {k}",
                    "policy": [
                        {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 0.1}
                    ],
                }
                for k in range(steps)
            ],
        }
    )
    start = time.perf_counter()
    result = tw.run_scenario(scenario)
    solved = time.perf_counter()
    frame = result.to_frame(detail=True)
    framed = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result.save(Path(tmp) / "out")
    saved = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{steps} steps on tiny: solve {solved - start:.2f} s (incl. compile), "
        f"tidy frame {framed - solved:.2f} s ({len(frame):,} rows), "
        f"save (frame + parquet + manifest) {saved - framed:.2f} s; peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    import sys

    main(steps=5 if "--smoke" in sys.argv[1:] else 1000)
    print("ok")
