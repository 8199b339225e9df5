"""Command-line interface: ``tradewar run | datasets | describe``.

Exit codes: 0 success, 1 the solver did not converge, 2 bad input (one line naming file and field).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    name="tradewar",
    help="Simulate trade wars before they happen: general-equilibrium effects of tariffs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
if not console.is_terminal:
    console = Console(width=120)
err_console = Console(stderr=True, width=200)

_SHOWN = [
    ("welfare_pct", "Welfare"),
    ("terms_of_trade_pct", "ToT"),
    ("volume_of_trade_pct", "VoT"),
    ("real_wage_pct", "Real wage"),
    ("price_index_pct", "Prices"),
    ("exports_pct", "Exports"),
    ("imports_pct", "Imports"),
    ("tariff_revenue", "Tariff revenue"),
]


def _fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write results.parquet and manifest.json here.")
    ] = None,
    top: Annotated[int, typer.Option(help="Rows to show: the countries most affected.")] = 15,
) -> None:
    """Solve a scenario and print its results (a table, or JSON with --json)."""
    from tradewar import __version__
    from tradewar.api import run_scenario
    from tradewar.data.io import load_world
    from tradewar.errors import ConvergenceError, DataError, ScenarioError
    from tradewar.policy.scenario import load_scenario

    try:
        spec = load_scenario(scenario)
        world = load_world(spec.world)
        with (
            console.status(f"solving {spec.name} on {world.name}…", spinner="dots")
            if not json_out
            else _nullcontext()
        ):
            result = run_scenario(spec, world=world, strict=False)
    except (DataError, ScenarioError) as exc:
        _fail(str(exc).replace("\n", " "), 2)
        return
    if out is not None:
        manifest = {
            "tradewar_version": __version__,
            "scenario_file": str(scenario),
            "scenario": spec.model_dump(mode="json"),
            "world": world.name,
            "data_hash": world.data_hash(),
            "model": spec.model,
            "seed": None,
        }
        result.save(out, manifest)
    if json_out:
        sys.stdout.write(json.dumps(result.to_json(), allow_nan=False) + "\n")
    else:
        _print_result(result, top)
        if out is not None:
            console.print(f"wrote {out / 'results.parquet'} and {out / 'manifest.json'}")
    if not result.converged:
        exc = ConvergenceError(result.iterations, result.max_residual, spec.solver.tol)
        _fail(str(exc), 1)


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def _print_result(result, top: int) -> None:  # type: ignore[no-untyped-def]
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
            title=title,
            caption=(
                f"{result.world}, {result.model}, deficits={result.deficits}; "
                f"{step.outcome.iterations} iterations, "
                f"max residual {step.outcome.max_residual:.1e}; "
                f"changes in %, tariff revenue in {result.unit}; "
                f"{min(top, len(table))} of {len(table)} countries, largest changes first"
            ),
        )
        t.add_column("Country", style="bold")
        for _, header in _SHOWN:
            t.add_column(header, justify="right")
        for code in order:
            row = table.loc[code]
            cells = [
                f"{row[v]:,.0f}" if v == "tariff_revenue" else f"{row[v]:+.3f}" for v, _ in _SHOWN
            ]
            t.add_row(code, *cells)
        console.print(t)


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
) -> None:
    """Solve a scenario and write a self-contained HTML report with PNG figures."""
    from tradewar import __version__
    from tradewar.errors import ConvergenceError, DataError, ScenarioError
    from tradewar.policy.scenario import load_scenario
    from tradewar.report import build_report

    try:
        spec = load_scenario(scenario)
        sigmas = None
        if nest_elasticities:
            try:
                sigmas = [float(v) for v in nest_elasticities.split(",")]
            except ValueError:
                raise ScenarioError(
                    "not a comma-separated list of numbers", key="--nest-elasticities"
                ) from None
            if any(v <= 0 for v in sigmas):
                raise ScenarioError("elasticities must be positive", key="--nest-elasticities")
        codes = [c.strip() for c in focus.split(",")] if focus else None
        with console.status(f"solving {spec.name} and drawing the report…", spinner="dots"):
            path = build_report(
                spec, out, focus=codes, nest_elasticities=sigmas, version=__version__
            )
    except (DataError, ScenarioError) as exc:
        _fail(str(exc).replace("\n", " "), 2)
        return
    except ConvergenceError as exc:
        _fail(str(exc), 1)
        return
    console.print(f"wrote {path}")


@app.command()
def datasets() -> None:
    """List the bundled worlds."""
    from tradewar.datasets import list_datasets

    t = Table(title="Bundled worlds")
    for col in ("Name", "Year", "Countries", "Sectors", "Unit", "Description"):
        t.add_column(col)
    for d in list_datasets():
        t.add_row(
            d["name"],
            str(d["year"]),
            str(d["countries"]),
            str(d["sectors"]),
            d["unit"],
            d["description"],
        )
    console.print(t)


@app.command()
def describe(
    world: Annotated[str, typer.Argument(help="Bundled dataset name or world-package path.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Summarise a world: size, unit, source, licence and its largest economies."""
    from tradewar.data.io import load_world
    from tradewar.errors import DataError

    try:
        w = load_world(world)
    except DataError as exc:
        _fail(str(exc), 2)
        return
    s = w.summary()
    if json_out:
        sys.stdout.write(json.dumps(s) + "\n")
        return
    console.print(
        f"[bold]{s['name']}[/] ({s['year']}): {s['countries']} countries × "
        f"{s['sectors']} sectors ({s['tradable_sectors']} tradable), values in {s['unit']}"
    )
    console.print(
        f"World value added {s['world_value_added']:,.0f}; world exports {s['world_exports']:,.0f}"
    )
    console.print(f"Source: {s['source']}\nCitation: {s['citation']}\nLicence: {s['license']}")
    t = Table(title="Largest economies")
    for col in ("Country", "Name", "Value added", "World share %", "Deficit", "Avg tariff %"):
        t.add_column(col, justify="right" if col not in ("Country", "Name") else "left")
    for r in s["largest"]:
        t.add_row(
            r["country"],
            r["name"],
            f"{r['value_added']:,.0f}",
            f"{r['share_of_world_pct']:.1f}",
            f"{r['deficit']:,.0f}",
            f"{r['avg_tariff_pct']:.2f}",
        )
    console.print(t)


def main() -> None:
    """Entry point."""
    app()


if __name__ == "__main__":
    main()
