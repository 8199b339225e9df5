"""A whole `tradewar run` process next to a whole gegravity run, on the same 20-region world.

Run: ``python benchmarks/bench_gegravity.py [--python PATH]`` where ``PATH`` is a Python that has
gegravity installed (default: this one). Without gegravity it prints ``skipped`` and exits 0;
``--smoke`` (as the tests run it) times only the tradewar side, so the script cannot rot.

The world is `wiod2014` aggregated to 19 economies and the rest of the world in one sector,
without tariffs (gegravity has none); the shock raises iceberg costs on US imports from China by
25%, with an elasticity of substitution of 5 (trade elasticity 4). gegravity's OneSectorGE gets
one cost variable calibrated to the flows (``ln(X_ij Y_w / (Y_i E_j))`` with coefficient 1), so
both models start from the same baseline. Each side is timed as a fresh process (imports, data,
solve, results), three times after one untimed run; the best is printed, with a few results.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The 19 economies kept; every other WIOD country goes into RST.
KEEP = (
    "USA",
    "CHN",
    "DEU",
    "JPN",
    "GBR",
    "FRA",
    "ITA",
    "KOR",
    "CAN",
    "MEX",
    "IND",
    "BRA",
    "AUS",
    "ESP",
    "NLD",
    "RUS",
    "TWN",
    "TUR",
    "IDN",
)

SCENARIO = """name = "US iceberg costs on China +25%, 20 regions"
world = "{world}"
model = "armington"
[[policy]]
kind = "trade_cost"
importer = "USA"
exporter = "CHN"
factor = 1.25
"""

GEGRAVITY = """
import json, sys
import numpy as np
import pandas as pd
import gegravity as ge

data = pd.read_csv(sys.argv[1], dtype={"year": str})
baseline = ge.BaselineData(data, trade_var_name="trade", imp_var_name="importer",
                           exp_var_name="exporter", year_var_name="year",
                           output_var_name="Y", expend_var_name="E")
coeffs = ge.CostCoeffs(pd.DataFrame({"var": ["ln_cost"], "coeff": [1.0], "stderr": [0.0]}),
                       identifier_col="var", coeff_col="coeff", stderr_col="stderr")
model = ge.OneSectorGE(baseline, year="2014", reference_importer="DEU", sigma=5.0,
                       expend_var_name="E", output_var_name="Y", cost_variables=["ln_cost"],
                       cost_coeff_values=coeffs, quiet=True)
model.build_baseline(omr_rescale=100)
experiment = model.baseline_data.copy()
cell = (experiment["importer"] == "USA") & (experiment["exporter"] == "CHN")
experiment.loc[cell, "ln_cost"] += (1.0 - 5.0) * np.log(1.25)
model.define_experiment(experiment)
model.simulate()
r = model.country_results
print(json.dumps({c: {"welfare_statistic": float(r.loc[c, "welfare statistic"]),
                      "exports_pct": float(r.loc[c, "foreign exports change (percent)"])}
                  for c in ("USA", "CHN", "MEX")}))
"""


def build_inputs(folder: Path) -> None:
    """Write the 20-region world, the tradewar scenario and gegravity's data into ``folder``."""
    import numpy as np
    import pandas as pd

    import tradewar as tw
    from tradewar.data.world import World

    wiod = tw.load_world("wiod2014")
    regions = {c: (c if c in KEEP else "RST") for c in wiod.countries}
    one = tw.aggregate(wiod, countries=regions, sectors=dict.fromkeys(wiod.sectors, "ALL"))
    flows = one.flows
    n = one.n_countries
    world = World(
        name="gravity20",
        countries=one.countries,
        country_names=one.country_names,
        sectors=("ALL",),
        sector_names=("All goods and services",),
        theta=np.array([4.0]),
        tradable=np.array([True]),
        flows=flows,
        tariffs=np.zeros_like(flows),
        value_added=flows.sum(axis=0),
        intermediates=np.zeros((n, 1, 1)),
        final_demand=flows.sum(axis=1),
        meta={"name": "gravity20", "unit": "USD million", "description": "benchmark world"},
    )
    tw.write_world(world, folder / "world", force=True)
    (folder / "scenario.toml").write_text(SCENARIO.format(world=folder / "world"))
    output, spending = flows.sum(axis=0)[:, 0], flows.sum(axis=1)[:, 0]
    rows = [
        {
            "exporter": one.countries[i],
            "importer": one.countries[j],
            "year": "2014",
            "trade": flows[j, i, 0],
            "Y": output[i],
            "E": spending[j],
            "ln_cost": np.log(flows[j, i, 0] * output.sum() / (output[i] * spending[j])),
        }
        for j in range(n)
        for i in range(n)
    ]
    pd.DataFrame(rows).to_csv(folder / "gravity.csv", index=False)
    (folder / "run_gegravity.py").write_text(GEGRAVITY)


def best_time(command: list[str]) -> tuple[float, str]:
    """Best wall time of three runs of ``command`` after an untimed one, and its output."""
    subprocess.run(command, check=True, capture_output=True)
    times, out = [], ""
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        out = done.stdout
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="a Python with gegravity")
    parser.add_argument("--smoke", action="store_true", help="The tradewar side only, for CI.")
    args = parser.parse_args()
    if args.smoke:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            build_inputs(folder)
            command = [sys.executable, "-m", "tradewar.cli", "run", str(folder / "scenario.toml")]
            done = subprocess.run([*command, "--json"], capture_output=True, text=True, check=True)
        usa = next(c for c in json.loads(done.stdout)["countries"] if c["country"] == "USA")
        print(f"tradewar side only: US welfare {usa['welfare_pct']:+.4f}%")
        print("ok")
        return 0
    probe = subprocess.run([args.python, "-c", "import gegravity"], capture_output=True)
    if probe.returncode != 0:
        print(f"skipped: gegravity is not importable by {args.python} (pip install gegravity)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_inputs(folder)
        ours, out = best_time(
            [sys.executable, "-m", "tradewar.cli", "run", str(folder / "scenario.toml"), "--json"]
        )
        theirs, their_out = best_time(
            [args.python, str(folder / "run_gegravity.py"), str(folder / "gravity.csv")]
        )
    countries = {c["country"]: c for c in json.loads(out)["countries"]}
    results = json.loads(their_out.strip().splitlines()[-1])
    print(f"tradewar run (whole process):  {ours:.2f} s")
    print(f"gegravity run (whole process): {theirs:.2f} s")
    print(f"ratio: tradewar is {theirs / ours:.2f}x as fast")
    print("country  tradewar welfare %  exports %   gegravity welfare statistic  exports %")
    for code in ("USA", "CHN", "MEX"):
        ours_c, theirs_c = countries[code], results[code]
        print(
            f"{code:7s}  {ours_c['welfare_pct']:18.4f}  {ours_c['exports_pct']:9.3f}   "
            f"{theirs_c['welfare_statistic']:27.6f}  {theirs_c['exports_pct']:9.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
