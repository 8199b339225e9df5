"""Exempt shares from product lists (tradewar.build.tariffs.exempt_shares) and their use."""

import numpy as np
import pandas as pd
import pytest

import tradewar as tw
from tradewar.build.tariffs import exempt_shares
from tradewar.errors import DataError

CONCORDANCE = {"85": "ELE", "8517": "ELE", "72": "MET", "73": "MET"}


def _products(rows):
    return pd.DataFrame(rows, columns=["product", "value", "covered"])


def test_an_exemption_list_spares_the_listed_exempt_products_by_trade_weight():
    # Electronics trade 200: phones (8517, 60) exempt, other listed 85 goods (40) taxed, the
    # 100 unlisted taxed (an exemption list covers what it does not name): 60 / 200 = 30%.
    products = _products([("851712", 60.0, False), ("8542", 40.0, True)])
    shares = exempt_shares(products, CONCORDANCE, {"ELE": 200.0, "MET": 50.0})
    assert shares == {"ELE": pytest.approx(30.0)}


def test_a_measure_on_named_products_spares_everything_it_does_not_name():
    # Section 232 style: only the listed steel (72, 30 of 50) is taxed: 40% exempt.
    products = _products([("7208", 30.0, True)])
    shares = exempt_shares(products, CONCORDANCE, {"MET": 50.0}, unlisted_covered=False)
    assert shares == {"MET": pytest.approx(40.0)}


def test_bad_products_are_errors_naming_the_row():
    with pytest.raises(DataError, match="not in the concordance") as err:
        exempt_shares(_products([("9999", 1.0, True)]), CONCORDANCE, {"ELE": 1.0})
    assert err.value.row == 2
    with pytest.raises(DataError, match="not a trade value"):
        exempt_shares(_products([("85", -1.0, True)]), CONCORDANCE, {"ELE": 1.0})
    with pytest.raises(DataError, match="no trade"):
        exempt_shares(_products([("72", 1.0, True)]), CONCORDANCE, {"ELE": 1.0})


def test_an_exempt_share_scales_the_added_rate_of_that_sector_only():
    world = tw.load_world("tiny")
    base = {"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 40}
    plain = tw.run_scenario(tw.parse_scenario({"name": "a", "world": "tiny", "policy": [base]}))
    spared = tw.run_scenario(
        tw.parse_scenario(
            {"name": "b", "world": "tiny", "policy": [{**base, "exempt_pct": {"MAN": 25.0}}]}
        )
    )
    h, f = world.country_index("HOM"), world.country_index("FOR")
    before = world.tariffs[h, f]
    added_plain = plain.steps[0].outcome.tariffs_after[h, f] - before
    added_spared = spared.steps[0].outcome.tariffs_after[h, f] - before
    man = world.sectors.index("MAN")
    expected = np.where(np.arange(world.n_sectors) == man, 0.75, 1.0) * added_plain
    np.testing.assert_allclose(added_spared, expected, atol=1e-15)
    for bad in ({"MAN": 120.0}, {"XYZ": 10.0}):
        spec = {"name": "c", "world": "tiny", "policy": [{**base, "exempt_pct": bad}]}
        with pytest.raises(tw.ScenarioError, match="exempt_pct"):
            tw.run_scenario(tw.parse_scenario(spec))
