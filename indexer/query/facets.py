"""Facets: how many matching passages each value of a document field holds (issuer, period, …)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class FieldCodes:
    """One field's values over an index's documents, for counting with arrays: each document
    (by its number, `Index.doc_names`) has its key's number in `key_of` (-1: no value) and the
    value it shows in `values`."""

    key_of: np.ndarray
    values: list[str | int | None]


def field_codes(shown: Shown, doc_names: list[str]) -> FieldCodes:
    """A field's `shown_values` as numbers, once per loaded index."""
    numbers: dict[str | int, int] = {}
    key_of = np.full(len(doc_names), -1, dtype=np.int64)
    values: list[str | int | None] = [None] * len(doc_names)
    for code, doc_id in enumerate(doc_names):
        if (found := shown.get(doc_id)) is not None:
            key_of[code] = numbers.setdefault(found[0], len(numbers))
            values[code] = found[1]
    return FieldCodes(key_of, values)


def count(docs: np.ndarray, passages: np.ndarray,
          field: FieldCodes) -> list[tuple[str | int, int]]:  # fmt: skip
    """(value, passages) of one field, most passages first (ties by value): `docs` are document
    numbers, `passages` how many matching passages each holds; documents without a value for
    the field are left out. A key's value shown is that of its first document in `docs`
    ("Quý II/2024" and "quý II năm 2024" are one period, named as the first one met).

    >>> shown = ["Quý II/2024", "2023", "quý II năm 2024", None]
    >>> field = FieldCodes(np.array([0, 1, 0, -1]), shown)
    >>> count(np.array([2, 1, 0, 3]), np.array([1, 4, 2, 9]), field)
    [('2023', 4), ('quý II năm 2024', 3)]
    """
    keys = field.key_of[docs]
    kept = (keys >= 0) & (passages > 0)
    keys, docs, passages = keys[kept], docs[kept], passages[kept]
    if not len(keys):
        return []
    found, first = np.unique(keys, return_index=True)
    totals = np.bincount(keys, weights=passages)[found].astype(np.int64).tolist()
    labels = [field.values[d] for d in docs[first].tolist()]
    return sorted(zip(labels, totals, strict=True),
                  key=lambda item: (-item[1], str(item[0])))  # fmt: skip
