"""Synthetic worlds: balanced, reproducible, and as sparse as asked."""

import numpy as np
import pytest

from tradewar.build import synthetic_world
from tradewar.data.io import check_world


def test_a_synthetic_world_balances_and_repeats_with_its_seed():
    world = synthetic_world(12, 4, seed=3)
    check_world(world)  # every accounting identity, as for a bundled world
    assert (world.n_countries, world.n_sectors) == (12, 4)
    again = synthetic_world(12, 4, seed=3)
    np.testing.assert_array_equal(world.flows, again.flows)
    other = synthetic_world(12, 4, seed=4)
    assert not np.array_equal(world.flows, other.flows)
    # Recomputed by hand: each sector's sales equal its costs (value added plus inputs), and
    # deficits sum to zero across the world; world value added is 1e8 (USD million).
    sales = world.flows.sum(axis=0)  # [i, j]
    costs = world.value_added + world.intermediates.sum(axis=1)
    np.testing.assert_allclose(sales, costs, rtol=1e-9)
    cross = ~np.eye(12, dtype=bool)[:, :, None]
    imports = (world.flows * cross).sum(axis=(1, 2))
    exports = (world.flows * cross).sum(axis=(0, 2))
    assert abs((imports - exports).sum()) < 1e-6 * imports.sum()
    assert world.value_added.sum() == pytest.approx(1e8, rel=1e-9)


def test_zero_flows_follow_the_asked_share():
    world = synthetic_world(40, 5, zero_share=0.3)
    cross = ~np.eye(40, dtype=bool)[:, :, None].repeat(5, axis=2)
    zero = (world.flows == 0) & cross
    assert 0.2 < zero.sum() / cross.sum() < 0.4
    assert (np.diagonal(world.flows, axis1=0, axis2=1) > 0).all()
    assert synthetic_world(10, 2, zero_share=0.0).flows.min() > 0


@pytest.mark.parametrize(("n", "j", "share"), [(1, 3, 0.3), (5, 0, 0.3), (5, 2, 0.6)])
def test_bad_sizes_are_refused(n, j, share):
    with pytest.raises(ValueError):
        synthetic_world(n, j, zero_share=share)
