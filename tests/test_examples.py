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


@pytest.mark.slow
def test_uncertainty_example_runs(capsys, tmp_path):
    nafta, curves = runpy.run_path(str(EXAMPLES / "uncertainty_nafta.py"))["main"](
        draws=12, figure=tmp_path / "figure.png"
    )
    out = capsys.readouterr().out
    assert "NAFTA, 12 draws (0 failed)" in out
    assert (tmp_path / "figure.png").stat().st_size > 20_000
    assert nafta.failed == 0 and len(nafta.runs) == 12
    alone, matched = curves["no retaliation"], curves["China matches"]
    assert alone[0] == pytest.approx(0.0, abs=1e-9) == matched[0]
    assert max(alone) > 0  # a small tariff gains when China does not respond
    assert all(m < a for m, a in zip(matched[1:], alone[1:], strict=True))


def _readme_python_blocks() -> list[str]:
    text = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    return [part.split("```", 1)[0] for part in text.split("```python\n")[1:]]


def test_the_readme_has_its_python_snippets():
    assert len(_readme_python_blocks()) == 3


@pytest.mark.parametrize("index", range(3))
def test_each_readme_snippet_runs_exactly_as_printed(index, tmp_path):
    """Each ```python block, as printed, in a fresh interpreter started in the repository."""
    import subprocess
    import sys

    block = _readme_python_blocks()[index]
    script = tmp_path / f"snippet{index}.py"
    script.write_text(block, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=EXAMPLES.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
