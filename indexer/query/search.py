"""Pure pieces of retrieval: query plan, rank fusion, highlight spans, near-duplicate merging."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..vietnamese.keys import folded_keys, period_key, word_keys
from ..vietnamese.periods import find_periods
from ..vietnamese.refs import extract_refs, normalise_ref, query_refs
from ..vietnamese.stopwords import HIGHLIGHT_SKIPPED, HIGHLIGHT_SKIPPED_FOLDED
from ..vietnamese.text import SYLLABLE, fold, is_unaccented, nfc, syllable_key

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


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


def _period(text: str) -> str | None:
    """The period a query names, as its key: "6 tháng đầu năm 2023" → "6 thang dau nam 2023"."""
    found = next((p for p in find_periods(text) if p.start), None)
    return period_key(found.label) if found else None


def highlight_spans(text: str, query: QueryPlan) -> list[tuple[int, int]]:
    """Character spans of `text` whose words match the query, diacritic-insensitive when the
    query was typed without accents; adjacent matches are merged.

    >>> highlight_spans("Thi hành kỷ luật 95 đảng viên", plan("ky luat"))
    [(9, 16)]
    """
    wanted = _wanted_keys(query.text, query.unaccented)
    spans: list[tuple[int, int]] = []
    for match in SYLLABLE.finditer(text):
        if _word_key(match.group(0), query.unaccented) in wanted:
            if spans and text[spans[-1][1] : match.start()].strip() == "":
                spans[-1] = (spans[-1][0], match.end())
            else:
                spans.append((match.start(), match.end()))
    return spans


@lru_cache(maxsize=1024)
def _wanted_keys(query: str, unaccented: bool) -> frozenset[str]:
    """The match keys a query lights up, computed once per query, not once per hit."""
    key = fold if unaccented else syllable_key
    stop = _STOP_FOLDED if unaccented else _STOP
    return frozenset({key(w) for w in _content_words(query)} - stop)


@lru_cache(maxsize=65536)
def _word_key(word: str, unaccented: bool) -> str:
    """A passage word's match key; words recur across hits and queries, so it is cached."""
    return fold(word.lower()) if unaccented else syllable_key(word.lower())


def _content_words(query: str) -> list[str]:
    """Query words without the question phrase "bao nhiêu" (its "bao" is also "bảo", "bao phủ")."""
    words = SYLLABLE.findall(query.lower())
    folded = [fold(w) for w in words]
    drop = {
        i + d
        for i in range(len(words) - 1)
        if folded[i : i + 2] == ["bao", "nhieu"]
        for d in (0, 1)
    }
    return [w for i, w in enumerate(words) if i not in drop]


# Particles that should not light up a passage; folded, most collide with content words
# ("thì"/"thi hành", "có"/"cơ", "mấy"/"máy"), so that list is short.
_STOP = {syllable_key(w) for w in HIGHLIGHT_SKIPPED}
_STOP_FOLDED = {fold(w) for w in HIGHLIGHT_SKIPPED_FOLDED}


def mentions(text: str, name: str) -> bool:
    """Whether `text` names `name` as whole words, accents and case forgiven.

    >>> mentions("các xã Tả Thàng, La Pan Tẩn và Cao Sơn", "cao son")
    True
    >>> mentions("xã Cao Sơn A", "Cao Sơn") and not mentions("xã Cao Sơnh", "Cao Sơn")
    True
    """
    words = re.escape(_spaced_fold(name))
    return re.search(rf"(?<!\w){words}(?!\w)", _spaced_fold(text)) is not None


@lru_cache(maxsize=4096)
def _spaced_fold(text: str) -> str:
    """Folded, whitespace collapsed; cached because the same passages come back query after
    query."""
    return " ".join(fold(text).split())


def same_text(a: str, b: str) -> bool:
    """Near-duplicate test: equal after folding and collapsing everything but letters and digits."""
    return _squash(a) == _squash(b)


@lru_cache(maxsize=4096)
def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))
