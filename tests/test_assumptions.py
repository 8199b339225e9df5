"""Steps on their own (Scenario.as_of) and who won over the assumptions."""

import numpy as np
import pandas as pd
import pytest

import tradewar as tw
from tradewar.backtest.assumptions import (
    assumption_variants,
    band_summary,
    key_steps,
    who_won_bands,
)
from tradewar.results.summaries import country_path

TARIFF = {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 30}
QUOTA = {
    "kind": "export_control",
    "exporter": "FOR",
    "importer": "HOM",
    "sectors": "MAN",
    "quota_pct_of_baseline": 60,
}


def _timeline(horizon: str = "short", quota: bool = True) -> tw.Scenario:
    steps = [
        {"date": "2025-01-01", "label": "tariff", "policy": [TARIFF]},
        {
            "date": "2025-02-01",
            "label": "announced",
            "in_force": False,
            "policy": [{**TARIFF, "add_pct": 200}],
        },
        {
            "date": "2025-03-01",
            "label": "retaliation",
            "policy": [{**TARIFF, "importer": "FOR", "exporter": "HOM"}]
            + ([QUOTA] if quota else []),
        },
    ]
    return tw.parse_scenario({"name": "t", "world": "tiny", "horizon": horizon, "step": steps})


def test_a_step_on_its_own_is_the_timelines_step():
    scenario = _timeline()
    timeline = tw.run_scenario(scenario)
    for k in range(3):
        alone = tw.run_scenario(scenario.as_of(k))
        assert len(alone.steps) == 1 and alone.steps[0].label == scenario.step[k].label
        np.testing.assert_allclose(
            alone.steps[0].outcome.welfare_hat, timeline.steps[k].outcome.welfare_hat, rtol=1e-8
        )


def test_an_announced_step_counts_only_as_of_its_own_date():
    scenario = _timeline()
    assert len(scenario.as_of(1).step[0].policy) == 2  # the tariff and the announced rise
    last = scenario.as_of(2).step[0].policy
    assert [p.add_pct for p in last if hasattr(p, "add_pct")] == [30, 30]  # no 200
    assert scenario.as_of(1).step[0].in_force  # solved as if in force
    with pytest.raises(tw.ScenarioError, match="no step 3"):
        scenario.as_of(3)


def test_variants_change_only_what_matters():
    short = assumption_variants(_timeline())
    assert [v.name for v in short] == [
        "as calibrated",
        "rents to importer",
        "rents dissipated",
        "one-year elasticity 0.5",
        "one-year elasticity 1",
    ]
    assert short[1].scenario.parameters.quota_rent == "importer"
    assert short[3].scenario.parameters.one_year_elasticity == 0.5
    assert len(assumption_variants(_timeline(), grid=True)) == 9
    # No quota: rents cannot matter; long run: the one-year elasticity plays no part.
    assert [v.name for v in assumption_variants(_timeline(quota=False))][1:] == [
        "one-year elasticity 0.5",
        "one-year elasticity 1",
    ]
    assert len(assumption_variants(_timeline("long", quota=False))) == 1
    with pytest.raises(tw.ScenarioError, match="one_year_elasticity"):
        _timeline().with_one_year_elasticity(0.0)


def test_bands_hold_the_timeline_as_calibrated_and_move_with_the_elasticity():
    scenario = _timeline()
    timeline = tw.run_scenario(scenario)
    steps = key_steps(scenario, country_path(timeline, "welfare_pct"), "HOM", "FOR")
    assert steps[-1] == 2 and 1 not in steps  # the announced step is never a key step
    bands = who_won_bands(scenario, "HOM", "FOR", steps)
    assert bands["converged"].all()
    own = bands[(bands["variant"] == "as calibrated") & (bands["step"] == 2)].iloc[0]
    assert own["welfare_pct_HOM"] == pytest.approx(
        timeline.country_table(2).loc["HOM", "welfare_pct"], abs=1e-8
    )
    low = bands[(bands["variant"] == "one-year elasticity 0.5") & (bands["step"] == 2)].iloc[0]
    assert low["welfare_pct_HOM"] != pytest.approx(own["welfare_pct_HOM"], abs=1e-6)
    summary = band_summary(bands, "HOM", "FOR")
    row = summary[summary["step"] == 2].iloc[0]
    assert row["HOM low"] <= row["HOM welfare %"] <= row["HOM high"]


def _frame(gaps, converged=None):
    n = len(gaps)
    return pd.DataFrame(
        {
            "variant": ["as calibrated"] + [f"v{k}" for k in range(1, n)],
            "quota_rent": "exporter",
            "one_year_elasticity": 0.76,
            "step": 0,
            "label": "s",
            "welfare_pct_A": gaps,
            "welfare_pct_B": [0.0] * n,
            "gap_pts": gaps,
            "converged": converged or [True] * n,
        }
    )


def test_the_verdict_says_when_the_answer_depends_on_the_assumptions():
    assert band_summary(_frame([0.2, 0.1, 0.3]), "A", "B")["verdict"][0] == (
        "A ahead in every variant"
    )
    assert "depends on the assumptions" in band_summary(_frame([0.2, -0.1]), "A", "B")["verdict"][0]
    failed = band_summary(_frame([0.2, float("nan")], [True, False]), "A", "B")["verdict"][0]
    assert failed == "not every variant solved (v1)"
