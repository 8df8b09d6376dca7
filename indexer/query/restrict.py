"""Restrictions a question sets on its answer: the period, place and names it gives must be
those of the answer's document, or be stated by its passage; otherwise no answer, saying what
the documents do cover."""

from __future__ import annotations

import re

from ..model import Hit
from ..vietnamese.periods import find_periods
from ..vietnamese.places import mentions_place
from ..vietnamese.text import fold, syllable_key, syllable_spans
from .evidence import MIN_COVERAGE, Context, Sentence


def unmet(ctx: Context) -> str | None:
    """Why no covered sentence may answer: the period, place or names the question gives are
    not those of any covered sentence's document or passage. None when some sentence fits."""
    q = ctx.question
    if not (q.periods or q.places or q.named):
        return None
    covered = [s for s in ctx.scored if s.coverage >= MIN_COVERAGE]
    problems = [misfit(ctx, s.sentence) for s in covered]
    if not covered or any(p is None for p in problems):
        return None
    what = problems[0]
    labels = list(dict.fromkeys(_doc_label(ctx, s.sentence.hit) for s in covered))[:3]
    where = "; ".join(label for label in labels if label)
    return f"không văn kiện nào trả lời câu hỏi cho {what}" + (f"; chỉ có: {where}" if where
                                                              else "")  # fmt: skip


def misfit(ctx: Context, sent: Sentence) -> str | None:
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
