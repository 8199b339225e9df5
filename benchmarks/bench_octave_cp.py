"""The authors' Caliendo–Parro (2015) solver under GNU Octave next to tradewar, in one run.

Run: ``python benchmarks/bench_octave_cp.py --cp-code DIR`` where ``DIR`` is the authors'
replication package as unpacked (``Data_and_Codes_CP``, or any folder below which their
``equilibrium_LC.m``, ``PH.m``, ``Dinprime.m``, ``expenditure.m``, ``LMC.m``,
``initial_condition_1993_noS.mat``, ``tariffs1993.txt`` and ``tariffs2005.txt`` lie). The
authors' code is not redistributed with tradewar, so without it — or without ``octave`` on the
PATH — the script prints ``skipped`` and why, and exits 0.

The driver it writes is the NAFTA-only block of the authors' ``CP_counterfactuals.m`` (their
functions unchanged, their ``tol = 1e-7`` and ``vfactor = -0.2``), timed inside Octave with
``tic``/``toc`` (so Octave's start-up and the loading of the data are left out) and as a whole
process. tradewar's figure is the median of seven warm solves of ``scenarios/cp2015_nafta.toml``
after compiling. Both answers are printed side by side: wage changes relative to the United
States' (the normalisation-free comparison), whose largest gap must be within the authors'
tolerance for the timing to count.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NAFTA = ROOT / "scenarios" / "cp2015_nafta.toml"
NEEDED = (
    "equilibrium_LC.m",
    "PH.m",
    "Dinprime.m",
    "expenditure.m",
    "LMC.m",
    "initial_condition_1993_noS.mat",
    "tariffs1993.txt",
    "tariffs2005.txt",
)
# The NAFTA-only counterfactual of the authors' CP_counterfactuals.m: the six directed pairs of
# CAN (5), MEX (20) and USA (30) move to their 2005 tariffs, all else stays at 1993.
DRIVER = """
load initial_condition_1993_noS
tau1993 = importdata('tariffs1993.txt');
tau2005 = importdata('tariffs2005.txt');
tau = [1 + tau1993/100; ones(620, 31)];
taupdata = [1 + tau2005/100; ones(620, 31)];
taup = tau;
for i = 1:J
  for pair = [20 30; 20 5; 30 20; 30 5; 5 30; 5 20]'
    taup(pair(1) + (i-1)*N, pair(2)) = taupdata(pair(1) + (i-1)*N, pair(2));
  end
end
tau_hat = taup ./ tau;
tic;
[wf0 pf0] = equilibrium_LC(tau_hat, taup, alphas, T, B, G, Din, J, N, 1e10, 1e-7, VAn, Sn, -0.2);
seconds = toc;
dlmwrite('wages.txt', wf0, 'precision', 17);
dlmwrite('seconds.txt', seconds, 'precision', 17);
"""


def find_files(code: Path) -> dict[str, Path] | str:
    """The authors' files below ``code``, preferring the main package over its model variants."""
    found: dict[str, Path] = {}
    for name in NEEDED:
        candidates = sorted(
            code.rglob(name),
            key=lambda path: ("across_models" in str(path), "deficit" in str(path), len(str(path))),
        )
        if not candidates:
            return f"{name} is not below {code}"
        found[name] = candidates[0]
    return found


def octave_blas() -> str:
    """The BLAS Octave is linked against, as Octave reports it."""
    probe = subprocess.run(
        ["octave", "--no-gui", "--quiet", "--no-init-file", "--eval", "disp(version('-blas'))"],
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip().splitlines()[0] if probe.stdout.strip() else "unknown"


def octave_run(files: dict[str, Path]) -> tuple[float, float, float, np.ndarray]:
    """Octave's solve time, its whole process, an empty Octave process, and the wage changes."""
    base = ["octave", "--no-gui", "--quiet", "--no-init-file"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, path in files.items():
            shutil.copy(path, work / name)
        (work / "nafta_driver.m").write_text(DRIVER)
        start = time.perf_counter()
        subprocess.run([*base, "--eval", "1;"], check=True, capture_output=True)
        empty = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([*base, "nafta_driver.m"], cwd=work, check=True, capture_output=True)
        whole = time.perf_counter() - start
        solve = float(np.loadtxt(work / "seconds.txt"))
        wages = np.loadtxt(work / "wages.txt", delimiter=",")
    return solve, whole, empty, wages


def tradewar_wages() -> tuple[np.ndarray, list[str]]:
    """Wage changes of the NAFTA scenario and the world's country order."""
    import tradewar as tw

    result = tw.run_scenario(NAFTA)
    return np.asarray(result.steps[-1].outcome.w_hat), list(tw.load_world("cp2015").countries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cp-code", type=Path, default=os.environ.get("TRADEWAR_CP_CODE"))
    parser.add_argument("--smoke", action="store_true", help="The tradewar side only, for CI.")
    args = parser.parse_args()
    if args.smoke:
        wages, countries = tradewar_wages()
        mexico = wages[countries.index("MEX")]
        print(f"tradewar side only: {len(countries)} countries, MEX wage change {mexico:.6f}")
        print("ok")
        return 0
    if shutil.which("octave") is None:
        print("skipped: GNU Octave is not installed (apt-get install octave)")
        return 0
    if args.cp_code is None:
        print("skipped: pass --cp-code DIR (or set TRADEWAR_CP_CODE), the authors' package")
        return 0
    files = find_files(args.cp_code)
    if isinstance(files, str):
        print(f"skipped: the authors' code was not found: {files}")
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_targets import warm_solve_seconds

    ours = warm_solve_seconds(NAFTA)
    solve, whole, empty, their_wages = octave_run(files)
    our_wages, countries = tradewar_wages()
    usa = countries.index("USA")
    gap = np.max(np.abs(their_wages / their_wages[usa] - our_wages / our_wages[usa]))
    print("relative wage changes (to the USA), authors' code | tradewar:")
    for name in ("CAN", "MEX", "CHN", "DEU"):
        i = countries.index(name)
        theirs, ours_i = their_wages[i] / their_wages[usa], our_wages[i] / our_wages[usa]
        print(f"  {name}  {theirs:.6f} | {ours_i:.6f}")
    print(f"largest gap over {len(countries)} countries: {gap:.1e}")
    print(f"Octave's BLAS: {octave_blas()}")
    print(f"authors' solve under Octave (tic/toc): {solve:.1f} s")
    print(f"authors' whole Octave process: {whole:.1f} s (an empty Octave process {empty:.1f} s)")
    print(f"tradewar warm NAFTA solve: {ours:.4f} s")
    verdict = "met" if solve / ours >= 1000 else "MISSED"
    print(f"ratio: {solve / ours:.0f}x the authors' solve (target >= 1000x: {verdict})")
    if gap > 1e-4:
        print("the two answers differ by more than the authors' tolerance allows: not comparable")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
