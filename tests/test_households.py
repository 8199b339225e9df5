"""Money per household: the bundled counts against the Census, and the column recomputed."""

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest

import tradewar as tw
from tradewar.results.households import households, per_household, usd_per_unit

FOLDER = Path(tw.__file__).parent / "datasets" / "households"


def _raw(year: int) -> tuple[dict[str, float], dict[str, float]]:
    """Population in ``year`` and persons per household, read from the shipped CSVs by hand."""
    with open(FOLDER / "population.csv", newline="", encoding="utf-8") as f:
        people = {
            r["country"]: float(r["population"])
            for r in csv.DictReader(f)
            if int(r["year"]) == year
        }
    with open(FOLDER / "household_size.csv", newline="", encoding="utf-8") as f:
        sizes = {r["country"]: float(r["persons_per_household"]) for r in csv.DictReader(f)}
    return people, sizes


def test_us_households_in_2023_are_within_five_percent_of_the_census_count():
    """U.S. Census Bureau, CPS ASEC, Families and Living Arrangements: 131,434 thousand
    households in 2023 (FRED series TTLHH, updated 21 November 2023)."""
    (us,) = households(["USA"], 2023)
    assert us == pytest.approx(131.434e6, rel=0.05)
    # China: 1.41 billion people in 3.38-person households (UN 2019), about 417 million.
    (china,) = households(["CHN"], 2023)
    assert 380e6 < china < 460e6


def test_unknown_countries_years_and_currencies_give_nan():
    counts = households(["ROW", "EU", "TWN", "DNK", "USA"], 2023)
    assert np.isnan(counts[:4]).all() and np.isfinite(counts[4])
    assert np.isnan(households(["USA"], None)).all()
    # A year outside 1990-2024 takes the nearest year of the table.
    assert households(["USA"], 1950)[0] == households(["USA"], 1990)[0]
    assert households(["USA"], 2030)[0] == households(["USA"], 2024)[0]
    assert np.isnan(per_household(np.array([1.0]), ["USA"], 2023, "EUR million")).all()


@pytest.mark.parametrize(
    ("unit", "scale"),
    [("USD million", 1e6), ("USD billion", 1e9), ("usd thousand", 1e3), ("USD", 1.0)],
)
def test_usd_units(unit, scale):
    assert usd_per_unit(unit) == scale


@pytest.mark.parametrize("unit", ["EUR million", "currency units", "USD lakh", ""])
def test_other_units_are_not_dollars(unit):
    assert usd_per_unit(unit) is None


def test_world_year_is_read_or_none():
    world = tw.load_world("cp2015")
    assert world.year == 1993
    for bad in ("ninety", 1993.5, True, None):
        assert dataclasses.replace(world, meta={**world.meta, "year": bad}).year is None


@pytest.fixture(scope="module")
def nafta():
    world = tw.load_world("cp2015")
    return world, tw.solve(world, [tw.Tariff(importer="USA", exporter="MEX", add_pct=10)])


def test_per_household_column_is_the_equivalent_variation_over_households(nafta):
    """Recomputed from the raw CSVs: EV (USD million) x 1e6 / (population 1993 / size)."""
    world, result = nafta
    assert result.year == 1993
    table = result.country_table()
    people, sizes = _raw(1993)
    checked = 0
    for code in world.countries:
        value = table.loc[code, "equivalent_variation_per_household"]
        if code in people and code in sizes:
            expected = table.loc[code, "equivalent_variation"] * 1e6 / (people[code] / sizes[code])
            assert value == pytest.approx(expected, rel=1e-12), code
            checked += 1
        else:
            assert np.isnan(value), code
    assert checked >= 25
    assert np.isnan(table.loc["ROW", "equivalent_variation_per_household"])
    # The US tariff costs Mexican households money.
    assert table.loc["MEX", "equivalent_variation_per_household"] < 0
    row = next(r for r in result.to_json()["countries"] if r["country"] == "ROW")
    assert row["equivalent_variation_per_household"] is None
