"""`vankien bench` in miniature: the report has every documented number, and they are sane."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.bench import quick_config, run_bench
from indexer.bench.ann import EF_SEARCH, NPROBE, recommend, served_spec
from indexer.bench.corpus import Pool, Sentence, synthesize
from indexer.bench.embeddings import extend
from indexer.bench.service import percentiles
from indexer.config import Settings

pytestmark = pytest.mark.slow  # the benchmark, with a service

DATA = Path(__file__).parent / "data"


def test_percentiles_are_ordered():
    stats = percentiles([float(x) for x in range(1, 101)])
    assert stats["p50"] <= stats["p95"] <= stats["p99"] <= 100
    assert stats["p50"] == pytest.approx(50.5)


def test_extended_vectors_keep_the_real_rows_and_are_unit_length():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((5, 8)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    for mode in ("mixed", "random"):
        rows = extend(base, 50, mode, 8)
        assert np.array_equal(rows[:5], base)
        assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    mixed = extend(base, 2000, "mixed", 8)[5:]
    # mixtures of two real vectors stay close to the real ones; random vectors do not
    assert (mixed @ base.T).max(axis=1).mean() > 0.6


def test_synthetic_passages_are_made_of_one_to_three_real_sentences():
    pool = Pool([], [Sentence(f"Câu số {i}.", 0, "", (), ()) for i in range(7)])
    synthetic = synthesize(pool, 450)
    assert len(synthetic.parts) == 450 and synthetic.docs == 3
    assert {len(p) for p in synthetic.parts} == {1, 2, 3}


def test_recommendation_follows_the_measurements():
    def row(ef, recall, ms):
        return {"ef_search": ef, "recall_at_10": recall, "latency_ms": {"p50": ms}}

    sweep = {
        "rows": 100_000,
        "index": "HNSW M=32 efC=40",
        "knob": "ef_search",
        "flat_ms": {"p50": 8.0},
        "sweep": [row(32, 0.80, 0.3), row(64, 0.93, 0.5), row(128, 0.97, 0.9), row(256, 0.99, 1.7)],
    }
    advice = recommend([sweep], 200_000)
    assert advice["ef_search"] == 128  # the smallest efSearch with recall ≥ 0.95
    assert advice["approx_threshold"] == 120_000  # 10 ms of exact scan at 0.08 ms per 1k rows
    assert advice["reaches_target_recall"]


def test_quick_bench_reports_every_number(tmp_path):
    config = quick_config(
        tmp_path / "out",
        sizes=(1_000,),
        embed_count=0,
        held_out=5,
        requests=6,
        clients=(1, 2),
        queries=12,
        warm_requests=2,
        indexing_folders=(DATA / "sample.md",),
        sentence_folders=(DATA,),
        cache=tmp_path / "cache",
        settings=Settings(threads=2),
    )
    result = run_bench(config, say=lambda _: None)
    saved = json.loads((tmp_path / "out" / "bench.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(result))

    indexing = result["indexing"]
    assert indexing["passages"] > 0 and indexing["passages_per_s"] > 0
    assert sum(indexing["share"].values()) == pytest.approx(1.0, abs=0.01)
    assert indexing["peak_rss_mb"] > 50 and indexing["bytes_per_1000_passages"] > 0

    (size,) = result["sizes"]
    assert size["passages"] == 1_000 and size["faiss"] == "IndexFlatIP"
    for route in ("search", "ask"):
        for clients in ("1", "2"):
            run = size["latency"][route][clients]
            assert run["errors"] == 0 and run["requests"] == 6
            assert 0 < run["p50"] <= run["p95"] <= run["p99"]
    floors = size["floors"]
    for name in ("embed_query_ms", "faiss_ms", "lexical_ms"):
        assert 0 < floors[name]["p50"] <= floors[name]["p95"]
    assert floors["plan_ms"]["p50"] > 0 and floors["sum_p95_ms"] >= floors["sum_p50_ms"]
    assert size["overhead"]["ratio"] > 0
    assert size["overhead"]["ratio_p50_p50"] > 0 and size["overhead"]["ratio_p95_p95"] > 0
    again = size["latency"]["search_repeated"]["1"]  # the same questions: kept vectors, rankings
    assert again["errors"] == 0 and again["p50"] < size["latency"]["search"]["1"]["p50"]
    http = size["latency"]["healthz"]["1"]  # the bare round trip, for scale
    assert http["errors"] == 0 and 0 < http["p50"] < size["latency"]["search"]["1"]["p50"]
    assert size["memory"]["rss_mb"] > 0 and size["memory"]["ratio"] > 0
    cold = size["latency"]["cold_start"]  # the service answers before it is healthy
    assert 0 < cold["first_answer_s"] <= cold["healthy_s"]
    ann = size["ann"]  # below the threshold: the type served above it, built to be measured
    assert ann["index"] == served_spec(1_000).name and ann["queries"] == 12 + 5
    assert [r[ann["knob"]] for r in ann["sweep"]] == list(EF_SEARCH if ann["knob"] ==
                                                          "ef_search" else NPROBE)  # fmt: skip
    assert all(0 <= r["recall_at_10"] <= 1 for r in ann["sweep"])
    assert result["recommendation"]["approx_threshold"] > 0

    png = (tmp_path / "out" / "bench.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "1,000" in (tmp_path / "out" / "bench.md").read_text(encoding="utf-8")


def test_backend_bench_indexes_are_served_like_built_ones(corpus, tmp_path):
    """`vankien bench-backends` recombines a built index's passages; the result opens, and its
    passages keep their words (highlights without segmenting, as in a built index)."""
    from indexer.bench.backends import synthesise
    from indexer.build import build_index
    from indexer.query.index import Index
    from tests.toy import ToyEmbedder

    settings = Settings(index=tmp_path / "source", model="toy")
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    made = synthesise(settings.index, tmp_path / "made", 200, "faiss")
    assert made["passages"] == 200
    index = Index.open(tmp_path / "made", settings.model_copy(update={"index": tmp_path / "made"}),
                       embedder=ToyEmbedder())  # fmt: skip
    kept = index.db.execute("SELECT count(words) FROM passages").fetchone()[0]
    assert kept >= 0.9 * 200
    assert any(h.highlights for h in index.search("kết nạp đảng viên").hits)
