"""What the notebook shows: corpus statistics, cited numbers, rendered hits, recall and misses."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from indexer.config import Settings
from indexer.model import Answer, Filters, Hit, Passage
from indexer.present import citation
from indexer.present.evaluate import Outcome
from indexer.present.explore import (
    HIT_COLUMNS,
    UNKNOWN,
    answer_html,
    build_and_open,
    cited_numbers,
    cites,
    corpus_stats,
    example_filters,
    filters_code,
    has_index,
    hit_html,
    hit_rows,
    hits_frame,
    hits_html,
    holds_documents,
    misses,
    misses_html,
    only_files_of,
    recall_curve,
)
from tests.ids import doc_id
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"

CITING = """**TỈNH ỦY MẪU SƠN**

Số: 7-CT/TU

**CHỈ THỊ**

# Về học tập nghị quyết (dữ liệu mẫu, hư cấu)

Quán triệt Nghị quyết số 35-NQ/TW của Bộ Chính trị đến toàn thể đảng viên.

Sơ kết việc thực hiện Nghị quyết số 35-NQ/TW vào cuối năm; báo cáo theo Hướng dẫn số 12-HD/BTGTU.

Tổ chức hội thi tìm hiểu lịch sử Đảng bộ tỉnh.
"""


WORD_EXPORT, PDF_EXTRACTED, SAMPLE = (doc_id(DATA / name) for name in
                                      ("word_export.txt", "pdf_extracted.txt", "sample.md"))
CHI_THI = doc_id("chi-thi.md", CITING)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """tests/data (not the periodic reports of tests/data/periods, the series tests' own) plus
    a directive citing 35-NQ/TW twice, indexed with the toy encoder."""
    folder = tmp_path_factory.mktemp("explore")
    shutil.copytree(DATA, folder / "docs", ignore=shutil.ignore_patterns("periods"))
    (folder / "docs" / "chi-thi.md").write_text(CITING, encoding="utf-8")
    embedder = ToyEmbedder()
    settings = Settings(model="toy")
    index, report = build_and_open([folder / "docs"], folder / "index", settings, embedder)
    return index, report, embedder, folder


def test_build_and_open_reuses_an_index_that_is_up_to_date(sample):
    index, first, embedder, folder = sample
    assert first.embedded == first.passages > 0
    embedded = len(embedder.embedded)
    again, report = build_and_open(
        [folder / "docs"], folder / "index", Settings(model="toy"), embedder
    )
    assert report.embedded == 0 and len(embedder.embedded) == embedded
    assert report.passages == first.passages and len(again.docs) == 5


def test_corpus_stats_count_the_fixture_documents(sample):
    stats = corpus_stats(sample[0])
    assert stats.by_type == {"Báo cáo": 2, "Chỉ thị": 1, "Kết luận": 1, "Nghị quyết": 1}
    assert stats.by_issuer["Tỉnh ủy Mẫu Sơn"] == 3
    # the directive names no period nor date: it is counted, as unknown
    assert stats.by_period == {"6 tháng đầu năm 2024": 2, "2023": 1, "2024": 1, UNKNOWN: 1}
    assert stats.per_document[WORD_EXPORT][1] == 5  # five [N: …] footnote bodies
    assert stats.per_document[CHI_THI] == (3, 0)  # its three paragraphs, no footnote
    assert len(stats.lengths["footnote"]) == 9
    longest = "Trong đó: cấp tỉnh 3 cuộc, cấp huyện 12 cuộc, cấp xã 30 cuộc."
    assert len(longest) in stats.lengths["footnote"]
    total = sum(len(v) for v in stats.lengths.values())
    assert total == sum(p for p, _ in stats.per_document.values())


def test_cited_numbers_count_passages_and_documents(sample):
    index = sample[0]
    top = cited_numbers(index, limit=3)
    assert top[0].number == "35-NQ/TW"
    # word_export.txt twice, pdf_extracted.txt once, the directive twice
    assert (top[0].passages, top[0].documents) == (5, 3)
    assert [c.passages for c in top] == sorted((c.passages for c in top), reverse=True)
    hits = index.search("35 nq/tw", k=20).hits
    citing = [h for h in hits if cites(h, "35-NQ/TW")]
    assert len(citing) == 5
    assert {h.passage.doc_id for h in citing} == {WORD_EXPORT, PDF_EXTRACTED, CHI_THI}


def test_hit_html_escapes_text_and_marks_highlights(sample):
    index = sample[0]
    text = "Mục tiêu <script>alert(1)</script> & diện tích 1.200 ha"
    passage = Passage(f"{SAMPLE}:p99", SAMPLE, "paragraph", text, text, "Điều 1. Mục tiêu", 99)
    at = text.index("1.200 ha")
    html = hit_html(index, Hit(passage, 1.0, ((at, at + 8),)))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "<mark>1.200 ha</mark>" in html
    assert "Nghị quyết số 99-NQ/TU ngày 2/7/2024 của Tỉnh ủy Mẫu Sơn, Điều 1, đoạn 99" in html


def test_a_footnote_hit_shows_the_sentence_citing_it(sample):
    index = sample[0]
    hits = index.search("huy hiệu 30 năm tuổi Đảng", k=5).hits
    note = next(h for h in hits if h.passage.kind == "footnote")
    html = hits_html(index, hits)
    assert "Chú thích cho câu:" in html and "chú thích 4" in html
    assert "huy hiệu Đảng cho 210 đồng chí" in hit_html(index, note)
    assert "Không tìm thấy" in hits_html(index, [])


def test_answer_html_marks_the_figure_or_says_why_not(sample):
    index = sample[0]
    text = "Toàn Đảng bộ kết nạp 321 đảng viên mới, đạt 53,5% kế hoạch năm."
    passage = Passage(f"{WORD_EXPORT}:p7", WORD_EXPORT, "paragraph", text, text, "I. › 1.", 7)
    reply = Answer("kết nạp bao nhiêu đảng viên", "321 đảng viên", text, 0.9, (Hit(passage, 1.0),))
    html = answer_html(index, reply)
    assert "Trả lời:</b> <mark>321 đảng viên</mark>" in html
    assert "kết nạp <mark>321 đảng viên</mark> mới" in html and "đoạn 7" in html
    refused = answer_html(index, Answer("giá vàng", None, None, 0.0, (), "không có số liệu"))
    assert "Không có câu trả lời ngắn" in refused and "không có số liệu" in refused


def _outcome(qid: str, rank: int | None, evidence: bool = True, query: str = "q") -> Outcome:
    return Outcome(qid, "fact", query, rank, evidence, None, None, None)


def test_recall_curve_and_misses_from_ranks():
    outcomes = [_outcome("a", 1), _outcome("b", 3), _outcome("c", None), _outcome("d", None, False)]
    curve = recall_curve(outcomes)
    assert list(curve) == list(range(1, 11))
    assert curve[1] == curve[2] == round(1 / 3, 4) and curve[3] == curve[10] == round(2 / 3, 4)
    assert [o.id for o in misses(outcomes)] == ["c"]
    assert [o.id for o in misses(outcomes, k=2)] == ["b", "c"]
    assert recall_curve([_outcome("d", None, False)], ks=[1]) == {1: 0.0}


def test_misses_table_shows_what_came_first_instead(sample):
    index = sample[0]
    missed = [_outcome("s9", None, query="diện tích chè năm 2025")]
    html = misses_html(index, missed)
    assert "<td>s9</td>" in html and "diện tích chè năm 2025" in html
    assert "ngoài top 10" in html and "Nghị quyết số 99-NQ/TU" in html
    assert "Không có truy vấn nào trượt" in misses_html(index, [])


def test_holds_documents_ignores_hidden_files_and_missing_folders(tmp_path):
    assert not holds_documents([tmp_path / "absent"])
    (tmp_path / ".gitkeep").write_text("", encoding="utf-8")
    assert not holds_documents([tmp_path, tmp_path / "absent"])
    assert holds_documents([tmp_path, DATA / "sample.md"])
    assert holds_documents([DATA])


def test_hit_rows_give_rank_score_document_citation_line_and_verbatim_text(sample):
    index = sample[0]
    hits = index.search("kết nạp bao nhiêu đảng viên mới", k=4).hits
    rows = hit_rows(index, hits)
    assert [r["hạng"] for r in rows] == list(range(1, len(hits) + 1)) and len(rows) > 1
    assert [r["điểm"] for r in rows] == [round(h.score, 3) for h in hits]
    first, passage = rows[0], hits[0].passage
    assert first["đoạn văn"] == passage.text and "kết nạp 321 đảng viên mới" in passage.text
    assert first["trích dẫn"] == citation(passage, index.docs[passage.doc_id]).label
    assert first["trích dẫn"].endswith(", đoạn 7") and first["loại đoạn"] == "đoạn văn"
    assert first["văn bản"] == index.docs[passage.doc_id].title
    assert [r["hạng"] for r in hit_rows(index, hits[:2], first_rank=11)] == [11, 12]
    frame = hits_frame(index, hits)
    assert tuple(frame.columns) == HIT_COLUMNS and frame.to_dict("records") == rows
    empty = hits_frame(index, [])
    assert tuple(empty.columns) == HIT_COLUMNS and len(empty) == 0


def test_example_filters_take_a_documents_values_and_each_keeps_it(sample):
    index = sample[0]
    examples = example_filters(index, WORD_EXPORT)
    assert list(examples.values()) == [
        Filters(doc_type="Báo cáo"),
        Filters(issuer="Tỉnh ủy Mẫu Sơn"),
        Filters(year=2024),
        Filters(period_from=date(2024, 1, 1), period_to=date(2024, 6, 30)),
    ]
    assert "kỳ báo cáo giao với 6 tháng đầu năm 2024" in examples
    for only in examples.values():
        kept = {d.doc_id for d in index.documents(only)}
        assert WORD_EXPORT in kept and len(kept) < len(index.docs)  # it keeps some out
    # no document named: the commonest type and issuer, the latest year
    assert list(example_filters(index).values())[:3] == [
        Filters(doc_type="Báo cáo"), Filters(issuer="Tỉnh ủy Mẫu Sơn"), Filters(year=2024)
    ]  # fmt: skip


def test_filters_code_writes_only_the_fields_set():
    assert filters_code(Filters()) == "indexer.Filters()"
    written = filters_code(Filters(doc_type="Nghị quyết", year=2023, period_to=date(2023, 12, 31)))
    assert written == (
        "indexer.Filters(doc_type='Nghị quyết', year=2023, period_to=date(2023, 12, 31))"
    )


def test_has_index_and_whether_every_document_is_a_file_of_a_folder(sample, tmp_path):
    index, _, _, folder = sample
    assert has_index(folder / "index") and not has_index(tmp_path / "absent")
    assert only_files_of(index, folder / "docs")
    assert not only_files_of(index, DATA)  # the directive is not a file of tests/data
