"""Words of a question compared as typed: syllables in match form, or folded when typed without
diacritics ("may" ~ "mấy"); cues with gaps ("tăng … bao nhiêu"); function words."""

from __future__ import annotations

from functools import lru_cache

from ..vietnamese.stopwords import FUNCTION_WORDS, FUNCTION_WORDS_FOLDED
from ..vietnamese.text import SYLLABLE, fold, is_unaccented, match_form, nfc, syllable_key

FUNCTION = FUNCTION_WORDS
FUNCTION_KEYS = {match_form(w) for w in FUNCTION}


# Typed without diacritics, only these are dropped: "dau" may be "đâu" but also "đầu".
FUNCTION_FOLDED = FUNCTION_WORDS_FOLDED


def syllables(text: str) -> list[str]:
    """Lower-case syllables and number tokens: "Tỷ lệ 90,56%" → ["tỷ", "lệ", "90,56%"]."""
    return SYLLABLE.findall(nfc(text).lower())


@lru_cache(maxsize=1 << 18)  # (typed, cue) syllable pairs: every cue is tried at every syllable
def same_syllable(typed: str, wanted: str) -> bool:
    """True when a typed syllable is `wanted`, exactly or without diacritics ("may" ~ "mấy")."""
    if syllable_key(typed) == syllable_key(wanted):
        return True
    return is_unaccented(typed) and fold(syllable_key(typed)) == fold(syllable_key(wanted))


def find_cue(syls: list[str], cue: str) -> int | None:
    """Index where `cue` starts in `syls`; "…" in a cue skips up to three syllables."""
    parts = _cue_parts(cue)
    for start in range(len(syls)):
        if _match_parts(syls, start, parts, first=True):
            return start
    return None


@lru_cache(maxsize=4096)
def _cue_parts(cue: str) -> list[list[str]]:  # read only
    return [p.split() for p in cue.split("…")]


def _match_parts(syls: list[str], pos: int, parts: list[list[str]], first: bool) -> bool:
    if not parts:
        return True
    head, rest = parts[0], parts[1:]
    for skip in range(1 if first else 4):
        at = pos + skip
        window = syls[at : at + len(head)]
        if len(window) == len(head) and all(map(same_syllable, window, head)):
            return _match_parts(syls, at + len(head), rest, first=False)
    return False


def is_function(syls: list[str], typed_plain: bool = False) -> bool:
    if typed_plain or all(is_unaccented(s) for s in syls):
        return " ".join(syls) in FUNCTION_FOLDED or match_form(" ".join(syls)) in FUNCTION_KEYS
    return match_form(" ".join(syls)) in FUNCTION_KEYS
