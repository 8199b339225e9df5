"""The solver converges without tuning, and what it returns is an equilibrium, checked by hand.

The 194-country one-sector world with roundabout production (labour share 0.49, the
input-output case of Ignatenko et al. 2025) under the April 2025 US tariffs once needed 599
outer iterations and failed at the default cap; every condition of the equilibrium is
recomputed here in NumPy from the world's levels and the returned changes.
"""

import numpy as np
import pytest

import tradewar as tw
from helpers.worlds import roundabout_baci

LIBERATION_DAY = [tw.Tariff(importer="USA", exporter="*", set_from="liberation_day")]


@pytest.fixture(scope="module")
def roundabout():
    world = roundabout_baci(0.49)
    return world, tw.solve(world, LIBERATION_DAY, model="caliendo-parro")  # default settings


def test_default_settings_converge_within_100_iterations(roundabout):
    _, result = roundabout
    assert result.converged and result.iterations <= 100
    plain = tw.solve(tw.load_world("baci2023"), LIBERATION_DAY, model="caliendo-parro")
    assert plain.converged and plain.iterations <= 100


def test_every_equilibrium_condition_holds(roundabout):
    world, result = roundabout
    o = result.steps[-1].outcome
    theta = float(world.theta[0])
    flows0, t0 = world.flows[:, :, 0], world.tariffs[:, :, 0]  # [importer, exporter]
    flows1, t1 = o.flows_after[:, :, 0], o.tariffs_after[:, :, 0]
    va = world.value_added[:, 0]
    output0 = flows0.sum(axis=0)
    beta = va / output0
    assert beta == pytest.approx(np.full(world.n_countries, 0.49), rel=1e-9)
    w, c, p = o.w_hat, o.c_hat[:, 0], o.P_hat[:, 0]
    # Unit costs: labour and the composite intermediate (bought at the destination price).
    np.testing.assert_allclose(c, w**beta * p ** (1 - beta), rtol=1e-9)
    # Price index: P^-theta = sum_i pi_ni (c_i kappa_ni)^-theta, kappa the change in 1 + t.
    spend0 = flows0 * (1 + t0)
    pi0 = spend0 / spend0.sum(axis=1, keepdims=True)
    kappa = (1 + t1) / (1 + t0)
    terms = pi0 * (c[None, :] * kappa) ** -theta
    np.testing.assert_allclose(p**-theta, terms.sum(axis=1), rtol=1e-9)
    # Trade shares after the shock, from the returned flows.
    spend1 = flows1 * (1 + t1)
    pi1 = spend1 / spend1.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(pi1, terms / terms.sum(axis=1, keepdims=True), atol=1e-12)
    # Labour markets: wage bills are labour's share of what producers sell.
    output1 = flows1.sum(axis=0)
    np.testing.assert_allclose(w * va, beta * output1, rtol=1e-8)
    # Spending: intermediates plus final demand out of wages, duties and the deficit.
    revenue = (flows1 * t1).sum(axis=1)
    deficit = o.deficit_after
    np.testing.assert_allclose(
        spend1.sum(axis=1), (1 - beta) * output1 + w * va + revenue + deficit, rtol=1e-8
    )
    # The numeraire: world value added is unchanged.
    assert (w * va).sum() == pytest.approx(va.sum(), rel=1e-12)
