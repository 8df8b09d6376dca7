"""indexer/present/view.py: citations, text pieces with marks and footnote markers, the
document view."""

from __future__ import annotations

from dataclasses import asdict, replace

from indexer.model import Block, DocInfo, Hit, Passage
from indexer.present.json import hit_record
from indexer.present.view import (
    Citation,
    Piece,
    citation,
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
    assert citation_label(draft) == "Báo cáo sơ kết, đoạn 4"
    bare = Citation("bc", "", None, None, None, None, "I. Kết quả", 4, None, "")
    assert citation_label(bare) == "bc, mục I, đoạn 4"


def test_citation_label_is_ready_to_paste_into_a_report():
    """Issuer, number, date and draft flag, in the form party documents cite each other."""
    cite = Citation("bc", "Kết quả 6 tháng đầu năm 2024", "Báo cáo", "125-BC/TU",
                    "Tỉnh ủy Hậu Giang", "2024-06-28",
                    "II. CÔNG TÁC XÂY DỰNG ĐẢNG › 6. Công tác kiểm tra, giám sát", 33, 20, "",
                    draft=True)  # fmt: skip
    assert citation_label(cite) == ("Báo cáo số 125-BC/TU ngày 28/6/2024 của Tỉnh ủy Hậu Giang "
                                    "(dự thảo), mục II.6, đoạn 33, chú thích 20")
    unnumbered = replace(cite, number=None, date="2024-06", draft=False, footnote=None)
    assert citation_label(unnumbered) == (
        "Báo cáo ngày …/6/2024 của Tỉnh ủy Hậu Giang về kết quả 6 tháng đầu năm 2024, mục II.6, "
        "đoạn 33")
    law = replace(cite, doc_type="Nghị quyết", number="1654/NQ-UBTVQH15", draft=False,
                  issuer="Ủy ban Thường vụ Quốc hội", date="2025-06-16",
                  section="Điều 1. Sắp xếp các đơn vị hành chính", footnote=None)
    assert citation_label(law) == ("Nghị quyết số 1654/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban "
                                   "Thường vụ Quốc hội, Điều 1, đoạn 33")
    scan = replace(cite, footnote=None, page=4, scanned=True)
    assert citation_label(scan).endswith(", đoạn 33, trang 4 (bản chụp, nhận dạng ký tự)")


def test_citation_record_carries_its_label_and_the_draft_flag():
    doc = DocInfo("bc", "bc.txt", "txt", "Kết quả", "Báo cáo", "12-BC/TU", "Tỉnh ủy Mẫu Sơn",
                  "2024-06-30", None, True, None, 2024, 0)
    cite = citation(passage("bc:p3"), doc)
    assert cite.draft and cite.label == citation_label(cite)
    assert cite.label.startswith("Báo cáo số 12-BC/TU ngày 30/6/2024 của Tỉnh ủy Mẫu Sơn (dự thảo)")
    record = hit_record({"bc": doc}, Hit(passage("bc:p3"), 0.5, ()))
    assert record["citation"] == asdict(cite)  # written field by field, every field there


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
