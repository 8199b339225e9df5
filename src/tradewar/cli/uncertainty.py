"""Many runs of one scenario: ``tradewar uncertainty`` (Monte Carlo) and ``sweep``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradewar.cli.common import (
    _FORCE,
    _JSON,
    _RUNS_OUT,
    _SCHEDULER,
    _exit_codes,
    _fail,
    _print_json,
    _progress_bar,
    _require_file,
    _where,
    app,
    console,
)


def _print_uncertainty(result, json_out: bool, top: int) -> None:
    if json_out:
        _print_json(result.to_json())
        return
    summary = result.summary()
    last = summary[summary.step == summary.step.max()]
    welfare = last[last.variable == "welfare_pct"].set_index("country")
    order = welfare["q50"].abs().sort_values(ascending=False).index[:top]
    order = list(dict.fromkeys([*result.focus, *order]))[:top]
    qs = [f"q{q:g}" for q in result.quantiles]
    kind = "draws" if result.kind == "monte_carlo" else "grid points"
    t = Table(
        title=escape(f"{result.scenario} — welfare, % change"),
        caption=(
            f"{escape(result.world)}, {result.model}; {len(result.runs) - result.failed} of "
            f"{len(result.runs)} {kind} converged ({result.failed} failed); "
            f"{result.elapsed_s:.1f} s on {_where(result.settings.get('scheduler'))}; "
            f"quantiles over converged {kind}"
        ),
    )
    t.add_column("Country", style="bold")
    if result.central is not None:
        t.add_column("Central", justify="right")
    for q in qs:
        t.add_column(q.replace("q", "Q"), justify="right")
    t.add_column("P(loses)", justify="right")
    for code in order:
        row = welfare.loc[code]
        cells = [f"{row['central']:+.3f}"] if result.central is not None else []
        cells += [f"{row[q]:+.3f}" for q in qs]
        cells.append(f"{row['p_negative']:.2f}")
        t.add_row(escape(str(code)), *cells)
    console.print(t)
    who = result.who_won()
    if not who.empty:
        final = who.iloc[-1]
        console.print(
            f"who won ({escape(str(final['label']))}): {final['winner']} with probability "
            f"{final['probability']:.2f}",
            highlight=False,
        )


@app.command()
def uncertainty(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario TOML file with an [uncertainty] table.")
    ],
    draws: Annotated[
        int | None,
        typer.Option(min=1, max=1_000_000, help="Draws (default: the table's; at most 1,000,000)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the table's).")] = None,
    scheduler: Annotated[str, _SCHEDULER] = "auto",
    chunk_size: Annotated[int | None, typer.Option(help="Draws per task (default 25).")] = None,
    json_out: Annotated[bool, _JSON] = False,
    out: Annotated[Path | None, _RUNS_OUT] = None,
    force: Annotated[bool, _FORCE] = False,
    top: Annotated[int, typer.Option(min=1, help="Countries to show.")] = 15,
) -> None:
    """Monte Carlo: solve the scenario for many draws of its uncertain parameters."""
    _require_file(scenario, "scenario")
    from tradewar.folders import check_output_folder
    from tradewar.policy.scenario import load_scenario
    from tradewar.uncertainty import monte_carlo

    with _exit_codes({"scenario": str(scenario)} if json_out else None, source=scenario):
        if out is not None:
            check_output_folder(out, force)
        spec = load_scenario(scenario)
        bar, advance = _progress_bar(f"{escape(spec.name)}: draws", json_out)
        with bar:
            result = monte_carlo(
                spec,
                draws=draws,
                seed=seed,
                scheduler=scheduler,
                chunk_size=chunk_size,
                progress=advance,
            )
        if out is not None:
            result.save(out, force=force)
    _print_uncertainty(result, json_out, top)
    if out is not None and not json_out:
        console.print(f"wrote {escape(str(out))}")
    if result.failed:
        _fail(f"{result.failed} of {len(result.runs)} draws did not converge (see runs)", 1)


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="PATH=VALUES, e.g. policy[0].add_pct=0:200:5 (start:stop:step) or "
            "parameters.theta.S01=4,8 (a list); PATH,PATH=VALUES moves fields together; "
            "repeat for a grid over several fields.",
        ),
    ],
    scheduler: Annotated[str, _SCHEDULER] = "auto",
    chunk_size: Annotated[int | None, typer.Option(help="Points per task (default 25).")] = None,
    json_out: Annotated[bool, _JSON] = False,
    out: Annotated[Path | None, _RUNS_OUT] = None,
    force: Annotated[bool, _FORCE] = False,
) -> None:
    """Solve the scenario at every point of a grid over its fields (one row per point)."""
    _require_file(scenario, "scenario")
    from tradewar.errors import ScenarioError
    from tradewar.folders import check_output_folder
    from tradewar.policy.scenario import load_scenario
    from tradewar.uncertainty import parse_grid
    from tradewar.uncertainty import sweep as run_sweep

    with _exit_codes({"scenario": str(scenario)} if json_out else None, source=scenario):
        if out is not None:
            check_output_folder(out, force)
        grid: dict = {}
        for text in set_:
            path, values = parse_grid(text)
            if path in grid:
                raise ScenarioError(f"'{path}' is set twice", key="--set")
            grid[path] = values
        spec = load_scenario(scenario)
        bar, advance = _progress_bar(f"{escape(spec.name)}: grid", json_out)
        with bar:
            result = run_sweep(
                spec, grid, scheduler=scheduler, chunk_size=chunk_size, progress=advance
            )
        if out is not None:
            result.save(out, force=force)
    if json_out:
        _print_json(_sweep_json(result))
    else:
        _print_sweep(result, [p[0] if isinstance(p, tuple) else p for p in grid])
        if out is not None:
            console.print(f"wrote {escape(str(out))}")
    if result.failed:
        _fail(f"{result.failed} of {len(result.runs)} grid points did not converge", 1)


def _sweep_frame(result):
    """One row per grid point: its values, convergence and welfare by country (last step)."""
    last = result.values[result.values.step == result.values.step.max()]
    welfare = last[last.variable == "welfare_pct"].pivot_table(
        index="point", columns="country", values="value", sort=False
    )
    return result.runs.set_index("point").join(welfare.add_prefix("welfare_pct_"))


def _sweep_json(result) -> dict:
    last = result.values[result.values.step == result.values.step.max()]
    points = []
    for row in result.runs.to_dict(orient="records"):
        part = last[last.point == row["point"]]
        countries = [
            {"country": c, **dict(zip(g.variable, g.value, strict=True))}
            for c, g in part.groupby("country", sort=False)
        ]
        points.append({**row, "countries": countries})
    return {
        "scenario": result.scenario,
        "world": result.world,
        "model": result.model,
        "grid": result.settings["grid"],
        "failed_points": result.failed,
        "points": points,
    }


def _print_sweep(result, paths: list[str]) -> None:
    frame = _sweep_frame(result)
    shown = [f"welfare_pct_{c}" for c in result.focus if f"welfare_pct_{c}" in frame]
    t = Table(
        title=escape(f"{result.scenario} — sweep"),
        caption=f"{escape(result.world)}, {result.model}; welfare in % change; "
        f"{len(frame)} points, {result.failed} failed; {result.elapsed_s:.1f} s",
    )
    for path in paths:
        t.add_column(escape(path), justify="right")
    for col in shown:
        t.add_column(escape(col.replace("welfare_pct_", "Welfare ")), justify="right")
    t.add_column("Converged")
    for _, row in frame.iterrows():
        cells = [f"{row[p]:g}" for p in paths]
        cells += [f"{row[c]:+.3f}" if row[c] == row[c] else "" for c in shown]
        cells.append("yes" if row["converged"] else escape(str(row["status"])))
        t.add_row(*cells)
    console.print(t)
