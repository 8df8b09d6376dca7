"""Plain-dict views of hits and answers with their citations: the shape of the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from ..model import Answer, Hit, SeriesPoint
from ..query.answer import certainty
from .view import citation


def hit_dict(index, hit: Hit, base_url: str = "") -> dict:
    p = hit.passage
    return {
        "id": p.id,
        "doc_id": p.doc_id,
        "kind": p.kind,
        "text": p.text,
        "score": hit.score,
        "highlights": [list(span) for span in hit.highlights],
        "citation": asdict(citation(p, index.docs.get(p.doc_id), base_url)),
        "context": p.context,
    }


def answer_dict(index, reply: Answer, base_url: str = "") -> dict:
    return {
        "query": reply.query,
        "answer": reply.answer,
        "sentence": reply.sentence,
        "confidence": reply.confidence,
        "certainty": certainty(reply),
        "why": reply.why,
        "citations": [hit_dict(index, h, base_url) for h in reply.citations],
        "series": [series_dict(index.docs, p, base_url) for p in reply.series],
    }


def series_dict(docs, point: SeriesPoint, base_url: str = "") -> dict:
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
        "citation": asdict(citation(source, docs.get(source.doc_id), base_url)),
        "change": None if point.change is None else {
            "from": point.change_from, "delta": point.change, "computed": True},
        "check": None if point.check is None else {
            "claim": point.check.claim, "previous": point.check.previous,
            "agrees": point.check.agrees, "text": point.check.text},
    }  # fmt: skip
