"""Optimal (best-response) tariffs, Nash tariffs, cooperative tariffs and Nash bargaining."""

from __future__ import annotations

import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize

from tradewar.errors import ConvergenceError, ScenarioError
from tradewar.game.core import TariffGame, stack_instruments
from tradewar.game.result import GameResult


def _result(
    game: TariffGame,
    kind: str,
    tau: np.ndarray,
    players: list[int],
    instruments: dict[int, tuple],
    converged: bool,
    rounds: int,
    change: float,
    start: float,
    extra: dict | None = None,
) -> GameResult:
    welfare, gov = game.payoffs(tau)
    return GameResult(
        kind=kind,
        world=game.world.name,
        model=game.model,
        objective=game.settings.objective,
        countries=game.world.countries,
        sectors=game.world.sectors,
        tariffs=tau,
        baseline_tariffs=game.base_tau,
        welfare_hat=welfare,
        gov_welfare_hat=gov,
        players=players,
        instruments=instruments,
        converged=converged,
        rounds=rounds,
        max_tariff_change_pct=100.0 * change,
        evaluations=game.evaluations,
        elapsed_s=time.perf_counter() - start,
        extra=extra or {},
    )


def optimal_tariffs(
    game: TariffGame,
    country: str,
    partners: Sequence[str] | None = None,
    tau: np.ndarray | None = None,
) -> GameResult:
    """Unilateral optimal tariffs of ``country`` (on ``partners``, default all), others fixed."""
    start = time.perf_counter()
    player = game.country_index(country)
    partner_idx = None if partners is None else [game.country_index(p) for p in partners]
    if partner_idx is not None and player in partner_idx:
        raise ScenarioError(f"{country} cannot set a tariff on itself", key="partners")
    tau = game.base_tau.copy() if tau is None else np.array(tau)
    new, info = game.best_response(player, tau, partner_idx)
    index = game.instruments(player, partner_idx)
    if not info["success"]:
        raise ConvergenceError(
            info["iterations"], float("nan"), 0.0, f"the optimizer stopped: {info['message']}"
        )
    return _result(
        game, "optimal", new, [player], {player: index}, True, 1, 0.0, start, {"optimizer": info}
    )


def nash_tariffs(
    game: TariffGame,
    players: Sequence[str] | None = None,
    against: str = "all",
    tau: np.ndarray | None = None,
    strict: bool = True,
) -> GameResult:
    """Nash tariffs: best responses in turn (Gauss–Seidel) until no tariff moves.

    Converged means the largest change of any strategic tariff over a full round is below
    ``settings.tol_pct`` percentage points and every best response met its optimality test;
    otherwise `ConvergenceError` (or a result flagged ``converged=False`` with ``strict=False``).
    ``against="players"`` restricts each player's tariffs to the other players (a bilateral war
    with everyone else's policy fixed); ``"all"`` lets each player tax every partner (Ossa 2014).
    """
    start = time.perf_counter()
    if against not in ("all", "players"):
        raise ScenarioError("against must be 'all' or 'players'", key="against")
    idx = (
        list(range(game.world.n_countries))
        if players is None
        else [game.country_index(p) for p in players]
    )
    if len(idx) < 2:
        raise ScenarioError("a Nash equilibrium needs at least two players", key="players")
    tau = game.base_tau.copy() if tau is None else np.array(tau)
    partners = {p: ([q for q in idx if q != p] if against == "players" else None) for p in idx}
    instruments = {p: game.instruments(p, partners[p]) for p in idx}
    tol = game.settings.tol_pct / 100.0
    change, rounds, all_ok = np.inf, 0, False
    history = []
    while rounds < game.settings.max_rounds:
        rounds += 1
        previous = tau.copy()
        all_ok = True
        for p in idx:
            tau, info = game.best_response(p, tau, partners[p])
            all_ok &= info["success"]
        change = float(np.max(np.abs(tau - previous)))
        history.append(100.0 * change)
        if change < tol and all_ok:
            break
    converged = bool(change < tol and all_ok)
    if strict and not converged:
        raise ConvergenceError(
            rounds,
            100.0 * change,
            game.settings.tol_pct,
            "Nash tariffs still moving (max change in percentage points); "
            "raise max_rounds or loosen tol_pct",
        )
    return _result(
        game,
        "nash",
        tau,
        idx,
        instruments,
        converged,
        rounds,
        change,
        start,
        {"change_by_round_pct": history},
    )


def cooperative_tariffs(
    game: TariffGame,
    players: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    equal_gains: bool = False,
    tau: np.ndarray | None = None,
) -> GameResult:
    """Efficient tariffs of ``players`` (default all), from the tariffs ``tau`` (default factual).

    Without ``equal_gains``: maximise the weighted sum of log payoffs. With ``equal_gains``
    (Ossa's trade talks): maximise the smallest proportional gain, through a smooth minimum whose
    sharpness is raised step by step; converged when the gains agree to 1e-4 (0.01 points).
    """
    start = time.perf_counter()
    idx = (
        list(range(game.world.n_countries))
        if players is None
        else [game.country_index(p) for p in players]
    )
    w = np.ones(len(idx)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(idx),) or np.any(w <= 0):
        raise ScenarioError("weights must be positive, one per player", key="weights")
    tau = game.base_tau.copy() if tau is None else np.array(tau)
    base_payoff = _payoff(game, tau)[idx]
    parts = [game.instruments(p) for p in idx]
    rows, cols, secs = stack_instruments(parts)
    lo, hi = game.settings.lower_pct / 100.0, game.settings.upper_pct / 100.0
    players_arr = jnp.asarray(idx)
    base_j = jnp.asarray(base_payoff)
    scale = game.flow_scale((rows, cols, secs))

    @jax.jit
    def value_grad(v, tau_j, weights_j, sharpness):
        def f(v):
            full = tau_j.at[rows, cols, secs].set(v)
            payoff, _ = game._objective(full, None)
            gains = jnp.log(payoff[players_arr] / base_j)
            utilitarian = -jnp.sum(weights_j * gains)
            softmin = jax.nn.logsumexp(-sharpness * gains) / sharpness
            return jnp.where(sharpness > 0, softmin, utilitarian)

        return jax.value_and_grad(f)(v)

    def fun(x, weights_j, sharpness):
        value, grad = value_grad(
            jnp.asarray(x / scale), jnp.asarray(tau), jnp.asarray(weights_j), sharpness
        )
        game.evaluations += 1
        return 1e3 * float(value), 1e3 * np.asarray(grad) / scale

    x = np.clip(tau[rows, cols, secs], lo, hi) * scale
    bounds = list(zip(lo * scale, hi * scale, strict=True))
    schedule = (1e3, 1e4, 1e5) if equal_gains else (0.0,)
    rounds, spread = 0, 0.0
    for sharpness in schedule:
        rounds += 1
        res = minimize(
            fun,
            x,
            args=(w / w.sum(), sharpness),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 3000, "ftol": 1e-13, "gtol": 1e-8},
        )
        x = res.x
    new = tau.copy()
    new[rows, cols, secs] = x / scale
    gains = _payoff(game, new)[idx] / base_payoff
    spread = float(gains.max() - gains.min())
    converged = spread < 1e-4 if equal_gains else bool(res.success)
    return _result(
        game,
        "cooperative",
        new,
        idx,
        dict(zip(idx, parts, strict=True)),
        converged,
        rounds,
        0.0,
        start,
        {"gain_spread_pct": 100.0 * spread, "equal_gains": equal_gains},
    )


def nash_bargain(
    game: TariffGame,
    a: str,
    b: str,
    threat: np.ndarray,
    bargaining_power: tuple[float, float] = (0.5, 0.5),
    threat_payoff: np.ndarray | None = None,
) -> GameResult:
    """Nash bargain of ``a`` and ``b`` over their bilateral tariffs, given a threat point.

    Maximises ``beta_a log(W_a - W_a^threat) + beta_b log(W_b - W_b^threat)`` over the tariffs
    each levies on the other (everything else as in ``threat``). ``threat_payoff`` overrides the
    payoffs of the threat point, e.g. computed in a game whose environment includes an export
    ban that the deal lifts. Raises `ScenarioError` if no tariffs within the bounds make both
    better off than the threat point (no deal).
    """
    start = time.perf_counter()
    ia, ib = game.country_index(a), game.country_index(b)
    if ia == ib:
        raise ScenarioError("a bargain needs two different countries", key="countries")
    beta = np.asarray(bargaining_power, dtype=float)
    if beta.shape != (2,) or np.any(beta <= 0):
        raise ScenarioError("bargaining power must be two positive numbers", key="power")
    threat = np.asarray(threat, dtype=float)
    threat_payoff = _payoff(game, threat) if threat_payoff is None else np.asarray(threat_payoff)
    parts = [game.instruments(ia, [ib]), game.instruments(ib, [ia])]
    rows, cols, secs = stack_instruments(parts)
    lo, hi = game.settings.lower_pct / 100.0, game.settings.upper_pct / 100.0
    both = jnp.asarray([ia, ib])
    floor = jnp.asarray(threat_payoff[[ia, ib]])
    beta_j = jnp.asarray(beta / beta.sum())

    @jax.jit
    def value_grad(v, base):
        def f(v):
            full = base.at[rows, cols, secs].set(v)
            payoff, _ = game._objective(full, None)
            surplus = (payoff[both] - floor) / floor
            safe = jnp.where(surplus > 0, surplus, 1.0)
            return -jnp.sum(beta_j * jnp.where(surplus > 0, jnp.log(safe), -1e3 + 1e6 * surplus))

        return jax.value_and_grad(f)(v)

    def fun(v):
        value, grad = value_grad(jnp.asarray(v), jnp.asarray(threat))
        game.evaluations += 1
        return float(value), np.asarray(grad)

    candidates = [np.clip(threat[rows, cols, secs] * s, lo, hi) for s in (0.0, 0.25, 0.5)]
    candidates.append(np.clip(game.base_tau[rows, cols, secs], lo, hi))
    best = None
    for x0 in candidates:
        res = minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(lo, hi)] * x0.size,
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
        )
        if best is None or res.fun < best.fun:
            best = res
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
    return _result(
        game,
        "bargain",
        deal,
        [ia, ib],
        {ia: parts[0], ib: parts[1]},
        True,
        1,
        0.0,
        start,
        {"threat_payoff": threat_payoff.tolist(), "bargaining_power": beta.tolist()},
    )


def _payoff(game: TariffGame, tau: np.ndarray) -> np.ndarray:
    welfare, gov = game.payoffs(tau)
    return gov if game.settings.objective == "political" else welfare
