"""The JSON records of searches, answers and documents: built here once, printed as they are by
`vankien … --json` and validated into the API's response models (app/schemas.py), so the CLI and
the API answer the same query with the same JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from ..model import Answer, DocInfo, Footnote, Hit, Passage, SeriesPoint
from ..query.answer import certainty
from ..query.facets import Facets
from ..query.index import SearchResult
from .view import Citation, DocumentView, citation, citation_url

Docs = Mapping[str, DocInfo]


def hit_record(docs: Docs, hit: Hit, base_url: str = "") -> dict:
    """A retrieved passage: verbatim text, score, highlight spans, citation and context."""
    p = hit.passage
    return {
        "id": p.id,
        "doc_id": p.doc_id,
        "kind": p.kind,
        "text": p.text,
        "score": hit.score,
        "highlights": [list(span) for span in hit.highlights],
        "citation": _flat(citation(p, docs.get(p.doc_id), base_url)),
        "context": p.context,
    }


CITATION_FIELDS = tuple(f.name for f in fields(Citation))


def _flat(c: Citation) -> dict:
    """A citation's fields (all plain values): `asdict` would deep-copy each one."""
    return {name: getattr(c, name) for name in CITATION_FIELDS}


def search_record(docs: Docs, query: str, found: SearchResult, base_url: str = "",
                  facets: Facets | None = None) -> dict:  # fmt: skip
    """A page of search results: {"query", "total", "results"}, and "facets" when given."""
    record = {
        "query": query,
        "total": found.total,
        "results": [hit_record(docs, h, base_url) for h in found.hits],
    }
    if facets is not None:
        record["facets"] = facets_record(facets)
    return record


def facets_record(facets: Facets) -> dict:
    """{"issuer": [{"value": "Tỉnh ủy Hậu Giang", "count": 16}, …], …}, most first."""
    return {name: [{"value": v, "count": n} for v, n in values]
            for name, values in facets.items()}  # fmt: skip


def answer_record(docs: Docs, reply: Answer, base_url: str = "") -> dict:
    """A short answer (or None and why), its certainty, citations and series."""
    return {
        "query": reply.query,
        "answer": reply.answer,
        "sentence": reply.sentence,
        "confidence": reply.confidence,
        "certainty": certainty(reply),
        "why": reply.why,
        "citations": [hit_record(docs, h, base_url) for h in reply.citations],
        "series": [series_record(docs, p, base_url) for p in reply.series],
    }


def series_record(docs: Docs, point: SeriesPoint, base_url: str = "") -> dict:
    """One period of a series: the figure as quoted and parsed, its citation, the change from
    the previous period of the same kind (computed, not quoted) and the report's own change
    checked against the earlier report."""
    source = point.answer.citations[0].passage
    period = point.period
    return {
        "period": period.label,
        "kind": period.kind,
        "start": period.start.isoformat() if period.start else None,
        "end": period.end.isoformat() if period.end else None,
        "value": point.answer.answer,
        "number": point.number,
        "unit": point.unit,
        "sentence": point.answer.sentence,
        "citation": _flat(citation(source, docs.get(source.doc_id), base_url)),
        "change": None if point.change is None else {
            "from": point.change_from, "delta": point.change, "computed": True},
        "check": None if point.check is None else {
            "claim": point.check.claim, "previous": point.check.previous,
            "agrees": point.check.agrees, "text": point.check.text},
    }  # fmt: skip


PRIVATE_DOC_FIELDS = ("access",)  # a document's access level is the service's business
SUMMARY_FIELDS = tuple(f.name for f in fields(DocInfo) if f.name not in PRIVATE_DOC_FIELDS)


def document_record(doc: DocInfo) -> dict:
    """A document's metadata and passage / footnote counts, as listed."""
    return {name: getattr(doc, name) for name in SUMMARY_FIELDS}


def passage_record(p: Passage, base_url: str = "") -> dict:
    return {"id": p.id, "kind": p.kind, "text": p.text, "section": p.section,
            "paragraph": p.paragraph, "footnote": p.footnote, "context": p.context,
            "url": citation_url(p, base_url)}  # fmt: skip


def footnote_record(f: Footnote) -> dict:
    paragraph = None if f.block_index is None else f.block_index + 1
    return {"number": f.number, "text": f.text, "paragraph": paragraph, "sentence": f.sentence}


def document_detail_record(view: DocumentView, base_url: str = "") -> dict:
    """One document: metadata, section outline, passages and footnotes."""
    return {
        "document": document_record(view.doc),
        "sections": [{"level": e.level, "title": e.title, "paragraph": e.paragraph}
                     for e in view.outline],  # fmt: skip
        "passages": [passage_record(p, base_url) for p in view.passages],
        "footnotes": [footnote_record(f) for f in view.footnotes],
    }
