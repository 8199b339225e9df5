"""Comparing scenarios side by side (`tw.compare`, `tradewar compare`)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app

TINY = """
name = "{name}"
world = "{world}"
[[policy]]
kind = "tariff"
importer = "{importer}"
exporter = "{exporter}"
sectors = "goods"
add_pct = {rate}
"""


def _write(tmp_path, stem, **fields):
    path = tmp_path / f"{stem}.toml"
    path.write_text(TINY.format(**fields), encoding="utf-8")
    return path


def test_two_scenarios_side_by_side(tmp_path):
    a = _write(tmp_path, "low", name="low", world="tiny", importer="HOM", exporter="FOR", rate=10)
    b = _write(tmp_path, "high", name="high", world="tiny", importer="HOM", exporter="FOR", rate=40)
    comparison = tw.compare(a, b)
    wide = comparison.wide()
    low, high = tw.run_scenario(a).country_table(), tw.run_scenario(b).country_table()
    assert list(wide.columns) == ["low", "high", "high − low"]
    for code in ("HOM", "FOR", "ROW"):
        assert wide.loc[code, "low"] == low.loc[code, "welfare_pct"]
        assert wide.loc[code, "high − low"] == pytest.approx(
            high.loc[code, "welfare_pct"] - low.loc[code, "welfare_pct"], abs=1e-12
        )
    assert set(comparison.sectors.sector) == {"AGR", "MAN", "SRV"}
    out = CliRunner().invoke(
        app, ["compare", str(a), str(b), "--json", "--out", str(tmp_path / "o")]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert [s["label"] for s in payload["scenarios"]] == ["low", "high"]
    hom = next(c for c in payload["countries"] if c["country"] == "HOM")
    assert hom["welfare_pct"] == {
        "low": low.loc["HOM", "welfare_pct"],
        "high": high.loc["HOM", "welfare_pct"],
    }
    assert (tmp_path / "o" / "countries.csv").exists()
    assert (tmp_path / "o" / "manifest.json").exists()
    page = (tmp_path / "o" / "comparison.html").read_text(encoding="utf-8")
    assert "Scenarios side by side" in page and "high − low" in page
    assert (tmp_path / "o" / "figures" / "welfare.png").stat().st_size > 10_000


def test_two_worlds_with_the_same_countries(tmp_path):
    a = _write(
        tmp_path, "plain", name="plain", world="wiod2014", importer="USA", exporter="CHN", rate=25
    )
    b = _write(
        tmp_path, "ree", name="ree", world="wiod2014-ree", importer="USA", exporter="CHN", rate=25
    )
    comparison = tw.compare(a, b)
    assert comparison.worlds == ["wiod2014", "wiod2014-ree"]
    assert comparison.sectors.empty  # different sectors: countries only
    assert len(comparison.wide()) == 44


def test_mismatched_countries_exit_2_naming_them(tmp_path):
    a = _write(tmp_path, "tiny", name="tiny", world="tiny", importer="HOM", exporter="FOR", rate=10)
    b = _write(
        tmp_path, "wiod", name="wiod", world="wiod2014", importer="USA", exporter="CHN", rate=10
    )
    out = CliRunner().invoke(app, ["compare", str(a), str(b)])
    assert out.exit_code == 2
    assert (
        "different countries" in out.output
        and "HOM" in out.output
        and "key 'countries'" in out.output
    )
    one = CliRunner().invoke(app, ["compare", str(a)])
    assert one.exit_code == 2 and "at least two" in one.output
