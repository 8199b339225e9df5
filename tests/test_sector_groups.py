"""Named sector groups: read from sectors.csv, usable wherever sector codes are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import tradewar as tw
from tradewar.cli import app
from tradewar.game import TariffGame

SCENARIOS = Path(__file__).parents[1] / "scenarios"
WIOD_GOODS = [f"C{k:02d}" for k in range(1, 23)]


def test_bundled_groups():
    wiod = tw.load_world("wiod2014")
    assert list(wiod.sector_groups["goods"]) == WIOD_GOODS
    assert list(wiod.sector_groups["manufacturing"]) == WIOD_GOODS[4:]
    assert len(wiod.sector_groups["services"]) == 28
    ree = tw.load_world("wiod2014-ree")
    # REE follows mining, MAG (magnets) is manufacturing
    assert set(ree.sector_groups["goods"]) == {*WIOD_GOODS, "REE", "MAG"}
    assert set(ree.sector_groups["manufacturing"]) == {*WIOD_GOODS[4:], "MAG"}
    cp = tw.load_world("cp2015")
    assert cp.sector_groups["goods"] == tuple(f"S{k:02d}" for k in range(1, 21))


def test_goods_equals_the_explicit_codes():
    scenario = tw.load_scenario(SCENARIOS / "wiod2014_us_china_25.toml")
    assert list(scenario.policy[0].sectors) == WIOD_GOODS
    explicit = tw.run_scenario(scenario).country_table()
    grouped_policy = scenario.policy[0].model_copy(update={"sectors": "goods"})
    grouped = tw.run_scenario(scenario.model_copy(update={"policy": [grouped_policy]}))
    assert np.array_equal(grouped.country_table().to_numpy(), explicit.to_numpy(), equal_nan=True)


def test_groups_mix_with_codes_and_unknown_names_list_the_groups():
    world = tw.load_world("tiny")
    policy = tw.Tariff(importer="HOM", exporter="FOR", sectors=["manufacturing", "AGR"], add_pct=5)
    both = tw.solve(world, [policy]).country_table()
    codes = tw.Tariff(importer="HOM", exporter="FOR", sectors=["AGR", "MAN"], add_pct=5)
    expected = tw.solve(world, [codes]).country_table().to_numpy()
    assert np.array_equal(both.to_numpy(), expected, equal_nan=True)
    with pytest.raises(tw.ScenarioError) as err:
        tw.solve(world, [tw.Tariff(importer="HOM", exporter="FOR", sectors="metals", add_pct=5)])
    assert "unknown code 'metals'" in str(err.value)
    assert "groups: goods, manufacturing, services" in str(err.value)
    assert err.value.key == "policy[0].sectors"


def test_games_take_groups():
    world = tw.load_world("tiny")
    by_group = TariffGame(world, "armington", sectors=["goods"])
    by_code = TariffGame(world, "armington", sectors=["AGR", "MAN"])
    assert np.array_equal(by_group.sector_mask, by_code.sector_mask)


def test_groups_round_trip_and_bad_names(tmp_path):
    world = tw.load_world("tiny")
    tw.write_world(world, tmp_path / "w")
    assert tw.load_world(tmp_path / "w").sector_groups == world.sector_groups
    sectors = tmp_path / "w" / "sectors.csv"
    text = sectors.read_text()
    sectors.write_text(text.replace("goods manufacturing", "goods Manufacturing"))
    with pytest.raises(tw.DataError) as err:
        tw.load_world(tmp_path / "w")
    assert "sectors.csv" in str(err.value) and "row 3" in str(err.value)
    assert "field 'groups'" in str(err.value)
    sectors.write_text(text.replace("goods manufacturing", "goods SRV"))
    with pytest.raises(tw.DataError):  # a group may not be named like a sector
        tw.load_world(tmp_path / "w")


def test_describe_lists_groups():
    out = CliRunner().invoke(app, ["describe", "wiod2014", "--json"])
    groups = json.loads(out.stdout)["sector_groups"]
    assert groups["goods"] == WIOD_GOODS
    table = CliRunner().invoke(app, ["describe", "tiny"])
    assert "goods manufacturing" in table.output and "Sector groups" in table.output
