"""``tradewar serve``: the web app and its JSON API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tradewar.cli.common import (
    _fail,
    _version_text,
    app,
    console,
)


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
