"""Pure pieces of retrieval: query plan, rank fusion, highlight spans, near-duplicate merging."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..vietnamese.keys import folded_keys, period_key, word_keys
from ..vietnamese.periods import find_periods
from ..vietnamese.refs import extract_refs, normalise_ref, query_refs, ref_spans
from ..vietnamese.segment import words as segment_words
from ..vietnamese.stopwords import (
    FUNCTION_WORDS,
    FUNCTION_WORDS_FOLDED,
    HIGHLIGHT_SKIPPED,
    HIGHLIGHT_SKIPPED_FOLDED,
)
from ..vietnamese.text import SYLLABLE, fold, is_unaccented, nfc, syllable_key
from ..vietnamese.wordspans import Located, located_words

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
    words: tuple[str, ...] = ()  # the query's segmented words as match keys ("đảng_viên")
    required: tuple[str, ...] = ()  # lexical keys a passage must hold to match: content words


def plan(query: str) -> QueryPlan:
    """Normalise and segment a query the way passages were.

    >>> plan("so dang vien bi ky luat").unaccented
    True
    """
    return _plan(query)


def query_text(query: str) -> str:
    """The text a query is embedded as (`QueryPlan.text`), without planning it."""
    return nfc(query).strip()


@lru_cache(maxsize=4096)  # a request plans its query for the hits, the facets and the answer
def _plan(query: str) -> QueryPlan:
    text = query_text(query)
    unaccented = is_unaccented(text)
    refs = [normalise_ref(r) for r in extract_refs(text)] + query_refs(text)
    # segmented once, for its keys, words and required keys (the CRF is most of planning)
    segmented = segment_words(text)
    return QueryPlan(
        text=text,
        unaccented=unaccented,
        accented=tuple(word_keys(text, segmented)),
        folded=tuple(folded_keys(text)),
        refs=tuple(dict.fromkeys(refs)),
        years=tuple(int(y) for y in _YEAR.findall(text)),
        period=_period(text),
        words=tuple(w for w in _words(text, None if unaccented else segmented)
                    if not _part_of_refs(w, refs)),
        required=_required(text, None if unaccented else segmented),
    )


plan_uncached = _plan.__wrapped__  # what planning costs (the bench's floor), no cache


def _period(text: str) -> str | None:
    """The period a query names, as its key: "6 tháng đầu năm 2023" → "6 thang dau nam 2023"."""
    found = next((p for p in find_periods(text) if p.start), None)
    return period_key(found.label) if found else None


def highlight_spans(text: str, query: QueryPlan, words: Located | None = None
                    ) -> list[tuple[int, int]]:  # fmt: skip
    """Character spans of `text` where a segmented word is one of the query's words (not a
    syllable of another word: "kết" does not light up "tổng kết"); accent-blind only for a
    query typed without accents. Adjacent matches are merged. `words`: the text's words as
    the index keeps them (`wordspans`); else it is segmented here.

    >>> highlight_spans("Thi hành kỷ luật 95 đảng viên", plan("ky luat"))
    [(9, 16)]
    >>> highlight_spans("Ủy viên Ban Thường vụ", plan("đảng viên"))
    []
    """
    refs = ref_spans(text)
    cited = [(a, b) for a, b, _ in refs]
    asked = {(a, b) for a, b, ref in refs if normalise_ref(ref) in query.refs}
    found = [(a, b, ref) for a, b, ref in (located_words(text) if words is None else words)
             if not any(s <= a < e for s, e in cited)]  # a number's parts are not words
    free = _uncovered(query, [_word_key(w, True) for _, _, w in found]) if query.unaccented \
        else frozenset()  # fmt: skip
    spans: list[tuple[int, int]] = []
    for start, end, word in sorted(found + [(a, b, "") for a, b in asked]):
        if not word or _lights(_word_key(word, query.unaccented), query, free):
            if spans and text[spans[-1][1] : start].strip() == "":
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def _part_of_refs(key: str, refs: list[str]) -> bool:
    """Whether a query word is a piece of a document number it names ("35", "nq" of 35-NQ/TW):
    the number lights up whole, its pieces not elsewhere."""
    parts = {p for ref in refs for p in ref.split("-")}
    return bool(refs) and all(fold(s) in parts for s in key.split("_"))


def _lights(key: str, query: QueryPlan, free: frozenset[str] = frozenset()) -> bool:
    """Whether a passage word (as its key) is a query word. Typed without accents, the query's
    words are unknown (segmentation needs the accents), so a passage word lights up when its
    syllables run in the query in the same order: "bí thư" is not in "so dang vien bi ky luat";
    a one-syllable word only where the passage's longer words leave that syllable `free`
    ("Đảng" alone is not the "dang" of "dang vien" when the passage has "đảng viên")."""
    if not key:
        return False
    if not query.unaccented:
        return key in query.words and key not in _STOP and not (query.required and key in _FUNCTION)
    if key in _STOP_FOLDED or (query.required and key in _FUNCTION_FOLDED):
        return False
    if not _runs_in(key, query.words):
        return False
    return "_" in key or key in free


def _runs_in(key: str, words: tuple[str, ...]) -> bool:
    return f"_{key}_" in f"_{'_'.join(words)}_"


def _uncovered(query: QueryPlan, keys: list[str]) -> frozenset[str]:
    """The query's syllables (unaccented) that no word of several syllables of the passage,
    running in the query, covers."""
    words = query.words
    covered = [False] * len(words)
    for key in {k for k in keys if "_" in k and _runs_in(k, words)}:
        parts = key.split("_")
        for i in range(len(words) - len(parts) + 1):
            if list(words[i : i + len(parts)]) == parts:
                covered[i : i + len(parts)] = [True] * len(parts)
    return frozenset(w for w, c in zip(words, covered, strict=True) if not c)


@lru_cache(maxsize=65536)  # a vocabulary: the same words come back in passage after passage
def _word_key(word: str, unaccented: bool) -> str:
    """A word's match key: its syllables in match form (folded when unaccented), joined by "_".

    >>> _word_key("Kỉ luật", False) == _word_key("kỷ luật", False), _word_key("Đảng viên", True)
    (True, 'dang_vien')
    """
    key = fold if unaccented else syllable_key
    return "_".join(key(s) for s in SYLLABLE.findall(word.lower()))


def _words(text: str, segmented: list[str] | None) -> list[str]:
    """The query's words as keys: its `segmented` words when accented; folded syllables when
    not (None; the phrase "bao nhiêu" left out: its "bao" is also "bảo", "bao phủ")."""
    if segmented is None:
        return _content_words(text)
    kept = [w for w in segmented if fold(w.lower()) not in ("bao nhieu", "bao", "nhieu")]
    return [k for k in (_word_key(w, False) for w in kept) if k]


def _required(text: str, segmented: list[str] | None) -> tuple[str, ...]:
    """The lexical keys a passage must hold to match the query: its content words (function
    words left out), a word of three syllables or more as its syllable pairs.

    >>> [fold(key) for key in plan("số đảng viên bị kỷ luật").required]  # match form, folded
    ['dang_vien', 'ki_luat']
    >>> plan("so dang vien bi ky luat").required
    ('dang', 'vien', 'ky', 'luat')
    """
    if segmented is None:  # typed without accents: folded syllables
        skip = {w for w in FUNCTION_WORDS_FOLDED if " " not in w}
        return tuple(dict.fromkeys(w for w in _content_words(text) if w not in skip))
    keys: list[str] = []
    for word in segmented:
        if nfc(word.lower()) in FUNCTION_WORDS:
            continue
        syllables = [syllable_key(s) for s in SYLLABLE.findall(word.lower())]
        if len(syllables) <= 2:
            keys.append("_".join(syllables))
        else:
            keys.extend(f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False))
    return tuple(dict.fromkeys(k for k in keys if k))


def _content_words(query: str) -> list[str]:
    """Folded query syllables without the question phrase "bao nhieu"."""
    words = [fold(w) for w in SYLLABLE.findall(query.lower())]
    drop = {
        i + d
        for i in range(len(words) - 1)
        if words[i : i + 2] == ["bao", "nhieu"]
        for d in (0, 1)
    }
    return [w for i, w in enumerate(words) if i not in drop]


# Particles that should not light up a passage; folded, most collide with content words
# ("thì"/"thi hành", "có"/"cơ", "mấy"/"máy"), so that list is short.
_STOP = {syllable_key(w) for w in HIGHLIGHT_SKIPPED}
_STOP_FOLDED = {fold(w) for w in HIGHLIGHT_SKIPPED_FOLDED}
# A query that has content words lights up only those: the "số" of "số đảng viên" is not the
# "số" of "Kế hoạch số 222-KH/TU"; "kết quả" alone still lights up.
_FUNCTION = {_word_key(w, False) for w in FUNCTION_WORDS}
_FUNCTION_FOLDED = {w for w in FUNCTION_WORDS_FOLDED if " " not in w}


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
