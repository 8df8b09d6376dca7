"""Matching keys: underthesea word segmentation into the tokens lexical search compares.

`word_keys` feeds the "accented" stream: segmented words and their syllables in match_form
(tones kept, spelling variants reconciled); `folded_keys` feeds the "folded" stream:
diacritic-free syllables and syllable bigrams, for queries typed without accents.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .periods import parse_period
from .segment import words as word_tokenize
from .text import SYLLABLE, fold, nfc, syllable_key


def word_keys(text: str, words: list[str] | None = None) -> list[str]:
    """Segmented compound words, syllables and syllable bigrams, in match form. `words`: the
    text (NFC) already segmented, when the caller has it.

    >>> word_keys("thi hành kỷ luật") == word_keys("thi hành kỉ luật")
    True
    >>> len(word_keys("kỷ luật"))  # the compound and its two syllables
    3
    """
    keys: list[str] = []
    previous: str | None = None
    for word in word_tokenize(nfc(text)) if words is None else words:
        syllables = [syllable_key(s) for s in SYLLABLE.findall(word.lower())]
        if not syllables:
            previous = None
            continue
        compound = "_".join(syllables) if len(syllables) > 1 else None
        if compound:
            keys.append(compound)
        keys.extend(syllables)
        if previous is not None and f"{previous}_{syllables[0]}" != compound:
            keys.append(f"{previous}_{syllables[0]}")
        keys.extend(
            f"{a}_{b}"
            for a, b in zip(syllables, syllables[1:], strict=False)
            if f"{a}_{b}" != compound
        )
        previous = syllables[-1]
    return keys


def folded_keys(text: str) -> list[str]:
    """Diacritic-free syllables and adjacent-syllable bigrams.

    >>> folded_keys("Đảng viên")
    ['dang', 'vien', 'dang_vien']
    """
    syllables = SYLLABLE.findall(fold(text))
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


@lru_cache(maxsize=8192)  # a few distinct periods, compared per candidate document
def period_key(period: str | None) -> str | None:
    """The key periods compare by: the folded normalised label when the text is a period, so
    "quý II năm 2024" and "Quý II/2024" meet; else the folded text.

    >>> period_key("6 tháng  đầu năm 2024"), period_key("quý II năm 2024")
    ('6 thang dau nam 2024', 'quy ii/2024')
    """
    if not period:
        return None
    parsed = parse_period(period)
    text = parsed.label if parsed is not None and parsed.start else period
    return re.sub(r"\s+", " ", fold(text)).strip()
