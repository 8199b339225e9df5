"""Check an unpacked world package in a process of its own, so its memory is given back.

The web app's uploads are read by `check_package` in a spawned child (`check_in_child`): a
valid package of hundreds of MB of CSV parses into arrays that the server's allocator would
otherwise keep after they are freed. The child returns plain data (a summary or an error's
parts), never a live object.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from tradewar.errors import DataError


def check_package(folder: str, max_cells: int) -> dict[str, Any]:
    """Read and check the world package in ``folder``; a summary or the error's parts.

    Parameters
    ----------
    folder
        The unpacked package (``world.toml`` and its tables).
    max_cells
        The most bilateral cells, countries x countries x sectors, the world may have.

    Returns
    -------
    dict
        ``{"ok": True, "name": ..., "summary": ...}`` (`World.summary`, JSON-safe) or
        ``{"ok": False, "reason", "file", "row", "field"}`` (the file's name only).
    """
    from tradewar.data.io import load_world

    try:
        world = load_world(folder)
    except DataError as exc:
        where = Path(exc.file).name if exc.file else "upload"
        return {
            "ok": False,
            "reason": exc.reason,
            "file": where,
            "row": exc.row,
            "field": exc.field,
        }
    except (OSError, ValueError) as exc:
        return {"ok": False, "reason": f"cannot be read: {exc}", "file": "upload"}
    cells = world.n_countries**2 * world.n_sectors
    if cells > max_cells:
        return {
            "ok": False,
            "reason": f"{world.n_countries} countries x {world.n_countries} x "
            f"{world.n_sectors} sectors = {cells:,} bilateral cells; this server takes at most "
            f"{max_cells:,}",
            "file": "world.toml",
        }
    return {"ok": True, "name": world.name, "summary": world.summary()}


def check_in_child(folder: Path, max_cells: int, timeout_s: float) -> dict[str, Any]:
    """`check_package` in a fresh spawned process; raises `DataError` on any failure.

    Parameters
    ----------
    folder
        The unpacked package.
    max_cells
        As for `check_package`.
    timeout_s
        Seconds the check may take before the child is stopped.

    Returns
    -------
    dict
        ``{"name": ..., "summary": ...}`` of a valid package.
    """
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        answer = pool.submit(check_package, str(folder), max_cells).result(timeout=timeout_s)
    except FutureTimeout:
        _stop(pool)
        raise DataError(
            f"checking the world took more than {timeout_s:g} s", file="upload"
        ) from None
    except BrokenProcessPool:
        raise DataError(
            "the process checking the world stopped (out of memory?)", file="upload"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not answer["ok"]:
        raise DataError(
            answer["reason"],
            file=answer.get("file"),
            row=answer.get("row"),
            field=answer.get("field"),
        )
    return {"name": answer["name"], "summary": answer["summary"]}


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker (a timed-out check), so `shutdown` does not wait for it."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()
