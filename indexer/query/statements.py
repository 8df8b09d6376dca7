"""Answers that are not one figure: a breakdown after its header ("… với các hình thức: khiển
trách 60, …") and the clause stating a noun phrase typed as a search."""

from __future__ import annotations

from ..vietnamese.clauses import Structure
from .evidence import MIN_COVERAGE, Context, Scored, find_term
from .restrict import misfit


def pick_list(ctx: Context) -> tuple[Scored, int, int, float, str] | None:
    """A breakdown asked for ("các hình thức kỷ luật"): the items after a header that names it
    ("… với các hình thức: Khiển trách 60, cảnh cáo 19, …"), or in brackets after the total."""
    for s in ctx.scored:
        if s.coverage < MIN_COVERAGE or misfit(ctx, s.sentence) is not None:
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
        if s.coverage < 0.99 or misfit(ctx, s.sentence) is not None:
            continue
        struct = s.sentence.struct
        for index, item in enumerate(struct.items):
            syls = [i for i, k in enumerate(struct.syl_item) if k == index]
            held = sum(ctx.weights[t] for t in ctx.terms
                       if any(a in syls and b in syls for a, b in
                              find_term(t.split(), struct.syls, ctx.folded)))  # fmt: skip
            if held >= 0.99 * total and len(item_text := struct.text[item.start : item.end]) > 1:
                sent = s.sentence
                start = sent.start + item.start
                return s, start, start + len(item_text.rstrip(" .")), 0.6, "statement"
    return None
