"""How a cited passage is shown: its citation, its link, and the document it sits in.

Shared by the web pages, the JSON API and notebooks, so a citation reads the same everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import quote

from ..model import Block, DocInfo, Footnote, Passage
from ..query.index import Index
from ..query.scanned import SCAN_NOTE
from ..storage import catalogue
from ..vietnamese.segment import sentence_spans
from ..vietnamese.text import fold
from .runs import Piece, pieces  # noqa: F401 - view's own names too


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
    """đường dẫn các đề mục, từ ngoài vào trong, nối bằng ' › '"""
    paragraph: int
    """số thứ tự đoạn (khối) trong văn bản, từ 1"""
    footnote: int | None
    url: str
    """liên kết tới đoạn trong trang văn bản"""
    page: int | None = None
    """trang của văn bản gốc có đánh trang (PDF)"""
    scanned: bool = False
    """trang là bản chụp, đọc bằng nhận dạng ký tự (OCR): hãy đối chiếu số liệu với ảnh trang"""
    draft: bool = False
    """văn bản là dự thảo"""
    label: str = ""
    """trích dẫn sẵn để dán vào báo cáo, theo cách văn kiện Đảng trích dẫn: 'Báo cáo số
    12-BC/TU ngày 28/6/2024 của Tỉnh ủy Hậu Giang (dự thảo), mục II.6, đoạn 33, chú thích 20'
    (cùng một dòng trên trang web, trong CLI và trong notebook)"""


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
    cite = Citation(
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
        draft=bool(doc and doc.draft),
    )
    return replace(cite, label=citation_label(cite))


def citation_label(c: Citation) -> str:
    """The one citation line every surface shows, in the form party documents cite: document
    (type, number, date, issuer, draft), then section, paragraph, footnote; a scan's page.

    >>> c = Citation("bc", "Báo cáo sơ kết", "Báo cáo", "12-BC/TU", "Tỉnh ủy Hậu Giang",
    ...              "2024-06-28", "II. CÔNG TÁC XÂY DỰNG ĐẢNG › 6. Công tác kiểm tra", 33, 20,
    ...              "", draft=True)
    >>> citation_label(c) == ("Báo cáo số 12-BC/TU ngày 28/6/2024 của Tỉnh ủy Hậu Giang "
    ...                       "(dự thảo), mục II.6, đoạn 33, chú thích 20")
    True
    >>> citation_label(replace(c, footnote=None, page=3, scanned=True)).split("đoạn 33, ")[1]
    'trang 3 (bản chụp, nhận dạng ký tự)'
    """
    parts = [document_name(c), section_name(c.section), f"đoạn {c.paragraph}"]
    if c.footnote is not None:
        parts.append(f"chú thích {c.footnote}")
    if c.scanned:  # a scan is cited by its page: the reader checks the text against the image
        parts.append(f"trang {c.page} ({SCAN_NOTE})")
    return ", ".join(p for p in parts if p)


def document_name(c: Citation) -> str:
    """A document as a report names it: "Nghị quyết số 60-NQ/TW ngày 12/4/2025 của Ban Chấp
    hành Trung ương"; without a number, its title says which one.

    >>> document_name(Citation("bc", "Kết quả công tác 6 tháng", "Báo cáo", None,
    ...     "Tỉnh ủy Hậu Giang", "2024-06", "", 1, None, "", draft=True))
    'Báo cáo ngày …/6/2024 của Tỉnh ủy Hậu Giang về kết quả công tác 6 tháng (dự thảo)'
    >>> document_name(Citation("bc", "BÁO CÁO SƠ KẾT", "Báo cáo", None, None, None, "", 1,
    ...     None, ""))
    'Báo cáo sơ kết'
    """
    title = c.title.capitalize() if c.title.isupper() else c.title
    head, about = c.doc_type or ("Văn bản" if c.number or c.issuer else ""), ""
    if not c.number and title:
        if fold(title).startswith(fold(head)):  # "Báo cáo sơ kết …" names its type itself
            head = title
        else:
            lowered = title if title.startswith("Đảng") else title[0].lower() + title[1:]
            about = lowered if lowered.startswith("về ") else f"về {lowered}"  # "Về đẩy mạnh …"
    words = [head, f"số {c.number}" if c.number else "", short_date(c.date),
             f"của {c.issuer}" if c.issuer else "", about, "(dự thảo)" if c.draft else ""]
    return " ".join(w for w in words if w).strip() or c.doc_id


def short_date(iso: str | None) -> str:
    """An ISO date, possibly partial, as a citation writes it; a day left blank (a draft's
    "ngày    tháng 6 năm 2024") stays a blank to fill in.

    >>> short_date("2024-06-28"), short_date("2024-06"), short_date("2024"), short_date(None)
    ('ngày 28/6/2024', 'ngày …/6/2024', 'năm 2024', '')
    """
    parts = (iso or "").split("-")
    if not iso or not all(p.isdigit() for p in parts):
        return ""
    if len(parts) == 1:
        return f"năm {int(parts[0])}"
    day = str(int(parts[2])) if len(parts) > 2 else "…"
    return f"ngày {day}/{int(parts[1])}/{int(parts[0])}"


_NAMED = re.compile(r"^(Phần|Chương|Mục|Điều|Khoản)\s+([IVXLC]+|\d+)\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^([IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.):\-–]")


def section_name(section: str) -> str:
    """A heading path as a citation names it: its numbers joined ("mục II.6"), a named part as
    named ("Điều 3"), an unnumbered heading by its words.

    >>> section_name("II. CÔNG TÁC XÂY DỰNG ĐẢNG › 6. Công tác kiểm tra › a) Kiểm tra")
    'mục II.6.a'
    >>> section_name("Chương II › Điều 3. Tổ chức thực hiện"), section_name("Kết quả")
    ('Chương II, Điều 3', 'mục “Kết quả”')
    """
    heads = [h.strip() for h in section.split(" › ") if h.strip()]
    named, numbers = [], []
    for head in heads:
        if m := _NAMED.match(head):
            named.append(f"{m.group(1).capitalize()} {m.group(2)}")
        elif m := _NUMBERED.match(head):
            numbers.append(m.group(1))
    if numbers:
        named.append("mục " + ".".join(numbers))
    if not named and heads:
        last = heads[-1]
        named.append(f"mục “{last if len(last) <= 80 else last[:79] + '…'}”")
    return ", ".join(named)


def figure_marks(text: str, figure: str | None, within: tuple[int, int] | None = None
                 ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:  # fmt: skip
    """Where an answer's figure sits in `text` (first inside `within`, the cited passage) and
    the sentence holding it: ([figure span], [sentence span]), or two empty lists.

    >>> figure_marks("Năm 2023 có 5 chi bộ. Kết nạp 120 đảng viên mới.", "120 đảng viên")
    ([(30, 43)], [(22, 48)])
    """
    start, end = within or (0, len(text))
    at = text.find(figure, start, end) if figure else -1
    if at < 0:
        return [], []
    figure_span = (at, at + len(figure))
    sentence = next(((a, b) for a, b in sentence_spans(text) if a <= at and figure_span[1] <= b),
                    None)  # fmt: skip
    return [figure_span], [sentence] if sentence else []


def figure_url(url: str, figure: str | None) -> str:
    """A citation link that also names the answer's figure, for the document view to mark it
    and its sentence rather than the whole paragraph.

    >>> figure_url("/documents/bc?hl=bc:p7#p-7", "120 đảng viên")
    '/documents/bc?hl=bc:p7&fig=120%20%C4%91%E1%BA%A3ng%20vi%C3%AAn#p-7'
    """
    if not figure:
        return url
    head, _, anchor = url.partition("#")
    return f"{head}&fig={quote(figure, safe='')}" + (f"#{anchor}" if anchor else "")


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
