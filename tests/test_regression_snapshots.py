"""Regression snapshots: numbers tradewar itself produced, pinned so that a change shows.

Nothing here is an independent reference. Each figure was computed by tradewar and is quoted in
the docs; a failure means the code's answer moved, which may be right, and the docs that quote
the figure must move with it. Checks against published tables live in `test_reference_*.py`.
"""

from pathlib import Path

import pytest

import tradewar as tw
from helpers.panels import COUNTRIES_1993

ROOT = Path(__file__).parents[1]


def test_snapshot_us_china_timeline_on_2023_data():
    """Quoted in docs/ilms2025.md: peak -0.64 / -0.75, Geneva -0.36 / -0.52, Busan -0.28 / -0.50."""
    result = tw.run_scenario(ROOT / "scenarios" / "us_china_2025_baci2023.toml")
    assert result.converged
    labels = [s.label for s in result.steps]
    wiod = tw.load_scenario(ROOT / "scenarios" / "us_china_2025.toml")
    assert set(labels) <= {s.label for s in wiod.step}  # the same dated steps
    expected = {
        "US 145% / China 125%": (-0.64, -0.75),
        "Geneva: 30% / 10%": (-0.36, -0.52),
        "Busan truce: 20% / 10%": (-0.28, -0.50),
    }
    for label, (usa, chn) in expected.items():
        table = result.country_table(labels.index(label))
        assert table.loc["USA", "welfare_pct"] == pytest.approx(usa, abs=0.005)
        assert table.loc["CHN", "welfare_pct"] == pytest.approx(chn, abs=0.005)


def test_snapshot_cp2015_1993_petroleum_elasticity():
    """The triple-difference estimate on the 17-country 1993 panel: theta = 54.3 (69 pairs).

    Its independent check is in test_estimate.py (within the published standard error).
    """
    from tradewar.estimate import trade_elasticity

    est = trade_elasticity(
        "cp2015-1993", "triple-difference", countries=COUNTRIES_1993, sectors=["S07"]
    )
    assert est.table.set_index("sector").loc["S07", "theta"] == pytest.approx(54.3, abs=0.1)
