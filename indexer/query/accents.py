"""Questions typed without diacritics, given the accents their own hits write ("tai nan giao
thong" → "tai nạn giao thông"), so they split into words; matching stays accent-blind."""

from __future__ import annotations

from collections import Counter

from ..vietnamese.text import SYLLABLE, fold, nfc

UNIT_WORDS = {"xa", "huyen", "phuong", "quan", "thi", "thon", "ap", "tinh", "thanh"}
UNIT_TAILS = ("xa", "huyen", "phuong", "quan", "thi tran", "thi xa", "thanh pho", "thon", "ap")


def with_accents_from(query: str, texts: list[str]) -> str:
    """A query typed without diacritics, its phrases accented as the retrieved texts write them
    ("tai nan giao thong" → "tai nạn giao thông"); single syllables stay as typed.

    >>> with_accents_from("so nguoi chet vi tai nan", ["làm chết 37 người vì tai nạn"])
    'so nguoi chet vì tai nạn'
    """
    return " ".join(chunk for chunk, _ in accent_chunks(query, texts))


def accent_chunks(query: str, texts: list[str]) -> list[tuple[str, bool]]:
    """The query cut into (phrase, accented?): the longest runs of 2–4 syllables that the texts
    contain, accented as they write them most often, and the syllables between, as typed."""
    grams: dict[tuple[str, ...], Counter[str]] = {}
    for text in texts:
        words = SYLLABLE.findall(nfc(text).lower())
        keys = [fold(w) for w in words]
        for n in range(2, 5):
            for i in range(len(words) - n + 1):
                grams.setdefault(tuple(keys[i : i + n]), Counter())[" ".join(words[i : i + n])] += 1
    typed = SYLLABLE.findall(nfc(query).lower())
    out, i = [], 0
    while i < len(typed):
        for n in range(min(4, len(typed) - i), 1, -1):
            found = grams.get(tuple(fold(t) for t in typed[i : i + n]))
            if found:  # one syllable alone is too ambiguous ("bi": bị, bí, bì): never
                out.append((found.most_common(1)[0][0], True))
                i += n
                break
        else:
            out.append((typed[i], False))
            i += 1
    return out
