"""Vietnamese text forms: NFC for display, matching keys that reconcile spelling, folded forms.

The original text is never changed; these forms are derived for matching only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

NORMALISATION_VERSION = 3  # 3: period keys by parsed period

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Unicode NFC, the form every stored and compared string is in."""
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC, control characters dropped, runs of white space collapsed to one space."""
    text = nfc(text)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=200_000)
def syllable_key(syllable: str) -> str:
    """Matching key of a lower-case syllable: tone moved to the end, final y after a consonant → i.

    >>> syllable_key("hóa") == syllable_key("hoá")  # old and new tone placement
    True
    >>> syllable_key("tỉ") == syllable_key("tỷ")
    True
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [ch for ch in decomposed if ch in _TONES]
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    if len(base) >= 2 and base.endswith("y") and base[-2] not in "aăâeêioôơuưy":
        base = base[:-1] + "i"
    elif base == "y":
        base = "i"
    return base + "".join(tones[:1])


@lru_cache(maxsize=200_000)  # syllables: a vocabulary, compared again in every answer
def folded_key(syllable: str) -> str:
    """A syllable's key when accents are ignored: folded after spelling is reconciled.

    >>> folded_key("Kỷ") == folded_key("ki")
    True
    """
    return fold(syllable_key(syllable.lower()))


def match_form(text: str) -> str:
    """Lower-case matching form that keeps tones but reconciles spelling variants.

    >>> match_form("Thủy lợi") == match_form("thuỷ lợi")
    True
    """
    return _WORD.sub(lambda m: syllable_key(m.group(0)), nfc(text).lower())


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def fold(text: str) -> str:
    """Diacritics removed, đ → d, lower case: the form of a query typed without accents.

    >>> fold("Số đảng viên bị kỷ luật")
    'so dang vien bi ky luat'
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    if decomposed.isascii():
        return decomposed
    folded = _BMP_MARKS.sub("", decomposed)
    # marks alone ("\u0300") fold to "": nothing left to test for astral code points
    return _ASTRAL_MARKS.sub("", folded) if folded and max(folded) > "\uffff" else folded


# Combining marks (category Mn), removed in C rather than character by character in Python.
# Planes 0, 1 and 14 hold every Mn code point; missing the astral ones made fold() disagree
# with span_fold_map(), so highlights could land off their match.
# Split in two because a class with astral code points makes every match slow (x17 here), and
# Vietnamese only ever needs the first.
def _marks(codes: range | list[int]) -> re.Pattern[str]:
    return re.compile(
        "[" + "".join(chr(c) for c in codes if unicodedata.category(chr(c)) == "Mn") + "]"
    )


_BMP_MARKS = _marks(range(0x300, 0x10000))
_ASTRAL_MARKS = _marks([*range(0x10000, 0x20000), *range(0xE0000, 0xE1000)])


def is_unaccented(text: str) -> bool:
    """True when a query carries no Vietnamese diacritics at all ("so dang vien")."""
    return fold(text) == nfc(text).lower()


def span_fold_map(text: str) -> tuple[str, list[int]]:
    """Folded form of `text` and, for each folded character, its offset in `text`.

    Used to map a match in folded space back onto the verbatim text (highlights).
    """
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(out), offsets


# --- syllables ---------------------------------------------------------------------------------
# A syllable, or a number with its separators and percent sign ("1.200", "90,56%", "35/2024"):
# the unit every matching key, clause and highlight is cut into.
SYLLABLE = re.compile(r"\w+(?:[.,/]\d+)*%?", re.UNICODE)
_ONSETS = frozenset(
    "b c ch d g gh gi h k kh l m n ng ngh nh p ph q qu r s t th tr v x".split()
)  # folded, so "đ" is "d"
_CODAS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=2048)  # a passage's sentences are cut into syllables by several readers
def syllable_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each syllable or number, words glued by a lost space split apart.

    Extraction sometimes loses the space between two words ("củaxã", "Mường Tèthành"); a
    Vietnamese syllable has one vowel nucleus, so a word with two is cut between them, the
    consonants going to the second syllable's onset where they can.

    >>> text = "củaxã Mường Tèthành"
    >>> [text[a:b] for a, b in syllable_spans(text)]
    ['của', 'xã', 'Mường', 'Tè', 'thành']
    """
    spans: list[tuple[int, int]] = []
    for m in SYLLABLE.finditer(text):
        token = m.group(0)
        if token[0].isdigit() or not token.isalpha() or token.isupper():
            spans.append(m.span())  # numbers, and acronyms ("OCOP") or headings in capitals
            continue
        start = m.start()
        for cut in _glued_cuts(token):
            spans.append((start, m.start() + cut))
            start = m.start() + cut
        spans.append((start, m.end()))
    return tuple(spans)


@lru_cache(maxsize=65536)  # the words of passages come back in answer after answer
def _glued_cuts(token: str) -> tuple[int, ...]:
    """Offsets where a word of several vowel nuclei (read folded) splits into syllables."""
    word = fold(token)
    if len(word) < 4:
        return ()
    nuclei = []  # (start, end) of vowel runs, "qu" and "gi" + vowel counted as onsets
    i = 0
    while i < len(word):
        if word[i] in _VOWELS and not (i and word[i - 1] == "q" and word[i] == "u") and not (
            i and word[i - 1] == "g" and word[i] == "i" and i + 1 < len(word)
            and word[i + 1] in _VOWELS
        ):  # fmt: skip
            j = i
            while j < len(word) and word[j] in _VOWELS:
                j += 1
            nuclei.append((i, j))
            i = j
        else:
            i += 1
    cuts = []
    for (_, end), (nxt, _) in zip(nuclei, nuclei[1:], strict=False):
        run = word[end:nxt]
        for p in range(len(run) + 1):  # the longest onset the next syllable can take
            if run[:p] in _CODAS and (run[p:] in _ONSETS or run[p:] == ""):
                cuts.append(end + p)
                break
        else:
            return ()  # not Vietnamese syllables ("OCOP", "Singapore"): keep it whole
    return tuple(cuts)
