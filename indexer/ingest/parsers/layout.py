"""Positioned lines of a paginated document → paragraphs and footnotes. Every PDF page takes
this path, its lines read from the text layer or recognised by OCR: running headers, footers
and page numbers dropped, the page-bottom footnotes (below their rule, or in a smaller font)
set apart and joined across pages, wrapped lines re-joined, superscript markers linked."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from indexer.ingest.parsers.plaintext import (
    Ref,
    build_text,
    is_page_number,
    line_joiner,
    starts_paragraph,
)
from indexer.model import RawBlock

_NOTE_START = re.compile(r"\s*(\d{1,3})(?:[.)]?\s+|$)")
_MARKER = re.compile(r"\s*(\d{1,3})\s*")
_EDGE = 0.12  # top and bottom share of a page where running headers and footers live


@dataclass(frozen=True)
class Span:
    text: str
    size: float
    superscript: bool
    guessed: bool = False  # a raised number seen by OCR: dropped unless it is a footnote's


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


def read_lines(
    lines: list[Line], pages: int, rules: dict[int, float] | None = None
) -> tuple[tuple[RawBlock, ...], dict[str, str]]:
    """Paragraph blocks (with page numbers) and footnote bodies of a document's lines.

    `rules`: the y of the short rule that opens each page's footnotes, where one was seen.
    """
    lines = drop_furniture(lines, pages)
    if not lines:
        return (), {}
    sizes: Counter = Counter()
    for line in lines:
        for span in line.spans:
            sizes[round(span.size, 1)] += len(span.text)
    body_size = sizes.most_common(1)[0][0]
    body, footnotes = split_notes(lines, body_size, rules or {})
    blocks = []
    for group in paragraphs(body, body_size) if body else []:
        pieces: list[str | Ref] = []
        for line in group:
            pieces += [*_pieces(line, footnotes), line_joiner(line.text)]
        text, refs = build_text(pieces)
        if text:
            blocks.append(
                RawBlock(kind="paragraph", text=text, footnote_refs=refs, page=group[0].page)
            )
    return tuple(blocks), footnotes


def drop_furniture(lines: list[Line], pages: int) -> list[Line]:
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


def _note_start(line: Line, expected: int | None) -> tuple[str, str] | None:
    """(label, rest) when a line opens a footnote: "¹Trong đó…", or "2 Trong đó…" when 2 is
    the number expected next (a plain "05 năm…" inside a note is not note 5)."""
    first = line.spans[0]
    m = _MARKER.fullmatch(first.text)
    if first.superscript and m and len(line.spans) > 1:
        return m.group(1), "".join(s.text for s in line.spans[1:] if not s.guessed)
    m = _NOTE_START.match(line.text)
    if m and (expected is None or int(m.group(1)) == expected):
        return m.group(1), line.text[m.end() :]
    return None


def _markers(line: Line) -> list[str]:
    return [m.group(1) for s in line.spans if s.superscript and (m := _MARKER.fullmatch(s.text))]


def split_notes(
    lines: list[Line], body_size: float, rules: dict[int, float]
) -> tuple[list[Line], dict[str, str]]:
    """Separate each page's footnotes from its body: the lines below the footnote rule, or the
    bottom run of small-font lines opening with a number, or from the first line opening with
    a superscript number cited above. Lines before a page's first note continue the last one."""
    body: list[Line] = []
    notes: dict[str, list[str]] = {}
    label: str | None = None  # the note being read: it may run on over the next page
    cited: list[str] = []
    for page in sorted({ln.page for ln in lines}):
        on_page = sorted((ln for ln in lines if ln.page == page), key=_reading_order)
        cut = _notes_cut(on_page, body_size, rules.get(page), label, cited, notes)
        body.extend(on_page[:cut])
        for line in on_page[:cut]:
            cited += _markers(line)
        for line in on_page[cut:]:
            expected = int(label) + 1 if label and label.isdigit() else None
            start = _note_start(line, expected)
            if start:
                label = start[0]
                notes[label] = [start[1]]
            elif label:
                notes[label] += [line_joiner(notes[label][-1]), _plain(line)]
    return body, {k: build_text(v)[0] for k, v in notes.items()}


def _notes_cut(on_page, body_size, rule, label, cited, notes) -> int:
    """Index of the page's first footnote line (len(on_page) when it has none)."""
    expected = int(label) + 1 if label and label.isdigit() else None
    if rule is not None:
        cut = next((i for i, ln in enumerate(on_page) if ln.y0 >= rule - 1), len(on_page))
        if cut < len(on_page) and (label or _note_start(on_page[cut], expected)):
            return cut  # a rule above notes (or above the rest of a running note)
    cut = len(on_page)
    while cut > 0 and on_page[cut - 1].size < 0.9 * body_size:
        cut -= 1
    while cut < len(on_page) and not _note_start(on_page[cut], expected):
        cut += 1  # small lines before the first numbered one are not notes (a caption)
    if cut < len(on_page):
        return cut
    seen = list(cited)
    for i, line in enumerate(on_page):  # same-size notes without a rule: a raised number
        first = line.spans[0]  # opening a line is a note, once the body cited it
        m = _MARKER.fullmatch(first.text)
        if i and first.superscript and m and m.group(1) in seen and m.group(1) not in notes:
            return i
        seen += _markers(line)
    return len(on_page)


def _plain(line: Line) -> str:
    """A footnote line's text; a raised number OCR saw inside a note is a speck, not a marker."""
    return "".join(s.text for s in line.spans if not s.guessed).strip()


def _reading_order(line: Line) -> tuple[int, float]:
    """Top to bottom, then left to right; lines within 2pt count as one row (header cells)."""
    return round(line.y0 / 2), line.x0


def _pieces(line: Line, labels: dict[str, str]) -> list[str | Ref]:
    out: list[str | Ref] = []
    for span in line.spans:
        m = _MARKER.fullmatch(span.text)
        if span.superscript and m and m.group(1) in labels:
            out.append((m.group(1),))
        elif not span.guessed:
            out.append(span.text)
    return out


def paragraphs(lines: list[Line], size: float = 0.0) -> list[list[Line]]:
    """Group body lines into paragraphs by indentation, line gaps and the text rules.

    `size`: the body's font size; lines closer than 0.9 of it (two columns side by side, a
    smaller font) do not set the usual line pitch.
    """
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    right = sorted(ln.x1 for ln in lines)[int(len(lines) * 0.9)]
    # baselines, not tops: a raised marker or a stacked diacritic lifts a line's top
    gaps = [b.y1 - a.y1 for a, b in zip(lines, lines[1:], strict=False) if a.page == b.page]
    positive = sorted(g for g in gaps if g > 0.9 * size and g > 0)
    # the usual line pitch: a low percentile, as one-line paragraphs (a header) may be most
    step = positive[len(positive) // 10] if positive else 0
    groups: list[list[Line]] = []
    for line in lines:
        prev = groups[-1][-1] if groups else None
        if prev is None:
            groups.append([line])
            continue
        short = prev.x1 < right - 0.15 * (right - left)
        indented = line.x0 > left + 4
        # space between paragraphs: 1.55–1.65 pitches in the word processors' exports seen
        gap = line.page == prev.page and step > 0 and line.y1 - prev.y1 > 1.35 * step
        # no gap to see across a page break, but a page never ends on a short line mid-paragraph
        turned = line.page != prev.page and short
        if gap or turned or starts_paragraph(prev.text, line.text, short, indented):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups
