"""The web app: a JSON API over the engine and the dashboard at ``/``.

Create it with `create_app` (``tradewar serve`` runs it on uvicorn). Every error is JSON:
``{"error": one line, as the CLI prints it, "field": the key that is wrong}`` with 422 for bad
input, 404 for an unknown world, preset or job, 409 for a name already taken, 413 for a body
over the limit, 429 when the server is busy and 504 when a run takes longer than the request
time limit (submit it as a job instead).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from tradewar.datasets import is_dataset
from tradewar.errors import DataError, OutputError, ScenarioError
from tradewar.jsonsafe import dumps
from tradewar.policy.scenario import Scenario, load_scenario, validation_error
from tradewar.scenarios import bundled_scenarios, scenario_path
from tradewar.web.guard import Guard
from tradewar.web.jobs import Busy, Full, JobManager, UnknownJob
from tradewar.web.settings import WebSettings
from tradewar.web.tasks import JobRequest, checked_scenario, resolve_request
from tradewar.web.worlds import WorldExists, WorldRegistry, check_name

STATIC = Path(__file__).parent / "static"
#: Content types an uploaded world may come as.
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")


class SafeJSONResponse(JSONResponse):
    """Strict JSON: NaN and infinities are written as ``null``."""

    def render(self, content: Any) -> bytes:
        """``content`` as strict JSON bytes."""
        return dumps(content).encode("utf-8")


class TooLarge(Exception):
    """A request body over its limit."""


class RunTimeout(Exception):
    """A synchronous run took longer than the request time limit."""


def error(status: int, message: str, field: str | None = None, **extra: Any) -> SafeJSONResponse:
    """The JSON error body every endpoint uses."""
    return SafeJSONResponse({"error": message, "field": field, **extra}, status_code=status)


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
    presets = _presets()

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

    # ------------------------------------------------------------------ errors
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

    # ------------------------------------------------------------------ pages
    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        import plotly

        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return FileResponse(path, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> Response:
        if swagger_assets is None:
            return error(404, "the API documentation needs swagger-ui-bundle (tradewar[web])")
        return FileResponse(STATIC / "docs.html", media_type="text/html")

    swagger_assets = _swagger_assets()
    if swagger_assets is not None:
        app.mount("/docs-assets", StaticFiles(directory=swagger_assets), name="docs-assets")

    # ------------------------------------------------------------------ API: worlds
    @app.get("/api/health", tags=["server"])
    async def health() -> dict[str, Any]:
        """Version, and the runs and jobs in progress in this server process."""
        return {
            "status": "ok",
            "version": __version__,
            "runs_in_flight": runs.in_flight,
            "run_limit": runs.limit,
            **{f"jobs_{k}": v for k, v in jobs.counts().items()},
        }

    @app.get("/api/worlds", tags=["worlds"])
    async def list_worlds() -> list[dict[str, Any]]:
        """Bundled and uploaded worlds: name, year, size, unit, source, licence."""
        return await asyncio.to_thread(worlds.listing)

    @app.get("/api/worlds/{name}", tags=["worlds"])
    async def describe_world(name: str) -> Response:
        """A world's summary (as ``tradewar describe --json``)."""
        check_name(name, "name")
        try:
            worlds.resolve(name, "name")
        except ScenarioError as exc:
            return error(404, str(exc), "name")
        world = await asyncio.to_thread(worlds.load, name, "name")
        return SafeJSONResponse(world.summary())

    @app.post("/api/worlds", tags=["worlds"], status_code=201)
    async def upload_world(request: Request) -> Response:
        """Upload a world package as a zip (body ``application/zip``); it is validated whole.

        Any other content type is refused (415): a form or a plain-text body, which another
        site's page could send without asking, never reaches the unpacker.
        """
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ZIP_TYPES:
            return error(
                415, f"upload a world as application/zip, not '{kind or 'nothing'}'", "content-type"
            )
        data = await request.body()
        summary = await asyncio.to_thread(worlds.upload, data)
        return SafeJSONResponse(summary, status_code=201)

    @app.delete("/api/worlds/{name}", tags=["worlds"])
    async def delete_world(name: str) -> Response:
        """Delete an uploaded world (bundled worlds stay: 403)."""
        check_name(name, "name")
        if name not in worlds.uploaded():
            if is_dataset(name):
                return error(403, f"'{name}' is a bundled world and cannot be deleted", "name")
            return error(404, f"no uploaded world '{name}'", "name")
        await asyncio.to_thread(worlds.delete, name)
        return SafeJSONResponse({"name": name, "deleted": True})

    # ------------------------------------------------------------------ API: presets
    @app.get("/api/presets", tags=["scenarios"])
    async def list_presets() -> list[dict[str, Any]]:
        """Bundled scenarios; a timeline also gives one preset per dated step (``NAME@K``)."""
        return [{k: v for k, v in p.items() if k != "scenario"} for p in presets.values()]

    @app.get("/api/presets/{preset}", tags=["scenarios"], response_model=Scenario)
    async def get_preset(preset: str) -> Response:
        """The scenario of a preset, in the request format of ``POST /api/run``."""
        if preset not in presets:
            return error(404, f"no preset '{preset}'", "preset")
        scenario = presets[preset]["scenario"]
        return SafeJSONResponse(scenario.model_dump(mode="json", exclude_none=True))

    # ------------------------------------------------------------------ API: runs
    @app.post("/api/run", tags=["scenarios"])
    async def run(
        scenario: Annotated[Scenario, Body()],
        format: Annotated[Literal["json", "csv", "parquet"], Query()] = "json",
        detail: Annotated[bool, Query()] = False,
    ) -> Response:
        """Solve a scenario now (as ``tradewar run``); the body is the scenario as JSON.

        ``format=json`` returns the ``--json`` object (``detail=true`` adds what the dashboard
        draws); ``csv`` the tidy table; ``parquet`` a zip of ``results.parquet`` and
        ``manifest.json``. A run that takes longer than the request time limit answers 504.
        """
        resolved = checked_scenario(scenario, worlds)
        world = worlds.load(scenario.world)

        def solve() -> Any:
            from tradewar.api import run_scenario

            result = run_scenario(resolved, world=world, strict=False)
            if format == "csv":
                return result.to_frame().to_csv(index=False)
            if format == "parquet":
                return _zipped(result, scenario)
            if detail:
                from tradewar.web.views import dashboard_payload

                return dashboard_payload(result, resolved, world)
            return result.to_json()

        out = await runs.run(solve, settings.request_timeout_s)
        if format == "csv":
            return Response(
                out,
                media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="results.csv"'},
            )
        if format == "parquet":
            return Response(
                out,
                media_type="application/zip",
                headers={"Content-Disposition": 'attachment; filename="results.zip"'},
            )
        return SafeJSONResponse(out)

    # ------------------------------------------------------------------ API: jobs
    job_adapter: TypeAdapter[Any] = TypeAdapter(JobRequest)

    @app.post("/api/jobs", tags=["jobs"], status_code=202)
    async def submit_job(request: Annotated[JobRequest, Body()]) -> Response:
        """Submit long work; answers the job's record (poll ``GET /api/jobs/{id}``).

        Kinds: a scenario, a report, optimal, Nash, cooperative or bargaining tariffs, or a
        negotiation.
        """
        resolved = resolve_request(request, worlds)
        record = jobs.submit(
            request.kind,
            request.model_dump(mode="json"),
            job_adapter.dump_json(resolved).decode("utf-8"),
        )
        return SafeJSONResponse(record, status_code=202)

    @app.get("/api/jobs", tags=["jobs"])
    async def list_jobs() -> list[dict[str, Any]]:
        """The newest jobs, newest first."""
        return jobs.listing()

    @app.get("/api/jobs/{job_id}", tags=["jobs"])
    async def get_job(job_id: str) -> Response:
        """A job's status, progress (0 to 1, with a message), result files and any error."""
        return SafeJSONResponse(jobs.get(job_id))

    @app.delete("/api/jobs/{job_id}", tags=["jobs"])
    async def delete_job(job_id: str) -> Response:
        """Cancel a queued or running job, or delete a final one with its files.

        A running job's worker process is stopped; a deleted job answers ``"deleted": true``.
        """
        return SafeJSONResponse(await asyncio.to_thread(jobs.delete, job_id))

    @app.get("/api/jobs/{job_id}/result", tags=["jobs"])
    async def job_result(job_id: str) -> Response:
        """The results of a finished job as JSON (``results.json``)."""
        record = jobs.get(job_id)
        if "results.json" not in record["files"]:
            return error(
                404 if record["status"] not in ("queued", "running") else 409,
                f"job {job_id} is {record['status']} and has no JSON results"
                + (f": {record['error']}" if record.get("error") else ""),
            )
        return FileResponse(jobs.file_path(job_id, "results.json"), media_type="application/json")

    @app.get("/api/jobs/{job_id}/files/{name:path}", tags=["jobs"])
    async def job_file(job_id: str, name: str) -> FileResponse:
        """A result file of a job, one its manifest lists (CSV, Parquet, HTML, PNG, JSON)."""
        jobs.get(job_id)
        return FileResponse(jobs.file_path(job_id, name), filename=Path(name).name)

    return app


def _swagger_assets() -> Path | None:
    """The folder of Swagger UI's files (the ``swagger-ui-bundle`` package), if installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return Path(swagger_ui_path)


def _zipped(result: Any, scenario: Scenario) -> bytes:
    """``results.parquet`` and ``manifest.json`` of a result, as one zip."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "results"
        result.save(
            folder,
            {
                "scenario": scenario.model_dump(mode="json"),
                "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, path.name)
        return buffer.getvalue()
