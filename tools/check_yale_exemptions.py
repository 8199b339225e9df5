"""Check the scenario's reciprocal-tariff exemptions against the Yale Budget Lab's product list.

    python tools/check_yale_exemptions.py PATH/TO/Tariff-ETRs [CONFIG]

The Budget Lab at Yale's Tariff-ETRs repository (github.com/Budget-Lab-Yale/Tariff-ETRs,
archived June 2026; no licence file, so nothing from it is shipped here) lists, in
``config/archive/<CONFIG>/ieepa_reciprocal.yaml``, the HTS8 lines its model exempts from the
reciprocal tariffs (``product_rates`` at 0). This script reads that list from a local clone and
prints, for each heading the scenario treats as exempt (the 11 April electronics list, rare
earths) and each Annex II chapter, how many of Yale's exempt lines fall under it: a check of
which products are exempt, not of trade weights (the list has no trade values).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

#: Headings the scenario exempts (docs/data/us_tariff_products_2025.csv, Annex II sectors).
HEADINGS = {
    "8471": "computers (11 April list)",
    "851713": "smartphones (11 April list)",
    "851762": "network equipment (11 April list)",
    "852852": "monitors (11 April list)",
    "8541": "semiconductor devices (11 April list)",
    "8542": "integrated circuits (11 April list)",
    "852351": "solid-state storage (11 April list)",
    "847330": "computer parts (11 April list)",
    "8486": "semiconductor equipment (11 April list)",
    "2805": "rare-earth metals (REE, Annex II)",
    "2846": "rare-earth compounds (REE, Annex II)",
    "8505": "permanent magnets (MAG: not exempt in the scenario)",
}
#: HS chapters and the WIOD sector the scenario exempts whole (or not).
CHAPTERS = {
    "25": "salt, stone, cement (C04 mining: exempt)",
    "26": "ores (C04 mining: exempt)",
    "27": "energy (C04 mining, C10 refined petroleum: exempt)",
    "28": "inorganic chemicals (C11 chemicals: NOT exempt in the scenario)",
    "29": "organic chemicals (C11 chemicals: NOT exempt in the scenario)",
    "30": "pharmaceuticals (C12: exempt)",
    "72": "iron and steel (C15: exempt only as Section 232 goods)",
    "74": "copper (C15: not exempt)",
    "81": "other base metals (C15: not exempt)",
}


def exempt_lines(repo: Path, config: str) -> list[str]:
    """The HTS8 lines at a reciprocal rate of 0 in Yale's configuration ``config``."""
    path = f"config/archive/{config}/ieepa_reciprocal.yaml"
    git = ["git", "-C", str(repo), "show", f"HEAD:{path}"]
    text = subprocess.run(git, check=True, capture_output=True, text=True).stdout
    products = text.split("product_rates:", 1)[1]
    return [
        m.group(1)
        for m in re.finditer(r"^\s*'(\d+)':\s*([0-9.]+)\s*$", products, re.M)
        if float(m.group(2)) == 0.0
    ]


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    repo, config = Path(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else "10-30")
    lines = exempt_lines(repo, config)
    print(f"Yale Tariff-ETRs, config {config}: {len(lines)} HTS8 lines exempt")
    print("| heading | what | Yale exempt lines |")
    print("|---|---|---|")
    for code, what in HEADINGS.items():
        print(f"| {code} | {what} | {sum(line.startswith(code) for line in lines)} |")
    chapters = Counter(line[:2] for line in lines)
    print()
    print("| HS chapter | what | Yale exempt lines |")
    print("|---|---|---|")
    for code, what in CHAPTERS.items():
        print(f"| {code} | {what} | {chapters.get(code, 0)} |")


if __name__ == "__main__":
    main()
