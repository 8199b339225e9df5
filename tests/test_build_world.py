"""Building worlds from your own data: ICIO, WIOD, long tables, share files, regions, tariffs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradewar as tw
from helpers.mrio_files import write_icio, write_wiod
from tradewar.build import (
    aggregate_tables,
    build_world,
    read_cp_shares,
    read_long,
    read_oecd_icio,
    read_wiod,
    region_map,
    shares_from_tables,
    tariff_tables_from_long,
    theta_for_sectors,
    world_from_baseline,
)
from tradewar.build.theta import isic_divisions
from tradewar.cli import app
from tradewar.errors import DataError

FGH = Path(__file__).parent / "reference" / "wiod2014_fgh"
runner = CliRunner()


# ----------------------------------------------------------------------------- share files
@pytest.mark.slow
def test_wiod2014_from_the_fgh_files_is_the_bundled_package_exactly(tmp_path):
    labels = pd.read_csv(FGH / "sectors_50.csv")
    countries = tuple(pd.read_csv(FGH / "countries.csv")["iso"])
    shares = read_cp_shares(
        FGH,
        countries=countries,
        country_names=countries,
        sectors=tuple(labels["code"]),
        sector_names=tuple(labels["short_name"]),
        theta=theta_for_sectors(tuple(labels["isic4"]), "cp2015"),
        year=2014,
    )
    assert [a.what for a in shares.adjustments] == [
        "domestic tariffs (importer = exporter) set to zero"
    ]
    world, _ = world_from_baseline(shares, "wiod2014")
    tw.write_world(world, tmp_path / "wiod2014", fmt="parquet")
    rebuilt, bundled = tw.load_world(tmp_path / "wiod2014"), tw.load_world("wiod2014")
    assert rebuilt.data_hash() == bundled.data_hash()
    for field in ("flows", "tariffs", "value_added", "intermediates", "final_demand", "theta"):
        np.testing.assert_array_equal(getattr(rebuilt, field), getattr(bundled, field))


def test_share_files_missing_or_malformed(tmp_path):
    with pytest.raises(DataError, match="missing file Din"):
        read_cp_shares(
            tmp_path,
            countries=("A",),
            country_names=("A",),
            sectors=("S",),
            sector_names=("S",),
            theta=np.ones(1),
        )
    for f in ("Din", "tariffs", "X0", "G", "B", "alphas", "VA_n", "S_n"):
        (tmp_path / f"{f}.txt").write_text("1\n")
    (tmp_path / "Din.txt").write_text("1,oops\n")
    with pytest.raises(DataError, match=r"Din.txt: not a comma-separated matrix"):
        read_cp_shares(
            tmp_path,
            countries=("A",),
            country_names=("A",),
            sectors=("S",),
            sector_names=("S",),
            theta=np.ones(1),
        )


def test_isic_codes_of_every_layout_parse():
    assert isic_divisions("C10T12") == isic_divisions("C10-C12") == [10, 11, 12]
    assert isic_divisions("A01_02") == [1, 2]
    assert isic_divisions("C28,C33") == [28, 33]
    assert isic_divisions("B") == [5, 6, 7, 8, 9]
    theta = theta_for_sectors(["A01", "C26", "C29", "D35", "B05_06"], "cp2015")
    np.testing.assert_array_equal(theta, [9.11, 8.5367, 8.22, 4.55, 13.53])
    with pytest.raises(DataError, match="does not name ISIC"):
        isic_divisions("Agriculture")


# ----------------------------------------------------------------------------- OECD ICIO
def test_icio_reader_merges_china_and_mexico_and_keeps_every_value(tmp_path):
    data = write_icio(tmp_path / "2020.csv")
    tables = read_oecd_icio(tmp_path, year=2020)
    assert tables.countries == ("AUS", "CHN", "MEX", "USA", "ROW")
    assert tables.sectors == ("A01_02", "C26", "D")
    inv = np.array([c.endswith("_INVNT") for c in data["fd_cols"]])
    assert tables.flows.sum() == pytest.approx(
        data["z"].sum() + data["fd"][:, ~inv].sum(), rel=1e-12
    )
    assert tables.inputs.sum() == pytest.approx(data["z"].sum(), rel=1e-12)
    assert (tables.value_added.sum() + tables.inputs.sum()) == pytest.approx(
        data["out"].sum(), rel=1e-12
    )
    # China's exports of C26 to the US: CN1 + CN2 (+ the zero CHN block), all uses.
    rows = [
        r for r in data["rows"] if r.split("_")[0] in ("CHN", "CN1", "CN2") and r.endswith("_C26")
    ]
    cols_z = [c for c in data["rows"] if c.startswith("USA_")]
    cols_f = [c for c in data["fd_cols"] if c.startswith("USA_") and not c.endswith("INVNT")]
    r_idx = [data["rows"].index(r) for r in rows]
    expect = data["z"][np.ix_(r_idx, [data["rows"].index(c) for c in cols_z])].sum()
    expect += data["fd"][np.ix_(r_idx, [data["fd_cols"].index(c) for c in cols_f])].sum()
    assert tables.flows[3, 1, 1] == pytest.approx(expect, rel=1e-12)
    what = [a.what for a in tables.adjustments]
    assert any("merged" in w for w in what) and any("inventories" in w for w in what)


def test_a_misspelt_build_option_is_refused_before_any_file_is_read(tmp_path):
    with pytest.raises(TypeError, match=r"unknown option\(s\) sectormap .*sector_map"):
        build_world("oecd-icio", tmp_path / "absent.csv", name="x", sectormap="s.csv")  # type: ignore[call-arg]


def test_icio_world_builds_balanced_and_a_zero_shock_changes_nothing(tmp_path):
    write_icio(tmp_path / "icio.csv", seed=3)
    world, report = build_world("oecd-icio", tmp_path / "icio.csv", name="icio", year=2020)
    tw.check_world(world)
    assert report.max_wage_change < 0.05
    assert "build_adjustments" in world.meta
    result = tw.solve(world, [])
    assert np.abs(result.to_frame().query("variable == 'welfare_pct'")["value"]).max() < 1e-8


def test_icio_reads_the_zip_as_downloaded(tmp_path):
    import zipfile

    write_icio(tmp_path / "2019.csv", seed=1)
    write_icio(tmp_path / "2020.csv", seed=2)
    with zipfile.ZipFile(tmp_path / "ICIO2023_2016-2020.zip", "w") as z:
        z.write(tmp_path / "2019.csv", "2019.csv")
        z.write(tmp_path / "2020.csv", "2020.csv")
    a = read_oecd_icio(tmp_path / "ICIO2023_2016-2020.zip", year=2020)
    b = read_oecd_icio(tmp_path / "2020.csv")
    np.testing.assert_array_equal(a.flows, b.flows)
    with pytest.raises(DataError, match=r"expected one CSV, found 2.*pass --year"):
        read_oecd_icio(tmp_path / "ICIO2023_2016-2020.zip")


def _edit_icio(path: Path, edit) -> Path:
    frame = pd.read_csv(path, index_col=0)
    frame = edit(frame)
    frame.index.name = "V1"
    frame.to_csv(path)
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda f: f.drop(index=[r for r in f.index if r.startswith("USA_")]),
            r"icio.csv, field 'USA': country USA has intermediate-use columns but no industry rows",
        ),
        (
            lambda f: f.rename(index={"AUS_C26": "AUSC26"}),
            r"icio.csv, row 3, field 'V1': row label 'AUSC26' does not parse",
        ),
        (
            lambda f: f.rename(columns={"USA_D": "USA-D"}),
            r"icio.csv, row 1, field 'USA-D': column label 'USA-D' does not parse",
        ),
        (
            lambda f: f.assign(**{"AUS_C26": f["AUS_C26"].where(f.index != "OUT", -5.0)}),
            r"icio.csv, row 31, field 'AUS_C26': negative output -5",
        ),
        (
            lambda f: f.astype(object).assign(
                **{"USA_D": f["USA_D"].astype(object).where(f.index != "AUS_D", "n/a")}
            ),
            r"icio.csv, row 4, field 'USA_D': not a number: 'n/a'",
        ),
    ],
)
def test_malformed_icio_names_file_row_and_column(tmp_path, edit, message):
    path = tmp_path / "icio.csv"
    write_icio(path)
    _edit_icio(path, edit)
    with pytest.raises(DataError, match=message):
        read_oecd_icio(path)
    result = runner.invoke(
        app, ["build-world", str(path), "--from", "oecd-icio", "--out", str(tmp_path / "w")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "w").exists()


# ----------------------------------------------------------------------------- WIOD 2016
@pytest.mark.parametrize("stata", [True, False])
def test_wiod_reader_both_layouts(tmp_path, stata):
    path = tmp_path / ("WIOT2014_October16_ROW.dta" if stata else "wiot2014.csv")
    data = write_wiod(path, stata=stata)
    tables = read_wiod(path, year=2014)
    assert tables.countries == data["countries"]
    assert tables.sectors == ("A01", "C26", "U")
    assert tables.sector_names[1] == "Computer, electronic and optical products"
    inv = np.zeros(data["fd"].shape[1], dtype=bool)
    inv[4::5] = True
    assert tables.flows.sum() == pytest.approx(
        data["z"].sum() + data["fd"][:, ~inv].sum(), rel=1e-12
    )
    world, _ = build_world("wiod", path, name="wiod-test", year=2014)
    tw.check_world(world)


def test_malformed_wiod(tmp_path):
    path = tmp_path / "wiot.csv"
    write_wiod(path, stata=False)
    frame = pd.read_csv(path)
    frame.loc[frame.IndustryCode == "GO", "AUS2"] = -1.0
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"wiot.csv, row 20, field 'AUS2': negative output"):
        read_wiod(path)
    write_wiod(path, stata=False)
    frame = pd.read_csv(path)
    frame[frame.Country != "CHN"].to_csv(path, index=False)
    with pytest.raises(
        DataError, match="country CHN has intermediate-use columns but no industry rows"
    ):
        read_wiod(path)
    write_wiod(path, stata=False)
    frame = pd.read_csv(path).rename(columns={"USA3": "USA_3"})
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"field 'USA_3': column 'USA_3' does not parse"):
        read_wiod(path)
    with pytest.raises(DataError, match="Year is 2014, not 2015"):
        write_wiod(path, stata=False)
        read_wiod(path, year=2015)


# ----------------------------------------------------------------------------- long tables
def test_long_tables_round_trip_the_tiny_world(tmp_path, tiny):
    c, s = np.array(tiny.countries), np.array(tiny.sectors)
    n, i, j = np.indices(tiny.flows.shape).reshape(3, -1)
    pd.DataFrame(
        {"exporter": c[i], "importer": c[n], "sector": s[j], "value": tiny.flows[n, i, j]}
    ).to_csv(tmp_path / "flows.csv", index=False)
    gross = ((1 + tiny.tariffs) * tiny.flows).sum(axis=1)
    factor = gross / tiny.flows.sum(axis=1)
    basic = tiny.intermediates / factor[:, :, None]
    n, k, j = np.indices(basic.shape).reshape(3, -1)
    pd.DataFrame(
        {"country": c[n], "input_sector": s[k], "using_sector": s[j], "value": basic[n, k, j]}
    ).to_csv(tmp_path / "inputs.csv", index=False)
    n, j = np.indices(tiny.value_added.shape).reshape(2, -1)
    pd.DataFrame({"country": c[n], "sector": s[j], "value_added": tiny.value_added[n, j]}).to_csv(
        tmp_path / "va.csv", index=False
    )
    n, i, j = np.nonzero(tiny.tariffs)
    pd.DataFrame(
        {
            "importer": c[n],
            "exporter": c[i],
            "sector": s[j],
            "tariff_pct": 100 * tiny.tariffs[n, i, j],
        }
    ).to_csv(tmp_path / "tariffs.csv", index=False)
    pd.DataFrame({"sector": s, "theta": tiny.theta}).to_csv(tmp_path / "theta.csv", index=False)
    world, report = build_world(
        "long",
        tmp_path / "flows.csv",
        name="tiny",
        inputs=tmp_path / "inputs.csv",
        value_added=tmp_path / "va.csv",
        tariffs=tmp_path / "tariffs.csv",
        theta=tmp_path / "theta.csv",
    )
    assert report.max_wage_change < 1e-9
    for field in ("flows", "tariffs", "value_added", "intermediates", "final_demand"):
        np.testing.assert_allclose(
            getattr(world, field), getattr(tiny, field), rtol=1e-9, atol=1e-9
        )


def test_long_tables_bad_input(tmp_path):
    (tmp_path / "flows.csv").write_text("exporter,importer,sector,value\nA,B,S,-1\n")
    with pytest.raises(DataError, match=r"flows.csv, row 2, field 'value': negative value"):
        read_long(tmp_path / "flows.csv")
    with pytest.raises(DataError, match="input use and value added come together"):
        read_long(tmp_path / "flows.csv", inputs=tmp_path / "flows.csv")


# ----------------------------------------------------------------------------- regions
@pytest.mark.slow
def test_eu27_plus_ten_keeps_every_account_and_the_counterfactual():
    full = tw.load_world("wiod2014")
    keep = ["USA", "CHN", "JPN", "KOR", "IND", "BRA", "CAN", "MEX", "GBR", "RUS"]
    mapping = region_map(full.countries, "eu27", keep=keep)
    agg = tw.aggregate(full, mapping, name="eu27+10")
    assert len(agg.countries) == 12 and "EU27" in agg.countries and "ROW" in agg.countries
    for field in ("value_added", "flows", "intermediates", "final_demand"):
        assert getattr(agg, field).sum() == pytest.approx(getattr(full, field).sum(), rel=1e-12)
    assert agg.deficit.sum() == pytest.approx(0.0, abs=1e-6 * agg.value_added.sum())
    eu = [full.country_index(c) for c in mapping if mapping[c] == "EU27"]
    assert agg.deficit[agg.country_index("EU27")] == pytest.approx(
        full.flows[np.ix_(eu, [k for k in range(44) if k not in eu])].sum()
        - full.flows[np.ix_([k for k in range(44) if k not in eu], eu)].sum(),
        rel=1e-9,
    )
    zero = tw.solve(agg, []).to_frame()
    assert np.abs(zero.query("variable == 'welfare_pct'")["value"]).max() < 1e-8
    policy = [tw.Tariff(importer="USA", exporter="CHN", sectors=["goods"], add_pct=20)]
    a = tw.solve(full, policy).to_frame()
    b = tw.solve(agg, policy).to_frame()
    for code in ("USA", "CHN"):
        wa = a[(a["variable"] == "welfare_pct") & (a["country"] == code)]["value"].iloc[-1]
        wb = b[(b["variable"] == "welfare_pct") & (b["country"] == code)]["value"].iloc[-1]
        assert wb == pytest.approx(wa, rel=0.05, abs=0.002)


def test_region_maps_from_names_and_files(tmp_path):
    countries = ("DEU", "FRA", "IDN", "THA", "USA", "ROW")
    assert region_map(countries, "eu27,asean") == {
        "DEU": "EU27",
        "FRA": "EU27",
        "IDN": "ASEAN",
        "THA": "ASEAN",
    }
    assert region_map(countries, "eu27", keep=["USA"]) == {
        "DEU": "EU27",
        "FRA": "EU27",
        "IDN": "ROW",
        "THA": "ROW",
        "ROW": "ROW",
    }
    assert region_map(countries, "continent")["USA"] == "AMERICA"
    with pytest.raises(DataError, match="unknown region 'mercosur'"):
        region_map(countries, "mercosur")
    with pytest.raises(DataError, match=r"country [A-Z]{3} is in both EU27 and OECD"):
        region_map(countries, "eu27,oecd")
    (tmp_path / "map.csv").write_text("country,region\nDEU,EUR\nXXX,EUR\n")
    with pytest.raises(DataError, match=r"map.csv, row 3, field 'country': unknown country 'XXX'"):
        region_map(countries, tmp_path / "map.csv")


def test_aggregating_source_tables_keeps_totals(tmp_path):
    write_icio(tmp_path / "icio.csv")
    tables = read_oecd_icio(tmp_path / "icio.csv")
    agg = aggregate_tables(tables, {"AUS": "RAP", "CHN": "RAP"}, {"A01_02": "GDS", "C26": "GDS"})
    for field in ("flows", "inputs", "final", "value_added"):
        assert getattr(agg, field).sum() == pytest.approx(getattr(tables, field).sum(), rel=1e-12)
    shares = shares_from_tables(agg, np.full(2, 5.0))
    np.testing.assert_allclose(shares.pi.sum(axis=1), 1.0)
    assert abs(shares.deficit.sum()) < 1e-9 * shares.va.sum()


# ----------------------------------------------------------------------------- tariffs
def test_tariff_tables_from_products_with_wildcards_and_steps(tmp_path):
    (tmp_path / "conc.csv").write_text("product,sector\n01,AGR\n84,MAN\n8471,MAN\n")
    (tmp_path / "t.csv").write_text(
        "importer,exporter,product,tariff_pct,weight,table\n"
        "HOM,*,0101,10,1,\n"
        "HOM,FOR,010121,30,3,\n"
        "HOM,FOR,010290,10,1,\n"
        "HOM,*,847130,145,1,2025-04\n"
        "HOM,ROW,8471,10,1,2025-04\n"
    )
    conc = dict(pd.read_csv(tmp_path / "conc.csv", dtype=str).values)
    tables = tariff_tables_from_long(
        tmp_path / "t.csv", ("HOM", "FOR", "ROW"), ("AGR", "MAN", "SRV"), conc
    )
    base, step = tables["baseline"], tables["2025-04"]
    assert base[0, 1, 0] == pytest.approx(0.25)  # (30*3 + 10*1) / 4, the named pair wins
    assert base[0, 2, 0] == pytest.approx(0.10)  # from the wildcard
    assert base[0, 0, 0] == 0.0  # never a domestic tariff
    assert step[0, 1, 1] == pytest.approx(1.45) and step[0, 2, 1] == pytest.approx(0.10)
    (tmp_path / "bad.csv").write_text("importer,exporter,product,tariff_pct\nHOM,FOR,9999,5\n")
    with pytest.raises(
        DataError,
        match=r"bad.csv, row 2, field 'product': product '9999' is not in the concordance",
    ):
        tariff_tables_from_long(tmp_path / "bad.csv", ("HOM", "FOR"), ("AGR",), conc)
    (tmp_path / "bad.csv").write_text(
        "importer,exporter,sector,tariff_pct\nHOM,XXX,AGR,5\nHOM,FOR,AGR,-100\n"
    )
    with pytest.raises(
        DataError, match=r"bad.csv, row 3, field 'tariff_pct': tariff -100.0% is not above -100%"
    ):
        tariff_tables_from_long(tmp_path / "bad.csv", ("HOM", "FOR"), ("AGR",))


def test_step_tables_added_to_a_world_drive_a_scenario(tmp_path):
    (tmp_path / "t.csv").write_text(
        "importer,exporter,sector,tariff_pct,table\nHOM,FOR,MAN,50,war\nFOR,HOM,MAN,40,war\n"
    )
    result = runner.invoke(
        app,
        [
            "build-world",
            "tiny",
            "--from",
            "world",
            "--tariffs",
            str(tmp_path / "t.csv"),
            "--out",
            str(tmp_path / "tiny2"),
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    world = tw.load_world(tmp_path / "tiny2")
    assert world.tariff_tables["war"][0, 1, 1] == pytest.approx(0.5)
    policy = [tw.Tariff(importer="HOM", exporter="FOR", sectors=["MAN"], set_from="war")]
    frame = tw.solve(world, policy).to_frame()
    assert frame.query("variable == 'welfare_pct' and country == 'FOR'")["value"].iloc[-1] < 0
    (tmp_path / "b.csv").write_text("importer,exporter,sector,tariff_pct\nHOM,FOR,MAN,50\n")
    result = runner.invoke(
        app,
        [
            "build-world",
            "tiny",
            "--from",
            "world",
            "--tariffs",
            str(tmp_path / "b.csv"),
            "--out",
            str(tmp_path / "tiny3"),
        ],
    )
    assert result.exit_code == 2 and "baseline tariffs cannot be changed" in result.output


def test_build_world_refuses_a_foreign_folder_before_working(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = runner.invoke(
        app, ["build-world", "tiny", "--from", "world", "--out", str(tmp_path / "mine")]
    )
    assert result.exit_code == 2
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


# ----------------------------------------------------------------------------- baseline update
TARGETS = Path(__file__).parents[1] / "docs" / "data" / "wiod2014_targets_2023.csv"


@pytest.mark.slow
def test_update_wiod2014_s3_to_the_2023_targets(tmp_path):
    from tradewar.build import read_targets, update_baseline

    world = tw.load_world("wiod2014-s3")
    targets = read_targets(TARGETS, world)
    assert targets.sources and all(s.strip() for s in targets.sources)
    new, report = update_baseline(world, targets, name="wiod2023-s3")
    tw.check_world(new)
    known = np.isfinite(targets.gdp)
    gap = np.abs(new.value_added.sum(axis=1) - targets.gdp)[known] / targets.gdp[known]
    assert gap.max() < 0.03 and report.gdp_max_gap_pct == pytest.approx(100 * gap.max())
    assert report.ras_max_gap < 1e-8 and report.trade_median_gap_pct < 2.0
    us, cn = new.country_index("USA"), new.country_index("CHN")
    assert new.flows[us, cn, 0] == pytest.approx(targets.trade[us, cn], rel=0.05)
    assert new.value_added.sum() > 1.3 * world.value_added.sum()  # 2014 -> 2023 growth
    result = runner.invoke(
        app,
        [
            "build-world",
            "wiod2014-s3",
            "--from",
            "world",
            "--update",
            str(TARGETS),
            "--out",
            str(tmp_path / "w23"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "RAS: converged" in result.output
    assert "updated_to" in tw.load_world(tmp_path / "w23").meta


def test_ras_balances_totals_around_fixed_cells():
    from tradewar.build.update import ras

    prior = np.array([[0.0, 2.0, 1.0], [3.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    fixed = np.full((3, 3), np.nan)
    fixed[0, 1] = 5.0
    rows, cols = np.array([6.0, 5.0, 3.0]), np.array([4.0, 7.0, 3.0])
    out, _, converged, gap = ras(prior, fixed, rows, cols)
    assert converged and gap < 1e-12
    np.testing.assert_allclose(out.sum(axis=1), rows)
    np.testing.assert_allclose(out.sum(axis=0), cols)
    assert out[0, 1] == 5.0 and out[0, 0] == 0.0
    _, _, ok, _ = ras(prior, fixed, rows, cols * 2.0)  # inconsistent totals cannot balance
    assert not ok


def test_bad_targets(tmp_path, tiny):
    from tradewar.build import read_targets

    for text, message in [
        (
            "variable,country,partner,value\ngdp,XXX,,1\n",
            r"row 2, field 'country': unknown country 'XXX'",
        ),
        ("variable,country,partner,value\nwealth,HOM,,1\n", "unknown variable 'wealth'"),
        ("variable,country,partner,value\ngoods_trade,HOM,HOM,1\n", "partner 'HOM' is not another"),
        ("variable,country,partner,value,unit\ngdp,HOM,,1,USD million\n", "is not the world's"),
        (
            "variable,country,partner,value\ngdp,HOM,,1\ngdp,HOM,,2\n",
            "row 3, field 'variable': gdp for HOM given twice",
        ),
    ]:
        (tmp_path / "t.csv").write_text(text)
        with pytest.raises(DataError, match=message):
            read_targets(tmp_path / "t.csv", tiny)


def test_sector_map_and_regions_when_building_from_icio(tmp_path):
    write_icio(tmp_path / "icio.csv")
    (tmp_path / "sectors.csv").write_text(
        "sector,group,name\nA01_02,GDS,Goods\nC26,GDS,Goods\nD,SRV,Services\n"
    )
    tables = read_oecd_icio(tmp_path / "icio.csv")
    world, _ = build_world(
        "oecd-icio",
        tmp_path / "icio.csv",
        name="grouped",
        sector_map=tmp_path / "sectors.csv",
        regions="eu27",
        keep=["USA", "CHN"],
    )
    assert world.sectors == ("GDS", "SRV") and world.sector_names == ("Goods", "Services")
    assert set(world.countries) == {"ROW", "CHN", "USA"}
    assert world.theta[1] == 4.55  # electricity is a service in CP's table
    assert 8.5367 < world.theta[0] < 9.11  # agriculture 9.11 and electronics 8.5367, weighted
    tw.check_world(world)
    assert world.value_added.sum() == pytest.approx(
        tables.value_added.sum(), rel=0.05
    )  # calibration moves levels only as far as the data were unbalanced
