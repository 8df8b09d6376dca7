"""The two rankings a search fuses (lexical and dense), behind one interface per backend.

Rows are positions in the index version's passage order (pids ascending). The in-process
backend keeps FAISS and bm25s files in the version folder; the Milvus backend
(`milvus`) asks a Milvus collection. `Index` fuses either the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import IndexCorrupt
from ..model import Filters
from . import bm25 as lexical
from . import faiss as vectors
from .manifest import Manifest


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int = 60
) -> dict[int, float]:
    """Weighted reciprocal rank fusion of ranked id lists.

    >>> sorted(rrf([[1, 2], [2, 3]], [1.0, 1.0], k=0).items())
    [(1, 1.0), (2, 1.5), (3, 0.5)]
    """
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return fused


@dataclass(frozen=True)
class Scope:
    """Which rows a search may return: the caller's filters, and the same as a row mask
    computed from the catalogue (None = every row)."""

    filters: Filters
    mask: np.ndarray | None
    allowed_docs: frozenset[str] | None  # documents passing the filters (None = all)


@dataclass(frozen=True)
class Ranking:
    rows: list[int]  # best first
    scores: list[float]
    # the same score for rows outside the ranking (the other ranking's candidates)
    score_of: Callable[[list[int]], list[float]] = lambda rows: [0.0] * len(rows)

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.rows, self.scores, strict=True))


class Retriever(Protocol):
    backend: str

    def lexical(self, stream: str, keys: list[str], n: int, scope: Scope) -> Ranking: ...

    def dense(self, vector: np.ndarray, n: int, scope: Scope) -> Ranking: ...

    def keys_held(self, stream: str, keys: list[str], rows: list[int], scope: Scope
                  ) -> list[int]: ...  # fmt: skip

    def hybrid_rrf(
        self, stream: str, keys: list[str], vector: np.ndarray, n: int, k: int, scope: Scope
    ) -> dict[int, float]: ...

    def close(self) -> None: ...


class FaissRetriever:
    """FAISS (exact or HNSW) and two bm25s indexes, loaded into this process."""

    backend = "faiss"

    def __init__(self, faiss_index, lex: lexical.Lexical):
        self.faiss, self.lex = faiss_index, lex

    @classmethod
    def load(cls, folder: Path, manifest: Manifest, pids: np.ndarray,
             access: np.ndarray | None = None, streams=None) -> FaissRetriever:  # fmt: skip
        """`access`: each row's access level, for BM25 statistics per level (see bm25.py)."""
        try:
            stored = np.load(folder / "pids.npy")
            lex = lexical.Lexical.load(folder, access, streams)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(f"{folder} is incomplete ({exc}); rebuild the index") from exc
        if not np.array_equal(stored, pids):
            raise IndexCorrupt(
                f"{folder / 'pids.npy'} does not list the catalogue's passages; rebuild the index"
            )
        lexical_rows = {int(r.scores["num_docs"]) for r in lex.retrievers.values()}
        if lexical_rows != {len(pids)}:
            raise IndexCorrupt(
                f"{folder} is inconsistent: BM25 holds {sorted(lexical_rows)} rows, the "
                f"catalogue {len(pids)} passages; rebuild the index"
            )
        return cls(vectors.load(folder, manifest.dim, len(pids)), lex)

    def lexical(self, stream: str, keys: list[str], n: int, scope: Scope) -> Ranking:
        level = scope.filters.access
        if n <= 0:  # only other rows to score (a word's share): from the postings, no pass
            return Ranking([], [], lambda more: self.lex.row_scores(
                stream, keys, np.asarray(more, dtype=np.int64), scope.mask, level).tolist())
        # one pass, with the statistics of what the caller may see; its scores array then
        # scores the dense candidates too
        best, scores = self.lex.ranked(stream, keys, n, scope.mask, level)
        rows = [int(r) for r in best]
        return Ranking(
            rows, [float(scores[r]) for r in rows], lambda more: [float(scores[r]) for r in more]
        )

    def dense(self, vector: np.ndarray, n: int, scope: Scope) -> Ranking:
        scores, rows = vectors.search(self.faiss, vector, n, scope.mask)
        return Ranking(
            [int(r) for r in rows],
            [float(s) for s in scores],
            lambda more: vectors.scores(self.faiss, vector, more) if more else [],
        )

    def keys_held(self, stream: str, keys: list[str], rows: list[int], scope: Scope
                  ) -> list[int]:  # fmt: skip
        """How many of the distinct `keys` each row holds (where that key alone scores)."""
        return self.lex.keys_held(stream, keys, np.asarray(rows, dtype=np.int64), scope.mask,
                                  scope.filters.access).tolist()  # fmt: skip

    def hybrid_rrf(
        self, stream: str, keys: list[str], vector: np.ndarray, n: int, k: int, scope: Scope
    ) -> dict[int, float]:
        lex, dense = self.lexical(stream, keys, n, scope), self.dense(vector, n, scope)
        return rrf([lex.rows, dense.rows], [1.0, 1.0], k)

    def close(self) -> None:
        pass
