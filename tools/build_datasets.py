"""Build the bundled world packages from the source files in ``../shared/data``.

Run from the repository root: ``python tools/build_datasets.py [cp2015 wiod2014 wiod2014-s3 tiny]``.
It needs scipy (to read MATLAB files). The package itself never reads ``../shared``: the output
goes to ``src/tradewar/datasets/<name>/``. Each world is the model's equilibrium at the source's
shares (see `tradewar.model.calibrate.world_from_shares`), so its accounts balance exactly.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradewar.build import read_cp_shares, theta_for_sectors, world_from_baseline  # noqa: E402
from tradewar.build.shares import BaselineShares  # noqa: E402
from tradewar.build.theta import CP2015_AGGREGATE  # noqa: E402
from tradewar.data.write import write_world  # noqa: E402
from tradewar.model.calibrate import world_from_shares  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "tradewar" / "datasets"


def build_cp2015() -> None:
    import scipy.io as sio

    src = SHARED / "caliendo_parro_2015"
    d = sio.loadmat(src / "baseline" / "initial_condition_1993_withS.mat")
    N, J = 31, 40
    countries = pd.read_csv(src / "countries.csv")
    sectors = pd.read_csv(src / "sectors.csv")
    tau = d["tau"].reshape(J, N, N).transpose(1, 2, 0) - 1.0  # [n, i, j]
    pi = d["Din"].reshape(J, N, N).transpose(1, 2, 0)
    G = d["G"].reshape(N, J, J).copy()  # [n, k, j], columns sum to 1 (or 0)
    negative = G < 0
    print(f"cp2015: clipping {negative.sum()} negative I-O coefficient(s), min {G.min():.6g}")
    G[negative] = 0.0
    col = G.sum(axis=1, keepdims=True)
    G = np.where(col > 0, G / np.where(col > 0, col, 1.0), 0.0)
    B = d["B"].T  # [n, j]
    gamma_io = (1.0 - B)[:, None, :] * G
    alpha = d["alphas"].T
    scale = 1e9  # the file's unit is 1e15 USD; the package's is USD million
    va = d["VAn"].ravel() * scale
    deficit = -d["Sn"].ravel() * scale
    X = d["X0"].T * scale
    theta = 1.0 / d["T"].ravel()
    t05 = np.loadtxt(src / "raw" / "tariffs2005.txt").reshape(20, N, N).transpose(1, 2, 0) / 100.0
    tau05 = np.zeros_like(tau)
    tau05[:, :, :20] = t05
    meta = {
        "name": "cp2015",
        "description": "Caliendo-Parro (2015) NAFTA world: 31 countries x 40 sectors, 1993, "
        "with 1993 trade deficits; 2005 applied tariffs in tariffs_2005",
        "year": 1993,
        "unit": "USD million",
        "countries": N,
        "sectors": J,
        "source": "Caliendo & Parro replication package (Data_and_Codes_CP), "
        "baseline/initial_condition_1993_withS.mat and raw/tariffs2005.txt",
        "citation": "Caliendo, L. and Parro, F. (2015). Estimates of the Trade and Welfare Effects "
        "of NAFTA. Review of Economic Studies 82(1), 1-44. doi:10.1093/restud/rdu035",
        "license": "Replication data published with the article for research use; "
        "cite the article. Underlying sources: UN COMTRADE, TRAINS, OECD STAN/IO.",
        "notes": "Flows are the authors' equilibrium re-solve of the 1993 data at observed "
        "deficits "
        "(their script.m). One negative input-output coefficient (-0.000846) was set to zero and "
        "its column renormalised. Trade elasticities are the authors' T.txt (8.22 for services).",
        "theta_se_source": "Caliendo and Parro (2015), Table 1, 99% sample without fixed "
        "effects: robust standard errors of the sectors whose T.txt elasticity is their own "
        "estimate (none for Auto, Other Transport and the services, set to 8.22)",
    }
    world, w_hat = world_from_shares(
        BaselineShares(
            countries=tuple(countries["code"]),
            country_names=tuple(countries["name"]),
            sectors=tuple(f"S{k:02d}" for k in sectors["index"]),
            sector_names=tuple(sectors["short_name"]),
            theta=theta,
            tradable=sectors["tradable"].to_numpy().astype(bool),
            pi=pi,
            tau=tau,
            gamma_io=gamma_io,
            alpha=alpha,
            va=va,
            deficit=deficit,
            expenditure=X,
            meta=meta,
            tariff_tables={"2005": tau05},
        ),
        name="cp2015",
    )
    print(f"cp2015: balancing moved wages by at most {np.abs(w_hat - 1).max():.2e}")
    world = replace(
        world,
        theta_se=cp2015_theta_se(theta),
        sector_groups=groups_by_range(world.sectors, goods=range(1, 3), manufacturing=range(3, 21)),
    )
    write_world(world, OUT / "cp2015", fmt="parquet", force=True)


def groups_by_range(
    codes: tuple[str, ...], goods: range, manufacturing: range
) -> dict[str, tuple[str, ...]]:
    """Sector groups from code numbers (``C05`` is 5): primary goods, manufacturing, services.

    ``goods`` are the primary sectors plus manufacturing; codes without a number (``REE``, the
    rare-earth sector, and ``MAG``, magnets) are goods, and ``MAG`` is manufacturing; every
    other numbered sector is a service.
    """
    groups: dict[str, list[str]] = {"goods": [], "manufacturing": [], "services": []}
    for code in codes:
        digits = "".join(ch for ch in code if ch.isdigit())
        k = int(digits) if digits else None
        if k is None or k in goods or k in manufacturing:
            groups["goods"].append(code)
        if (k is not None and k in manufacturing) or code == "MAG":
            groups["manufacturing"].append(code)
        if k is not None and k not in goods and k not in manufacturing:
            groups["services"].append(code)
    return {name: tuple(members) for name, members in groups.items() if members}


def cp2015_theta_se(theta: np.ndarray) -> np.ndarray:
    """Standard errors of CP (2015) Table 1 (99% sample, no fixed effects), by sector (40,).

    A sector gets its standard error only where the model's elasticity is that sector's own
    estimate (``theta`` within 0.01 of it); NaN elsewhere (Auto and Other Transport, set to the
    manufacturing mean 8.22 by the authors, and the services).
    """
    table = pd.read_csv(SHARED / "caliendo_parro_2015" / "elasticities" / "sectoral_results.csv")
    estimate, se = -table["c_99"].to_numpy(), table["se_99"].to_numpy()
    out = np.full(theta.shape, np.nan)
    own = np.abs(theta[: len(estimate)] - estimate) < 0.01
    out[: len(estimate)][own] = se[own]
    return out


#: CP (2015) aggregate trade elasticity (full sample), used for the 3-sector world.
_AGGREGATE_THETA = CP2015_AGGREGATE

_WIOD_CITATION = (
    "Felbermayr, G., Groeschl, J. and Heiland, I. (2022). Complex Europe: Quantifying the cost of "
    "disintegration. Journal of International Economics 138, 103647; Timmer, M. P. et al. (2015). "
    "An Illustrated User Guide to the World Input-Output Database. Review of International "
    "Economics 23, 575-605"
)
_WIOD_LICENSE = (
    "WIOD 2016 release: CC BY 4.0 (cite Timmer et al. 2015). The derived baseline files come from "
    "the FGH (2022) replication repository (ingaheiland/FelbermayrGroeschlHeilandJIE2022), which "
    "states no licence: cite FGH (2022) and ask the authors before redistributing further. "
    "Tariffs: WITS/TRAINS applied rates as compiled by FGH."
)


_WIOD_NAMES = {
    "AUS": "Australia",
    "AUT": "Austria",
    "BEL": "Belgium",
    "BGR": "Bulgaria",
    "BRA": "Brazil",
    "CAN": "Canada",
    "CHE": "Switzerland",
    "CHN": "China",
    "CYP": "Cyprus",
    "CZE": "Czechia",
    "DEU": "Germany",
    "DNK": "Denmark",
    "ESP": "Spain",
    "EST": "Estonia",
    "FIN": "Finland",
    "FRA": "France",
    "GBR": "United Kingdom",
    "GRC": "Greece",
    "HRV": "Croatia",
    "HUN": "Hungary",
    "IDN": "Indonesia",
    "IND": "India",
    "IRL": "Ireland",
    "ITA": "Italy",
    "JPN": "Japan",
    "KOR": "South Korea",
    "LTU": "Lithuania",
    "LUX": "Luxembourg",
    "LVA": "Latvia",
    "MEX": "Mexico",
    "MLT": "Malta",
    "NLD": "Netherlands",
    "NOR": "Norway",
    "POL": "Poland",
    "PRT": "Portugal",
    "ROU": "Romania",
    "ROW": "Rest of the world",
    "RUS": "Russia",
    "SVK": "Slovakia",
    "SVN": "Slovenia",
    "SWE": "Sweden",
    "TUR": "Turkey",
    "TWN": "Taiwan",
    "USA": "United States",
}


# Rare earths (wiod2014-ree). Every number is sourced in docs/us_china_2025_facts.md
# (section 2) or labelled an assumption; docs/datasets.md has the provenance table.
REE_US_IMPORTS = 170.0  # USD million, 2024 (USGS MCS 2025), rare-earth compounds and metals
REE_US_IMPORT_SOURCES = {"CHN": 0.70, "ROW": 0.13 + 0.06, "JPN": 0.06, "EST": 0.05}  # USGS MCS
REE_CHINA_REFINING_SHARE = 0.92  # IEA GCMO 2024: China's share of refined output, 2023
REE_US_DOMESTIC_SHARE = 0.10  # assumption: US refined supply / US use of compounds and metals
REE_USING_SECTORS = ("C17", "C18", "C19", "C20")  # assumption: electronics, electrical, machinery,
# motor vehicles, with one common cost share calibrated to US imports
REE_THETA = 0.5  # assumption: low trade elasticity (non-Chinese refining capacity is scarce)


def _add_rare_earths(
    shares: BaselineShares, scale: float = 1.0, elsewhere: float = 1.0
) -> tuple[BaselineShares, float]:
    """Insert a rare-earth sector REE after C04 (mining); returns the enlarged shares.

    The users' REE cost share is calibrated so that US imports equal `REE_US_IMPORTS` in the
    2014 world, times ``scale``; users outside the US have that share times ``elsewhere`` (the
    2023 build sets both to meet its own targets; the 2014 world has one share everywhere).
    """
    pi, taug, X = shares.pi, 1.0 + shares.tau, shares.expenditure
    gamma_io, alpha = shares.gamma_io, shares.alpha
    codes, countries = shares.sectors, shares.countries
    N = pi.shape[0]
    c4 = codes.index("C04")
    at = c4 + 1
    idx = {c: k for k, c in enumerate(countries)}
    # Bilateral sourcing shares of REE, [importer, exporter].
    rest = 1.0 - REE_CHINA_REFINING_SHARE
    others = {k: v for k, v in REE_US_IMPORT_SOURCES.items() if k != "CHN"}
    world_mix = {"CHN": REE_CHINA_REFINING_SHARE}
    world_mix.update({k: rest * v / sum(others.values()) for k, v in others.items()})
    ree_pi = np.zeros((N, N))
    for code, share in world_mix.items():
        ree_pi[:, idx[code]] = share
    us, cn = idx["USA"], idx["CHN"]
    ree_pi[us] = 0.0
    ree_pi[us, us] = REE_US_DOMESTIC_SHARE
    for code, share in REE_US_IMPORT_SOURCES.items():
        ree_pi[us, idx[code]] = (1.0 - REE_US_DOMESTIC_SHARE) * share
    ree_pi[cn] = 0.0
    ree_pi[cn, cn] = 1.0  # China is self-sufficient
    # Cost share of REE in the using sectors, calibrated so that US imports match USGS.
    Y = np.einsum("nij,nj->ij", pi / taug, X)
    using = [codes.index(c) for c in REE_USING_SECTORS]
    us_use = REE_US_IMPORTS / (1.0 - REE_US_DOMESTIC_SHARE)
    share = scale * us_use / Y[us, using].sum()
    print(
        f"wiod2014-ree: REE cost share in {REE_USING_SECTORS} = {share:.3e}; "
        f"implied world REE use {share * Y[:, using].sum() / 1e3:.2f} bn USD"
    )

    def insert(a, axis, values):
        return np.insert(a, at, values, axis=axis)

    pi2 = insert(pi, 2, ree_pi)
    tau2 = insert(taug, 2, taug[:, :, c4])
    X2 = insert(X, 1, 0.0)
    g = insert(insert(gamma_io, 2, gamma_io[:, :, c4]), 1, 0.0)  # REE produced like mining
    by_country = np.full(N, share * elsewhere)
    by_country[us] = share
    for j in using:
        jj = j + 1 if j >= at else j
        take_mining = np.minimum(g[:, c4, jj], by_country)
        g[:, c4, jj] -= take_mining  # REE comes out of the mining input share first,
        g[:, at, jj] = by_country  # then out of value added
    alpha2 = insert(alpha, 1, 0.0)
    enlarged = _with_sector(
        shares, at, "REE", "Rare earths", REE_THETA, pi2, tau2 - 1.0, g, alpha2, X2
    )
    return enlarged, share


def _with_sector(shares, at, code, name, theta, pi, tau, gamma_io, alpha, expenditure):
    """``shares`` with the arrays of a new sector inserted at position ``at``."""
    codes, names = shares.sectors, shares.sector_names
    n = pi.shape[0]
    cross = (pi * (1 - np.eye(n))[:, :, None]).sum(axis=(0, 1))
    return replace(
        shares,
        sectors=(*codes[:at], code, *codes[at:]),
        sector_names=(*names[:at], name, *names[at:]),
        pi=pi,
        tau=tau,
        gamma_io=gamma_io,
        alpha=alpha,
        expenditure=expenditure,
        theta=np.insert(shares.theta, at, theta),
        tradable=cross > 0,
    )


# Rare-earth permanent magnets (wiod2014-ree), a stage between REE and its users. Sources and
# assumptions: docs/datasets.md (provenance table) and docs/chokepoints.md.
MAG_CHINA_SHARE = 0.92  # US Commerce (BIS) Section 232 NdFeB report (2022): ~92% in 2020
MAG_OTHER_SOURCES = {"JPN": 0.06, "DEU": 0.02}  # assumption: the non-Chinese sintered makers
MAG_COST_SHARE = 0.001  # assumption: 0.1% of the using sectors' costs (docs/datasets.md)
MAG_REE_SHARE = 0.30  # assumption: rare earths' share of a magnet maker's costs
MAG_THETA = 1.0  # assumption: few qualified suppliers outside China
MAG_SOURCE_SECTOR = "C18"  # magnets (ISIC 2790) come out of electrical equipment


def _add_magnets(
    shares: BaselineShares, cost_share: float = MAG_COST_SHARE, ree_share: float = MAG_REE_SHARE
) -> BaselineShares:
    """Insert a magnet sector MAG after REE: made from REE, bought by the REE users.

    ``cost_share`` is the users' magnet cost share, ``ree_share`` the REE share of a magnet
    maker's costs (the 2014 world's assumptions by default; the 2023 build calibrates both).
    """
    pi, taug, X = shares.pi, 1.0 + shares.tau, shares.expenditure
    gamma_io, alpha = shares.gamma_io, shares.alpha
    codes, countries = shares.sectors, shares.countries
    N = pi.shape[0]
    ree = codes.index("REE")
    src = codes.index(MAG_SOURCE_SECTOR)
    at = ree + 1
    idx = {c: k for k, c in enumerate(countries)}
    mag_pi = np.zeros((N, N))
    mag_pi[:, idx["CHN"]] = MAG_CHINA_SHARE
    for code, share in MAG_OTHER_SOURCES.items():
        mag_pi[:, idx[code]] = share
    cn = idx["CHN"]
    mag_pi[cn] = 0.0
    mag_pi[cn, cn] = 1.0  # China is self-sufficient

    def insert(a, axis, values):
        return np.insert(a, at, values, axis=axis)

    pi2 = insert(pi, 2, mag_pi)
    tau2 = insert(taug, 2, taug[:, :, src])
    X2 = insert(X, 1, 0.0)
    # Cost column of MAG: electrical equipment's inputs scaled to make room for REE.
    column = gamma_io[:, :, src].copy()
    column[:, ree] = 0.0
    column *= 1.0 - ree_share
    column[:, ree] = ree_share
    g = insert(insert(gamma_io, 2, column), 1, 0.0)
    using = [codes.index(c) for c in REE_USING_SECTORS]
    for j in using:
        jj = j + 1 if j >= at else j
        src2 = src + 1 if src >= at else src
        take = np.minimum(g[:, src2, jj], cost_share)
        g[:, src2, jj] -= take  # MAG comes out of the electrical-equipment input share first,
        g[:, at, jj] = cost_share  # then out of value added
    alpha2 = insert(alpha, 1, 0.0)
    return _with_sector(
        shares, at, "MAG", "Rare-earth magnets", MAG_THETA, pi2, tau2 - 1.0, g, alpha2, X2
    )


def build_wiod(version: str, rare_earths: bool = False) -> None:
    src = SHARED / "wiod2014_fgh"
    countries = pd.read_csv(src / "labels" / "countries.csv")["iso"].tolist()
    if version == "s50":
        labels = pd.read_csv(src / "labels" / "sectors_50.csv")
        codes = tuple(labels["code"])
        names = tuple(labels["short_name"])
        theta = theta_for_sectors(tuple(labels["isic4"]), "cp2015")
        name = "wiod2014"
    else:
        labels = pd.read_csv(src / "labels" / "sectors_3.csv")
        codes = tuple(labels["code"])
        names = ("Goods", "Tradable services", "Non-tradable services")
        theta = np.full(len(codes), _AGGREGATE_THETA)
        name = "wiod2014-s3"
    shares = read_cp_shares(
        src / version,
        countries=tuple(countries),
        country_names=tuple(_WIOD_NAMES[c] for c in countries),
        sectors=codes,
        sector_names=names,
        theta=theta,
        year=2014,
    )
    for adjustment in shares.adjustments:
        print(f"wiod {version}: {adjustment}")
    if not rare_earths:
        meta = wiod_meta(name, version, len(codes))
        world, w_hat = world_from_baseline(replace(shares, meta=meta), name)
    else:
        shares, ree_share = _add_rare_earths(shares)
        shares = _add_magnets(shares)
        name = "wiod2014-ree"
        meta = wiod_meta(name, version, len(shares.sectors))
        meta["description"] = (
            "wiod2014 with a rare-earth sector REE (compounds and metals) split out "
            "of mining and a magnet stage MAG split out of electrical equipment: "
            f"44 regions x {len(shares.sectors)} sectors, 2014"
        )
        world, w_hat = world_from_baseline(replace(shares, meta=meta), name)
    print(f"{name}: balancing moved wages by at most {np.abs(w_hat - 1).max():.2e}")
    if rare_earths:
        k = world.sector_index("REE")
        us = world.country_index("USA")
        imports = world.flows[us, :, k].sum() - world.flows[us, us, k]
        output = world.gross_output[:, k]
        china_share = output[world.country_index("CHN")] / output.sum()
        print(
            f"wiod2014-ree: US REE imports {imports:.1f} USD million (target {REE_US_IMPORTS}); "
            f"China's share of world REE output {china_share:.3f}"
        )
        m = world.sector_index("MAG")
        mag_output = world.gross_output[:, m]
        print(
            f"wiod2014-ree: world MAG output {mag_output.sum() / 1e3:.2f} bn USD; China's share "
            f"{mag_output[world.country_index('CHN')] / mag_output.sum():.3f}; US MAG imports "
            f"{world.flows[us, :, m].sum():.1f} USD million; world REE output "
            f"{output.sum() / 1e3:.2f} bn USD"
        )
        world.meta["notes"] += (
            f" REE: cost share {ree_share:.3e} in C17-C20, trade elasticity {REE_THETA}. "
            f"MAG: cost share {MAG_COST_SHARE} in C17-C20, REE {MAG_REE_SHARE} of its costs, "
            f"China {MAG_CHINA_SHARE} of supply, trade elasticity {MAG_THETA}; see "
            "docs/datasets.md for the provenance table."
        )
    if len(world.sectors) == 3:  # wiod2014-s3: goods, tradable services, non-tradable services
        groups = {"goods": (world.sectors[0],), "services": world.sectors[1:]}
    else:
        groups = groups_by_range(world.sectors, goods=range(1, 5), manufacturing=range(5, 23))
    world = replace(world, sector_groups=groups)
    write_world(world, OUT / name, fmt="parquet", force=True)


# The 2023 world of the 2025 story (wiod2023-ree): docs/datasets.md has the provenance table.
TARGETS_2023 = ROOT / "docs" / "data" / "wiod2014_targets_2023.csv"
#: China's exports in 2024 (General Administration of Customs): permanent magnets and alloys,
#: 58,152 t worth USD 2.86 bn (Adamas Intelligence, "Record rare earth magnet exports from China
#: in 2024", January 2025); rare earths (compounds and metals), 55,431 t worth USD 488.8 m
#: (Reuters, "China's rare earth exports in 2024 climb as home demand limited", 20 Jan 2025).
CHINA_MAGNET_EXPORTS = 2_860.0
CHINA_REE_EXPORTS = 488.8
#: Duties collected on US imports from China over their value before the 2025 measures: about
#: 11% (Trade Partnership Worldwide analysis of Census data, as of September 2024, reported in
#: "Breaking Down Trump's Tariffs on China and the World, in Charts", Wall Street Journal).
US_CHINA_REALISED_2024 = 11.0
#: US imports from China that the Section 301 lists never covered (List 4B was suspended):
#: smartphones USD 41.7 bn and laptops USD 33.1 bn in 2024 (docs/data/
#: us_tariff_exemptions_2025.csv has the sources). All in C17.
US_301_UNCOVERED_C17 = 41_700.0 + 33_100.0
#: US imports from China, 2024 (Census basis, docs/us_china_2025_facts.md section 2), to scale
#: 2024 values to the 2023 base.
US_IMPORTS_FROM_CHINA_2024 = 438_900.0
#: The US average effective tariff rate before 2025, 2.4%: the 2025 tariffs raised it by 18.2
#: points to 20.6% (Yale Budget Lab, "State of U.S. Tariffs: July 14, 2025"). The WIOD 2014
#: applied rates put US tariffs on partners other than China at 3.0% on average, three times
#: what US customs collects (2.3% of 2024 imports, China's 11% included), so the build scales
#: them to meet this average.
US_AVERAGE_2024 = 2.4
#: China's retaliation of 2018-19: average tariff on US goods 21.1% after the phase one deal
#: against 8.0% before the trade war, trade-weighted at 2017 imports (Bown, "US-China Trade War
#: Tariffs: An Up-to-Date Chart", PIIE, 2020): 13.1 points on every goods sector (statutory;
#: China's later exclusions are not in it).
CHINA_RETALIATION_PTS = 13.1


def _goods_mask(sectors: tuple[str, ...]) -> np.ndarray:
    groups = groups_by_range(sectors, goods=range(1, 5), manufacturing=range(5, 23))
    return np.array([c in groups["goods"] for c in sectors])


def _with_trade_war_duties(world):
    """The 2023 world with the 2018-19 US-China duties in its base tariffs (see constants)."""
    from tradewar.build.update import with_base_tariffs

    us, cn = world.country_index("USA"), world.country_index("CHN")
    goods = _goods_mask(world.sectors)
    tau = world.tariffs.copy()
    flows = world.flows[us, cn]
    c17 = world.sector_index("C17")
    scale = world.flows[us, cn, goods].sum() / US_IMPORTS_FROM_CHINA_2024
    covered = goods.astype(float)
    covered[c17] = 1.0 - min(US_301_UNCOVERED_C17 * scale / flows[c17], 1.0)
    base_duties = (tau[us, cn] * flows)[goods].sum()
    points = (US_CHINA_REALISED_2024 / 100.0 * flows[goods].sum() - base_duties) / (
        covered * flows
    ).sum()
    tau[us, cn] += points * covered
    tau[cn, us] += CHINA_RETALIATION_PTS / 100.0 * goods
    # US tariffs on everyone else, scaled to the average US customs collects.
    off = np.ones(world.n_countries, dtype=bool)
    off[[us, cn]] = False
    imports = world.flows[us][:, goods]
    china = (tau[us, cn, goods] * imports[cn]).sum()
    others = (tau[us][off][:, goods] * imports[off]).sum()
    factor = US_AVERAGE_2024 / 100.0 * imports[off | (np.arange(len(off)) == cn)].sum() - china
    factor /= others
    tau[us, off] *= factor
    print(
        f"wiod2023-ree: Section 301 layer {100 * points:.2f} points on covered goods (C17 "
        f"{100 * covered[c17]:.1f}% covered); China's retaliation {CHINA_RETALIATION_PTS} points; "
        f"US tariffs on other partners scaled by {factor:.3f}"
    )
    return with_base_tariffs(world, tau), points, covered, factor


def _ree_exports(world) -> tuple[float, float, float]:
    """China's magnet and REE exports and US REE imports, USD million."""
    cn, us = world.country_index("CHN"), world.country_index("USA")
    m, r = world.sector_index("MAG"), world.sector_index("REE")
    out = world.flows.sum(axis=0)
    return (
        out[cn, m] - world.flows[cn, cn, m],
        out[cn, r] - world.flows[cn, cn, r],
        world.flows[us, :, r].sum() - world.flows[us, us, r],
    )


def build_wiod2023_ree() -> None:
    """wiod2014-ree moved to 2023 (GDP and goods trade), with the 2018-19 duties in its base.

    The rare-earth and magnet sectors are calibrated so that China's exports of magnets and of
    rare earths and US rare-earth imports meet their 2024 customs values; three rounds of
    scaling the users' cost shares and the rare-earth share of magnet makers' costs settle them
    to within 1%.
    """
    from tradewar.build.update import read_targets, update_baseline

    src = SHARED / "wiod2014_fgh"
    countries = pd.read_csv(src / "labels" / "countries.csv")["iso"].tolist()
    labels = pd.read_csv(src / "labels" / "sectors_50.csv")
    base = read_cp_shares(
        src / "s50",
        countries=tuple(countries),
        country_names=tuple(_WIOD_NAMES[c] for c in countries),
        sectors=tuple(labels["code"]),
        sector_names=tuple(labels["short_name"]),
        theta=theta_for_sectors(tuple(labels["isic4"]), "cp2015"),
        year=2014,
    )
    ree_scale, others, mag_share, ree_in_mag = 1.0, 1.0, MAG_COST_SHARE, MAG_REE_SHARE
    for attempt in range(12):
        shares, ree_share = _add_rare_earths(base, ree_scale, others)
        shares = _add_magnets(shares, mag_share, ree_in_mag)
        meta = wiod_meta("wiod2023-ree", "s50", len(shares.sectors))
        world14, _ = world_from_baseline(replace(shares, meta=meta), "wiod2023-ree")
        world14 = replace(world14, sector_groups=_wiod_groups(world14.sectors))
        world23, report = update_baseline(
            world14, read_targets(TARGETS_2023, world14), name="wiod2023-ree"
        )
        world, points, covered, us_scale = _with_trade_war_duties(world23)
        mag, ree, us_ree = _ree_exports(world)
        print(
            f"wiod2023-ree round {attempt}: China magnets {mag:.0f} (target "
            f"{CHINA_MAGNET_EXPORTS}), China REE {ree:.0f} (target {CHINA_REE_EXPORTS}), US REE "
            f"imports {us_ree:.1f} (target {REE_US_IMPORTS})"
        )
        gaps = (mag / CHINA_MAGNET_EXPORTS, ree / CHINA_REE_EXPORTS, us_ree / REE_US_IMPORTS)
        if max(abs(g - 1.0) for g in gaps) < 0.01:
            break
        mag_share /= gaps[0]
        ree_scale /= gaps[2]
        others /= gaps[1]
    for line in report.lines():
        print(f"wiod2023-ree update: {line}")
    world.meta.update(
        {
            "name": "wiod2023-ree",
            "description": "wiod2014-ree moved to 2023 GDP and goods trade (WDI, CEPII BACI), "
            "with the 2018-19 US-China duties in its base and rare earths and magnets at 2024 "
            "customs values: 44 regions x 52 sectors",
            "year": 2023,
            "source": "FGH (2022) WIOD 2014 shares; 2023 targets docs/data/"
            "wiod2014_targets_2023.csv (World Bank WDI GDP, CEPII BACI HS22 V202501 as compiled "
            "by Ignatenko et al. 2025); see docs/datasets.md",
            "notes": (
                f"REE: users' cost share {ree_share:.3e} in the US, {ree_share * others:.3e} "
                f"elsewhere, trade elasticity {REE_THETA}. MAG: users' "
                f"cost share {mag_share:.3e}, REE {ree_in_mag:.3f} of its costs, China "
                f"{MAG_CHINA_SHARE} of supply, trade elasticity {MAG_THETA}. Base tariffs: "
                f"2014 applied rates plus a Section 301 layer of {100 * points:.2f} points on US "
                f"imports of Chinese goods (C17 {100 * covered[world.sector_index('C17')]:.1f}% "
                f"covered) and {CHINA_RETALIATION_PTS} points of Chinese retaliation on US goods; "
                f"US tariffs on other partners scaled by {us_scale:.3f} so that the US average "
                f"is {US_AVERAGE_2024}%. See docs/datasets.md."
            ),
        }
    )
    world = replace(world, sector_groups=_wiod_groups(world.sectors))
    write_world(world, OUT / "wiod2023-ree", fmt="parquet", force=True)


def _wiod_groups(sectors: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return groups_by_range(sectors, goods=range(1, 5), manufacturing=range(5, 23))


def wiod_meta(name: str, version: str, n_sectors: int) -> dict:
    """world.toml of a WIOD 2014 world (FGH share files)."""
    return {
        "name": name,
        "description": f"WIOD 2016 release, 2014: 44 regions x {n_sectors} sectors, with 2014 "
        "applied tariffs and observed trade deficits",
        "year": 2014,
        "unit": "USD million",
        "countries": 44,
        "sectors": n_sectors,
        "source": f"FGH (2022) replication files, simulation input for 2014 ({version}); "
        "see docs/datasets.md",
        "citation": _WIOD_CITATION,
        "license": _WIOD_LICENSE,
        "notes": "Levels are the model's equilibrium at the source shares (inventories dropped, "
        "deficits = -S_n). ROW-ROW domestic tariffs set to zero. Trade elasticities: "
        "Caliendo-Parro (2015) sector values for goods, their aggregate 4.55 for services "
        "(tradewar.build.theta, source cp2015).",
    }


def build_ossa2014() -> None:
    """Ossa (2014): 7 regions x 33 GTAP industries, the balanced base DATA.TRADE, sigma, lambda."""
    import scipy.io as sio

    from tradewar.data.world import World

    src = SHARED / "ossa_2014"
    d = sio.loadmat(src / "results_2013" / "DATA.mat")
    N, S = 7, 33
    stacked = d["TRADE"].reshape(S, N, N)  # [s, exporter i, importer j]
    flows = np.transpose(stacked, (2, 1, 0)).copy()  # [importer, exporter, s]
    tariffs = np.transpose(d["TARIFF"].reshape(S, N, N), (2, 1, 0)).copy()
    sigma = d["SIGMA"].ravel()
    sectors = pd.read_csv(src / "csv" / "sectors.csv")
    codes = tuple(str(c) for c in sectors["String"].iloc[:S])
    names = tuple(str(c) for c in sectors["String.1"].iloc[:S])
    meta = {
        "name": "ossa2014",
        "description": "Ossa (2014) trade-war world: 7 regions x 33 GTAP industries (agriculture "
        "and manufacturing), 2007, balanced trade; political-economy weights lambda",
        "year": 2007,
        "unit": "USD million",
        "countries": N,
        "sectors": S,
        "source": "Ossa's AER replication package: DATA.mat (TRADE re-solved with zero net "
        "exports, TARIFF, SIGMA, LAMBDAPOL); sector labels from sectors.csv",
        "citation": "Ossa, R. (2014). Trade Wars and Trade Talks with Data. American Economic "
        "Review 104(12), 4104-46. doi:10.1257/aer.104.12.4104",
        "license": "AEA replication data for research use; cite the article. Underlying data: "
        "GTAP 8 (2007) trade and tariffs, whose licence restricts redistribution of the full "
        "database (this aggregate is the published replication file).",
        "notes": "Trade elasticity theta = sigma - 1 (Ossa's sigma, Feenstra method). "
        "political_weights.csv holds LAMBDAPOL (country mean 1). Use model = 'ossa'.",
        "default_model": "ossa",
    }
    countries = ("BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA")
    country_names = (
        "Brazil",
        "China",
        "European Union",
        "India",
        "Japan",
        "Rest of the world",
        "United States",
    )
    world = World(
        name="ossa2014",
        countries=countries,
        country_names=country_names,
        sectors=codes,
        sector_names=names,
        theta=sigma - 1.0,
        tradable=np.ones(S, dtype=bool),
        flows=flows,
        tariffs=tariffs,
        value_added=flows.sum(axis=0),
        intermediates=np.zeros((N, S, S)),
        final_demand=((1.0 + tariffs) * flows).sum(axis=1),
        meta=meta,
        political_weights=d["LAMBDAPOL"].astype(float),
    )
    world = replace(world, sector_groups={"goods": world.sectors})
    write_world(world, OUT / "ossa2014", fmt="csv", force=True)


def build_tiny() -> None:
    """A 3-country, 3-sector world with intermediates, tariffs and deficits, for tests and docs."""
    countries = ("HOM", "FOR", "ROW")
    names = ("Home", "Foreign", "Rest of the world")
    sectors = ("AGR", "MAN", "SRV")
    sector_names = ("Agriculture", "Manufacturing", "Services")
    N, J = 3, 3
    theta = np.array([8.0, 4.0, 5.0])
    tradable = np.array([True, True, False])
    home_bias = np.array([[0.80, 0.10, 0.10], [0.15, 0.75, 0.10], [0.10, 0.10, 0.80]])
    manuf = np.array([[0.60, 0.25, 0.15], [0.20, 0.70, 0.10], [0.15, 0.15, 0.70]])
    pi = np.zeros((N, N, J))
    pi[:, :, 0] = home_bias
    pi[:, :, 1] = manuf
    pi[:, :, 2] = np.eye(N)
    tau = np.zeros((N, N, J))
    tau[:, :, 0] = [[0, 0.05, 0.08], [0.10, 0, 0.06], [0.04, 0.03, 0]]
    tau[:, :, 1] = [[0, 0.03, 0.04], [0.07, 0, 0.05], [0.02, 0.02, 0]]
    gamma_io = np.zeros((N, J, J))
    base = np.array([[0.10, 0.05, 0.05], [0.15, 0.35, 0.10], [0.10, 0.15, 0.25]])
    for n in range(N):
        gamma_io[n] = base * (1.0 + 0.1 * n)
    alpha = np.array([[0.10, 0.35, 0.55], [0.15, 0.35, 0.50], [0.20, 0.30, 0.50]])
    va = np.array([100.0, 80.0, 120.0])
    deficit = np.array([6.0, -4.0, -2.0])
    meta = {
        "name": "tiny",
        "description": "A made-up 3-country, 3-sector world for tests and documentation",
        "year": 2024,
        "unit": "USD billion",
        "countries": N,
        "sectors": J,
        "source": "Synthetic: shares chosen by hand, levels solved for consistency",
        "citation": "tradewar test data",
        "license": "CC0-1.0",
    }
    world, _ = world_from_shares(
        BaselineShares(
            countries=countries,
            country_names=names,
            sectors=sectors,
            sector_names=sector_names,
            theta=theta,
            tradable=tradable,
            pi=pi,
            tau=tau,
            gamma_io=gamma_io,
            alpha=alpha,
            va=va,
            deficit=deficit,
            expenditure=np.full((N, J), 50.0),
            meta=meta,
        ),
        name="tiny",
    )
    world = replace(
        world,
        sector_groups={"goods": ("AGR", "MAN"), "manufacturing": ("MAN",), "services": ("SRV",)},
    )
    write_world(world, OUT / "tiny", fmt="csv", force=True)


#: The EU as the ILMS (2025) code defines it: 25 members (its list omits Czechia and Slovakia).
ILMS_EU25 = [
    "AUT",
    "BEL",
    "BGR",
    "CYP",
    "DEU",
    "DNK",
    "ESP",
    "EST",
    "FIN",
    "FRA",
    "GRC",
    "HRV",
    "HUN",
    "IRL",
    "ITA",
    "LTU",
    "LUX",
    "LVA",
    "MLT",
    "NLD",
    "POL",
    "PRT",
    "ROU",
    "SVN",
    "SWE",
]
#: The EU's 27 members in 2023.
EU27 = sorted([*ILMS_EU25, "CZE", "SVK"])


def calibrate_local_margins(X: np.ndarray, gdp: np.ndarray, us: int) -> tuple[float, float]:
    """ILMS (2025) local margins (nu_R, nu_U): sales-weighted margins of 12% and 26%.

    ``X`` is exporter x importer with a zero diagonal, ``gdp`` in the same unit (MODEL.md §2.3).
    """
    from scipy.optimize import least_squares

    A = np.zeros((2, X.shape[0]))
    A[0] = 1.0
    A[0, us] = 0.0
    A[1, us] = 1.0
    Xb = A @ X @ A.T
    Yb = A @ gdp

    def equations(nu):
        imports = Xb.sum(axis=0)
        E = Yb + (1.0 - nu) * (imports - Xb @ (1.0 - nu))
        r_r = (E[0] - Xb[1, 0]) / (E[0] - Xb[1, 0] + Xb[0, 1])
        r_u = (E[1] - Xb[0, 1]) / (E[1] - Xb[0, 1] + Xb[1, 0])
        return [r_r * nu[0] + (1 - r_r) * nu[1] - 0.12, r_u * nu[1] + (1 - r_u) * nu[0] - 0.26]

    sol = least_squares(equations, [0.10, 0.24], method="lm", xtol=1e-15, ftol=1e-15)
    nu = np.maximum(sol.x, 0.0)
    return float(nu[0]), float(nu[1])


def build_baci2023() -> None:
    """ILMS (2025): 194 countries, one sector, 2023 BACI trade, domestic absorption constructed.

    Follows MODEL.md §2: trade in thousands of USD (converted to USD million here), GDP / 1000,
    local margins calibrated to 12% / 26%, domestic sales = spending minus imports, floored at 0.
    Baseline tariffs are zero; the April-2025 US tariffs (10% floor) are ``tariffs_liberation_day``
    and every partner's mirror-image tariff on US goods is ``tariffs_reciprocal_retaliation``.
    """
    from tradewar.data.world import World

    src = SHARED / "ilms2025" / "base_data"
    labels = pd.read_csv(src / "country_labels.csv")
    codes = tuple(labels.iso3.astype(str))
    names = tuple(labels.CountryName.astype(str))
    N = len(codes)
    X = pd.read_csv(src / "trade_cepii.csv").fillna(0.0).to_numpy(dtype=float)  # [i, n], USD k
    np.fill_diagonal(X, 0.0)
    gdp = pd.read_csv(src / "gdp.csv")["gdp"].to_numpy(dtype=float) / 1000.0  # USD thousand
    applied = pd.read_csv(src / "tariffs.csv")["applied_tariff"].to_numpy(dtype=float)
    us = codes.index("USA")
    nu_r, nu_u = calibrate_local_margins(X, gdp, us)
    nu = np.full(N, nu_r)
    nu[us] = nu_u
    imports = X.sum(axis=0)
    transfer0 = (1.0 - nu) * (imports - X @ (1.0 - nu))
    spending0 = gdp + transfer0
    domestic = np.maximum(spending0 - imports, 0.0)
    clipped = [codes[k] for k in np.flatnonzero(spending0 - imports < 0)]
    X[np.arange(N), np.arange(N)] = domestic
    flows = X.T / 1000.0  # [importer n, exporter i], USD million
    liberation = np.zeros((N, N, 1))
    liberation[us, :, 0] = np.maximum(applied, 0.10)
    liberation[us, us, 0] = 0.0
    # Reciprocal retaliation: every partner levies on US goods the rate the US levies on its own.
    reciprocal = np.zeros((N, N, 1))
    reciprocal[:, us, 0] = liberation[us, :, 0]
    print(
        f"baci2023: local margins nu_R = {nu_r:.8f}, nu_USA = {nu_u:.8f}; domestic sales "
        f"clipped at zero for {', '.join(clipped)}"
    )
    regions = {"eu_ilms": ILMS_EU25, "eu27": EU27}
    meta = {
        "name": "baci2023",
        "description": "194 countries, one tradable sector, 2023 (BACI trade, WDI GDP), the "
        "April-2025 US tariffs as tariffs_liberation_day; the world of Ignatenko, "
        "Lashkaripour, Macedoni and Simonovska (2025)",
        "year": 2023,
        "unit": "USD million",
        "countries": N,
        "sectors": 1,
        "default_model": "armington",
        "local_margin_other": nu_r,
        "local_margin_usa": nu_u,
        "regions_eu_ilms": " ".join(regions["eu_ilms"]),
        "regions_eu27": " ".join(regions["eu27"]),
        "source": "Bilateral goods trade 2023: CEPII BACI HS22 V202501 (summed over HS6 products); "
        "GDP: World Bank WDI NY.GDP.MKTP.CD (latest year per country, release 2025-03-24); "
        "domestic sales constructed as in Ignatenko et al. (2025): spending (GDP plus the "
        "transfer implied by local distribution margins of 12% and 26%) minus imports, floored "
        "at zero (binds for " + ", ".join(clipped) + "); US tariffs announced 2 April 2025 "
        "from the authors' calculator, floored at 10%",
        "citation": "Ignatenko, A., Lashkaripour, A., Macedoni, L. and Simonovska, I. (2025). "
        "Making America Great Again? The Economic Impacts of Liberation Day Tariffs. Journal of "
        "International Economics 157, 104138. Gaulier, G. and Zignago, S. (2010). BACI: "
        "International Trade Database at the Product-Level, CEPII WP 2010-23. World Bank, "
        "World Development Indicators.",
        "license": "BACI: CEPII, open licence with attribution (Etalab 2.0); WDI: CC BY 4.0; "
        "tariffs and construction: cite Ignatenko et al. (2025); the replication package has "
        "no licence file",
    }
    flows3 = flows[:, :, None]
    world = World(
        name="baci2023",
        countries=codes,
        country_names=names,
        sectors=("GDS",),
        sector_names=("Goods",),
        theta=np.array([4.0]),
        tradable=np.array([True]),
        flows=flows3,
        tariffs=np.zeros_like(flows3),
        value_added=flows3.sum(axis=0),
        intermediates=np.zeros((N, 1, 1)),
        final_demand=flows3.sum(axis=1),
        tariff_tables={"liberation_day": liberation, "reciprocal_retaliation": reciprocal},
        meta=meta,
    )
    world = replace(world, sector_groups={"goods": world.sectors})
    write_world(world, OUT / "baci2023", fmt="parquet", force=True)


BUILDERS = {
    "cp2015": build_cp2015,
    "wiod2014": lambda: build_wiod("s50"),
    "wiod2014-s3": lambda: build_wiod("s3"),
    "wiod2014-ree": lambda: build_wiod("s50", rare_earths=True),
    "wiod2023-ree": build_wiod2023_ree,
    "tiny": build_tiny,
    "ossa2014": build_ossa2014,
    "baci2023": build_baci2023,
}

if __name__ == "__main__":
    for target in sys.argv[1:] or list(BUILDERS):
        BUILDERS[target]()
