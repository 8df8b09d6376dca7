"""The small frozen records that flow through the pipeline: parse → assemble → chunk → index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class RawBlock:
    """One block as a format reader sees it, before structure is known.

    kind: "paragraph" | "table" | "heading".
    text: verbatim text with footnote markers removed (tables: rows joined by newlines,
    cells by " | ").
    footnote_refs: (footnote label, character offset in `text`) for each marker.
    rows: table cells, header row first, when kind == "table".
    level: heading level when the format says so (docx style / markdown #), else None.
    page: 1-based page number for paginated formats.
    """

    kind: str
    text: str
    footnote_refs: tuple[tuple[str, int], ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    level: int | None = None
    page: int | None = None


@dataclass(frozen=True)
class ScannedPage:
    """A page read by OCR ("bản chụp, nhận dạng ký tự"): the mean confidence of its words
    (0–100) and the figures it read with low confidence, verbatim ("2.278", "98,81%")."""

    page: int
    confidence: float
    unsure: tuple[str, ...] = ()
    seconds: float = 0.0  # OCR time spent on it by this read (0 when it came from the cache)


@dataclass(frozen=True)
class RawDocument:
    """What a format reader returns: blocks in reading order plus footnote bodies by label."""

    blocks: tuple[RawBlock, ...]
    footnotes: dict[str, str] = field(default_factory=dict)
    format: str = "text"
    scanned: tuple[ScannedPage, ...] = ()  # pages whose text came from OCR


@dataclass(frozen=True)
class DocMeta:
    """Header metadata of a văn kiện (all optional: drafts often leave the number blank)."""

    title: str = ""
    doc_type: str | None = None  # "Báo cáo", "Nghị quyết", "Chỉ thị", …
    number: str | None = None  # số ký hiệu, e.g. "60-NQ/TW", "1654/NQ-UBTVQH15"
    issuer: str | None = None  # "Tỉnh ủy Hậu Giang"
    date: str | None = None  # ISO "2025-04-12"; partial dates keep the known parts
    place: str | None = None  # "Hậu Giang"
    draft: bool = False
    period: str | None = None  # "6 tháng đầu năm 2024", "năm 2023", "quý I/2024"
    year: int | None = None  # year of the period, else of the date


@dataclass(frozen=True)
class Block:
    """A structured block: a heading, paragraph or table with its section path."""

    index: int  # position among the document's blocks (paragraph number is index + 1)
    kind: str  # "heading" | "paragraph" | "table"
    text: str
    section: tuple[str, ...] = ()  # headings above this block, outermost first
    footnote_refs: tuple[tuple[int, int], ...] = ()  # (footnote number, offset in text)
    rows: tuple[tuple[str, ...], ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Footnote:
    """A footnote linked to the paragraph that cites it and the sentence holding its marker."""

    number: int
    text: str
    block_index: int  # index of the citing Block
    sentence: str  # sentence of the citing block where the marker sits


@dataclass(frozen=True)
class Document:
    doc_id: str
    source: str  # file name relative to the corpus root
    format: str
    meta: DocMeta
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...] = ()
    scanned: tuple[ScannedPage, ...] = ()


@dataclass(frozen=True)
class DocInfo:
    """An indexed document as listed and cited: its metadata, access level and counts."""

    doc_id: str
    name: str  # the file name (an upload's original name)
    format: str
    title: str
    doc_type: str | None
    number: str | None
    issuer: str | None
    date: str | None
    place: str | None
    draft: bool
    period: str | None
    year: int | None
    access: int
    passages: int = 0
    footnotes: int = 0
    scanned: tuple[int, ...] = ()  # pages read by OCR ("bản chụp, nhận dạng ký tự")


@dataclass(frozen=True)
class Passage:
    """The unit of retrieval and citation. `text` is verbatim; `embed_text` adds context."""

    id: str  # stable: f"{doc_id}:p{paragraph}" / ":p{n}.{part}" / ":fn{n}" / ":t{n}.r{row}"
    doc_id: str
    kind: str  # "paragraph" | "footnote" | "table" | "heading"
    text: str
    embed_text: str
    section: str  # "I. … › 1. … › a) …"
    paragraph: int  # 1-based number of the block (for a footnote: of the citing paragraph)
    footnote: int | None = None
    part: int = 0  # piece of a split long paragraph
    context: str | None = None  # footnote: the citing sentence; table row: the header
    refs: tuple[str, ...] = ()  # document numbers cited in the text, e.g. ("35-NQ/TW",)
    page: int | None = None
    lexical_text: str = ""  # what BM25 sees: context + text, without a footnote's citing sentence


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and highlight spans in `passage.text`."""

    passage: Passage
    score: float
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Answer:
    """A short answer taken verbatim from a cited passage, or None with the reason in `why`."""

    query: str
    answer: str | None
    sentence: str | None
    confidence: float
    citations: tuple[Hit, ...] = ()
    why: str = ""
    span: tuple[int, int] | None = None  # the answer's offsets in citations[0].passage.text
    kind: str | None = None  # "figure", "list", "statement" or "entity"
    series: tuple[SeriesPoint, ...] = ()  # the same figure in each periodic report, by time


@dataclass(frozen=True)
class Period:
    """A reporting period: kind, first and last day, normalised label, text as written.

    A yearless period ("6 tháng đầu năm" in a question) has start = end = None.
    """

    kind: str
    label: str
    start: date | None
    end: date | None
    written: str = ""

    @property
    def year(self) -> int | None:
        return self.end.year if self.end else None

    def same(self, other: Period | None) -> bool:
        """True when both name the same days (a yearless period: the same kind of period)."""
        if other is None:
            return False
        if self.start is None or other.start is None:
            return self.kind == other.kind
        return (self.start, self.end) == (other.start, other.end)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "written": self.written,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}  # fmt: skip


@dataclass(frozen=True)
class DocFacts:
    """What an answer checks of a document: its reporting period, issuer and title, and the
    label naming it in a reply ("Báo cáo 6 tháng đầu năm 2024 của Tỉnh ủy Hậu Giang")."""

    doc_id: str
    label: str
    period: Period | None = None
    issuer: str | None = None
    title: str | None = None
    year: int | None = None
    scanned: tuple[ScannedPage, ...] = ()  # pages of the document read by OCR


@dataclass(frozen=True)
class Filters:
    """Restrictions on which documents a search may return (None = any)."""

    doc_type: str | None = None
    issuer: str | None = None
    number: str | None = None
    year: int | None = None
    period: str | None = None
    doc_id: str | None = None
    access: int | None = None  # highest access level the caller may see
    # documents whose reporting period shares a day with [period_from, period_to]
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True)
class SeriesCheck:
    """A report's own change ("giảm 6 đảng viên so với cùng kỳ") against the report of that
    earlier period: agrees or not, said in a sentence."""

    claim: str
    previous: str  # label of the earlier period
    agrees: bool
    text: str


@dataclass(frozen=True)
class SeriesPoint:
    """One period of a series: its answer (cited), the figure parsed, the computed change from
    the previous period of the same kind, and the report's own change checked."""

    period: Period
    answer: Answer
    number: float | None
    unit: str | None
    change: float | None = None  # computed: this figure minus the previous period's
    change_from: str | None = None  # label of that previous period
    check: SeriesCheck | None = None
