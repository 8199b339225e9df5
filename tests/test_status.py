"""One status type: every result's status is a `Status`, and `converged` follows from it."""

import numpy as np
import pytest

import tradewar as tw
from tradewar.estimate.result import STATUSES, status_of
from tradewar.game import GameSettings, TariffGame, optimal_tariffs
from tradewar.status import Status


def test_every_status_has_a_message_and_only_converged_converges():
    for status in Status:
        assert status.message and status.message != str(status)
        assert status.converged == (status is Status.CONVERGED)
    assert Status("converged") is Status.CONVERGED and Status.CONVERGED == "converged"
    assert not Status.NOT_IDENTIFIED.failed and Status.QUOTA_NOT_SETTLED.failed
    with pytest.raises(ValueError):
        Status("almost converged")


def test_a_solve_status_is_a_status_that_can_say_no(tiny):
    policy = [tw.Tariff(importer="HOM", exporter="FOR", add_pct=20)]
    good = tw.solve(tiny, policy)
    assert good.steps[0].outcome.status is Status.CONVERGED and good.converged
    stopped = tw.solve(tiny, policy, options=tw.SolverOptions(max_iterations=1), strict=False)
    outcome = stopped.steps[0].outcome
    assert outcome.status is Status.NOT_CONVERGED and not outcome.converged
    with pytest.raises(tw.ConvergenceError, match=Status.NOT_CONVERGED.message):
        tw.solve(tiny, policy, options=tw.SolverOptions(max_iterations=1))


def test_estimate_statuses_are_status_strings():
    assert set(STATUSES) <= {str(s) for s in Status}
    assert Status(status_of(4.0, 0.5, converged=True)) is Status.ESTIMATED
    assert Status(status_of(4.0, 0.5, converged=False)) is Status.NOT_CONVERGED
    assert Status(status_of(np.nan, 0.5, converged=True)) is Status.NOT_FINITE
    assert Status(status_of(-1.0, 0.5, converged=True)) is Status.NOT_POSITIVE


def test_a_game_result_derives_converged_from_its_status(tiny):
    game = TariffGame(tiny, "caliendo-parro", GameSettings(tol_pct=0.5))
    result = optimal_tariffs(game, "HOM")
    assert result.status is Status.CONVERGED and result.converged
    assert result.to_json()["status"] == "converged"
    failed = optimal_tariffs(
        TariffGame(
            tiny,
            "caliendo-parro",
            GameSettings(tol_pct=0.5, deficits="keep"),
            options=tw.SolverOptions(max_iterations=1),
        ),
        "HOM",
        strict=False,
    )
    assert failed.status.failed and not failed.converged and failed.reason
