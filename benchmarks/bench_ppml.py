"""PPML with three-way fixed effects: pyfixest (tradewar.estimate) against statsmodels' GLM.

statsmodels' GLM with dummy variables is the route of GME and gegravity. Two panels:

* the Caliendo–Parro 1993 data, 31 x 31 countries x 20 sectors (18,600 rows; 2,170 fixed
  effects), and its 17 non-EU countries (5,440 rows; 952 fixed effects): both estimators, same
  specification and sample (statsmodels gets a full-rank design; the time is its fit alone);
* a simulated 150 x 150 x 20 panel (447,000 rows; 28,350 fixed effects): pyfixest; the dense
  GLM design would need rows x effects x 8 bytes (printed).

Run: ``python benchmarks/bench_ppml.py``. Prints seconds and the ratio.

``--smoke`` runs it at a tiny size (as the tests do), so the script cannot rot.
"""

from __future__ import annotations

import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

from tradewar.estimate import load_panel, trade_elasticity


def glm_fit(panel: pd.DataFrame) -> tuple[float, np.ndarray]:
    """The same PPML by statsmodels' GLM with dummy variables; returns (seconds, thetas)."""
    import statsmodels.api as sm

    varies = panel.groupby("sector")["tariff_pct"].transform(lambda t: (t != t.iloc[0]).any())
    frame = without_separation(panel[varies.astype(bool)])
    sectors = list(dict.fromkeys(frame["sector"]))
    lt = np.log1p(frame["tariff_pct"].to_numpy() / 100)
    slopes = pd.DataFrame(
        {f"lt_{k}": np.where(frame["sector"] == s, lt, 0.0) for k, s in enumerate(sectors)},
        index=frame.index,
    )
    fes = pd.DataFrame(
        {
            "exs": frame["exporter"] + frame["sector"],
            "ims": frame["importer"] + frame["sector"],
            "pair": frame["exporter"] + frame["importer"],
        }
    )
    # A full-rank design: the three dummy sets overlap (each sums to the same indicators), so
    # keep the columns a pivoted QR finds independent.
    from scipy.linalg import qr

    design = pd.concat([slopes, pd.get_dummies(fes).astype(float)], axis=1)
    _, r, pivots = qr(design.to_numpy(), mode="economic", pivoting=True)
    rank = int((np.abs(np.diag(r)) > 1e-9 * np.abs(r[0, 0])).sum())
    design = design.iloc[:, np.sort(pivots[:rank])]
    y = frame["value"].to_numpy() * (1 + frame["tariff_pct"].to_numpy() / 100)
    start = time.perf_counter()
    # Point estimates and the default covariance (statsmodels' clustered covariance of a
    # design this wide runs out of memory on 24 GiB).
    names = list(design.columns)
    fit = sm.GLM(y, design.to_numpy(), family=sm.families.Poisson()).fit(wls_method="qr")
    if not fit.converged:
        print(f"  (statsmodels GLM did not converge in {fit.fit_history['iteration']} iterations)")
    elapsed = time.perf_counter() - start
    return elapsed, -np.asarray(fit.params)[[names.index(c) for c in slopes.columns]]


def without_separation(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows in fixed-effect groups whose trade is all zero (IRLS cannot fit them)."""
    while True:
        keys = {
            "exs": frame["exporter"] + frame["sector"],
            "ims": frame["importer"] + frame["sector"],
            "pair": frame["exporter"] + frame["importer"],
        }
        keep = np.ones(len(frame), dtype=bool)
        for key in keys.values():
            keep &= frame["value"].groupby(key).transform("sum").to_numpy() > 0
        if keep.all():
            return frame
        frame = frame[keep]


def simulated_panel(n: int, sectors: int, seed: int = 0) -> pd.DataFrame:
    """A gravity panel with known elasticities (Poisson noise, three-way fixed effects)."""
    rng = np.random.default_rng(seed)
    i, m, j = np.meshgrid(np.arange(n), np.arange(n), np.arange(sectors), indexing="ij")
    keep = i != m
    i, m, j = i[keep], m[keep], j[keep]
    theta = np.linspace(2.0, 10.0, sectors)
    tariff = rng.uniform(0.0, 0.3, i.size)
    log_mu = (
        rng.normal(size=(n, sectors))[i, j]
        + rng.normal(size=(n, sectors))[m, j]
        + rng.normal(size=(n, n))[i, m]
        - theta[j] * np.log1p(tariff)
        + 3.0
    )
    codes = np.array([f"C{k:03d}" for k in range(n)])
    gross = rng.poisson(np.exp(log_mu)).astype(float)
    return pd.DataFrame(
        {
            "exporter": codes[i],
            "importer": codes[m],
            "sector": np.array([f"S{k:02d}" for k in range(sectors)])[j],
            "value": gross / (1 + tariff),
            "tariff_pct": 100 * tariff,
        }
    )


NON_EU = [
    *("ARG", "AUS", "BRA", "CAN", "CHL", "CHN", "HUN", "IND", "IDN"),
    *("JPN", "KOR", "MEX", "NZL", "NOR", "ZAF", "TUR", "USA"),
]


def side_by_side(label: str, panel: pd.DataFrame) -> None:
    """Time pyfixest and statsmodels on ``panel`` and print the ratio and the largest gap."""
    start = time.perf_counter()
    est = trade_elasticity(panel, "ppml")
    t_pf = time.perf_counter() - start
    t_sm, theta_sm = glm_fit(panel)
    gap = np.nanmax(np.abs(est.table["theta"].to_numpy() - theta_sm))
    print(
        f"{label} ({len(panel):,} rows): pyfixest {t_pf:.2f} s, statsmodels GLM {t_sm:.2f} s, "
        f"ratio {t_sm / t_pf:.0f}x; largest theta gap {gap:.1e}"
    )


def main() -> None:
    warnings.simplefilter("ignore")
    if "--smoke" in sys.argv[1:]:
        side_by_side("simulated 8x8x3, no zeros", simulated_panel(8, 3, seed=1))
        print("ok")
        return
    panel = load_panel("cp2015-1993")
    side_by_side("CP 1993, 31x31x20, 2,170 fixed effects", panel)
    small = panel[panel["exporter"].isin(NON_EU) & panel["importer"].isin(NON_EU)]
    small.attrs = panel.attrs
    side_by_side("CP 1993, 17 non-EU countries", small)
    side_by_side("simulated 20x20x10, no zeros", simulated_panel(20, 10, seed=1))
    big = simulated_panel(150, 20)
    start = time.perf_counter()
    est = trade_elasticity(big, "ppml")
    t_pf = time.perf_counter() - start
    effects = 150 * 20 * 2 + 150 * 149
    gb = len(big) * effects * 8 / 1e9
    err = np.abs(est.table["theta"].to_numpy() - np.linspace(2.0, 10.0, 20)).max()
    print(
        f"simulated 150x150x20 ({len(big):,} rows, {effects:,} fixed effects): pyfixest "
        f"{t_pf:.2f} s (largest theta error {err:.3f}); a dense GLM design needs {gb:,.0f} GB: "
        "statsmodels not run"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")
    print("ok")


if __name__ == "__main__":
    main()
