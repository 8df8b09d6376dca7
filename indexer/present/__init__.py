"""What users see: citations and the document view, JSON records, exploration and evaluation."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .json import answer_record, hit_record, search_record
    from .runs import pieces
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
        vietnamese_date,
    )

# Imported when first named, as in indexer/__init__.py: a light module of this package (runs)
# must not pull the index and its libraries in.
_HOMES = {"answer_record": ".json", "hit_record": ".json", "search_record": ".json",
          "pieces": ".runs"}  # fmt: skip


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOMES.get(name, ".view"), __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
