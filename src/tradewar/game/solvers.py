"""Optimal (best-response) tariffs, Nash tariffs, cooperative tariffs and Nash bargaining."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.game.core import (
    EVALUATION_FAILED,
    OBJECTIVE_SCALE,
    EvaluationFailed,
    TariffGame,
    stack_instruments,
)
from tradewar.game.optimize import BoundedSearch, Stopping, bounded_minimize
from tradewar.game.result import GameResult
from tradewar.progress import ProgressCallback, report
from tradewar.status import Status


@dataclass
class _Search:
    """How a search ended: the tariffs, who set them and with which instruments, its verdict."""

    kind: str
    tau: np.ndarray
    players: list[int]
    instruments: dict[int, tuple]
    converged: bool
    rounds: int = 1
    change: float = 0.0
    extra: dict = field(default_factory=dict)
    reason: str = ""


def _result(game: TariffGame, search: _Search, start: float, strict: bool) -> GameResult:
    """Evaluate payoffs at the search's tariffs and assemble the result.

    A failed final equilibrium or a non-finite payoff makes the result not converged (payoffs
    NaN), whatever the search reported; with ``strict`` any failure raises `ConvergenceError`
    with the reason.
    """
    converged, reason, tau = search.converged, search.reason, search.tau
    welfare, gov, residual = (np.asarray(a) for a in game._payoffs(jnp.asarray(tau)))
    payoffs = np.concatenate([welfare, gov])
    untrusted = game.untrusted(float(residual), payoffs)
    status = Status.CONVERGED if converged else Status.NOT_CONVERGED
    if untrusted:
        converged = False
        status = game.evaluation_status(float(residual), payoffs)
        reason = f"at the final tariffs, {untrusted}"
        welfare = np.full_like(welfare, np.nan)
        gov = np.full_like(gov, np.nan)
    if converged:
        reason = ""
    elif not reason:
        reason = "the search did not converge"
    if strict and not converged:
        raise ConvergenceError(
            search.rounds,
            float("nan"),
            0.0,
            reason=reason,
            subject=f"{search.kind} tariffs",
            unit="rounds",
        )
    codes = game.world.countries
    return GameResult(
        kind=search.kind,
        world=game.world.name,
        model=game.model,
        objective=game.settings.objective,
        deficits=game.settings.deficits,
        countries=codes,
        sectors=game.world.sectors,
        tariffs=tau,
        baseline_tariffs=game.base_tau,
        welfare_hat=welfare,
        gov_welfare_hat=gov,
        players=tuple(codes[k] for k in search.players),
        instruments={codes[k]: v for k, v in search.instruments.items()},
        status=status,
        reason=reason,
        rounds=search.rounds,
        max_tariff_change_pct=100.0 * search.change,
        evaluations=game.evaluations,
        elapsed_s=time.perf_counter() - start,
        extra=search.extra,
    )


def _player_indices(game: TariffGame, players: Sequence[str] | None) -> list[int]:
    """The positions of ``players`` (default every country), each checked."""
    if players is None:
        return list(range(game.world.n_countries))
    return [game.country_index(p) for p in players]


def optimal_tariffs(
    game: TariffGame,
    country: str,
    partners: Sequence[str] | None = None,
    tau: np.ndarray | None = None,
    strict: bool = True,
) -> GameResult:
    """Unilateral optimal tariffs of ``country`` (on ``partners``, default all), others fixed.

    Converged only when the optimizer's test holds, no tariff ends on a bound that binds, and
    the equilibrium at the answer is found.

    Parameters
    ----------
    game
        The `TariffGame`.
    country
        The country that sets its tariffs.
    partners
        The partners it taxes (default all).
    tau
        ``(N, N, J)`` tariffs of everyone else and the start, fractions (default the world's).
    strict
        Raise `ConvergenceError` with the reason when not converged (default); else flag the
        result (``converged=False`` with ``reason``).

    Returns
    -------
    GameResult
        The optimal tariffs and everyone's welfare.
    """
    start = time.perf_counter()
    player = game.country_index(country)
    partner_idx = None if partners is None else [game.country_index(p) for p in partners]
    if partner_idx is not None and player in partner_idx:
        raise ScenarioError(f"{country} cannot set a tariff on itself", key="partners")
    tau = game.base_tau.copy() if tau is None else np.array(tau)
    new, info = game.best_response(player, tau, partner_idx)
    index = game.instruments(player, partner_idx)
    search = _Search(
        "optimal", new, [player], {player: index}, info["success"], extra={"optimizer": info}
    )
    search.reason = info["reason"]
    return _result(game, search, start, strict)


def nash_tariffs(
    game: TariffGame,
    players: Sequence[str] | None = None,
    against: str = "all",
    tau: np.ndarray | None = None,
    strict: bool = True,
    progress: ProgressCallback | None = None,
) -> GameResult:
    """Nash tariffs: best responses in turn (Gauss–Seidel) until no player can gain by deviating.

    Rounds of best responses run until the largest change of any strategic tariff over a round
    is below ``settings.tol_pct`` points; then the Nash gap is measured: each player's best
    response to the final tariffs of everyone else and its gain, in percentage points of its
    payoff. Converged means every gap is below ``settings.gap_tol_pct``, every best response
    met its optimality test with no binding bound, and the final equilibrium was found; a gap
    above the tolerance sends the search on for more rounds.

    Parameters
    ----------
    game
        The `TariffGame`.
    players
        The strategic countries (default all).
    against
        ``"all"``: each player taxes every partner (Ossa 2014); ``"players"``: only the other
        players (a bilateral war with everyone else's policy fixed).
    tau
        ``(N, N, J)`` starting tariffs, fractions (default the world's).
    strict
        Raise `ConvergenceError` when not converged (default); else flag the result.
    progress
        ``progress(fraction, message)``, called after each round (the fraction is of
        ``max_rounds``, an upper bound).

    Returns
    -------
    GameResult
        The Nash tariffs and welfare; ``extra`` holds ``nash_gap_pct`` (by country) and
        ``max_nash_gap_pct``.
    """
    start = time.perf_counter()
    if against not in ("all", "players"):
        raise ScenarioError("against must be 'all' or 'players'", key="against")
    idx = _player_indices(game, players)
    if len(idx) < 2:
        raise ScenarioError("a Nash equilibrium needs at least two players", key="players")
    tau = game.base_tau.copy() if tau is None else np.array(tau)
    partners = {p: ([q for q in idx if q != p] if against == "players" else None) for p in idx}
    instruments = {p: game.instruments(p, partners[p]) for p in idx}
    tol = game.settings.tol_pct / 100.0
    change, rounds, reason = np.inf, 0, ""
    history: list[float] = []
    gaps: dict[str, float] = {}
    binding: dict[str, int] = {}
    converged = False
    while rounds < game.settings.max_rounds:
        rounds += 1
        previous = tau.copy()
        # Early rounds move every tariff a lot, so their best responses need not be exact;
        # once a round moves tariffs by less than ten times the tolerance, they are.
        loose = rounds == 1 or change > 10.0 * tol
        tau, failures, evaluation_failed = _best_responses(game, tau, idx, partners, loose)
        change = float(np.max(np.abs(tau - previous)))
        history.append(100.0 * change)
        report(
            progress,
            rounds / game.settings.max_rounds,
            f"round {rounds}: largest tariff change {100.0 * change:.3g} points",
        )
        if failures:
            reason = "best response failed (" + "; ".join(failures) + ")"
            if evaluation_failed:  # an equilibrium could not be trusted: more rounds won't help
                break
            continue
        if change >= tol:
            reason = (
                f"tariffs still moving: max change {100.0 * change:.3g} points in the last round "
                f"(tolerance {game.settings.tol_pct:g}); raise max_rounds or loosen tol_pct"
            )
            continue
        gaps, binding, reason, stop = _gap_verdict(game, tau, idx, partners)
        converged = not reason
        if stop:
            break
    extra = {
        "change_by_round_pct": history,
        "binding_bounds": binding,
        "nash_gap_pct": gaps,
        "max_nash_gap_pct": max(gaps.values()) if gaps else float("nan"),
        "gap_tol_pct": game.settings.gap_tol_pct,
    }
    search = _Search("nash", tau, idx, instruments, converged, rounds, change, extra, reason)
    return _result(game, search, start, strict)


def _gap_verdict(
    game: TariffGame, tau: np.ndarray, players: list[int], partners: dict
) -> tuple[dict[str, float], dict[str, int], str, bool]:
    """The Nash gaps at ``tau`` (where a round moved no tariff by more than the tolerance).

    Returns the gaps and binding bounds (`nash_gap`), the reason the tariffs are not yet a Nash
    equilibrium ("" when every gap is below the tolerance) and whether the search must stop
    (converged, or the gap could not be measured).
    """
    gaps, binding, failures = nash_gap(game, tau, players, partners)
    if failures:
        return (
            gaps,
            binding,
            "the Nash gap could not be measured (" + "; ".join(failures) + ")",
            True,
        )
    worst = max(gaps.values())
    if worst < game.settings.gap_tol_pct:
        return gaps, binding, "", True
    reason = (
        f"a player can still gain {worst:.3g}% by deviating "
        f"(gap tolerance {game.settings.gap_tol_pct:g}%)"
    )
    return gaps, binding, reason, False


def _best_responses(
    game: TariffGame, tau: np.ndarray, players: list[int], partners: dict, loose: bool
) -> tuple[np.ndarray, list[str], bool]:
    """One round of best responses in turn (Gauss–Seidel) from ``tau``.

    Returns the new tariffs, the failures (``"CODE: reason"``) and whether an equilibrium
    could not be evaluated (more rounds would not help).
    """
    failures, evaluation_failed = [], False
    for p in players:
        tau, info = game.best_response(p, tau, partners[p], loose=loose)
        if not info["success"]:
            failures.append(f"{game.world.countries[p]}: {info['reason']}")
            evaluation_failed |= info["message"] == EVALUATION_FAILED
    return tau, failures, evaluation_failed


def nash_gap(
    game: TariffGame, tau: np.ndarray, players: list[int], partners: dict
) -> tuple[dict[str, float], dict[str, int], list[str]]:
    """Each player's best gain from deviating at ``tau``, percentage points of its payoff.

    Every player's best response is computed against the same tariffs ``tau`` (not in turn).
    Returns the gaps by country code, the number of each player's tariffs on a binding bound
    (only nonzero with ``allow_binding_bounds``) and the failures (best responses that did not
    succeed).
    """
    payoff = _payoff(game, tau)
    gaps: dict[str, float] = {}
    binding: dict[str, int] = {}
    failures: list[str] = []
    for p in players:
        _, info = game.best_response(p, tau, partners[p])
        code = game.world.countries[p]
        if not info["success"]:
            failures.append(f"{code}: {info['reason']}")
            continue
        gaps[code] = max(100.0 * (info["payoff"] / float(payoff[p]) - 1.0), 0.0)
        binding[code] = info["at_upper"] + info["at_lower"]
    return gaps, binding, failures


def cooperative_tariffs(
    game: TariffGame,
    players: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    equal_gains: bool = False,
    tau: np.ndarray | None = None,
    strict: bool = True,
) -> GameResult:
    """Efficient tariffs of ``players`` (default all), from the tariffs ``tau`` (default factual).

    Without ``equal_gains``: maximise the weighted sum of log payoffs. With ``equal_gains``
    (Ossa's trade talks): maximise the smallest proportional gain, through a smooth minimum whose
    sharpness is raised step by step. Converged when the last search met the optimizer's
    test (or its projected gradient vanishes), the equilibrium at the answer was found, and,
    with ``equal_gains``, the gains agree to 1e-4 (0.01 points).

    Parameters
    ----------
    game
        The `TariffGame` (world, model, objective, bounds).
    players
        Country codes that set their tariffs jointly (default all).
    weights
        Weights of the players' log payoffs (default equal).
    equal_gains
        Maximise the smallest proportional gain instead of the weighted sum.
    tau
        ``(N, N, J)`` starting tariffs, fractions (default the world's).
    strict
        Raise `ConvergenceError` when not converged (default); else flag the result.

    Returns
    -------
    GameResult
        The tariffs, welfare and status (``converged`` and ``reason``).
    """
    start = time.perf_counter()
    idx = _player_indices(game, players)
    w = np.ones(len(idx)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(idx),) or not np.all(w > 0) or not np.all(np.isfinite(w)):
        raise ScenarioError("weights must be positive, one per player", key="weights")
    tau = game.base_tau.copy() if tau is None else np.array(tau)
    base_payoff = _payoff(game, tau)[idx]
    parts = [game.instruments(p) for p in idx]
    rows, cols, secs = stack_instruments(parts)
    lo, hi = game.settings.lower_pct / 100.0, game.settings.upper_pct / 100.0
    scale = game.flow_scale((rows, cols, secs))
    objective = _joint_objective(game, idx, base_payoff, (rows, cols, secs), tau)

    x = np.clip(tau[rows, cols, secs], lo, hi)
    schedule = (1e3, 1e4, 1e5) if equal_gains else (0.0,)
    rounds, spread, reason, ok = 0, float("nan"), "", False
    try:
        for sharpness in schedule:
            rounds += 1
            res = bounded_minimize(
                objective(w / w.sum(), sharpness),
                x,
                lo,
                hi,
                scale=scale,
                objective_scale=OBJECTIVE_SCALE,
                stop=Stopping(ftol=1e-13, gtol=1e-8, maxiter=3000),
            )
            x = res.x
        ok = res.stationary
        if not ok:
            reason = f"the optimizer stopped: {res.message}"
    except EvaluationFailed as exc:
        reason = str(exc)
    new = tau.copy()
    new[rows, cols, secs] = x
    if ok:
        try:
            gains = _payoff(game, new)[idx] / base_payoff
            spread = float(gains.max() - gains.min())
        except ConvergenceError as exc:
            ok, reason = False, exc.reason or str(exc)
    if ok and equal_gains and not spread < 1e-4:
        ok = False
        reason = f"the players' gains differ by {100 * spread:.3g} points (tolerance 0.01)"
    extra = {"gain_spread_pct": 100.0 * spread, "equal_gains": equal_gains}
    by_player = dict(zip(idx, parts, strict=True))
    search = _Search("cooperative", new, idx, by_player, ok, rounds, 0.0, extra, reason)
    return _result(game, search, start, strict)


def _joint_objective(
    game: TariffGame,
    players: list[int],
    base_payoff: np.ndarray,
    instruments: tuple[np.ndarray, np.ndarray, np.ndarray],
    tau: np.ndarray,
) -> Callable[[np.ndarray, float], Callable]:
    """The players' joint objective over their instruments, for `bounded_minimize`.

    ``objective(weights, sharpness)`` is minus the weighted sum of log gains over
    ``base_payoff`` (``sharpness`` 0) or a smooth minimum of the gains (positive ``sharpness``),
    returning the value and its gradient.
    """
    rows, cols, secs = instruments
    players_arr = jnp.asarray(players)
    base_j = jnp.asarray(base_payoff)

    @jax.jit
    def value_grad(v, tau_j, weights_j, sharpness):
        def f(v):
            full = tau_j.at[rows, cols, secs].set(v)
            payoff, (_, residual) = game._objective(full, None)
            gains = jnp.log(payoff[players_arr] / base_j)
            utilitarian = -jnp.sum(weights_j * gains)
            sharp = jnp.where(sharpness > 0, sharpness, 1.0)  # no 0/0 in the unused branch
            softmin = jax.nn.logsumexp(-sharp * gains) / sharp
            return jnp.where(sharpness > 0, softmin, utilitarian), residual

        (value, residual), grad = jax.value_and_grad(f, has_aux=True)(v)
        return value, grad, residual

    def objective(weights_j, sharpness):
        def fun(t):
            value, grad = game.checked(
                *value_grad(jnp.asarray(t), jnp.asarray(tau), jnp.asarray(weights_j), sharpness)
            )
            game.evaluations += 1
            return value, grad

        return fun

    return objective


def nash_bargain(
    game: TariffGame,
    a: str,
    b: str,
    threat: np.ndarray,
    bargaining_power: tuple[float, float] = (0.5, 0.5),
    threat_payoff: np.ndarray | None = None,
    strict: bool = True,
) -> GameResult:
    """Nash bargain of ``a`` and ``b`` over their bilateral tariffs, given a threat point.

    Maximises ``beta_a log(W_a - W_a^threat) + beta_b log(W_b - W_b^threat)`` over the tariffs
    each levies on the other (everything else as in ``threat``). Converged when the best of
    the searches met the optimizer's test (or its projected gradient vanishes) and the
    equilibrium at the deal was found.

    Parameters
    ----------
    game
        The `TariffGame`.
    a, b
        The two countries that bargain.
    threat
        ``(N, N, J)`` tariffs of the threat point (no deal), fractions.
    bargaining_power
        ``(beta_a, beta_b)`` (default equal).
    threat_payoff
        Payoffs of the threat point that override the computed ones, e.g. from a game whose
        environment includes an export ban that the deal lifts.
    strict
        Raise `ConvergenceError` when not converged (default); else flag the result.

    Returns
    -------
    GameResult
        The deal's tariffs and welfare; ``extra["threat_payoff"]`` holds the threat point.

    Raises
    ------
    ScenarioError
        If no tariffs within the bounds make both better off than the threat point (no deal).
    """
    start = time.perf_counter()
    ia, ib = game.country_index(a), game.country_index(b)
    if ia == ib:
        raise ScenarioError("a bargain needs two different countries", key="countries")
    beta = np.asarray(bargaining_power, dtype=float)
    if beta.shape != (2,) or not np.all(beta > 0) or not np.all(np.isfinite(beta)):
        raise ScenarioError("bargaining power must be two positive numbers", key="power")
    threat = np.asarray(threat, dtype=float)
    threat_payoff = _payoff(game, threat) if threat_payoff is None else np.asarray(threat_payoff)
    parts = [game.instruments(ia, [ib]), game.instruments(ib, [ia])]
    rows, cols, secs = stack_instruments(parts)
    lo, hi = game.settings.lower_pct / 100.0, game.settings.upper_pct / 100.0
    fun = _bargain_objective(game, (ia, ib), threat_payoff, beta, (rows, cols, secs), threat)
    candidates = [np.clip(threat[rows, cols, secs] * s, lo, hi) for s in (0.0, 0.25, 0.5)]
    candidates.append(np.clip(game.base_tau[rows, cols, secs], lo, hi))
    searches, reason = [], ""
    try:
        for x0 in candidates:
            searches.append(
                bounded_minimize(
                    fun, x0, lo, hi, stop=Stopping(ftol=1e-14, gtol=1e-9, maxiter=2000)
                )
            )
    except EvaluationFailed as exc:
        reason = str(exc)
    best = _best_search(searches)
    pair = {ia: parts[0], ib: parts[1]}
    if best is None or reason:
        extra = {"threat_payoff": threat_payoff.tolist()}
        failed = _Search("bargain", threat.copy(), [ia, ib], pair, False, extra=extra)
        failed.reason = reason
        return _result(game, failed, start, strict)
    deal = threat.copy()
    deal[rows, cols, secs] = best.x
    payoff = _payoff(game, deal)
    gains = payoff[[ia, ib]] - threat_payoff[[ia, ib]]
    if np.any(gains <= 0):
        raise ScenarioError(
            f"no deal: no tariffs between {a} and {b} within the bounds make both better off "
            "than the threat point",
            key="threat",
        )
    ok = best.stationary
    extra = {"threat_payoff": threat_payoff.tolist(), "bargaining_power": beta.tolist()}
    search = _Search("bargain", deal, [ia, ib], pair, ok, extra=extra)
    search.reason = "" if ok else f"the optimizer stopped: {best.message}"
    return _result(game, search, start, strict)


def _bargain_objective(
    game: TariffGame,
    pair: tuple[int, int],
    threat_payoff: np.ndarray,
    beta: np.ndarray,
    instruments: tuple[np.ndarray, np.ndarray, np.ndarray],
    threat: np.ndarray,
) -> Callable[[np.ndarray], tuple]:
    """Minus the Nash product of the pair's surpluses over the threat point, with its gradient.

    A surplus at or below zero is penalised linearly (the search stays where both gain).
    """
    rows, cols, secs = instruments
    both = jnp.asarray(list(pair))
    floor = jnp.asarray(threat_payoff[list(pair)])
    beta_j = jnp.asarray(beta / beta.sum())

    @jax.jit
    def value_grad(v, base):
        def f(v):
            full = base.at[rows, cols, secs].set(v)
            payoff, (_, residual) = game._objective(full, None)
            surplus = (payoff[both] - floor) / floor
            safe = jnp.where(surplus > 0, surplus, 1.0)
            value = -jnp.sum(beta_j * jnp.where(surplus > 0, jnp.log(safe), -1e3 + 1e6 * surplus))
            return value, residual

        (value, residual), grad = jax.value_and_grad(f, has_aux=True)(v)
        return value, grad, residual

    def fun(v):
        value, grad = game.checked(*value_grad(jnp.asarray(v), jnp.asarray(threat)))
        game.evaluations += 1
        return value, grad

    return fun


def _best_search(searches: list[BoundedSearch]) -> BoundedSearch | None:
    """The best of several searches, preferring one that converged among equal values.

    Searches from different starts that end at the same optimum differ in their last digits; the
    lowest value may be one whose line search gave up at that noise (L-BFGS-B's "ABNORMAL").
    Values within ``1e-9`` (relative) of the lowest count as equal; if none of those converged,
    the lowest is returned and the caller reports it as not converged.
    """
    if not searches:
        return None
    lowest = min(res.value for res in searches)
    tie = 1e-9 * max(1.0, abs(lowest))
    equal = [res for res in searches if res.value <= lowest + tie]
    converged = [res for res in equal if res.stationary]
    return min(converged or equal, key=lambda res: res.value)


def _payoff(game: TariffGame, tau: np.ndarray) -> np.ndarray:
    welfare, gov = game.payoffs(tau)
    return gov if game.settings.objective == "political" else welfare
