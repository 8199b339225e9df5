"""PPML with three-way fixed effects: pyfixest (tradewar.estimate) against statsmodels' GLM.

statsmodels' GLM with dummy variables is the route of GME and gegravity. Two panels:

* the Caliendo–Parro 1993 data, 31 x 31 countries x 20 sectors (18,600 rows; 2,170 fixed
  effects), both estimators, same specification;
* a simulated 150 x 150 x 20 panel (447,000 rows; 28,350 fixed effects): pyfixest; the dense
  GLM design would need rows x effects x 8 bytes, printed, and is fitted only if it fits in
  the memory limit below.

Run: ``python benchmarks/bench_ppml.py``. Prints seconds and the ratio.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from tradewar.estimate import load_panel, trade_elasticity

MEMORY_LIMIT_GB = 8.0


def glm_fit(panel: pd.DataFrame) -> tuple[float, np.ndarray]:
    """The same PPML by statsmodels' GLM with dummy variables; returns (seconds, thetas)."""
    import statsmodels.api as sm

    varies = panel.groupby("sector")["tariff_pct"].transform(lambda t: (t != t.iloc[0]).any())
    frame = panel[varies.astype(bool)]
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
    design = pd.concat([slopes, pd.get_dummies(fes, drop_first=True).astype(float)], axis=1)
    y = frame["value"].to_numpy() * (1 + frame["tariff_pct"].to_numpy() / 100)
    start = time.perf_counter()
    fit = sm.GLM(y, design, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(fes["pair"])[0]}
    )
    return time.perf_counter() - start, -fit.params[list(slopes.columns)].to_numpy()


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


def main() -> None:
    warnings.simplefilter("ignore")
    panel = load_panel("cp2015-1993")
    start = time.perf_counter()
    est = trade_elasticity(panel, "ppml")
    t_pf = time.perf_counter() - start
    t_sm, theta_sm = glm_fit(panel)
    gap = np.nanmax(np.abs(est.table["theta"].to_numpy() - theta_sm))
    print(
        f"CP 1993 (31x31x20, {len(panel):,} rows): pyfixest {t_pf:.2f} s, statsmodels GLM "
        f"{t_sm:.2f} s, ratio {t_sm / t_pf:.0f}x; largest theta gap {gap:.2e}"
    )
    big = simulated_panel(150, 20)
    start = time.perf_counter()
    est = trade_elasticity(big, "ppml")
    t_pf = time.perf_counter() - start
    effects = 150 * 20 * 2 + 150 * 149
    gb = len(big) * effects * 8 / 1e9
    err = np.abs(est.table["theta"].to_numpy() - np.linspace(2.0, 10.0, 20)).max()
    print(
        f"simulated 150x150x20 ({len(big):,} rows, {effects:,} fixed effects): pyfixest "
        f"{t_pf:.2f} s (largest theta error {err:.3f}); a dense GLM design needs {gb:,.0f} GB",
        end="",
    )
    if gb <= MEMORY_LIMIT_GB:
        t_sm, _ = glm_fit(big)
        print(f"; statsmodels GLM {t_sm:.2f} s, ratio {t_sm / t_pf:.0f}x")
    else:
        print(f" (over the {MEMORY_LIMIT_GB:.0f} GB limit: statsmodels not run)")


if __name__ == "__main__":
    main()
