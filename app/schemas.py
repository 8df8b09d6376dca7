"""Response models of the JSON API: the field names are a contract outside tools rely on.

The records themselves are built once, in indexer/present/json.py (which `vankien … --json`
prints); these models validate them and describe them in the OpenAPI schema. A citation is
`indexer.present.Citation`, a document summary the fields of `indexer.DocInfo` it shows.
"""

from __future__ import annotations

import typing
from dataclasses import fields
from typing import Literal

from pydantic import BaseModel, Field, create_model

from indexer import Answer, DocInfo, Hit
from indexer.present import Citation, DocumentView
from indexer.present import json as records
from indexer.present.parts import DocumentPart, part_record
from indexer.query import SearchResult
from indexer.query.facets import Facets


class Result(BaseModel):
    id: str
    doc_id: str
    kind: Literal["paragraph", "footnote", "table", "heading"]
    text: str = Field(description="the passage, verbatim")
    score: float = Field(description=(
        "how well the passage matches, 0–1, on one scale for every query (not scaled to the "
        "best result): the lexical weight (0.7; 0.85 for a query typed without accents) times "
        "the share of the query's content words the passage holds (1 when it cites the "
        "document number asked for), plus the rest times its cosine similarity to the query. "
        "Results are in rank order and the score never rises down the list, so a client may "
        "stop at a score: from 0.7 a passage holds every word of the query"))
    highlights: list[tuple[int, int]] = Field(description="[start, end) spans of matches in text")
    citation: Citation
    context: str | None = Field(
        description="footnote: the sentence that cites it; table row: the header row")


class FacetValue(BaseModel):
    value: str | int = Field(description="a filter value, e.g. Tỉnh ủy Hậu Giang, or 2024")
    count: int = Field(description="matching passages of the documents with that value")


class SearchResponse(BaseModel):
    query: str
    total: int = Field(description=(
        "passages that match the query: they hold all its content words, cite the document "
        "number it names, or are close in meaning (cosine similarity at least 0.85); 0 when "
        "nothing matches (not found), and then `results` is empty"))
    results: list[Result]
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict, description=(
        "matching passages (those `total` counts) per value of `doc_type`, `year`, `issuer` "
        "and `period`, most first, among the documents the caller may see: each field counted "
        "with the query's other filters applied but not its own, so a count is what choosing "
        "that value would give. A period is named by its normalised label; documents without "
        "a value for a field are not counted in it"))


class SeriesChange(BaseModel):
    from_: str = Field(alias="from", description="the previous period of the same kind")
    delta: float = Field(description="this figure minus that period's, computed, not quoted")
    computed: bool = True


class SeriesCheck(BaseModel):
    claim: str = Field(description="the report's own change, quoted: 'tăng 6 … so với cùng kỳ'")
    previous: str = Field(description="the earlier period's label")
    agrees: bool
    text: str


class SeriesEntry(BaseModel):
    """One reporting period of a series answer."""

    period: str
    kind: str
    start: str | None
    end: str | None
    value: str = Field(description="the figure as quoted, verbatim")
    number: float | None = Field(description="the figure parsed (a ratio: its numerator)")
    unit: str | None
    sentence: str | None
    citation: Citation
    change: SeriesChange | None
    check: SeriesCheck | None


class AskResponse(BaseModel):
    query: str
    answer: str | None
    sentence: str | None
    confidence: float
    certainty: str | None = Field(
        None, description='"chắc chắn" or "cần kiểm tra" beside an answer; null without one')
    why: str
    citations: list[Result]
    series: list[SeriesEntry] = Field(
        default_factory=list, description="the same figure in each periodic report, by time")


def _summary_model() -> type[BaseModel]:
    """DocumentSummary: the fields of DocInfo the API shows (not the access level)."""
    hints = typing.get_type_hints(DocInfo)
    shown = {f.name: (hints[f.name], ...) for f in fields(DocInfo)
             if f.name in records.SUMMARY_FIELDS}  # fmt: skip
    return create_model("DocumentSummary", __doc__="A document's metadata and counts.", **shown)


DocumentSummary = _summary_model()


class Section(BaseModel):
    level: int
    title: str
    paragraph: int


class PassageOut(BaseModel):
    id: str
    kind: str
    text: str
    section: str
    paragraph: int
    footnote: int | None
    context: str | None
    url: str


class FootnoteOut(BaseModel):
    number: int
    text: str
    paragraph: int | None = Field(description="paragraph that cites the footnote")
    sentence: str = Field(description="sentence of that paragraph holding the marker")


class ParagraphRange(BaseModel):
    first: int
    last: int


class DocumentDetail(BaseModel):
    document: DocumentSummary
    sections: list[Section]
    passages: list[PassageOut]
    footnotes: list[FootnoteOut]
    part: int = Field(1, description="the part shown (1-based); a long document comes in parts "
                      "of `blocks_per_part` paragraphs, each with its passages and footnotes")
    parts: int = Field(1, description="how many parts the document has")
    blocks_per_part: int | None = None
    paragraphs: ParagraphRange | None = Field(None, description="paragraphs of this part")
    previous: str | None = Field(None, description="link to the previous part")
    next: str | None = Field(None, description="link to the next part")


class StartProgress(BaseModel):
    """How far a starting service has got: the phase, n of N, and the seconds left in it."""

    phase: str = Field(description="model, files, ocr, passages, write, load or warm")
    label: str = Field(description="the phase in Vietnamese")
    done: int
    total: int
    elapsed_s: float = Field(description="seconds since the service started")
    eta_s: float | None = Field(None, description="seconds left in this phase, once known")


class Health(BaseModel):
    """Readiness; the other fields only for the admin token."""

    status: Literal["ok", "loading", "unavailable"]
    message: str | None = Field(None, description="while loading: how far the start has got, "
                                "e.g. «đang lập chỉ mục (nhúng đoạn 120/1313, còn khoảng 2 phút)»")
    progress: StartProgress | None = None
    documents: int | None = None
    passages: int | None = None
    version: str | None = Field(None, description="vankien version")
    index_version: str | None = Field(None, description="the index version being served")
    detail: str | None = None


class ErrorOut(BaseModel):
    detail: str = Field(description="what went wrong and what to do next, for a person")
    code: str | None = Field(None, description='what went wrong, for programs: "too_long", '
                             '"empty", "invalid", "document_not_found", "index_not_found", …')
    field: str | None = Field(None, description="the parameter at fault, when one is")


def result(hit: Hit, docs: dict[str, DocInfo], base_url: str) -> Result:
    return Result.model_validate(records.hit_record(docs, hit, base_url))


def search_response(query: str, found: SearchResult, docs: dict[str, DocInfo],
                    base_url: str, facets: Facets | None = None) -> SearchResponse:  # fmt: skip
    record = records.search_record(docs, query, found, base_url, facets)
    return SearchResponse.model_validate(record)


def ask_response(answer: Answer, docs: dict[str, DocInfo], base_url: str) -> AskResponse:
    return AskResponse.model_validate(records.answer_record(docs, answer, base_url))


def summary(doc: DocInfo) -> DocumentSummary:
    return DocumentSummary.model_validate(records.document_record(doc))


def document_detail(view: DocumentView, base_url: str) -> DocumentDetail:
    return DocumentDetail.model_validate(records.document_detail_record(view, base_url))


def document_part(shown: DocumentPart, base_url: str) -> DocumentDetail:
    record = records.document_detail_record(shown.view, base_url)
    return DocumentDetail.model_validate(record | part_record(shown, base_url))
