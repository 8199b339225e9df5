"""The authors' Caliendo–Parro (2015) code under GNU Octave next to tradewar, in one run.

Run: ``python benchmarks/bench_octave_cp.py --cp-code DIR [--script NAME]`` where ``DIR`` is the
folder of the authors' replication code (their MATLAB files and data, as distributed with the
article) and ``NAME`` the script that solves the NAFTA counterfactual (default
``NAFTA_script``). The authors' code is not redistributed with tradewar, so without it — or
without ``octave`` on the PATH — the script prints ``skipped`` and why, and exits 0.

It times the authors' script (wall clock, one run, Octave's own start-up included and printed
apart) and tradewar's warm NAFTA solve (median of seven, after compiling) and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAFTA = ROOT / "scenarios" / "cp2015_nafta.toml"


def octave_run(code: Path, script: str) -> tuple[float, float]:
    """Wall time of Octave running ``script`` in ``code``, and of Octave doing nothing."""
    base = ["octave", "--no-gui", "--quiet", "--eval"]
    start = time.perf_counter()
    subprocess.run([*base, "1;"], check=True, capture_output=True)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([*base, script], cwd=code, check=True, capture_output=True)
    return time.perf_counter() - start, startup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cp-code", type=Path, default=os.environ.get("TRADEWAR_CP_CODE"))
    parser.add_argument("--script", default="NAFTA_script")
    args = parser.parse_args()
    if shutil.which("octave") is None:
        print("skipped: GNU Octave is not installed (apt-get install octave)")
        return 0
    if args.cp_code is None or not (args.cp_code / f"{args.script}.m").is_file():
        print(
            "skipped: the authors' code was not found; pass --cp-code DIR (or set "
            "TRADEWAR_CP_CODE) with the replication folder holding "
            f"{args.script}.m"
        )
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_targets import warm_solve_seconds

    ours = warm_solve_seconds(NAFTA)
    theirs, startup = octave_run(args.cp_code, args.script)
    print(f"authors' code under Octave: {theirs:.1f} s (of which Octave start-up {startup:.1f} s)")
    print(f"tradewar warm NAFTA solve:  {ours:.4f} s")
    print(f"ratio: {theirs / ours:.0f}x ({(theirs - startup) / ours:.0f}x without Octave start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
