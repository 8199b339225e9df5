"""A bounded load test of ``tradewar serve`` on loopback.

Starts the server (one uvicorn process, default limits: 2 solving threads, 32 waiting runs,
16 jobs), then
1. sends ``--concurrent`` (default 50) concurrent ``POST /api/run`` requests of a scenario on
   ``wiod2014-s3`` (44 x 3): each must succeed (200) or be refused cleanly (429); prints
   counts, p50/p95/max latency and the server's peak memory (RSS high-water mark);
2. submits ``--jobs`` (default 20) scenario jobs at once (``POST /api/jobs``): each must be
   accepted (202) or refused cleanly (429); waits for every accepted job and prints the
   submission latency, the time to finish (p50/p95/max) and the final statuses (all must be
   ``finished``);
3. sends ``--sequential`` (default 1,000) sequential requests and prints the server's RSS after
   the 100th (or the middle one, for fewer) and after the last, to show that memory does not
   grow with requests.

Run: ``python benchmarks/bench_web_load.py [--concurrent 50] [--jobs 20] [--sequential 1000]``,
or ``--smoke`` for a tiny run (4 concurrent, 2 jobs, 20 sequential) that CI executes so this
script cannot rot. Exits 1 on any error (a response other than 200/202/429, a job that does not
finish, or RSS growing by more than 10% from that request to the last).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time

import httpx

SCENARIO = {
    "name": "US 25 points on China",
    "world": "wiod2014-s3",
    "model": "caliendo-parro",
    "policy": [{"kind": "tariff", "importer": "USA", "exporter": "CHN", "add_pct": 25}],
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb(pid: int) -> tuple[float, float]:
    """Current and peak RSS of a process, MB (Linux /proc)."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def _burst(url: str, count: int) -> tuple[list[int], list[float]]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:

        async def one() -> tuple[int, float]:
            start = time.perf_counter()
            response = await client.post("/api/run", json=SCENARIO)
            return response.status_code, time.perf_counter() - start

        results = await asyncio.gather(*(one() for _ in range(count)))
    return [r[0] for r in results], [r[1] for r in results]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _submit_jobs(url: str, count: int) -> tuple[list[int], list[float], list[str]]:
    """Submit ``count`` scenario jobs at once: status codes, latencies, accepted job ids."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def one() -> tuple[int, float, str]:
            start = time.perf_counter()
            job_request = {"kind": "scenario", "scenario": SCENARIO}
            response = await client.post("/api/jobs", json=job_request)
            job = response.json().get("id", "") if response.status_code == 202 else ""
            return response.status_code, time.perf_counter() - start, job

        results = await asyncio.gather(*(one() for _ in range(count)))
    return [r[0] for r in results], [r[1] for r in results], [r[2] for r in results if r[2]]


def _wait_for_jobs(
    url: str, ids: list[str], limit_s: float = 600.0
) -> dict[str, tuple[str, float]]:
    """Poll until every job is final: ``{id: (status, seconds from the first poll)}``."""
    start = time.perf_counter()
    done: dict[str, tuple[str, float]] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        while len(done) < len(ids) and time.perf_counter() - start < limit_s:
            for job in ids:
                if job in done:
                    continue
                status = client.get(f"/api/jobs/{job}").json()["status"]
                if status not in ("queued", "running"):
                    done[job] = (status, time.perf_counter() - start)
            time.sleep(0.2)
    return done


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="A tiny run, for CI.")
    args = parser.parse_args()
    if args.smoke:
        args.concurrent, args.jobs, args.sequential = 4, 2, 20
    port = _port()
    url = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="tradewar-bench-")
    server = subprocess.Popen(
        [sys.executable, "-m", "tradewar.cli", "serve", "--port", str(port), "--data-dir", data],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    failed = False
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/api/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        start = time.perf_counter()
        first = httpx.post(url + "/api/run", json=SCENARIO, timeout=300)
        assert first.status_code == 200, first.text
        print(
            "first request (loads the world, compiles the solver): "
            f"{time.perf_counter() - start:.2f} s"
        )
        rss0, _ = _memory_mb(server.pid)
        print(f"server RSS after the first request: {rss0:.0f} MB")

        start = time.perf_counter()
        codes, latencies = asyncio.run(_burst(url, args.concurrent))
        wall = time.perf_counter() - start
        ok = [t for c, t in zip(codes, latencies, strict=True) if c == 200]
        counts = {c: codes.count(c) for c in sorted(set(codes))}
        _, peak = _memory_mb(server.pid)
        print(
            f"{args.concurrent} concurrent requests in {wall:.2f} s: status counts {counts}; "
            f"latency of the 200s p50 {_quantile(ok, 0.5):.3f} s, p95 {_quantile(ok, 0.95):.3f} s, "
            f"max {max(ok):.3f} s; server peak RSS {peak:.0f} MB"
        )
        failed |= not set(counts) <= {200, 429}

        start = time.perf_counter()
        job_codes, submit_latency, ids = asyncio.run(_submit_jobs(url, args.jobs))
        finished = _wait_for_jobs(url, ids)
        job_counts = {c: job_codes.count(c) for c in sorted(set(job_codes))}
        statuses = [status for status, _ in finished.values()]
        times = [t for _, t in finished.values()] or [float("nan")]
        print(
            f"{args.jobs} job submissions: status counts {job_counts}, submission p50 "
            f"{_quantile(submit_latency, 0.5):.3f} s, p95 {_quantile(submit_latency, 0.95):.3f} s; "
            f"{len(ids)} accepted, final statuses "
            f"{ {s: statuses.count(s) for s in sorted(set(statuses))} }, time to finish p50 "
            f"{_quantile(times, 0.5):.1f} s, p95 {_quantile(times, 0.95):.1f} s, max "
            f"{max(times):.1f} s (all in {time.perf_counter() - start:.1f} s)"
        )
        failed |= not set(job_counts) <= {202, 429}
        failed |= len(finished) != len(ids) or any(s != "finished" for s in statuses)

        rss = {}
        checkpoint = min(100, max(1, args.sequential // 2))
        start = time.perf_counter()
        with httpx.Client(base_url=url, timeout=300) as client:
            for k in range(1, args.sequential + 1):
                response = client.post("/api/run", json=SCENARIO)
                failed |= response.status_code != 200
                if k in (checkpoint, args.sequential):
                    rss[k] = _memory_mb(server.pid)[0]
        wall = time.perf_counter() - start
        growth = 100.0 * (rss[args.sequential] / rss[checkpoint] - 1.0)
        print(
            f"{args.sequential} sequential requests in {wall:.1f} s "
            f"({1000 * wall / args.sequential:.1f} ms each); server RSS after {checkpoint}: "
            f"{rss[checkpoint]:.0f} MB, after {args.sequential}: {rss[args.sequential]:.0f} MB "
            f"({growth:+.1f}%)"
        )
        failed |= growth > 10.0
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
