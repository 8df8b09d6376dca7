"""Short answers cut verbatim from retrieved passages — or none, with the reason.

A figure answers a question only from the clause that states it for the subject asked: its own
item of the sentence (indexer/clauses.py), with the headers and topic words around it, never the
words of a parallel item holding another figure. A change ("tăng 77 … so cùng kỳ") answers only
a question about a change; a share of a plan ("đạt 51,09% dự toán") only one about the plan. The
period, place and names the question gives must be those of the answer's document or stated by
its passage. Every answer is a span of the passage text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..model import Answer, DocFacts, Hit
from ..vietnamese.clauses import Figure, Structure, structure
from ..vietnamese.numbers import KNOWN_UNITS
from ..vietnamese.periods import find_periods
from ..vietnamese.places import mentions_place
from ..vietnamese.segment import sentence_spans
from ..vietnamese.text import fold, folded_key, syllable_key, syllable_spans
from .question import Question, analyse, reword_plain
from .scanned import scan_caveat

TOP_HITS = 5  # figures sit in the best few passages; deeper hits add distractors
ENTITY_HITS = 10  # a merge list spreads over many passages: look deeper for the named commune
MIN_COVERAGE = 0.5  # a sentence holding less of the question's words is not about it
MIN_CLAUSE = 0.6  # a figure's clause and context must hold this share of the question's words
CERTAIN = 0.8  # from this confidence on, the page says "chắc chắn"; below, "cần kiểm tra"
MAX_CITATIONS = 5
TOPIC_WHY = "câu hỏi chủ đề: xem các đoạn trích dẫn"
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
_WANTED = {"count": "con số", "percent": "tỷ lệ phần trăm", "rank": "thứ hạng", "money": "số tiền",
           "date": "ngày tháng", "change": "mức tăng/giảm", "entity": "tên đơn vị",
           "topic": "con số"}  # fmt: skip
_NAMING = ("có tên gọi là", "tên gọi là", "lấy tên là", "có tên là", "tên là", "thuộc", "vào", "là")
_PLACE_TYPE = {fold(w.split()[-1]): w
               for w in ("xã", "phường", "thị trấn", "huyện", "quận", "tỉnh", "thành phố")}
_PLACE_KEYS = {syllable_key(w) for w in "xã phường thị trấn huyện quận tỉnh thành phố các".split()}
_LEAD = {"rank": re.compile(r"(?:(?:xếp|đứng)\s+)?(?:thứ|hạng)\s+$", re.IGNORECASE),
         "change": re.compile(r"(?:tăng|giảm)(?:\s+thêm)?\s+$", re.IGNORECASE)}  # fmt: skip

Syl = tuple[int, int, str, str]  # start, end, match key, folded key


@dataclass(frozen=True)
class Sentence:
    """A sentence of a hit: its offset in the passage, its clause structure and the passage's
    other text (the rest of the paragraph, a footnote's citing sentence, the section)."""

    rank: int
    hit: Hit
    start: int
    text: str
    struct: Structure
    around: tuple[tuple[float, tuple[Syl, ...]], ...]
    before: str = ""  # the sentence before it in the passage, which sets its topic

    @property
    def syls(self) -> tuple[Syl, ...]:
        return self.struct.syls


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    coverage: float  # share of the question's words in the sentence and around it
    score: float
    occ: tuple[tuple[str, int, int], ...]  # (term, first syllable, last syllable)


@dataclass(frozen=True)
class Context:
    question: Question
    terms: list[str]
    weights: dict[str, float]
    scored: list[Scored]
    labels: dict[str, str]  # term → the word as the user typed it, for `why`
    docs: Mapping[str, DocFacts]
    # (passage id, term) → the sentences stating figures of their own that hold the term
    owners: Mapping[tuple[str, str], frozenset[int]] = ()

    @property
    def folded(self) -> bool:
        return self.question.folded

    def owned_elsewhere(self, sent: Sentence, term: str) -> bool:
        """True when another sentence of the passage, stating figures of its own, holds the
        term: it is that sentence's word ("Hè Thu"), not context for this one."""
        return bool(self.owners.get((sent.hit.passage.id, term), frozenset()) - {sent.start})


@dataclass(frozen=True)
class Candidate:
    scored: Scored
    figure: Figure
    cover: float
    total: float
    binding: str  # "full", "partial", "none", "conflict", "other" (see _binding)

    @property
    def bound(self) -> bool:
        return self.binding in ("full", "partial", "none")


def _syls(text: str) -> tuple[Syl, ...]:
    return tuple((a, b, syllable_key(text[a:b].lower()), folded_key(text[a:b]))
                 for a, b in syllable_spans(text))  # fmt: skip


def split_sentences(hit: Hit, rank: int = 0) -> list[Sentence]:
    """Sentences of a passage with their offsets, so every answer is cut from the original."""
    text = hit.passage.text
    found = [(at, text[at:end]) for at, end in sentence_spans(text)]
    shared = tuple((credit, _syls(t)) for credit, t in
                   ((0.6, hit.passage.context), (0.5, hit.passage.section)) if t)  # fmt: skip
    structs = [structure(sent) for _, sent in found]
    # A sentence stating figures of its own owns its words ("Vụ Hè Thu 2024, đã xuống giống
    # 74.200 ha" says nothing of the Đông Xuân harvest beside it); one without figures sets the
    # topic of what follows ("… về số hộ có người tham gia các tổ chức chính trị - xã hội.
    # Trong 6 tháng đầu năm, tổng số hộ … chiếm tỷ lệ 85,14%").
    topical = [not any(f.span.kind not in ("date", "year") for f in st.figures) for st in structs]
    out = []
    for n, (at, sent) in enumerate(found):
        before = found[n - 1][1] if n and topical[n - 1] else ""
        rest = " ".join(s for i, (_, s) in enumerate(found) if i not in (n - 1, n) and topical[i])
        around = tuple((credit, _syls(t)) for credit, t in ((0.6, before), (0.35, rest)) if t)
        out.append(Sentence(rank, hit, at, sent, structs[n], around + shared, before))
    return out


def _find(parts: list[str], syls: tuple[Syl, ...], folded: bool) -> list[tuple[int, int]]:
    keys = [s[3] if folded else s[2] for s in syls]
    parts = [folded_key(p) for p in parts] if folded else parts
    n = len(parts)
    return [(i, i + n - 1) for i in range(len(keys) - n + 1) if keys[i : i + n] == parts]


def _cover(term: str, sent: Sentence, folded: bool) -> tuple[float, list[tuple[int, int]]]:
    """1 for the whole term in the sentence; the credit of the text around it that holds it
    (a footnote's citing sentence 0.6, the section 0.5, the paragraph 0.35); else half the
    share of its syllables present."""
    parts = term.split()
    occ = _find(parts, sent.syls, folded)
    if occ:
        return 1.0, occ
    for credit, syls in sent.around:
        if _find(parts, syls, folded):
            return credit, []
    return 0.5 * sum(bool(_find([p], sent.syls, folded)) for p in parts) / len(parts), []


def _closeness(occs: list[list[tuple[int, int]]]) -> float:
    """Syllables of the matched terms over the width of the window their first occurrences span."""
    firsts = [occ[0] for occ in occs if occ]
    if len(firsts) < 2:
        return 0.0
    width = max(b for _, b in firsts) - min(a for a, _ in firsts) + 1
    return min(1.0, sum(b - a + 1 for a, b in firsts) / width)


def analyse_hits(question: Question, hits: list[Hit], depth: int,
                 docs: Mapping[str, DocFacts] | None = None) -> Context:  # fmt: skip
    """Score the sentences of the top hits by weighted term coverage, closeness and hit rank.

    A term weighs more when fewer sentences hold it: "khai trừ" tells more than "đảng viên".
    """
    terms = question.terms
    sents = [s for rank, hit in enumerate(hits[:depth]) for s in split_sentences(hit, rank)]
    covers = [[_cover(t, s, question.folded) for t in terms] for s in sents]
    weights = {
        t: 1.0 + math.log((len(sents) + 1) / (1 + sum(c[i][0] >= 1 for c in covers)))
        for i, t in enumerate(terms)
    }
    total = sum(weights.values()) or 1.0
    scored = []
    for sent, cover in zip(sents, covers, strict=True):
        coverage = sum(c for c, _ in cover) / (len(terms) or 1)
        weighted = sum(weights[t] * c for t, (c, _) in zip(terms, cover, strict=True)) / total
        occ = tuple((t, a, b) for t, (_, o) in zip(terms, cover, strict=True) for a, b in o)
        score = weighted + 0.2 * _closeness([o for _, o in cover]) - 0.05 * sent.rank
        scored.append(Scored(sent, coverage, score, occ))
    scored.sort(key=lambda s: -s.score)
    labels = {t: w for w, t in question.words}
    owners: dict[tuple[str, str], set[int]] = {}
    # Names ("Hè Thu", "Đông Xuân") tell parallel sentences apart; common words ("lúa") do not.
    named = {folded_key(w) for n in question.named for w in n.split()}
    for sent, cover in zip(sents, covers, strict=True):
        if any(f.span.kind not in ("date", "year") for f in sent.struct.figures):
            for t, (c, _) in zip(terms, cover, strict=True):
                if c >= 1 and {folded_key(w) for w in t.split()} <= named:
                    owners.setdefault((sent.hit.passage.id, t), set()).add(sent.start)
    frozen = {k: frozenset(v) for k, v in owners.items()}
    return Context(question, terms, weights, scored, labels, docs or {}, frozen)


def is_unanswerable(query: str, hits: list[Hit]) -> tuple[bool, float, str]:
    """(abstain?, best coverage, why): no top sentence holds half the query's content terms,
    and no passage names the place the question is about.

    >>> is_unanswerable("kết quả xổ số miền Nam hôm qua", [])[0]
    True
    """
    if not hits:
        return True, 0.0, "không có đoạn nào được tìm thấy"
    question = analyse_with_hits(query, hits)
    return _gate(analyse_hits(question, hits, _depth(question)))


def analyse_with_hits(query: str, hits: list[Hit]) -> Question:
    """The question read as typed; typed without diacritics, its words are first accented the
    way the top hits write them, so that it splits into words ("tai nạn", "giao thông")."""
    question = analyse(query)
    if not question.folded:
        return question
    return reword_plain(question, [h.passage.text for h in hits[:ENTITY_HITS]])


def _depth(question: Question) -> int:
    return ENTITY_HITS if question.kind.entity else TOP_HITS


def _gate(ctx: Context) -> tuple[bool, float, str]:
    if not ctx.terms:
        return False, 1.0, "câu hỏi không có từ nội dung để đối chiếu"
    best = max((s.coverage for s in ctx.scored), default=0.0)
    if ctx.question.kind.entity and any(_mentions(ctx, s.sentence) for s in ctx.scored):
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


def answer(query: str, hits: list[Hit], *, max_len: int = 200,
           docs: Mapping[str, DocFacts] | None = None) -> Answer:  # fmt: skip
    """A short answer cut verbatim from the hits, or None with the reason in `why`.

    `docs` gives each hit's document (period, issuer, title) so the period and place a
    question names are checked; without it only the passages' own words are.
    `confidence` is the confidence in what is returned: the answer, or the abstention.
    "số đảng viên bị kỷ luật" over "… thi hành kỷ luật 95 đảng viên …" → "95 đảng viên".
    """
    if not hits:
        return Answer(query, None, None, 1.0, (), "không có đoạn nào được tìm thấy")
    question = analyse_with_hits(query, hits)
    ctx = analyse_hits(question, hits, _depth(question), docs)
    abstain, coverage, why = _gate(ctx)
    if abstain:
        return Answer(query, None, None, round(1.0 - coverage, 3), (), why)
    unmet = _unmet(ctx)
    if unmet is not None:
        return Answer(query, None, None, 0.9, tuple(hits[:MAX_CITATIONS]), unmet)
    top = tuple(hits[:MAX_CITATIONS])
    if question.wants == "topic":
        return Answer(query, None, None, round(min(1.0, coverage), 3), top, TOPIC_WHY)
    if question.wants == "entity":
        return _entity_answer(ctx, top, coverage, max_len)
    found = _pick(ctx)
    if found is None:
        return _none(ctx, top, coverage)
    best, start, end, confidence, kind = found
    text = best.sentence.hit.passage.text
    short = _fit(text[start:end], max_len)
    if short is None:
        why = f"câu trả lời dài quá {max_len} ký tự: xem đoạn trích dẫn"
        return Answer(query, None, None, round(0.5 * confidence, 3), top, why)
    start += len(text[start:end]) - len(text[start:end].lstrip())
    reply = Answer(query, short, best.sentence.text.strip(), round(min(1.0, confidence), 3),
                   _citations(best, ctx.scored), _why_found(best, kind, confidence),
                   span=(start, start + len(short)), kind=kind)  # fmt: skip
    return scan_caveat(reply, docs)  # read by OCR: says so, and doubts what OCR doubted


def _fit(span: str, max_len: int) -> str | None:
    """The answer within max_len characters, cut only between list items ("…, cảnh cáo 19"),
    never inside a figure; None when it cannot be cut so."""
    span = span.strip().rstrip(".;,:")
    if len(span) <= max_len:
        return span
    cut = max(span.rfind(", ", 0, max_len), span.rfind("; ", 0, max_len))
    return span[:cut] if cut > 0 else None


def certainty(reply: Answer) -> str | None:
    """How the page and the API qualify a short answer: "chắc chắn" from CERTAIN on (measured:
    on the dev sets every answer at or above it was right), else "cần kiểm tra"; None without
    an answer."""
    if reply.answer is None:
        return None
    return "chắc chắn" if reply.confidence >= CERTAIN else "cần kiểm tra"


def _pick(ctx: Context) -> tuple[Scored, int, int, float, str] | None:
    wants = ctx.question.wants
    if wants == "list":
        return pick_list(ctx) or _as_figure(pick_figure(ctx))
    if wants == "statement":
        return _as_figure(pick_figure(ctx, strict=True)) or pick_statement(ctx)
    return _as_figure(pick_figure(ctx))


def _as_figure(found):
    return None if found is None else (*found, "figure")


def _none(ctx: Context, top: tuple[Hit, ...], coverage: float) -> Answer:
    wanted = _WANTED.get(ctx.question.kind.kind, "câu trả lời")
    if ctx.question.wants == "statement":
        return Answer(ctx.question.text, None, None, round(min(1.0, coverage), 3), top, TOPIC_WHY)
    lacking = _lacking(ctx)
    why = f"không câu nào trong các đoạn đầu chứa {wanted} cho câu hỏi"
    if lacking:
        why += f" (câu có số liệu gần nhất không nói về {lacking})"
    return Answer(ctx.question.text, None, None, round(0.5 * min(1.0, coverage), 3), top, why)


def _why_found(best: Scored, kind: str, confidence: float) -> str:
    p = best.sentence.hit.passage
    where = f"chú thích {p.footnote}" if p.kind == "footnote" else f"đoạn {p.paragraph}"
    what = {"list": "danh sách", "statement": "câu"}.get(kind, "số liệu")
    sure = "chắc chắn" if confidence >= CERTAIN else "cần kiểm tra"
    return f"{what} lấy nguyên văn từ {where}, đúng mệnh đề nói về câu hỏi ({sure})"


def _citations(best: Scored, scored: list[Scored]) -> tuple[Hit, ...]:
    """The hit the answer came from, then other hits with a well-covered sentence."""
    out = [best.sentence.hit]
    for s in scored:
        if s.coverage >= MIN_COVERAGE and s.sentence.hit not in out:
            out.append(s.sentence.hit)
    return tuple(out[:MAX_CITATIONS])


# ---- restrictions: period, place, names ------------------------------------------------------


def _unmet(ctx: Context) -> str | None:
    """Why no covered sentence may answer: the period, place or names the question gives are
    not those of any covered sentence's document or passage. None when some sentence fits."""
    q = ctx.question
    if not (q.periods or q.places or q.named):
        return None
    covered = [s for s in ctx.scored if s.coverage >= MIN_COVERAGE]
    problems = [_misfit(ctx, s.sentence) for s in covered]
    if not covered or any(p is None for p in problems):
        return None
    what = problems[0]
    labels = list(dict.fromkeys(_doc_label(ctx, s.sentence.hit) for s in covered))[:3]
    where = "; ".join(label for label in labels if label)
    return f"không văn kiện nào trả lời câu hỏi cho {what}" + (f"; chỉ có: {where}" if where
                                                              else "")  # fmt: skip


def _misfit(ctx: Context, sent: Sentence) -> str | None:
    """What of the question's period, place and names this sentence's document and passage do
    not give ("năm 2019", "tỉnh Cà Mau", "'Nhật Bản'"), or None when all fit."""
    q, doc = ctx.question, ctx.docs.get(sent.hit.passage.doc_id)
    passage = sent.hit.passage
    said = " ".join(t for t in (sent.text, passage.text, passage.context, passage.section) if t)
    for period in q.periods:
        doc_ok = doc is not None and period.same(doc.period)
        if not doc_ok and not any(period.same(p) for p in find_periods(said)):
            return period.label
    for kind, name in q.places:
        in_doc = doc is not None and mentions_place(f"{doc.issuer or ''} {doc.title or ''}",
                                                    name, doc.year)  # fmt: skip
        if not in_doc and not mentions_place(said, name):
            return f"{kind} {name}"
    # a name must be said where the figure is: its sentence, the sentence before, a footnote's
    # citing sentence, the section, the document — not a parallel sentence of the paragraph
    # ("Vụ Hè Thu 2024, …" beside the Đông Xuân figures)
    near = " ".join(t for t in (sent.before, sent.text, passage.section) if t)
    title = f"{doc.title or ''} {doc.issuer or ''}" if doc else ""
    for name in q.named:
        if _names(name, f"{near} {title}", q.folded):
            continue
        owned = any(ctx.owned_elsewhere(sent, t) for t in ctx.terms if fold(t) in fold(name))
        if owned or not _names(name, passage.context or "", q.folded):
            return f"'{name}'"
    return None


def _names(name: str, text: str, folded: bool) -> bool:
    """True when `text` writes `name` as a name: the same syllables, capitalised as typed."""
    wanted = [syllable_key(w.lower()) for w in re.findall(r"\w+", name)]
    syls = [(text[a:b], syllable_key(text[a:b].lower())) for a, b in syllable_spans(text)]
    keys = [fold(k) if folded else k for _, k in syls]
    wanted = [fold(w) for w in wanted] if folded else wanted
    n = len(wanted)
    for i in range(len(keys) - n + 1):
        if keys[i : i + n] == wanted and all(
            t[:1].isupper() or not w[:1].isupper()
            for (t, _), w in zip(syls[i : i + n], re.findall(r"\w+", name), strict=True)
        ):
            return True
    return False


def _doc_label(ctx: Context, hit: Hit) -> str:
    doc = ctx.docs.get(hit.passage.doc_id)
    return doc.label if doc else ""


# ---- figures ---------------------------------------------------------------------------------


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
        for a, b in _find(term.split(), struct.syls, ctx.folded):
            if a <= last and b >= first:
                continue  # the number itself
            best = max(best, min(_reach(struct, fig, struct.syl_item[a]),
                                 _reach(struct, fig, struct.syl_item[b])))  # fmt: skip
        if best < 0.6 and not ctx.owned_elsewhere(sent, term):
            for credit, syls in sent.around:
                if _find(term.split(), syls, ctx.folded):
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
        if s.coverage < MIN_COVERAGE or _misfit(ctx, s.sentence) is not None:
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
    start, end = _figure_span(ctx, best)
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


def _figure_span(ctx: Context, c: Candidate) -> tuple[int, int]:
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
                                   _find(t.split(), struct.syls, ctx.folded))]  # fmt: skip
    return len(held) / len(part) * 0.9


def _lacking(ctx: Context) -> str | None:
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


# ---- lists and statements ----------------------------------------------------------------------


def pick_list(ctx: Context) -> tuple[Scored, int, int, float, str] | None:
    """A breakdown asked for ("các hình thức kỷ luật"): the items after a header that names it
    ("… với các hình thức: Khiển trách 60, cảnh cáo 19, …"), or in brackets after the total."""
    for s in ctx.scored:
        if s.coverage < MIN_COVERAGE or _misfit(ctx, s.sentence) is not None:
            continue
        struct = s.sentence.struct
        for index, item in enumerate(struct.items):
            listed = [it for it in struct.items[index + 1 :]
                      if it.segment == struct.items[index + 1].segment] if index + 1 < len(
                struct.items) else []  # fmt: skip
            if not (item.header or _opens_group(struct, index)) or len(listed) < 2:
                continue
            if sum(any(f.item == struct.items.index(it) for f in struct.figures)
                   for it in listed) < 2:  # fmt: skip
                continue
            start, end = listed[0].start, listed[-1].end
            sent = s.sentence
            confidence = 0.5 + 0.4 * min(1.0, s.coverage)
            return s, sent.start + start, sent.start + end, confidence, "list"
    return None


def _opens_group(struct: Structure, index: int) -> bool:
    nxt = struct.items[index + 1] if index + 1 < len(struct.items) else None
    return nxt is not None and nxt.group != 0 and struct.items[index].group == 0


def pick_statement(ctx: Context) -> tuple[Scored, int, int, float, str] | None:
    """A noun phrase typed as a search ("diễn tập khu vực phòng thủ"): the clause stating it,
    verbatim, when one clause holds all its words."""
    total = sum(ctx.weights.values()) or 1.0
    for s in ctx.scored:
        if s.coverage < 0.99 or _misfit(ctx, s.sentence) is not None:
            continue
        struct = s.sentence.struct
        for index, item in enumerate(struct.items):
            syls = [i for i, k in enumerate(struct.syl_item) if k == index]
            held = sum(ctx.weights[t] for t in ctx.terms
                       if any(a in syls and b in syls for a, b in
                              _find(t.split(), struct.syls, ctx.folded)))  # fmt: skip
            if held >= 0.99 * total and len(item_text := struct.text[item.start : item.end]) > 1:
                sent = s.sentence
                start = sent.start + item.start
                return s, start, start + len(item_text.rstrip(" .")), 0.6, "statement"
    return None


# ---- names ---------------------------------------------------------------------------------


def _entity_answer(ctx: Context, top: tuple[Hit, ...], coverage: float, max_len: int) -> Answer:
    found = pick_entity(ctx)
    if found is None:
        why = "không câu nào trong các đoạn đầu chứa tên đơn vị cho câu hỏi"
        return Answer(ctx.question.text, None, None, round(0.5 * min(1.0, coverage), 3), top, why)
    best, start, end, strength = found
    text = best.sentence.hit.passage.text
    short = _fit(text[start:end], max_len) or text[start:end].strip()[:max_len]
    cover = max(best.coverage, 1.0 if strength > 0.8 else 0)
    confidence = 0.5 * min(1.0, cover) + 0.3 * strength + 0.2 / (1 + best.sentence.rank)
    return Answer(ctx.question.text, short, best.sentence.text.strip(),
                  round(min(1.0, confidence), 3), _citations(best, ctx.scored),
                  _why_found(best, "entity", confidence), span=(start, start + len(short)),
                  kind="entity")  # fmt: skip


def _mentions(ctx: Context, sent: Sentence) -> list[tuple[int, int]]:
    """Where the sentence names the question's place as a whole name ("Đông Hưng", not "Đông
    Hưng B"), accents and case ignored."""
    entity = ctx.question.kind.entity
    if not entity:
        return []
    found = _find([syllable_key(w.lower()) for w in re.findall(r"\w+", entity[1])], sent.syls,
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
        if _misfit(ctx, s.sentence) is not None:
            continue
        if ctx.question.kind.entity:
            starts = [b for _, b in _mentions(ctx, s.sentence)]
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
