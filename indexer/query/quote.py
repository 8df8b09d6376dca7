"""The verbatim span quoted for a chosen figure: the number with its unit or counted noun, the
verb or rank word before it, and the figures of the other parts a question asks for."""

from __future__ import annotations

import re

from ..vietnamese.clauses import Figure, Structure
from ..vietnamese.numbers import KNOWN_UNITS
from ..vietnamese.text import folded_key
from .evidence import Candidate, Context, find_term

_LEAD = {"rank": re.compile(r"(?:(?:xếp|đứng)\s+)?(?:thứ|hạng)\s+$", re.IGNORECASE),
         "change": re.compile(r"(?:tăng|giảm)(?:\s+thêm)?\s+$", re.IGNORECASE)}  # fmt: skip


def figure_span(ctx: Context, c: Candidate) -> tuple[int, int]:
    """The number with its unit, with "xếp thứ" / "tăng" / a matched verb just before it, and the
    figures of the other nouns asked for ("20 tập thể và 38 cá nhân")."""
    sent, span = c.scored.sentence, c.figure.span
    text, start, end = sent.text, span.start, span.end
    end = _with_unit(text, span, len(_focus_syllables(ctx, c)))
    lead = _LEAD.get("rank" if span.kind == "rank" else "change" if c.figure.role == "change"
                     else ctx.question.kind.kind)  # fmt: skip
    m = lead.search(text[:start]) if lead else None
    if m:
        start = m.start()
    elif span.unit is None:
        start = _label_start(c) or start
    others = _other_parts(ctx, c)
    for fig in others:
        end = max(end, _with_unit(text, fig.span))
        start = min(start, fig.span.start)
    return start, end


def _with_unit(text: str, span, noun_syllables: int = 0) -> int:
    """The end of a figure with its unit ("3.219 tỷ đồng", "95 đảng viên") or, when it counts
    the noun asked for, that noun ("15 huy chương vàng"); never the words after ("381 cá nhân",
    not "381 cá nhân đăng")."""
    end = span.end
    if span.unit and span.kind != "percent" and span.unit in KNOWN_UNITS:
        m = re.match(r"\s+" + re.escape(span.unit) + r"(?!\w)", text[end:])
        end += m.end() if m else 0
    if noun_syllables:
        words = list(re.finditer(r"\w+", text[span.end :]))[:noun_syllables]
        if words:
            end = max(end, span.end + words[-1].end())
    return end


def _focus_syllables(ctx: Context, c: Candidate) -> list[str]:
    """The syllables of the figure's noun that the question says too, from its start ("15 huy
    chương vàng", "183 doanh nghiệp tạm ngưng"), when it counts the noun asked for."""
    if c.binding != "full":
        return []
    asked = {folded_key(w) for w in re.findall(r"\w+", ctx.question.text)}
    said = []
    for syllable in c.figure.noun:
        if syllable not in asked:
            break
        said.append(syllable)
    return said


def _label_start(c: Candidate) -> int | None:
    """Where the question word naming a bare number starts: "khai trừ 13" → at "khai"."""
    struct, fig = c.scored.sentence.struct, c.figure
    first = next(i for i, syl in enumerate(struct.syls) if syl[1] > fig.span.start)
    starts = [struct.syls[a][0] for _, a, b in c.scored.occ
              if b == first - 1 and struct.syl_item[a] == fig.item]  # fmt: skip
    return min(starts) if starts else None


def _asked_parts(ctx: Context) -> tuple[tuple[str, ...], ...]:
    q = ctx.question
    return q.parts or (tuple((f,) for f in q.focus) if len(q.focus) > 1 else ())


def _other_parts(ctx: Context, c: Candidate) -> list[Figure]:
    """For a question asking several things ("bao nhiêu đảng viên và bao nhiêu tổ chức đảng"),
    the figures of the same sentence that answer the other parts, each the one whose noun or
    own clause names that part; none unless every part is answered in the sentence."""
    parts = _asked_parts(ctx)
    if not parts:
        return []
    struct, found = c.scored.sentence.struct, []
    for part in parts:
        scored = [(_part_score(ctx, struct, fig, part), fig) for fig in struct.figures
                  if fig.role == "level" and fig.span.kind not in ("date", "year")]  # fmt: skip
        score, fig = max(scored, key=lambda x: x[0], default=(0.0, None))
        if fig is None or score < 0.4:
            return []
        found.append(fig)
    return [f for f in found if f is not c.figure]


def _part_score(ctx: Context, struct: Structure, fig: Figure, part: tuple[str, ...]) -> float:
    """How well a figure answers one part: its noun is the part's noun (1), or its own item
    holds the part's words (their share)."""
    head = [folded_key(w) for w in part[0].split()]
    if fig.noun and list(fig.noun[: len(head)]) == head:
        return 1.0
    own = [i for i, k in enumerate(struct.syl_item) if k == fig.item]
    held = [t for t in part if any(a in own and b in own for a, b in
                                   find_term(t.split(), struct.syls, ctx.folded))]  # fmt: skip
    return len(held) / len(part) * 0.9
