"""Where a text's words are: underthesea's words located in the text, and the same kept in an
index, a few bits a word, so a search lights up a passage's words without segmenting it.

A passage's words are found once, when it is indexed (its text segmented alone, as when it
is shown), and stored packed: the number of runs of letters and digits of the text (`UNIT`),
then two flags for each, whether it begins a word and whether it is in one (a text whose
runs are not that many is segmented when shown). Units are finer than syllables
("654/1.150" is three: the tokenizer splits it, and "7,98%" ends a word at "98"), so nearly
every passage's words are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from .segment import words as segment_words
from .text import SYLLABLE

UNIT = re.compile(r"\w+")
WORD_CHARS = 20_000  # passages are cut far shorter; a runaway line is not segmented whole

Located = tuple[tuple[int, int, str], ...]  # (start, end, word) in order


@lru_cache(maxsize=4096)
def located_words(text: str) -> Located:
    """(start, end, word) of each underthesea word of `text` (its first WORD_CHARS) found in
    it, in order; cached because the same passages come back query after query.

    >>> located_words("Tổng kết công tác")
    ((0, 8, 'Tổng kết'), (9, 17, 'công tác'))
    """
    return _segmented(text)


def _segmented(text: str) -> Located:
    return locate(text, segment_words(text[:WORD_CHARS]))


def locate(text: str, words: Iterable[str]) -> Located:
    """Each of `words` (a segmentation of `text`) found in `text` in order, from its first to
    its last syllable; a word the tokenizer respaced, or without syllables, is left out."""
    found = []
    pos = 0
    for word in words:
        at = text.find(word, pos)
        if at < 0:  # the tokenizer changed the spacing inside the word: keep it unmatched
            continue
        pos = at + len(word)
        syllables = list(SYLLABLE.finditer(word))  # "4G <" is a word to underthesea
        if syllables:
            start, end = at + syllables[0].start(), at + syllables[-1].end()
            found.append((start, end, text[start:end]))
    return tuple(found)


def word_flags(text: str, located: Located) -> np.ndarray | None:
    """Two flags per unit of `text` (rows: whether it begins a word, whether it is in one);
    None when the words are not runs of whole units (a word ending "5%", "01" split from
    "01cán"): those passages are segmented again when shown."""
    if len(text) > WORD_CHARS:
        return None
    units = list(UNIT.finditer(text))
    starts, inside, at = {a for a, _, _ in located}, np.zeros(len(units), dtype=bool), 0
    for a, b, _ in located:  # both in order: mark the units each word covers
        while at < len(units) and units[at].start() < a:
            at += 1
        while at < len(units) and units[at].end() <= b:
            inside[at] = True
            at += 1
    flags = np.vstack([[m.start() in starts for m in units], inside]).astype(bool)
    return flags if words_from_flags(text, flags, units) == located else None


def pack(flags: np.ndarray | None) -> bytes | None:
    """Flags (`word_flags`, or several texts' side by side) as stored: the number of units
    (4 bytes), then the flags, a bit each."""
    if flags is None:
        return None
    return flags.shape[1].to_bytes(4, "little") + np.packbits(flags.reshape(-1)).tobytes()


def packed_words(text: str, located: Located) -> bytes | None:
    """`located` (the words of `text`) as stored in an index, or None when they cannot be.

    >>> text = "Kết nạp 654/1.150 đảng viên, đạt 56,87%"
    >>> unpacked_words(text, packed_words(text, located_words(text))) == located_words(text)
    True
    """
    return pack(word_flags(text, located))


def indexed_words(text: str) -> bytes | None:
    """Where the words of a passage's text are, as an index keeps them: the text segmented
    alone, as `located_words` does when it is shown (not cached: a build sees each once)."""
    return packed_words(text, _segmented(text))


def unpacked_words(text: str, packed: bytes) -> Located | None:
    """The words of `text` from their packed form (`packed_words`); None when the flags are
    not those of this text's units (then it is segmented when shown)."""
    units = list(UNIT.finditer(text))
    if len(packed) < 4 or int.from_bytes(packed[:4], "little") != len(units):
        return None
    bits = np.unpackbits(np.frombuffer(packed[4:], dtype=np.uint8), count=2 * len(units))
    return words_from_flags(text, bits.reshape(2, len(units)), units)


def words_from_flags(text: str, flags: np.ndarray, units: list) -> Located:
    """The words the flags mark: a unit in a word joins the word before when the unit before
    it is in a word too and it does not begin one; a word runs from its first unit to the last
    one joined to it."""
    begins, inside = flags[0].astype(bool), flags[1].astype(bool)
    before = np.concatenate(([False], inside[:-1]))
    joins = inside & before & ~begins
    first = np.flatnonzero(inside & ~joins)
    last = np.flatnonzero(inside & ~np.concatenate((joins[1:], [False])))
    spans = [(units[i].start(), units[j].end())
             for i, j in zip(first.tolist(), last.tolist(), strict=True)]
    return tuple((a, b, text[a:b]) for a, b in spans)
