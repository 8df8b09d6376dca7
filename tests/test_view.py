"""indexer/present/view.py: citations, text pieces with marks and footnote markers, the
document view."""

from __future__ import annotations

from indexer.model import Block, Passage
from indexer.present.view import (
    Citation,
    Piece,
    citation_label,
    citation_url,
    document_view,
    passage_span,
    pieces,
    vietnamese_date,
)
from tests.ids import DATA, doc_id

KL = doc_id(DATA / "web" / "ket-luan-chuyen-doi-so.md")


def passage(pid: str, kind: str = "paragraph", paragraph: int = 3, footnote: int | None = None,
            text: str = "…") -> Passage:
    return Passage(pid, pid.split(":")[0], kind, text, text, "", paragraph, footnote=footnote)


def test_citation_urls_point_at_the_paragraph_or_the_footnote():
    assert citation_url(passage("bc:p3")) == "/documents/bc?hl=bc:p3#p-3"
    assert citation_url(passage("bc:fn6", "footnote", 3, 6), "https://vk.example/") == (
        "https://vk.example/documents/bc?hl=bc:fn6#fn-6")
    assert citation_url(passage("bc:t9.r2", "table", 9)) == "/documents/bc?hl=bc:t9.r2#p-9"
    assert citation_url(passage("bc:p3.2")) == "/documents/bc?hl=bc:p3.2#p-3"


def test_citation_label_reads_like_a_reference():
    draft = Citation("bc", "Báo cáo sơ kết", "Báo cáo", None, None, None, "", 4, None, "")
    assert citation_label(draft) == "Báo cáo — Báo cáo sơ kết › đoạn 4"
    bare = Citation("bc", "", None, None, None, None, "I. Kết quả", 4, None, "")
    assert citation_label(bare) == "bc › I. Kết quả › đoạn 4"


def test_pieces_put_markers_after_the_word_and_marks_around_matches():
    text = "Kết nạp 321 đảng viên mới, đạt 53,5%"
    cut = pieces(text, [(8, 11), (30, 99)], [(3, 25), (4, 36)])
    assert [(p.text, p.marked, p.footnote) for p in cut] == [
        ("Kết nạp ", False, None), ("321", True, None), (" đảng viên mới", False, None),
        ("", False, 3), (", đạt", False, None), (" 53,5%", True, None), ("", False, 4)]
    assert "".join(p.text for p in cut) == text


def test_pieces_handle_empty_and_out_of_range_input():
    assert pieces("") == []
    assert pieces("", [], [(1, 0)]) == [Piece(footnote=1)]
    assert pieces("abc", [(-5, 1), (2, 2), (7, 9)], [(2, 99)]) == [
        Piece("a", True), Piece("bc"), Piece(footnote=2)]


def test_passage_span_finds_a_split_part_in_its_paragraph():
    block = Block(4, "paragraph", "Câu một. Câu hai. Câu ba.")
    assert passage_span(block, passage("d:p5.2", text="Câu hai. Câu ba.")) == (9, 25)
    assert passage_span(block, passage("d:p5", text=block.text)) is None
    assert passage_span(block, passage("d:p5.9", text="Không có")) is None


def test_vietnamese_dates():
    assert vietnamese_date("2023-03-20") == "ngày 20 tháng 3 năm 2023"
    assert vietnamese_date("2024-06") == "tháng 6 năm 2024"
    assert vietnamese_date(None) == "" and vietnamese_date("đầu năm") == "đầu năm"


def test_document_view_of_the_test_index(web_index):
    view = document_view(web_index, KL)
    assert view.doc.number == "15-KL/ĐU"
    assert [b.kind for b in view.blocks] == [
        "heading", "paragraph", "paragraph", "table", "heading", "paragraph", "paragraph"]
    assert view.blocks[1].footnote_refs == ((1, 61),)
    assert view.blocks[1].text[:61].endswith("Internet công cộng")
    assert view.blocks[3].rows[0] == ("Chỉ tiêu", "Năm 2022", "Năm 2023")
    assert [(f.number, f.block_index) for f in view.footnotes] == [(1, 1), (2, 2)]
    assert [(e.level, e.paragraph) for e in view.outline] == [(1, 1), (1, 5)]
    assert [p.id for p in view.passages][:3] == [f"{KL}:p1", f"{KL}:p2", f"{KL}:fn1"]
    assert document_view(web_index, "khong-co") is None
