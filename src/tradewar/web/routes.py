"""The web app's endpoints, by group: pages, server, worlds, scenarios (presets and runs), jobs.

Each group is a FastAPI ``APIRouter``; `tradewar.web.app.create_app` includes them. The shared
objects (settings, worlds, jobs, the run pool, the presets) are read from ``app.state``, which
`create_app` fills, so the routes are plain functions rather than closures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import TypeAdapter

from tradewar.datasets import is_dataset
from tradewar.errors import ScenarioError
from tradewar.policy.scenario import Scenario
from tradewar.web.responses import SafeJSONResponse, error
from tradewar.web.tasks import JobRequest, checked_scenario, resolve_request
from tradewar.web.worlds import check_name

STATIC = Path(__file__).parent / "static"
#: Content types an uploaded world may come as.
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")

pages = APIRouter(include_in_schema=False)
server = APIRouter(tags=["server"])
worlds = APIRouter(tags=["worlds"])
scenarios = APIRouter(tags=["scenarios"])
jobs = APIRouter(tags=["jobs"])


# ---------------------------------------------------------------------------- pages
@pages.get("/")
async def index() -> FileResponse:
    """The dashboard."""
    return FileResponse(STATIC / "index.html", media_type="text/html")


@pages.get("/static/plotly.min.js")
async def plotly_js() -> FileResponse:
    """plotly.js from the installed plotly package (never from a CDN)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(path, media_type="text/javascript")


@pages.get("/docs")
async def api_docs(request: Request) -> Response:
    """Swagger UI, from local assets."""
    if request.app.state.swagger_assets is None:
        return error(404, "the API documentation needs swagger-ui-bundle (tradewar[web])")
    return FileResponse(STATIC / "docs.html", media_type="text/html")


# ---------------------------------------------------------------------------- server
@server.get("/api/health")
async def health(request: Request) -> dict[str, Any]:
    """Version, and the runs and jobs in progress in this server process."""
    from tradewar import __version__

    state = request.app.state
    return {
        "status": "ok",
        "version": __version__,
        "runs_in_flight": state.runs.in_flight,
        "run_limit": state.runs.limit,
        **{f"jobs_{k}": v for k, v in state.jobs.counts().items()},
    }


# ---------------------------------------------------------------------------- worlds
@worlds.get("/api/worlds")
async def list_worlds(request: Request) -> list[dict[str, Any]]:
    """Bundled and uploaded worlds: name, year, size, unit, source, licence."""
    return await asyncio.to_thread(request.app.state.worlds.listing)


@worlds.get("/api/worlds/{name}")
async def describe_world(request: Request, name: str) -> Response:
    """A world's summary (as ``tradewar describe --json``)."""
    registry = request.app.state.worlds
    check_name(name, "name")
    try:
        registry.resolve(name, "name")
    except ScenarioError as exc:
        return error(404, str(exc), "name")
    world = await asyncio.to_thread(registry.load, name, "name")
    return SafeJSONResponse(world.summary())


@worlds.post("/api/worlds", status_code=201)
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
    summary = await asyncio.to_thread(request.app.state.worlds.upload, data)
    return SafeJSONResponse(summary, status_code=201)


@worlds.delete("/api/worlds/{name}")
async def delete_world(request: Request, name: str) -> Response:
    """Delete an uploaded world (bundled worlds stay: 403)."""
    registry = request.app.state.worlds
    check_name(name, "name")
    if name not in registry.uploaded():
        if is_dataset(name):
            return error(403, f"'{name}' is a bundled world and cannot be deleted", "name")
        return error(404, f"no uploaded world '{name}'", "name")
    await asyncio.to_thread(registry.delete, name)
    return SafeJSONResponse({"name": name, "deleted": True})


# ---------------------------------------------------------------------------- scenarios
@scenarios.get("/api/presets")
async def list_presets(request: Request) -> list[dict[str, Any]]:
    """Bundled scenarios; a timeline also gives one preset per dated step (``NAME@K``)."""
    presets = request.app.state.presets
    return [{k: v for k, v in p.items() if k != "scenario"} for p in presets.values()]


@scenarios.get("/api/presets/{preset}", response_model=Scenario)
async def get_preset(request: Request, preset: str) -> Response:
    """The scenario of a preset, in the request format of ``POST /api/run``."""
    presets = request.app.state.presets
    if preset not in presets:
        return error(404, f"no preset '{preset}'", "preset")
    scenario = presets[preset]["scenario"]
    return SafeJSONResponse(scenario.model_dump(mode="json", exclude_none=True))


@scenarios.post("/api/run")
async def run(
    request: Request,
    scenario: Annotated[Scenario, Body()],
    format: Annotated[Literal["json", "csv", "parquet"], Query()] = "json",
    detail: Annotated[bool, Query()] = False,
) -> Response:
    """Solve a scenario now (as ``tradewar run``); the body is the scenario as JSON.

    ``format=json`` returns the ``--json`` object (``detail=true`` adds what the dashboard
    draws); ``csv`` the tidy table; ``parquet`` a zip of ``results.parquet`` and
    ``manifest.json``. A run that takes longer than the request time limit answers 504.
    """
    state = request.app.state
    resolved = checked_scenario(scenario, state.worlds)
    world = state.worlds.load(scenario.world)

    def solve() -> Any:
        from tradewar.api import run_scenario

        result = run_scenario(resolved, world=world, strict=False)
        if format == "csv":
            return result.to_frame().to_csv(index=False)
        if format == "parquet":
            return zipped(result, scenario)
        if detail:
            from tradewar.web.views import dashboard_payload

            return dashboard_payload(result, resolved, world)
        return result.to_json()

    out = await state.runs.run(solve, state.settings.request_timeout_s)
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


def zipped(result: Any, scenario: Scenario) -> bytes:
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


# ---------------------------------------------------------------------------- jobs
JOB_ADAPTER: TypeAdapter[Any] = TypeAdapter(JobRequest)


@jobs.post("/api/jobs", status_code=202)
async def submit_job(request: Request, job: Annotated[JobRequest, Body()]) -> Response:
    """Submit long work; answers the job's record (poll ``GET /api/jobs/{id}``).

    Kinds: a scenario, a report, optimal, Nash, cooperative or bargaining tariffs, or a
    negotiation.
    """
    state = request.app.state
    resolved = resolve_request(job, state.worlds)
    record = state.jobs.submit(
        job.kind,
        job.model_dump(mode="json"),
        JOB_ADAPTER.dump_json(resolved).decode("utf-8"),
    )
    return SafeJSONResponse(record, status_code=202)


@jobs.get("/api/jobs")
async def list_jobs(request: Request) -> list[dict[str, Any]]:
    """The newest jobs, newest first."""
    return request.app.state.jobs.listing()


@jobs.get("/api/jobs/{job_id}")
async def get_job(request: Request, job_id: str) -> Response:
    """A job's status, progress (0 to 1, with a message), result files and any error."""
    return SafeJSONResponse(request.app.state.jobs.get(job_id))


@jobs.delete("/api/jobs/{job_id}")
async def delete_job(request: Request, job_id: str) -> Response:
    """Cancel a queued or running job, or delete a final one with its files.

    A running job's worker process is stopped; a deleted job answers ``"deleted": true``.
    """
    return SafeJSONResponse(await asyncio.to_thread(request.app.state.jobs.delete, job_id))


@jobs.get("/api/jobs/{job_id}/result")
async def job_result(request: Request, job_id: str) -> Response:
    """The results of a finished job as JSON (``results.json``)."""
    manager = request.app.state.jobs
    record = manager.get(job_id)
    if "results.json" not in record["files"]:
        return error(
            404 if record["status"] not in ("queued", "running") else 409,
            f"job {job_id} is {record['status']} and has no JSON results"
            + (f": {record['error']}" if record.get("error") else ""),
        )
    return FileResponse(manager.file_path(job_id, "results.json"), media_type="application/json")


@jobs.get("/api/jobs/{job_id}/files/{name:path}")
async def job_file(request: Request, job_id: str, name: str) -> FileResponse:
    """A result file of a job, one its manifest lists (CSV, Parquet, HTML, PNG, JSON)."""
    manager = request.app.state.jobs
    manager.get(job_id)
    return FileResponse(manager.file_path(job_id, name), filename=Path(name).name)


#: Every router, in the order the API documentation lists them.
ROUTERS = (pages, server, worlds, scenarios, jobs)
