"""PDF pages (pymupdf): the text layer's lines, or OCR's for a scanned page, then the common
layout path (indexer/ingest/parsers/layout.py): running headers, footers and page numbers
dropped, wrapped lines re-joined, superscript markers linked to the page-bottom notes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from indexer.errors import UnreadableFile
from indexer.ingest import ocr
from indexer.ingest.parsers.layout import Line, Span, read_lines
from indexer.ingest.parsers.scanned import Numbering, page_lines, scanned_page
from indexer.model import RawDocument, ScannedPage

if TYPE_CHECKING:  # imported where used: pymupdf loads its layout model (~1 s)
    import pymupdf

BLANK = "không có lớp chữ và không có ảnh để nhận dạng: các trang đều trắng"
BLANK_SCAN = "không có chữ nào, kể cả sau nhận dạng ký tự (OCR): các trang đều trắng"


def _text_lines(page: pymupdf.Page, number: int) -> list[Line]:
    out = []
    height = page.rect.height
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            spans = tuple(_span(s, line) for s in line["spans"] if s["text"])
            if spans and "".join(s.text for s in spans).strip():
                x0, y0, x1, y1 = line["bbox"]
                out.append(Line(number, x0, y0, x1, y1, height, spans))
    return out


def _span(span: dict, line: dict) -> Span:
    """A span; superscript when flagged so, or smaller and raised above the line's baseline."""
    baseline = max(s["origin"][1] for s in line["spans"])
    biggest = max(s["size"] for s in line["spans"])
    raised = span["size"] < 0.85 * biggest and span["origin"][1] < baseline - 0.15 * span["size"]
    return Span(span["text"], span["size"], bool(span["flags"] & 1) or raised)


def _drawn_rule(page: pymupdf.Page, lines: list[Line]) -> float | None:
    """The y of the short rule a word processor draws above the footnotes: a thin horizontal
    line from the text's left edge, a tenth to a half of the page wide."""
    if not lines:
        return None
    left = min(ln.x0 for ln in lines)
    width = page.rect.width
    drawn = [d["rect"] for d in page.get_drawings()]
    found = [
        rect.y0 for rect in drawn
        if rect.height <= 2 and 0.1 * width <= rect.width <= 0.5 * width
        and abs(rect.x0 - left) <= 0.02 * width and not _joined_to(rect, drawn)
    ]  # fmt: skip
    return max(found) if found else None


def _joined_to(rect: pymupdf.Rect, drawn: list[pymupdf.Rect]) -> bool:
    """Whether other strokes meet the line (a table's border, not a rule standing alone)."""
    near = rect + (-2, -2, 2, 2)
    return any(other.intersects(near) and max(map(abs, other - rect)) >= 1 for other in drawn)


def parse_pdf(data: bytes, cache: ocr.OcrCache | None = None) -> RawDocument:
    """Blocks (with page numbers) and footnotes of a PDF: its text layer, and OCR for pages
    that show an image with (almost) no text. `cache` keeps recognised pages by content."""
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises its own FileDataError and plain RuntimeErrors
        raise UnreadableFile(f"corrupt PDF: {exc}") from exc
    if doc.needs_pass:
        raise UnreadableFile("encrypted PDF: it needs a password; save an unprotected copy")
    if doc.page_count == 0:
        raise UnreadableFile("corrupt PDF: no pages could be read")
    try:
        scans = [n for n, page in enumerate(doc, start=1) if ocr.needs_ocr(page)]
    except Exception as exc:
        raise UnreadableFile(f"corrupt PDF: {exc}") from exc
    lines, rules, scanned = _read_pages(doc, scans, cache or ocr.OcrCache(None))
    blocks, footnotes = read_lines(lines, doc.page_count, rules)
    if not blocks:
        raise UnreadableFile(BLANK_SCAN if scans else BLANK)
    return RawDocument(blocks=blocks, footnotes=footnotes, format="pdf", scanned=scanned)


def _read_pages(doc, scans: list[int], cache: ocr.OcrCache):
    """Lines of every page, the footnote rule of each page that has one, and the OCR facts."""
    lines: list[Line] = []
    rules: dict[int, float] = {}
    scanned: list[ScannedPage] = []
    numbering = Numbering()
    for number, page in enumerate(doc, start=1):
        try:
            if number in scans:
                result, cached = ocr.ocr_page(page, cache)
                found, rule = page_lines(result, number, numbering)
                scanned.append(scanned_page(result, number, 0.0 if cached else result.seconds))
            else:
                found = _text_lines(page, number)
                rule = _drawn_rule(page, found)
        except UnreadableFile as exc:
            where = "" if len(scans) == doc.page_count else f"trang {_pages(scans)}: "
            raise UnreadableFile(f"{where}{exc}") from exc
        except Exception as exc:
            raise UnreadableFile(f"corrupt PDF: {exc}") from exc
        lines += found
        if rule is not None:
            rules[number] = rule
    return lines, rules, tuple(scanned)


def _pages(numbers: list[int]) -> str:
    """ "3, 5–7" for pages 3, 5, 6, 7."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return re.sub(r"\s+", " ", ", ".join(
        f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs))  # fmt: skip
