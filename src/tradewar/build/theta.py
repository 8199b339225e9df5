"""Trade elasticities for sectors coded in ISIC Rev. 4, from a named published source or a file.

A sector code names ISIC Rev. 4 divisions in any of the layouts the input–output tables use:
``A01`` (WIOD), ``C10-C12`` (WIOD), ``C10T12`` (OECD ICIO), ``A01_02`` (ICIO 2023),
``C28,C33`` (a merged WIOD sector), ``B`` or ``D35`` (a section or one division). A sector's
elasticity is the mean of its divisions' values.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from tradewar.errors import DataError

#: ISIC Rev. 4 sections and the divisions they hold.
SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}

#: Caliendo and Parro (2015), Table 1 (99% sample) as their T.txt uses it, by ISIC Rev. 4
#: division (their sectors are ISIC Rev. 3; the concordance is by content: printing goes with
#: paper, pharmaceuticals with chemicals, computers/electronics/optics (26) is the mean of
#: office machinery, communication equipment and medical instruments, rounded to 4 decimals;
#: repair of machinery (33) goes with machinery). Services (35 and above) take CP's aggregate
#: elasticity, 4.55.
CP2015_BY_DIVISION: dict[int, float] = {
    **dict.fromkeys((1, 2, 3), 9.11),
    **dict.fromkeys((5, 6, 7, 8, 9), 13.53),
    **dict.fromkeys((10, 11, 12), 2.62),
    **dict.fromkeys((13, 14, 15), 8.10),
    16: 11.50,
    17: 16.52,
    18: 16.52,
    19: 64.85,
    20: 3.13,
    21: 3.13,
    22: 1.67,
    23: 2.41,
    24: 3.28,
    25: 6.99,
    26: round((12.95 + 3.95 + 8.71) / 3, 4),
    27: 12.91,
    28: 1.45,
    29: 8.22,
    30: 8.22,
    31: 3.98,
    32: 3.98,
    33: 1.45,
}
#: Caliendo and Parro (2015): aggregate trade elasticity (full sample), for services.
CP2015_AGGREGATE = 4.55

#: Named sources `theta_for_sectors` knows.
SOURCES = ("cp2015",)

_PART = re.compile(r"^([A-U])?(\d{1,2})?$")


def isic_divisions(code: str) -> list[int]:
    """The ISIC Rev. 4 divisions a sector code covers (see the module docstring).

    Raises `DataError` if the code does not parse.
    """
    text = code.strip().upper().replace(" ", "")
    divisions: list[int] = []
    for piece in re.split(r"[,;+]", text):
        ends = re.split(r"T|-|_", piece) if piece not in SECTIONS else [piece]
        parsed = []
        for end in ends:
            m = _PART.match(end)
            if not end or not m or (m.group(1) is None and m.group(2) is None):
                raise DataError(
                    f"sector code '{code}' does not name ISIC Rev. 4 divisions (e.g. C10T12, "
                    "C10-C12, A01_02, B)",
                    field="sector",
                )
            letter, number = m.group(1), m.group(2)
            if number is None:
                parsed.append(SECTIONS[letter])
            else:
                parsed.append((int(number), int(number)))
        lo, hi = parsed[0][0], parsed[-1][1]
        divisions.extend(range(lo, hi + 1))
    return sorted(set(divisions))


def theta_for_sectors(codes: list[str] | tuple[str, ...], source: str | Path) -> np.ndarray:
    """Trade elasticities for sectors, from a named source or a CSV file.

    Parameters
    ----------
    codes
        Sector codes: ISIC Rev. 4 divisions for a named source; any codes for a file.
    source
        ``"cp2015"`` (Caliendo and Parro 2015 by division, `CP2015_BY_DIVISION`), or a CSV
        with columns ``sector`` and ``theta`` (every sector listed once).
    """
    if str(source) in SOURCES:
        table = CP2015_BY_DIVISION
        values = []
        for code in codes:
            divisions = isic_divisions(code)
            goods = [table[d] for d in divisions if d in table]
            if not goods:
                values.append(CP2015_AGGREGATE)
            elif len(set(goods)) == 1:  # one value: exactly that value
                values.append(goods[0])
            else:
                values.append(math.fsum(goods) / len(goods))
        return np.array(values)
    path = Path(source)
    if not path.exists():
        raise DataError(
            f"not a named source ({', '.join(SOURCES)}) nor an existing file", file=str(source)
        )
    from tradewar.data.tables import read_table, scatter

    frame = read_table(path, {"sector": "str", "theta": "float"})
    theta = scatter(frame, [("sector", tuple(codes))], "theta")
    listed = set(frame["sector"])
    missing = [c for c in codes if c not in listed]
    if missing:
        raise DataError(
            f"no trade elasticity for sector '{missing[0]}'", file=path.name, field="sector"
        )
    bad = np.flatnonzero(theta <= 0)
    if bad.size:
        raise DataError(
            f"trade elasticity must be > 0, got {theta[bad[0]]}", file=path.name, field="theta"
        )
    return theta
