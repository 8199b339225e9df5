"""The JSON API against a real server on loopback (httpx), every endpoint and error path."""

from __future__ import annotations

import io
import json
import time
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest

import tradewar as tw
from helpers.live_server import live_server
from tradewar.datasets import dataset_path
from tradewar.web import WebSettings
from tradewar.web.jobs import JobManager

SCENARIOS = Path(__file__).parents[1] / "scenarios"
TINY_TARIFF = {
    "name": "tiny tariff",
    "world": "tiny",
    "model": "caliendo-parro",
    "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 20}],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = WebSettings(
        data_dir=tmp_path_factory.mktemp("web"),
        max_body_bytes=200_000,
        max_upload_bytes=400_000,
        job_workers=2,
        job_queue=8,
    )
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as c:
        yield c


def wait_for(client, job_id, until=("finished", "not converged", "failed", "cancelled"), t=240):
    deadline = time.monotonic() + t
    seen = []
    while time.monotonic() < deadline:
        record = client.get(f"/api/jobs/{job_id}").json()
        seen.append((record["status"], record["progress"]))
        if record["status"] in until:
            return record, seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {record['status']} after {t} s")


# ---------------------------------------------------------------------------- pages, meta
def test_pages_schema_and_health(client):
    page = client.get("/")
    assert page.status_code == 200 and "tradewar" in page.text
    assert "/static/plotly.min.js" in page.text  # served locally, never from a CDN
    assert "https://" not in page.text.split("<footer>")[0]
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200
    schema = client.get("/openapi.json").json()
    for path in ("/api/run", "/api/jobs", "/api/worlds", "/api/presets", "/api/jobs/{job_id}"):
        assert path in schema["paths"]
    # one schema: the run body is the scenario model itself
    assert "Scenario" in schema["components"]["schemas"]
    assert "Tariff" in schema["components"]["schemas"]
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["version"] == tw.__version__


def test_worlds_and_describe(client):
    names = [w["name"] for w in client.get("/api/worlds").json()]
    assert {"tiny", "wiod2014", "baci2023"} <= set(names)
    tiny = client.get("/api/worlds/tiny").json()
    assert tiny == json.loads(json.dumps(tw.load_world("tiny").summary()))
    missing = client.get("/api/worlds/atlantis")
    assert missing.status_code == 404 and "unknown world 'atlantis'" in missing.json()["error"]


@pytest.mark.parametrize("name", ["..%2F..%2Fetc", "..", "%2Fetc%2Fpasswd", ".hidden"])
def test_world_names_are_never_paths(client, name):
    response = client.get(f"/api/worlds/{name}")
    assert response.status_code in (404, 422)
    assert "error" in response.json()


def test_presets(client):
    presets = {p["id"]: p for p in client.get("/api/presets").json()}
    assert presets["us_china_2025"]["steps"] == 18
    dated = [k for k in presets if k.startswith("us_china_2025@")]
    assert len(dated) == 18  # one preset per dated step
    scenario = client.get("/api/presets/us_china_2025@6").json()
    parsed = tw.parse_scenario(scenario)
    full = tw.load_scenario(SCENARIOS / "us_china_2025.toml")
    assert len(parsed.step) == 1 and parsed.step[0].label == full.step[6].label
    assert len(parsed.step[0].policy) == len(full.policy) + sum(
        len(s.policy) for s in full.step[:7]
    )
    # The October controls were announced, never in force: the truce's preset leaves them out.
    last = len(full.step) - 1
    announced = next(k for k, s in enumerate(full.step) if not s.in_force)
    truce = tw.parse_scenario(client.get(f"/api/presets/us_china_2025@{last}").json())
    assert len(truce.step[0].policy) == len(full.policy) + sum(
        len(s.policy) for k, s in enumerate(full.step) if k != announced
    )
    # A preset never carries a server path (the backtest's observations file).
    assert "observations" not in client.get("/api/presets/us_china_2025").json()
    assert client.get("/api/presets/..%2Fsecrets").status_code == 404
    assert client.get("/api/presets/nothing").status_code == 404


# ---------------------------------------------------------------------------- runs
def test_run_matches_the_engine(client):
    response = client.post("/api/run", json=TINY_TARIFF)
    assert response.status_code == 200
    body = response.json()
    expected = json.loads(json.dumps(tw.run_scenario(tw.parse_scenario(TINY_TARIFF)).to_json()))
    assert body["converged"] is True
    assert body["countries"] == expected["countries"]


def test_run_detail_csv_and_parquet(client):
    detail = client.post("/api/run?detail=true", json=TINY_TARIFF).json()
    step = detail["steps"][0]
    assert set(step["bilateral"]["countries"]) == {"HOM", "FOR", "ROW"}
    assert len(step["output_real_pct"]["HOM"]) == 3
    assert detail["focus"] == ["HOM", "FOR"]
    csv = client.post("/api/run?format=csv", json=TINY_TARIFF)
    assert csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.text))
    welfare = table[(table.variable == "welfare_pct") & (table.country == "HOM")].value.item()
    assert welfare == pytest.approx(detail["countries"][0]["welfare_pct"], rel=1e-12)
    packed = client.post("/api/run?format=parquet", json=TINY_TARIFF)
    with zipfile.ZipFile(io.BytesIO(packed.content)) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "results.parquet"]
        manifest = json.loads(archive.read("manifest.json"))
        frame = pd.read_parquet(io.BytesIO(archive.read("results.parquet")))
    assert manifest["converged"] is True and "results.parquet" in manifest["files"]
    assert manifest["data_hash"] == tw.load_world("tiny").data_hash()
    assert (frame.variable == "trade").any()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"world": "../../etc"}, "world", "not a world name"),
        ({"world": "/etc"}, "world", "not a world name"),
        ({"world": "atlantis"}, "world", "unknown world 'atlantis'"),
        (
            {"policy": [{"kind": "tariff", "importer": "XXX", "exporter": "FOR", "add_pct": 5}]},
            "policy[0].importer",
            "unknown code 'XXX'",
        ),
        (
            {"policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "set_pct": -120}]},
            "policy[0]",
            "above -100%",
        ),
        (
            {"policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": "x"}]},
            "policy[0].add_pct",
            "valid number",
        ),
        (
            {"policy": [{"kind": "wall", "importer": "HOM", "exporter": "FOR"}]},
            "policy[0]",
            "unknown policy kind 'wall'",
        ),
        ({"colour": "red"}, "colour", "unknown key"),
        ({"model": "gravity-2"}, "model", "is not available; use one of armington"),
    ],
)
def test_bad_scenarios_are_422_naming_the_field(client, change, field, message):
    response = client.post("/api/run", json={**TINY_TARIFF, **change})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert message in body["error"]
    assert "\n" not in body["error"]


def test_same_one_line_messages_as_the_cli(client, tmp_path):
    bad = {**TINY_TARIFF, "policy": [{**TINY_TARIFF["policy"][0], "importer": "XXX"}]}
    from tradewar.policy.scenario import parse_scenario

    with pytest.raises(tw.ScenarioError) as cli_error:
        tw.run_scenario(parse_scenario(bad))
    assert client.post("/api/run", json=bad).json()["error"] == str(cli_error.value)


def test_malformed_json_and_wrong_types(client):
    response = client.post(
        "/api/run", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and "malformed JSON" in response.json()["error"]
    response = client.post("/api/run", json=[1, 2, 3])
    assert response.status_code == 422
    response = client.post("/api/run?format=xml", json=TINY_TARIFF)
    assert response.status_code == 422 and response.json()["field"] == "query.format"


def test_oversized_body_is_413(client):
    big = {**TINY_TARIFF, "description": "x" * 300_000}
    response = client.post("/api/run", json=big)
    assert response.status_code == 413 and "limit" in response.json()["error"]

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(30):
            yield b" " * 10_000

    response = client.post(
        "/api/run", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


# ---------------------------------------------------------------------------- uploads
ZIP = {"content-type": "application/zip"}


def _world_zip(change=None, extra=None, prefix="tiny-copy/") -> bytes:
    folder = dataset_path("tiny")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            text = path.read_text(encoding="utf-8")
            if path.name == "world.toml":
                text = text.replace('name = "tiny"', 'name = "tiny-copy"')
            if change and path.name in change:
                text = change[path.name](text)
            archive.writestr(prefix + path.name, text)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_upload_a_world_then_use_it(client):
    # The bundled package, as `write_world` leaves it: its manifest.json is accepted, left out.
    assert (dataset_path("tiny") / "manifest.json").exists()
    response = client.post(
        "/api/worlds", content=_world_zip(), headers={"content-type": "application/zip"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "tiny-copy"
    listed = {w["name"]: w for w in client.get("/api/worlds").json()}
    assert listed["tiny-copy"]["bundled"] is False
    assert client.get("/api/worlds/tiny-copy").json()["countries"] == 3
    on_copy = client.post("/api/run", json={**TINY_TARIFF, "world": "tiny-copy"}).json()
    on_tiny = client.post("/api/run", json=TINY_TARIFF).json()
    assert on_copy["countries"] == on_tiny["countries"]
    again = client.post("/api/worlds", content=_world_zip(), headers=ZIP)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (b"not a zip at all", "not a zip file"),
        (_world_zip(extra={"../evil.csv": "a,b\n"}), "unsafe or nested path"),
        (_world_zip(extra={"tiny-copy/run.sh": "rm -rf /"}), "holds only"),
        (
            _world_zip(change={"flows.csv": lambda t: t.replace("\n", "\nHOM,FOR,S1,-5\n", 1)}),
            "flows.csv",
        ),
        (_world_zip(change={"world.toml": lambda t: t.replace("tiny-copy", "tiny")}), None),
    ],
    ids=["not-zip", "traversal", "script", "negative-flow", "bundled-name"],
)
def test_bad_uploads_are_refused(client, archive, message):
    response = client.post("/api/worlds", content=archive, headers=ZIP)
    assert response.status_code in (409, 422)
    if message:
        assert message in response.json()["error"]
    names = [w["name"] for w in client.get("/api/worlds").json()]
    assert len(names) == len(set(names))


def test_oversized_upload_is_413(client):
    response = client.post("/api/worlds", content=b"0" * 500_000, headers=ZIP)
    assert response.status_code == 413


# ---------------------------------------------------------------------------- jobs
@pytest.mark.slow
def test_game_jobs_match_the_cli(client):
    requests = {
        "optimal": {"kind": "optimal", "world": "tiny", "model": "armington", "country": "HOM"},
        "nash": {"kind": "nash", "world": "tiny", "model": "armington"},
        "cooperative": {"kind": "cooperative", "world": "tiny", "model": "armington"},
        "bargain": {
            "kind": "bargain",
            "world": "tiny",
            "model": "armington",
            "countries": ["HOM", "FOR"],
        },
    }
    ids = {k: client.post("/api/jobs", json=r).json()["id"] for k, r in requests.items()}
    from typer.testing import CliRunner

    from tradewar.cli import app

    cli_args = {
        "optimal": ["optimal", "tiny", "--model", "armington", "--country", "HOM"],
        "nash": ["nash", "tiny", "--model", "armington"],
        "cooperative": ["cooperate", "tiny", "--model", "armington"],
        "bargain": ["bargain", "tiny", "--model", "armington", "--countries", "HOM,FOR"],
    }
    for kind, job_id in ids.items():
        record, _ = wait_for(client, job_id)
        assert record["status"] == "finished", record
        assert record["converged"] is True and record["progress"] == 1.0
        assert set(record["files"]) == {"results.json", "countries.csv", "manifest.json"}
        result = client.get(f"/api/jobs/{job_id}/result").json()
        cli = CliRunner().invoke(app, [*cli_args[kind], "--json"])
        expected = json.loads(cli.stdout)
        assert result["converged"] == expected["converged"] is True
        for got, want in zip(result["countries"], expected["countries"], strict=True):
            assert got["country"] == want["country"]
            assert got["welfare_pct"] == pytest.approx(want["welfare_pct"], abs=1e-6)
        csv = client.get(f"/api/jobs/{job_id}/files/countries.csv")
        assert csv.status_code == 200 and "welfare_pct" in csv.text


@pytest.mark.slow
def test_scenario_job_reports_progress_and_keeps_files(client):
    scenario = client.get("/api/presets/us_china_2025").json()
    record = client.post("/api/jobs", json={"kind": "scenario", "scenario": scenario}).json()
    assert (
        record["status"] == "queued" and record["request"]["scenario"]["name"] == scenario["name"]
    )
    record, seen = wait_for(client, record["id"])
    assert record["status"] == "finished" and record["progress"] == 1.0
    assert [p for _, p in seen] == sorted(p for _, p in seen)  # progress never goes back
    assert {"results.parquet", "results.csv", "results.json", "manifest.json"} <= set(
        record["files"]
    )
    result = client.get(f"/api/jobs/{record['id']}/result").json()
    assert len(result["steps"]) == 18 and result["converged"] is True
    manifest = client.get(f"/api/jobs/{record['id']}/files/manifest.json").json()
    assert set(manifest["files"]) == {"results.parquet", "results.csv", "results.json"}
    for name in ("../job.json", "%2E%2E/job.json", "job.json", "progress.json"):
        assert client.get(f"/api/jobs/{record['id']}/files/{name}").status_code == 404
    assert record["id"] in [j["id"] for j in client.get("/api/jobs").json()]


@pytest.mark.slow
def test_negotiation_job_progress_then_cancel(client):
    with (SCENARIOS / "us_china_2025_negotiation.toml").open("rb") as fh:
        data = tomllib.load(fh)
    data["start"]["scenario"] = "us_china_2025"
    config = json.loads(json.dumps(data, default=str))
    record = client.post("/api/jobs", json={"kind": "negotiation", "config": config}).json()
    job_id = record["id"]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        record = client.get(f"/api/jobs/{job_id}").json()
        if record["status"] == "running" and 0 < record["progress"] < 1:
            break
        assert record["status"] in ("queued", "running"), record
        time.sleep(0.1)
    assert "round" in record["message"]
    cancelled = client.delete(f"/api/jobs/{job_id}").json()
    assert cancelled["status"] == "cancelled" and cancelled["files"] == []
    assert client.get(f"/api/jobs/{job_id}/result").status_code == 404
    assert client.delete(f"/api/jobs/{job_id}").json()["status"] == "cancelled"


def test_bad_job_requests(client):
    response = client.post("/api/jobs", json={"kind": "nash", "world": "../../etc"})
    assert response.status_code == 422 and response.json()["field"] == "world"
    response = client.post("/api/jobs", json={"kind": "launch", "world": "tiny"})
    assert response.status_code == 422 and "kind" in response.json()["error"]
    config = {
        "name": "x",
        "world": "tiny",
        "calendar": {"start": "2025-01-01"},
        "start": {"scenario": "/etc/passwd"},
        "player": [{"country": "HOM", "strategy": "hold"}, {"country": "FOR", "strategy": "hold"}],
    }
    response = client.post("/api/jobs", json={"kind": "negotiation", "config": config})
    assert response.status_code == 422 and response.json()["field"] == "config.start.scenario"
    assert client.get("/api/jobs/not-an-id").status_code == 404
    assert client.get("/api/jobs/" + "0" * 32).status_code == 404
    assert client.delete("/api/jobs/" + "0" * 32).status_code == 404


@pytest.mark.slow
def test_failed_job_says_why(client):
    request = {"kind": "optimal", "world": "tiny", "model": "armington", "country": "XXX"}
    record, _ = wait_for(client, client.post("/api/jobs", json=request).json()["id"])
    assert record["status"] == "failed"
    assert "unknown" in record["error"] and "XXX" in record["error"]
    assert record["files"] == []


# ---------------------------------------------------------------------------- limits
def test_busy_runs_get_a_clean_429(tmp_path):
    settings = WebSettings(data_dir=tmp_path, run_workers=1, run_queue=0)
    scenario = tw.load_scenario(SCENARIOS / "us_china_2025.toml").model_dump(mode="json")
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=300) as c:
        with ThreadPoolExecutor(3) as pool:
            responses = list(pool.map(lambda _: c.post("/api/run", json=scenario), range(3)))
        codes = sorted(r.status_code for r in responses)
        assert codes[0] == 200 and codes[-1] == 429 and set(codes) <= {200, 429}
        busy = next(r for r in responses if r.status_code == 429)
        assert busy.json()["error"].startswith("busy:") and busy.headers["retry-after"]


def test_slow_runs_get_504_and_hold_their_slot(tmp_path):
    settings = WebSettings(data_dir=tmp_path, run_workers=1, run_queue=0, request_timeout_s=0.2)
    scenario = tw.load_scenario(SCENARIOS / "us_china_2025.toml").model_dump(mode="json")
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=300) as c:
        response = c.post("/api/run", json=scenario)
        assert response.status_code == 504 and "POST /api/jobs" in response.json()["error"]
        assert c.get("/api/health").json()["runs_in_flight"] == 1
        assert c.post("/api/run", json=TINY_TARIFF).status_code == 429


def test_job_queue_is_bounded_and_times_out(tmp_path):
    manager = JobManager(tmp_path / "jobs", workers=1, queue=0, timeout_s=1.0)
    request = json.dumps({"kind": "nash", "world": "ossa2014", "model": "ossa"})
    first = manager.submit("nash", {}, request)
    from tradewar.web.jobs import Busy

    with pytest.raises(Busy):
        manager.submit("nash", {}, request)
    manager.start()
    try:
        deadline = time.monotonic() + 60
        while manager.get(first["id"])["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        record = manager.get(first["id"])
        assert record["status"] == "timed out" and "time limit of 1 s" in record["error"]
        assert record["files"] == []
    finally:
        manager.stop()


def test_finished_jobs_survive_a_restart_and_orphans_are_marked(tmp_path):
    folder = tmp_path / "jobs"
    manager = JobManager(folder, workers=1, queue=4, timeout_s=600)
    request = json.dumps(
        {"kind": "optimal", "world": "tiny", "model": "armington", "country": "HOM"}
    )
    done = manager.submit("optimal", {"kind": "optimal"}, request)
    orphan = manager.submit("optimal", {"kind": "optimal"}, request)
    manager._pending.pop()  # the second never starts: as if the server died with it queued
    record_path = folder / orphan["id"] / "job.json"
    record = json.loads(record_path.read_text())
    record["owner"] = 2**22 + 12345  # a process that does not exist
    record_path.write_text(json.dumps(record))
    manager.start()
    try:
        deadline = time.monotonic() + 120
        while manager.get(done["id"])["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        manager.stop()
    restarted = JobManager(folder, workers=1, queue=4, timeout_s=600)
    assert restarted.get(done["id"])["status"] == "finished"
    assert "results.json" in restarted.get(done["id"])["files"]
    assert restarted.get(orphan["id"])["status"] == "interrupted"


@pytest.mark.slow
def test_report_job_serves_the_report_and_its_figures(client):
    request = {"kind": "report", "scenario": TINY_TARIFF}
    record, _ = wait_for(client, client.post("/api/jobs", json=request).json()["id"])
    assert record["status"] == "finished", record
    assert "report.html" in record["files"]
    figures = [f for f in record["files"] if f.startswith("figures/") and f.endswith(".png")]
    assert figures
    page = client.get(f"/api/jobs/{record['id']}/files/report.html")
    assert page.status_code == 200 and "<html" in page.text.lower()
    png = client.get(f"/api/jobs/{record['id']}/files/{figures[0]}")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/api/jobs/{record['id']}/result").status_code == 404  # no JSON results


def test_serve_command_starts_a_server_and_checks_its_options(tmp_path):
    import subprocess
    import sys

    from typer.testing import CliRunner

    from helpers.live_server import free_port
    from tradewar.cli import app

    bad = CliRunner().invoke(app, ["serve", "--workers", "0", "--data-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "--workers" in bad.output
    bad = CliRunner().invoke(app, ["serve", "--request-timeout", "-1", "--data-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "request_timeout_s" in bad.output
    port = free_port()
    command = [sys.executable, "-m", "tradewar.cli", "serve", "--port", str(port)]
    process = subprocess.Popen([*command, "--data-dir", str(tmp_path)], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert (tmp_path / "jobs").is_dir() and (tmp_path / "worlds").is_dir()
    finally:
        process.terminate()
        process.wait(timeout=30)
