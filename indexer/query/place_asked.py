"""The place a question asks about by name ("xã Khánh Lợi sáp nhập vào xã nào"): its type and
name, as typed."""

from __future__ import annotations

import re

from ..vietnamese.text import fold, nfc, syllable_key
from .cues import is_function, same_syllable

PLACE_TYPES = ("thị trấn", "thị xã", "thành phố", "xã", "phường", "huyện", "quận", "tỉnh")
WIDE_TYPES = {"huyện", "quận", "tỉnh", "thành phố", "thị xã"}


def query_entity(query: str) -> tuple[str, str] | None:
    """The place the question names, narrowest first.

    >>> query_entity("Xã Khánh Lợi, Huyện Yên Khánh được sắp xếp vào xã nào?")
    ('xã', 'Khánh Lợi')
    """
    words = list(re.finditer(r"\w+", nfc(query)))
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        kind, n = _place_type(words, i)
        if kind and _not_a_place(words, i, n):
            kind = None  # "cấp tỉnh", "xã hội", "Tỉnh ủy": not a place being named
        name = _name_after(words, i + n, query) if kind else []
        if name:
            found.append((kind, query[name[0].start() : name[-1].end()]))
        i += max(n, 1) + len(name)
    narrow = [f for f in found if f[0] not in WIDE_TYPES]
    return (narrow or found or [None])[0]


_NOT_NAME_AFTER = {"uy", "hoi", "doi", "doan", "vien", "lo", "nha"}  # folded: ủy, hội, đội …


def _not_a_place(words: list[re.Match], i: int, n: int) -> bool:
    before = fold(words[i - 1].group(0)) if i else ""
    after = fold(words[i + n].group(0)) if i + n < len(words) else ""
    return before == "cap" or after in _NOT_NAME_AFTER


# what same_syllable needs of a type's first syllable, as one set: a cheap first test
_FIRST_SYLLABLES = {fold(syllable_key(kind.split()[0])) for kind in PLACE_TYPES}


def _place_type(words: list[re.Match], i: int) -> tuple[str | None, int]:
    if i >= len(words) or fold(syllable_key(words[i].group(0).lower())) not in _FIRST_SYLLABLES:
        return None, 0
    for kind in PLACE_TYPES:
        parts = kind.split()
        window = [w.group(0).lower() for w in words[i : i + len(parts)]]
        if len(window) == len(parts) and all(map(same_syllable, window, parts)):
            return kind, len(parts)
    return None, 0


def _name_after(words: list[re.Match], i: int, query: str) -> list[re.Match]:
    """Capitalised words after a type word; for an all lower-case query, words up to a stop word."""
    capitalised = any(c.isupper() for c in query)
    name: list[re.Match] = []
    for w in words[i : i + 5]:
        text = w.group(0)
        if name and query[name[-1].end() : w.start()].strip():
            break  # punctuation ends the name
        if capitalised and not (text[0].isupper() or text.isdigit()):
            break
        if not capitalised and (is_function([text.lower()], True) or _place_type([w], 0)[0]
                                or fold(text) in ("duoc", "sau", "sap", "nam", "cap", "moi")):
            break
        name.append(w)
    return name
