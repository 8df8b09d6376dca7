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


Shown = dict[str, tuple[str | int, str | int]]  # a field's (key, value shown) per document


def shown_values(docs: Mapping[str, DocInfo]) -> dict[str, Shown]:
    """Each field's value per document, with the key it is counted under (a period's
    `period_key`): computed once per loaded index, not per document per search."""
    fields: dict[str, Shown] = {name: {} for name in FIELDS}
    for doc_id, doc in docs.items():
        for name in FIELDS:
            value = facet_value(doc, name)
            if value is not None and value != "":
                fields[name][doc_id] = (period_key(value) if name == "period" else value, value)
    return fields


def count(per_doc: Mapping[str, int], shown: Shown) -> list[tuple[str | int, int]]:
    """(value, passages) of one field, most passages first: `per_doc` counts each document's
    matching passages, `shown` is the field's `shown_values`; documents without a value for
    the field are left out."""
    counts: Counter = Counter()
    labels: dict = {}
    for doc_id, n in per_doc.items():
        found = shown.get(doc_id) if n else None
        if found is None:
            continue
        key, value = found
        labels.setdefault(key, value)
        counts[key] += n
    return sorted(((labels[k], n) for k, n in counts.items()),
                  key=lambda item: (-item[1], str(item[0])))  # fmt: skip
