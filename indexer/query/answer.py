"""Short answers cut verbatim from retrieved passages: a figure with its unit, a name, or nothing.

Sentences of the top hits are scored by how many of the query's content terms they hold and how
close together; the answer is the candidate of the asked kind nearest after those terms.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..model import Answer, Hit
from ..vietnamese.numbers import NumberSpan, find_numbers
from ..vietnamese.segment import sentences as sent_tokenize
from ..vietnamese.text import fold, is_unaccented, match_form, syllable_key
from .question import QuestionKind, classify, content_words, is_period, syllables

TOP_HITS = 5  # figures sit in the best few passages; deeper hits add distractors
ENTITY_HITS = 10  # a merge list spreads over many passages: look deeper for the named commune
MIN_COVERAGE = 0.5
MAX_CITATIONS = 5
TOPIC_WHY = "câu hỏi chủ đề: xem các đoạn trích dẫn"
_SYL = re.compile(r"\w+(?:[.,/]\d+)*%?", re.UNICODE)
# A clause ends at , ; : or at an opening bracket, except a short one like "(PCI)".
_CLAUSE_END = re.compile(r"[,;:\[\]]|\((?![^()]{0,12}\))")
_FIT = {  # how well a number kind answers a question kind
    "count": {"count": 1.0, "ratio": 1.0, "money": 0.6, "percent": 0.3},
    "percent": {"percent": 1.0, "ratio": 0.6},
    "money": {"money": 1.0, "count": 0.5},
    "rank": {"rank": 1.0, "ratio": 0.5},
    "change": {"count": 1.0, "percent": 1.0, "money": 1.0, "ratio": 0.5, "rank": 0.3},
    "date": {"date": 1.0, "year": 0.7},
}
_WANTED = {"count": "con số", "percent": "tỷ lệ phần trăm", "rank": "thứ hạng", "money": "số tiền",
           "date": "ngày tháng", "change": "mức tăng/giảm", "entity": "tên đơn vị"}
_NAMING = ("có tên gọi là", "tên gọi là", "lấy tên là", "có tên là", "tên là", "thuộc", "vào", "là")
_PLACE_TYPE = {  # last syllable before a name, folded → the type word it belongs to
    fold(w.split()[-1]): w
    for w in ("xã", "phường", "thị trấn", "huyện", "quận", "tỉnh", "thành phố")
}
_PLACE_KEYS = {syllable_key(w) for w in "xã phường thị trấn huyện quận tỉnh thành phố các".split()}

Syl = tuple[int, int, str, str]  # start, end, match key, folded key


@dataclass(frozen=True)
class Sentence:
    """A sentence of a hit with its offset in the passage and its syllables."""

    rank: int
    hit: Hit
    start: int
    text: str
    syls: tuple[Syl, ...]


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    coverage: float  # share of the query's content terms found, unweighted
    score: float
    occ: tuple[tuple[str, int, int], ...]  # (term, first syllable, last syllable)


@dataclass(frozen=True)
class Context:
    kind: QuestionKind
    terms: list[str]
    weights: dict[str, float]
    scored: list[Scored]
    folded: bool
    labels: dict[str, str]  # term → the word as the user typed it, for `why`
    qualifiers: frozenset[str]  # terms after the counted noun: "đảng viên bị *khai trừ*"


def _syls(text: str) -> tuple[Syl, ...]:
    return tuple((m.start(), m.end(), syllable_key(m.group(0).lower()), fold(m.group(0)))
                 for m in _SYL.finditer(text))


def split_sentences(hit: Hit, rank: int = 0) -> list[Sentence]:
    """Sentences of a passage with their offsets, so every answer is cut from the original."""
    text, pos, out = hit.passage.text, 0, []
    for sent in sent_tokenize(text) if text.strip() else []:
        at = text.find(sent, pos)
        if at < 0:  # the tokenizer rewrote spacing: keep the rest whole rather than lose it
            at, sent = pos, text[pos:]
        out.append(Sentence(rank, hit, at, sent, _syls(sent)))
        pos = at + len(sent)
        if pos >= len(text):
            break
    return out


def _find(parts: list[str], syls: tuple[Syl, ...], folded: bool) -> list[tuple[int, int]]:
    keys = [s[3] if folded else s[2] for s in syls]
    parts = [fold(p) for p in parts] if folded else parts
    n = len(parts)
    return [(i, i + n - 1) for i in range(len(keys) - n + 1) if keys[i : i + n] == parts]


def _cover(term: str, sent: Sentence, folded: bool) -> tuple[float, list[tuple[int, int]]]:
    """1 for the whole term; 0.6 when only the citing sentence of a footnote has it; else half
    the share of its syllables present."""
    parts = term.split()
    occ = _find(parts, sent.syls, folded)
    if occ:
        return 1.0, occ
    for around, credit in ((sent.hit.passage.context, 0.6), (sent.hit.passage.section, 0.5)):
        if around and _find(parts, _syls(around), folded):
            return credit, []  # a footnote's citing sentence, a heading "… của tỉnh An Giang"
    return 0.5 * sum(bool(_find([p], sent.syls, folded)) for p in parts) / len(parts), []


def _closeness(occs: list[list[tuple[int, int]]]) -> float:
    """Syllables of the matched terms over the width of the window their first occurrences span."""
    firsts = [occ[0] for occ in occs if occ]
    if len(firsts) < 2:
        return 0.0
    width = max(b for _, b in firsts) - min(a for a, _ in firsts) + 1
    return min(1.0, sum(b - a + 1 for a, b in firsts) / width)


def analyse(query: str, hits: list[Hit], depth: int = TOP_HITS) -> Context:
    """Score the sentences of the top hits by weighted term coverage, closeness and hit rank.

    A term weighs more when fewer sentences hold it: "khai trừ" tells more than "đảng viên".
    """
    words, folded = content_words(query), is_unaccented(query)
    terms = [t for _, t in words]
    sents = [s for rank, hit in enumerate(hits[:depth]) for s in split_sentences(hit, rank)]
    covers = [[_cover(t, s, folded) for t in terms] for s in sents]
    base = [0.5 if is_period(t) else 1.0 for t in terms]
    weights = {
        t: base[i] * (1.0 + math.log((len(sents) + 1) / (1 + sum(c[i][0] >= 1 for c in covers))))
        for i, t in enumerate(terms)
    }
    total = sum(weights.values()) or 1.0
    scored = []
    for sent, cover in zip(sents, covers, strict=True):
        coverage = sum(b * c for b, (c, _) in zip(base, cover, strict=True)) / (sum(base) or 1)
        weighted = sum(weights[t] * c for t, (c, _) in zip(terms, cover, strict=True)) / total
        occ = tuple((t, a, b) for t, (_, o) in zip(terms, cover, strict=True) for a, b in o)
        score = weighted + 0.2 * _closeness([o for _, o in cover]) - 0.05 * sent.rank
        scored.append(Scored(sent, coverage, score, occ))
    scored.sort(key=lambda s: -s.score)
    kind = classify(query)
    labels = {t: w for w, t in words}
    return Context(kind, terms, weights, scored, folded, labels, _qualifiers(query, kind, terms))


def _qualifiers(query: str, kind: QuestionKind, terms: list[str]) -> frozenset[str]:
    if not kind.focus:
        return frozenset()
    q, focus = match_form(query), match_form(kind.focus)
    at = q.find(focus)
    tail = q[at + len(focus) :] if at >= 0 else ""
    return frozenset(t for t in terms if t in tail and t not in focus)


def is_unanswerable(query: str, hits: list[Hit]) -> tuple[bool, float, str]:
    """(abstain?, best coverage, why): no top sentence holds half the query's content terms,
    and no passage names the place the question is about.

    >>> is_unanswerable("kết quả xổ số miền Nam hôm qua", [])[0]
    True
    """
    if not hits:
        return True, 0.0, "không có đoạn nào được tìm thấy"
    return _gate(analyse(query, hits, _depth(query)))


def _depth(query: str) -> int:
    return ENTITY_HITS if classify(query).entity else TOP_HITS


def _gate(ctx: Context) -> tuple[bool, float, str]:
    if not ctx.terms:
        return False, 1.0, "câu hỏi không có từ nội dung để đối chiếu"
    best = max((s.coverage for s in ctx.scored), default=0.0)
    if ctx.kind.entity and any(_mentions(ctx, s.sentence) for s in ctx.scored):
        best = max(best, 1.0)
    if best >= MIN_COVERAGE:
        return False, best, f"độ phủ từ khóa {best:.0%}"
    top = ctx.scored[0] if ctx.scored else None
    have = sum(_cover(t, top.sentence, ctx.folded)[0] >= 1 for t in ctx.terms) if top else 0
    missing = [t for t in ctx.terms if not any(t == o[0] for s in ctx.scored for o in s.occ)]
    if missing:
        shown = ", ".join(f"'{ctx.labels[t]}'" for t in missing[:4])
        return True, best, f"không đoạn nào chứa {shown} (độ phủ {have}/{len(ctx.terms)})"
    return True, best, f"không câu nào chứa đủ các từ của câu hỏi (độ phủ {have}/{len(ctx.terms)})"


def answer(query: str, hits: list[Hit], *, max_len: int = 200) -> Answer:
    """A short answer cut verbatim from the hits, or None with the reason in `why`.

    `confidence` is the confidence in what is returned: the answer, or the abstention.
    "số đảng viên bị kỷ luật" over "… thi hành kỷ luật 95 đảng viên …" → "95 đảng viên".
    """
    if not hits:
        return Answer(query, None, None, 1.0, (), "không có đoạn nào được tìm thấy")
    ctx = analyse(query, hits, _depth(query))
    abstain, coverage, why = _gate(ctx)
    if abstain:
        return Answer(query, None, None, round(1.0 - coverage, 3), (), why)
    top = tuple(hits[:MAX_CITATIONS])
    if ctx.kind.kind == "topic":
        return Answer(query, None, None, round(min(1.0, coverage), 3), top, TOPIC_WHY)
    found = pick_entity(ctx) if ctx.kind.kind == "entity" else pick_figure(ctx)
    if found is None:
        wanted = _WANTED.get(ctx.kind.kind, "câu trả lời")
        why = f"không câu nào trong các đoạn đầu chứa {wanted} cho câu hỏi"
        return Answer(query, None, None, round(0.5 * min(1.0, coverage), 3), top, why)
    best, start, end, strength = found
    text = best.sentence.hit.passage.text
    short = text[start:end][:max_len].strip()
    coverage = max(best.coverage, 1.0 if ctx.kind.kind == "entity" and strength > 0.8 else 0)
    confidence = 0.5 * min(1.0, coverage) + 0.3 * strength + 0.2 / (1 + best.sentence.rank)
    return Answer(query, short, best.sentence.text.strip(), round(min(1.0, confidence), 3),
                  _citations(best, ctx.scored), _why_found(best, ctx.kind))


def _why_found(best: Scored, kind: QuestionKind) -> str:
    p = best.sentence.hit.passage
    where = f"chú thích {p.footnote}" if p.kind == "footnote" else f"đoạn {p.paragraph}"
    wanted = _WANTED.get(kind.kind, "câu trả lời")
    return f"{wanted} lấy nguyên văn từ {where} (độ phủ từ khóa {min(1.0, best.coverage):.0%})"


def _citations(best: Scored, scored: list[Scored]) -> tuple[Hit, ...]:
    """The hit the answer came from, then other hits with a well-covered sentence."""
    out = [best.sentence.hit]
    for s in scored:
        if s.coverage >= MIN_COVERAGE and s.sentence.hit not in out:
            out.append(s.sentence.hit)
    return tuple(out[:MAX_CITATIONS])


# ---- figures -------------------------------------------------------------------------------


def pick_figure(ctx: Context) -> tuple[Scored, int, int, float] | None:
    """Best (sentence, start, end, strength) over numbers of a fitting kind in covered sentences."""
    best, best_total = None, -math.inf
    focus = [syllable_key(f) for f in syllables(ctx.kind.focus or "")]
    for s in ctx.scored:
        if s.coverage < MIN_COVERAGE or (focus and not _find_any(focus, s.sentence, ctx.folded)):
            continue  # "bao nhiêu bằng khen": a sentence without "bằng"/"khen" counts other things
        for span in find_numbers(s.sentence.text):
            fit = _FIT.get(ctx.kind.kind, {}).get(span.kind, 0.0)
            if fit == 0.0 or _is_query_term(s, span):
                continue
            local = _local(ctx, s, span)
            total = s.score + 0.3 * fit + 0.4 * local
            if total > best_total:
                best, best_total = (s, span, min(1.0, 0.5 * fit + 0.5 * max(local, 0))), total
    if best is None:
        return None
    s, span, strength = best
    start, end = _figure_span(ctx, s, span)
    return s, s.sentence.start + start, s.sentence.start + end, strength


def _find_any(keys: list[str], sent: Sentence, folded: bool) -> bool:
    return any(_find([k], sent.syls, folded) for k in keys if not is_period(k))


def _is_query_term(s: Scored, span: NumberSpan) -> bool:
    """A number the question itself says ("6 tháng đầu năm", "năm 2023") is a key, not an answer."""
    first, last = _index(s.sentence, span.start), _index(s.sentence, span.end - 1)
    return any(a <= last and b >= first for _, a, b in s.occ)


def _index(sent: Sentence, offset: int) -> int:
    return next((i for i, s in enumerate(sent.syls) if s[1] > offset), len(sent.syls))


def _window(sent: Sentence, first: int, last: int, step: int, size: int) -> set[int]:
    """Syllable indices beside [first, last] on one side, stopping at a clause break."""
    out: set[int] = set()
    prev = first if step < 0 else last
    i = prev + step
    while 0 <= i < len(sent.syls) and len(out) < size:
        lo, hi = sorted((i, prev))
        if _CLAUSE_END.search(sent.text[sent.syls[lo][1] : sent.syls[hi][0]]):
            break
        out.add(i)
        prev, i = i, i + step
    return out


def _local(ctx: Context, s: Scored, span: NumberSpan) -> float:
    """Query terms right before ("khai trừ 13") or right after ("135 tổ chức đảng") a number,
    weighted by rarity, less the distance from the last key phrase before it."""
    sent = s.sentence
    first, last = _index(sent, span.start), _index(sent, span.end - 1)
    near = _window(sent, first, last, -1, 5) | _window(sent, first, last, 1, 5)
    total = sum(ctx.weights.values()) or 1.0
    hit_terms = {t for t, a, b in s.occ if a in near or b in near}
    score = sum(ctx.weights[t] * (1 + (t in ctx.qualifiers)) for t in hit_terms) / total
    focus = [syllable_key(f) for f in syllables(ctx.kind.focus or "")[:2]]
    if focus and _find(focus, sent.syls[last + 1 : last + 4], ctx.folded):
        score += 0.4  # "bao nhiêu tổ chức đảng": the number counting that very noun
    before = [b for _, _, b in s.occ if b < first]
    score -= 0.02 * min(first - max(before) - 1 if before else 15, 15)
    if ctx.kind.kind == "change" and first > 0 and sent.syls[first - 1][3] in ("tang", "giam"):
        score += 0.5 + 0.3 * (sent.syls[first - 1][3] == ctx.kind.direction)
    return score


def _figure_span(ctx: Context, s: Scored, span: NumberSpan) -> tuple[int, int]:
    """The number with its unit, and with "xếp thứ" / "tăng" / a matched verb just before it."""
    text, start, end = s.sentence.text, span.start, span.end
    if span.unit and span.kind != "percent":
        m = re.match(r"\s+" + re.escape(span.unit), text[end:])
        end += m.end() if m else 0
    lead = {"rank": r"(?:(?:xếp|đứng)\s+)?(?:thứ|hạng)\s+$", "change": r"(?:tăng|giảm)\s+$"}
    m = re.search(lead.get(ctx.kind.kind, r"$^"), text[:start], re.IGNORECASE)
    if m:
        return m.start(), end
    first = _index(s.sentence, start)
    verbs = [s.sentence.syls[a][0] for _, a, b in s.occ if b == first - 1]
    if span.unit is None and verbs and not _CLAUSE_END.search(text[min(verbs) : start]):
        start = min(verbs)  # "khai trừ 13": the count's meaning is the verb before it
    return start, end


# ---- names ---------------------------------------------------------------------------------


def _mentions(ctx: Context, sent: Sentence) -> list[tuple[int, int]]:
    """Where the sentence names the question's place as a whole name ("Đông Hưng", not "Đông
    Hưng B"), accents and case ignored."""
    if not ctx.kind.entity:
        return []
    found = _find(syllables(ctx.kind.entity[1]), sent.syls, True)
    wanted = _PLACE_TYPE.get(fold(ctx.kind.entity[0].split()[-1]))
    return [
        (a, b)
        for a, b in found
        if not _joined(sent, a - 1, a)
        and not _joined(sent, b, b + 1)
        and _PLACE_TYPE.get(sent.syls[a - 1][3] if a else "", wanted) == wanted
    ]  # "thị trấn Mường Tè" is not the "xã Mường Tè" asked about


def _joined(sent: Sentence, i: int, j: int) -> bool:
    """True when syllables i and i+1 belong to one capitalised name ("Đông Hưng" + "B")."""
    if i < 0 or j >= len(sent.syls) or sent.syls[i][2] in _PLACE_KEYS:
        return False
    (a, b, _, _), (c, _, _, _) = sent.syls[i], sent.syls[j]
    return sent.text[b:c].isspace() and sent.text[a].isupper() and sent.text[c].isupper()


def pick_entity(ctx: Context) -> tuple[Scored, int, int, float] | None:
    """The name the sentence assigns to the question's place: "… Khánh Lợi và Khánh Thiện thành
    xã mới có tên gọi là xã Khánh Thiện." → "xã Khánh Thiện"."""
    for s in ctx.scored:
        if ctx.kind.entity:
            starts = [s.sentence.syls[b][1] for _, b in _mentions(ctx, s.sentence)]
        elif s.coverage >= MIN_COVERAGE and s.occ:
            starts = [s.sentence.syls[max(b for _, _, b in s.occ)][1]]
        else:
            starts = []
        for pos in starts:
            found = _named_after(s.sentence.text, pos)
            if found:
                strength = 0.9 if ctx.kind.entity else 0.5
                return s, s.sentence.start + found[0], s.sentence.start + found[1], strength
    return None


def _named_after(text: str, pos: int) -> tuple[int, int] | None:
    """The noun phrase after the first naming cue ("có tên gọi là", "thuộc", "là") past `pos`."""
    rest = text[pos:]
    for cue in _NAMING:
        m = re.search(rf"(?<!\w){cue}(?!\w)", rest, re.IGNORECASE)
        if m:
            break
    else:
        return None
    phrase = re.match(r"[\s*_]*(.+?)[\s*_]*(?=[,;.()]|\n\s*\n|$)", rest[m.end() :], re.DOTALL)
    if not phrase or len(phrase.group(1)) > 80:
        return None
    start = pos + m.end() + phrase.start(1)
    return start, start + len(phrase.group(1))
