"""World packages: bundled datasets, round trips and every kind of bad input."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradewar as tw
from tradewar.datasets import dataset_path


@pytest.mark.parametrize("name", ["tiny", "cp2015", "wiod2014", "wiod2014-s3"])
def test_bundled_worlds_load_balanced_with_provenance(name):
    world = tw.load_world(name)
    tw.check_world(world)
    for key in ("source", "citation", "license", "unit", "year"):
        assert world.meta.get(key), key
    assert abs(world.deficit.sum()) < 1e-6 * world.value_added.sum()


def test_list_datasets_names_all_worlds():
    names = {d["name"] for d in tw.list_datasets()}
    assert {"tiny", "cp2015", "wiod2014", "wiod2014-s3"} <= names


def test_cp2015_has_2005_tariffs_and_deficits(cp2015):
    assert "2005" in cp2015.tariff_tables
    usa = cp2015.country_index("USA")
    assert cp2015.deficit[usa] == pytest.approx(123_318.7, rel=1e-3)  # USD million, 1993


def test_wiod2014_sanity_values():
    w = tw.load_world("wiod2014")
    usa, chn = w.country_index("USA"), w.country_index("CHN")
    goods = [w.sector_index(f"C{k:02d}") for k in range(1, 23)]
    us_from_cn = w.flows[usa, chn, goods].sum() / 1e3  # USD bn, before tariffs
    assert 300 < us_from_cn < 360  # FGH README: 333.5 bn f.o.b. (re-solved base moves it a bit)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_and_reload_round_trip(tiny, tmp_path, fmt):
    out = tw.write_world(tiny, tmp_path / "copy", fmt=fmt)
    again = tw.load_world(out)
    assert again.countries == tiny.countries
    np.testing.assert_allclose(again.flows, tiny.flows, rtol=1e-15)
    np.testing.assert_allclose(again.intermediates, tiny.intermediates, rtol=1e-15)
    assert again.data_hash() == tiny.data_hash()


def test_gravity_world_needs_only_countries_sectors_flows(tmp_path):
    d = tmp_path / "g"
    d.mkdir()
    (d / "countries.csv").write_text("country,name\nAAA,A\nBBB,B\n")
    (d / "sectors.csv").write_text("sector,name,theta,tradable\nG,Goods,5,true\n")
    (d / "flows.csv").write_text(
        "exporter,importer,sector,value\nAAA,AAA,G,80\nAAA,BBB,G,20\nBBB,AAA,G,20\nBBB,BBB,G,70\n"
    )
    world = tw.load_world(d)
    result = tw.solve(
        world, [tw.Tariff(importer="AAA", exporter="BBB", set_pct=10)], model="armington"
    )
    assert result.converged


@pytest.fixture
def package(tmp_path):
    target = tmp_path / "tiny"
    shutil.copytree(dataset_path("tiny"), target)
    return target


def _edit(path: Path, row: int, column: str, value) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


BAD = [
    ("flows.csv", 3, "value", "-5", "flows.csv, row 5, field 'value': negative value"),
    ("flows.csv", 2, "value", "NaN", "flows.csv, row 4, field 'value': not a finite number"),
    ("flows.csv", 0, "value", "abc", "flows.csv, row 2, field 'value': not a finite number"),
    ("flows.csv", 1, "exporter", "XXX", "flows.csv, row 3, field 'exporter': unknown code 'XXX'"),
    ("flows.csv", 1, "sector", "ZZZ", "flows.csv, row 3, field 'sector': unknown code 'ZZZ'"),
    ("tariffs.csv", 0, "tariff_pct", "-100", "tariffs.csv, row 2, field 'tariff_pct'"),
    ("tariffs.csv", 0, "tariff_pct", "-150", "is not above -100%"),
    ("sectors.csv", 0, "theta", "0", "sectors.csv, row 2, field 'theta'"),
    ("sectors.csv", 0, "tradable", "maybe", "field 'tradable': not true/false"),
    ("value_added.csv", 0, "value_added", "1000", "unbalanced at country HOM, sector AGR"),
    ("countries.csv", 1, "country", "HOM", "countries.csv, row 3, field 'country': duplicate"),
]


@pytest.mark.parametrize(("file", "row", "column", "value", "message"), BAD)
def test_bad_input_names_file_row_and_field(package, file, row, column, value, message):
    _edit(package / file, row, column, value)
    with pytest.raises(tw.DataError) as info:
        tw.load_world(package)
    assert message in str(info.value)


def test_missing_file_is_named(package):
    (package / "flows.csv").unlink()
    with pytest.raises(tw.DataError, match=r"missing required file flows.csv"):
        tw.load_world(package)


def test_missing_column_is_named(package):
    frame = pd.read_csv(package / "flows.csv").drop(columns="value")
    frame.to_csv(package / "flows.csv", index=False)
    with pytest.raises(tw.DataError, match=r"flows.csv, field 'value': missing column"):
        tw.load_world(package)


def test_duplicate_flow_is_named(package):
    frame = pd.read_csv(package / "flows.csv")
    pd.concat([frame, frame.iloc[[0]]]).to_csv(package / "flows.csv", index=False)
    with pytest.raises(tw.DataError, match="duplicate entry"):
        tw.load_world(package)


def test_nontradable_sector_with_trade_is_rejected(package):
    frame = pd.read_csv(package / "sectors.csv", dtype=str)
    frame.loc[frame.sector == "AGR", "tradable"] = "false"
    frame.to_csv(package / "sectors.csv", index=False)
    with pytest.raises(tw.DataError, match="tradable=false but has cross-border flows"):
        tw.load_world(package)


def test_unknown_world_is_an_error():
    with pytest.raises(tw.DataError, match="no such world package"):
        tw.load_world("no-such-world")


def test_unknown_country_lookup(tiny):
    with pytest.raises(tw.DataError, match="unknown country 'USA'"):
        tiny.country_index("USA")


def test_a_flows_table_that_misses_rows_is_blamed_on_flows(tmp_path):
    world = tmp_path / "short"
    shutil.copytree(dataset_path("tiny"), world)
    lines = (world / "flows.csv").read_text().splitlines()
    (world / "flows.csv").write_text("\n".join(lines[:2]) + "\n")
    with pytest.raises(tw.DataError, match=r"^flows\.csv against value_added\.csv"):
        tw.load_world(world)
