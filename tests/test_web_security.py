"""The web app's defences, each reproduced from an attack that once got in.

Cross-origin writes, a foreign Host (DNS rebinding), plain-text uploads, a zip that lies about
its size, jobs and worlds that could never be deleted, process ids in job records, a server
open to the network without a token, documentation from a CDN and uncompressed scripts. The
browser holes (script injection through a link or a world) are in test_web_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from helpers.live_server import live_server
from tradewar.cli import app as cli
from tradewar.datasets import dataset_path
from tradewar.errors import DataError
from tradewar.web import WebSettings
from tradewar.web.guard import CONTENT_SECURITY_POLICY
from tradewar.web.jobs import JobManager, folder_bytes
from tradewar.web.worlds import WorldRegistry

ZIP = {"content-type": "application/zip"}
TOKEN = "a-test-token-of-some-length"
JOB = {
    "kind": "scenario",
    "scenario": {
        "name": "tiny",
        "world": "tiny",
        "policy": [{"kind": "tariff", "importer": "HOM", "exporter": "FOR", "add_pct": 10}],
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = WebSettings(data_dir=tmp_path_factory.mktemp("web"), max_upload_bytes=400_000)
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as c:
        yield c


def world_zip(name="tiny-copy", country_name=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(dataset_path("tiny").iterdir()):
            text = path.read_text(encoding="utf-8")
            if path.name == "world.toml":
                text = text.replace('name = "tiny"', f'name = "{name}"')
            if path.name == "countries.csv" and country_name:
                rows = list(csv.reader(io.StringIO(text)))
                rows[1][rows[0].index("name")] = country_name
                out = io.StringIO()
                csv.writer(out, lineterminator="\n").writerows(rows)
                text = out.getvalue()
            archive.writestr(path.name, text)
    return buffer.getvalue()


def lying_zip(declared: int = 1000, actual: int = 256 << 20) -> bytes:
    """A zip whose flows.csv declares ``declared`` bytes and inflates to ``actual``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("world.toml", 'name = "bomb"\n')
        with archive.open("flows.csv", "w") as out:
            chunk = b"0" * (1 << 20)
            for _ in range(actual // len(chunk)):
                out.write(chunk)
    data = bytearray(buffer.getvalue())
    for signature, name_at, size_at in ((b"PK\x03\x04", 26, 22), (b"PK\x01\x02", 28, 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            n = struct.unpack_from("<H", data, at + name_at)[0]
            header = 30 if signature == b"PK\x03\x04" else 46
            if data[at + header : at + header + n] == b"flows.csv":
                struct.pack_into("<I", data, at + size_at, declared)
            start = at + 4
    return bytes(data)


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith("VmHWM"):
                return int(row.split()[1]) / 1024
    raise AssertionError("no VmHWM")


# ------------------------------------------------------------------ hosts and origins
def test_a_foreign_host_is_refused(client):
    # DNS rebinding: a page on evil.example that resolves to 127.0.0.1.
    response = client.get("/api/worlds", headers={"host": "evil.example"})
    assert response.status_code == 400 and response.json()["field"] == "Host"
    assert client.get("/api/worlds").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{"origin": "http://evil.example"}, {"origin": "null"}, {"sec-fetch-site": "cross-site"}],
    ids=["origin", "null-origin", "fetch-metadata"],
)
def test_writes_from_another_origin_are_refused(client, headers):
    upload = client.post("/api/worlds", content=world_zip("planted"), headers={**ZIP, **headers})
    assert upload.status_code == 403 and "another" in upload.json()["error"]
    job = client.post("/api/jobs", json=JOB, headers=headers)
    assert job.status_code == 403
    assert "planted" not in [w["name"] for w in client.get("/api/worlds").json()]
    # Reading stays open: a cross-origin GET changes nothing.
    assert client.get("/api/worlds", headers=headers).status_code == 200


def test_a_same_origin_write_passes(client, server):
    response = client.post("/api/jobs", json=JOB, headers={"origin": server})
    assert response.status_code == 202
    client.delete(f"/api/jobs/{response.json()['id']}")


def test_uploads_come_as_zip_or_not_at_all(client):
    # A plain-text body is what another site's form can send without asking first.
    for kind in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": kind} if kind else {}
        response = client.post("/api/worlds", content=world_zip("plain"), headers=headers)
        assert response.status_code == 415 and response.json()["field"] == "content-type"
    assert "plain" not in [w["name"] for w in client.get("/api/worlds").json()]


# ------------------------------------------------------------------ zip bomb
def test_a_zip_that_lies_about_its_size_is_stopped_at_the_lie(client):
    data = lying_zip()
    assert len(data) < 400_000  # under the upload limit: it reaches the unpacker
    before = peak_mb()
    start = time.monotonic()
    response = client.post("/api/worlds", content=data, headers=ZIP)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    assert "flows.csv" in response.json()["error"]
    # The server (this process) never inflated the 256 MB: memory and time stay small.
    assert peak_mb() - before < 64
    assert time.monotonic() - start < 5
    assert "bomb" not in [w["name"] for w in client.get("/api/worlds").json()]


@pytest.mark.slow
def test_a_large_valid_world_is_read_outside_the_server():
    """A 77 x 50 world (23 MB of CSV): the server's peak memory barely moves while it is
    checked, because a child process reads it; reading it in a process of its own peaks at
    150+ MB more."""
    script = Path(__file__).parent / "helpers" / "upload_memory.py"
    done = subprocess.run(
        [sys.executable, str(script), "77", "50"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["status"] == 201 and measured["name"] == "large-upload"
    assert measured["unpacked_mb"] > 20
    assert measured["in_process_mb"] > 64  # what reading it in the server would have cost
    assert measured["upload_peak_mb"] < 32


def test_a_world_over_the_cell_limit_is_refused_whole(tmp_path):
    registry = WorldRegistry(tmp_path, 400_000, max_world_cells=10)
    with pytest.raises(DataError) as caught:
        registry.upload(world_zip("too-big"))
    assert caught.value.file == "world.toml" and "at most 10" in caught.value.reason
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_written_manifest_is_accepted_and_left_out(tmp_path):
    """A package as `write_world` leaves it uploads; its manifest.json is not stored."""
    summary = WorldRegistry(tmp_path, 400_000).upload(world_zip("with-manifest"))
    assert summary["name"] == "with-manifest"
    stored = {p.name for p in (tmp_path / "with-manifest").iterdir()}
    assert "world.toml" in stored and "manifest.json" not in stored


def test_a_check_that_takes_too_long_is_stopped(tmp_path):
    registry = WorldRegistry(tmp_path, 400_000, check_timeout_s=0.01)
    start = time.monotonic()
    with pytest.raises(DataError, match="took more than"):
        registry.upload(world_zip("slow"))
    assert time.monotonic() - start < 30
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_world_is_named_from_the_child(client):
    data = world_zip("negative")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            text = source.read(info).decode()
            if info.filename == "flows.csv":
                rows = text.splitlines()
                cells = rows[1].split(",")
                cells[-1] = "-5"
                rows[1] = ",".join(cells)
                text = "\n".join(rows) + "\n"
            out.writestr(info.filename, text)
    response = client.post("/api/worlds", content=buffer.getvalue(), headers=ZIP)
    assert response.status_code == 422, response.text
    assert response.json()["file"] == "flows.csv"


# ------------------------------------------------------------------ deleting
def test_uploaded_worlds_can_be_deleted_and_bundled_ones_cannot(client):
    assert (
        client.post("/api/worlds", content=world_zip("to-delete"), headers=ZIP).status_code == 201
    )
    assert client.get("/api/worlds/to-delete").status_code == 200
    deleted = client.delete("/api/worlds/to-delete")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert client.get("/api/worlds/to-delete").status_code == 404
    assert client.delete("/api/worlds/to-delete").status_code == 404
    assert client.delete("/api/worlds/tiny").status_code == 403
    assert client.delete("/api/worlds/..%2Fjobs").status_code in (404, 422)


def test_a_finished_job_can_be_deleted_and_records_hold_no_internals(client):
    record = client.post("/api/jobs", json=JOB).json()
    assert "owner" not in record
    deadline = time.monotonic() + 240
    while record["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        record = client.get(f"/api/jobs/{record['id']}").json()
    assert record["status"] == "finished" and "owner" not in record
    for listed in client.get("/api/jobs").json():
        assert "owner" not in listed and "request" not in listed
    deleted = client.delete(f"/api/jobs/{record['id']}").json()
    assert deleted["deleted"] is True
    assert client.get(f"/api/jobs/{record['id']}").status_code == 404


def test_jobs_past_retention_or_over_the_quota_are_pruned(tmp_path):
    import datetime as dt
    import json

    manager = JobManager(tmp_path, 1, 4, 60.0, retention_s=3600.0, max_total_bytes=5_000)

    def finished(age_s: float, size: int) -> str:
        job = manager.submit("scenario", {}, "{}")
        manager._pending.clear()
        ended = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_s)
        manager._update(job["id"], status="finished", finished=ended.isoformat())
        (tmp_path / job["id"] / "result.bin").write_bytes(b"x" * size)
        return job["id"]

    old, middle, new = finished(7200, 100), finished(60, 3000), finished(10, 3000)
    total = manager.prune()
    left = {p.name for p in tmp_path.iterdir()}
    assert old not in left  # past its retention
    assert middle not in left and new in left  # the oldest go first until under the quota
    assert total == folder_bytes(tmp_path) <= 5_000
    assert json.loads((tmp_path / new / "job.json").read_text())["status"] == "finished"


# ------------------------------------------------------------------ token
def test_a_server_with_a_token_answers_only_with_it(tmp_path):
    settings = WebSettings(data_dir=tmp_path, token=TOKEN)
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert c.get("/api/health").status_code == 200  # for load balancers
        assert c.get("/").status_code == 200  # the page itself holds no data
        missing = c.get("/api/worlds")
        assert missing.status_code == 401 and missing.json()["field"] == "token"
        assert c.get("/api/worlds", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/worlds", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert c.get("/api/worlds", headers={"x-tradewar-token": TOKEN}).status_code == 200


def test_serving_beyond_loopback_needs_a_token(monkeypatch):
    monkeypatch.delenv("TRADEWAR_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2 and "--token" in result.output + str(result.stderr)
    short = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--token", "short"])
    assert short.exit_code == 2


# ------------------------------------------------------------------ headers, docs, size
def test_every_answer_carries_the_security_headers(client):
    for path in ("/", "/static/app.js", "/api/worlds", "/api/jobs/not-an-id"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_api_docs_are_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "<script>" not in page.text  # no CDN, no inline
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200


def test_scripts_are_compressed(client):
    with client.stream("GET", "/static/plotly.min.js", headers={"accept-encoding": "gzip"}) as r:
        assert r.headers.get("content-encoding") == "gzip"
        sent = sum(len(chunk) for chunk in r.iter_raw())
    assert sent < 2_000_000  # 4.8 MB plain
