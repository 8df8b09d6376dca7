"""Exact vs HNSW search: recall@10 and latency by efSearch, and the threshold they suggest."""

from __future__ import annotations

import time

import faiss
import numpy as np

from ..storage import faiss as vectors
from .service import percentiles

EF_SEARCH = (32, 64, 128, 256, 512)
K = 10
TARGET_RECALL = 0.95
EXACT_BUDGET_MS = 10.0  # a quarter of the 40 ms query budget may go to the dense search


def _per_query_ms(index, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    samples, found = [], []
    for q in queries:
        started = time.perf_counter()
        found.append(index.search(q.reshape(1, -1), K)[1][0])
        samples.append((time.perf_counter() - started) * 1000)
    return samples, np.array(found)


def _hnsw(matrix: np.ndarray) -> tuple[faiss.Index, float]:
    """The HNSW index `vectors.build` makes above the threshold."""
    started = time.perf_counter()
    index = faiss.IndexHNSWFlat(matrix.shape[1], vectors.HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = vectors.EF_CONSTRUCTION
    index.add(matrix)
    return index, time.perf_counter() - started


def sweep(matrix: np.ndarray, queries: np.ndarray, hnsw=None) -> dict:
    """Recall@10 of HNSW against exact search and single-query latency (1 OMP thread)."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact = faiss.IndexFlatIP(matrix.shape[1])
    exact.add(matrix)
    truth = exact.search(queries, K)[1]
    built_s = None
    if hnsw is None:
        hnsw, built_s = _hnsw(matrix)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # single queries are faster on one thread (anchors)
    try:
        flat_ms = percentiles(_per_query_ms(exact, queries)[0])
        saved_ef, rows = hnsw.hnsw.efSearch, []
        for ef in EF_SEARCH:
            hnsw.hnsw.efSearch = ef
            samples, found = _per_query_ms(hnsw, queries)
            hits = [len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]
            rows.append(
                {
                    "ef_search": ef,
                    "recall_at_10": round(float(np.mean(hits)), 4),
                    "latency_ms": percentiles(samples),
                }
            )
        hnsw.hnsw.efSearch = saved_ef
    finally:
        faiss.omp_set_num_threads(threads)
    return {
        "rows": len(matrix),
        "queries": len(queries),
        "hnsw_params": {"M": vectors.HNSW_M, "ef_construction": vectors.EF_CONSTRUCTION},
        "flat_ms": flat_ms,
        "hnsw_build_s": round(built_s, 1) if built_s is not None else None,
        "hnsw": rows,
    }


def recommend(sweeps: list[dict], current_threshold: int, current_ef: int) -> dict:
    """efSearch: the smallest reaching TARGET_RECALL at the largest size measured; threshold:
    the size where exact search costs EXACT_BUDGET_MS, extrapolated linearly (it scans all)."""
    if not sweeps:
        return {
            "approx_threshold": current_threshold,
            "ef_search": current_ef,
            "why": "no ANN measurement in this run; keeping the current settings",
        }
    largest = max(sweeps, key=lambda s: s["rows"])
    good = [r for r in largest["hnsw"] if r["recall_at_10"] >= TARGET_RECALL]
    best = good[0] if good else max(largest["hnsw"], key=lambda r: r["recall_at_10"])
    ms_per_row = largest["flat_ms"]["p50"] / largest["rows"]
    raw = EXACT_BUDGET_MS / ms_per_row if ms_per_row > 0 else current_threshold
    threshold = int(float(f"{raw:.2g}"))
    return {
        "approx_threshold": threshold,
        "ef_search": best["ef_search"],
        "recall_at_10": best["recall_at_10"],
        "hnsw_p50_ms": best["latency_ms"]["p50"],
        "measured_at_rows": largest["rows"],
        "exact_ms_per_100k": round(ms_per_row * 100_000, 2),
        "reaches_target_recall": bool(good),
        "current": {"approx_threshold": current_threshold, "ef_search": current_ef},
        "why": (
            f"exact search scans every row ({ms_per_row * 1e5:.1f} ms per 100k rows on one "
            f"thread), so it stays under {EXACT_BUDGET_MS:.0f} ms up to ≈{raw:,.0f} rows; above "
            f"that HNSW with efSearch={best['ef_search']} gives recall@10 "
            f"{best['recall_at_10']:.3f} in {best['latency_ms']['p50']:.2f} ms at "
            f"{largest['rows']:,} rows"
            + ("" if good else f" (below the {TARGET_RECALL} recall target at every efSearch)")
        ),
    }
