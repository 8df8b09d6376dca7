"""Answers from scanned pages: the pages read by OCR, as the catalogue records them, and the
caveat an answer taken from one carries ("bản chụp, nhận dạng ký tự"; a figure OCR was unsure
of lowers the answer's confidence below "chắc chắn"). Figures are never corrected."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ..model import Answer, DocFacts

SCAN_NOTE = "bản chụp, nhận dạng ký tự"
UNSURE_CONFIDENCE = 0.6  # below CERTAIN (answer.py): the page then says "cần kiểm tra"


def scan_caveat(reply: Answer, docs: Mapping[str, DocFacts] | None) -> Answer:
    """The answer, saying so when its passage was read by OCR; confidence capped when OCR read
    the figure itself with low confidence.

    "kỷ luật 100 đảng viên" from page 9 of a scan → why ends "…; nguồn là bản chụp, nhận dạng
    ký tự (trang 9)"; when OCR doubted "100": "…; OCR chưa chắc chữ số '100': đối chiếu ảnh
    trang" and the confidence drops to 0.6.
    """
    if reply.answer is None or not reply.citations or not docs:
        return reply
    passage = reply.citations[0].passage
    facts = docs.get(passage.doc_id)
    pages = {p.page: p for p in facts.scanned} if facts else {}
    if passage.page not in pages:
        return reply
    why = f"{reply.why}; nguồn là {SCAN_NOTE} (trang {passage.page})"
    # a paragraph may run on to the next page: its figures may be read there
    near = [pages[n] for n in (passage.page, passage.page + 1) if n in pages]
    span = reply.span or (0, len(passage.text))
    doubted = [w for w in dict.fromkeys(u for p in near for u in p.unsure)
               if _within(w, passage.text, span)]  # fmt: skip
    if not doubted:
        return replace(reply, why=why)
    shown = ", ".join(f"'{w}'" for w in doubted[:3])
    return replace(reply, why=f"{why}; OCR chưa chắc chữ số {shown}: đối chiếu ảnh trang",
                   confidence=min(reply.confidence, UNSURE_CONFIDENCE))  # fmt: skip


def _within(word: str, text: str, span: tuple[int, int]) -> bool:
    """Whether `word` stands in `text` (as a whole token) overlapping the answer's span."""
    for m in re.finditer(rf"(?<![\w.,]){re.escape(word)}(?![\w]|[.,]\d)", text):
        if m.start() < span[1] and span[0] < m.end():
            return True
    return False
