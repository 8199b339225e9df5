"""The example scripts run and say what the README says they do."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_quickstart_runs(capsys):
    frame = runpy.run_path(str(EXAMPLES / "quickstart.py"))["main"]()
    out = capsys.readouterr().out
    assert "welfare_pct" in out and "USA" in out
    usa = frame.query("country == 'USA' and variable == 'welfare_pct'").value.iloc[0]
    chn = frame.query("country == 'CHN' and variable == 'welfare_pct'").value.iloc[0]
    assert chn < 0 and usa < 0.5


def test_readme_scenario_example_parses_and_runs():
    import tomllib

    import tradewar as tw

    text = (EXAMPLES.parent / "README.md").read_text()
    block = text[text.index('name = "NAFTA tariff reductions"') :]
    block = block[: block.index("```")]
    scenario = tw.parse_scenario(tomllib.loads(block))
    result = tw.run_scenario(scenario)
    assert result.converged
    assert result.country_table().loc["CHN", "export_tax_revenue"] > 0
    ces = scenario.model_copy(update={"model": "ces-network"})
    assert tw.run_scenario(ces).converged


@pytest.mark.slow
def test_us_china_strategy_example_runs(capsys):
    table = runpy.run_path(str(EXAMPLES / "us_china_strategy.py"))["main"]()
    assert "Nash bargain, threat = war + ban" in capsys.readouterr().out
    war = table.set_index("case").loc["Bilateral Nash (trade war)"]
    deal = table.set_index("case").loc["Nash bargain, threat = war"]
    assert war["USA on CHN GDS %"] > 0 and war["CHN on USA GDS %"] > 0
    assert deal["China welfare %"] > war["China welfare %"]
    assert deal["US welfare %"] > war["US welfare %"]
    ban = table.set_index("case").loc["Trade war + China's rare-earth ban"]
    assert ban["US welfare %"] <= war["US welfare %"]
