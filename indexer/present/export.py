"""Search results, an answer and its series table as files staff paste into reports: CSV (UTF-8
with a BOM, so Excel reads Vietnamese) and Word (.docx). Pure functions from the JSON records
(`search_record`, `answer_record`) to bytes; every quote verbatim, every citation its `label`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from docx import Document
from docx.shared import Pt

CSV_TYPE = "text/csv; charset=utf-8"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {"paragraph": "Đoạn", "footnote": "Chú thích", "table": "Bảng", "heading": "Đề mục"}
# Scores as whole numbers 0–100 and no parsed figures: "0.77" or "1.234" would be read as 769
# or 1,234 by an Excel set to another locale; the figure stays the quoted text
SEARCH_COLUMNS = ("STT", "Văn bản", "Loại đoạn", "Trích dẫn", "Trích nguyên văn",
                  "Điểm (0–100)", "Liên kết")  # fmt: skip
SERIES_COLUMNS = ("Kỳ báo cáo", "Số liệu (trích nguyên văn)", "Đơn vị",
                  "So với kỳ trước cùng loại (tính toán)", "Câu nguồn", "Trích dẫn", "Liên kết")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COMPUTED_NOTE = ("Cột “so với kỳ trước” do hệ thống tính từ các số liệu trích dẫn, "
                 "không phải trích dẫn.")  # fmt: skip


def _document(citation: Mapping) -> str:
    """The document a citation points to, in words: 'Báo cáo số 12-BC/TU – Tình hình …'."""
    name = citation.get("doc_type") or "Văn bản"
    if citation.get("number"):
        name += f" số {citation['number']}"
    title = citation.get("title") or ""
    return f"{name} – {title}" if title else name


def _number(value: float | None) -> str:
    """A figure as Vietnamese writes it: 1.234,5 (thousands dot, decimal comma).

    >>> _number(1234.5), _number(37.0), _number(None)
    ('1.234,5', '37', '')
    """
    if value is None:
        return ""
    text = f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def change_text(entry: Mapping) -> str:
    """A series row's computed change: 'tăng 6 so với 6 tháng đầu năm 2023' ('' for none)."""
    change = entry.get("change")
    if not change:
        return ""
    delta = change["delta"]
    word = "tăng" if delta > 0 else "giảm" if delta < 0 else "không đổi"
    amount = f" {_number(abs(delta))}" if delta else ""
    return f"{word}{amount} so với {change['from']}"


def cell(value: object) -> object:
    """A CSV cell Excel shows as text: one starting like a formula gets a leading apostrophe
    (a quoted list item "- Kết nạp …" would otherwise be run, and shown as #NAME?).

    >>> cell("- Kết nạp 12 đảng viên"), cell("Kết nạp"), cell(7)
    ("'- Kết nạp 12 đảng viên", 'Kết nạp', 7)
    """
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _csv(rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _search_rows(record: Mapping, first: int = 1) -> list[list[object]]:
    rows = []
    for n, r in enumerate(record.get("results", []), start=first):
        c = r["citation"]
        rows.append([n, _document(c), KINDS.get(r["kind"], r["kind"]), c["label"], r["text"],
                     round(r["score"] * 100), c["url"]])  # fmt: skip
    return rows


def search_csv(record: Mapping, first: int = 1) -> bytes:
    """A page of results (`search_record`), one row per passage, numbered from `first`."""
    return _csv([SEARCH_COLUMNS, *_search_rows(record, first)])


def _series_rows(record: Mapping) -> list[list[object]]:
    return [[e["period"], e["value"], e.get("unit") or "",
             change_text(e), e.get("sentence") or "", e["citation"]["label"],
             e["citation"]["url"]] for e in record.get("series", [])]  # fmt: skip


def answer_csv(record: Mapping) -> bytes:
    """An answer (`answer_record`): the question, the answer with its quoted sentence and
    citation, then the series table when the question spans periods."""
    rows: list[list[object]] = [["Câu hỏi", record["query"]]]
    if record.get("answer") and record.get("citations"):
        cite = record["citations"][0]["citation"]
        rows += [["Trả lời", record["answer"]], ["Mức tin cậy", record.get("certainty") or ""],
                 ["Câu nguồn (trích nguyên văn)", record.get("sentence") or ""],
                 ["Văn bản", _document(cite)], ["Trích dẫn", cite["label"]],
                 ["Liên kết", cite["url"]]]  # fmt: skip
    else:
        rows += [["Trả lời", "Không có câu trả lời"], ["Lý do", record.get("why") or ""]]
    if record.get("series"):
        rows += [[], list(SERIES_COLUMNS), *_series_rows(record), [], [COMPUTED_NOTE]]
    return _csv(rows)


def _new_docx(title: str):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    doc.add_heading(title, level=1)
    return doc


def _bytes(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _quote(doc, text: str, label: str, url: str) -> None:
    doc.add_paragraph(f"“{text}”", style="Quote")
    source = doc.add_paragraph()
    source.add_run("Nguồn: ").bold = True
    source.add_run(label)
    if url:
        doc.add_paragraph(url)


def search_docx(record: Mapping, first: int = 1) -> bytes:
    """A page of results as a Word document: each passage quoted verbatim with its citation."""
    doc = _new_docx(f"Kết quả tìm kiếm: {record['query']}")
    results = record.get("results", [])
    shown = f"{first}–{first + len(results) - 1} trong " if results else ""
    doc.add_paragraph(f"Kết quả {shown}{record.get('total', len(results))} đoạn phù hợp.")
    for n, r in enumerate(results, start=first):
        c = r["citation"]
        doc.add_heading(f"{n}. {_document(c)}", level=2)
        _quote(doc, r["text"], c["label"], c["url"])
    return _bytes(doc)


def answer_docx(record: Mapping) -> bytes:
    """An answer as a Word document: the answer, the quoted sentence and its citation, then the
    series table (each figure verbatim with its citation; the change marked as computed)."""
    doc = _new_docx(f"Câu hỏi: {record['query']}")
    if record.get("answer") and record.get("citations"):
        cite = record["citations"][0]["citation"]
        line = doc.add_paragraph()
        line.add_run("Trả lời: ").bold = True
        line.add_run(record["answer"])
        if record.get("certainty"):
            line.add_run(f" ({record['certainty']})")
        _quote(doc, record.get("sentence") or record["citations"][0]["text"], cite["label"],
               cite["url"])  # fmt: skip
    else:
        doc.add_paragraph("Không có câu trả lời: các văn kiện đã lập chỉ mục không nêu số liệu "
                          "này.")
        if record.get("why"):
            doc.add_paragraph(f"Lý do: {record['why']}")
    if record.get("series"):
        doc.add_heading("Số liệu qua các kỳ báo cáo", level=2)
        heads = ("Kỳ báo cáo", "Số liệu (trích nguyên văn)",
                 "So với kỳ trước cùng loại (tính toán)", "Nguồn")  # fmt: skip
        table = doc.add_table(rows=1, cols=len(heads))
        table.style = "Table Grid"
        for cell, head in zip(table.rows[0].cells, heads, strict=True):
            cell.text = head
        for e in record["series"]:
            cells = table.add_row().cells
            values = (e["period"], e["value"], change_text(e) or "—", e["citation"]["label"])
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
        doc.add_paragraph(COMPUTED_NOTE)
    return _bytes(doc)


def ascii_name(text: str, limit: int = 60) -> str:
    """A file name stem any browser and disk accept: Vietnamese without accents, dashes.

    >>> ascii_name("Số đảng viên được kết nạp?")
    'so-dang-vien-duoc-ket-nap'
    """
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].strip("-") or "vankien"


def disposition(stem: str, suffix: str) -> str:
    """Content-Disposition for a download: an ASCII `filename` and the Vietnamese name as RFC
    5987 `filename*` ('tra-cuu-ket-nap.csv' / 'tra-cứu-kết-nạp.csv')."""
    readable = " ".join(re.sub(r"[\x00-\x1f\x7f/\\\"]+", " ", stem).split())[:80] or "vankien"
    return (f'attachment; filename="{ascii_name(stem)}{suffix}"; '
            f"filename*=UTF-8''{quote(readable + suffix, safe='')}")
