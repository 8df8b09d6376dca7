"""Format readers: each format from real-shaped input, and every kind of bad file."""

from __future__ import annotations

import doctest
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from make_fixtures import make_docx, make_encrypted_pdf, make_pdf, make_scanned_pdf

import indexer.ingest.parsers.docx as docx_reader
import indexer.ingest.parsers.markdown as md_reader
import indexer.ingest.parsers.plaintext as plain_reader
import indexer.ingest.parsers.wordtext as word_reader
from indexer.errors import UnreadableFile, UnsupportedFormat
from indexer.ingest.parsers import read
from indexer.ingest.parsers.markdown import parse_markdown
from indexer.ingest.parsers.plaintext import parse_pdf_text
from indexer.ingest.parsers.wordtext import parse_word_text

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS_EXTRA = SHARED / "corpus-extra"


def texts(doc) -> list[str]:
    return [b.text for b in doc.blocks]


def before_ref(block, label: str) -> str:
    """The block text up to where footnote `label`'s marker stood."""
    return block.text[: dict(block.footnote_refs)[label]]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("parsers")
    make_docx(folder / "report.docx")
    make_pdf(folder / "report.pdf")
    make_encrypted_pdf(folder / "locked.pdf")
    make_scanned_pdf(folder / "scan.pdf")
    return folder


# --- 1. Text exported from Word ----------------------------------------------------------


@pytest.fixture(scope="module")
def word_doc():
    return read(DATA / "word_export.txt")


def test_word_export_header_lines_split_and_kept_verbatim(word_doc):
    assert word_doc.format == "word-text"
    assert texts(word_doc)[:8] == [
        "TỈNH ỦY MẪU SƠN",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "*",
        "Số -BC/TU",
        "Mẫu Sơn, ngày tháng 6 năm 2024",
        "Dự thảo",
        "BÁO CÁO",
        "kết quả thực hiện nhiệm vụ 6 tháng đầu năm và phương hướng, nhiệm vụ 6 tháng cuối năm"
        " 2024 (dữ liệu mẫu, hoàn toàn hư cấu)",
    ]
    assert {b.kind for b in word_doc.blocks} == {"paragraph", "table"}
    assert "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM 2024" in texts(word_doc)
    assert "a) Công tác chính trị, tư tưởng" in texts(word_doc)
    assert texts(word_doc)[-4:] == [
        "T/M BAN THƯỜNG VỤ",
        "- Ban Tổ chức Trung ương;",
        "- Như trên;",
        "- Lưu Văn phòng Tỉnh ủy.",
    ]


def test_word_export_markup_gone_citation_verbatim(word_doc):
    joined = "\n".join(texts(word_doc))
    for markup in ("[[", "footnoteRef", "bookmark", "_Hlk", "[1:", "[]", "\t"):
        assert markup not in joined
    assert "Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính trị về tăng cường" in joined
    assert "được thực hiện thường xuyên; đã tổ chức 45 cuộc đối thoại" in joined


def test_word_export_footnotes_linked_to_marker_position(word_doc):
    assert sorted(word_doc.footnotes) == ["1", "2", "3", "4", "5"]
    assert word_doc.footnotes["1"] == (
        "Tỉnh ủy ban hành Kế hoạch số 07-KH/TU ngày 05/01/2024 (kèm theo [Phụ lục 1]) để triển"
        " khai thực hiện."
    )
    assert word_doc.footnotes["4"].endswith("(trong đó có [02] đồng chí ở xã Mẫu Hạ).")
    cited = next(b for b in word_doc.blocks if b.text.startswith("Toàn Đảng bộ kết nạp"))
    assert [label for label, _ in cited.footnote_refs] == ["3", "4"]
    assert before_ref(cited, "3").endswith("321 đảng viên mới")
    assert before_ref(cited, "4").endswith("cho 210 đồng chí")
    assert cited.text.endswith("thi hành kỷ luật 17 đảng viên vi phạm.")


def test_word_export_tab_table_becomes_rows(word_doc):
    table = next(b for b in word_doc.blocks if b.kind == "table")
    assert table.rows[0] == ("Chỉ tiêu", "Kế hoạch năm", "Thực hiện 6 tháng")
    assert table.rows[1] == ("Kết nạp đảng viên", "600", "321")
    assert table.text.splitlines()[1] == "Kết nạp đảng viên | 600 | 321"


def test_word_export_several_bodies_and_unbalanced_brackets():
    line = "A[[footnoteRef:7]] b[[footnoteRef:8]].[7: [] Có (ngoặc] lẻ.][8: [] Số [3] (x).]"
    doc = parse_word_text(line)
    assert texts(doc) == ["A b."]
    assert doc.footnotes == {"7": "Có (ngoặc] lẻ.", "8": "Số [3] (x)."}
    assert doc.blocks[0].footnote_refs == (("7", 1), ("8", 3))


# --- 2. Plain text extracted from a PDF --------------------------------------------------


@pytest.fixture(scope="module")
def pdf_text_doc():
    return read(DATA / "pdf_extracted.txt")


def test_pdf_text_rejoins_wrapped_lines(pdf_text_doc):
    assert pdf_text_doc.format == "pdf-text"
    found = texts(pdf_text_doc)
    assert (
        "Sáu tháng đầu năm 2024, tổng giá trị sản xuất trên địa bàn huyện ước đạt 2.345 tỷ đồng,"
        " tăng 7,8% so với cùng kỳ; thu ngân sách nhà nước đạt 58,2% dự toán, trong đó thu nội"
        " địa đạt 61,4% dự toán được giao."
    ) in found
    assert found[:5] == [
        "HUYỆN ỦY MẪU SƠN",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "*",
        "Số 45-BC/HU",
        "Mẫu Sơn, ngày 28 tháng 6 năm 2024",
    ]
    assert "1. Về phát triển kinh tế - xã hội" in found
    assert "+ Riêng xã Mẫu Thượng đã di dời 12 hộ ra khỏi vùng nguy cơ sạt lở đất." in found
    assert "Điều 5. Tập trung chỉ đạo hoàn thành các chỉ tiêu kinh tế - xã hội năm 2024." in found


def test_pdf_text_drops_page_numbers_and_running_footer(pdf_text_doc):
    joined = "\n".join(texts(pdf_text_doc))
    assert "- 1 -" not in joined and "- 2 -" not in joined
    assert "Báo cáo sơ kết 6 tháng đầu năm 2024" not in joined
    # the paragraph continues across the page break
    assert any(
        t.startswith("a) Công tác văn hóa") and t.endswith("đạt 99,2%.")
        for t in texts(pdf_text_doc)
    )


def test_pdf_text_keeps_hyphens_and_document_numbers():
    doc = parse_pdf_text(
        "Các cấp ủy đã học tập, quán triệt nghị quyết về phát triển kinh tế -\n"
        "xã hội và Nghị quyết số 35-NQ/\n"
        "TW của Bộ Chính trị về công tác tư tưởng trong tình hình mới.\n"
    )
    assert texts(doc) == [
        "Các cấp ủy đã học tập, quán triệt nghị quyết về phát triển kinh tế - xã hội và Nghị"
        " quyết số 35-NQ/TW của Bộ Chính trị về công tác tư tưởng trong tình hình mới."
    ]


# --- 3. .docx ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docx_doc(built):
    return read(built / "report.docx")


def test_docx_list_numbers_rendered_like_word(docx_doc):
    assert docx_doc.format == "docx"
    numbered = [b.text for b in docx_doc.blocks if b.kind == "paragraph"][:9]
    assert numbered == [
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "1. Công tác xây dựng Đảng",
        "a) Công tác chính trị, tư tưởng",
        "Toàn Đảng bộ kết nạp 321 đảng viên mới, đạt 53,5% kế hoạch.",
        "b) Công tác tổ chức",
        "2. Công tác dân vận",
        "Tổ chức 45 cuộc đối thoại với Nhân dân.",
        "- Phong trào thi đua được duy trì;",
        "II. PHƯƠNG HƯỚNG, NHIỆM VỤ",
    ]
    assert "1. Tiếp tục xây dựng, chỉnh đốn Đảng" in texts(docx_doc)  # restarts under II.


def test_docx_headings_from_styles_including_localised_names(docx_doc):
    headings = [(b.text, b.level) for b in docx_doc.blocks if b.kind == "heading"]
    assert headings == [("BÁO CÁO KẾT QUẢ 6 THÁNG ĐẦU NĂM 2024", 1), ("Phụ lục số liệu", 2)]


def test_docx_footnotes_numbered_in_reference_order(docx_doc):
    assert docx_doc.footnotes == {
        "1": "Trong đó: nữ 140 (43,6%), dân tộc thiểu số 26 [theo Phụ lục 2].",
        "2": "Kế hoạch số 07-KH/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy.",
        "3": "Số liệu tính đến ngày 15/6/2024.",
        "4": "Chỉ tiêu do Đại hội Đảng bộ tỉnh lần thứ XV đề ra.",
    }
    cited = next(b for b in docx_doc.blocks if b.text.startswith("Toàn Đảng bộ"))
    assert before_ref(cited, "1") == "Toàn Đảng bộ kết nạp 321 đảng viên mới"
    assert before_ref(cited, "2").endswith("đạt 53,5% kế hoạch")
    dialogue = next(b for b in docx_doc.blocks if b.text.startswith("Tổ chức 45"))
    assert before_ref(dialogue, "3") == "Tổ chức 45 cuộc đối thoại"


def test_docx_tables_with_rows_and_merged_cell_once(docx_doc):
    tables = [b for b in docx_doc.blocks if b.kind == "table"]
    assert tables[0].rows == (
        ("TỈNH ỦY MẪU SƠN", "ĐẢNG CỘNG SẢN VIỆT NAM"),
        ("Số 12-BC/TU", "Mẫu Sơn, ngày 28 tháng 6 năm 2024"),
    )
    assert docx_doc.blocks[0] == tables[0]  # the header table comes first, in reading order
    stats = tables[1]
    assert stats.rows == (
        ("Chỉ tiêu", "Kế hoạch", "Thực hiện"),
        ("Kết nạp đảng viên", "600", "321"),
        ("Ghi chú: số liệu ước",),
    )
    assert stats.text.splitlines()[1] == "Kết nạp đảng viên | 600 | 321"
    assert before_ref(stats, "4").endswith("Ghi chú: số liệu ước")


def test_docx_found_by_content_whatever_its_name(built, tmp_path):
    renamed = tmp_path / "bao-cao.pdf"
    shutil.copy(built / "report.docx", renamed)
    assert read(renamed).format == "docx"


def _rezip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, replace.get(item.filename, zin.read(item)))
    return target


def test_corrupt_docx_is_unreadable(built, tmp_path):
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes((built / "report.docx").read_bytes()[:3000])
    with pytest.raises(UnreadableFile, match="corrupt"):
        read(truncated)
    broken = _rezip(
        built / "report.docx", tmp_path / "broken.docx", {"word/document.xml": b"<w:doc"}
    )
    with pytest.raises(UnreadableFile, match="document.xml"):
        read(broken)


def test_other_office_zips_are_unsupported(tmp_path):
    xlsx = tmp_path / "so-lieu.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedFormat, match="Excel"):
        read(xlsx)
    plain_zip = tmp_path / "tai-lieu.docx"
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("readme.txt", "xin chào")
    with pytest.raises(UnsupportedFormat, match="word/document.xml"):
        read(plain_zip)


# --- 4. .pdf -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_doc(built):
    return read(built / "report.pdf")


def test_pdf_paragraphs_with_pages_and_no_page_furniture(pdf_doc):
    assert pdf_doc.format == "pdf"
    assert [b.page for b in pdf_doc.blocks] == [1, 1, 2]
    first = pdf_doc.blocks[0].text
    assert first.startswith("Ban Thường vụ Tỉnh ủy Mẫu Sơn đã lãnh đạo, chỉ đạo các cấp ủy")
    assert first.endswith("theo chương trình công tác toàn khóa.")
    joined = "\n".join(texts(pdf_doc))
    assert "Báo cáo sơ kết" not in joined  # running header
    assert not any(re.fullmatch(r"\d+", t) for t in texts(pdf_doc))  # page numbers
    assert "Trong đó: nữ 140" not in joined  # footnote bodies stay out of the body text
    assert "Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính trị gắn với" in joined


def test_pdf_superscript_markers_link_to_page_bottom_notes(pdf_doc):
    assert pdf_doc.footnotes == {
        "1": "Trong đó: nữ 140 đồng chí, dân tộc thiểu số 26 đồng chí.",
        "2": "Kế hoạch số 07-KH/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy.",
    }
    assert before_ref(pdf_doc.blocks[1], "1") == "Toàn Đảng bộ đã kết nạp 321 đảng viên mới"
    assert pdf_doc.blocks[1].text.startswith("Toàn Đảng bộ đã kết nạp 321 đảng viên mới, đạt")
    assert before_ref(pdf_doc.blocks[2], "2").endswith("22/10/2018 của Bộ Chính trị")


def test_encrypted_pdf_is_unreadable(built):
    with pytest.raises(UnreadableFile, match="encrypted"):
        read(built / "locked.pdf")


def test_pdf_without_text_layer_or_image_is_unreadable(built):
    with pytest.raises(UnreadableFile, match=r"không có lớp chữ và không có ảnh"):
        read(built / "scan.pdf")


def test_truncated_pdf_is_unreadable(built, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(UnreadableFile, match="corrupt PDF"):
        read(broken)


# --- 5. pandoc markdown ------------------------------------------------------------------


@pytest.fixture(scope="module")
def md_doc():
    return read(DATA / "sample.md")


def test_markdown_header_table_rows(md_doc):
    assert md_doc.format == "markdown"
    header = md_doc.blocks[0]
    assert header.kind == "table"
    assert header.rows == (
        ("TỈNH ỦY MẪU SƠN\n*", "ĐẢNG CỘNG SẢN VIỆT NAM\n------------"),
        ("Số: 99-NQ/TU", "Mẫu Sơn, ngày 02 tháng 7 năm 2024"),
    )


def test_markdown_emphasis_escapes_and_breaks_removed(md_doc):
    found = texts(md_doc)
    assert found[1] == "NGHỊ QUYẾT"  # the lone "** **" paragraph is dropped
    assert (
        "Căn cứ Điều lệ Đảng; Quy định số 24-QĐ/TW ngày 30/7/2021 của Ban Chấp hành Trung ương;"
        in found
    )
    goal = next(b for b in md_doc.blocks if b.text.startswith("1. Đến năm 2025"))
    assert goal.text == (
        "1. Đến năm 2025, diện tích chè đạt 1.200 ha, năng suất bình quân đạt 12 tấn/ha."
        " Giá trị sản xuất đạt 150 triệu đồng/ha."
    )
    assert "- Mở rộng vùng nguyên liệu tại các xã Mẫu Thượng, Mẫu Hạ;" in found
    assert "- Xây dựng 03 hợp tác xã kiểu mới." in found


def test_markdown_headings_and_footnotes(md_doc):
    headings = [(b.text, b.level) for b in md_doc.blocks if b.kind == "heading"]
    assert headings == [
        ("Về phát triển vùng chè Mẫu Sơn (dữ liệu mẫu, hư cấu)", 1),
        ("Điều 1. Mục tiêu", 2),
    ]
    assert md_doc.footnotes == {
        "1": "Theo Quy hoạch số 05-QH/TU (bản [dự thảo] lần 2).",
        "2": "Giá năm 2023, chưa tính hỗ trợ.",
    }
    goal = next(b for b in md_doc.blocks if b.text.startswith("1. Đến năm 2025"))
    assert before_ref(goal, "1").endswith("chè đạt 1.200 ha")
    assert before_ref(goal, "2").endswith("150 triệu đồng/ha")


def test_markdown_pipe_simple_and_grid_tables(md_doc):
    tables = [b.rows for b in md_doc.blocks if b.kind == "table"]
    assert tables[1] == (
        ("Chỉ tiêu", "Năm 2023", "Năm 2025"),
        ("Diện tích (ha)", "950", "1.200"),
        ("Năng suất (tấn/ha)", "10", "12"),
    )
    assert tables[2] == (("Xã", "Diện tích"), ("Mẫu Thượng", "420"), ("Mẫu Hạ", "380"))
    assert tables[3] == (
        (
            "Nơi nhận:\n- Các đảng bộ trực thuộc;\n- Lưu Văn phòng Tỉnh ủy.",
            "T/M TỈNH ỦY\nBÍ THƯ\nNguyễn Văn Mẫu",
        ),
    )


def test_markdown_found_by_content_under_a_txt_name(tmp_path):
    renamed = tmp_path / "nghi-quyet.txt"
    shutil.copy(DATA / "sample.md", renamed)
    assert read(renamed).format == "markdown"


def _corpus_files() -> list[Path]:
    return sorted(CORPUS_EXTRA.glob("*.md")) if CORPUS_EXTRA.is_dir() else []


@pytest.mark.shared
@pytest.mark.skipif(not _corpus_files(), reason=f"no pandoc corpus at {CORPUS_EXTRA}")
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_real_pandoc_documents(path: Path):
    doc = read(path)
    assert doc.format == "markdown"
    cells = [cell for b in doc.blocks for row in b.rows for cell in row]
    for text in texts(doc) + cells:
        assert "**" not in text and "\\" not in text, text
    first_table = next(b for b in doc.blocks if b.kind == "table")
    number = path.stem.replace("_", "/")  # 1654_NQ-UBTVQH15 → 1654/NQ-UBTVQH15
    expected = f"Số: {number}" if "UBTVQH15" in number else f"Số {number}"
    assert expected in [c for row in first_table.rows for c in row]
    if "UBTVQH15" in number:
        assert any(t.startswith("Điều 1. Sắp xếp các đơn vị hành chính") for t in texts(doc))
        assert any(t.startswith("Điều 3. Tổ chức thực hiện") for t in texts(doc))
        assert any(b.kind == "table" and "Nơi nhận:" in b.text for b in doc.blocks)
    paragraph = max(texts(doc), key=len)
    assert "\n" not in paragraph  # wrapped lines were re-joined


# --- sniffing and bad input --------------------------------------------------------------


def test_format_is_decided_by_content(built, tmp_path):
    as_txt = tmp_path / "bao-cao.txt"
    shutil.copy(built / "report.pdf", as_txt)
    assert read(as_txt).format == "pdf"
    word_as_md = tmp_path / "xuat-tu-word.md"
    shutil.copy(DATA / "word_export.txt", word_as_md)
    assert read(word_as_md).format == "word-text"


def test_utf8_bom_and_utf16_text_are_read(tmp_path):
    text = (DATA / "word_export.txt").read_text(encoding="utf-8")
    for name, data in (
        ("bom8.txt", b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("utf16.txt", text.encode("utf-16")),
    ):
        (tmp_path / name).write_bytes(data)
        doc = read(tmp_path / name)
        assert doc.blocks[0].text == "TỈNH ỦY MẪU SƠN"
        assert len(doc.footnotes) == 5


@pytest.mark.parametrize(
    ("name", "data", "error", "reason"),
    [
        ("rong.txt", b"", UnreadableFile, "empty"),
        ("trang.md", b"  \n\n \t\n", UnreadableFile, "empty"),
        ("anh.txt", bytes(range(256)) * 8, UnsupportedFormat, "binary"),
        ("anh.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, UnsupportedFormat, "PNG"),
        # a damaged Word 97 file: LibreOffice cannot load it (or is not installed)
        ("cu.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
         (UnreadableFile, UnsupportedFormat), ".doc"),
        ("latin1.txt", "Báo cáo tình hình".encode("latin-1"), UnreadableFile, "UTF-8"),
        ("u16.txt", "Báo cáo".encode("utf-16-le"), UnreadableFile, "byte-order mark"),
        ("chi-dau.md", b"** **\n\n*** ***\n", UnreadableFile, "no readable text"),
    ],
)
def test_bad_files_raise_a_clear_reason(tmp_path, name, data, error, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error, match=re.escape(reason)) as caught:
        read(path)
    assert "\n" not in str(caught.value)


def test_missing_file_and_folder_are_unreadable(tmp_path):
    with pytest.raises(UnreadableFile):
        read(tmp_path / "khong-co.docx")
    with pytest.raises(UnreadableFile, match="folder"):
        read(tmp_path)


_GARBAGE = st.lists(
    st.sampled_from(
        ["[[footnoteRef:1]]", "[1: []", "]", "[", "|", "+---+", "**", "\\", "\t", "\n", "\n\n",
         "  -----  ----", "[^1]", "[^1]: ", "# ", "1. ", "- ", "Điều 1.", "ạ", "  ", "\u0323",
         "12", "x" * 90, "\f", "``", "<b>", "&nbsp;"]
    ),
    max_size=60,
).map("".join)  # fmt: skip


@pytest.mark.slow  # a property-based campaign
@settings(max_examples=150, deadline=None)
@given(_GARBAGE)
def test_text_readers_never_crash_on_garbage(text: str):
    for parse in (parse_word_text, parse_markdown, parse_pdf_text):
        doc = parse(text)
        for block in doc.blocks:
            assert block.text == block.text.strip()
            assert all(0 <= offset <= len(block.text) for _, offset in block.footnote_refs)


@pytest.mark.parametrize(
    "bad", ["[" * 50_000, "*" * 100_000, "| " * 30_000 + "\n|---|---|", "[1: " * 20_000]
)
def test_pathological_lines_finish(bad: str):
    for parse in (parse_word_text, parse_markdown, parse_pdf_text):
        parse(bad)


@pytest.mark.parametrize("module", [plain_reader, word_reader, md_reader, docx_reader])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def test_read_bytes_matches_read(built):
    from indexer.ingest.parsers import read_bytes

    data = (built / "report.docx").read_bytes()
    assert read_bytes(io.BytesIO(data).getvalue()) == read(built / "report.docx")
