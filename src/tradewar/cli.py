"""Command-line interface: ``tradewar run | datasets | describe``.

Exit codes: 0 success, 1 the solver did not converge, 2 bad input (one line naming file and field).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tradewar.registry import MODELS, NASH_TOL_PCT

app = typer.Typer(
    name="tradewar",
    help="Simulate trade wars before they happen: general-equilibrium effects of tariffs and "
    "export controls, strategic tariffs (optimal, Nash, cooperative, bargaining) and "
    "negotiation dynamics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts name TOML tables ([uncertainty], [chokepoints]): plain text, never markup.
    rich_markup_mode=None,
)
console = Console()
if not console.is_terminal:
    console = Console(width=120)
err_console = Console(stderr=True, width=200)

#: The option every command that writes an ``--out`` folder shares.
_FORCE = typer.Option("--force", help="Replace --out even if it holds other files.")
_HORIZON = typer.Option(
    help="How long the equilibrium stands for: short, medium or long (replaces the scenario's "
    "horizon: trade elasticities, supply limits; docs/chokepoints.md)."
)
_QUOTA_RENT = typer.Option(
    "--quota-rent",
    help="Who earns quota rents: exporter, importer or none (replaces [parameters] quota_rent).",
)

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


def _version(value: bool) -> None:
    if value:
        from tradewar import __version__

        sys.stdout.write(f"tradewar {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Simulate trade wars before they happen."""
    from tradewar.compilation import enable_compilation_cache

    enable_compilation_cache()  # compiled solvers kept in the user's cache folder


def _fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _require_file(path: Path, what: str) -> None:
    """Exit 2 at once, before any heavy import, when ``path`` is not an existing file.

    The message is the one the scenario reader gives (``PATH: no such scenario file``), so a
    mistyped path costs a few milliseconds instead of loading JAX and pandas first.
    """
    if path.is_dir():
        _fail(f"{path}: is a folder, not a {what} file", 2)
    if not path.is_file():
        _fail(f"{path}: {'not a file' if path.exists() else f'no such {what} file'}", 2)


def _print_json(obj: object) -> None:
    from tradewar.jsonsafe import dumps

    sys.stdout.write(dumps(obj) + "\n")


@contextmanager
def _exit_codes(json_failure: dict | None = None, source: object = None) -> Iterator[None]:
    """Turn bad input into exit 2 (one line naming file and key) and non-convergence into 1.

    With ``json_failure`` (``--json``), a convergence failure also prints that object with
    ``"converged": false`` and the ``"error"``, so a script always gets valid JSON. With
    ``source`` (the file or bundled name the command read), an error about its content that
    names no file is told with that name.
    """
    from tradewar.errors import ConvergenceError, DataError, OutputError, ScenarioError

    try:
        yield
    except (DataError, ScenarioError, OutputError) as exc:
        if source is not None and isinstance(exc, DataError) and exc.file is None:
            exc = DataError(exc.reason, file=str(source), row=exc.row, field=exc.field)
        elif source is not None and isinstance(exc, ScenarioError) and exc.file is None:
            exc = ScenarioError(exc.reason, file=str(source), key=exc.key)
        _fail(str(exc).replace("\n", " "), 2)
    except ConvergenceError as exc:
        if json_failure is not None:
            _print_json(
                {
                    **json_failure,
                    "converged": False,
                    "iterations": exc.iterations,
                    "max_residual": exc.max_residual,
                    "error": str(exc),
                }
            )
        _fail(str(exc), 1)
    except ImportError as exc:  # an optional extra that is not installed
        _fail(str(exc), 2)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = getattr(exc, "filename", None)
        _fail(f"{where}: {reason}" if where else reason, 2)


def _variant(spec, horizon: str | None, quota_rent: str | None):
    """``spec`` over another horizon and with another quota-rent regime, where given."""
    if horizon is not None:
        spec = spec.with_horizon(horizon)
    if quota_rent is not None:
        spec = spec.with_quota_rent(quota_rent)
    return spec


def _spinner(text: str, quiet: bool = False) -> AbstractContextManager[object]:
    """A progress spinner on the terminal, or nothing (e.g. when printing JSON)."""
    return nullcontext() if quiet else console.status(text, spinner="dots")


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
    from tradewar.model.outcomes import STATUS_REASONS

    return STATUS_REASONS.get(status, "") if status != "not converged" else ""


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


@app.command()
def cache(
    clear: Annotated[bool, typer.Option("--clear", help="Delete the cached programs.")] = False,
) -> None:
    """Show (or --clear) the cache of compiled solvers that speeds up later commands."""
    from tradewar.compilation import CACHE_ENTRY, cache_dir, clear_compilation_cache

    folder = cache_dir()
    with _exit_codes():
        if clear:
            files, size = clear_compilation_cache(folder)
            console.print(f"removed {files} cached programs ({size / 1e6:.1f} MB) from {folder}")
            return
    entries = [p for p in folder.glob("*") if p.is_file() and CACHE_ENTRY.match(p.name)]
    size = sum(p.stat().st_size for p in entries)
    console.print(
        f"{folder}: {len(entries)} cached programs, {size / 1e6:.1f} MB "
        "(TRADEWAR_CACHE_DIR moves it, TRADEWAR_NO_CACHE=1 turns it off)",
        markup=False,
    )


@app.command()
def datasets() -> None:
    """List the bundled worlds."""
    from tradewar.datasets import list_datasets

    t = Table(title="Bundled worlds")
    for col in ("Name", "Year", "Countries", "Sectors", "Unit", "Description"):
        t.add_column(col)
    for d in list_datasets():
        t.add_row(
            *(
                escape(str(d[k]))
                for k in ("name", "year", "countries", "sectors", "unit", "description")
            )
        )
    console.print(t)


@app.command()
def describe(
    world: Annotated[str, typer.Argument(help="Bundled dataset name or world-package path.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Summarise a world: size, unit, source, licence and its largest economies."""
    from tradewar.build.regions import named_region_counts
    from tradewar.data.io import load_world

    with _exit_codes():
        w = load_world(world)
    s = w.summary()
    s["named_regions"] = named_region_counts(w.countries)
    if json_out:
        _print_json(s)
        return
    console.print(
        f"[bold]{escape(str(s['name']))}[/] ({escape(str(s['year']))}): {s['countries']} "
        f"countries × {s['sectors']} sectors ({s['tradable_sectors']} tradable), values in "
        f"{escape(str(s['unit']))}"
    )
    console.print(
        f"World value added {s['world_value_added']:,.0f}; world exports {s['world_exports']:,.0f}"
    )
    console.print(
        f"Source: {s['source']}\nCitation: {s['citation']}\nLicence: {s['license']}",
        markup=False,
    )
    sectors = Table(title="Sectors")
    for col in ("Sector", "Name", "Trade elasticity", "Tradable", "Groups"):
        sectors.add_column(col, justify="right" if col == "Trade elasticity" else "left")
    member_of = {
        code: [g for g, members in s["sector_groups"].items() if code in members]
        for code in (r["sector"] for r in s["sector_list"])
    }
    for r in s["sector_list"]:
        sectors.add_row(
            escape(r["sector"]),
            escape(r["name"]),
            f"{r['theta']:g}",
            "yes" if r["tradable"] else "no",
            escape(" ".join(member_of[r["sector"]])),
        )
    console.print(sectors)
    if s["sector_groups"]:
        console.print(
            'Sector groups (usable wherever sector codes are; "*" is every sector, services '
            "included): " + ", ".join(f"{k} ({len(v)})" for k, v in s["sector_groups"].items()),
            markup=False,
        )
    if s["regions"]:
        console.print(
            "Regions (for tw.data.aggregate.region_mapping): "
            + ", ".join(f"{k} ({n} countries)" for k, n in s["regions"].items()),
            markup=False,
        )
    if s["named_regions"]:
        console.print(
            "Named regions for build-world --regions (members in this world): "
            + ", ".join(f"{k} ({n})" for k, n in s["named_regions"].items())
            + "; also continent, continent7, unregion",
            markup=False,
        )
    t = Table(title="Largest economies")
    for col in (
        "Country",
        "Name",
        "Value added",
        "World share %",
        "Deficit (M − X)",
        "Avg tariff %",
    ):
        t.add_column(col, justify="right" if col not in ("Country", "Name") else "left")
    for r in s["largest"]:
        t.add_row(
            escape(r["country"]),
            escape(r["name"]),
            f"{r['value_added']:,.0f}",
            f"{r['share_of_world_pct']:.1f}",
            f"{r['deficit']:,.0f}",
            f"{r['avg_tariff_pct']:.2f}",
        )
    console.print(t)


# ---------------------------------------------------------------------------- strategy
#: One default for the Nash search's tariff-change tolerance, shared with the Python API.
_DEFAULT_TOL_PCT = NASH_TOL_PCT


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _game(
    world: str,
    model: str | None,
    objective: str,
    lower_pct: float,
    upper_pct: float,
    tol_pct: float,
    max_rounds: int,
    sectors: str | None,
    deficits: str | None = None,
    ces: Path | None = None,
    allow_binding_bounds: bool = False,
    armington: Path | None = None,
    mfn: bool = False,
):
    from tradewar.data.io import load_world
    from tradewar.errors import ScenarioError
    from tradewar.game.build import build_game

    w = load_world(world)
    try:
        return build_game(
            w,
            model,
            objective=objective,
            lower_pct=lower_pct,
            upper_pct=upper_pct,
            tol_pct=tol_pct,
            max_rounds=max_rounds,
            sectors=_codes(sectors),
            deficits=deficits,
            ces=_read_ces(ces) if ces is not None else None,
            armington=_read_armington(armington) if armington is not None else None,
            mfn=mfn,
            allow_binding_bounds=allow_binding_bounds,
        )
    except ScenarioError as exc:
        key = exc.key or ""
        if exc.file is None and armington is not None and key.startswith("armington."):
            raise ScenarioError(exc.reason, file=str(armington), key=key) from None
        if exc.file is None and key in _OPTION_NAMES:
            raise ScenarioError(exc.reason, key=_OPTION_NAMES[key]) from None
        raise


#: Game settings and the CLI options that set them, for error messages.
_OPTION_NAMES = {"model": "--model", "ces": "--ces", "armington": "--armington"}


def _read_armington(path: Path):
    """The ``[armington]`` table of a TOML file, validated (errors name the file and key)."""
    from tradewar.policy.scenario import ArmingtonSettings, read_toml_table

    return read_toml_table(path, "armington", ArmingtonSettings)


def _read_ces(path: Path):
    """The ``[ces]`` table of a TOML file, validated (errors name the file and key)."""
    from tradewar.policy.scenario import CESSettings, read_toml_table

    return read_toml_table(path, "ces", CESSettings)


def _print_game(result, json_out: bool, top: int = 20) -> None:
    if json_out:
        _print_json(result.to_json())
        return
    full = result.country_table()
    players = list(result.players)
    others = full.drop(index=players)["welfare_pct"].abs().sort_values(ascending=False).index
    order = list(dict.fromkeys([*players, *others]))[: max(top, len(players))]
    table = full.loc[order]
    caption = (
        f"converged {result.converged}; rounds {result.rounds}; {result.elapsed_s:.1f} s; "
        f"deficits {result.deficits}; welfare in % vs the baseline tariffs; {len(table)} of "
        f"{len(full)} countries: the players, then the largest welfare changes"
    )
    if "max_nash_gap_pct" in result.extra:
        caption += f"; Nash gap {result.extra['max_nash_gap_pct']:.2g}%"
    if result.kind == "bargain" and "threat_payoff" in result.extra:
        threat = result.extra["threat_payoff"]
        shown = ", ".join(
            f"{code} {100.0 * (threat[result.countries.index(code)] - 1.0):+.3f}%"
            for code in players
        )
        caption += f"; threat point ({result.objective}): {shown}"
    t = Table(
        title=f"{result.kind} tariffs — {escape(result.world)}, {result.model}, "
        f"objective {result.objective}",
        caption=caption,
    )
    for col in ("Country", "Median tariff %", "Mean tariff %", "Welfare %", "Gov. welfare %"):
        t.add_column(col, justify="left" if col == "Country" else "right")

    def cell(value: object, fmt: str) -> str:
        return "" if value is None or value != value else format(value, fmt)

    for code, row in table.iterrows():
        t.add_row(
            escape(str(code)),
            cell(row.median_tariff_pct, ".1f"),
            cell(row.mean_tariff_pct, ".1f"),
            cell(row.welfare_pct, "+.3f"),
            cell(row.gov_welfare_pct, "+.3f"),
        )
    console.print(t)


def _run_game(action, json_out: bool, describe: dict, top: int = 20) -> None:
    """Run ``action(progress)`` under a progress bar (Nash rounds) and print its result."""
    if describe["game"] == "nash":  # rounds to count
        bar, advance = _progress_bar("Nash tariffs: rounds", json_out)
    else:
        bar, advance = _spinner(f"solving the {describe['game']} game…", json_out), None
    with _exit_codes(describe if json_out else None), bar:
        result = action(advance)
    _print_game(result, json_out, top)
    if not result.converged:
        _fail(f"{result.kind} tariffs did not converge: {result.reason}", 1)


_MODEL = typer.Option(help=f"Model: {', '.join(MODELS)} (default: the world's).")
_OBJECTIVE = typer.Option(help="welfare (real income) or political (lambda-weighted).")
_JSON = typer.Option("--json", help="Print one JSON object.")
_DEFICITS = typer.Option(
    help="zero: re-solve the baseline with balanced trade first (default, as Ossa 2014; keep "
    "with --armington); keep: deficits are fixed transfers (best responses may then end on the "
    "upper bound)."
)
_ARMINGTON = typer.Option(
    help="For --model armington: a TOML file (e.g. a scenario) whose armington table sets the "
    "margins of Ignatenko et al. (2025); deficits are then kept."
)
_MFN = typer.Option(
    "--mfn", help="Most-favoured-nation tariffs: one rate per sector on every partner."
)
_BOUNDS = typer.Option(
    "--allow-binding-bounds",
    help="Accept tariffs on a bound the payoff would still rise past (the bounds are part of "
    "the problem, as Ossa's 0-1000%); by default such a best response is a failure.",
)
_CES = typer.Option(help="For --model ces-network: a TOML file whose ces table names the nests.")
_TOP = typer.Option(min=1, help="Rows to show: the players, then the largest welfare changes.")


@app.command()
def optimal(
    world: Annotated[str, typer.Argument(help="Bundled world or world-package path.")],
    country: Annotated[str, typer.Option(help="The country that sets its tariffs.")],
    partners: Annotated[str | None, typer.Option(help="Tariffs on these only, e.g. CHN.")] = None,
    model: Annotated[str | None, _MODEL] = None,
    objective: Annotated[str, _OBJECTIVE] = "welfare",
    sectors: Annotated[str | None, typer.Option(help="Sector codes (default: all traded).")] = None,
    lower_pct: Annotated[float, typer.Option(help="Lower bound, percent.")] = 0.0,
    upper_pct: Annotated[float, typer.Option(help="Upper bound, percent.")] = 1000.0,
    deficits: Annotated[str | None, _DEFICITS] = None,
    ces: Annotated[Path | None, _CES] = None,
    armington: Annotated[Path | None, _ARMINGTON] = None,
    mfn: Annotated[bool, _MFN] = False,
    allow_binding_bounds: Annotated[bool, _BOUNDS] = False,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Unilateral optimal tariffs of one country, everyone else at baseline tariffs."""
    from tradewar.game import optimal_tariffs

    def action(progress):
        game = _game(
            world,
            model,
            objective,
            lower_pct,
            upper_pct,
            _DEFAULT_TOL_PCT,
            1,
            sectors,
            deficits,
            ces,
            allow_binding_bounds,
            armington,
            mfn,
        )
        return optimal_tariffs(game, country, _codes(partners), strict=False)

    _run_game(action, json_out, {"game": "optimal", "world": world}, top)


@app.command()
def nash(
    world: Annotated[str, typer.Argument(help="Bundled world or world-package path.")],
    players: Annotated[
        str | None, typer.Option(help="Players, e.g. USA,CHN (default all).")
    ] = None,
    against: Annotated[
        str, typer.Option(help="all: tax every partner; players: only players.")
    ] = "all",
    model: Annotated[str | None, _MODEL] = None,
    objective: Annotated[str, _OBJECTIVE] = "welfare",
    sectors: Annotated[str | None, typer.Option(help="Sector codes (default: all traded).")] = None,
    lower_pct: Annotated[float, typer.Option(help="Lower bound, percent.")] = 0.0,
    upper_pct: Annotated[float, typer.Option(help="Upper bound, percent.")] = 1000.0,
    tol_pct: Annotated[
        float, typer.Option(help="Search: stop when no tariff moves more than this, points.")
    ] = _DEFAULT_TOL_PCT,
    max_rounds: Annotated[int, typer.Option(help="Rounds of best responses at most.")] = 30,
    deficits: Annotated[str | None, _DEFICITS] = None,
    ces: Annotated[Path | None, _CES] = None,
    armington: Annotated[Path | None, _ARMINGTON] = None,
    mfn: Annotated[bool, _MFN] = False,
    allow_binding_bounds: Annotated[bool, _BOUNDS] = False,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Nash tariffs (a trade war): best responses until no player gains by deviating."""
    from tradewar.game import nash_tariffs

    def action(progress):
        game = _game(
            world,
            model,
            objective,
            lower_pct,
            upper_pct,
            tol_pct,
            max_rounds,
            sectors,
            deficits,
            ces,
            allow_binding_bounds,
            armington,
            mfn,
        )
        return nash_tariffs(game, _codes(players), against=against, strict=False, progress=progress)

    _run_game(action, json_out, {"game": "nash", "world": world}, top)


@app.command()
def cooperate(
    world: Annotated[str, typer.Argument(help="Bundled world or world-package path.")],
    players: Annotated[str | None, typer.Option(help="Players (default all).")] = None,
    equal_gains: Annotated[
        bool, typer.Option(help="Equal proportional gains (trade talks).")
    ] = True,
    model: Annotated[str | None, _MODEL] = None,
    objective: Annotated[str, _OBJECTIVE] = "welfare",
    sectors: Annotated[str | None, typer.Option(help="Sector codes (default: all traded).")] = None,
    lower_pct: Annotated[float, typer.Option(help="Lower bound, percent.")] = 0.0,
    upper_pct: Annotated[float, typer.Option(help="Upper bound, percent.")] = 1000.0,
    deficits: Annotated[str | None, _DEFICITS] = None,
    ces: Annotated[Path | None, _CES] = None,
    armington: Annotated[Path | None, _ARMINGTON] = None,
    mfn: Annotated[bool, _MFN] = False,
    allow_binding_bounds: Annotated[bool, _BOUNDS] = False,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Cooperative (efficient) tariffs from the baseline, optionally with equal gains."""
    from tradewar.game import cooperative_tariffs

    def action(progress):
        game = _game(
            world,
            model,
            objective,
            lower_pct,
            upper_pct,
            _DEFAULT_TOL_PCT,
            1,
            sectors,
            deficits,
            ces,
            allow_binding_bounds,
            armington,
            mfn,
        )
        return cooperative_tariffs(game, _codes(players), equal_gains=equal_gains, strict=False)

    _run_game(action, json_out, {"game": "cooperative", "world": world}, top)


@app.command()
def bargain(
    world: Annotated[str, typer.Argument(help="Bundled world or world-package path.")],
    countries: Annotated[str, typer.Option(help="The two negotiators, e.g. USA,CHN.")],
    threat: Annotated[
        str,
        typer.Option(
            help="Threat point: 'nash' (their bilateral Nash tariffs), 'baseline', or "
            "SCENARIO.toml#STEP-LABEL (a step's tariffs; same world)."
        ),
    ] = "nash",
    power: Annotated[str, typer.Option(help="Bargaining weights, e.g. 0.5,0.5.")] = "0.5,0.5",
    model: Annotated[str | None, _MODEL] = None,
    objective: Annotated[str, _OBJECTIVE] = "welfare",
    sectors: Annotated[str | None, typer.Option(help="Sector codes (default: all traded).")] = None,
    lower_pct: Annotated[float, typer.Option(help="Lower bound, percent.")] = 0.0,
    upper_pct: Annotated[float, typer.Option(help="Upper bound, percent.")] = 1000.0,
    deficits: Annotated[str | None, _DEFICITS] = None,
    ces: Annotated[Path | None, _CES] = None,
    armington: Annotated[Path | None, _ARMINGTON] = None,
    mfn: Annotated[bool, _MFN] = False,
    allow_binding_bounds: Annotated[bool, _BOUNDS] = False,
    top: Annotated[int, _TOP] = 20,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Nash bargain over two countries' bilateral tariffs in the shadow of a threat point."""
    from tradewar.errors import ScenarioError
    from tradewar.game import nash_bargain
    from tradewar.game.threats import threat_tariffs

    def action(progress):
        pair = _codes(countries) or []
        if len(pair) != 2:
            raise ScenarioError("give exactly two countries, e.g. USA,CHN", key="--countries")
        try:
            weights = tuple(float(v) for v in power.split(","))
        except ValueError:
            raise ScenarioError("not two numbers", key="--power") from None
        game = _game(
            world,
            model,
            objective,
            lower_pct,
            upper_pct,
            _DEFAULT_TOL_PCT,
            30,
            sectors,
            deficits,
            ces,
            allow_binding_bounds,
            armington,
            mfn,
        )
        threat_tau = threat_tariffs(game, pair, threat)
        return nash_bargain(
            game,
            pair[0],
            pair[1],
            threat_tau,
            weights,
            strict=False,
        )

    _run_game(action, json_out, {"game": "bargain", "world": world}, top)


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


_RUNS_OUT = typer.Option(help="Write values.parquet, runs.parquet, summary.csv and manifest.json.")
_SCHEDULER = typer.Option(
    help="Where the runs go: auto (this process on fewer than 4 cores, else local; printed), "
    "local (a Dask cluster of one process per core, started here), none (this process) or a "
    "Dask scheduler address such as tcp://127.0.0.1:8786."
)


def _where(scheduler: object) -> str:
    """Where the runs went, in words, for a caption."""
    if scheduler in (None, "none"):
        return "this process"
    if scheduler == "local":
        return "a local Dask cluster"
    return f"the Dask scheduler at {scheduler}"


def _progress_bar(text: str, quiet: bool):
    """A Rich progress bar and the callback that moves it (nothing when quiet)."""
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if quiet:
        return nullcontext(), None
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        console=err_console,
        transient=True,
    )
    task = bar.add_task(text, total=1.0, note="")

    def advance(fraction: float, message: str) -> None:
        bar.update(task, completed=fraction, note=message)

    return bar, advance


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


# ---------------------------------------------------------------------------- your own data
@app.command("build-world")
def build_world_command(
    path: Annotated[
        str, typer.Argument(help="The source: file, folder or zip (a world name for --from world).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the world package to.")],
    source: Annotated[
        str, typer.Option("--from", help="oecd-icio, wiod, long or world.")
    ] = "oecd-icio",
    year: Annotated[
        int | None, typer.Option(help="Year (picks the file in a folder or zip).")
    ] = None,
    regions: Annotated[
        str | None,
        typer.Option(
            help="Named regions (eu27,asean,oecd,g7,continent,...) or a CSV country,region."
        ),
    ] = None,
    keep: Annotated[
        str | None,
        typer.Option(help="Countries to keep; every other one not in a region goes into ROW."),
    ] = None,
    sectors: Annotated[
        Path | None, typer.Option("--sectors", help="CSV sector,group[,name] merging sectors.")
    ] = None,
    theta: Annotated[
        str,
        typer.Option(help="Trade elasticities: cp2015 (by ISIC division) or a CSV sector,theta."),
    ] = "cp2015",
    tariffs: Annotated[
        Path | None,
        typer.Option(
            help="Long tariff file (importer, exporter, sector|product, tariff_pct[, table])."
        ),
    ] = None,
    concordance: Annotated[
        Path | None, typer.Option(help="CSV product,sector for a tariff file by product.")
    ] = None,
    inputs: Annotated[
        Path | None,
        typer.Option(help="--from long: input use (country, input_sector, using_sector, value)."),
    ] = None,
    value_added: Annotated[
        Path | None, typer.Option(help="--from long: value added (country, sector, value_added).")
    ] = None,
    update: Annotated[
        Path | None,
        typer.Option(
            help="Targets CSV (variable, country, partner, value): move the world to them with RAS."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name of the world (default: the --out folder's name).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv or parquet for the large tables.")
    ] = "parquet",
    force: Annotated[bool, _FORCE] = False,
) -> None:
    """Build a checked world package from OECD ICIO, WIOD, long tables or an existing world."""
    from tradewar.build import build_world, read_targets, update_baseline
    from tradewar.data.io import write_world
    from tradewar.folders import check_output_folder

    world_name = name or out.name
    with _exit_codes():
        if fmt not in ("csv", "parquet"):
            from tradewar.errors import DataError

            raise DataError(f"--format must be csv or parquet, not {fmt!r}", field="format")
        check_output_folder(out, force)  # refuse early, before minutes of work
        with _spinner(f"Building {world_name} from {source}"):
            world, report = build_world(
                source,
                path,
                name=world_name,
                year=year,
                regions=regions,
                keep=_codes(keep),
                sector_map=sectors,
                theta=theta,
                tariffs=tariffs,
                concordance=concordance,
                inputs=inputs,
                value_added=value_added,
            )
            lines = report.lines()
            if update is not None:
                from dataclasses import replace

                targets = read_targets(update, world)
                world, upd = update_baseline(world, targets, name=world_name)
                lines += upd.lines()
                world = replace(
                    world,
                    meta={
                        **world.meta,
                        "updated_to": str(update.name),
                        "update_report": "; ".join(upd.lines()),
                        "update_sources": "; ".join(targets.sources),
                    },
                )
        written = write_world(world, out, fmt=fmt, force=force)
    for line in lines:
        console.print(f"  {line}", markup=False, highlight=False)
    console.print(
        f"Wrote {escape(world.name)}: {world.n_countries} countries x {world.n_sectors} sectors "
        f"to {escape(str(written))}"
    )


@app.command()
def estimate(
    data: Annotated[
        str, typer.Argument(help="A bundled panel (cp2015-1993), a panel file, or a world.")
    ],
    method: Annotated[str, typer.Option(help="ppml or triple-difference.")] = "ppml",
    value_basis: Annotated[
        str,
        typer.Option(
            help="gross (tariff-inclusive values) or net; theta is the model's either way."
        ),
    ] = "gross",
    sectors: Annotated[
        str | None, typer.Option(help="Sectors to estimate (comma-separated).")
    ] = None,
    share: Annotated[
        float, typer.Option(help="Triple difference: share of flows kept (largest).")
    ] = 1.0,
    countries: Annotated[
        str | None, typer.Option(help="Use only trade among these countries (comma-separated).")
    ] = None,
    pooled: Annotated[
        bool, typer.Option(help="Triple difference: one elasticity for all sectors.")
    ] = False,
    world: Annotated[
        str | None, typer.Option(help="A world to put the estimates into (with --write-world).")
    ] = None,
    write_world_to: Annotated[
        Path | None,
        typer.Option("--write-world", help="Write --world with the estimated theta and s.e."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for estimates.csv (and a manifest).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    force: Annotated[bool, _FORCE] = False,
) -> None:
    """Estimate sector trade elasticities: PPML (pyfixest) or Caliendo-Parro's triple difference.

    Exit 1 if the estimator failed numerically for a sector (not converged, not finite);
    sectors without tariff variation or with a non-positive estimate are reported, not used.
    """
    from tradewar.estimate import trade_elasticity

    with _exit_codes():
        if (world is None) != (write_world_to is None):
            from tradewar.errors import DataError

            raise DataError("--world and --write-world come together", field="write-world")
        with _exit_codes(source=data), _spinner(f"Estimating by {method}", quiet=json_out):
            result = trade_elasticity(
                data,
                method,
                value_basis=value_basis,
                sectors=_codes(sectors),
                share=share,
                countries=_codes(countries),
                pooled=pooled,
            )
        frame = result.to_frame()
        if out is not None:
            from tradewar.folders import tradewar_version, write_folder

            def fill(tmp: Path) -> dict:
                frame.to_csv(tmp / "estimates.csv", index=False)
                return {
                    "tradewar_version": tradewar_version(),
                    "kind": "trade elasticity estimates",
                    "method": method,
                    "value_basis": value_basis,
                    "data": data,
                    "source": result.source,
                }

            write_folder(out, fill, force=force)
        if world is not None and write_world_to is not None:
            from tradewar.data.io import load_world, write_world

            write_world(result.apply(load_world(world)), write_world_to, fmt="parquet", force=force)
    failed = frame["status"].isin(["not converged", "not finite"]).any()
    if json_out:
        _print_json(
            {
                "method": method,
                "value_basis": value_basis,
                "source": result.source,
                "converged": bool(not failed),
                "estimates": frame.to_dict(orient="records"),
            }
        )
    else:
        console.print(str(result), markup=False, highlight=False)
        if out is not None:
            console.print(f"Wrote {escape(str(out / 'estimates.csv'))}")
        if write_world_to is not None:
            console.print(f"Wrote {escape(str(write_world_to))} with the estimated elasticities")
    if failed:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for uploaded worlds and job results (default: "
            "$TRADEWAR_DATA_DIR or ~/.local/share/tradewar)."
        ),
    ] = None,
    job_workers: Annotated[
        int | None, typer.Option(help="Jobs run at once per server process (default 1).")
    ] = None,
    request_timeout: Annotated[
        float | None, typer.Option(help="Seconds a synchronous run may take (default 60).")
    ] = None,
    job_timeout: Annotated[
        float | None, typer.Option(help="Seconds a job may run (default 3600).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="A secret every /api request must carry (Authorization: Bearer TOKEN); "
            "required beyond loopback. Default $TRADEWAR_TOKEN.",
            show_default=False,
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="A host name the server answers to (repeatable; default: loopback names, "
            "and HOST itself). '*' answers to any.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the web app: the dashboard at http://HOST:PORT/ and the JSON API under /api.

    On loopback (the default) no token is needed. Listening beyond it (e.g. --host 0.0.0.0)
    needs a token of at least 16 characters: open the dashboard at
    http://HOST:PORT/#token=TOKEN.
    """
    import os

    from pydantic import ValidationError

    try:
        import uvicorn

        from tradewar.web.settings import WebSettings
    except ImportError as exc:
        _fail(f"the web app needs the web extra: pip install 'tradewar[web]' ({exc.name})", 2)
    from tradewar.web.guard import LOOPBACK, host_name

    loopback = host_name(host) in LOOPBACK
    hosts = list(allowed_host or [])
    if not hosts and not loopback:
        hosts = ["*"] if host_name(host) in ("0.0.0.0", "::") else [*LOOPBACK, host_name(host)]
    try:
        settings = WebSettings.from_env(
            data_dir=data_dir,
            job_workers=job_workers,
            request_timeout_s=request_timeout,
            job_timeout_s=job_timeout,
            token=token,
            allowed_hosts=tuple(hosts) or None,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        _fail(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}", 2)
    if workers < 1:
        _fail("--workers must be at least 1", 2)
    if not loopback and not settings.token:
        _fail(
            f"serving on {host} exposes uploads and jobs to the network: give --token "
            "(or TRADEWAR_TOKEN), at least 16 characters",
            2,
        )
    os.environ.update(settings.to_env())  # server worker processes read their settings here
    page = f"http://{host}:{port}/" + ("#token=…" if settings.token else "")
    console.print(
        f"tradewar {escape(_version_text())} serving on {escape(page)} "
        f"(data in {escape(str(settings.data_dir))}); Ctrl+C stops it"
    )
    uvicorn.run(
        "tradewar.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def _version_text() -> str:
    from tradewar import __version__

    return __version__


def main() -> None:
    """Entry point of the ``tradewar`` command.

    Once a command has finished, its output is flushed and the process ends without Python's
    interpreter teardown, whose unloading of JAX's compiled programs and thread pools took
    0.35-0.4 s of a 2.5-3 s cold ``tradewar run``. Every file tradewar writes is closed (and
    swapped in whole) before the command returns. If worker threads or child processes are
    still running (a server, a cluster), the process exits the ordinary way.
    """
    try:
        app()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    _exit_now(code)


def _exit_now(code: int) -> None:
    """End the process with ``code``: at once if nothing else is running, else ordinarily."""
    import logging
    import threading

    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    processes = sys.modules.get("multiprocessing")
    if others or (processes is not None and processes.active_children()):
        sys.exit(code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
