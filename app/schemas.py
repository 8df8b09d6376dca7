"""Response models of the JSON API: the field names are a contract outside tools rely on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from indexer import Answer, DocInfo, Hit, Passage
from indexer.model import Footnote
from indexer.present import DocumentView, citation, citation_url
from indexer.present.json import series_dict
from indexer.query.answer import certainty


class Citation(BaseModel):
    doc_id: str
    title: str
    doc_type: str | None
    number: str | None
    issuer: str | None
    date: str | None
    section: str = Field(description="heading path, outermost first, joined by ' › '")
    paragraph: int = Field(description="1-based paragraph (block) number in the document")
    footnote: int | None
    url: str = Field(description="link to the passage in the document view")


class Result(BaseModel):
    id: str
    doc_id: str
    kind: Literal["paragraph", "footnote", "table", "heading"]
    text: str = Field(description="the passage, verbatim")
    score: float
    highlights: list[tuple[int, int]] = Field(description="[start, end) spans of matches in text")
    citation: Citation
    context: str | None = Field(
        description="footnote: the sentence that cites it; table row: the header row")


class SearchResponse(BaseModel):
    query: str
    total: int
    results: list[Result]


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


class DocumentSummary(BaseModel):
    doc_id: str
    name: str
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
    passages: int
    footnotes: int


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


class DocumentDetail(BaseModel):
    document: DocumentSummary
    sections: list[Section]
    passages: list[PassageOut]
    footnotes: list[FootnoteOut]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    documents: int = 0
    passages: int = 0
    version: str | None = Field(None, description="vankien version")
    index_version: str | None = Field(None, description="the index version being served")
    detail: str | None = None


class ErrorOut(BaseModel):
    detail: str = Field(description="what went wrong and what to do next, for a person")
    code: str | None = Field(None, description='what went wrong, for programs: "too_long", '
                             '"empty", "invalid", "document_not_found", "index_not_found", …')
    field: str | None = Field(None, description="the parameter at fault, when one is")


def result(hit: Hit, docs: dict[str, DocInfo], base_url: str) -> Result:
    p = hit.passage
    return Result(
        id=p.id, doc_id=p.doc_id, kind=p.kind, text=p.text, score=hit.score,
        highlights=[(s, e) for s, e in hit.highlights],
        citation=Citation(**vars(citation(p, docs.get(p.doc_id), base_url))),
        context=p.context,
    )


def ask_response(answer: Answer, docs: dict[str, DocInfo], base_url: str) -> AskResponse:
    return AskResponse(
        query=answer.query, answer=answer.answer, sentence=answer.sentence,
        confidence=answer.confidence, certainty=certainty(answer), why=answer.why,
        citations=[result(h, docs, base_url) for h in answer.citations],
        series=[SeriesEntry.model_validate(series_dict(docs, p, base_url))
                for p in answer.series],
    )


def summary(doc: DocInfo) -> DocumentSummary:
    return DocumentSummary(**{k: v for k, v in vars(doc).items() if k != "access"})


def passage_out(p: Passage, base_url: str) -> PassageOut:
    return PassageOut(id=p.id, kind=p.kind, text=p.text, section=p.section, paragraph=p.paragraph,
                      footnote=p.footnote, context=p.context, url=citation_url(p, base_url))


def footnote_out(f: Footnote) -> FootnoteOut:
    paragraph = None if f.block_index is None else f.block_index + 1
    return FootnoteOut(number=f.number, text=f.text, paragraph=paragraph, sentence=f.sentence)


def document_detail(view: DocumentView, base_url: str) -> DocumentDetail:
    return DocumentDetail(
        document=summary(view.doc),
        sections=[Section(level=e.level, title=e.title, paragraph=e.paragraph)
                  for e in view.outline],
        passages=[passage_out(p, base_url) for p in view.passages],
        footnotes=[footnote_out(f) for f in view.footnotes],
    )
