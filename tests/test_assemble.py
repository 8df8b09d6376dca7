"""RawDocument → Document on hand-written documents shaped like the real ones."""

from pathlib import Path

import pytest

from indexer.ingest.assemble import assemble, sentence_at
from indexer.ingest.structure import section_marker
from indexer.model import RawBlock, RawDocument
from indexer.vietnamese.refs import extract_refs

SHARED = Path(__file__).resolve().parents[2] / "shared"


def P(text, refs=()):  # noqa: N802 - reads like the block kind in the fixtures below
    return RawBlock("paragraph", text, footnote_refs=tuple(refs))


def _marker_after(text, phrase):
    """(offset just after `phrase`) — where a Word footnote marker sits."""
    return text.index(phrase) + len(phrase)


PARTY = (
    "Quán triệt, triển khai Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính trị về bảo vệ "
    "nền tảng tư tưởng của Đảng. Đã kết nạp 654/1.150 đảng viên mới."
)
CITIZENS = "Tiếp công dân theo Quy định số 11-QĐi/TW; ghi nhận 2.107 ý kiến."
ECONOMY = "Tăng trưởng GRDP 6 tháng đầu năm đạt 8,04%. Tỷ lệ bao phủ bảo hiểm y tế chiếm 90,56%."


def report() -> RawDocument:
    """A Word-export provincial report: header paragraphs, I./1./a) sections, footnotes 1–4."""
    blocks = [
        P("TỈNH ỦY HẬU GIANG"),
        P("*"),
        P("Số     -BC/TU"),
        P("ĐẢNG CỘNG SẢN VIỆT NAM"),
        P("Hậu Giang, ngày    tháng 6 năm 2024"),
        P("Dự thảo"),
        P("BÁO CÁO"),
        P("Kết quả thực hiện nhiệm vụ công tác 6 tháng đầu năm 2024"),
        P("-----"),
        P("Thực hiện Quy chế làm việc, Ban Thường vụ Tỉnh ủy báo cáo như sau:"),
        P("I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM 2024"),
        P("1. Công tác xây dựng Đảng"),
        P("a) Công tác chính trị, tư tưởng"),
        P(PARTY, [("1", _marker_after(PARTY, "của Đảng.")), ("2", len(PARTY))]),
        P("b) Công tác tổ chức, cán bộ"),
        P(CITIZENS, [("3", _marker_after(CITIZENS, "11-QĐi/TW"))]),
        P("2. Phát triển kinh tế - xã hội"),
        P(ECONOMY, [("4", len(ECONOMY)), ("9", 3)]),  # "9" has no body
        P("II. NHIỆM VỤ, GIẢI PHÁP 6 THÁNG CUỐI NĂM 2024"),
        P("Tiếp tục thực hiện Kết luận 21-KL/TW của Bộ Chính trị."),
        P("Nơi nhận:"),
        P("- Ban Bí thư Trung ương Đảng (b/c),"),
        P("- Lưu Văn phòng Tỉnh ủy."),
        P("T/M BAN THƯỜNG VỤ"),
        P("BÍ THƯ"),
        P("Nghiêm Xuân Thành"),
    ]
    footnotes = {
        "1": "Đạt 56,87% kế hoạch năm.",
        "2": "Trong đó [theo Quyết định số 12/QĐ-UBND (2024)] có 41/51 xã đạt chuẩn nông thôn mới.",
        "3": "Tổng số đơn thư tiếp nhận: 1.889 đơn.",
        "4": "Tổng số người tham gia bảo hiểm xã hội là 81.457 người.",
        "5": "Ghi chú không có dấu chỉ dẫn trong văn bản.",
    }
    return RawDocument(blocks=tuple(blocks), footnotes=footnotes, format="docx")


def block_with(doc, start):
    return next(b for b in doc.blocks if b.text.startswith(start))


def test_report_metadata_and_content_start():
    doc = assemble(report(), "bc-hg", "bao-cao.docx")
    assert (doc.doc_id, doc.source, doc.format) == ("bc-hg", "bao-cao.docx", "docx")
    assert doc.meta.issuer == "Tỉnh ủy Hậu Giang" and doc.meta.doc_type == "Báo cáo"
    assert doc.meta.draft and doc.meta.number is None and doc.meta.date == "2024-06"
    assert doc.meta.period == "6 tháng đầu năm 2024" and doc.meta.year == 2024
    assert doc.blocks[0].text.startswith("Thực hiện Quy chế làm việc")
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))


def test_report_recipients_and_signature_dropped():
    doc = assemble(report(), "bc-hg", "bao-cao.docx")
    texts = [b.text for b in doc.blocks]
    assert texts[-1] == "Tiếp tục thực hiện Kết luận 21-KL/TW của Bộ Chính trị."
    assert not any(t.startswith(("Nơi nhận", "- Ban Bí thư", "BÍ THƯ", "Nghiêm")) for t in texts)


def test_report_section_paths_nest_and_close():
    doc = assemble(report(), "bc-hg", "bao-cao.docx")
    roman1 = "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM 2024"
    party = block_with(doc, "Quán triệt")
    assert party.kind == "paragraph"
    assert party.section == (roman1, "1. Công tác xây dựng Đảng", "a) Công tác chính trị, tư tưởng")
    assert block_with(doc, "Tiếp công dân").section[-1] == "b) Công tác tổ chức, cán bộ"
    economy = block_with(doc, "2. Phát triển")
    assert economy.kind == "heading" and economy.section == (
        roman1,
        "2. Phát triển kinh tế - xã hội",
    )
    closing = block_with(doc, "Tiếp tục thực hiện")
    assert closing.section == ("II. NHIỆM VỤ, GIẢI PHÁP 6 THÁNG CUỐI NĂM 2024",)
    assert doc.blocks[0].section == ()


def test_report_footnotes_link_to_block_and_sentence():
    doc = assemble(report(), "bc-hg", "bao-cao.docx")
    notes = {n.number: n for n in doc.footnotes}
    party = block_with(doc, "Quán triệt")
    assert notes[1].block_index == notes[2].block_index == party.index
    assert notes[1].sentence.endswith("bảo vệ nền tảng tư tưởng của Đảng.")
    assert notes[2].sentence == "Đã kết nạp 654/1.150 đảng viên mới."
    assert notes[2].text.startswith("Trong đó [theo Quyết định số 12/QĐ-UBND (2024)]")
    assert notes[3].sentence == CITIZENS
    assert notes[4].sentence == "Tỷ lệ bao phủ bảo hiểm y tế chiếm 90,56%."
    assert [n for n, _ in party.footnote_refs] == [1, 2]
    assert block_with(doc, "Tăng trưởng").footnote_refs[0] == (4, len(ECONOMY))


def test_unreferenced_footnote_kept_and_dangling_marker_ignored():
    doc = assemble(report(), "bc-hg", "bao-cao.docx")
    notes = {n.number: n for n in doc.footnotes}
    assert notes[5].block_index == doc.blocks[-1].index and notes[5].sentence == ""
    assert 9 not in notes
    assert sorted(notes) == [1, 2, 3, 4, 5]


def test_refs_found_in_assembled_blocks():
    doc = assemble(report(), "bc-hg", "bao-cao.docx")
    assert extract_refs(block_with(doc, "Quán triệt").text) == ["35-NQ/TW"]
    assert extract_refs(block_with(doc, "Tiếp công dân").text) == ["11-QĐi/TW"]


def resolution() -> RawDocument:
    """A provincial resolution with a header table, Chương/Điều and a recipients table."""
    header = RawBlock(
        "table",
        "…",
        rows=(
            ("TỈNH ỦY HẬU GIANG\n*", "ĐẢNG CỘNG SẢN VIỆT NAM\n---------------"),
            ("Số 15-NQ/TU", "Hậu Giang, ngày 12 tháng 4 năm 2025"),
        ),
    )
    closing = RawBlock(
        "table",
        "…",
        rows=(
            (
                "Nơi nhận:\n- Các đồng chí Tỉnh ủy viên,\n- Lưu Văn phòng Tỉnh ủy.",
                "T/M TỈNH ỦY\nBÍ THƯ\n\nNghiêm Xuân Thành",
            ),
        ),
    )
    blocks = [
        header,
        P("NGHỊ QUYẾT"),
        P("BAN HÀNH QUY CHẾ LÀM VIỆC CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH"),
        P("KHÓA XIV, NHIỆM KỲ 2020 - 2025"),
        P("Căn cứ Điều lệ Đảng;"),
        P("Chương I"),
        P("QUY ĐỊNH CHUNG"),
        P("Điều 1. Phạm vi điều chỉnh"),
        P("Quy chế này quy định nhiệm vụ, quyền hạn của Ban Chấp hành Đảng bộ tỉnh."),
        P("Điều 2. Nguyên tắc làm việc"),
        P("1. Tập trung dân chủ"),
        P("a) Tập thể lãnh đạo, cá nhân phụ trách"),
        P("Mọi công việc đều được bàn bạc tập thể."),
        P("Chương II"),
        P("NHIỆM VỤ, QUYỀN HẠN"),
        P("Điều 3. Nhiệm vụ của Ban Chấp hành"),
        P("Lãnh đạo thực hiện Nghị quyết Đại hội Đảng bộ tỉnh."),
        P("Nghị quyết này có hiệu lực kể từ ngày ký."),
        closing,
    ]
    return RawDocument(blocks=tuple(blocks), format="docx")


def test_resolution_nests_dieu_under_chuong_and_clauses_under_dieu():
    doc = assemble(resolution(), "nq15", "nq15.docx")
    assert doc.meta.issuer == "Tỉnh ủy Hậu Giang" and doc.meta.number == "15-NQ/TU"
    assert doc.meta.title == (
        "BAN HÀNH QUY CHẾ LÀM VIỆC CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH KHÓA XIV, NHIỆM KỲ 2020 - 2025"
    )
    assert (doc.meta.period, doc.meta.year) == ("nhiệm kỳ 2020 - 2025", 2025)
    chuong1 = "Chương I. QUY ĐỊNH CHUNG"
    assert block_with(doc, "Chương I\n").kind == "heading"
    assert block_with(doc, "Quy chế này").section == (chuong1, "Điều 1. Phạm vi điều chỉnh")
    assert block_with(doc, "Mọi công việc").section == (
        chuong1,
        "Điều 2. Nguyên tắc làm việc",
        "1. Tập trung dân chủ",
        "a) Tập thể lãnh đạo, cá nhân phụ trách",
    )
    assert block_with(doc, "Lãnh đạo thực hiện").section == (
        "Chương II. NHIỆM VỤ, QUYỀN HẠN",
        "Điều 3. Nhiệm vụ của Ban Chấp hành",
    )


def test_resolution_closing_table_dropped_and_adoption_sentence_kept():
    doc = assemble(resolution(), "nq15", "nq15.docx")
    assert doc.blocks[-1].text == "Nghị quyết này có hiệu lực kể từ ngày ký."
    assert doc.blocks[0].text == "Căn cứ Điều lệ Đảng;"
    assert all(b.kind != "table" for b in doc.blocks)


def test_markdown_header_table_of_1654():
    header = RawBlock(
        "table",
        "…",
        rows=(
            (
                "ỦY BAN THƯỜNG VỤ\nQUỐC HỘI\n--------",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n---------------",
            ),
            ("Số: 1654/NQ-UBTVQH15", "Hà Nội, ngày 16 tháng 6 năm 2025"),
        ),
    )
    article = (
        "Trên cơ sở Đề án số 395/ĐA-CP ngày 09 tháng 5 năm 2025 của Chính phủ, Ủy ban "
        "Thường vụ Quốc hội quyết định sắp xếp để thành lập các đơn vị hành chính cấp xã:"
    )
    clause = (
        "1. Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của thị trấn An Phú, xã Vĩnh Hội "
        "Đông, một phần diện tích tự nhiên, quy mô dân số của xã Phú Hội và xã Phước Hưng "
        "thành xã mới có tên gọi là xã An Phú."
    )
    blocks = (
        header,
        P("NGHỊ QUYẾT"),
        P("VỀ VIỆC SẮP XẾP CÁC ĐƠN VỊ HÀNH CHÍNH CẤP XÃ CỦA TỈNH AN GIANG NĂM 2025"),
        P("ỦY BAN THƯỜNG VỤ QUỐC HỘI"),
        P("Xét đề nghị của Chính phủ tại Tờ trình số 394/TTr-CP và Đề án số 395/ĐA-CP,"),
        P("QUYẾT NGHỊ:"),
        P("Điều 1. Sắp xếp các đơn vị hành chính cấp xã của tỉnh An Giang"),
        P(article),
        P(clause),
        P("Nghị quyết này được Ủy ban Thường vụ Quốc hội thông qua ngày 16 tháng 6 năm 2025."),
        RawBlock(
            "table",
            "…",
            rows=(
                (
                    "Nơi nhận:\n- Chính phủ;\n- Lưu: HC, PLTP.",
                    "TM. ỦY BAN THƯỜNG VỤ QUỐC HỘI\nCHỦ TỊCH\n\nTrần Thanh Mẫn",
                ),
            ),
        ),
    )
    doc = assemble(RawDocument(blocks=blocks, format="markdown"), "1654", "1654.md")
    assert doc.meta.number == "1654/NQ-UBTVQH15" and doc.meta.issuer == "Ủy ban Thường vụ Quốc hội"
    assert doc.meta.date == "2025-06-16" and doc.meta.place == "Hà Nội"
    assert doc.blocks[0].text == "ỦY BAN THƯỜNG VỤ QUỐC HỘI"
    item = block_with(doc, "1. Sắp xếp")
    assert item.kind == "paragraph"  # a long numbered sentence is a clause, not a heading
    assert item.section == ("Điều 1. Sắp xếp các đơn vị hành chính cấp xã của tỉnh An Giang",)
    assert doc.blocks[-1].text.startswith("Nghị quyết này được")
    assert extract_refs(doc.blocks[1].text) == ["394/TTr-CP", "395/ĐA-CP"]


def test_appendix_after_the_signature_is_content():
    blocks = (
        P("Nội dung chính của nghị quyết."),
        P("Nơi nhận:"),
        P("- Các tỉnh ủy, thành ủy,"),
        P("T/M BAN CHẤP HÀNH TRUNG ƯƠNG"),
        P("TỔNG BÍ THƯ"),
        P("Tô Lâm"),
        P("DANH SÁCH DỰ KIẾN TÊN GỌI CÁC TỈNH, THÀNH PHỐ"),
        P("I- Các đơn vị hành chính cấp tỉnh không thực hiện sáp nhập"),
        P("1. Thành phố Hà Nội."),
    )
    doc = assemble(RawDocument(blocks=blocks), "x", "x.md")
    assert [b.text for b in doc.blocks][:2] == [
        "Nội dung chính của nghị quyết.",
        "DANH SÁCH DỰ KIẾN TÊN GỌI CÁC TỈNH, THÀNH PHỐ",
    ]
    assert doc.blocks[-1].section == (
        "DANH SÁCH DỰ KIẾN TÊN GỌI CÁC TỈNH, THÀNH PHỐ",
        "I- Các đơn vị hành chính cấp tỉnh không thực hiện sáp nhập",
    )


def test_format_headings_set_the_level():
    blocks = (
        RawBlock("heading", "Tổng quan", level=1),
        P("Đoạn một."),
        RawBlock("heading", "Chi tiết", level=2),
        P("Đoạn hai."),
        RawBlock("heading", "Kết luận chung", level=1),
        P("Đoạn ba."),
    )
    doc = assemble(RawDocument(blocks=blocks), "x", "x.md")
    assert [b.section for b in doc.blocks if b.kind == "paragraph"] == [
        ("Tổng quan",),
        ("Tổng quan", "Chi tiết"),
        ("Kết luận chung",),
    ]


def test_empty_and_odd_documents_do_not_crash():
    assert assemble(RawDocument(blocks=()), "e", "e.docx").blocks == ()
    only_notes = RawDocument(blocks=(), footnotes={"1": "Chú thích"})
    assert assemble(only_notes, "e", "e.docx").footnotes == ()
    odd = RawDocument(
        blocks=(
            P("   "),
            P("\u200b\ufeffA\u0301 Văn bản có ký tự lạ 🚩.", [("x", 999)]),
            P("x" * 200_000 + ". Hết.", [("2", 200_006)]),
        ),
        footnotes={"x": "Chú thích lạ.", "2": "Dòng rất dài."},
    )
    doc = assemble(odd, "o", "o.txt")
    assert len(doc.blocks) == 2 and doc.blocks[0].text.startswith("\u200b")
    assert doc.footnotes[0].number == 1 and doc.footnotes[0].block_index == 0
    assert doc.blocks[0].footnote_refs == ((1, len(doc.blocks[0].text)),)
    assert doc.footnotes[1].number == 2 and doc.footnotes[1].sentence == "Hết."


def test_text_is_nfc_and_offsets_follow_it():
    decomposed = "Tỷ le\u0302\u0323 đạt 90%. Ti\u0301nh hình ổn định."
    raw = RawDocument(
        blocks=(P(decomposed, [("1", decomposed.index(". Ti") + 1)]),), footnotes={"1": "Ghi chú."}
    )
    doc = assemble(raw, "n", "n.txt")
    assert doc.blocks[0].text == "Tỷ lệ đạt 90%. Tính hình ổn định."
    assert doc.footnotes[0].sentence == "Tỷ lệ đạt 90%."


def test_marker_at_sentence_end_belongs_to_that_sentence():
    text = "Tăng 5%. Giảm 3 vụ."
    assert sentence_at(text, 8) == "Tăng 5%."
    assert sentence_at(text, 9) == "Giảm 3 vụ."
    assert sentence_at(text, len(text)) == "Giảm 3 vụ."


def test_heading_rules():
    assert section_marker("II. NHIỆM VỤ, GIẢI PHÁP") == (1, "II.")
    assert section_marker("a) Về chính trị") == (4, "a)")
    assert section_marker("1.1. Kinh tế") == (3, "1.1.")
    assert section_marker("Phần thứ nhất") == (0, "Phần thứ nhất")
    assert section_marker("CHƯƠNG II") == (1, "CHƯƠNG II")
    assert section_marker("Mục 1") == (2, "Mục 1")
    assert section_marker("Điều 5. Hiệu lực thi hành") == (3, "Điều 5.")
    assert section_marker("1. Thực hiện tốt công tác tuyên truyền.") is None
    assert section_marker("2. Giảm 5 vụ;") is None
    assert section_marker("1. " + "công tác " * 30) is None
    assert section_marker("1.150 đảng viên được kết nạp") is None
    assert section_marker("Chương trình hành động") is None
    assert section_marker("Điều này có hiệu lực") is None


@pytest.mark.skipif(not (SHARED / "corpus-extra").is_dir(), reason="../shared/corpus-extra absent")
def test_corpus_extra_markdown_assembles():
    parsers = pytest.importorskip("indexer.ingest.parsers")
    if not hasattr(parsers, "read"):
        pytest.skip("indexer.ingest.parsers.read not written yet")
    doc = assemble(parsers.read(SHARED / "corpus-extra" / "1654_NQ-UBTVQH15.md"), "1654", "1654.md")
    assert doc.meta.number == "1654/NQ-UBTVQH15" and doc.meta.date == "2025-06-16"
    assert doc.meta.title.startswith("VỀ VIỆC SẮP XẾP")
    assert not any("Nơi nhận" in b.text for b in doc.blocks)
    assert doc.blocks[-1].text.startswith("Nghị quyết này được")
    assert any(b.section and b.section[0].startswith("Điều 1.") for b in doc.blocks)
    nq60 = assemble(parsers.read(SHARED / "corpus-extra" / "60-NQ_TW.md"), "60", "60.md")
    assert nq60.meta.number == "60-NQ/TW" and nq60.meta.issuer == "Ban Chấp hành Trung ương"
    assert any("Hợp nhất tỉnh Bạc Liêu và tỉnh Cà Mau" in b.text for b in nq60.blocks)
