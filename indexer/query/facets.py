"""Facets: how many matching passages each value of a document field holds (issuer, period, …)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ..model import DocInfo
from ..vietnamese.keys import period_key
from ..vietnamese.periods import parse_period

FIELDS = ("doc_type", "year", "issuer", "period")

Facets = dict[str, list[tuple[str | int, int]]]


def facet_value(doc: DocInfo, name: str) -> str | int | None:
    """The value a document shows for a facet field; a period by its normalised label, so
    "Quý II/2024" and "quý II năm 2024" count as one.

    >>> facet_value(DocInfo("d", "d.docx", "docx", "", None, None, None, None, None, False,
    ...                     "6 tháng  đầu năm 2024", 2024, 0), "period")
    '6 tháng đầu năm 2024'
    """
    value = getattr(doc, name)
    if name == "period" and value:
        parsed = parse_period(value)
        return parsed.label if parsed is not None and parsed.start else value
    return value


def count(name: str, per_doc: Mapping[str, int], docs: Mapping[str, DocInfo]
          ) -> list[tuple[str | int, int]]:  # fmt: skip
    """(value, passages) of one field, most passages first: `per_doc` counts each document's
    matching passages; documents without a value for the field are left out."""
    counts: Counter = Counter()
    shown: dict = {}
    for doc_id, n in per_doc.items():
        value = facet_value(docs[doc_id], name) if n else None
        if value is None or value == "":
            continue
        key = period_key(value) if name == "period" else value
        shown.setdefault(key, value)
        counts[key] += n
    return sorted(((shown[k], n) for k, n in counts.items()),
                  key=lambda item: (-item[1], str(item[0])))  # fmt: skip
