"""Pure pieces of retrieval: query plan, rank fusion, highlight spans, near-duplicate merging."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .lexical import folded_keys, word_keys
from .refs import extract_refs, normalise_ref, query_refs
from .text import fold, is_unaccented, nfc, syllable_key

_WORD = re.compile(r"\w+(?:[.,/]\d+)*%?", re.UNICODE)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass(frozen=True)
class Filters:
    """Restrictions on which documents a search may return (None = any)."""

    doc_type: str | None = None
    issuer: str | None = None
    number: str | None = None
    year: int | None = None
    period: str | None = None
    doc_id: str | None = None
    access: int | None = None  # highest access level the caller may see


@dataclass(frozen=True)
class QueryPlan:
    """What a query asks, in every form the indexes understand."""

    text: str
    unaccented: bool
    accented: tuple[str, ...]
    folded: tuple[str, ...]
    refs: tuple[str, ...]
    years: tuple[int, ...]
    period: str | None


def plan(query: str) -> QueryPlan:
    """Normalise and segment a query the way passages were.

    >>> plan("so dang vien bi ky luat").unaccented
    True
    """
    text = nfc(query).strip()
    refs = [normalise_ref(r) for r in extract_refs(text)] + query_refs(text)
    return QueryPlan(
        text=text,
        unaccented=is_unaccented(text),
        accented=tuple(word_keys(text)),
        folded=tuple(folded_keys(text)),
        refs=tuple(dict.fromkeys(refs)),
        years=tuple(int(y) for y in _YEAR.findall(text)),
        period=_period(text),
    )


_PERIOD = re.compile(
    r"(?:\d+ thang (?:dau|cuoi) nam|\d+ thang nam|quy [ivx]+ ?(?:/|nam)|nam) ?\d{4}"
)


def _period(text: str) -> str | None:
    """The reporting period a query names, folded: "6 tháng đầu năm 2023" → "6 thang dau nam 2023".
    """
    found = _PERIOD.search(re.sub(r"\s+", " ", fold(text)))
    return found.group(0) if found else None


def period_key(period: str | None) -> str | None:
    """Folded, space-collapsed form used to compare a query's period with a document's."""
    return re.sub(r"\s+", " ", fold(period)).strip() if period else None


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int = 60
) -> dict[int, float]:
    """Weighted reciprocal rank fusion of ranked id lists.

    >>> sorted(rrf([[1, 2], [2, 3]], [1.0, 1.0], k=0).items())
    [(1, 1.0), (2, 1.5), (3, 0.5)]
    """
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return fused


def top_rows(scores: np.ndarray, k: int) -> list[int]:
    """Rows of the k highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size == 0:
        return []
    k = min(k, positive.size)
    best = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return [int(r) for r in best[np.argsort(-scores[best], kind="stable")]]


def highlight_spans(text: str, query: QueryPlan) -> list[tuple[int, int]]:
    """Character spans of `text` whose words match the query, diacritic-insensitive when the
    query was typed without accents; adjacent matches are merged.

    >>> highlight_spans("Thi hành kỷ luật 95 đảng viên", plan("ky luat"))
    [(9, 16)]
    """
    if query.unaccented:
        wanted = {fold(w) for w in _WORD.findall(query.text.lower())}
        key = fold
    else:
        wanted = {syllable_key(w) for w in _WORD.findall(query.text.lower())}
        key = syllable_key
    wanted -= _STOP
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        if key(match.group(0).lower()) in wanted:
            if spans and text[spans[-1][1] : match.start()].strip() == "":
                spans[-1] = (spans[-1][0], match.end())
            else:
                spans.append((match.start(), match.end()))
    return spans


# Question words and particles that should not light up a passage.
_STOP = {syllable_key(w) for w in "bao nhiêu mấy là gì nào của và các những có được đã thì".split()}
_STOP |= {fold(w) for w in "bao nhiêu mấy là gì nào của và các những có được đã thì".split()}


def same_text(a: str, b: str) -> bool:
    """Near-duplicate test: equal after folding and collapsing everything but letters and digits."""
    return _squash(a) == _squash(b)


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))
