"""The web app: a JSON API over the engine and the dashboard at ``/``.

Create it with `create_app` (``tradewar serve`` runs it on uvicorn). Every error is JSON:
``{"error": one line, as the CLI prints it, "field": the key that is wrong}`` with 422 for bad
input, 404 for an unknown world, preset or job, 409 for a name already taken, 413 for a body
over the limit, 429 when the server is busy and 504 when a run takes longer than the request
time limit (submit it as a job instead).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from tradewar.errors import DataError, OutputError, ScenarioError
from tradewar.policy.scenario import load_scenario, validation_error
from tradewar.scenarios import bundled_scenarios, scenario_path
from tradewar.web.guard import Guard
from tradewar.web.jobs import Busy, Full, JobManager, UnknownJob
from tradewar.web.responses import SafeJSONResponse, error
from tradewar.web.routes import ROUTERS, STATIC
from tradewar.web.settings import WebSettings
from tradewar.web.worlds import WorldExists, WorldRegistry

__all__ = ["SafeJSONResponse", "create_app", "error"]


class TooLarge(Exception):
    """A request body over its limit."""


class RunTimeout(Exception):
    """A synchronous run took longer than the request time limit."""


class RunPool:
    """Threads for synchronous runs, with a bound on runs in flight (429 beyond it)."""

    def __init__(self, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="tradewar-run")
        self.limit = workers + queue
        self.in_flight = 0
        self._lock = threading.Lock()

    def _done(self, _: object) -> None:
        with self._lock:
            self.in_flight -= 1

    async def run(self, fn: Any, timeout_s: float) -> Any:
        """``fn()`` on a worker thread; `Busy` if full, `RunTimeout` after ``timeout_s``.

        A run that times out keeps its slot until it ends, so the bound stays true.
        """
        with self._lock:
            if self.in_flight >= self.limit:
                raise Busy(f"{self.in_flight} runs in progress; try again later")
            self.in_flight += 1
        future = self._executor.submit(fn)
        future.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout_s)
        except TimeoutError:
            raise RunTimeout(
                f"the run took longer than the request time limit of {timeout_s:g} s; "
                "submit it as a job (POST /api/jobs with kind 'scenario')"
            ) from None

    def shutdown(self) -> None:
        """Stop taking runs; running ones finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class BodyLimit:
    """ASGI middleware: refuse request bodies over the limit (413) before they are read whole."""

    def __init__(self, app: Any, limit: int, upload_limit: int) -> None:
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Pass the request on, counting its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") == "/api/worlds"
        limit = self.upload_limit if upload else self.limit
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            response = error(413, f"the request body is over the limit of {limit:,} bytes")
            await response(scope, receive, send)
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise StarletteHTTPException(
                        413, f"the request body is over the limit of {limit:,} bytes"
                    )
            return message

        await self.app(scope, limited, send)


class _BodyErrors:
    """Request-validation errors with their ``body`` prefix dropped (for `validation_error`)."""

    def __init__(self, errors: list[dict]) -> None:
        self._errors = [
            {**e, "loc": tuple(e["loc"][1:]) if e["loc"][:1] == ("body",) else tuple(e["loc"])}
            for e in errors
        ]

    def errors(self) -> list[dict]:
        return self._errors


def _presets() -> dict[str, dict[str, Any]]:
    """Bundled scenarios by id; a timeline also gives one preset per dated step."""
    presets: dict[str, dict[str, Any]] = {}
    for name in bundled_scenarios():
        scenario = load_scenario(scenario_path(name))
        # Observations are a server file for `tradewar backtest`: never part of a request.
        scenario = scenario.model_copy(update={"observations": None})
        presets[name] = {
            "id": name,
            "title": scenario.name,
            "description": scenario.description,
            "world": scenario.world,
            "model": scenario.model,
            "steps": len(scenario.step),
            "scenario": scenario,
        }
        for k, step in enumerate(scenario.step):
            dated = scenario.as_of(k)
            presets[f"{name}@{k}"] = {
                "id": f"{name}@{k}",
                "title": f"{scenario.name} — {step.date}: {step.label}",
                "description": step.source,
                "world": scenario.world,
                "model": scenario.model,
                "steps": 1,
                "parent": name,
                "scenario": dated,
            }
    return presets


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The FastAPI app (settings from ``TRADEWAR_*`` environment variables by default)."""
    from tradewar import __version__

    settings = settings or WebSettings.from_env()
    worlds = WorldRegistry(
        settings.data_dir / "worlds", settings.max_upload_bytes, settings.max_world_cells
    )
    jobs = JobManager(
        settings.data_dir / "jobs",
        settings.job_workers,
        settings.job_queue,
        settings.job_timeout_s,
        retention_s=settings.job_retention_days * 86_400.0,
        max_job_bytes=settings.max_job_bytes,
        max_total_bytes=settings.max_jobs_bytes,
    )
    runs = RunPool(settings.run_workers, settings.run_queue)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        yield
        jobs.stop()
        runs.shutdown()

    app = FastAPI(
        title="tradewar",
        version=__version__,
        summary="Simulate trade wars before they happen: scenarios, strategic tariffs and "
        "negotiations on general-equilibrium trade models.",
        default_response_class=SafeJSONResponse,
        lifespan=lifespan,
        docs_url=None,  # served below from local assets, not from a CDN
        redoc_url=None,
    )
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes
    )
    app.add_middleware(GZipMiddleware, minimum_size=1_000)
    # Added last, so it runs first: nothing reaches the app from a foreign host or origin.
    app.add_middleware(Guard, allowed_hosts=settings.allowed_hosts, token=settings.token)
    app.state.settings, app.state.worlds, app.state.jobs, app.state.runs = (
        settings,
        worlds,
        jobs,
        runs,
    )
    app.state.presets = _presets()

    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.swagger_assets = _swagger_assets()
    if app.state.swagger_assets is not None:
        app.mount(
            "/docs-assets", StaticFiles(directory=app.state.swagger_assets), name="docs-assets"
        )
    return app


def _swagger_assets() -> Path | None:
    """The folder of Swagger UI's files (the ``swagger-ui-bundle`` package), if installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return Path(swagger_ui_path)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as JSON with its status (the table in the module docstring)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return error(422, f"malformed JSON: {first.get('ctx', {}).get('error', first['msg'])}")
        # _BodyErrors offers the one method validation_error reads (errors()), duck-typed.
        err = validation_error(_BodyErrors(list(exc.errors())), None)  # type: ignore[arg-type]
        return error(422, str(err), err.key)

    @app.exception_handler(ScenarioError)
    async def _scenario(_: Request, exc: ScenarioError) -> Response:
        return error(422, str(exc).replace("\n", " "), exc.key)

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> Response:
        return error(422, str(exc).replace("\n", " "), exc.field, file=exc.file, row=exc.row)

    @app.exception_handler(Busy)
    async def _busy(_: Request, exc: Busy) -> Response:
        response = error(429, f"busy: {exc}")
        response.headers["Retry-After"] = "2"
        return response

    @app.exception_handler(Full)
    async def _full(_: Request, exc: Full) -> Response:
        return error(507, str(exc))

    @app.exception_handler(RunTimeout)
    async def _timeout(_: Request, exc: RunTimeout) -> Response:
        return error(504, str(exc))

    @app.exception_handler(WorldExists)
    async def _exists(_: Request, exc: WorldExists) -> Response:
        return error(409, str(exc), "name")

    @app.exception_handler(UnknownJob)
    async def _unknown_job(_: Request, exc: UnknownJob) -> Response:
        return error(404, f"no job or file '{exc.args[0]}'")

    @app.exception_handler(OutputError)
    async def _output(_: Request, exc: OutputError) -> Response:
        return error(500, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return error(exc.status_code, str(exc.detail))
