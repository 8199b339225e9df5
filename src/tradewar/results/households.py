"""Money per household: equivalent variation divided by each country's number of households.

Households in a year are that year's population (World Bank ``SP.POP.TOTL``) over persons per
household (UN DESA, *Household Size and Composition 2019*); both ship in
``tradewar/datasets/households`` (its README gives the sources and the check against the US
Census count). A year outside the population table (1990-2024) takes its nearest year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

_FOLDER = Path(__file__).resolve().parents[1] / "datasets" / "households"

#: Multipliers of the currency units worlds use, to US dollars.
_SCALES = {"": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


@cache
def _tables() -> tuple[pd.DataFrame, pd.Series]:
    people = pd.read_csv(_FOLDER / "population.csv", dtype={"country": str})
    sizes = pd.read_csv(_FOLDER / "household_size.csv", dtype={"country": str})
    return people, sizes.set_index("country")["persons_per_household"]


def households(countries: Sequence[str], year: int | None) -> np.ndarray:
    """``(N,)`` number of households of each country in ``year``; NaN where unknown.

    Parameters
    ----------
    countries
        ISO3 codes (aggregates such as ``ROW`` or ``EU`` are unknown).
    year
        Calendar year of the world; the population table's nearest year (1990-2024) stands
        in for one outside it. ``None`` gives NaN for every country.

    Returns
    -------
    numpy.ndarray
        Households (count, float64), population / persons per household; a fresh copy.
    """
    return _households(tuple(countries), None if year is None else int(year)).copy()


@cache
def _households(countries: tuple[str, ...], year: int | None) -> np.ndarray:
    out = np.full(len(countries), np.nan)
    if year is None:
        return out
    people, sizes = _tables()
    years = people["year"].unique()
    nearest = int(years[np.argmin(np.abs(years - year))])
    population = people.loc[people["year"] == nearest].set_index("country")["population"]
    per = pd.Series(list(countries), dtype=object)
    out[:] = (per.map(population) / per.map(sizes)).to_numpy(dtype=float)
    return out


def usd_per_unit(unit: str) -> float | None:
    """US dollars in one ``unit`` (``"USD million"`` -> 1e6); None for any other currency."""
    match = re.fullmatch(r"\s*(?:USD|US\$|\$)\s*([a-z]*)\s*", unit, flags=re.IGNORECASE)
    if match is None:
        return None
    return _SCALES.get(match.group(1).lower())


def per_household(
    amount: np.ndarray, countries: Sequence[str], year: int | None, unit: str
) -> np.ndarray:
    """``(N,)`` ``amount`` (in ``unit``) per household of each country, US dollars.

    Parameters
    ----------
    amount
        ``(N,)`` money in the world's ``unit`` (e.g. the equivalent variation).
    countries, year
        As for `households`.
    unit
        The world's currency unit; NaN for all when it is not a multiple of US dollars.

    Returns
    -------
    numpy.ndarray
        USD per household; NaN where the households or the unit are unknown.
    """
    scale = usd_per_unit(unit)
    if scale is None:
        return np.full(len(countries), np.nan)
    count = households(countries, year)
    with np.errstate(invalid="ignore"):
        return np.asarray(amount, dtype=float) * scale / count
