"""Wrong calls of the public API end in a TradewarError naming the argument, never deep inside."""

import pytest

import tradewar as tw
from tradewar.game import GameSettings, TariffGame, optimal_tariffs


@pytest.fixture(scope="module")
def result():
    return tw.solve("tiny", [tw.Tariff(importer="HOM", exporter="FOR", add_pct=10)])


WRONG_CALLS = {
    "solve(123)": (lambda r: tw.solve(123), "argument 'world'"),
    "solve(policies='x')": (lambda r: tw.solve("tiny", "notalist"), "argument 'policies'"),
    "solve(options=5)": (lambda r: tw.solve("tiny", [], options=5), "argument 'options'"),
    "solve(ces= under caliendo-parro)": (
        lambda r: tw.solve("tiny", [], model="caliendo-parro", ces={"critical": ["AGR"]}),
        "argument 'ces': applies to model 'ces-network' only",
    ),
    "load_world(None)": (lambda r: tw.load_world(None), "argument 'source'"),
    "load_world(5)": (lambda r: tw.load_world(5), "argument 'source'"),
    "load_scenario(None)": (lambda r: tw.load_scenario(None), "argument 'path'"),
    "run_scenario(None)": (lambda r: tw.run_scenario(None), "argument 'scenario'"),
    "run_scenario(world=1)": (
        lambda r: tw.run_scenario("scenarios/cp2015_nafta.toml", world=1),
        "argument 'world'",
    ),
    "compare([])": (lambda r: tw.compare([]), "argument 'scenarios[0]'"),
    "compare(one)": (lambda r: tw.compare("scenarios/cp2015_nafta.toml"), "two or more"),
    "SolverOptions(tol='1e-6')": (lambda r: tw.SolverOptions(tol="1e-6"), "options.tol"),
    "SolverOptions(tol=-1)": (lambda r: tw.SolverOptions(tol=-1), "options.tol"),
    "SolverOptions(max_iterations=1.5)": (
        lambda r: tw.SolverOptions(max_iterations=1.5),
        "options.max_iterations': must be a whole number",
    ),
    "SolverOptions(max_iterations=True)": (
        lambda r: tw.SolverOptions(max_iterations=True),
        "options.max_iterations",
    ),
    "country_table(step=5)": (lambda r: r.country_table(step=5), "argument 'step': 5 is not"),
    "country_table(step='a')": (lambda r: r.country_table(step="a"), "argument 'step'"),
    "trade(step=9)": (lambda r: r.trade(9), "argument 'step'"),
    "to_frame(5)": (lambda r: r.to_frame(5), "argument 'detail'"),
    "Tariff(add_pct=True)": (
        lambda r: tw.Tariff(importer="HOM", exporter="FOR", add_pct=True),
        "key 'add_pct': a number is needed, not true/false",
    ),
    "Tariff(importer=[])": (
        lambda r: tw.Tariff(importer=[], exporter="FOR", add_pct=1),
        "key 'importer': selects nothing",
    ),
    "Tariff(exporter='')": (
        lambda r: tw.Tariff(importer="HOM", exporter="", add_pct=1),
        "key 'exporter': selects nothing",
    ),
    "aggregate(5)": (lambda r: tw.aggregate(5, countries={"HOM": "X"}), "argument 'world'"),
    "optimal_tariffs(unknown)": (
        lambda r: optimal_tariffs(TariffGame(tw.load_world("tiny"), "caliendo-parro"), "XXX"),
        "unknown country 'XXX'",
    ),
    "GameSettings(tol_pct=0)": (lambda r: GameSettings(tol_pct=0), "tol_pct"),
}


@pytest.mark.parametrize("call", list(WRONG_CALLS))
def test_a_wrong_call_is_a_tradewar_error_naming_the_argument(call, result):
    function, message = WRONG_CALLS[call]
    with pytest.raises(tw.TradewarError) as caught:
        function(result)
    assert message in str(caught.value)


def test_argument_errors_are_also_type_and_value_errors():
    # Callers that caught the built-in errors before keep working.
    with pytest.raises(TypeError):
        tw.load_world(None)
    with pytest.raises(ValueError, match="tol"):
        tw.SolverOptions(tol=2.0)


def test_right_calls_still_work(result, tmp_path):
    from pathlib import Path

    assert result.country_table(step=-1).equals(result.country_table(0))
    world = tw.aggregate("tiny", countries={"FOR": "RST", "ROW": "RST"})
    assert list(world.countries) == ["HOM", "RST"]
    package = Path(tw.datasets.dataset_path("tiny"))
    by_path = tw.solve(package, [tw.Tariff(importer="HOM", exporter="FOR", add_pct=10)])
    assert by_path.country_table().equals(result.country_table())
