"""Indexing speed on real documents: a fresh `build_index` in a child process, peak RSS included.

Run as `python -m indexer.bench.indexing INDEX FOLDER...`; it prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from ..config import Settings

STAGES = ("parse", "segment", "embed", "write")


def measure_indexing(folders: list[Path], index: Path, settings: Settings) -> dict:
    """Build `folders` into the empty folder `index` in a child process and summarise it."""
    command = [sys.executable, "-m", "indexer.bench.indexing", str(index), *map(str, folders)]
    env_settings = json.dumps({"model": settings.model, "threads": settings.threads})
    done = subprocess.run(
        command, input=env_settings, capture_output=True, text=True, timeout=3600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the indexing run failed: {done.stderr.strip()[-2000:]}")
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    return summarise(raw, folders)


def summarise(raw: dict, folders: list[Path]) -> dict:
    seconds = raw["report"]["seconds"]
    staged = sum(seconds.get(s, 0.0) for s in STAGES) or 1.0
    passages = raw["report"]["passages"]
    return {
        "corpus": [str(f) for f in folders],
        "documents": raw["report"]["documents"],
        "passages": passages,
        "wall_seconds": round(raw["wall_seconds"], 2),
        "passages_per_s": round(passages / raw["wall_seconds"], 2),
        "stage_seconds": {s: round(seconds.get(s, 0.0), 2) for s in STAGES},
        "share": {s: round(seconds.get(s, 0.0) / staged, 3) for s in STAGES},
        "peak_rss_mb": round(raw["max_rss_kb"] / 1024, 1),
        "index_bytes": raw["report"]["index_bytes"],
        "bytes_per_1000_passages": round(raw["report"]["index_bytes"] / max(passages, 1) * 1000),
    }


def _child(argv: list[str]) -> None:
    from ..build import build_index

    overrides = json.loads(sys.stdin.read() or "{}")
    index, folders = Path(argv[0]), [Path(a) for a in argv[1:]]
    settings = Settings(index=index, **overrides)
    started = time.perf_counter()
    report = build_index(folders, index, settings)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    payload = {"report": report.to_dict(), "wall_seconds": wall, "max_rss_kb": peak}
    print(json.dumps(payload, ensure_ascii=False))


if __name__ == "__main__":
    _child(sys.argv[1:])
