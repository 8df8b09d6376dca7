"""The floors a query cannot go below: raw query embedding, raw FAISS search, raw BM25."""

from __future__ import annotations

import time
from collections.abc import Callable

import faiss
import numpy as np

from ..embed import Embedder
from ..query.search import plan, plan_uncached
from ..storage import faiss as vectors
from ..storage.bm25 import Lexical
from .service import percentiles


def _timed(fn: Callable[[object], object], items: list) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure_floors(
    embedder: Embedder, faiss_index, lex: Lexical, queries: list[str], candidates: int
) -> dict:
    """p50/p95 of each raw call over the queries, the way `Index.search` makes them."""
    plans = [plan(q) for q in queries]
    query_vectors = embedder.embed_queries([p.text for p in plans])  # also warms the model

    def lexical_call(p) -> None:
        stream, keys = ("folded", p.folded) if p.unaccented else ("accented", p.accented)
        lex.ranked(stream, list(keys), candidates)

    def faiss_call(v) -> None:
        vectors.search(faiss_index, v, candidates)

    lexical_call(plans[0])
    out = {
        "plan_ms": percentiles(_timed(plan_uncached, queries)),
        "embed_query_ms": percentiles(_timed(lambda p: embedder.embed_queries([p.text]), plans)),
        "faiss_ms": percentiles(_timed(faiss_call, list(query_vectors))),
        "lexical_ms": percentiles(_timed(lexical_call, plans)),
    }
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        out["faiss_1thread_ms"] = percentiles(_timed(faiss_call, list(query_vectors)))
    finally:
        faiss.omp_set_num_threads(threads)
    out["faiss_threads"] = threads
    parts = ("embed_query_ms", "faiss_ms", "lexical_ms")
    out["sum_p50_ms"] = round(sum(out[k]["p50"] for k in parts), 2)
    out["sum_p95_ms"] = round(sum(out[k]["p95"] for k in parts), 2)
    return out


def query_vectors(embedder: Embedder, queries: list[str]) -> np.ndarray:
    return embedder.embed_queries([plan(q).text for q in queries])
