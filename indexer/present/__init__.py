"""What users see: citations and the document view, JSON records, exploration and evaluation."""

from .json import answer_record, hit_record, search_record
from .view import (
    Citation,
    DocumentView,
    answer_pieces,
    citation,
    citation_label,
    citation_url,
    document_view,
    figure_marks,
    figure_url,
    passage_span,
    pieces,
    vietnamese_date,
)

__all__ = [
    "Citation",
    "DocumentView",
    "answer_pieces",
    "answer_record",
    "citation",
    "citation_label",
    "citation_url",
    "document_view",
    "figure_marks",
    "figure_url",
    "hit_record",
    "passage_span",
    "pieces",
    "search_record",
    "vietnamese_date",
]
