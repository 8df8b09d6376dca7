"""Dense side: a FAISS index whose row i is the passage at row i of the index's passage order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexCorrupt

FILE = "vectors.faiss"
# HNSW above the threshold: on 100k bench vectors efConstruction 100 instead of 40 gained
# ≤ 0.03 recall@10 for 3× the build time; efSearch 256 gave 0.90 (question vectors) to 0.97
# (passage vectors) at 1.7 ms per query, 128 gave 0.86–0.95 at 1.0 ms (docs/speed.md, benchmarks).
HNSW_M, EF_CONSTRUCTION, EF_SEARCH = 32, 40, 256


def build(vectors: np.ndarray, approx_threshold: int) -> faiss.Index:
    """Exact inner-product search below `approx_threshold` rows, HNSW above (measured choice)."""
    n, dim = vectors.shape if vectors.size else (0, vectors.shape[1])
    if n < approx_threshold:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.hnsw.efSearch = EF_SEARCH
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save(index: faiss.Index, folder: Path) -> None:
    faiss.write_index(index, str(folder / FILE))


def load(folder: Path, dim: int, count: int) -> faiss.Index:
    """Load and check the vector file against the manifest (dimension, row count)."""
    try:
        index = faiss.read_index(str(folder / FILE))
    except RuntimeError as exc:
        raise IndexCorrupt(f"{folder / FILE} cannot be read ({exc}); rebuild the index") from exc
    if index.d != dim or index.ntotal != count:
        raise IndexCorrupt(
            f"{folder / FILE} holds {index.ntotal}×{index.d} vectors, the manifest says "
            f"{count}×{dim}; rebuild the index"
        )
    return index


def search(
    index: faiss.Index, query: np.ndarray, k: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, rows) for one query vector, restricted to rows where `mask` is True."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    params = None
    if mask is not None:
        bitmap = np.packbits(mask.astype(np.uint8), bitorder="little")
        params = faiss.SearchParameters(
            sel=faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        )
    with _one_thread():
        scores, rows = index.search(query, k, params=params)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]


@contextmanager
def _one_thread() -> Iterator[None]:
    """One query runs faster on one OpenMP thread (bench: 13 vs 17–22 ms for an exact scan of
    100k rows on 2 cores), and leaves the other core to a concurrent request. The count is
    per calling thread in OpenMP, so builds and other threads keep theirs."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def scores(index: faiss.Index, query: np.ndarray, rows: list[int]) -> list[float]:
    """Inner products of the query with the stored vectors at `rows`."""
    stored = index.reconstruct_batch(np.asarray(rows, dtype=np.int64))
    return [float(x) for x in stored @ query.astype(np.float32)]
