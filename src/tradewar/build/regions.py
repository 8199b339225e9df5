"""Region maps for `tradewar.data.aggregate.aggregate`, from country_converter's data.

Named regions: membership groups (``eu27``, ``oecd``, ``g7``, ``g20``, ``apec``, ``bric``,
``euro``, ``asean``) merge the world's member countries into one region each; classifications
(``continent``, ``continent7``, ``unregion``) give every country its group. Membership comes from
the ``country_data.tsv`` table that ships with country_converter (Stadler 2017), except ASEAN,
which that table lacks: its 11 members since Timor-Leste joined on 26 October 2025 (ASEAN
Secretariat), or ``asean10`` for the ten before.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from tradewar.errors import DataError

#: Membership groups: the region name -> country_converter column (its members have a value).
MEMBERSHIP = {
    "eu27": "EU27",
    "oecd": "OECD",
    "g7": "G7",
    "g20": "G20",
    "apec": "APEC",
    "bric": "BRIC",
    "euro": "EURO",
}
#: ASEAN members (ASEAN Secretariat): ten until 26 October 2025, then Timor-Leste.
ASEAN10 = ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")
ASEAN = (*ASEAN10, "TLS")
#: Classifications: every country gets its group (the region name -> column).
CLASSIFICATIONS = {"continent": "continent", "continent7": "Continent_7", "unregion": "UNregion"}
NAMED = (*MEMBERSHIP, "asean", "asean10", *CLASSIFICATIONS)


@cache
def _coco_table() -> pd.DataFrame:
    path = resources.files("country_converter") / "country_data.tsv"
    with resources.as_file(path) as p:
        return pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8")


def members(region: str) -> tuple[str, ...]:
    """ISO3 codes of a named membership group (``eu27``, ``asean``, ...)."""
    name = region.lower()
    if name == "asean":
        return ASEAN
    if name == "asean10":
        return ASEAN10
    if name not in MEMBERSHIP:
        raise DataError(
            f"unknown region '{region}' (named regions: {', '.join(NAMED)}; or a CSV file with "
            "columns country, region)",
            field="regions",
        )
    table = _coco_table()
    return tuple(table.loc[table[MEMBERSHIP[name]] != "", "ISO3"])


def _code(label: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_")


def region_map(
    countries: tuple[str, ...] | list[str],
    regions: str | Path,
    keep: list[str] | None = None,
    rest: str = "ROW",
) -> dict[str, str]:
    """A country -> region mapping for `aggregate`.

    Parameters
    ----------
    countries
        The world's country codes (ISO3; codes country_converter does not know, like ``ROW``,
        stay as they are unless ``keep`` sends them to ``rest``).
    regions
        Comma-separated named regions (``"eu27,asean"``; see `NAMED`), or a CSV file with
        columns ``country, region`` (unlisted countries stay as they are).
    keep
        If given, every country neither in a region nor listed here goes into ``rest``.
    rest
        The code of the rest of the world.

    Raises
    ------
    DataError
        An unknown region name, a country in two requested regions, or a CSV naming a country
        the world lacks.
    """
    mapping: dict[str, str] = {}
    path = Path(str(regions))
    if path.suffix.lower() in (".csv", ".parquet"):
        from tradewar.data.tables import read_table

        frame = read_table(path, {"country": "str", "region": "str"})
        for row, (c, r) in enumerate(zip(frame["country"], frame["region"], strict=True)):
            if c not in countries:
                raise DataError(
                    f"unknown country '{c}'",
                    file=path.name,
                    row=row + frame.attrs["row_offset"],
                    field="country",
                )
            mapping[c] = r
    else:
        for name in [r.strip() for r in str(regions).split(",") if r.strip()]:
            lower = name.lower()
            if lower in CLASSIFICATIONS:
                table = _coco_table().set_index("ISO3")[CLASSIFICATIONS[lower]]
                assigned = {c: _code(table[c]) for c in countries if c in table.index and table[c]}
            else:
                assigned = dict.fromkeys(
                    (c for c in members(lower) if c in countries), lower.upper()
                )
            for c, r in assigned.items():
                if c in mapping and mapping[c] != r:
                    raise DataError(f"country {c} is in both {mapping[c]} and {r}", field="regions")
                mapping[c] = r
    if keep is not None:
        unknown = [c for c in keep if c not in countries]
        if unknown:
            raise DataError(f"unknown country '{unknown[0]}' in --keep", field="keep")
        for c in countries:
            if c not in mapping and c not in keep:
                mapping[c] = rest
    return mapping


def named_region_counts(countries: tuple[str, ...] | list[str]) -> dict[str, int]:
    """How many of ``countries`` each named membership group holds (groups with two or more)."""
    counts = {}
    for name in (*MEMBERSHIP, "asean"):
        n = sum(1 for c in members(name) if c in countries)
        if n >= 2:
            counts[name] = n
    return counts
