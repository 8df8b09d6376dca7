"""How the rankings become one score per passage: pure functions over {row: score} maps, their
weights and bonuses in Settings (as txtai fuses BM25 and dense scores by a convex combination;
reciprocal rank fusion stays available).

Every function keeps the candidates' order (ties are broken by it) and returns a new map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..config import Settings
from ..model import DocInfo
from ..vietnamese.keys import period_key
from ..vietnamese.refs import normalise_ref
from ..vietnamese.text import fold
from .search import QueryPlan

Scores = dict[int, float]


def convex(
    lexical: Mapping[int, float],
    dense: Mapping[int, float],
    lexical_weight: float,
    bonus: Mapping[int, float] | None = None,
) -> Scores:
    """Convex combination of max-normalised BM25 and min-max-normalised cosine scores.

    Unlike rank fusion it keeps how far ahead a passage is: an exact lexical match far above
    the rest is not levelled with a flat run of near-equal cosines.

    >>> fused = convex({1: 10.0, 2: 5.0}, {1: 0.80, 2: 0.90}, 0.7)
    >>> round(fused[1], 2), round(fused[2], 2)
    (0.7, 0.65)
    """
    top_lex = max(lexical.values(), default=0.0) or 1.0
    low, high = min(dense.values(), default=0.0), max(dense.values(), default=1.0)
    span = (high - low) or 1.0
    bonus = bonus or {}
    return {
        row: lexical_weight * max(lexical.get(row, 0.0), 0.0) / top_lex
        + (1 - lexical_weight) * (dense.get(row, low) - low) / span
        + bonus.get(row, 0.0)
        for row in lexical.keys() | dense.keys()
    }


def add_ranking(fused: Mapping[int, float], ranking: Iterable[int], weight: float,
                k: int) -> Scores:  # fmt: skip
    """One more ranking added to a reciprocal rank fusion (a sum: it adds on).

    >>> add_ranking({1: 0.5}, [2, 1], weight=2.0, k=0)
    {1: 1.5, 2: 2.0}
    """
    out = dict(fused)
    for rank, row in enumerate(ranking):
        out[row] = out.get(row, 0.0) + weight / (k + rank + 1)
    return out


def with_bonus(fused: Mapping[int, float], rows: Iterable[int], bonus: float) -> Scores:
    """`bonus` added to the score of each of `rows` (the passages naming the place asked about).

    >>> with_bonus({1: 0.5, 2: 0.4}, [2], 0.25)
    {1: 0.5, 2: 0.65}
    """
    return dict(fused) | {row: fused[row] + bonus for row in rows}


@dataclass(frozen=True)
class DocKeys:
    """A document's metadata in the forms queries are compared with, computed once at load."""

    period: str | None
    year: int | None
    issuer: str | None  # folded, padded with spaces for whole-word tests
    doc_type: str | None  # folded
    number: str | None  # normalise_ref key

    @classmethod
    def of(cls, doc: DocInfo) -> DocKeys:
        return cls(
            period=period_key(doc.period),
            year=doc.year,
            issuer=f" {fold(doc.issuer)} " if doc.issuer else None,
            doc_type=fold(doc.doc_type) + " " if doc.doc_type else None,
            number=normalise_ref(doc.number) if doc.number else None,
        )


def document_factor(q: QueryPlan, folded_query: str, doc: DocKeys, settings: Settings) -> float:
    """How much the query's own words point at this document (1.0 = not at all): the
    reporting period or year it names, the issuing body it names, the type it opens with.

    `folded_query` is the folded query padded with spaces.

    >>> from indexer.query.search import plan
    >>> doc = DocKeys("6 thang dau nam 2024", 2024, " tinh uy hau giang ", "bao cao ", None)
    >>> q = plan("báo cáo 6 tháng đầu năm 2024 của Tỉnh ủy Hậu Giang")
    >>> round(document_factor(q, f" {fold(q.text)} ", doc, Settings()), 4)
    2.07
    """
    factor = 1.0
    wanted = period_key(q.period)
    if wanted and doc.period == wanted:
        factor *= settings.period_boost
    elif q.years and doc.year in q.years:
        factor *= settings.year_boost
    if doc.issuer and doc.issuer in folded_query:
        factor *= settings.issuer_boost
    if doc.doc_type and not q.refs and folded_query.startswith(" " + doc.doc_type):
        factor *= settings.doc_type_boost
    return factor


def scaled(fused: Mapping[int, float], docs: np.ndarray, factor_of: np.ndarray) -> Scores:
    """Each score times its document's factor: `docs[i]` is the document (a number) of the
    i-th row of `fused`, `factor_of[d]` document d's factor (1.0 leaves a score as it is).

    >>> scaled({1: 0.5, 2: 0.4}, np.array([0, 1]), np.array([1.0, 1.5]))
    {1: 0.5, 2: 0.6000000000000001}
    """
    factors = factor_of[docs]
    if (factors == 1.0).all():
        return dict(fused)
    scores = np.fromiter(fused.values(), dtype=np.float64, count=len(fused))
    return dict(zip(fused, (scores * factors).tolist(), strict=True))
