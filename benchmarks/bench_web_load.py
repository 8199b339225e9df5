"""A bounded load test of ``tradewar serve`` on loopback.

Starts the server (one uvicorn process, default limits: 2 solving threads, 32 waiting runs),
then
1. sends 100 concurrent ``POST /api/run`` requests of a scenario on ``wiod2014-s3`` (44 x 3):
   each must succeed (200) or be refused cleanly (429); prints counts, p50/p95/max latency and
   the server's peak memory (RSS high-water mark);
2. sends 1,000 sequential requests and prints the server's RSS after 100 and after 1,000, to
   show that memory does not grow with requests.

Run: ``python benchmarks/bench_web_load.py [--concurrent 100] [--sequential 1000]``.
Exits 1 if any response is neither 200 nor 429, or if RSS grows by more than 10% from request
100 to request 1,000.
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--sequential", type=int, default=1000)
    args = parser.parse_args()
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

        rss = {}
        start = time.perf_counter()
        with httpx.Client(base_url=url, timeout=300) as client:
            for k in range(1, args.sequential + 1):
                response = client.post("/api/run", json=SCENARIO)
                failed |= response.status_code != 200
                if k in (100, args.sequential):
                    rss[k] = _memory_mb(server.pid)[0]
        wall = time.perf_counter() - start
        growth = 100.0 * (rss[args.sequential] / rss[100] - 1.0)
        print(
            f"{args.sequential} sequential requests in {wall:.1f} s "
            f"({1000 * wall / args.sequential:.1f} ms each); server RSS after 100: "
            f"{rss[100]:.0f} MB, after {args.sequential}: {rss[args.sequential]:.0f} MB "
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
