"""Exact vs approximate search: recall@10 and latency by search effort, per index type and
size, and the threshold they suggest."""

from __future__ import annotations

import time
from dataclasses import dataclass

import faiss
import numpy as np

from ..storage import faiss as vectors
from .service import percentiles

EF_SEARCH = (32, 64, 128, 256, 512)
NPROBE = (4, 8, 16, 32, 64)
K = 10
TARGET_RECALL = 0.95
EXACT_BUDGET_MS = 10.0  # a quarter of the 40 ms query budget may go to the dense search
TIE = 1e-5  # a row scoring within this of the 10th best is as good as it (duplicates)


@dataclass(frozen=True)
class Spec:
    """One approximate index to measure: `kind` hnsw (m, ef_construction), ivf (nlist) or
    ivfpq (nlist, m bytes per vector, refined over the stored vectors)."""

    kind: str
    m: int = 32
    ef_construction: int = 40
    nlist: int = 1024

    @property
    def name(self) -> str:
        if self.kind == "hnsw":
            return f"HNSW M={self.m} efC={self.ef_construction}"
        if self.kind == "ivf":
            return f"IVF{self.nlist},Flat"
        return f"IVF{self.nlist},PQ{self.m} + refine"


def served_spec(n: int) -> Spec:
    """The approximate index `vectors.build` makes for n rows above the threshold."""
    if vectors.APPROX == "ivf":
        return Spec("ivf", nlist=vectors.nlist_for(n))
    return Spec("hnsw", vectors.HNSW_M, vectors.EF_CONSTRUCTION)


def make(spec: Spec, matrix: np.ndarray) -> faiss.Index:
    """The index a spec describes, built over `matrix` (IVF trained on a sample)."""
    dim = matrix.shape[1]
    if spec.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, spec.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec.ef_construction
    else:
        index = vectors.ivf(dim, spec.nlist, pq=spec.m if spec.kind == "ivfpq" else None)
        vectors.train(index, matrix)
    index.add(matrix)
    return index


def knob(index: faiss.Index) -> tuple[str, tuple[int, ...]]:
    """The search-effort parameter of an index type and the values swept."""
    if isinstance(vectors.hnsw_of(index), faiss.IndexHNSW):
        return "ef_search", EF_SEARCH
    if vectors.ivf_of(index) is not None:
        return "nprobe", NPROBE
    return "exact", (0,)


def _set(index: faiss.Index, name: str, value: int) -> None:
    if name == "ef_search":
        vectors.hnsw_of(index).hnsw.efSearch = value
    elif name == "nprobe":
        vectors.ivf_of(index).nprobe = value


def _per_query_ms(index, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    samples, found = [], []
    for q in queries:
        started = time.perf_counter()
        found.append(index.search(q.reshape(1, -1), K)[1][0])
        samples.append((time.perf_counter() - started) * 1000)
    return samples, np.array(found)


def tie_recall(found: np.ndarray, matrix: np.ndarray, queries: np.ndarray,
               kth: np.ndarray) -> float:  # fmt: skip
    """Recall@10 that counts a returned row as right when it scores at least the exact 10th
    best: a recombined corpus holds exact duplicates, and which of equal rows exact search
    returns is arbitrary.

    >>> m = np.eye(3, dtype=np.float32); q = m[:1]
    >>> tie_recall(np.array([[0, 1]]), m, q, np.array([0.0]))
    1.0
    """
    hits = []
    for rows, q, floor in zip(found, queries, kth, strict=True):
        rows = rows[rows >= 0]
        hits.append(int((matrix[rows] @ q >= floor - TIE).sum()) / found.shape[1])
    return float(np.mean(hits))


def sweep(matrix: np.ndarray, queries: np.ndarray, index=None, spec: Spec | None = None) -> dict:
    """Recall@10 (tie-aware) of an approximate index against exact search, and single-query
    latency (1 OMP thread), over its search-effort values; `index` is built from `spec`
    (default: the HNSW `vectors.build` used to make) when not given."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact = faiss.IndexFlatIP(matrix.shape[1])
    exact.add(matrix)
    kth = exact.search(queries, K)[0][:, K - 1]
    built_s = None
    if index is None:
        spec = spec or served_spec(len(matrix))
        started = time.perf_counter()
        index = make(spec, matrix)
        built_s = time.perf_counter() - started
    name, values = knob(index)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # single queries are faster on one thread (anchors)
    rows = []
    try:
        flat_ms = percentiles(_per_query_ms(exact, queries)[0])
        for value in values:
            _set(index, name, value)
            samples, found = _per_query_ms(index, queries)
            rows.append({name: value, "recall_at_10": round(tie_recall(found, matrix, queries,
                         kth), 4), "latency_ms": percentiles(samples)})  # fmt: skip
    finally:
        faiss.omp_set_num_threads(threads)
        vectors.tune(index)  # back to the search effort the service uses
    return {
        "rows": len(matrix),
        "queries": len(queries),
        "index": spec.name if spec else type(index).__name__,
        "knob": name,
        "flat_ms": flat_ms,
        "build_s": round(built_s, 1) if built_s is not None else None,
        "sweep": rows,
    }


def recommend(sweeps: list[dict], current_threshold: int) -> dict:
    """The threshold: the size where exact search costs EXACT_BUDGET_MS, extrapolated linearly
    (it scans all); and, at the largest size, the least effort reaching TARGET_RECALL."""
    if not sweeps:
        return {"approx_threshold": current_threshold,
                "why": "no ANN measurement in this run; keeping the current settings"}  # fmt: skip
    largest = max(sweeps, key=lambda s: s["rows"])
    ms_per_row = largest["flat_ms"]["p50"] / largest["rows"]
    raw = EXACT_BUDGET_MS / ms_per_row if ms_per_row > 0 else current_threshold
    threshold = int(float(f"{raw:.2g}"))
    good = [r for r in largest["sweep"] if r["recall_at_10"] >= TARGET_RECALL]
    best = good[0] if good else max(largest["sweep"], key=lambda r: r["recall_at_10"])
    knob_name = largest["knob"]
    return {
        "approx_threshold": threshold,
        "index": largest["index"],
        knob_name: best[knob_name],
        "recall_at_10": best["recall_at_10"],
        "p50_ms": best["latency_ms"]["p50"],
        "measured_at_rows": largest["rows"],
        "exact_ms_per_100k": round(ms_per_row * 100_000, 2),
        "reaches_target_recall": bool(good),
        "current": {"approx_threshold": current_threshold},
        "why": (
            f"exact search scans every row ({ms_per_row * 1e5:.1f} ms per 100k rows on one "
            f"thread), so it stays under {EXACT_BUDGET_MS:.0f} ms up to ≈{raw:,.0f} rows; "
            f"{largest['index']} with {knob_name}={best[knob_name]} gives recall@10 "
            f"{best['recall_at_10']:.3f} in {best['latency_ms']['p50']:.2f} ms at "
            f"{largest['rows']:,} rows"
            + ("" if good else f" (below the {TARGET_RECALL} recall target at every setting)")
        ),
    }
