"""``tradewar negotiate``: a negotiation simulated round by round (and its Monte Carlo)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradewar.cli.common import (
    _HORIZON,
    _JSON,
    _SCHEDULER,
    _exit_codes,
    _fail,
    _print_json,
    _progress_bar,
    _require_file,
    app,
    console,
)


def _start_scenario(spec):
    """The start scenario of a negotiation config (`ScenarioError` if it names none)."""
    from tradewar.errors import ScenarioError
    from tradewar.policy.scenario import load_scenario

    if not spec.start.scenario:
        raise ScenarioError(
            "--horizon applies to the start scenario's [chokepoints], and this negotiation "
            "starts from the baseline; name one in [start] scenario",
            key="start.scenario",
        )
    return load_scenario(spec.start.scenario)


@app.command()
def negotiate(
    config: Annotated[Path, typer.Argument(help="Negotiation config TOML.")],
    json_out: Annotated[bool, _JSON] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the config's).")] = None,
    draws: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1_000_000,
            help="Run the negotiation for this many draws of the start scenario's uncertain "
            "parameters and report the distribution of deal dates.",
        ),
    ] = None,
    uncertainty: Annotated[
        Path | None,
        typer.Option(
            help="With --draws: a TOML file whose [uncertainty] table says what to draw "
            "(default: the start scenario's)."
        ),
    ] = None,
    scheduler: Annotated[str, _SCHEDULER] = "auto",
    horizon: Annotated[str | None, _HORIZON] = None,
) -> None:
    """Simulate a dated negotiation: tariffs, pressure, offers and a deal (or none)."""
    _require_file(config, "negotiation")
    from tradewar.dynamics import load_negotiation, simulate

    if draws is not None or uncertainty is not None:
        _negotiation_draws(config, json_out, seed, draws, uncertainty, scheduler)
        return
    with _exit_codes({"negotiation": str(config)} if json_out else None):
        spec = load_negotiation(config)
        start = None
        if horizon is not None:
            start = _start_scenario(spec).with_horizon(horizon)
        bar, advance = _progress_bar(f"{escape(spec.name)}: rounds", json_out)
        with bar:
            result = simulate(spec, seed=seed, progress=advance, start=start)
    if json_out:
        _print_json(result.to_json())
        return
    t = Table(
        title=escape(spec.name),
        caption="tariffs: each side's trade-weighted average tariff on the other's goods in "
        "the instrument sectors, %; pressure stops accumulating once a deal is made",
    )
    players = list(result.steps[0]["policies"])
    t.add_column("Date")
    for code in players:
        t.add_column(f"{code} tariff %", justify="right")
        t.add_column(f"{code} pressure", justify="right")
    t.add_column("Events")
    for step in result.steps:
        cells = []
        for code in players:
            cells += [
                f"{step['policies'][code]['avg_tariff_pct']:.1f}",
                f"{step['pressure'][code]:.2f}",
            ]
        events = "; ".join(
            f"{e['kind']} {e['country']}"
            + (
                f" ({'accepted' if e.get('accepted') else 'refused'})"
                if e["kind"] == "offer"
                else ""
            )
            for e in step["events"]
        )
        t.add_row(step["date"], *cells, events)
    console.print(t)
    o = result.outcome
    console.print(
        f"deal: {o['deal']}"
        + (f" on {o['date']} (offered by {o['proposer']})" if o["deal"] else "")
        + "; welfare vs start: "
        + ", ".join(f"{k} {v:+.3f}%" for k, v in o["welfare_vs_start_pct"].items())
    )


def _negotiation_draws(
    config: Path,
    json_out: bool,
    seed: int | None,
    draws: int | None,
    uncertainty: Path | None,
    scheduler: str,
):
    from tradewar.dynamics import load_negotiation
    from tradewar.policy.scenario import read_toml_table
    from tradewar.policy.uncertainty import UncertaintySettings
    from tradewar.uncertainty import negotiation_draws

    with _exit_codes({"negotiation": str(config)} if json_out else None):
        spec = load_negotiation(config)
        parameters = None
        if uncertainty is not None:
            parameters = read_toml_table(uncertainty, "uncertainty", UncertaintySettings)
        bar, advance = _progress_bar(f"{escape(spec.name)}: draws", json_out)
        with bar:
            result = negotiation_draws(
                spec,
                draws=draws,
                seed=seed,
                parameters=parameters,
                scheduler=scheduler,
                progress=advance,
            )
    if json_out:
        _print_json(result.to_json())
    else:
        s = result.summary()
        dates = s["deal_date"]
        console.print(
            f"[bold]{escape(spec.name)}[/]: {s['draws']} draws ({s['failed']} failed); "
            f"P(deal) = {s['p_deal']:.2f}"
            + (
                f"; deal date 5/50/95%: {dates['q5']} / {dates['q50']} / {dates['q95']}"
                if dates
                else ""
            ),
            highlight=False,
        )
        t = Table(title="Deal dates", caption="draws reaching a deal on each date")
        t.add_column("Date")
        t.add_column("Draws", justify="right")
        for date, count in s["deal_dates"].items():
            t.add_row(date, str(count))
        console.print(t)
    if result.failed:
        _fail(f"{result.failed} of {len(result.runs)} draws did not converge", 1)
