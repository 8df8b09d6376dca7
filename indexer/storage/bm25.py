"""BM25 over the two token streams ("accented" and "folded", see `indexer.vietnamese.keys`),
kept as bm25s files in the version folder."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

STREAMS = ("accented", "folded")


class Lexical:
    """Two BM25 indexes (accented and folded) over the same passage order."""

    def __init__(self, retrievers: dict[str, bm25s.BM25]):
        self.retrievers = retrievers

    @classmethod
    def build(cls, streams: dict[str, list[list[str]]]) -> Lexical:
        retrievers = {}
        for name, corpus in streams.items():
            retriever = bm25s.BM25(backend="numba")
            retriever.index([doc or [""] for doc in corpus], show_progress=False)
            retrievers[name] = retriever
        return cls(retrievers)

    def save(self, folder: Path) -> None:
        for name, retriever in self.retrievers.items():
            retriever.save(str(folder / f"bm25-{name}"))

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        return cls(
            {name: bm25s.BM25.load(str(folder / f"bm25-{name}"), mmap=False) for name in STREAMS}
        )

    def scores(self, stream: str, keys: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage (row order) for the query keys; zeros when none is known."""
        retriever = self.retrievers[stream]
        known = [k for k in dict.fromkeys(keys) if k in retriever.vocab_dict]
        n = int(retriever.scores["num_docs"])
        if not known:
            return np.zeros(n, dtype=np.float32)
        scores = retriever.get_scores(known)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return scores.astype(np.float32, copy=False)
