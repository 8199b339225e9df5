"""Scenario commands: ``tradewar run``, ``compare``, ``backtest`` and ``report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradewar.cli.common import (
    _FORCE,
    _HORIZON,
    _QUOTA_RENT,
    _SHOWN,
    _exit_codes,
    _fail,
    _print_json,
    _progress_bar,
    _require_file,
    _spinner,
    _variant,
    app,
    console,
)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write results.parquet and manifest.json here.")
    ] = None,
    force: Annotated[bool, _FORCE] = False,
    top: Annotated[
        int, typer.Option(min=1, help="Rows to show: the countries most affected.")
    ] = 15,
    horizon: Annotated[str | None, _HORIZON] = None,
    quota_rent: Annotated[str | None, _QUOTA_RENT] = None,
) -> None:
    """Solve a scenario and print its results (a table, or JSON with --json)."""
    _require_file(scenario, "scenario")
    from tradewar.api import run_scenario
    from tradewar.data.io import load_world
    from tradewar.errors import ConvergenceError
    from tradewar.folders import check_output_folder
    from tradewar.policy.scenario import load_scenario

    failure = {"scenario": str(scenario)} if json_out else None
    with _exit_codes(failure):
        if out is not None:
            check_output_folder(out, force)
        spec = _variant(load_scenario(scenario), horizon, quota_rent)
        if failure is not None:
            failure.update(scenario=spec.name, world=spec.world, model=spec.model)
        world = load_world(spec.world)
        bar, advance = _progress_bar(
            f"{escape(spec.name)} on {escape(world.name)}", json_out or len(spec.steps()) < 2
        )
        with bar if advance else _spinner(f"solving {escape(spec.name)}…", json_out):
            result = run_scenario(spec, world=world, strict=False, progress=advance)
        if out is not None:
            manifest = {
                "scenario_file": str(scenario),
                "scenario": spec.model_dump(mode="json"),
                "seed": None,
            }
            result.save(out, manifest, force=force)
    if json_out:
        _print_json(result.to_json())
    else:
        _print_result(result, top)
        if out is not None:
            console.print(
                f"wrote {escape(str(out / 'results.parquet'))} and "
                f"{escape(str(out / 'manifest.json'))}"
            )
    if not result.converged:
        worst = next(s for s in result.steps if not s.outcome.converged)
        exc = ConvergenceError(
            result.iterations,
            result.max_residual,
            spec.solver.tol,
            f"in step '{worst.label}'; raise [solver] max_iterations or check the policies",
            reason=_status_reason(worst.outcome.status),
        )
        _fail(str(exc), 1)


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="Two or more scenario TOML files.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write comparison.html, countries.csv, sectors.csv and manifest.json here.",
        ),
    ] = None,
    force: Annotated[bool, _FORCE] = False,
    variable: Annotated[
        str, typer.Option(help="Country variable to show side by side.")
    ] = "welfare_pct",
    top: Annotated[int, typer.Option(min=1, help="Rows to show: the largest differences.")] = 15,
) -> None:
    """Solve several scenarios and show their results side by side, with differences."""
    for path in scenarios:
        _require_file(path, "scenario")
    from tradewar.api import compare as compare_scenarios
    from tradewar.errors import ScenarioError
    from tradewar.folders import check_output_folder
    from tradewar.policy.scenario import load_scenario

    with _exit_codes({"scenarios": [str(s) for s in scenarios]} if json_out else None):
        if len(scenarios) < 2:
            raise ScenarioError("give at least two scenario files", key="SCENARIOS")
        if out is not None:
            check_output_folder(out, force)
        specs = [load_scenario(s) for s in scenarios]
        with _spinner(f"solving {len(specs)} scenarios…", json_out):
            stems = [s.stem for s in scenarios]
            labels = stems if len(set(stems)) == len(stems) else None
            comparison = compare_scenarios(*specs, strict=False, labels=labels)
        if variable not in set(comparison.countries.variable):
            raise ScenarioError(
                f"unknown variable '{variable}'; use one of "
                f"{', '.join(sorted(set(comparison.countries.variable)))}",
                key="--variable",
            )
        if out is not None:
            from tradewar import __version__
            from tradewar.report.compare import build_comparison_report

            build_comparison_report(comparison, out, __version__, force=force)
    if json_out:
        _print_json(comparison.to_json())
    else:
        wide = comparison.wide(variable)
        diffs = [c for c in wide.columns if c not in comparison.labels]
        order = wide[diffs].abs().max(axis=1).sort_values(ascending=False).index[:top]
        t = Table(
            title=escape(f"{variable}: side by side"),
            caption=f"worlds: {escape(', '.join(dict.fromkeys(comparison.worlds)))}; "
            f"{min(top, len(wide))} of {len(wide)} countries, largest differences first",
        )
        t.add_column("Country", style="bold")
        for col in wide.columns:
            t.add_column(escape(str(col)), justify="right")
        for code in order:
            t.add_row(escape(str(code)), *(f"{v:+.3f}" for v in wide.loc[code]))
        console.print(t)
        if out is not None:
            console.print(f"wrote {escape(str(out))}")
    if not all(comparison.converged):
        bad = [
            lab for lab, ok in zip(comparison.labels, comparison.converged, strict=True) if not ok
        ]
        _fail(f"not converged: {', '.join(bad)}", 1)


def _status_reason(status: str) -> str:
    """Why a step failed, beyond "not converged" (which the table already says)."""
    from tradewar.status import Status

    known = Status(status)
    return known.message if known.failed and known is not Status.NOT_CONVERGED else ""


def _print_result(result, top: int) -> None:
    for k, step in enumerate(result.steps):
        table = result.country_table(k)
        size = (
            table[["welfare_pct", "real_wage_pct", "terms_of_trade_pct", "volume_of_trade_pct"]]
            .abs()
            .max(axis=1)
        )
        order = size.sort_values(ascending=False).index[:top]
        title = f"{result.scenario} — {step.label}" + (f" ({step.date})" if step.date else "")
        t = Table(
            title=escape(title),
            caption=(
                f"{escape(result.world)}, {result.model}, deficits={result.deficits}; "
                f"{step.outcome.iterations} iterations, "
                f"max residual {step.outcome.max_residual:.1e}; "
                f"changes in %, tariff revenue in {escape(result.unit)}, rents in points of "
                "welfare; "
                f"{min(top, len(table))} of {len(table)} countries, largest changes first"
                + (
                    "; trade is balanced (deficits=zero), so each country's exports and "
                    "imports change by the same %"
                    if result.deficits == "zero"
                    else ""
                )
            ),
        )
        t.add_column("Country", style="bold")
        for _, header in _SHOWN:
            t.add_column(header, justify="right")
        t.add_column("Rents", justify="right")
        rents = table["rents_pct"] + table["capacity_rents_pct"]
        for code in order:
            row = table.loc[code]
            cells = [
                f"{row[v]:,.0f}" if v == "tariff_revenue" else f"{row[v]:+.3f}" for v, _ in _SHOWN
            ]
            t.add_row(escape(code), *cells, f"{rents[code]:+.3f}")
        console.print(t)
        for driver in result.welfare_drivers(k):
            console.print(f"  {escape(driver['sentence'])}")


@app.command()
def backtest(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file (a dated timeline).")],
    observations: Annotated[
        Path | None,
        typer.Option(help="Observations CSV (default: the scenario's `observations` file)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write backtest.csv, backtest.json, manifest.")
    ] = None,
    force: Annotated[bool, _FORCE] = False,
    horizon: Annotated[str | None, _HORIZON] = None,
    quota_rent: Annotated[str | None, _QUOTA_RENT] = None,
) -> None:
    """Hold a scenario's predictions against observed outcomes (docs/backtest.md)."""
    _require_file(scenario, "scenario")
    from tradewar.backtest import backtest as run_backtest
    from tradewar.backtest.output import score_line, table_rows, write_backtest
    from tradewar.folders import check_output_folder
    from tradewar.policy.scenario import load_scenario

    with _exit_codes():
        if out is not None:
            check_output_folder(out, force)
        spec = _variant(load_scenario(scenario), horizon, quota_rent)
        with _spinner(f"solving {escape(spec.name)}…", json_out):
            result = run_backtest(spec, observations)
        if out is not None:
            manifest = {"scenario_file": str(scenario), "scenario": spec.model_dump(mode="json")}
            write_backtest(result, out, manifest, force=force)
    if json_out:
        _print_json(result.to_json())
        return
    t = Table(
        title=escape(f"{result.scenario}: predictions against observations"),
        caption=escape(f"{result.world}; {score_line(result)}"),
    )
    for header, justify in (
        ("Observation", "left"),
        ("Period", "left"),
        ("Predicted", "right"),
        ("Observed", "right"),
        ("Band", "right"),
        ("", "left"),
    ):
        # rich wants a Literal for justify; the tuple above holds only valid ones.
        t.add_column(header, justify=justify)  # type: ignore[arg-type]
    rows = table_rows(result)
    for row in rows:
        t.add_row(
            escape(row["what"]),
            escape(row["period"]),
            row["predicted"],
            row["observed"],
            row["band"],
            row["verdict"],
        )
    console.print(t)
    for row in rows:
        if row["note"]:
            console.print(f"  [bold]{escape(row['id'])}[/bold] missed: {escape(row['note'])}")
    if out is not None:
        console.print(f"wrote {escape(str(out / 'backtest.csv'))} and backtest.json")


@app.command()
def report(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html and figures.")],
    focus: Annotated[
        str | None, typer.Option(help="Two country codes, e.g. USA,CHN (default: from policies).")
    ] = None,
    nest_elasticities: Annotated[
        str | None,
        typer.Option(
            help="Critical-nest elasticities for the sensitivity runs, e.g. 0.02,0.1,0.5."
        ),
    ] = None,
    force: Annotated[bool, _FORCE] = False,
    scheduler: Annotated[
        str, typer.Option(help="For a scenario with an [uncertainty] table: where its draws run.")
    ] = "auto",
    horizon: Annotated[str | None, _HORIZON] = None,
    quota_rent: Annotated[str | None, _QUOTA_RENT] = None,
) -> None:
    """Solve a scenario and write a self-contained HTML report with PNG figures."""
    _require_file(scenario, "scenario")
    import tomllib

    from tradewar import __version__
    from tradewar.errors import ScenarioError
    from tradewar.folders import check_output_folder
    from tradewar.policy.scenario import load_scenario

    with _exit_codes():
        check_output_folder(out, force)
        from tradewar.report import build_report
    try:
        with open(scenario, "rb") as fh:
            is_negotiation = "player" in tomllib.load(fh)
    except (OSError, ValueError):
        is_negotiation = False
    if is_negotiation:
        _negotiation_report(scenario, out, __version__, force)
        return
    with _exit_codes():
        spec = _variant(load_scenario(scenario), horizon, quota_rent)
        sigmas = None
        if nest_elasticities:
            try:
                sigmas = [float(v) for v in nest_elasticities.split(",")]
            except ValueError:
                raise ScenarioError(
                    "not a comma-separated list of numbers", key="--nest-elasticities"
                ) from None
            if not all(0 < v < float("inf") for v in sigmas):
                raise ScenarioError(
                    "elasticities must be positive finite numbers", key="--nest-elasticities"
                )
        codes = [c.strip() for c in focus.split(",")] if focus else None
        bar, advance = _progress_bar(f"{escape(spec.name)}: report", False)
        with bar:
            path = build_report(
                spec,
                out,
                focus=codes,
                nest_elasticities=sigmas,
                version=__version__,
                force=force,
                scheduler=scheduler,
                progress=advance,
            )
    console.print(f"wrote {escape(str(path))}")


def _negotiation_report(config: Path, out: Path, version: str, force: bool) -> None:
    from tradewar.dynamics import load_negotiation, simulate

    with _exit_codes():
        from tradewar.report.negotiation import build_negotiation_report

        spec = load_negotiation(config)
        with _spinner(f"simulating {escape(spec.name)}…"):
            path = build_negotiation_report(simulate(spec), out, version, force=force)
    console.print(f"wrote {escape(str(path))}")
