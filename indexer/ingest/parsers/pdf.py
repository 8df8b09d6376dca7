"""PDF text layer (pymupdf): running headers, footers and page numbers dropped, wrapped lines
re-joined into paragraphs, superscript footnote markers linked to the notes at the page bottom."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pymupdf

from indexer.errors import UnreadableFile
from indexer.ingest.parsers.plaintext import (
    Ref,
    build_text,
    is_page_number,
    line_joiner,
    starts_paragraph,
)
from indexer.model import RawBlock, RawDocument

_NOTE_START = re.compile(r"\s*(\d{1,3})(?:[.)]?\s+|$)")
_MARKER = re.compile(r"\s*(\d{1,3})\s*")
_EDGE = 0.12  # top and bottom share of a page where running headers and footers live


@dataclass(frozen=True)
class Span:
    text: str
    size: float
    superscript: bool


@dataclass(frozen=True)
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    height: float  # of the page
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans).strip()

    @property
    def size(self) -> float:
        return max(s.size for s in self.spans)


def _lines(doc: pymupdf.Document) -> list[Line]:
    out = []
    for number, page in enumerate(doc, start=1):
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


def _drop_furniture(lines: list[Line], pages: int) -> list[Line]:
    """Remove page numbers and lines repeated near the same page edge on most pages."""

    def at_edge(line: Line) -> bool:
        return line.y1 < _EDGE * line.height or line.y0 > (1 - _EDGE) * line.height

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text)

    seen = Counter(k for k in {(ln.page, key(ln)) for ln in lines if at_edge(ln)})
    pages_with = Counter(k for _, k in seen)
    running = {k for k, n in pages_with.items() if pages >= 2 and n >= max(2, pages / 2)}
    return [
        ln for ln in lines
        if not (at_edge(ln) and (is_page_number(ln.text) or key(ln) in running))
    ]  # fmt: skip


def _note_start(line: Line) -> tuple[str, str] | None:
    """(label, rest) when a line opens a footnote: "¹Trong đó…" or "1 Trong đó…"."""
    first = line.spans[0]
    m = _MARKER.fullmatch(first.text)
    if first.superscript and m and len(line.spans) > 1:
        return m.group(1), "".join(s.text for s in line.spans[1:])
    m = _NOTE_START.match(line.text)
    return (m.group(1), line.text[m.end() :]) if m else None


def _split_notes(lines: list[Line], body_size: float) -> tuple[list[Line], dict[str, str]]:
    """Separate each page's bottom run of small-font lines opening with a number: footnotes."""
    body: list[Line] = []
    notes: dict[str, list[str]] = {}
    for page in sorted({ln.page for ln in lines}):
        on_page = sorted((ln for ln in lines if ln.page == page), key=_reading_order)
        cut = len(on_page)
        while cut > 0 and on_page[cut - 1].size < 0.9 * body_size:
            cut -= 1
        while cut < len(on_page) and not _note_start(on_page[cut]):
            cut += 1  # small lines before the first numbered one are not notes (a caption)
        body.extend(on_page[:cut])
        label = None
        for line in on_page[cut:]:
            start = _note_start(line)
            if start and (line.spans[0].superscript or line.x0 <= on_page[cut].x0 + 1):
                label = start[0]
                notes[label] = [start[1]]
            elif label:
                notes[label].append(line.text)
    return body, {k: build_text([" ".join(v)])[0] for k, v in notes.items()}


def _reading_order(line: Line) -> tuple[int, float]:
    """Top to bottom, then left to right; lines within 2pt count as one row (header cells)."""
    return round(line.y0 / 2), line.x0


def _pieces(line: Line, labels: dict[str, str]) -> list[str | Ref]:
    out: list[str | Ref] = []
    for span in line.spans:
        m = _MARKER.fullmatch(span.text)
        if span.superscript and m and m.group(1) in labels:
            out.append((m.group(1),))
        else:
            out.append(span.text)
    return out


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group body lines into paragraphs by indentation, line gaps and the text rules."""
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    right = sorted(ln.x1 for ln in lines)[int(len(lines) * 0.9)]
    gaps = [b.y0 - a.y0 for a, b in zip(lines, lines[1:], strict=False) if a.page == b.page]
    positive = sorted(g for g in gaps if g > 0)
    step = positive[len(positive) // 2] if positive else 0  # the usual line pitch
    groups: list[list[Line]] = []
    for line in lines:
        prev = groups[-1][-1] if groups else None
        if prev is None:
            groups.append([line])
            continue
        short = prev.x1 < right - 0.15 * (right - left)
        indented = line.x0 > left + 4
        gap = line.page == prev.page and step > 0 and line.y0 - prev.y0 > 1.6 * step
        if gap or starts_paragraph(prev.text, line.text, short, indented):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def parse_pdf(data: bytes) -> RawDocument:
    """Blocks (with page numbers) and footnotes of a PDF's text layer."""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises its own FileDataError and plain RuntimeErrors
        raise UnreadableFile(f"corrupt PDF: {exc}") from exc
    if doc.needs_pass:
        raise UnreadableFile("encrypted PDF: it needs a password; save an unprotected copy")
    if doc.page_count == 0:
        raise UnreadableFile("corrupt PDF: no pages could be read")
    try:
        lines = _lines(doc)
    except Exception as exc:
        raise UnreadableFile(f"corrupt PDF: {exc}") from exc
    lines = _drop_furniture(lines, doc.page_count)
    if not lines:
        raise UnreadableFile("no text layer (scanned?): run OCR on the PDF first")
    sizes = Counter()
    for line in lines:
        for span in line.spans:
            sizes[round(span.size, 1)] += len(span.text)
    body, footnotes = _split_notes(lines, sizes.most_common(1)[0][0])
    blocks = []
    for group in _paragraphs(body) if body else []:
        pieces: list[str | Ref] = []
        for line in group:
            pieces += [*_pieces(line, footnotes), line_joiner(line.text)]
        text, refs = build_text(pieces)
        if text:
            blocks.append(
                RawBlock(kind="paragraph", text=text, footnote_refs=refs, page=group[0].page)
            )
    return RawDocument(blocks=tuple(blocks), footnotes=footnotes, format="pdf")
