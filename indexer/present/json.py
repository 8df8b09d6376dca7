"""Plain-dict views of hits and answers with their citations: the shape of the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from ..model import Answer, Hit
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
    }
