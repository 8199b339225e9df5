"""Jobs: long work (games, negotiations, reports, big scenarios) in worker processes.

Each job has a folder ``jobs/<id>/`` holding ``job.json`` (its record, written only by the
server process that owns the job), ``progress.json`` (written by the worker), ``outcome.json``
(the worker's last word) and ``result/`` (the results, written whole with a manifest). A job
runs in its own process, so cancelling it or hitting the time limit stops it for real. At most
``workers`` jobs run and ``queue`` wait; a further submission raises `Busy` (HTTP 429).
When a server starts, jobs whose owning process is gone are marked ``interrupted``; finished
jobs stay readable across restarts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import os
import re
import shutil
import threading
import time
import traceback
import uuid
from collections import deque
from pathlib import Path
from typing import Any

#: States a job may be in; the last five are final.
ACTIVE = ("queued", "running")
FINAL = ("finished", "not converged", "failed", "cancelled", "timed out", "interrupted")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class Busy(Exception):
    """The queue is full: the client should retry later (HTTP 429)."""


class UnknownJob(KeyError):
    """No job with that id."""


class Full(Exception):
    """The jobs' disk quota is used up by jobs still running or waiting (HTTP 507)."""


#: Fields of a job's record that stay on the server (process ids).
PRIVATE = ("owner",)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in PRIVATE}


def folder_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (0 if it is gone)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` atomically with ``data`` as JSON."""
    from tradewar.jsonsafe import dumps

    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_job(folder: str, request_json: str) -> None:
    """Worker-process entry: run one resolved request, report progress and the outcome."""
    from pydantic import TypeAdapter

    from tradewar.errors import ConvergenceError, TradewarError
    from tradewar.web.tasks import JobRequest, execute

    path = Path(folder)

    def progress(fraction: float, message: str) -> None:
        _write_json(path / "progress.json", {"progress": fraction, "message": message})

    try:
        request: Any = TypeAdapter(JobRequest).validate_json(request_json)
        summary = execute(request, path / "result", progress)
        outcome: dict[str, Any] = {"ok": True, **summary}
    except ConvergenceError as exc:
        outcome = {"ok": True, "converged": False, "reason": str(exc)}
    except TradewarError as exc:
        key = getattr(exc, "key", None) or getattr(exc, "field", None)
        outcome = {"ok": False, "error": str(exc).replace("\n", " "), "field": key}
    except Exception as exc:  # the job failed; the server must say so, not die
        (path / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
        outcome = {"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"}
    _write_json(path / "outcome.json", outcome)


class JobManager:
    """Runs jobs in worker processes with a bounded queue (see the module docstring).

    Parameters
    ----------
    folder
        ``jobs/`` under the server's data folder.
    workers, queue
        Jobs run at once, and jobs allowed to wait.
    timeout_s
        A running job is stopped (``timed out``) after this many seconds.
    retention_s
        A finished job (any final state) is deleted this many seconds after it ended.
    max_job_bytes
        A job whose results take more is marked ``failed`` and its results deleted.
    max_total_bytes
        Jobs together may keep at most this much: beyond it the oldest finished jobs are
        deleted, and a submission that would still not fit raises `Full`.
    """

    def __init__(
        self,
        folder: Path,
        workers: int,
        queue: int,
        timeout_s: float,
        retention_s: float = 7 * 86_400.0,
        max_job_bytes: int = 500_000_000,
        max_total_bytes: int = 5_000_000_000,
    ) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.workers, self.queue, self.timeout_s = workers, queue, timeout_s
        self.retention_s = retention_s
        self.max_job_bytes, self.max_total_bytes = max_job_bytes, max_total_bytes
        self._last_prune = 0.0
        self._lock = threading.RLock()
        self._pending: deque[tuple[str, str]] = deque()
        self._running: dict[str, tuple[Any, float]] = {}
        self._context = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mark_orphans()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the thread that launches, watches and reaps worker processes."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="tradewar-jobs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop every running job (marked ``interrupted``) and the watcher thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for job_id, (process, _) in list(self._running.items()):
                process.terminate()
                process.join(timeout=5)
                self._finish(job_id, "interrupted", error="the server stopped before it finished")
            self._running.clear()
            for job_id, _ in self._pending:
                self._finish(job_id, "interrupted", error="the server stopped before it started")
            self._pending.clear()

    def _mark_orphans(self) -> None:
        for record_path in self.folder.glob("*/job.json"):
            record = _read_json(record_path)
            if record and record.get("status") in ACTIVE and not _alive(record.get("owner", 0)):
                record.update(
                    status="interrupted",
                    finished=_now(),
                    error="the server stopped before the job finished; submit it again",
                )
                _write_json(record_path, record)

    # ------------------------------------------------------------------ API
    def submit(self, kind: str, request: dict[str, Any], resolved_json: str) -> dict[str, Any]:
        """Queue a job: ``request`` as the client sent it, ``resolved_json`` what runs.

        Raises `Busy` if ``queue`` jobs are already waiting, `Full` if the jobs' disk quota is
        used up even after deleting every finished job it may.
        """
        with self._lock:
            if self.prune() >= self.max_total_bytes:
                raise Full(
                    f"the jobs' disk quota of {self.max_total_bytes:,} bytes is used up by "
                    "jobs still running or waiting; try again later"
                )
            if len(self._pending) >= self.queue + max(self.workers - len(self._running), 0):
                raise Busy(
                    f"{len(self._running)} jobs running and {len(self._pending)} waiting; "
                    "try again later"
                )
            job_id = uuid.uuid4().hex
            path = self.folder / job_id
            path.mkdir()
            record = {
                "id": job_id,
                "kind": kind,
                "status": "queued",
                "progress": 0.0,
                "message": "waiting for a worker",
                "created": _now(),
                "started": None,
                "finished": None,
                "converged": None,
                "reason": None,
                "error": None,
                "field": None,
                "owner": os.getpid(),
                "request": request,
            }
            _write_json(path / "job.json", record)
            self._pending.append((job_id, resolved_json))
        return self.get(job_id)

    def get(self, job_id: str) -> dict[str, Any]:
        """The job's record, with its latest progress while it runs."""
        if not JOB_ID.match(job_id):
            raise UnknownJob(job_id)
        record = _read_json(self.folder / job_id / "job.json")
        if record is None:
            raise UnknownJob(job_id)
        if record["status"] == "running":
            progress = _read_json(self.folder / job_id / "progress.json")
            if progress:
                record.update(progress=progress["progress"], message=progress["message"])
        record["files"] = self.files(job_id) if record["status"] in FINAL else []
        return _public(record)

    def listing(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest ``limit`` jobs (records without their requests)."""
        records = []
        for path in self.folder.glob("*/job.json"):
            record = _read_json(path)
            if record:
                record.pop("request", None)
                records.append(_public(record))
        records.sort(key=lambda r: r.get("created", ""), reverse=True)
        return records[:limit]

    def delete(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job (its worker is stopped); delete a final one.

        Returns the job's last record, with ``deleted`` true when its folder is gone.
        """
        record = self.get(job_id)
        if record["status"] in ACTIVE:
            return self.cancel(job_id)
        with self._lock:
            shutil.rmtree(self.folder / job_id, ignore_errors=True)
        return {**record, "files": [], "deleted": True}

    def prune(self) -> int:
        """Delete finished jobs past their retention, then the oldest until under the quota.

        Returns the bytes the jobs keep afterwards.
        """
        with self._lock:
            self._last_prune = time.monotonic()
            now = dt.datetime.now(dt.UTC)
            finished, total = [], 0
            for record_path in self.folder.glob("*/job.json"):
                size = folder_bytes(record_path.parent)
                total += size
                record = _read_json(record_path)
                if not record or record.get("status") not in FINAL:
                    continue
                ended = dt.datetime.fromisoformat(record.get("finished") or record["created"])
                finished.append((ended, record_path.parent, size))
            finished.sort()
            for ended, folder, size in finished:
                expired = (now - ended).total_seconds() > self.retention_s
                if expired or total > self.max_total_bytes:
                    shutil.rmtree(folder, ignore_errors=True)
                    total -= size
            return total

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job (its worker is stopped); a final job is returned as is."""
        record = self.get(job_id)
        if record["status"] not in ACTIVE:
            return record
        (self.folder / job_id / "cancel").touch()
        with self._lock:
            self._cancel_owned(job_id)
        return self.get(job_id)

    def files(self, job_id: str) -> list[str]:
        """The result files of a job, as its manifest lists them."""
        manifest = _read_json(self.folder / job_id / "result" / "manifest.json")
        if not manifest:
            return []
        return sorted([*manifest.get("files", {}), "manifest.json"])

    def file_path(self, job_id: str, name: str) -> Path:
        """The result file ``name`` of a job; `UnknownJob` unless its manifest lists it."""
        if name not in self.files(job_id):
            raise UnknownJob(name)
        return self.folder / job_id / "result" / name

    def counts(self) -> dict[str, int]:
        """Jobs running and waiting in this server process."""
        with self._lock:
            return {"running": len(self._running), "waiting": len(self._pending)}

    # ------------------------------------------------------------------ internals
    def _update(self, job_id: str, **changes: Any) -> None:
        path = self.folder / job_id / "job.json"
        record = _read_json(path) or {}
        record.update(changes)
        _write_json(path, record)

    def _finish(self, job_id: str, status: str, **changes: Any) -> None:
        progress = 1.0 if status in ("finished", "not converged") else None
        update: dict[str, Any] = {"status": status, "finished": _now(), **changes}
        if progress is not None:
            update.update(progress=progress, message="done")
        self._update(job_id, **update)

    def _cancel_owned(self, job_id: str) -> None:
        for k, (pending_id, _) in enumerate(self._pending):
            if pending_id == job_id:
                del self._pending[k]
                self._finish(job_id, "cancelled", error="cancelled before it started")
                return
        if job_id in self._running:
            process, _ = self._running.pop(job_id)
            process.terminate()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
            self._finish(job_id, "cancelled", error="cancelled while running")
            shutil.rmtree(self.folder / job_id / "result", ignore_errors=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                self._tick()

    def _tick(self) -> None:
        if time.monotonic() - self._last_prune > 60.0:
            self.prune()
        for job_id in [j for j, _ in self._pending] + list(self._running):
            if (self.folder / job_id / "cancel").exists():
                self._cancel_owned(job_id)
        now = time.monotonic()
        for job_id, (process, started) in list(self._running.items()):
            if process.is_alive():
                if now - started > self.timeout_s:
                    process.kill()
                    process.join(timeout=5)
                    del self._running[job_id]
                    self._finish(
                        job_id,
                        "timed out",
                        error=f"stopped after the job time limit of {self.timeout_s:g} s",
                    )
                    shutil.rmtree(self.folder / job_id / "result", ignore_errors=True)
                continue
            process.join()
            del self._running[job_id]
            self._reap(job_id, process.exitcode)
        while self._pending and len(self._running) < self.workers:
            job_id, resolved = self._pending.popleft()
            process = self._context.Process(
                target=run_job, args=(str(self.folder / job_id), resolved), daemon=True
            )
            process.start()
            self._running[job_id] = (process, time.monotonic())
            self._update(job_id, status="running", started=_now(), message="starting")

    def _reap(self, job_id: str, exitcode: int | None) -> None:
        outcome = _read_json(self.folder / job_id / "outcome.json")
        if outcome is None:
            self._finish(
                job_id, "failed", error=f"the worker process ended without a result ({exitcode})"
            )
        elif not outcome.get("ok"):
            self._finish(job_id, "failed", error=outcome.get("error"), field=outcome.get("field"))
        elif (size := folder_bytes(self.folder / job_id / "result")) > self.max_job_bytes:
            shutil.rmtree(self.folder / job_id / "result", ignore_errors=True)
            self._finish(
                job_id,
                "failed",
                error=f"the results take {size:,} bytes; the limit per job is "
                f"{self.max_job_bytes:,}",
            )
        else:
            converged = bool(outcome.get("converged"))
            self._finish(
                job_id,
                "finished" if converged else "not converged",
                converged=converged,
                reason=outcome.get("reason") or "",
            )
