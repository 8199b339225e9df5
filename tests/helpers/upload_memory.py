"""Measure the server's memory while a large valid world is uploaded (run as a script).

Prints one JSON line: the zip's size, the upload's status, the server process's peak memory
growth during the upload (VmHWM, MB) and the peak growth of memory when the same package is
read in a server-like process instead (a fresh interpreter with tradewar imported, whose
VmHWM is taken before and after `load_world`: memory freed earlier in a long-lived process can
be reused and hide part of that growth, which made an in-process measurement vary from 49 to
97 MB). A fresh interpreter, so no earlier peak hides the growth.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from helpers.live_server import live_server
from tradewar.build.synthetic import synthetic_world
from tradewar.data.io import load_world
from tradewar.data.write import write_world
from tradewar.web import WebSettings


def _status(key: str) -> float:
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith(key):
                return int(row.split()[1]) / 1024
    raise AssertionError(f"no {key}")


#: Reads a package in a fresh interpreter and prints its peak memory growth (MB).
_READ_ALONE = """
import sys
from tradewar.data.io import load_world


def status(key):
    with open("/proc/self/status") as rows:
        return next(int(r.split()[1]) / 1024 for r in rows if r.startswith(key))


before = status("VmHWM")
load_world(sys.argv[1])
print(status("VmHWM") - before)
"""


def main() -> None:
    countries, sectors = int(sys.argv[1]), int(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "package"
        write_world(synthetic_world(countries, sectors, name="large-upload"), package, "csv")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(package.iterdir()):
                if path.suffix != ".json":
                    archive.write(path, path.name)
        data = buffer.getvalue()
        unpacked = sum(p.stat().st_size for p in package.iterdir())
        settings = WebSettings(data_dir=Path(tmp) / "web", max_upload_bytes=len(data) + 1000)
        with live_server(settings) as url, httpx.Client(base_url=url, timeout=300) as client:
            client.get("/api/worlds")
            before = _status("VmHWM")
            response = client.post(
                "/api/worlds", content=data, headers={"content-type": "application/zip"}
            )
            upload_peak = _status("VmHWM") - before
        world = load_world(str(package))
        alone = subprocess.run(
            [sys.executable, "-c", _READ_ALONE, str(package)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        in_process = float(alone.stdout.strip().splitlines()[-1])
        print(
            json.dumps(
                {
                    "zip_mb": len(data) / 1e6,
                    "unpacked_mb": unpacked / 1e6,
                    "status": response.status_code,
                    "name": response.json().get("name"),
                    "upload_peak_mb": upload_peak,
                    "in_process_mb": in_process,
                    "cells": world.n_countries**2 * world.n_sectors,
                }
            )
        )


if __name__ == "__main__":
    main()
