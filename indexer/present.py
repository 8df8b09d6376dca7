"""Plain-dict views of hits and answers with their citations: the shape of the JSON API."""

from __future__ import annotations

from .model import Answer, Hit


def citation(index, hit: Hit, base_url: str = "") -> dict:
    """Where a passage comes from: document, section path, paragraph, footnote and a link."""
    p = hit.passage
    doc = index.docs[p.doc_id]
    anchor = f"fn-{p.footnote}" if p.kind == "footnote" else f"p-{p.paragraph}"
    return {
        "doc_id": doc.doc_id, "title": doc.title, "doc_type": doc.doc_type, "number": doc.number,
        "issuer": doc.issuer, "date": doc.date, "section": p.section, "paragraph": p.paragraph,
        "footnote": p.footnote, "url": f"{base_url}/documents/{doc.doc_id}?hl={p.id}#{anchor}",
    }


def hit_dict(index, hit: Hit, base_url: str = "") -> dict:
    p = hit.passage
    return {
        "id": p.id, "doc_id": p.doc_id, "kind": p.kind, "text": p.text, "score": hit.score,
        "highlights": [list(span) for span in hit.highlights],
        "citation": citation(index, hit, base_url), "context": p.context,
    }


def answer_dict(index, reply: Answer, base_url: str = "") -> dict:
    return {
        "query": reply.query, "answer": reply.answer, "sentence": reply.sentence,
        "confidence": reply.confidence, "why": reply.why,
        "citations": [hit_dict(index, h, base_url) for h in reply.citations],
    }
