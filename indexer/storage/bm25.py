"""BM25 over the two token streams ("accented" and "folded", see `indexer.vietnamese.keys`),
kept as bm25s files in the version folder.

Statistics are kept per access level: besides the index over every passage, one over the
passages of documents at or below each lower level, so a caller's scores (document
frequencies, average length) never depend on documents above its level: adding a restricted
document leaves an anonymous caller's ranking exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import bm25s
import numpy as np
from numba import njit

STREAMS = ("accented", "folded")
log = logging.getLogger(__name__)


def _build_one(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25(backend="numba")
    retriever.index([doc or [""] for doc in corpus], show_progress=False)
    return retriever


def lower_levels(access: np.ndarray) -> list[int]:
    """The levels below the highest that need their own statistics.

    >>> lower_levels(np.array([0, 2, 0, 1])), lower_levels(np.array([0, 0]))
    ([0, 1], [])
    """
    levels = sorted({int(a) for a in access})
    return levels[:-1]


def _top(access: np.ndarray | None) -> int | None:
    return int(access.max()) if access is not None and access.size else None


class Lexical:
    """Two BM25 indexes (accented and folded) over the same passage order, and the same over
    the rows each lower access level may see (`levels`: level → (rows, retrievers))."""

    def __init__(self, retrievers: dict[str, bm25s.BM25],
                 levels: dict[int, tuple[np.ndarray, dict[str, bm25s.BM25]]] | None = None,
                 top: int | None = None):  # fmt: skip
        self.retrievers = retrievers
        self.levels = levels or {}
        self.top = top  # the highest level of any row (None: unknown, one set of statistics)

    @classmethod
    def build(cls, streams: dict[str, list[list[str]]],
              access: np.ndarray | None = None) -> Lexical:  # fmt: skip
        """`access`: the access level of each row (None: one level)."""
        retrievers = {name: _build_one(corpus) for name, corpus in streams.items()}
        levels = {}
        for level in lower_levels(access) if access is not None else []:
            rows = np.flatnonzero(access <= level).astype(np.int64)
            levels[level] = (rows, {name: _build_one([corpus[r] for r in rows])
                                    for name, corpus in streams.items()})  # fmt: skip
        return cls(retrievers, levels, _top(access))

    def save(self, folder: Path) -> None:
        for name, retriever in self.retrievers.items():
            retriever.save(str(folder / f"bm25-{name}"))
        for level, (rows, retrievers) in self.levels.items():
            np.save(folder / f"bm25-level{level}-rows.npy", rows)
            for name, retriever in retrievers.items():
                retriever.save(str(folder / f"bm25-level{level}-{name}"))

    @classmethod
    def load(cls, folder: Path, access: np.ndarray | None = None, streams=None) -> Lexical:
        """The files in `folder`; with `access` (each row's level), a level whose files are
        missing (a version written before levels were kept) is built here from `streams()`."""
        lex = cls({name: bm25s.BM25.load(str(folder / f"bm25-{name}"), mmap=True)
                   for name in STREAMS}, top=_top(access))  # fmt: skip
        needed = lower_levels(access) if access is not None else []
        missing = []
        for level in needed:
            rows_file = folder / f"bm25-level{level}-rows.npy"
            if not rows_file.is_file():
                missing.append(level)
                continue
            lex.levels[level] = (np.load(rows_file), {
                name: bm25s.BM25.load(str(folder / f"bm25-level{level}-{name}"), mmap=True)
                for name in STREAMS})  # fmt: skip
        if missing and streams is not None:
            log.warning("%s has no BM25 statistics per access level; computed them now "
                        "(the next build writes them)", folder)  # fmt: skip
            lex.levels |= cls.build(streams(), access).levels
        return lex

    def _for(self, level: int | None) -> tuple[dict[str, bm25s.BM25], np.ndarray | None]:
        """The indexes a caller seeing up to `level` is scored with, and their rows (None:
        every row). A caller below every level sees no row."""
        if level is None or self.top is None or level >= self.top:
            return self.retrievers, None
        fitting = [lv for lv in self.levels if lv <= level]
        if not fitting:
            return {}, np.zeros(0, dtype=np.int64)
        rows, retrievers = self.levels[max(fitting)]
        return retrievers, rows

    def _query(self, stream: str, keys: list[str], level: int | None
               ) -> tuple[bm25s.BM25 | None, np.ndarray, np.ndarray | None]:  # fmt: skip
        """The retriever a caller at `level` is scored with, the query's known token ids (in
        query order, once each) and the retriever's rows (None: every row)."""
        retrievers, rows = self._for(level)
        retriever = retrievers.get(stream)
        if retriever is None:
            return None, np.zeros(0, dtype=np.int64), rows
        ids = [retriever.vocab_dict[k] for k in dict.fromkeys(keys) if k in retriever.vocab_dict]
        return retriever, np.asarray(ids, dtype=np.int64), rows

    def ranked(self, stream: str, keys: list[str], k: int, mask: np.ndarray | None = None,
            level: int | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """The k best rows (score > 0, best first, ties by row) and every row's score, in one
        pass over the query keys' postings (numba): the scores array then scores the dense
        candidates too, where a second `get_scores` cost 48 ms at 1M passages."""
        n = int(self.retrievers[stream].scores["num_docs"])
        retriever, ids, rows = self._query(stream, keys, level)
        if not ids.size or retriever.nonoccurrence_array is not None:  # BM25L/+: bm25s path
            scores = self.scores(stream, keys, mask, level)
            positive = np.flatnonzero(scores > 0)
            best = positive[np.lexsort((positive, -scores[positive]))][:k]
            return best.astype(np.int64), scores
        s, level_rows = retriever.scores, _or_empty(rows, np.int64)
        return _score_top(s["data"], s["indptr"], s["indices"], ids, n, level_rows,
                          _or_empty(mask, np.bool_), max(k, 0))  # fmt: skip

    def row_scores(self, stream: str, keys: list[str], rows: np.ndarray, mask: np.ndarray |
                   None = None, level: int | None = None) -> np.ndarray:  # fmt: skip
        """The same scores as `scores`, for `rows` only: each key's postings are searched for the
        rows (they are sorted), nothing is computed for the other passages."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float32)
        retriever, ids, level_rows = self._query(stream, keys, level)
        if not ids.size or not rows.size:
            return out
        if retriever.nonoccurrence_array is not None:
            return self.scores(stream, keys, mask, level)[rows]
        for hit, values in _postings(retriever, ids, rows, level_rows):
            out[hit] += values  # query order, as get_scores adds them (the same float32 sums)
        if mask is not None:
            out[~mask[rows]] = 0.0
        return out

    def keys_held(self, stream: str, keys: list[str], rows: np.ndarray, mask: np.ndarray |
                  None = None, level: int | None = None) -> np.ndarray:  # fmt: skip
        """How many of the (distinct) keys each of `rows` holds, a key counting where its own
        score is above 0: one pass over each key's postings for all the rows."""
        rows = np.asarray(rows, dtype=np.int64)
        held = np.zeros(len(rows), dtype=np.int64)
        retriever, ids, level_rows = self._query(stream, keys, level)
        if not ids.size or not rows.size:
            return held
        if retriever.nonoccurrence_array is not None:  # BM25L/+: every row scores; one by one
            for key in dict.fromkeys(keys):
                held += self.row_scores(stream, [key], rows, mask, level) > 0
            return held
        for hit, values in _postings(retriever, ids, rows, level_rows):
            held[hit] += values > 0
        if mask is not None:
            held[~mask[rows]] = 0
        return held

    def scores(self, stream: str, keys: list[str], mask: np.ndarray | None = None,
               level: int | None = None) -> np.ndarray:  # fmt: skip
        """BM25 score of every passage (row order) for the query keys, with the statistics of
        the passages a caller seeing up to `level` may see; zeros when no key is known."""
        n = int(self.retrievers[stream].scores["num_docs"])
        retrievers, rows = self._for(level)
        retriever = retrievers.get(stream)
        known = [k for k in dict.fromkeys(keys) if retriever and k in retriever.vocab_dict]
        if not known:
            return np.zeros(n, dtype=np.float32)
        scores = retriever.get_scores(known)
        if rows is not None:
            full = np.zeros(n, dtype=np.float32)
            full[rows] = scores
            scores = full
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return scores.astype(np.float32, copy=False)


def _postings(retriever: bm25s.BM25, ids: np.ndarray, rows: np.ndarray, level_rows:
              np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """For each token id: which of `rows` its postings hold, and their scores there. The
    postings are sorted by row, so each is searched, nothing is computed for other passages."""
    local, seen = rows, np.ones(len(rows), dtype=bool)
    if level_rows is not None:  # the level's own row numbers; rows it lacks score 0
        local = np.minimum(np.searchsorted(level_rows, rows), max(len(level_rows) - 1, 0))
        seen = level_rows[local] == rows if len(level_rows) else seen & False
    s = retriever.scores
    for t in ids:
        start, end = s["indptr"][t], s["indptr"][t + 1]
        postings = s["indices"][start:end]
        at = np.minimum(np.searchsorted(postings, local), max(end - start - 1, 0))
        hit = seen & (postings[at] == local) if end > start else seen & False
        yield hit, s["data"][start:end][at[hit]]


def _or_empty(array: np.ndarray | None, dtype) -> np.ndarray:
    return np.zeros(0, dtype=dtype) if array is None else np.ascontiguousarray(array, dtype=dtype)


@njit(nogil=True, cache=True)
def _score_top(data, indptr, indices, ids, n, level_rows, mask, k):  # pragma: no cover (numba)
    """Every row's BM25 score (postings added in query order, as bm25s does; a level's rows
    mapped back to the index's; rows outside `mask` 0) and the k best positive rows, best
    first, ties by row, kept in a min-heap while scanning the rows once."""
    scores = np.zeros(n, dtype=np.float32)
    mapped = level_rows.size > 0
    for t in ids:
        for j in range(indptr[t], indptr[t + 1]):
            row = level_rows[indices[j]] if mapped else indices[j]
            scores[row] += data[j]
    if mask.size > 0:
        for row in range(n):
            if not mask[row]:
                scores[row] = 0.0
    heap_s = np.empty(k, dtype=np.float32)
    heap_r = np.empty(k, dtype=np.int64)
    size = 0
    for row in range(n if k > 0 else 0):
        value = scores[row]
        if value <= 0.0 or (size == k and value <= heap_s[0]):
            continue  # a later row with an equal score ranks below the ones kept
        if size < k:
            pos = size
            size += 1
        else:  # drop the worst (root): move the last leaf up, sift it down, then add at the end
            pos = size - 1
            last_s, last_r = heap_s[pos], heap_r[pos]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= pos:
                    break
                if child + 1 < pos and _worse(heap_s[child + 1], heap_r[child + 1],
                                              heap_s[child], heap_r[child]):
                    child += 1
                if not _worse(heap_s[child], heap_r[child], last_s, last_r):
                    break
                heap_s[i], heap_r[i] = heap_s[child], heap_r[child]
                i = child
            heap_s[i], heap_r[i] = last_s, last_r
        while pos > 0:  # sift the new row up
            parent = (pos - 1) // 2
            if not _worse(value, row, heap_s[parent], heap_r[parent]):
                break
            heap_s[pos], heap_r[pos] = heap_s[parent], heap_r[parent]
            pos = parent
        heap_s[pos], heap_r[pos] = value, row
    return _by_score_then_row(heap_r[:size], scores), scores


@njit(nogil=True, cache=True)
def _worse(s1, r1, s2, r2):  # pragma: no cover (numba)
    return s1 < s2 or (s1 == s2 and r1 > r2)


@njit(nogil=True, cache=True)
def _by_score_then_row(best, scores):  # pragma: no cover (numba)
    """Insertion sort by (score desc, row asc): k is small."""
    out = best.copy()
    for i in range(1, out.size):
        row = out[i]
        j = i - 1
        while j >= 0 and (scores[out[j]] < scores[row]
                          or (scores[out[j]] == scores[row] and out[j] > row)):
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = row
    return out
