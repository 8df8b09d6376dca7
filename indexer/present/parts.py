"""A long document served in parts: a fixed number of blocks each, with the footnotes and
passages of those blocks, so a page's cost does not grow with the document.

Part n (1-based) holds blocks (n-1)·size … n·size-1; a cited passage is found on the part of
its paragraph (`part_of`), so `?hl=<passage id>#p-N` lands on the right part.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ..query.index import Index
from ..storage import catalogue
from .view import DocumentView, outline


@dataclass(frozen=True)
class DocumentPart:
    """One part of a document: its view (blocks, footnotes, outline, passages of the part)."""

    view: DocumentView
    part: int  # 1-based
    parts: int
    size: int  # blocks per part
    paragraphs: range  # 1-based paragraph numbers shown

    @property
    def previous(self) -> int | None:
        return self.part - 1 if self.part > 1 else None

    @property
    def next(self) -> int | None:
        return self.part + 1 if self.part < self.parts else None


def part_count(blocks: int, size: int) -> int:
    """How many parts `blocks` blocks make (at least one).

    >>> part_count(0, 300), part_count(300, 300), part_count(301, 300)
    (1, 1, 2)
    """
    return max(1, -(-blocks // size))


def part_of(paragraph: int, size: int) -> int:
    """The part showing a 1-based paragraph.

    >>> part_of(1, 300), part_of(300, 300), part_of(301, 300)
    (1, 1, 2)
    """
    return max(1, (paragraph - 1) // size + 1)


def document_part(index: Index, doc_id: str, part: int, size: int) -> DocumentPart | None:
    """Part `part` of a document, or None for an unknown id or a part it does not have."""
    doc = index.docs.get(doc_id)
    if doc is None:
        return None
    parts = part_count(catalogue.block_count(index.db, doc_id), size)
    if not 1 <= part <= parts:
        return None
    start = (part - 1) * size
    blocks = catalogue.blocks(index.db, doc_id, start, size)
    shown = range(start, start + len(blocks))
    # footnotes cited by no block close the document: they go with its last part
    notes = catalogue.footnotes(index.db, doc_id, shown, unattached=part == parts)
    paragraphs = range(start + 1, start + len(blocks) + 1)
    pids = catalogue.document_pids(index.db, doc_id, paragraphs)
    by_pid = index.passages_by_pid(pids)
    passages = tuple(by_pid[p] for p in pids if p in by_pid)
    view = DocumentView(doc, blocks, notes, outline(blocks), passages)
    return DocumentPart(view, part, parts, size, paragraphs)


def part_url(doc_id: str, part: int | None, base_url: str = "", api: bool = False) -> str | None:
    """The link to a part of a document (its page, or its JSON with `api`).

    >>> part_url("bc-12", 2), part_url("bc-12", 2, api=True), part_url("bc-12", None)
    ('/documents/bc-12?part=2', '/api/documents/bc-12?part=2', None)
    """
    if part is None:
        return None
    return f"{base_url.rstrip('/')}{'/api' if api else ''}/documents/{quote(doc_id, safe='')}" \
           f"?part={part}"


def part_record(shown: DocumentPart, base_url: str = "") -> dict:
    """Where this part sits in its document, with the links to the parts beside it."""
    doc_id = shown.view.doc.doc_id
    return {
        "part": shown.part, "parts": shown.parts, "blocks_per_part": shown.size,
        "paragraphs": {"first": shown.paragraphs.start, "last": shown.paragraphs.stop - 1},
        "previous": part_url(doc_id, shown.previous, base_url, api=True),
        "next": part_url(doc_id, shown.next, base_url, api=True),
    }  # fmt: skip
