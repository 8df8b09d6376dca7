"""Build the binary test documents (.docx with real footnotes and list numbering, PDFs) in code.

Everything in them is invented test data ("Tỉnh ủy Mẫu Sơn" does not exist).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pymupdf
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES = {  # footnote id in footnotes.xml → body; ids deliberately differ from displayed numbers
    "5": "Trong đó: nữ 140 (43,6%), dân tộc thiểu số 26 [theo Phụ lục 2].",
    "9": "Kế hoạch số 07-KH/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy.",
    "7": "Số liệu tính đến ngày 15/6/2024.",
    "8": "Chỉ tiêu do Đại hội Đảng bộ tỉnh lần thứ XV đề ra.",
}
NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W_NS}">
 <w:abstractNum w:abstractNumId="0">
  <w:lvl w:ilvl="0"><w:start w:val="1"/>
   <w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/>
   <w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
 </w:abstractNum>
 <w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
 </w:abstractNum>
 <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
 <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def _numbered(document, text: str, num_id: int, ilvl: int):
    p = document.add_paragraph(text)
    num_pr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", ilvl), ("w:numId", num_id)):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(value))
        num_pr.append(el)
    p._p.get_or_add_pPr().append(num_pr)
    return p


def _with_notes(paragraph, parts: list[str | int]) -> None:
    """Fill a paragraph with runs; an int is a footnoteReference run to that footnote id."""
    for part in parts:
        run = paragraph.add_run("" if isinstance(part, int) else part)
        if isinstance(part, int):
            ref = OxmlElement("w:footnoteReference")
            ref.set(qn("w:id"), str(part))
            run._r.append(ref)


def _footnotes_xml() -> str:
    notes = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>",
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>",
    ]
    for note_id, body in FOOTNOTES.items():
        notes.append(
            f'<w:footnote w:id="{note_id}"><w:p><w:r><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {body}</w:t></w:r></w:p></w:footnote>'
        )
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="{W_NS}">'
    return head + "".join(notes) + "</w:footnotes>"


def make_docx(path: Path) -> Path:
    """A small report: header table, Heading 1, numbered sections, 4 footnotes, a stats table."""
    document = docx.Document()
    header = document.add_table(rows=2, cols=2)
    for cell, text in zip(
        header._cells,
        [
            "TỈNH ỦY MẪU SƠN",
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Số 12-BC/TU",
            "Mẫu Sơn, ngày 28 tháng 6 năm 2024",
        ],
        strict=True,
    ):
        cell.text = text
    document.add_heading("BÁO CÁO KẾT QUẢ 6 THÁNG ĐẦU NĂM 2024", level=1)
    _numbered(document, "KẾT QUẢ ĐẠT ĐƯỢC", 1, 0)
    _numbered(document, "Công tác xây dựng Đảng", 1, 1)
    _numbered(document, "Công tác chính trị, tư tưởng", 1, 2)
    body = document.add_paragraph()
    _with_notes(body, ["Toàn Đảng bộ kết nạp 321 đảng viên mới", 5, ", đạt 53,5% kế hoạch", 9, "."])
    _numbered(document, "Công tác tổ chức", 1, 2)
    _numbered(document, "Công tác dân vận", 1, 1)
    _with_notes(document.add_paragraph(), ["Tổ chức 45 cuộc đối thoại", 7, " với Nhân dân."])
    _numbered(document, "Phong trào thi đua được duy trì;", 2, 0)
    _numbered(document, "PHƯƠNG HƯỚNG, NHIỆM VỤ", 1, 0)
    _numbered(document, "Tiếp tục xây dựng, chỉnh đốn Đảng", 1, 1)
    local = document.styles.add_style("Tiêu đề 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Phụ lục số liệu", style=local)
    table = document.add_table(rows=3, cols=3)
    rows = [["Chỉ tiêu", "Kế hoạch", "Thực hiện"], ["Kết nạp đảng viên", "600", "321"]]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    merged = table.cell(2, 0).merge(table.cell(2, 2))
    merged.text = ""
    _with_notes(merged.paragraphs[0], ["Ghi chú: số liệu ước", 8])
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_inject_footnotes(buffer.getvalue()))
    return path


def _inject_footnotes(data: bytes) -> bytes:
    """Add footnotes.xml with its relationship and content type; swap in our numbering.xml."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/numbering.xml":
                content = NUMBERING.encode()
            elif item.filename == "word/_rels/document.xml.rels":
                rel = f'<Relationship Id="rIdFn1" Type="{FOOTNOTES_REL}" Target="footnotes.xml"/>'
                content = content.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            elif item.filename == "[Content_Types].xml":
                over = f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_CT}"/>'
                content = content.replace(b"</Types>", over.encode() + b"</Types>")
            target.writestr(item, content)
        target.writestr("word/footnotes.xml", _footnotes_xml())
    return out.getvalue()


PDF_PAGES = [
    [
        "<p>Ban Thường vụ Tỉnh ủy Mẫu Sơn đã lãnh đạo, chỉ đạo các cấp ủy, tổ chức đảng tập "
        "trung thực hiện hoàn thành các nhiệm vụ chính trị trọng tâm của 6 tháng đầu năm 2024, "
        "bảo đảm tiến độ theo chương trình công tác toàn khóa.</p>",
        "<p>Toàn Đảng bộ đã kết nạp 321 đảng viên mới<sup>1</sup>, đạt 53,5% kế hoạch năm; "
        "công tác kiểm tra, giám sát được thực hiện thường xuyên, đúng quy định của Điều lệ Đảng "
        "và các văn bản hướng dẫn của Trung ương.</p>",
    ],
    [
        "<p>Trong 6 tháng cuối năm, các cấp ủy tiếp tục quán triệt Nghị quyết số 35-NQ/TW ngày "
        "22/10/2018 của Bộ Chính trị<sup>2</sup> gắn với công tác xây dựng, chỉnh đốn Đảng và hệ "
        "thống chính trị trong sạch, vững mạnh toàn diện.</p>",
    ],
]
PDF_NOTES = [
    "1 Trong đó: nữ 140 đồng chí, dân tộc thiểu số 26 đồng chí.",
    "<sup>2</sup>Kế hoạch số 07-KH/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy.",
]
PDF_HEADER = "Tỉnh ủy Mẫu Sơn – Báo cáo sơ kết 6 tháng đầu năm 2024"


def make_pdf(path: Path) -> Path:
    """Two A4 pages: running header, paragraphs, superscript marker, its footnote, page numbers."""
    doc = pymupdf.open()
    for number, (paragraphs, note) in enumerate(zip(PDF_PAGES, PDF_NOTES, strict=True), start=1):
        page = doc.new_page(width=595, height=842)
        page.insert_htmlbox(
            pymupdf.Rect(72, 30, 523, 60), f'<p style="font-size:9pt">{PDF_HEADER}</p>'
        )
        html = "".join(paragraphs).replace("<p>", '<p style="font-size:12pt;text-indent:24pt">')
        page.insert_htmlbox(pymupdf.Rect(72, 110, 523, 600), html)
        page.insert_htmlbox(pymupdf.Rect(72, 745, 523, 785), f'<p style="font-size:9pt">{note}</p>')
        page.insert_htmlbox(
            pymupdf.Rect(280, 800, 320, 820), f'<p style="font-size:10pt">{number}</p>'
        )
    doc.save(path)
    return path


def make_encrypted_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    doc.new_page().insert_htmlbox(pymupdf.Rect(72, 72, 500, 200), "<p>Tài liệu mật</p>")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="mat-khau", owner_pw="chu")
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A page with only a drawing, like a scan with no OCR text layer."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(72, 72, 400, 400), color=(0, 0, 0), fill=(0.8, 0.8, 0.8))
    doc.save(path)
    return path


# A report printed, signed and scanned: same-size footnotes under a short rule (as Word and
# LibreOffice lay them out), then the pages as tilted, specked grey images with no text layer.
REPORT_PAGES = [
    (
        "<p>TỈNH ỦY MẪU SƠN</p><p>Số 15-BC/TU</p><p>ĐẢNG CỘNG SẢN VIỆT NAM</p>"
        "<p>Mẫu Sơn, ngày 28 tháng 6 năm 2024</p><p>BÁO CÁO</p>"
        "<p>Kết quả công tác kiểm tra 6 tháng đầu năm 2024</p>"
        "<p>Trong 6 tháng đầu năm, cấp ủy và ủy ban kiểm tra các cấp đã kiểm tra 1.164 đảng viên "
        "và 148 tổ chức đảng; thi hành kỷ luật 47 đảng viên<sup>1</sup>, giảm 6 đảng viên so với "
        "cùng kỳ năm trước.</p>"
        "<p>Công tác giám sát được thực hiện thường xuyên.</p>",
        "<sup>1</sup>Khiển trách 20, cảnh cáo 15, cách chức 4, khai trừ 8; trong đó 05 năm liền "
        "không vi phạm trước đó.",
    ),
    (
        "<p>Thu ngân sách trên địa bàn đạt 2.278 tỷ đồng<sup>2</sup>, bằng 51,09% dự toán năm. "
        "Tỷ lệ bao phủ bảo hiểm y tế đạt 93,7% dân số.</p>"
        "<p>Trên đây là báo cáo kết quả công tác kiểm tra 6 tháng đầu năm 2024.</p>",
        "<sup>2</sup>Trong đó thu nội địa 1.950 tỷ đồng, thu xuất nhập khẩu 328 tỷ đồng.",
    ),
]


def make_report_pdf(path: Path, pages=REPORT_PAGES) -> Path:
    """A text PDF: header, paragraphs with superscript markers, 12pt footnotes under a rule."""
    doc = pymupdf.open()
    for body, note in pages:
        page = doc.new_page(width=595, height=842)
        style = "font-size:12pt;line-height:1.4;margin:0 0 9pt 0"
        page.insert_htmlbox(pymupdf.Rect(72, 72, 523, 640),
                            body.replace("<p>", f'<p style="{style}">'))  # fmt: skip
        page.draw_line((72, 690), (190, 690), width=0.6)
        page.insert_htmlbox(pymupdf.Rect(72, 696, 523, 790), f'<p style="{style}">{note}</p>')
    doc.save(path)
    return path


def make_scan(path: Path, source: Path, dpi: int = 200, tilt: float = 0.6, seed: int = 7) -> Path:
    """An image-only PDF of `source`'s pages: grey, slightly turned, with specks of dust."""
    import numpy as np

    rng = np.random.default_rng(seed)
    text = pymupdf.open(source)
    scan = pymupdf.open()
    for number, page in enumerate(text):
        matrix = pymupdf.Matrix(dpi / 72, dpi / 72).prerotate(tilt if number % 2 else -tilt)
        pix = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csGRAY, alpha=False)
        gray = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)
        gray = (gray[:, : pix.width].astype(np.int16) * 0.85 + 20).astype(np.uint8)  # grey paper
        for y, x in zip(rng.integers(0, pix.height - 3, 300), rng.integers(0, pix.width - 3, 300),
                        strict=True):  # fmt: skip
            gray[y : y + 2, x : x + 2] = 60
        image = pymupdf.Pixmap(pymupdf.csGRAY, pix.width, pix.height, gray.tobytes(), False)
        out = scan.new_page(width=page.rect.width, height=page.rect.height)
        out.insert_image(out.rect, stream=image.tobytes("png"))
    scan.save(path)
    return path


def make_word_docx(path: Path) -> Path:
    """`make_docx` with footnote ids in order of appearance, as Word itself writes them (the
    files LibreOffice is given to save as .doc, .rtf and .odt)."""
    make_docx(path)
    order = {"5": "1", "9": "2", "7": "3", "8": "4"}
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename in ("word/document.xml", "word/footnotes.xml"):
                for old, new in order.items():
                    content = content.replace(f'w:id="{old}"'.encode(), f'w:id="{new}"'.encode())
            target.writestr(item, content)
    path.write_bytes(out.getvalue())
    return path
