"""BM25 over the two token streams ("accented" and "folded", see `indexer.vietnamese.keys`),
kept as bm25s files in the version folder.

Statistics are kept per access level: besides the index over every passage, one over the
passages of documents at or below each lower level, so a caller's scores (document
frequencies, average length) never depend on documents above its level: adding a restricted
document leaves an anonymous caller's ranking exactly as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np

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
        lex = cls({name: bm25s.BM25.load(str(folder / f"bm25-{name}"), mmap=False)
                   for name in STREAMS}, top=_top(access))  # fmt: skip
        needed = lower_levels(access) if access is not None else []
        missing = []
        for level in needed:
            rows_file = folder / f"bm25-level{level}-rows.npy"
            if not rows_file.is_file():
                missing.append(level)
                continue
            lex.levels[level] = (np.load(rows_file), {
                name: bm25s.BM25.load(str(folder / f"bm25-level{level}-{name}"), mmap=False)
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
