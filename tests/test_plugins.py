"""A model added as a plug-in (one module and one registry line) works everywhere a model does.

The plug-in (`helpers.toy_model`) is Armington gravity with every trade elasticity 5; each use
is checked against the bundled ``armington`` model on the world with elasticities set to 5,
which solves the same equations: run, compare, a unilateral optimal tariff, Nash tariffs, the
command line and the web app's job schema.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

import tradewar as tw
from helpers.toy_model import THETA
from tradewar.cli import app
from tradewar.engine import get_model
from tradewar.engine.economies import with_theta
from tradewar.game import nash_tariffs, optimal_tariffs
from tradewar.game.build import GameOptions, build_game
from tradewar.registry import MODELS, register_model, unregister_model
from tradewar.web.tasks import JobRequest

TOY = "common-theta"
TARIFF = {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "sectors": "*", "add_pct": 25}


@pytest.fixture
def toy():
    register_model(TOY, "helpers.toy_model", "Armington with every trade elasticity 5 (test)")
    yield TOY
    unregister_model(TOY)
    assert TOY not in MODELS


def scenario(model: str, theta: float | None = None) -> tw.Scenario:
    extra = {} if theta is None else {"parameters": {"theta": theta}}
    return tw.Scenario.model_validate(
        {"name": model, "world": "tiny", "model": model, "policy": [TARIFF], **extra}
    )


def test_an_unregistered_model_is_refused_by_name():
    with pytest.raises(ValidationError, match="model 'common-theta' is not available"):
        scenario(TOY)
    with pytest.raises(tw.ScenarioError, match="is not available"):
        get_model(TOY)


def test_a_plugin_cannot_replace_a_bundled_model_or_misname_itself(toy):
    with pytest.raises(ValueError, match="bundled model"):
        register_model("armington", "helpers.toy_model", "no")
    with pytest.raises(ValueError, match="lower-case"):
        register_model("Bad Name", "helpers.toy_model", "no")
    register_model("misnamed", "helpers.toy_model", "its MODEL is called common-theta")
    try:
        with pytest.raises(tw.ScenarioError, match="no MODEL, an EngineModel named 'misnamed'"):
            get_model("misnamed")
    finally:
        unregister_model("misnamed")


def test_run_and_compare_solve_the_plugin(toy):
    result = tw.run_scenario(scenario(TOY))
    reference = tw.run_scenario(scenario("armington", theta=THETA))
    assert result.converged and result.model == TOY
    ours, theirs = result.country_table(), reference.country_table()
    np.testing.assert_allclose(ours["welfare_pct"], theirs["welfare_pct"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["imports_pct"], theirs["imports_pct"], rtol=0, atol=1e-12)
    assert abs(ours.loc["HOM", "imports_pct"]) > 1.0  # the tariff moved something
    # The world's own elasticities (8, 4, 5) give other numbers: the plug-in's economy is used.
    own = tw.run_scenario(scenario("armington")).country_table()
    assert abs(own.loc["HOM", "imports_pct"] - ours.loc["HOM", "imports_pct"]) > 0.1
    side = tw.compare(scenario(TOY), scenario("armington", theta=THETA), labels=["toy", "ref"])
    table = side.wide("welfare_pct")
    assert side.converged == [True, True]
    np.testing.assert_allclose(table["toy"], table["ref"], rtol=0, atol=1e-12)


def test_games_solve_the_plugin(toy):
    world = tw.load_world("tiny")
    reference_world = with_theta(world, THETA)
    toy_game = GameOptions(model=TOY, sectors=["MAN"])
    ours = optimal_tariffs(build_game(world, toy_game), "HOM")
    reference = GameOptions(model="armington", sectors=["MAN"])
    theirs = optimal_tariffs(build_game(reference_world, reference), "HOM")
    assert ours.converged and theirs.converged
    np.testing.assert_allclose(ours.tariffs, theirs.tariffs, rtol=0, atol=1e-6)
    assert ours.tariffs.max() > 0.01  # an optimal tariff, not the baseline
    nash = nash_tariffs(build_game(world, toy_game), ["HOM", "FOR"])
    assert nash.converged


def test_the_command_line_runs_the_plugin(toy, tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(
        f'name = "toy"\nworld = "tiny"\nmodel = "{TOY}"\n\n[[policy]]\nkind = "tariff"\n'
        'importer = "HOM"\nexporter = "FOR"\nsectors = "*"\nadd_pct = 25\n'
    )
    res = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    expected = tw.run_scenario(scenario(TOY)).country_table()["welfare_pct"]
    assert data["model"] == TOY and data["converged"] is True
    welfare = {row["country"]: row["welfare_pct"] for row in data["countries"]}
    assert welfare == pytest.approx(expected.to_dict(), abs=1e-12)


def test_the_web_job_schema_takes_the_plugin(toy):
    adapter = TypeAdapter(JobRequest)
    job = adapter.validate_python(
        {"kind": "optimal", "world": "tiny", "model": TOY, "country": "HOM"}
    )
    assert job.model == TOY
    run = adapter.validate_python({"kind": "scenario", "scenario": scenario(TOY).model_dump()})
    assert run.scenario.model == TOY
    schema = json.dumps(adapter.json_schema())
    assert f'"{TOY}"' in schema
    unregister_model(TOY)
    with pytest.raises(ValidationError, match="not available"):
        adapter.validate_python(
            {"kind": "optimal", "world": "tiny", "model": TOY, "country": "HOM"}
        )
    register_model(TOY, "helpers.toy_model", "again, for the fixture's teardown")
