"""Section headings of a văn kiện, the section path of every block, and where the text closes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.model import RawBlock
from indexer.vietnamese.text import fold

# (level, kind, pattern) tried in order; each pattern matches only the marker at the line start.
_MARKERS: tuple[tuple[int, str, re.Pattern[str]], ...] = (
    (0, "phan", re.compile(r"(?i:phần)\s+(?:(?i:thứ)\s+[^\W\d_]+|[IVXLC]+|\d{1,2})\b\.?")),
    (1, "chuong", re.compile(r"(?i:chương)\s+(?:[IVXLC]+|\d{1,3})\b\.?")),
    (2, "muc", re.compile(r"(?i:mục)\s+(?:\d{1,3}|[IVXLC]+)\b\.?(?=\s|$)")),
    (3, "dieu", re.compile(r"(?i:điều)\s+\d{1,3}[a-z]?(?:\.|:|(?=\s|$))")),
    (1, "roman", re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})[.-](?=\s|$)")),
    (3, "decimal", re.compile(r"\d{1,2}(?:\.\d{1,2})+\.?(?=\s|$)")),
    (2, "arabic", re.compile(r"\d{1,2}[.-](?=\s|$)")),
    (4, "letter", re.compile(r"[a-zđ]\)(?=\s|$)")),
)
_STRUCTURAL = {"phan", "chuong", "muc", "dieu"}
_LEAD = re.compile(r"^[\s*_\\]+")
_SIGNATURE = re.compile(r"^(?:T/M|TM\.?|K/T|KT\.?|TL\.?|Q\.|\(đã ký\)|\(Đã ký\))(?:\s|$)")
_TITLES = (
    "bi thu",
    "chu tich",
    "truong ban",
    "chanh van phong",
    "giam doc",
    "uy vien",
    "thu truong",
    "tong bi thu",
    "pho ",
)
# clause numbering inside an Điều goes below it: khoản "1." then điểm "a)"
_UNDER_DIEU = {"arabic": 4, "decimal": 5, "letter": 6}


def _clean(text: str) -> str:
    """The line as matched: markdown emphasis and escapes at the start dropped ("**1\\. **X")."""
    return _LEAD.sub("", text.replace("\\.", ".").replace("\\)", ")")).strip()


def _is_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def marker_kind(text: str) -> tuple[int, str, str] | None:
    """(level, kind, marker) of the numbering at the start of a line, heading or not."""
    line = _clean(text)
    for level, kind, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            return level, kind, m.group(0)
    return None


def section_marker(text: str) -> tuple[int, str] | None:
    """(level, marker) when `text` is a heading line, else None.

    Levels: Phần 0, Chương 1, Mục 2, Điều 3, "I." 1, "1." 2, "1.1." 3, "a)" 4. A numbered line
    that reads like a sentence (long, or ending in "." or ";" without being all caps) is a
    list item, not a heading.

    >>> section_marker("II. NHIỆM VỤ, GIẢI PHÁP 6 THÁNG CUỐI NĂM")
    (1, 'II.')
    >>> section_marker("1. Sắp xếp toàn bộ diện tích tự nhiên của xã A và xã B thành xã C.") is None
    True
    """
    found = marker_kind(text)
    if found is None:
        return None
    level, kind, marker = found
    line = _clean(text).rstrip("*_ ")
    caps = _is_caps(line)
    if kind in _STRUCTURAL:
        return (level, marker) if len(line) <= 200 or caps else None
    limit = 200 if kind == "roman" else 160
    if len(line) > (300 if caps else limit):
        return None
    if line.endswith((";", ".")) and not caps and line != marker:
        return None
    return level, marker


class SectionTracker:
    """Follows headings in reading order and answers the section path at each block."""

    def __init__(self) -> None:
        self._stack: list[tuple[float, str, str]] = []  # (rank, kind, heading text)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(text for _, _, text in self._stack)

    def _rank(self, level: int, kind: str) -> float:
        if kind in _UNDER_DIEU and any(k == "dieu" for _, k, _ in self._stack):
            return _UNDER_DIEU[kind]
        return level

    def heading(self, text: str, level: int, kind: str = "format") -> tuple[str, ...]:
        """Open a heading: it closes every open heading at its rank or deeper."""
        rank = self._rank(level, kind)
        self._close(rank)
        self._stack.append((rank, kind, text))
        return self.path

    def item(self, level: int, kind: str) -> tuple[str, ...]:
        """A numbered paragraph ("2. … ."): closes an open sibling heading of the same kind."""
        if any(k == kind for _, k, _ in self._stack):
            self._close(self._rank(level, kind))
        return self.path

    def reset(self) -> None:
        """Close every section: an appendix after the signature starts afresh."""
        self._stack.clear()

    def _close(self, rank: float) -> None:
        while self._stack and self._stack[-1][0] >= rank:
            self._stack.pop()


def _starts_recipients(block: RawBlock) -> bool:
    cells = [c for row in block.rows for c in row] if block.rows else [block.text]
    return any(fold(_LEAD.sub("", c)).startswith("noi nhan") for c in cells)


def _is_signature(text: str) -> bool:
    """A signature line: "T/M BAN THƯỜNG VỤ", "BÍ THƯ", "(Đã ký)" or a person's name."""
    line = _LEAD.sub("", text).strip(" *_")
    words = line.split()
    if not line or len(line) > 60 or line.endswith((".", ";", ":")) or marker_kind(line):
        return False
    name = 2 <= len(words) <= 6 and all(w[:1].isupper() and w.isalpha() for w in words)
    key = fold(line)
    if key.startswith(("phu luc", "danh sach", "bieu", "bang")):
        return False
    return bool(_SIGNATURE.match(line)) or any(t in key for t in _TITLES) or name


def _is_recipient(text: str) -> bool:
    """A line of the recipients list: "- Ban Tổ chức Trung ương;", "- Lưu VP."."""
    line = _LEAD.sub("", text)
    return line.startswith(("-", "+", "•")) and len(line) <= 200


def split_closing(blocks: Sequence[RawBlock], start: int) -> tuple[list[RawBlock], list[RawBlock]]:
    """Content before the closing "Nơi nhận:" + signature, and any appendix after them."""
    for i in range(len(blocks) - 1, start - 1, -1):
        if _starts_recipients(blocks[i]):
            first = i
            # the signature often stands just above the recipients list in Word exports
            while (
                first > start
                and blocks[first - 1].kind != "table"
                and _is_signature(blocks[first - 1].text)
            ):
                first -= 1
            last = i + 1
            while (
                last < len(blocks)
                and blocks[last].kind != "table"
                and (_is_recipient(blocks[last].text) or _is_signature(blocks[last].text))
            ):
                last += 1
            return list(blocks[start:first]), list(blocks[last:])
    return list(blocks[start:]), []
