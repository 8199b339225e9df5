"""Build the bundled household counts' inputs: population by year and persons per household.

Run from the repository root::

    python tools/build_households.py POPULATION_CSV HOUSEHOLD_SIZE_PY

``POPULATION_CSV`` is ``data/population.csv`` of the ``datasets/population`` data package
(World Bank WDI ``SP.POP.TOTL``, public domain, PDDL; columns ``Country Name, Country Code,
Year, Value``). ``HOUSEHOLD_SIZE_PY`` is ``covasim/data/household_size_data.py`` of Covasim
(MIT), a transcription of the average household size (latest reference date per country) of
UN DESA Population Division, *Household Size and Composition 2019*. Output goes to
``src/tradewar/datasets/households/`` (``population.csv``: country, year, population for
1990-2024; ``household_size.csv``: country, un_name, persons_per_household). Country names
are matched to ISO3 codes with country_converter's regular expressions.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import resources
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tradewar" / "datasets" / "households"
FIRST_YEAR, LAST_YEAR = 1990, 2024


def _coco() -> pd.DataFrame:
    path = resources.files("country_converter") / "country_data.tsv"
    with resources.as_file(path) as p:
        return pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8")


def _iso3(name: str, table: pd.DataFrame) -> str | None:
    pairs = zip(table.regex, table.ISO3, strict=True)
    hits = {iso for regex, iso in pairs if re.search(regex, name, re.I)}
    return hits.pop() if len(hits) == 1 else None


def household_sizes(path: Path) -> pd.DataFrame:
    """Persons per household by ISO3 code from the transcribed UN table (one row a country)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    data = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "data"
    )
    table = _coco()
    rows: dict[str, tuple[str, float]] = {}
    for name, size in data.items():
        code = _iso3(name, table)
        if code is None:
            raise SystemExit(f"{path}: no unique ISO3 code for {name!r}")
        if code in rows and rows[code][1] != size:
            raise SystemExit(f"{path}: {name!r} and {rows[code][0]!r} disagree for {code}")
        # The table repeats countries under short aliases; keep the UN's own (first) name.
        rows.setdefault(code, (name, float(size)))
    frame = pd.DataFrame(
        [(code, name, size) for code, (name, size) in rows.items()],
        columns=["country", "un_name", "persons_per_household"],
    )
    return frame.sort_values("country").reset_index(drop=True)


def populations(path: Path) -> pd.DataFrame:
    """Population by ISO3 country and year, 1990-2024 (the World Bank's aggregates left out)."""
    raw = pd.read_csv(path, keep_default_na=False)
    countries = set(_coco().ISO3)
    keep = raw["Country Code"].isin(countries) & raw["Year"].between(FIRST_YEAR, LAST_YEAR)
    frame = raw.loc[keep, ["Country Code", "Year", "Value"]]
    frame.columns = ["country", "year", "population"]
    frame = frame[pd.to_numeric(frame["population"], errors="coerce") > 0]
    frame = frame.astype({"year": int, "population": "int64"})
    return frame.sort_values(["country", "year"]).reset_index(drop=True)


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = household_sizes(Path(argv[1]))
    people = populations(Path(argv[0]))
    sizes.to_csv(OUT / "household_size.csv", index=False, float_format="%.3f")
    people.to_csv(OUT / "population.csv", index=False)
    print(f"{len(sizes)} household sizes, {people.country.nunique()} countries' population")


if __name__ == "__main__":
    main(sys.argv[1:])
