"""How a cited passage is shown: its citation, its link, and the document it sits in.

Shared by the web pages, the JSON API and notebooks, so a citation reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ..model import Block, DocInfo, Footnote, Passage
from ..query.index import Index
from ..query.scanned import SCAN_NOTE
from ..storage import catalogue


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, precisely enough to quote it (also the API's `citation`)."""

    # the attribute docstrings below are the API's field descriptions (OpenAPI)
    __pydantic_config__ = {"use_attribute_docstrings": True}

    doc_id: str
    title: str
    doc_type: str | None
    number: str | None
    issuer: str | None
    date: str | None
    section: str
    """heading path, outermost first, joined by ' › '"""
    paragraph: int
    """1-based paragraph (block) number in the document"""
    footnote: int | None
    url: str
    """link to the passage in the document view"""
    page: int | None = None
    """page of a paginated source (PDF)"""
    scanned: bool = False
    """the page is a scan read by OCR ('bản chụp, nhận dạng ký tự'): check its figures against
    the page image"""


@dataclass(frozen=True)
class Piece:
    """A run of paragraph text (`marked` when highlighted) or a footnote marker (`footnote`)."""

    text: str = ""
    marked: bool = False
    footnote: int | None = None


@dataclass(frozen=True)
class OutlineEntry:
    level: int  # 1 = outermost heading
    title: str
    paragraph: int


@dataclass(frozen=True)
class DocumentView:
    """A document as its readers know it: blocks in order, footnotes, outline and passages."""

    doc: DocInfo
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]
    outline: tuple[OutlineEntry, ...]
    passages: tuple[Passage, ...]


def citation_url(passage: Passage, base_url: str = "") -> str:
    """Link to the passage in its document view.

    >>> p = Passage("bc-12:p7", "bc-12", "paragraph", "…", "…", "", 7)
    >>> citation_url(p)
    '/documents/bc-12?hl=bc-12:p7#p-7'
    """
    anchor = f"fn-{passage.footnote}" if passage.kind == "footnote" else f"p-{passage.paragraph}"
    return (f"{base_url.rstrip('/')}/documents/{quote(passage.doc_id, safe='')}"
            f"?hl={quote(passage.id, safe=':')}#{anchor}")


def citation(passage: Passage, doc: DocInfo | None, base_url: str = "") -> Citation:
    """The citation record of a passage; `doc` may be None for a document removed meanwhile."""
    return Citation(
        doc_id=passage.doc_id,
        title=doc.title if doc else "",
        doc_type=doc.doc_type if doc else None,
        number=doc.number if doc else None,
        issuer=doc.issuer if doc else None,
        date=doc.date if doc else None,
        section=passage.section,
        paragraph=passage.paragraph,
        footnote=passage.footnote,
        url=citation_url(passage, base_url),
        page=passage.page,
        scanned=doc is not None and passage.page in doc.scanned,
    )


def citation_label(c: Citation) -> str:
    """One line a reader can quote.

    >>> c = Citation("bc", "Báo cáo sơ kết", "Báo cáo", "12-BC/TU", None, None, "I. Kết quả",
    ...              12, 6, "")
    >>> citation_label(c)
    'Báo cáo số 12-BC/TU — Báo cáo sơ kết › I. Kết quả › đoạn 12 › chú thích 6'
    >>> from dataclasses import replace
    >>> citation_label(replace(c, footnote=None, page=3, scanned=True)).split(" › ")[-2:]
    ['đoạn 12', 'trang 3 (bản chụp, nhận dạng ký tự)']
    """
    head = " ".join(p for p in (c.doc_type, f"số {c.number}" if c.number else None) if p)
    title = " — ".join(p for p in (head, c.title) if p) or c.doc_id
    parts = [title, c.section, f"đoạn {c.paragraph}"]
    if c.footnote is not None:
        parts.append(f"chú thích {c.footnote}")
    if c.scanned:  # a scan is cited by its page: the reader checks the text against the image
        parts.append(f"trang {c.page} ({SCAN_NOTE})")
    return " › ".join(p for p in parts if p)


def pieces(text: str, spans=(), footnote_refs=()) -> list[Piece]:
    """Cut text into plain and highlighted runs with footnote markers at their offsets.

    >>> cut = pieces("Kết nạp 120 đảng viên", [(8, 11)], [(6, 21)])
    >>> [(p.text, p.marked, p.footnote) for p in cut]
    [('Kết nạp ', False, None), ('120', True, None), (' đảng viên', False, None), ('', False, 6)]
    """
    n = len(text)
    spans = sorted((max(0, s), min(n, e)) for s, e in spans if s < e and s < n and e > 0)
    refs = sorted((min(max(0, off), n), num) for num, off in footnote_refs)
    cuts = sorted({0, n, *(s for s, _ in spans), *(e for _, e in spans), *(o for o, _ in refs)})
    out: list[Piece] = []
    for start, end in zip(cuts, cuts[1:] + [n], strict=True):
        out.extend(Piece(footnote=num) for off, num in refs if off == start and start < n)
        if end > start:
            marked = any(s <= start and end <= e for s, e in spans)
            out.append(Piece(text=text[start:end], marked=marked))
    out.extend(Piece(footnote=num) for off, num in refs if off == n)
    return out


def answer_pieces(answer: str | None, sentence: str | None) -> list[Piece]:
    """The sentence an answer was cut from, the answer marked in it.

    >>> [(p.text, p.marked) for p in answer_pieces("120 đảng viên", "Kết nạp 120 đảng viên.")]
    [('Kết nạp ', False), ('120 đảng viên', True), ('.', False)]
    """
    sentence = sentence or ""
    at = sentence.find(answer) if answer else -1
    return pieces(sentence, [(at, at + len(answer))] if at >= 0 else [])


def document_view(index: Index, doc_id: str) -> DocumentView | None:
    """Blocks, footnotes, outline and passages of one document, or None for an unknown id."""
    doc = index.docs.get(doc_id)
    if doc is None:
        return None
    blocks = catalogue.blocks(index.db, doc_id)
    notes = catalogue.footnotes(index.db, doc_id)
    pids = catalogue.document_pids(index.db, doc_id)
    by_pid = index.passages_by_pid(pids)
    passages = tuple(by_pid[p] for p in pids if p in by_pid)
    return DocumentView(doc, blocks, notes, outline(blocks), passages)


def outline(blocks: tuple[Block, ...]) -> tuple[OutlineEntry, ...]:
    """The headings of a document with their depth, for a table of contents."""
    entries = []
    for b in blocks:
        if b.kind != "heading":
            continue
        own = bool(b.section) and b.section[-1] == b.text
        entries.append(OutlineEntry(len(b.section) if own else len(b.section) + 1, b.text,
                                    b.index + 1))
    return tuple(entries)


def passage_span(block: Block, passage: Passage) -> tuple[int, int] | None:
    """Where a passage (a split part or a table row) sits in its block's text, if it is a part."""
    if passage.text == block.text:
        return None
    at = block.text.find(passage.text)
    return (at, at + len(passage.text)) if at >= 0 else None


def vietnamese_date(iso: str | None) -> str:
    """An ISO date, possibly partial, the way a văn kiện writes it.

    >>> vietnamese_date("2024-06-28"), vietnamese_date("2024-06"), vietnamese_date("2024")
    ('ngày 28 tháng 6 năm 2024', 'tháng 6 năm 2024', 'năm 2024')
    """
    parts = (iso or "").split("-")
    if not all(p.isdigit() for p in parts):
        return iso or ""
    names = ("năm", "tháng", "ngày")
    known = list(zip(names, parts, strict=False))  # "2024-06" names no day
    return " ".join(f"{name} {int(value)}" for name, value in reversed(known))
