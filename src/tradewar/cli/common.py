"""What every command shares: the Typer app, consoles, exit codes, shared options, progress.

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


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


_JSON = typer.Option("--json", help="Print one JSON object.")
_TOP = typer.Option(min=1, help="Rows to show: the players, then the largest welfare changes.")


_RUNS_OUT = typer.Option(help="Write values.parquet, runs.parquet, summary.csv and manifest.json.")
_SCHEDULER = typer.Option(
    help="Where the runs go: auto (threads of this process on fewer than 4 cores, else local; "
    "printed), threads, local (a Dask cluster of one process per core, started here), none "
    "(this process, one run after another) or a Dask scheduler address such as "
    "tcp://127.0.0.1:8786."
)


def _where(scheduler: object) -> str:
    """Where the runs went, in words, for a caption."""
    if scheduler in (None, "none"):
        return "this process"
    if scheduler == "threads":
        return "threads of this process"
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
