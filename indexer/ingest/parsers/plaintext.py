"""Text extracted from a PDF (hard-wrapped lines) re-joined into paragraphs; shared text helpers.

`build_text` and `starts_paragraph` are also used by the other readers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from indexer.model import RawBlock, RawDocument
from indexer.vietnamese.text import nfc

Ref = tuple[str]  # a footnote marker inside a piece sequence: (label,)

_SPACE = re.compile(r"\s+")
_SECTION = re.compile(
    r"(?:[IVXLC]{1,6}\.|\d{1,3}(?:\.\d{1,3})*\.|[a-zđ]\)|\d{1,3}\)|"
    r"(?:Điều|Chương|Mục|Phần)\s+(?:\d+|[IVXLC]+|thứ)|Nơi nhận)(?:\s|$)"
)
_BULLET = re.compile(r"[-+•–*]\s")
_COLUMN_GAP = re.compile(r"(?<=\S) {6,}(?=\S)")
_SENTENCE_END = re.compile(r"[.:;!?…][\"'”)»]*$")
_PAGE_NUMBER = re.compile(r"(?:(?:Trang|trang|Page)\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*/\s*\d{1,4})?")


def build_text(pieces: Iterable[str | Ref]) -> tuple[str, tuple[tuple[str, int], ...]]:
    """Join text pieces and footnote markers into clean text plus (label, offset) refs.

    >>> build_text(["Kết nạp 500  đảng viên", ("6",), ", đạt 105%."])
    ('Kết nạp 500 đảng viên, đạt 105%.', (('6', 21),))
    """
    out = ""
    refs: list[tuple[str, int]] = []
    for piece in pieces:
        if isinstance(piece, tuple):
            refs.append((piece[0], len(out.rstrip())))
            continue
        text = _SPACE.sub(" ", "".join(c if c.isprintable() else " " for c in nfc(piece)))
        if text.startswith(" ") and (not out or out.endswith(" ")):
            text = text[1:]
        out += text
    out = out.rstrip()
    return out, tuple((label, min(offset, len(out))) for label, offset in refs)


def line_joiner(prev: str) -> str:
    """What joins a wrapped line to the next: nothing after "35-NQ/" or "Covid-", else a space.

    Vietnamese words are never hyphenated across lines, so a hyphen or slash glued to the last
    token belongs to a compound like a document number and the next line continues it.
    """
    return "" if len(prev) >= 2 and prev[-1] in "-/" and not prev[-2].isspace() else " "


def is_page_number(line: str) -> bool:
    """True for a line that is only a page number ("12", "- 3 -", "Trang 4", "2/10")."""
    return bool(_PAGE_NUMBER.fullmatch(line.strip()))


def starts_paragraph(prev: str, line: str, prev_short: bool, indented: bool) -> bool:
    """Whether a wrapped `line` opens a new paragraph after `prev` (both stripped).

    >>> starts_paragraph("Trong 6 tháng đầu năm, toàn tỉnh", "đã kết nạp đảng viên.", False, False)
    False
    >>> starts_paragraph("hoàn thành kế hoạch.", "2. Công tác dân vận", True, False)
    True
    """
    if indented or _SECTION.match(line):
        return True
    ended = bool(_SENTENCE_END.search(prev))
    if _BULLET.match(line) and (ended or prev_short):
        return True
    if prev.isupper() != line.isupper() and (prev.isupper() or ended):
        return True  # a capitalised header line stands alone: "BÁO CÁO"
    return ended and prev_short


def repeated_lines(lines: list[str], pages: int) -> set[str]:
    """Short lines repeated on at least half the pages: running headers and footers."""
    if pages < 2:
        return set()
    counts = Counter(s for s in (x.strip() for x in lines) if s and len(s) <= 100)
    return {s for s, n in counts.items() if n >= max(2, pages / 2) and not _SECTION.match(s)}


def parse_pdf_text(text: str) -> RawDocument:
    """Paragraphs from hard-wrapped PDF text: page numbers and running headers dropped.

    >>> [b.text for b in parse_pdf_text("I. TÌNH HÌNH\\nToàn tỉnh đã\\nkết nạp đảng viên.").blocks]
    ['I. TÌNH HÌNH', 'Toàn tỉnh đã kết nạp đảng viên.']
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    pages = 1 + sum(1 for x in raw if "\f" in x or (x.strip() and is_page_number(x)))
    raw = [x.replace("\f", "").rstrip().expandtabs(4) for x in raw]
    drop = repeated_lines(raw, pages)
    lines = [x for x in raw if not (x.strip() and (is_page_number(x) or x.strip() in drop))]
    widths = sorted(len(x.strip()) for x in lines if x.strip())
    if not widths:
        return RawDocument(blocks=(), format="pdf-text")
    full = widths[int(len(widths) * 0.75)]
    margin = Counter(len(x) - len(x.lstrip()) for x in lines if x.strip()).most_common(1)[0][0]
    paragraphs: list[list[str]] = []
    prev: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped:
            prev = None
            continue
        if _COLUMN_GAP.search(stripped):  # two header cells side by side: one paragraph each
            paragraphs.extend([part] for part in _COLUMN_GAP.split(stripped))
            prev = None
            continue
        indented = len(line) - len(line.lstrip()) > margin + 1
        if prev is None or starts_paragraph(prev, stripped, len(prev) < 0.8 * full, indented):
            paragraphs.append([])
        paragraphs[-1].append(stripped)
        prev = stripped
    blocks = []
    for para in paragraphs:
        pieces = [line + line_joiner(line) for line in para]
        joined, _ = build_text(pieces)
        blocks.append(RawBlock(kind="paragraph", text=joined))
    return RawDocument(blocks=tuple(blocks), format="pdf-text")
