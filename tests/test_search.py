"""Retrieval as users meet it: spelling variants, unaccented queries, cited numbers, periods."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import Settings
from indexer.embed import QueryCache
from indexer.model import Filters
from indexer.query.index import Index
from indexer.query.search import highlight_spans, plan
from indexer.recent import Recent
from indexer.storage import catalogue
from indexer.storage.retrieval import rrf
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"


def _top_ids(index, query, k=3):
    return [h.passage.id for h in index.search(query, k=k).hits]


def test_unaccented_query_finds_the_same_passage(web_index):
    accented = _top_ids(web_index, "thi hành kỷ luật đảng viên vi phạm", 1)
    assert _top_ids(web_index, "thi hanh ky luat dang vien vi pham", 1) == accented
    hit = web_index.search("thi hanh ky luat dang vien", k=1).hits[0]
    marked = [hit.passage.text[a:b] for a, b in hit.highlights]
    assert any("kỷ luật" in m for m in marked) and any("thi" in m for m in marked)


@pytest.mark.parametrize(
    ("written", "variant"),
    [
        ("nhà văn hóa thôn", "nhà văn hoá thôn"),
        ("Ủy ban Kiểm tra", "Uỷ ban Kiểm tra"),
        ("tỷ lệ hộ gia đình", "tỉ lệ hộ gia đình"),
    ],
)
def test_spelling_variants_find_the_same_passages(web_index, written, variant):
    ranked = [[h.passage.id for h in web_index.search(q, k=3, matching=False).hits]
              for q in (written, variant)]  # fmt: skip
    assert ranked[0] == ranked[1]
    # every passage holding all the words matches both spellings (the embedder sees the two
    # spellings a little apart, so a passage matching by meaning alone may sit on the threshold)
    found = [web_index.search(q, k=50) for q in (written, variant)]
    holding = [{h.passage.id for h in f.hits if h.score >= web_index.settings.lexical_weight}
               for f in found]
    assert holding[0] == holding[1] and holding[0]


def test_document_number_finds_every_passage_citing_it(web_index):
    hits = web_index.search("Nghị quyết 35-NQ/TW", k=5).hits
    citing = [h for h in hits if "35-NQ/TW" in h.passage.text]
    assert len(citing) >= 2
    assert hits[0].passage.text.count("35-NQ/TW") >= 1
    typed = web_index.search("nghi quyet 35-nq/tw", k=5).hits
    assert {h.passage.id for h in typed[:2]} == {h.passage.id for h in citing[:2]}


def test_footnote_hit_carries_the_sentence_that_cites_it(web_index):
    hit = next(
        h
        for h in web_index.search("đoàn viên thanh niên dân tộc thiểu số", k=5).hits
        if h.passage.kind == "footnote"
    )
    assert hit.passage.text.startswith("Nữ 140")
    assert "kết nạp 321 đảng viên mới" in hit.passage.context


def test_ask_answers_with_a_verbatim_figure_and_abstains_otherwise(web_index):
    reply = web_index.ask("có bao nhiêu đảng viên bị kỷ luật")
    assert reply.answer and "17" in reply.answer
    assert reply.answer in reply.sentence and reply.sentence in reply.citations[0].passage.text
    assert web_index.ask("kết quả xổ số miền Nam hôm qua").answer is None
    assert web_index.ask("lịch thi đấu bóng đá World Cup").answer is None


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory) -> Index:
    """The same report for two years, different figures: the query's period must decide."""
    folder = tmp_path_factory.mktemp("periods")
    text = (DATA / "word_export.txt").read_text(encoding="utf-8")
    shutil.copy(DATA / "word_export.txt", folder / "bc-2024.txt")
    older = text.replace("2024", "2023").replace("kỷ luật 17 đảng viên", "kỷ luật 29 đảng viên")
    (folder / "bc-2023.txt").write_text(older, encoding="utf-8")
    settings = Settings(index=folder / "index", model="toy")
    build_index([folder], settings.index, settings, embedder=ToyEmbedder())
    return Index.open(settings.index, settings, embedder=ToyEmbedder())


def test_period_in_the_query_prefers_that_report(two_periods):
    for year, figure in (("2023", "29"), ("2024", "17")):
        hit = two_periods.search(f"số đảng viên bị kỷ luật 6 tháng đầu năm {year}", k=1).hits[0]
        assert two_periods.docs[hit.passage.doc_id].year == int(year)
        assert f"kỷ luật {figure} đảng viên" in hit.passage.text


def test_filters_restrict_to_matching_documents(two_periods):
    hits = two_periods.search("kỷ luật đảng viên", k=10, filters=Filters(year=2023)).hits
    assert hits and all(two_periods.docs[h.passage.doc_id].year == 2023 for h in hits)
    assert not two_periods.search("kỷ luật", filters=Filters(doc_type="Chỉ thị")).hits


def test_rrf_rewards_agreement_between_rankings():
    fused = rrf([[10, 20, 30], [20, 40]], [1.0, 1.0], k=60)
    assert max(fused, key=fused.get) == 20
    assert fused[10] > fused[40]


def test_highlights_are_diacritic_insensitive_for_unaccented_queries():
    text = "Tỷ lệ bao phủ bảo hiểm y tế chiếm 90,56%"
    spans = highlight_spans(text, plan("ty le bao phu bao hiem y te"))
    assert [text[a:b] for a, b in spans] == ["Tỷ lệ bao phủ bảo hiểm y tế"]


def test_a_question_asked_again_is_not_embedded_again(two_periods):
    """The query vectors are cached by text: an office asks the same questions all day, and a
    series asks one question of every report."""
    calls = []
    embedder = two_periods.embedder

    class Counting:
        def embed_queries(self, texts):
            calls.extend(texts)
            return embedder.embed_queries(texts)

    cached = two_periods.query_vectors
    two_periods.query_vectors = QueryCache(Counting(), size=8)
    try:
        first = _top_ids(two_periods, "kết nạp đảng viên mới")
        again = _top_ids(two_periods, "kết nạp đảng viên mới")
        other = _top_ids(two_periods, "kỷ luật")
    finally:
        two_periods.query_vectors = cached
    assert first == again and other
    assert calls == ["kết nạp đảng viên mới", "kỷ luật"]


def test_questions_arriving_together_are_embedded_in_one_batch():
    """Concurrent callers do not queue for the embedder one by one: the questions waiting while
    a batch is embedded go together in the next, each caller getting its own vector."""
    import threading
    import time

    import numpy as np

    batches = []

    class Slow:
        def embed_queries(self, texts):
            batches.append(list(texts))
            time.sleep(0.05)
            return np.array([[len(t), 1.0] for t in texts], np.float32)

    cache = QueryCache(Slow(), size=0)
    texts = [f"câu hỏi {'x' * n}" for n in range(8)]
    start, got = threading.Barrier(len(texts)), {}

    def ask(text):
        start.wait()
        got[text] = cache.vector(text)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cache.close()
    assert {t: v[0] for t, v in got.items()} == {t: len(t) for t in texts}
    assert sorted(x for b in batches for x in b) == sorted(texts)
    assert len(batches) < len(texts)  # 8 single calls before


def test_a_question_on_its_way_is_waited_for_not_embedded_again():
    """The page asks /api/search and /api/ask for one question at once: the second caller
    waits for the first one's vector (a batch already running would not hold it). An error
    reaches every caller, and the question is asked afresh afterwards."""
    import threading
    import time

    import numpy as np

    calls, failing, looked = [], [], threading.Event()

    class Slow:
        def embed_queries(self, texts):
            calls.append(list(texts))
            if not failing:  # held until the second caller has found this one on its way
                looked.wait(5)
            if failing:
                raise RuntimeError("model gone")
            return np.ones((len(texts), 2), np.float32)

    class Watched(dict):
        def get(self, key, default=None):
            found = super().get(key, default)
            if found is not None:
                looked.set()
            return found

    for size in (8, 0):
        calls.clear()
        looked.clear()
        cache, got = QueryCache(Slow(), size=size), []
        cache._pending = Watched()
        first = threading.Thread(target=lambda c=cache, g=got: g.append(c.vector("kết nạp")))
        first.start()
        for _ in range(5000):  # until the first question is being embedded
            if calls:
                break
            time.sleep(0.001)
        got.append(cache.vector("kết nạp"))  # meanwhile: waits for it
        first.join()
        assert calls == [["kết nạp"]] and len(got) == 2 and looked.is_set(), size
        cache.vector("kết nạp")  # answered: kept (size 8) or embedded again (size 0)
        assert len(calls) == (1 if size else 2), size
        cache.close()
    failing.append(True)
    cache = QueryCache(Slow(), size=8)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.vector("kỷ luật")
    assert calls[-2:] == [["kỷ luật"], ["kỷ luật"]]
    cache.close()


def test_a_question_is_ranked_in_bm25_while_it_is_embedded(two_periods, monkeypatch):
    """A search puts its question to the embedder first and goes on once the engine runs it
    natively (no GIL held): planning and the BM25 ranking happen during that run, and the
    dense side then takes the same question's vector (embedded once)."""
    import threading

    from indexer.native import run_begins

    embedder, calls, during = two_periods.embedder, [], []
    running, ranked = threading.Event(), threading.Event()

    class Native:
        def embed_queries(self, texts):
            calls.append(list(texts))
            run_begins()
            running.set()
            assert ranked.wait(5)  # the run lasts until BM25 has ranked the question
            return embedder.embed_queries(texts)

    lexical = two_periods.retriever.lexical

    def ranking(*args, **kwargs):
        during.append(running.is_set())
        found = lexical(*args, **kwargs)
        ranked.set()
        return found

    monkeypatch.setattr(two_periods.retriever, "lexical", ranking)
    monkeypatch.setattr(two_periods, "query_vectors", QueryCache(Native(), size=8))
    monkeypatch.setattr(two_periods, "rankings", Recent(8))
    try:
        assert _top_ids(two_periods, "kết nạp đảng viên mới")
    finally:
        two_periods.query_vectors.close()
    assert calls == [["kết nạp đảng viên mới"]] and during == [True]


def test_a_lone_question_s_best_lexical_passages_are_lit_while_it_is_embedded(two_periods,
                                                                             monkeypatch):
    """While a question put to an idle embedder runs, its best BM25 passages are read and lit
    (`shown`) before its vector is taken (the run lasts until they are); the hits are the same
    passages, scores and spans as a search whose vector was kept (nothing worked out ahead),
    and a later search of the same question reads none of the lit passages again."""
    import threading

    from indexer.native import run_begins
    from indexer.query.index import SHOWN_AHEAD
    from indexer.storage import catalogue

    embedder, lit_before_vector = two_periods.embedder, []
    ranked = threading.Event()
    query = "kết nạp đảng viên mới"

    class Native:
        def embed_queries(self, texts):
            run_begins()
            assert ranked.wait(5)
            return embedder.embed_queries(texts)

    lexical = two_periods.retriever.lexical

    def ranking(*args, **kwargs):
        found = lexical(*args, **kwargs)
        best[:] = found.rows[:SHOWN_AHEAD]
        return found

    best: list[int] = []
    shown = Recent(64)
    real_keep = shown.keep

    lit: set[int] = set()

    def keep(items):
        real_keep(items)
        lit.update(row for _, row in items)
        if lit >= set(best) and best:
            ranked.set()  # the run ends once the best rows are lit

    monkeypatch.setattr(shown, "keep", keep)
    monkeypatch.setattr(two_periods.retriever, "lexical", ranking)
    monkeypatch.setattr(two_periods, "query_vectors", QueryCache(Native(), size=8))
    monkeypatch.setattr(two_periods, "rankings", Recent(8))
    monkeypatch.setattr(two_periods, "shown", shown)
    try:
        ahead = two_periods.search(query, k=5)
        lit_before_vector.extend(shown.get((ahead.query, row)) is not None for row in best)
        reads = []
        read = catalogue.passages_and_words
        monkeypatch.setattr(catalogue, "passages_and_words",
                            lambda *a: reads.append(a[1]) or read(*a))  # fmt: skip
        again = two_periods.search(query, k=5)
        read_again = {pid for pids in reads for pid in pids}
        monkeypatch.setattr(two_periods, "rankings", Recent(8))
        monkeypatch.setattr(two_periods, "shown", Recent(64))  # kept vector: nothing ahead
        plain = two_periods.search(query, k=5)
    finally:
        two_periods.query_vectors.close()
    assert best and all(lit_before_vector)
    hits = [(h.passage.id, h.score, h.highlights) for h in ahead.hits]
    assert hits == [(h.passage.id, h.score, h.highlights) for h in plain.hits]
    assert hits == [(h.passage.id, h.score, h.highlights) for h in again.hits]
    # the second search read again none of the passages lit (those shown or worked out ahead)
    assert not read_again & {int(two_periods.pids[row]) for row in lit}


def test_a_place_question_s_lexical_rows_are_checked_for_the_place_while_it_is_embedded(
        tmp_path, monkeypatch):  # fmt: skip
    """A question naming a place: its best BM25 rows are checked for naming it while the
    question is embedded (an idle embedder), and no row is checked twice (here the BM25 rows
    are every candidate, so nothing is left for after); the ranking is the one a search with
    its vector kept makes (every row checked after it)."""
    import threading

    from indexer.native import run_begins
    from indexer.query.index import SHOWN_AHEAD
    from indexer.query.place_asked import query_entity

    folder = tmp_path / "docs"
    folder.mkdir()
    communes = ["Khánh Lợi", "Khánh Hòa", "Khánh An", "Khánh Cư", "Khánh Thiện", "Khánh Vân"]
    pairs = zip(communes, [*communes[1:], communes[0]], strict=True)
    lines = [f"{i}. Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của xã {a} và xã {b} "
             f"thuộc huyện Yên Khánh thành xã mới có tên gọi là xã {b} Mới."
             for i, (a, b) in enumerate(pairs, 1)]
    (folder / "nq.md").write_text("# Nghị quyết về sắp xếp đơn vị hành chính cấp xã\n\n"
                                  + "\n\n".join(lines) + "\n", encoding="utf-8")  # fmt: skip
    settings = Settings(index=folder / "index", model="toy")
    build_index([folder], settings.index, settings, embedder=ToyEmbedder())
    index = Index.open(settings.index, settings, embedder=ToyEmbedder())
    question = "Xã Khánh Lợi, Huyện Yên Khánh được sắp xếp vào xã nào?"
    assert query_entity(question) == ("xã", "Khánh Lợi")
    checked: list[list[int]] = []
    given: list[set[int]] = []  # rows whose texts the check was handed (read to be shown)
    naming, looked = index._naming, threading.Event()

    def check(entity, rows, texts=None):
        checked.append(list(rows))
        given.append(set(texts or ()))
        found = naming(entity, rows, texts)
        looked.set()
        return found

    class Native(ToyEmbedder):  # its run lasts until the rows are checked (or 5 s)
        def embed_queries(self, texts):
            run_begins()
            looked.wait(5)
            return super().embed_queries(texts)

    monkeypatch.setattr(index, "_naming", check)
    monkeypatch.setattr(index, "query_vectors", QueryCache(Native(), size=8))
    try:
        ahead = index.search(question, k=3)  # the embedder is idle: the rows checked ahead
        monkeypatch.setattr(index, "rankings", Recent(8))
        kept = index.search(question, k=3)  # its vector kept: nothing ahead
    finally:
        index.close()
    first, after, kept_check = checked
    assert first and not set(first) & set(after)  # each row checked once
    assert given[0] == set(first[:SHOWN_AHEAD])  # the passages read to be shown not read again
    assert set(kept_check) <= set(first) | set(after)
    assert [h.passage.id for h in ahead.hits] == [h.passage.id for h in kept.hits]
    assert [h.score for h in ahead.hits] == [h.score for h in kept.hits]
    assert "Khánh Lợi" in ahead.hits[0].passage.text


def test_reciprocal_rank_fusion_ranks_and_counts(two_periods, monkeypatch):
    """`fusion = "rrf"` (VANKIEN_FUSION) ranks by reciprocal rank fusion, the period asked
    for still deciding; a question naming a place or a document number goes through it too
    (searched and counted: neither is in these reports)."""
    monkeypatch.setattr(two_periods, "settings", two_periods.settings.model_copy(
        update={"fusion": "rrf"}))  # fmt: skip
    monkeypatch.setattr(two_periods, "rankings", Recent(8))
    for year in ("2023", "2024"):
        question = f"số đảng viên bị kỷ luật 6 tháng đầu năm {year}"
        hit = two_periods.search(question, k=1).hits[0]
        assert two_periods.docs[hit.passage.doc_id].year == int(year)
        assert two_periods.facets(question)["year"]
    for question in ("Xã Khánh Lợi, Huyện Yên Khánh được sắp xếp vào xã nào?",
                     "Nghị quyết 35-NQ/TW"):  # fmt: skip
        assert two_periods.search(question, k=3).total == sum(
            n for _, n in two_periods.facets(question)["year"])


def test_starting_a_question_returns_once_the_engine_runs_it():
    """`start` returns when the engine's native run begins, or when the question is answered
    by an engine that never says so; at once for a kept question, and at once behind another
    question (waiting there would only hold the caller up). Its getter gives that question's
    vector, never embedding it again (none kept, or an error)."""
    import threading

    import numpy as np

    from indexer.native import run_begins

    calls, release = [], threading.Event()

    class Native:
        def embed_queries(self, texts):
            calls.append(list(texts))
            if texts == ["hỏng"]:
                raise RuntimeError("model gone")
            if texts != ["im lặng"]:  # an engine that does not announce its run
                run_begins()
                assert release.wait(5)
            return np.full((len(texts), 2), len(calls), np.float32)

    cache = QueryCache(Native(), size=8)
    first = cache.start("kết nạp")  # its run is held until `release`: start did not wait
    second = cache.start("kỷ luật")  # behind it: returns before its own run
    assert calls == [["kết nạp"]]
    # the other core is spare while the first runs alone, not while a second one waits
    assert first.spare() and not second.spare()
    release.set()
    assert first().tolist() == [1.0, 1.0] and second().tolist() == [2.0, 2.0]
    assert not first.spare()  # answered
    kept = cache.start("kết nạp")
    assert kept().tolist() == [1.0, 1.0] and not kept.spare()
    silent = cache.start("im lặng")
    assert calls[2:] == [["im lặng"]] and silent().tolist() == [3.0, 3.0]
    assert cache.vector("im lặng").tolist() == [3.0, 3.0] and len(calls) == 3
    cache.close()
    for size in (0, 8):  # the getter of an answered question: none kept, or none at all
        cache, calls[:] = QueryCache(Native(), size=size), []
        silent, broken = cache.start("im lặng"), cache.start("hỏng")
        assert silent().tolist() == [1.0, 1.0]
        with pytest.raises(RuntimeError):
            broken()
        assert calls == [["im lặng"], ["hỏng"]], size
        cache.close()


def test_closing_the_embedder_never_strands_a_question():
    """`close` stops the thread once it has answered the questions already put to it; a
    question asked meanwhile goes to a new thread on a queue of its own (before, the new thread
    could take the old one's stop, leaving that question, and `close`, waiting)."""
    import threading
    import time

    import numpy as np

    calls, hold = [], threading.Event()

    class Held:
        def embed_queries(self, texts):
            calls.append(list(texts))
            if texts == ["kết nạp"]:
                hold.wait(5)
            return np.ones((len(texts), 2), np.float32)

    cache, got = QueryCache(Held(), size=8), []
    first = threading.Thread(target=cache.vector, args=("kết nạp",))
    first.start()
    for _ in range(5000):  # until the first question is being embedded
        if calls:
            break
        time.sleep(0.001)
    closing = threading.Thread(target=cache.close)
    closing.start()
    for _ in range(5000):  # until close has let the old thread go
        if cache._worker is None:
            break
        time.sleep(0.001)
    asking = threading.Thread(target=lambda: got.append(cache.vector("kỷ luật")))
    asking.start()
    asking.join(5)
    assert len(got) == 1 and closing.is_alive()  # answered while the old thread is held
    hold.set()
    for thread in (first, closing):
        thread.join(5)
        assert not thread.is_alive()
    assert calls == [["kết nạp"], ["kỷ luật"]]
    cache.close()


# --- what matches, and scores a client can cut at (issue 13, item 1) --------------------------
def test_nonsense_matches_nothing(web_index):
    for query in ("xyzqwv", "công thức nấu phở bò", "lorem ipsum dolor sit amet"):
        found = web_index.search(query, k=10)
        assert (found.total, found.hits) == (0, []), query


def test_total_counts_the_passages_that_cite_the_number_asked_for(web_index):
    citing = web_index.db.execute(
        "SELECT count(*) FROM passages WHERE text LIKE '%35-NQ/TW%'").fetchone()[0]
    for query in ("Nghị quyết 35-NQ/TW", "nghi quyet 35-nq/tw"):
        found = web_index.search(query, k=50)
        assert found.total == len(found.hits) == citing == 2, query
        assert all("35-NQ/TW" in h.passage.text for h in found.hits)


def test_total_counts_passages_holding_the_words_or_close_in_meaning(web_index):
    found = web_index.search("đảng viên bị kỷ luật", k=100)
    everything = web_index.search("đảng viên bị kỷ luật", k=100, matching=False)
    assert 0 < found.total == len(found.hits) < everything.total
    kept = {h.passage.id for h in found.hits}
    # ranking unchanged: the matches come in the order of the full ranking
    assert [h.passage.id for h in everything.hits if h.passage.id in kept] == \
        [h.passage.id for h in found.hits]  # fmt: skip
    for h in everything.hits:
        holds = "đảng viên" in h.passage.text.lower() and "kỷ luật" in h.passage.text.lower()
        if holds:
            assert h.passage.id in kept


def test_scores_are_on_one_scale_across_queries_and_never_rise(web_index):
    exact = web_index.search("kết nạp đảng viên mới", k=10).hits
    loose = web_index.search("phát triển tổ chức cơ sở", k=10).hits
    assert exact and loose
    for hits in (exact, loose):
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True) and all(0 < s < 1 for s in scores)
    weight = web_index.settings.lexical_weight
    assert exact[0].score >= weight  # it holds every word: comparable with any other query's
    assert [h.score for h in exact][-1] < exact[0].score  # not all levelled to the top's 1.0


# --- highlights mark the query's words, not syllables of other words (item 2) -----------------
@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("kết nạp đảng viên", "Hội nghị tổng kết; kết nạp 120 đảng viên; Ủy viên Ban Thường vụ",
         ["kết nạp", "đảng viên"]),
        ("so dang vien bi ky luat",
         "Bí thư chi bộ nhiệm kỳ 2020-2025 ở cơ sở; thi hành kỷ luật 5 đảng viên",
         ["kỷ luật", "đảng viên"]),
        ("so dang vien bi ky luat", "theo Điều lệ Đảng, thi hành kỷ luật 5 đảng viên",
         ["kỷ luật", "đảng viên"]),  # "Đảng" alone is not the "dang" of "dang vien"
        ("bí thư", "Đồng chí Bí thư Tỉnh ủy; bí mật", ["Bí thư"]),
        ("Nghị quyết 35-NQ/TW", "Thực hiện Nghị quyết 35-NQ/TW và Nghị quyết 24-NQ/TW",
         ["Nghị quyết 35-NQ/TW", "Nghị quyết"]),
        ("phủ sóng 4G", 'Chỉ tiêu "phủ sóng 4G < 100%" chưa đạt', ["phủ sóng 4G"]),
    ],
)
def test_highlights_mark_the_query_words_not_syllables_of_other_words(query, text, marked):
    assert [text[a:b] for a, b in highlight_spans(text, plan(query))] == marked


def test_search_facets_and_ask_share_one_ranking_per_query_and_scope(web_index, monkeypatch):
    """The facet counts (no filter: the search's own scope) and the answer reuse the search's
    ranking instead of running BM25, FAISS and fusion again; a new filter ranks anew."""
    query = "số đảng viên được kết nạp trong kỳ"
    fresh = web_index.search(query, k=5)
    web_index.rankings = type(web_index.rankings)(64)
    fused = []
    real = Index._fuse
    monkeypatch.setattr(Index, "_fuse", lambda self, q, scope, *more: fused.append(scope.filters)
                        or real(self, q, scope, *more))  # fmt: skip
    found = web_index.search(query, k=5)
    web_index.facets(query, None)
    web_index.search(query, k=8, matching=False)
    assert len(fused) == 1
    assert [(h.passage.id, h.score) for h in found.hits] == \
        [(h.passage.id, h.score) for h in fresh.hits] and found.total == fresh.total  # fmt: skip
    year = web_index.search(query, filters=Filters(year=2024))
    web_index.facets(query, Filters(year=2024))  # its year facet: without the year filter
    assert fused == [Filters(), Filters(year=2024)]
    assert all(h.passage.doc_id in {d.doc_id for d in web_index.documents(Filters(year=2024))}
               for h in year.hits)  # fmt: skip


def test_highlights_come_from_the_words_kept_at_build_without_segmenting(two_periods, monkeypatch):
    """A search lights up its hits' words from where the build found them: the segmenter (a
    CRF, ~1 ms a passage) is not run again for every new hit of every question; the words are
    those of segmenting the passage when shown."""
    from indexer.vietnamese import wordspans

    passages = two_periods.db.execute("SELECT count(*), count(words) FROM passages").fetchone()
    assert passages[1] >= 0.97 * passages[0]  # "01cán" (glued) and "5%" words are the rest
    queries = ("kết nạp đảng viên", "so dang vien bi ky luat", "Nghị quyết 35-NQ/TW")
    segmented = {q: [(h.passage.id, tuple(highlight_spans(h.passage.text, plan(q))))
                     for h in two_periods.search(q).hits] for q in queries}  # fmt: skip
    wordspans.located_words.cache_clear()
    monkeypatch.setattr(wordspans, "segment_words", _not_called)
    for query in queries:
        hits = two_periods.search(query).hits
        assert any(h.highlights for h in hits)
        assert [(h.passage.id, h.highlights) for h in hits] == segmented[query]


def _not_called(text):
    raise AssertionError(f"segmented at query time: {text[:40]!r}")


def test_an_index_built_before_words_were_kept_is_read_and_then_completed(corpus, tmp_path):
    """An older catalogue (no `words` column) still serves highlights, segmenting as before;
    the next build re-segments it and keeps the words."""
    import sqlite3

    settings = Settings(index=tmp_path / "index", model="toy")
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    index = Index.open(settings.index, settings, embedder=ToyEmbedder())
    expected = [h.highlights for h in index.search("kết nạp đảng viên").hits]
    path = index.folder / "catalogue.sqlite"
    index.close()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE passages DROP COLUMN words")
    old = Index.open(settings.index, settings, embedder=ToyEmbedder())
    assert not catalogue.stores_words(old.db)
    assert [h.highlights for h in old.search("kết nạp đảng viên").hits] == expected
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert report.version != old.folder.name and report.embedded == 0
    new = Index.open(settings.index, settings, embedder=ToyEmbedder())
    assert catalogue.stores_words(new.db)
    assert new.db.execute("SELECT count(words) FROM passages").fetchone()[0]
    assert [h.highlights for h in new.search("kết nạp đảng viên").hits] == expected
