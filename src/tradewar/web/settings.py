"""Settings of the web app: where it keeps data, and its limits (all overridable by env)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: Environment variables read by `WebSettings.from_env`, by field name.
ENV = {
    "data_dir": "TRADEWAR_DATA_DIR",
    "max_body_bytes": "TRADEWAR_MAX_BODY_BYTES",
    "max_upload_bytes": "TRADEWAR_MAX_UPLOAD_BYTES",
    "request_timeout_s": "TRADEWAR_REQUEST_TIMEOUT_S",
    "job_timeout_s": "TRADEWAR_JOB_TIMEOUT_S",
    "run_workers": "TRADEWAR_RUN_WORKERS",
    "run_queue": "TRADEWAR_RUN_QUEUE",
    "job_workers": "TRADEWAR_JOB_WORKERS",
    "job_queue": "TRADEWAR_JOB_QUEUE",
}


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/tradewar`` (default ``~/.local/share/tradewar``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tradewar"


class WebSettings(BaseModel):
    """Where the server keeps uploaded worlds and job results, and how much it accepts.

    ``data_dir`` holds ``worlds/`` (uploaded world packages) and ``jobs/`` (one folder per job,
    with its status and results), so a restart loses nothing that finished.
    ``max_body_bytes`` caps a JSON request, ``max_upload_bytes`` an uploaded world (zip).
    ``request_timeout_s`` bounds how long a synchronous run may keep its client waiting;
    ``job_timeout_s`` how long a job may run before it is stopped.
    ``run_workers`` threads solve synchronous runs and ``run_queue`` more may wait; beyond that
    a run is refused with 429. ``job_workers`` processes run jobs and ``job_queue`` more may
    wait (429 beyond).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    max_body_bytes: int = Field(1_000_000, ge=1_000)
    max_upload_bytes: int = Field(50_000_000, ge=1_000)
    request_timeout_s: float = Field(60.0, gt=0)
    job_timeout_s: float = Field(3600.0, gt=0)
    run_workers: int = Field(2, ge=1, le=64)
    run_queue: int = Field(32, ge=0, le=10_000)
    job_workers: int = Field(1, ge=1, le=64)
    job_queue: int = Field(16, ge=0, le=10_000)

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
        return {name: str(getattr(self, field)) for field, name in ENV.items()}
