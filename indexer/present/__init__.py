"""What users see: citations and the document view, JSON records, exploration and evaluation."""

from .json import answer_dict, hit_dict
from .view import (
    Citation,
    DocumentView,
    citation,
    citation_label,
    citation_url,
    document_view,
    passage_span,
    pieces,
    vietnamese_date,
)

__all__ = [
    "Citation",
    "DocumentView",
    "answer_dict",
    "citation",
    "citation_label",
    "citation_url",
    "document_view",
    "hit_dict",
    "passage_span",
    "pieces",
    "vietnamese_date",
]
