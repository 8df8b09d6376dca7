"""Which figure answers: each figure of the covered sentences is scored on the question's words
found in its own clause (a parallel item's words never count), on whether it counts the noun
asked for, and on its role (a change answers only a change question, a plan share only a plan
question)."""

from __future__ import annotations

import re

from ..vietnamese.clauses import Figure, Structure
from ..vietnamese.text import fold, folded_key
from .evidence import MIN_COVERAGE, Candidate, Context, Scored, find_term
from .quote import figure_span
from .restrict import misfit

MIN_CLAUSE = 0.6  # a figure's clause and context must hold this share of the question's words
_FIT = {  # how well a number kind answers a question kind
    "count": {"count": 1.0, "ratio": 1.0, "money": 0.6},  # never a share: "số X" is not "%"
    "percent": {"percent": 1.0, "ratio": 0.6},
    "money": {"money": 1.0, "count": 0.5},
    "rank": {"rank": 1.0, "ratio": 0.5},
    "change": {"count": 1.0, "percent": 1.0, "money": 1.0, "ratio": 0.5, "rank": 0.3},
    "date": {"date": 1.0, "year": 0.7},
    "topic": {"count": 1.0, "ratio": 1.0, "money": 1.0, "percent": 1.0, "rank": 1.0},
    "entity": {},
}


def _reach(struct: Structure, fig: Figure, k: int) -> float:
    """How far the words of item k speak for figure `fig`: its own item 1, a header over it 0.9,
    the level a change modifies 1, a topic item of its segment 0.8 (0.6 if it holds another
    sort of figure), elsewhere in the sentence 0.6 (0.4); a parallel item 0."""
    i = fig.item
    if k == i:
        return 1.0
    own, other = struct.items[i], struct.items[k]
    if k < i and _under_header(struct, k, i):
        return 0.9  # "thi hành kỷ luật 95 đảng viên, với các hình thức: …, khai trừ 13"
    if own.group and not other.group and k < i and struct.items[k + 1].group == own.group:
        return 0.9  # the item a parenthesis details: "95 đảng viên (…, khai trừ 13)"
    if fig.role == "change" and k < i and k >= _changed_item(struct, fig):
        return 1.0  # "có 143 doanh nghiệp giải thể, tăng 122 doanh nghiệp so cùng kỳ"
    if k == i - 1 and _share_of_previous(struct, fig):
        return 1.0  # "41/51 xã đạt chuẩn nông thôn mới, đạt 80,39%"
    if struct.parallel(i, k):
        return 0.0
    holds = any(f.item == k for f in struct.figures)
    if other.segment == own.segment and (other.group == own.group or not other.group):
        return 0.6 if holds else 0.8
    return 0.4 if holds else 0.6


def _under_header(struct: Structure, k: int, i: int) -> bool:
    """True when item k belongs to a segment ending in ":" that item i follows: the whole
    lead-in governs the list after the colon."""
    header = next((j for j in range(k, i) if struct.items[j].header), None)
    return header is not None and struct.items[header].segment == struct.items[k].segment


def _share_of_previous(struct: Structure, fig: Figure) -> bool:
    """A percent standing alone after a figure ("…, đạt 80,39%", "…, chiếm 43,6%") is the
    share that figure makes: it speaks of the same thing."""
    if fig.span.kind != "percent" or fig.item == 0:
        return False
    item = struct.items[fig.item]
    lead = fold(struct.text[item.start : fig.span.start]).strip()
    previous = struct.items[fig.item - 1]
    return lead in ("", "dat", "chiem", "bang", "tuong duong", "dat ty le", "chiem ty le") and (
        previous.segment == item.segment and any(f.item == fig.item - 1 for f in struct.figures))


def _changed_item(struct: Structure, fig: Figure) -> int:
    """The item a change figure speaks of: the nearest item before it, in its segment, holding a
    level ("Bệnh tay chân miệng 519 ca, tăng 391 ca"); len(items) when there is none."""
    own = struct.items[fig.item]
    levels = [f.item for f in struct.figures if f.role == "level" and f.item < fig.item
              and struct.items[f.item].segment == own.segment]  # fmt: skip
    return max(levels) if levels else len(struct.items)


def _scope(ctx: Context, s: Scored, fig: Figure) -> tuple[float, dict[str, float]]:
    """Weighted share of the question's words that speak for this figure, and each word's reach."""
    struct, sent = s.sentence.struct, s.sentence
    first = next(i for i, syl in enumerate(struct.syls) if syl[1] > fig.span.start)
    last = max(first, next((i for i, syl in enumerate(struct.syls) if syl[0] >= fig.span.end),
                           len(struct.syls)) - 1)  # fmt: skip
    reach: dict[str, float] = {}
    for term in ctx.terms:
        best = 0.0
        for a, b in find_term(term.split(), struct.syls, ctx.folded):
            if a <= last and b >= first:
                continue  # the number itself
            best = max(best, min(_reach(struct, fig, struct.syl_item[a]),
                                 _reach(struct, fig, struct.syl_item[b])))  # fmt: skip
        if best < 0.6 and not ctx.owned_elsewhere(sent, term):
            for credit, syls in sent.around:
                if find_term(term.split(), syls, ctx.folded):
                    best = max(best, credit)
        reach[term] = best
    total = sum(ctx.weights.values()) or 1.0
    return sum(ctx.weights[t] * r for t, r in reach.items()) / total, reach


# Units of measure and counters: a figure followed by one measures, it does not name what it
# counts ("46.530 ha", "559,44 triệu USD", "145.890 con"), so it neither binds nor conflicts.
_MEASURES = {folded_key(w) for w in (
    "đồng tỷ tỉ triệu nghìn ngàn usd ha héc ta tấn tạ kg km m m2 m3 lít con cái chiếc "
    "lượt lần ngày tháng năm giờ").split()}  # fmt: skip


def _binding(ctx: Context, fig: Figure) -> tuple[str, float]:
    """Does the number count the noun the question asks about? ("kind", bonus)

    "bao nhiêu huy chương vàng": "15 huy chương vàng" is "full"; "21 huy chương bạc" names
    another kind of the same noun ("conflict"); "1.426 đảng viên" for "tổ chức đảng" counts
    "other" nouns; a bare number or a unit of measure is "none".
    """
    noun = list(fig.noun)
    if not ctx.question.focus or not noun or noun[0] in _MEASURES:
        return "none", 0.0
    kinds = set()
    for focus in ctx.question.focus:
        wanted = [folded_key(w) for w in focus.split()]
        common = 0
        while common < min(len(wanted), len(noun)) and noun[common] == wanted[common]:
            common += 1
        if common == len(wanted):
            return "full", 0.35
        if common and common == len(noun):
            kinds.add("partial")  # "37 người" for "người chết": the rest is in the clause
        elif common:
            kinds.add("conflict")  # "huy chương bạc" for "huy chương vàng"
    if "conflict" in kinds:
        return "conflict", -0.5
    said = {folded_key(t.split()[0]) for t in ctx.terms}
    if "partial" in kinds or noun[0] in said:  # "34 tỉnh" when "cấp tỉnh" is asked
        return "partial", 0.15
    return "other", -0.3


def _role_fits(ctx: Context, fig: Figure) -> bool:
    q = ctx.question
    if q.kind.kind == "change":
        return fig.role == "change"
    if fig.role == "plan":
        return q.plan
    return fig.role == "level"


def pick_figure(ctx: Context, strict: bool = False) -> tuple[Scored, int, int, float] | None:
    """Best (sentence, start, end, confidence) among the figures of the covered sentences.

    strict: a noun phrase typed without a question ("kim ngạch xuất nhập khẩu") takes a figure
    only from a clause that states that very phrase.
    """
    candidates = []
    kind = ctx.question.kind.kind
    said = _numbers_with_next_word(ctx.question.text)
    for s in ctx.scored:
        if s.coverage < MIN_COVERAGE or misfit(ctx, s.sentence) is not None:
            continue
        for fig in s.sentence.struct.figures:
            fit = _FIT.get(kind, {}).get(fig.span.kind, 0.0)
            if fit == 0.0 or not _role_fits(ctx, fig) or _said_in_question(fig, s, said):
                continue
            cover, reach = _scope(ctx, s, fig)
            binding, bonus = _binding(ctx, fig)
            bonus += _qualified(ctx, reach)
            if kind == "percent" and fig.span.kind != "percent":
                bonus = min(bonus, 0.0)  # a share is asked: "41/51 xã" is not it, "80,39%" is
            if strict and (binding in ("other", "conflict") or sum(
                ctx.weights[t] for t, r in reach.items() if r >= 0.8
            ) < 0.8 * sum(ctx.weights.values())):
                continue  # the phrase is not stated in this figure's clause, or not counted
            total = (cover + 0.25 * fit + bonus + _adjacent(ctx, s, fig)
                     + _direction(ctx, s, fig) + 0.1 / (1 + s.sentence.rank))  # fmt: skip
            candidates.append(Candidate(s, fig, cover, total, binding))
    if not candidates:
        return None
    candidates = [_settle_conflict(c, candidates) for c in candidates]
    candidates.sort(key=lambda c: -c.total)
    best = candidates[0]
    if best.cover < MIN_CLAUSE:
        return None
    rival = next((c for c in candidates[1:] if c.figure.span.text != best.figure.span.text), None)
    margin = best.total - rival.total if rival else 0.5
    confidence = (0.6 * best.cover + 0.15 * best.bound + 0.15 * min(1.0, margin / 0.3)
                  + 0.1 / (1 + best.scored.sentence.rank))  # fmt: skip
    start, end = figure_span(ctx, best)
    sent = best.scored.sentence
    return best.scored, sent.start + start, sent.start + end, confidence


def _qualified(ctx: Context, reach: dict[str, float]) -> float:
    """−0.3 when the figure's clause lacks the most telling word said of the counted noun
    ("đảng viên bị kỷ luật bằng hình thức *khai trừ*": the total 95 is not the answer)."""
    qualifiers = [t for t in ctx.question.qualifiers if t in reach]
    if not qualifiers:
        return 0.0
    telling = max(qualifiers, key=lambda t: ctx.weights[t])
    return -0.3 if reach[telling] < 0.8 or min(reach[t] for t in qualifiers) < 0.4 else 0.0


def _settle_conflict(c: Candidate, candidates: list[Candidate]) -> Candidate:
    """A noun that differs from the one asked only after their common head ("huy chương bạc"
    for "huy chương vàng") is the wrong answer when its sentence counts the right one too, and
    only a doubtful one otherwise ("18,2 tiêu chí/xã" for "tiêu chí nông thôn mới")."""
    if c.binding != "conflict" or any(
        o.binding == "full" and o.scored.sentence is c.scored.sentence for o in candidates
    ):
        return c
    return Candidate(c.scored, c.figure, c.cover, c.total + 0.35, "partial")


def _numbers_with_next_word(text: str) -> set[tuple[str, str]]:
    return {(m.group(1), fold(m.group(2) or "")) for m in
            re.finditer(r"(\d+(?:[.,/]\d+)*)\s*(\w*)", text)}  # fmt: skip


def _said_in_question(fig: Figure, s: Scored, said: set[tuple[str, str]]) -> bool:
    """A number followed by the word a number of the question is followed by ("sản phẩm *4
    sao*" asked: "5 sao", "4 sao" are ratings, not counts) is part of a description, not an
    answer; "4 sản phẩm" still is."""
    after = re.match(r"\s*(\w*)", s.sentence.text[fig.span.end :])
    word = fold(after.group(1) if after else "")
    return any(word and word == w for _, w in said) or (fig.span.text, word) in said


def _adjacent(ctx: Context, s: Scored, fig: Figure) -> float:
    """A rare question word right before the number ("khai trừ 13", "kỷ luật 95 đảng viên")."""
    struct = s.sentence.struct
    first = next(i for i, syl in enumerate(struct.syls) if syl[1] > fig.span.start)
    total = sum(ctx.weights.values()) or 1.0
    bonus = 0.0
    for term, _, b in s.occ:
        if 0 <= first - b - 1 <= 1 and struct.syl_item[b] == fig.item:
            bonus = max(bonus, 0.3 * ctx.weights[term] / total + 0.05)
    return bonus


def _direction(ctx: Context, s: Scored, fig: Figure) -> float:
    """A change question asks "tăng" or "giảm": the other direction is a weaker answer."""
    wanted = ctx.question.kind.direction
    if ctx.question.kind.kind != "change" or not wanted:
        return 0.0
    before = fold(s.sentence.text[: fig.span.start]).split()[-2:]
    return 0.1 if wanted in before else (-0.2 if {"tang", "giam"} & set(before) else 0.0)


def lacking(ctx: Context) -> str | None:
    """The question words missing from the clause of the figure nearest to answering."""
    best = None
    for s in ctx.scored[:6]:
        for fig in s.sentence.struct.figures:
            if _role_fits(ctx, fig):
                cover, reach = _scope(ctx, s, fig)
                if best is None or cover > best[0]:
                    best = (cover, reach)
    if best is None:
        return None
    missing = [ctx.labels[t] for t, r in best[1].items() if r < 0.35]
    return ", ".join(f"'{m}'" for m in missing[:3]) or None
