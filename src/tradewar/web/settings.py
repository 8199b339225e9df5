"""Settings of the web app: where it keeps data, and its limits (all overridable by env)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradewar.web.guard import LOOPBACK

#: Environment variables read by `WebSettings.from_env`, by field name.
ENV = {
    "data_dir": "TRADEWAR_DATA_DIR",
    "max_body_bytes": "TRADEWAR_MAX_BODY_BYTES",
    "max_upload_bytes": "TRADEWAR_MAX_UPLOAD_BYTES",
    "max_world_cells": "TRADEWAR_MAX_WORLD_CELLS",
    "request_timeout_s": "TRADEWAR_REQUEST_TIMEOUT_S",
    "job_timeout_s": "TRADEWAR_JOB_TIMEOUT_S",
    "run_workers": "TRADEWAR_RUN_WORKERS",
    "run_queue": "TRADEWAR_RUN_QUEUE",
    "job_workers": "TRADEWAR_JOB_WORKERS",
    "job_queue": "TRADEWAR_JOB_QUEUE",
    "job_retention_days": "TRADEWAR_JOB_RETENTION_DAYS",
    "max_job_bytes": "TRADEWAR_MAX_JOB_BYTES",
    "max_jobs_bytes": "TRADEWAR_MAX_JOBS_BYTES",
    "token": "TRADEWAR_TOKEN",
    "allowed_hosts": "TRADEWAR_ALLOWED_HOSTS",
}


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/tradewar`` (default ``~/.local/share/tradewar``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tradewar"


class WebSettings(BaseModel):
    """Where the server keeps uploaded worlds and job results, and how much it accepts.

    ``data_dir`` holds ``worlds/`` (uploaded world packages) and ``jobs/`` (one folder per job,
    with its status and results), so a restart loses nothing that finished.
    ``max_body_bytes`` caps a JSON request, ``max_upload_bytes`` an uploaded world (zip);
    ``max_world_cells`` the countries x countries x sectors of an uploaded world (its check
    runs in a child process, so parsing it never grows the server).
    ``request_timeout_s`` bounds how long a synchronous run may keep its client waiting;
    ``job_timeout_s`` how long a job may run before it is stopped.
    ``run_workers`` threads solve synchronous runs and ``run_queue`` more may wait; beyond that
    a run is refused with 429. ``job_workers`` processes run jobs and ``job_queue`` more may
    wait (429 beyond). A finished job is deleted ``job_retention_days`` after it ended; one
    whose results take more than ``max_job_bytes`` fails, and jobs together keep at most
    ``max_jobs_bytes`` (the oldest finished ones go first; 507 when running ones fill it).
    ``token``, when set, must come with every ``/api`` request (``tradewar serve`` requires one
    beyond loopback); ``allowed_hosts`` are the host names the server answers to (loopback by
    default, ``*`` for any; comma-separated in the environment). See `tradewar.web.guard`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    max_body_bytes: int = Field(1_000_000, ge=1_000)
    max_upload_bytes: int = Field(50_000_000, ge=1_000)
    max_world_cells: int = Field(4_000_000, ge=1)
    request_timeout_s: float = Field(60.0, gt=0)
    job_timeout_s: float = Field(3600.0, gt=0)
    run_workers: int = Field(2, ge=1, le=64)
    run_queue: int = Field(32, ge=0, le=10_000)
    job_workers: int = Field(1, ge=1, le=64)
    job_queue: int = Field(16, ge=0, le=10_000)
    job_retention_days: float = Field(7.0, gt=0)
    max_job_bytes: int = Field(500_000_000, ge=1_000)
    max_jobs_bytes: int = Field(5_000_000_000, ge=1_000)
    token: str | None = Field(None, min_length=16)
    allowed_hosts: tuple[str, ...] = LOOPBACK

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(h.strip() for h in value.split(",") if h.strip())
        return value

    @classmethod
    def from_env(cls, **overrides: object) -> WebSettings:
        """Settings from ``TRADEWAR_*`` environment variables (see `ENV`), then ``overrides``."""
        values: dict[str, object] = {
            field: os.environ[name] for field, name in ENV.items() if os.environ.get(name)
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    def to_env(self) -> dict[str, str]:
        """The environment variables that reproduce these settings (for server workers)."""
        values = {field: getattr(self, field) for field in ENV}
        values["allowed_hosts"] = ",".join(self.allowed_hosts)
        return {ENV[f]: str(v) for f, v in values.items() if v is not None}
