"""Query latency over HTTP: the real service (`vankien serve`) in a child process on loopback,
requests from client threads, percentiles. Used by the benchmark and by scripts/loadtest.py."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import psutil

HOST = "127.0.0.1"


@dataclass
class Service:
    url: str
    process: subprocess.Popen
    # Cold start, seconds from the process's launch: to the first /healthz answer (503
    # "loading" counts) and to the first 200 (index, model and segmenter loaded).
    startup: dict[str, float] = field(default_factory=dict)

    def rss_mb(self) -> float:
        """Resident memory of the service process (and any children it started)."""
        proc = psutil.Process(self.process.pid)
        total = proc.memory_info().rss + sum(
            c.memory_info().rss for c in proc.children(recursive=True)
        )
        return round(total / 2**20, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def serve_command(index: Path, port: int, model: str | None = None) -> list[str]:
    """The `vankien serve` command line for `index` on a loopback port."""
    command = [sys.executable, "-m", "indexer.cli", "serve", "--index", str(index)]
    command += ["--model", model] if model else []
    return command + ["--host", HOST, "--port", str(port)]


@contextlib.contextmanager
def serve(index: Path, model: str, log: Path, timeout: float = 900,
          env: dict[str, str] | None = None) -> Iterator[Service]:  # fmt: skip
    """`vankien serve` on a free loopback port until /healthz answers 200; stopped on exit.
    `env` replaces the environment it inherits."""
    port = free_port()
    command = serve_command(index, port, model)
    launched = time.monotonic()
    with open(log, "ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    service = Service(f"http://{HOST}:{port}", process)
    service.startup["launched"] = launched
    try:
        _wait_healthy(service, timeout)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(service: Service, timeout: float) -> None:
    """Poll /healthz every 0.1 s until 200, noting the cold start's two moments."""
    launched = service.startup.pop("launched", time.monotonic())
    deadline = launched + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the service exited with code {service.process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            status = httpx.get(service.url + "/healthz", timeout=5).status_code
            now = round(time.monotonic() - launched, 2)
            service.startup.setdefault("first_answer_s", now)
            if status == 200:
                service.startup["healthy_s"] = now
                return
        time.sleep(0.1)
    raise RuntimeError(f"the service did not become healthy within {timeout:.0f} s")


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean of latencies in milliseconds.

    >>> percentiles([1.0, 2.0, 3.0])["p50"]
    2.0
    """
    if not samples_ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0}
    values = np.asarray(samples_ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "p50": round(float(p50), 2),
        "p95": round(float(p95), 2),
        "p99": round(float(p99), 2),
        "mean": round(float(values.mean()), 2),
    }


def load(
    url: str, route: str | Sequence[str], queries: list[str], requests: int, clients: int,
    budget_s: float,
) -> dict:
    """`requests` GETs spread over `clients` threads; stops early after `budget_s`. Request n
    asks `queries[n]` of `route`, or of `route[n]` when several are given (a mix, cycled).
    Any answer but 200, and any failed connection, counts as an error, by status."""
    deadline = time.monotonic() + budget_s
    routes = [route] if isinstance(route, str) else list(route)
    per_client = [list(range(c, requests, clients)) for c in range(clients)]

    def worker(numbers: list[int]) -> tuple[list[float], Counter[str]]:
        latencies, statuses = [], Counter()
        with httpx.Client(base_url=url, timeout=120) as client:
            for n in numbers:
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                try:
                    reply = client.get(routes[n % len(routes)],
                                       params={"q": queries[n % len(queries)]})  # fmt: skip
                    status = str(reply.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] += 1
        return latencies, statuses

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(worker, per_client))
    wall = time.perf_counter() - started
    samples = [ms for lat, _ in results for ms in lat]
    statuses = sum((s for _, s in results), Counter())
    return percentiles(samples) | {
        "requests": len(samples),
        "errors": sum(n for status, n in statuses.items() if status != "200"),
        "statuses": dict(statuses),
        "seconds": round(wall, 2),
        "throughput_rps": round(len(samples) / wall, 2) if wall else 0.0,
    }


def warm(url: str, queries: list[str], count: int = 10) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        for n in range(count):
            for route in ("/api/search", "/api/ask"):
                client.get(route, params={"q": queries[n % len(queries)]})
