"""Text exported from Word (Apache Tika style): one paragraph per line, inline footnotes.

A cited paragraph looks like
"… 500 đảng viên[[footnoteRef:6]], đạt 105%.[6: [] Trong đó: nữ 200 (đạt 40%).]":
the marker is removed (its offset kept) and the body `[6: [] …]` at the end becomes footnote 6.
"""

from __future__ import annotations

import re

from indexer.ingest.parsers.plaintext import Ref, build_text
from indexer.model import RawBlock, RawDocument
from indexer.vietnamese.text import clean

_REF = re.compile(r"\[\[footnoteRef:([^\]\s]{1,20})\]\]")
_BOOKMARK = re.compile(r"\[bookmark: [^\]\n]{0,200}\]")
_BODY_START = re.compile(r"\[(\w{1,20}): ")
_EMPTY_MARK = re.compile(r"^\[\]\s?")
_HEADER_ZONE = 12  # tab-separated lines this early are the two-column header, not a table


def split_bodies(line: str) -> tuple[str, dict[str, str]]:
    """Cut the footnote bodies off the end of a paragraph line.

    >>> split_bodies("Kết nạp 50 đảng viên[[footnoteRef:2]].[2: [] Nữ 20 (đạt [40%]).]")
    ('Kết nạp 50 đảng viên[[footnoteRef:2]].', {'2': 'Nữ 20 (đạt [40%]).'})
    """
    cited = set(_REF.findall(line))
    start = None
    for m in _BODY_START.finditer(line):
        if m.group(1) in cited or line.startswith("[]", m.end()):
            start = m.start()
            break
    if start is None:
        return line, {}
    bodies: dict[str, str] = {}
    tail = line[start:]
    heads = list(_BODY_START.finditer(tail))
    heads = [h for h in heads if h.group(1) in cited or tail.startswith("[]", h.end())]
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(tail)
        chunk = tail[head.end() : end]
        close = chunk.rfind("]")
        body = _EMPTY_MARK.sub("", chunk[:close] if close >= 0 else chunk)
        bodies[head.group(1)] = clean(_REF.sub("", _BOOKMARK.sub("", body)))
    return line[:start], bodies


def paragraph_pieces(line: str) -> list[str | Ref]:
    """Text pieces and footnote markers of one exported paragraph (bookmarks dropped)."""
    line = _BOOKMARK.sub("", line)
    pieces: list[str | Ref] = []
    last = 0
    for m in _REF.finditer(line):
        pieces.append(line[last : m.start()])
        pieces.append((m.group(1),))
        last = m.end()
    pieces.append(line[last:])
    return pieces


def parse_word_text(text: str) -> RawDocument:
    """Blocks and footnotes of Word-exported text.

    >>> doc = parse_word_text("Kết nạp 50 đảng viên[[footnoteRef:1]].[1: [] Nữ 20.]")
    >>> doc.blocks[0].text, doc.blocks[0].footnote_refs, doc.footnotes
    ('Kết nạp 50 đảng viên.', (('1', 20),), {'1': 'Nữ 20.'})
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[RawBlock] = []
    footnotes: dict[str, str] = {}
    table: list[tuple[str, ...]] = []
    seen = 0
    for line in lines:
        if not line.strip():
            continue
        seen += 1
        body, found = split_bodies(line)
        footnotes.update(found)
        if "\t" in body.strip() and seen > _HEADER_ZONE:
            cells = body.strip().split("\t")
            table.append(tuple(build_text(paragraph_pieces(c))[0] for c in cells))
            continue
        _flush_table(table, blocks)
        for cell in body.split("\t"):
            cell_text, refs = build_text(paragraph_pieces(cell))
            if cell_text:
                blocks.append(RawBlock(kind="paragraph", text=cell_text, footnote_refs=refs))
    _flush_table(table, blocks)
    return RawDocument(blocks=tuple(blocks), footnotes=footnotes, format="word-text")


def _flush_table(rows: list[tuple[str, ...]], blocks: list[RawBlock]) -> None:
    """A single tab-separated line is a row of header cells; two or more make a table."""
    if len(rows) == 1:
        blocks.extend(RawBlock(kind="paragraph", text=c) for c in rows[0] if c)
    elif rows:
        text = "\n".join(" | ".join(row) for row in rows)
        blocks.append(RawBlock(kind="table", text=text, rows=tuple(rows)))
    rows.clear()
