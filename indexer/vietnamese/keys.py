"""Lexical side: underthesea word segmentation into matching keys, and BM25 over two token streams.

The "accented" stream holds segmented words and their syllables in match_form (tones kept,
spelling variants reconciled); the "folded" stream holds diacritic-free syllables and syllable
bigrams, for queries typed without accents.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bm25s
import numpy as np

from .segment import words as word_tokenize
from .text import fold, nfc, syllable_key

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index() at DEBUG

_SYLLABLE = re.compile(r"\w+(?:[.,/]\d+)*%?", re.UNICODE)
STREAMS = ("accented", "folded")


def word_keys(text: str) -> list[str]:
    """Segmented compound words, syllables and syllable bigrams, in match form.

    >>> word_keys("thi hành kỷ luật") == word_keys("thi hành kỉ luật")
    True
    >>> len(word_keys("kỷ luật"))  # the compound and its two syllables
    3
    """
    keys: list[str] = []
    previous: str | None = None
    for word in word_tokenize(nfc(text)):
        syllables = [syllable_key(s) for s in _SYLLABLE.findall(word.lower())]
        if not syllables:
            previous = None
            continue
        compound = "_".join(syllables) if len(syllables) > 1 else None
        if compound:
            keys.append(compound)
        keys.extend(syllables)
        if previous is not None and f"{previous}_{syllables[0]}" != compound:
            keys.append(f"{previous}_{syllables[0]}")
        keys.extend(
            f"{a}_{b}"
            for a, b in zip(syllables, syllables[1:], strict=False)
            if f"{a}_{b}" != compound
        )
        previous = syllables[-1]
    return keys


def folded_keys(text: str) -> list[str]:
    """Diacritic-free syllables and adjacent-syllable bigrams.

    >>> folded_keys("Đảng viên")
    ['dang', 'vien', 'dang_vien']
    """
    syllables = _SYLLABLE.findall(fold(text))
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


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
