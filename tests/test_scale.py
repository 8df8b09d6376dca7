"""Search at scale keeps its answers: BM25 in one pass, document preferences for the
candidates only, the FAISS index type chosen by size and memory-mapped at load."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest

from indexer.bench import embeddings
from indexer.bench.embeddings import cached_prefix, composed
from indexer.build import build_index
from indexer.config import Settings
from indexer.model import Filters
from indexer.query import facets as facet_counts
from indexer.query import fusion
from indexer.query.index import Index
from indexer.query.search import plan
from indexer.storage import faiss as vectors
from indexer.storage.bm25 import Lexical
from indexer.vietnamese.text import fold
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"
WORDS = ["đảng_viên", "kỷ_luật", "chi_bộ", "kết_nạp", "nghị_quyết", "kiểm_tra", "xã", "tỉnh",
         "năm", "2024", "báo_cáo", "thôn", "cán_bộ", "học_tập", "triển_khai"]  # fmt: skip


def _two_pass(lex: Lexical, keys, k, mask, level):
    """The search before the one-pass change: every row's scores (bm25s `get_scores`), top k
    of them, and a second full pass to score other rows."""
    scores = lex.scores("accented", keys, mask, level)
    positive = np.flatnonzero(scores > 0)
    best = positive[np.lexsort((positive, -scores[positive]))][:k]
    return best, lex.scores("accented", keys, mask, level)


@pytest.fixture(scope="module")
def toy_lexical():
    rng = np.random.default_rng(7)
    weights = 1 / np.arange(1, len(WORDS) + 1)
    corpus = [list(rng.choice(WORDS, size=int(rng.integers(1, 12)), p=weights / weights.sum()))
              for _ in range(400)]  # fmt: skip
    access = rng.integers(0, 3, len(corpus))
    lex = Lexical.build({"accented": corpus, "folded": corpus}, access)
    return lex, access, rng


def test_one_pass_lexical_equals_the_two_pass_scores(toy_lexical):
    lex, access, rng = toy_lexical
    for trial in range(60):
        keys = list(rng.choice(WORDS, size=int(rng.integers(1, 5)))) + ["không_có"]
        level = (None, 0, 1, 2)[trial % 4]
        mask = rng.random(len(access)) < 0.6 if trial % 3 == 0 else None
        best, scores = lex.ranked("accented", keys, 25, mask, level)
        old_best, old_scores = _two_pass(lex, keys, 25, mask, level)
        assert np.array_equal(scores, old_scores)  # the same float32 sums, row for row
        assert best.tolist() == old_best.tolist()
        others = rng.integers(0, len(access), 30)
        assert np.array_equal(lex.row_scores("accented", keys, others, mask, level),
                              old_scores[others])  # fmt: skip
        if level is not None and level < 2:  # nothing above the caller's level counts
            assert (access[best] <= level).all() and not scores[access > level].any()


def test_keys_held_counts_the_keys_that_score_alone(toy_lexical):
    """A search's word share reads the postings once for all its keys: the same counts as one
    scoring per key (a key held where that key alone scores above 0)."""
    lex, access, rng = toy_lexical
    for trial in range(40):
        keys = list(dict.fromkeys(rng.choice(WORDS, size=int(rng.integers(1, 6))))) + ["không_có"]
        level = (None, 0, 1, 2)[trial % 4]
        mask = rng.random(len(access)) < 0.6 if trial % 3 == 0 else None
        rows = rng.integers(0, len(access), 40)
        one_by_one = sum((lex.row_scores("accented", [key], rows, mask, level) > 0).astype(int)
                         for key in keys)  # fmt: skip
        held = lex.keys_held("accented", keys, rows, mask, level)
        assert held.tolist() == one_by_one.tolist()
        assert held.max() > 0 or mask is not None or level is not None


def test_a_query_of_unknown_words_ranks_nothing(toy_lexical):
    lex, access, _ = toy_lexical
    best, scores = lex.ranked("accented", ["không_có"], 10)
    assert best.size == 0 and not scores.any() and len(scores) == len(access)


@pytest.fixture(scope="module")
def periods(tmp_path_factory) -> Index:
    folder = tmp_path_factory.mktemp("scale")
    text = (DATA / "word_export.txt").read_text(encoding="utf-8")
    shutil.copy(DATA / "word_export.txt", folder / "bc-2024.txt")
    (folder / "bc-2023.txt").write_text(text.replace("2024", "2023"), encoding="utf-8")
    (folder / "bc-2022.txt").write_text(text.replace("2024", "2022"), encoding="utf-8")
    settings = Settings(index=folder / "index", model="toy", dense_match=-1.0)
    build_index([folder], settings.index, settings, embedder=ToyEmbedder())
    return Index.open(settings.index, settings, embedder=ToyEmbedder())


def test_document_boosts_for_the_candidates_equal_those_over_every_document(periods):
    q = plan("số đảng viên bị kỷ luật 6 tháng đầu năm 2023")
    fused, _, _ = periods._fuse(q, periods._scope(Filters()))
    folded = f" {fold(q.text)} "
    every = {d: fusion.document_factor(q, folded, keys, periods.settings)
             for d, keys in periods.doc_keys.items()}  # fmt: skip
    candidates = set(map(str, (periods.doc_of[r] for r in fused)))
    assert len(every) == 3 and any(f != 1.0 for f in every.values())
    raw = {r: 1.0 + r / 1000 for r in fused}  # any candidate scores
    old = {r: score * every[periods.doc_of[r]] for r, score in raw.items()}
    assert list(periods._boost_documents(q, raw).items()) == list(old.items())  # order too
    assert candidates <= set(every)


def test_passages_per_document_count_like_a_counter_in_ranking_order(periods):
    """The facets' counts per document, made with arrays: the same counts, listed in the order
    of each document's first passage in the ranking (the first one names a shared value)."""
    documents = []
    for query in ("số đảng viên bị kỷ luật", "ket nap dang vien", "Nghị quyết 35-NQ/TW"):
        q = plan(query)
        ranked = periods._matching(q, periods._ranked(q, Filters()))
        expected = dict(Counter(periods.doc_of[r] for r in ranked))
        docs, passages = periods._passages_per_doc(q, Filters())
        found = [(periods.doc_names[d], n)
                 for d, n in zip(docs.tolist(), passages.tolist(), strict=True)]
        assert found == list(expected.items()), query
        documents.append(len(found))
    assert max(documents) == 3  # the order is tested, not only the counts


def test_facets_counted_in_arrays_are_those_of_counting_each_document(periods):
    """Each facet value's passages, counted with arrays, equal a count document by document
    (a key's value named as its first document in the ranking), with and without a query
    and a filter."""
    shown = facet_counts.shown_values(periods.docs)
    year = periods.docs[str(periods.doc_of[0])].year
    for query, filters in (("số đảng viên bị kỷ luật", Filters()), ("ket nap dang vien", Filters()),
                           ("Nghị quyết 35-NQ/TW", Filters()), (None, Filters()),
                           ("kết nạp đảng viên", Filters(year=year))):  # fmt: skip
        q = plan(query) if query else None
        expected = {}
        for name in facet_counts.FIELDS:
            others = replace(filters, **{name: None})
            if q is None:
                per_doc = {d.doc_id: d.passages for d in periods.documents(others)}
            else:
                ranked = periods._matching(q, periods._ranked(q, others))
                per_doc = dict(Counter(str(periods.doc_of[r]) for r in ranked))
            counts, labels = Counter(), {}
            for doc_id, n in per_doc.items():
                if n and doc_id in shown[name]:
                    key, value = shown[name][doc_id]
                    labels.setdefault(key, value)
                    counts[key] += n
            expected[name] = sorted(((labels[k], n) for k, n in counts.items()),
                                    key=lambda item: (-item[1], str(item[0])))  # fmt: skip
        found = periods.facets(query, filters)
        assert found == expected, (query, filters)
        assert any(found.values()), query


def test_a_callers_scope_holds_exactly_its_documents_rows(periods):
    year = periods.docs[str(periods.doc_of[0])].year
    scope = periods._scope(Filters(year=year))
    expected = [periods.docs[str(d)].year == year for d in periods.doc_of]
    assert scope.mask.tolist() == expected and 0 < scope.mask.sum() < len(expected)


def _unit(n: int, dim: int = 32) -> np.ndarray:
    rows = np.random.default_rng(n).standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(params=["hnsw", "ivf"])
def approx_kind(request, monkeypatch):
    """Both approximate types `build` can be set to, whichever is chosen."""
    monkeypatch.setattr(vectors, "APPROX", request.param)
    return request.param


def test_the_index_type_follows_the_size(approx_kind):
    small, large = _unit(500), _unit(3000)
    assert isinstance(vectors.build(small, approx_threshold=1000), faiss.IndexFlatIP)
    approx = vectors.build(large, approx_threshold=1000)
    expected = faiss.IndexIVFFlat if vectors.APPROX == "ivf" else faiss.IndexHNSWFlat
    assert isinstance(faiss.downcast_index(approx), expected)
    if vectors.APPROX == "ivf":
        assert vectors.ivf_of(approx).nprobe == vectors.NPROBE
        assert vectors.ivf_of(approx).nlist == vectors.nlist_for(3000)
    odd = np.arange(3000) % 2 == 1
    for i, q in enumerate(large[:20]):  # a stored vector finds itself first, and the mask holds
        assert vectors.search(approx, q, 5)[1][0] == i
        rows = vectors.search(approx, q, 5, odd)[1]
        assert len(rows) == 5 and (rows % 2 == 1).all() and (i % 2 == 0 or rows[0] == i)


@pytest.mark.parametrize("threshold", [10_000, 1_000])  # exact, then approximate
def test_memory_mapped_index_returns_the_same_results(tmp_path, threshold, approx_kind):
    matrix = _unit(3000)
    index = vectors.build(matrix, threshold)
    vectors.save(index, tmp_path)
    loaded = vectors.load(tmp_path, 32, 3000)
    assert type(faiss.downcast_index(loaded)) is type(faiss.downcast_index(index))
    mask = np.arange(3000) % 3 != 0
    for q in _unit(25, 32):
        for m in (None, mask):
            got, want = vectors.search(loaded, q, 10, m), vectors.search(index, q, 10, m)
            assert np.array_equal(got[1], want[1]) and np.allclose(got[0], want[0])
    assert vectors.scores(loaded, matrix[0], [0, 5]) == pytest.approx(
        vectors.scores(index, matrix[0], [0, 5]))


def test_composed_bench_vectors_keep_real_rows_and_one_sentence_passages():
    sentences = _unit(6, 8)
    real = _unit(2, 8)
    parts = [(0, 1), (2,), (3,), (1, 4, 5), (5,)]
    rows = composed(parts, sentences, real)
    assert np.array_equal(rows[:2], real)  # really embedded rows first
    assert np.array_equal(rows[2], sentences[3]) and np.array_equal(rows[4], sentences[5])
    summed = sentences[[1, 4, 5]].sum(0)
    assert np.allclose(rows[3], summed / np.linalg.norm(summed))


def test_bench_embeddings_resume_from_the_cached_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(embeddings, "EMBED_CHUNK", 3)
    texts = [f"câu số {i % 5}" for i in range(9)]  # 5 distinct texts
    toy = ToyEmbedder()
    assert len(cached_prefix(texts, toy, tmp_path)) == 0  # nothing cached, nothing embedded
    full = cached_prefix(texts, toy, tmp_path, embed_missing=True)
    assert len(toy.embedded) == 5 and np.array_equal(full, toy.embed_queries(texts))
    again = ToyEmbedder()
    assert np.array_equal(cached_prefix(texts, again, tmp_path), full) and not again.embedded
    (next(tmp_path.glob("chunks/*.npy"))).unlink()  # one chunk lost: the prefix before it
    assert len(cached_prefix(texts, again, tmp_path)) < len(texts)
