"""Where chunks run: in this process, on a local Dask cluster, or on a cluster you name.

``scheduler`` is ``None`` or ``"none"`` (this process, one chunk after another),
``"threads"`` (this process, one thread per core: JAX releases the interpreter lock while it
solves), ``"local"`` (a `distributed.LocalCluster` of worker processes, one per core, started
and stopped here), ``"auto"`` (the default: `choose_scheduler` picks for this machine) or
a scheduler address such as ``"tcp://10.0.0.5:8786"`` (an existing cluster; its workers must
have tradewar installed). Results come back in chunk order whatever finishes first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from tradewar.errors import ScenarioError
from tradewar.progress import ProgressCallback, report

#: Seconds to wait for a named scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0
#: Cores from which ``auto`` starts a local cluster. Below it, threads in this process are
#: faster: on 2 cores, 1,000 NAFTA draws took 38.6 s on two worker processes (each starts and
#: compiles the solvers again, about 13 s before its first chunk), 29.1 s one after another
#: here and 19.2 s on two threads here (docs/uncertainty.md).
AUTO_MIN_CORES = 4


def choose_scheduler(scheduler: str | None, tasks: int, workers: int | None = None) -> str:
    """The scheduler to use for ``tasks`` chunks: ``scheduler`` itself unless it is ``auto``.

    ``auto`` is ``local`` on a machine of at least `AUTO_MIN_CORES` cores (or ``workers``, when
    given) with at least two chunks for each worker, ``threads`` on a smaller machine of two
    cores or more with at least two chunks, and ``none`` otherwise.
    """
    if scheduler is None:
        return "none"
    if scheduler != "auto":
        return scheduler
    cores = workers or os.cpu_count() or 1
    if cores >= AUTO_MIN_CORES and tasks >= 2 * cores:
        return "local"
    return "threads" if cores >= 2 and tasks >= 2 else "none"


def run_chunks(
    function: Callable[..., Any],
    chunks: Sequence[tuple[Any, ...]],
    scheduler: str | None = "auto",
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> list[Any]:
    """``[function(*chunk) for chunk in chunks]``, where ``scheduler`` says (module docstring).

    Raises `ScenarioError` (key ``scheduler``) for an address that cannot be reached within
    `CONNECT_TIMEOUT_S`, or when Dask is not installed.
    """
    total = len(chunks)
    scheduler = choose_scheduler(scheduler, total, workers)
    if scheduler == "none" or total == 0:
        results = []
        for k, chunk in enumerate(chunks, start=1):
            results.append(function(*chunk))
            report(progress, k / total, f"chunk {k} of {total}")
        return results
    if scheduler == "threads":
        return _on_threads(function, chunks, workers or os.cpu_count() or 1, progress)
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ScenarioError(
            "Dask is not installed: pip install 'tradewar[dask]', or use scheduler 'none'",
            key="scheduler",
        ) from None
    cluster = None
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        # One XLA thread per worker process: the processes, not threads, share the cores.
        single = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            env={"XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} {single}".strip()},
        )
        client = Client(cluster)
    else:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
            raise ScenarioError(
                f"'{scheduler}' is not a scheduler address (e.g. tcp://127.0.0.1:8786), "
                "'local', 'threads', 'auto' or 'none'",
                key="scheduler",
            )
        check_scheduler(scheduler, CONNECT_TIMEOUT_S)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ScenarioError(
                f"cannot reach the Dask scheduler at {scheduler} within "
                f"{CONNECT_TIMEOUT_S:g} s ({type(exc).__name__})",
                key="scheduler",
            ) from None
    try:
        futures = [client.submit(function, *chunk, pure=False) for chunk in chunks]
        index = {f.key: k for k, f in enumerate(futures)}
        out: list[Any] = [None] * total
        for done, future in enumerate(as_completed(futures), start=1):
            out[index[future.key]] = future.result()
            report(progress, done / total, f"chunk {done} of {total}")
        return out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _on_threads(
    function: Callable[..., Any],
    chunks: Sequence[tuple[Any, ...]],
    threads: int,
    progress: ProgressCallback | None,
) -> list[Any]:
    """The chunks on ``threads`` threads of this process; results in chunk order."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    total = len(chunks)
    out: list[Any] = [None] * total
    with ThreadPoolExecutor(threads, thread_name_prefix="tradewar-draws") as pool:
        futures = {pool.submit(function, *chunk): k for k, chunk in enumerate(chunks)}
        for done, future in enumerate(as_completed(futures), start=1):
            out[futures[future]] = future.result()
            report(progress, done / total, f"chunk {done} of {total}")
    return out


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise `ScenarioError` (key ``scheduler``) unless a Dask scheduler answers at ``address``.

    Connects, shakes hands and asks for the scheduler's identity, all within ``timeout``
    seconds, on a thread of its own (so it works where an event loop already runs, as in
    Jupyter). A port where nothing listens, a listener that never answers, and a server that
    speaks another protocol (HTTP, say) are all refused here, instead of hanging the run or
    failing deep inside Dask.
    """
    import asyncio
    import threading

    from distributed.comm import connect

    outcome: dict[str, Any] = {}

    async def identity() -> Any:
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def ask() -> None:
        try:
            outcome["reply"] = asyncio.run(asyncio.wait_for(identity(), timeout))
        except BaseException as exc:  # any failure to talk Dask is the answer
            outcome["error"] = exc

    thread = threading.Thread(target=ask, name="tradewar-scheduler-check", daemon=True)
    thread.start()
    thread.join(timeout + 2.0)
    reply = outcome.get("reply")
    if isinstance(reply, dict) and reply.get("type") == "Scheduler":
        return
    if thread.is_alive() or isinstance(outcome.get("error"), TimeoutError):
        why = f"no answer within {timeout:g} s"
    elif "error" in outcome:
        error = outcome["error"]
        why = f"{type(error).__name__}: {str(error)[:200]}" if str(error) else type(error).__name__
    else:
        why = "the server there is not a Dask scheduler"
    raise ScenarioError(f"cannot talk to a Dask scheduler at {address} ({why})", key="scheduler")
