"""Names as answers: the name a sentence gives the place a question is about ("… có tên gọi
là xã Khánh Thiện"), or where a unit sits ("đặt tại …")."""

from __future__ import annotations

import re

from ..vietnamese.text import fold, folded_key, syllable_key
from .evidence import MIN_COVERAGE, Context, Scored, Sentence, find_term
from .question import Question
from .restrict import misfit

_NAMING = ("có tên gọi là", "tên gọi là", "lấy tên là", "có tên là", "tên là", "thuộc", "vào", "là")
_PLACE_TYPE = {fold(w.split()[-1]): w
               for w in ("xã", "phường", "thị trấn", "huyện", "quận", "tỉnh", "thành phố")}
_PLACE_KEYS = {syllable_key(w) for w in "xã phường thị trấn huyện quận tỉnh thành phố các".split()}


def mentions(ctx: Context, sent: Sentence) -> list[tuple[int, int]]:
    """Where the sentence names the question's place as a whole name ("Đông Hưng", not "Đông
    Hưng B"), accents and case ignored."""
    entity = ctx.question.kind.entity
    if not entity:
        return []
    found = find_term([syllable_key(w.lower()) for w in re.findall(r"\w+", entity[1])], sent.syls,
                  True)  # fmt: skip
    wanted = _PLACE_TYPE.get(fold(entity[0].split()[-1]))
    return [
        (a, b)
        for a, b in found
        if not _joined(sent, a - 1, a)
        and not _joined(sent, b, b + 1)
        and _PLACE_TYPE.get(sent.syls[a - 1][3] if a else "", wanted) == wanted
    ]  # "thị trấn Mường Tè" is not the "xã Mường Tè" asked about


def _joined(sent: Sentence, i: int, j: int) -> bool:
    """True when syllables i and j belong to one capitalised name ("Đông Hưng" + "B")."""
    if i < 0 or j >= len(sent.syls) or sent.syls[i][2] in _PLACE_KEYS:
        return False
    (a, b, _, _), (c, _, _, _) = sent.syls[i], sent.syls[j]
    return sent.text[b:c].isspace() and sent.text[a].isupper() and sent.text[c].isupper()


def pick_entity(ctx: Context) -> tuple[Scored, int, int, float] | None:
    """The name the sentence assigns to the question's place: "… Khánh Lợi và Khánh Thiện thành
    xã mới có tên gọi là xã Khánh Thiện." → "xã Khánh Thiện"."""
    for s in ctx.scored:
        if misfit(ctx, s.sentence) is not None:
            continue
        if ctx.question.kind.entity:
            starts = [b for _, b in mentions(ctx, s.sentence)]
        elif s.coverage >= MIN_COVERAGE and s.occ:
            starts = [max(b for _, _, b in s.occ)]
        else:
            starts = []
        for after in starts:
            found = _named_after(s.sentence, after, _cues_for(ctx.question))
            if found:
                strength = 0.9 if ctx.question.kind.entity else 0.5
                return s, s.sentence.start + found[0], s.sentence.start + found[1], strength
    return None


_NAMING_KEYS = [[folded_key(w) for w in cue.split()] for cue in _NAMING]


# "… đặt trung tâm ở đâu?": the place after "đặt tại", not the unit's new name
_PLACE_KEYS_CUES = [[folded_key(w) for w in cue.split()]
                    for cue in ("đặt tại", "đóng tại", "tại", "ở")]  # fmt: skip


def _cues_for(question: Question) -> list[list[str]]:
    where = question.kind.cue in ("ở đâu", "nơi nào")
    return _PLACE_KEYS_CUES if where else _NAMING_KEYS


def _named_after(sent: Sentence, after: int, cues: list[list[str]] = _NAMING_KEYS
                 ) -> tuple[int, int] | None:  # fmt: skip
    """The noun phrase after the first naming cue ("có tên gọi là", "thuộc", "là") past
    syllable `after`, up to the next punctuation. Syllables, not words, so a cue glued to the
    name by a lost space ("làxã Đình Lập") is still found."""
    syls = sent.syls
    folded = [s[3] for s in syls]
    for cue in cues:
        at = next((i for i in range(after + 1, len(syls) - len(cue) + 1)
                   if folded[i : i + len(cue)] == cue), None)  # fmt: skip
        if at is not None:
            break
    else:
        return None
    first = at + len(cue)
    if first >= len(syls):
        return None
    start = syls[first][0]
    stop = re.search(r"[,;.()]|\n\s*\n", sent.text[start:])
    end = start + (stop.start() if stop else len(sent.text) - start)
    phrase = sent.text[start:end].strip(" *_\n")
    if not phrase or len(phrase) > 80:
        return None
    start = sent.text.index(phrase, start)
    return start, start + len(phrase)
