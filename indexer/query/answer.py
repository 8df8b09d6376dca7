"""Short answers cut verbatim from retrieved passages — or none, with the reason.

A figure answers a question only from the clause that states it for the subject asked: its own
item of the sentence (vietnamese/clauses.py), with the headers and topic words around it, never the
words of a parallel item holding another figure. A change ("tăng 77 … so cùng kỳ") answers only
a question about a change; a share of a plan ("đạt 51,09% dự toán") only one about the plan. The
period, place and names the question gives must be those of the answer's document or stated by
its passage. Every answer is a span of the passage text.

The steps, a module each: evidence.py (the top hits' sentences, scored by the question's words)
→ restrict.py (period, place and names) → figures.py (which figure, by its clause) and quote.py
(the span quoted for it), statements.py (lists, typed phrases) or entities.py (names) → here:
the answer, its confidence and why.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Answer, DocFacts, Hit
from .entities import mentions, pick_entity
from .evidence import (
    MIN_COVERAGE,
    Context,
    Scored,
    analyse_hits,
    analyse_with_hits,
    hit_depth,
    term_cover,
)
from .figures import lacking, pick_figure
from .restrict import unmet
from .scanned import scan_caveat
from .statements import pick_list, pick_statement

CERTAIN = 0.8  # from this confidence on, the page says "chắc chắn"; below, "cần kiểm tra"
MAX_CITATIONS = 5
TOPIC_WHY = "câu hỏi chủ đề: xem các đoạn trích dẫn"
_WANTED = {"count": "con số", "percent": "tỷ lệ phần trăm", "rank": "thứ hạng", "money": "số tiền",
           "date": "ngày tháng", "change": "mức tăng/giảm", "entity": "tên đơn vị",
           "topic": "con số"}  # fmt: skip


def is_unanswerable(query: str, hits: list[Hit]) -> tuple[bool, float, str]:
    """(abstain?, best coverage, why): no top sentence holds half the query's content terms,
    and no passage names the place the question is about.

    >>> is_unanswerable("kết quả xổ số miền Nam hôm qua", [])[0]
    True
    """
    if not hits:
        return True, 0.0, "không có đoạn nào được tìm thấy"
    question = analyse_with_hits(query, hits)
    return _gate(analyse_hits(question, hits, hit_depth(question)))


def _gate(ctx: Context) -> tuple[bool, float, str]:
    if not ctx.terms:
        return False, 1.0, "câu hỏi không có từ nội dung để đối chiếu"
    best = max((s.coverage for s in ctx.scored), default=0.0)
    if ctx.question.kind.entity and any(mentions(ctx, s.sentence) for s in ctx.scored):
        best = max(best, 1.0)
    if best >= MIN_COVERAGE:
        return False, best, f"độ phủ từ khóa {best:.0%}"
    top = ctx.scored[0] if ctx.scored else None
    have = sum(term_cover(t, top.sentence, ctx.folded)[0] >= 1 for t in ctx.terms) if top else 0
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
    ctx = analyse_hits(question, hits, hit_depth(question), docs)
    abstain, coverage, why = _gate(ctx)
    if abstain:
        return Answer(query, None, None, round(1.0 - coverage, 3), (), why)
    outside = unmet(ctx)
    if outside is not None:
        return Answer(query, None, None, 0.9, tuple(hits[:MAX_CITATIONS]), outside)
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
    missing = lacking(ctx)
    why = f"không câu nào trong các đoạn đầu chứa {wanted} cho câu hỏi"
    if missing:
        why += f" (câu có số liệu gần nhất không nói về {missing})"
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
