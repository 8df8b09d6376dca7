"""Questions typed without diacritics, given the accents their own hits write ("tai nan giao
thong" → "tai nạn giao thông"), so they split into words; matching stays accent-blind."""

from __future__ import annotations

from collections import Counter

from ..vietnamese.text import SYLLABLE, fold, nfc

UNIT_WORDS = {"xa", "huyen", "phuong", "quan", "thi", "thon", "ap", "tinh", "thanh"}
RIVAL = 3  # how much more often an overlapping later run must be written to win
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
    contain, accented as they write them most often, and the syllables between, as typed.

    >>> texts = ["Kiểm tra 19 tổ chức cơ sở đảng.", "Kết nạp 120 đảng viên; 49 đảng viên được "
    ...          "xét; kỷ luật 95 đảng viên."]
    >>> [c for c, accented in accent_chunks("so dang vien bi ky luat", texts) if accented]
    ['đảng viên', 'kỷ luật']
    """
    grams: dict[tuple[str, ...], Counter[str]] = {}
    for text in texts:
        words = SYLLABLE.findall(nfc(text).lower())
        keys = [fold(w) for w in words]
        for n in range(2, 5):
            for i in range(len(words) - n + 1):
                grams.setdefault(tuple(keys[i : i + n]), Counter())[" ".join(words[i : i + n])] += 1
    typed = SYLLABLE.findall(nfc(query).lower())

    def longest(at: int) -> tuple[int, str, int]:
        """(syllables, phrase, count) of the longest run from `at` the texts write, or 0s."""
        for n in range(min(4, len(typed) - at), 1, -1):
            found = grams.get(tuple(fold(t) for t in typed[at : at + n]))
            if found:
                return n, *found.most_common(1)[0]
        return 0, "", 0

    out, i = [], 0
    while i < len(typed):
        n, phrase, count = longest(i)
        # a run the texts write far more often starting one syllable later wins the syllable
        # they share: "so dang vien" is "so" + "đảng viên", not the "sở đảng" of "cơ sở đảng"
        later = longest(i + 1) if n else (0, "", 0)
        if n and not (later[0] >= n and later[2] >= RIVAL * count):
            out.append((phrase, True))  # one syllable alone is too ambiguous: never
            i += n
        else:
            out.append((typed[i], False))
            i += 1
    return out
