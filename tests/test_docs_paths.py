"""Every file the README, docs, scenarios and reports point to ships in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PATH = re.compile(
    r"(?<![\w/.-])((?:docs|scenarios|examples|benchmarks|tools|tests|src)/[\w./-]*\w\.(?:md|toml|py|png|csv|parquet))"
)
LINK = re.compile(r"\]\(([^)#:]+)\)")  # markdown links without a scheme


def _texts() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "scenarios").glob("*.toml"))
    files += sorted((ROOT / "src" / "tradewar" / "report").glob("*.py"))
    return files


def test_every_mentioned_path_exists():
    missing = []
    for file in _texts():
        text = file.read_text(encoding="utf-8")
        for match in PATH.finditer(text):
            if not (ROOT / match.group(1)).exists():
                missing.append(f"{file.relative_to(ROOT)}: {match.group(1)}")
        if file.suffix == ".md":
            for link in LINK.findall(text):
                if link.startswith(("http", "mailto")) or "<" in link:
                    continue
                if not (file.parent / link).exists():
                    missing.append(f"{file.relative_to(ROOT)}: link {link}")
    assert not missing, "\n".join(missing)


def test_nothing_cites_files_outside_the_repository():
    for file in _texts():
        text = file.read_text(encoding="utf-8")
        for name in ("ARCHITECTURE.md", "FACTS.md", "../shared"):
            assert name not in text, f"{file.relative_to(ROOT)} cites {name}"
