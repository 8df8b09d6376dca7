"""One indicator across reporting periods: the same question asked of each periodic report.

"số đảng viên bị kỷ luật qua các kỳ" is answered report by report — each figure from the clause
that states it in that report, cited — and ordered by time. Changes between periods of the same
kind are computed from the quoted figures and marked as computed; a report's own "tăng … so với
cùng kỳ" is checked against the report of that earlier period when both are indexed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from ..model import Answer, Period, SeriesCheck, SeriesPoint
from ..vietnamese.clauses import structure
from ..vietnamese.text import fold
from .cues import find_cue, syllables
from .question import Question

# "qua các kỳ", "so sánh … giữa các kỳ", "diễn biến", "theo từng năm": across periods
CUES = ("qua các kỳ báo cáo", "qua các kỳ", "qua các năm", "qua các thời kỳ", "giữa các kỳ",
        "giữa các năm", "theo từng kỳ", "theo từng năm", "từng kỳ", "các kỳ báo cáo",
        "diễn biến", "biến động", "so sánh", "qua từng kỳ", "các năm")  # fmt: skip
REPORT_KINDS = ("6 tháng đầu năm", "6 tháng cuối năm", "9 tháng", "quý", "năm", "tháng")
MAX_POINTS = 24


def asks_across_periods(question: Question) -> bool:
    """True for "… qua các kỳ", "so sánh … giữa các kỳ", "diễn biến …"."""
    syls = syllables(question.text)
    return any(find_cue(syls, cue) is not None for cue in CUES)


def without_cue(query: str) -> str:
    """The question of one period: the words asking across periods taken out.

    >>> without_cue("số đảng viên bị kỷ luật qua các kỳ báo cáo")
    'số đảng viên bị kỷ luật'
    """
    text = query
    for cue in sorted(CUES, key=len, reverse=True):
        text = re.sub(rf"(?i)(?<!\w){re.escape(cue)}(?!\w)", " ", text)
    return " ".join(text.split()) or query


def reporting(period: Period | None) -> bool:
    return period is not None and period.start is not None and period.kind in REPORT_KINDS


def point(period: Period, reply: Answer) -> SeriesPoint | None:
    """The series point of one report's answer: its figure parsed, or None without one."""
    if reply.answer is None or reply.kind not in ("figure", None) or not reply.citations:
        return None
    figure = _figure_of(reply)
    if figure is None:
        return None
    number = figure.span.value
    unit = "%" if figure.span.kind == "percent" else figure.span.unit
    return SeriesPoint(period, reply, number, unit)


def _figure_of(reply: Answer):
    """The figure of the sentence that the short answer quotes."""
    struct = structure(reply.sentence or "")
    for fig in struct.figures:
        if fig.span.text in reply.answer and fig.span.kind not in ("date", "year"):
            return fig
    return None


def ordered(points: list[SeriesPoint]) -> list[SeriesPoint]:
    """By time, with the change from the previous period of the same kind (computed) and each
    report's own "so với cùng kỳ" checked against the report of that period."""
    points = sorted(points, key=lambda p: (p.period.end, p.period.start))[-MAX_POINTS:]
    out: list[SeriesPoint] = []
    for p in points:
        before = [q for q in out if q.period.kind == p.period.kind and q.period.end < p.period.end]
        change = change_from = None
        if before and p.number is not None and before[-1].number is not None:
            change = round(p.number - before[-1].number, 6)
            change_from = before[-1].period.label
        out.append(replace(p, change=change, change_from=change_from,
                           check=_check(p, points)))  # fmt: skip
    return out


def _same_period_a_year_before(period: Period) -> tuple[date, date]:
    start, end = period.start, period.end
    return start.replace(year=start.year - 1), end.replace(year=end.year - 1, day=min(end.day, 28)
                                                            if end.month == 2 else end.day)


def _check(p: SeriesPoint, points: list[SeriesPoint]) -> SeriesCheck | None:
    """The report's "tăng/giảm N … so với cùng kỳ" for this figure, against the indexed report of
    that earlier period; None when either is missing or does not parse."""
    claim = _claimed_change(p)
    if claim is None or p.number is None:
        return None
    text, amount, percent = claim
    start, end = _same_period_a_year_before(p.period)
    earlier = next((q for q in points if (q.period.start, q.period.end) == (start, end)), None)
    if earlier is None or earlier.number is None or earlier.number == 0:
        return None
    if percent:
        actual = (p.number / earlier.number - 1) * 100
        agrees = abs(actual - amount) <= 0.15
        computed = f"{actual:+.2f}%".replace(".", ",")
    else:
        actual = p.number - earlier.number
        agrees = abs(actual - amount) < 1e-6
        computed = f"{actual:+g}".replace(".", ",")
    verdict = "khớp" if agrees else "không khớp"
    said = f"báo cáo {earlier.period.label} ghi {earlier.answer.answer}; chênh lệch {computed}"
    return SeriesCheck(text, earlier.period.label, agrees, f"{said}, {verdict} với «{text}»")


def _claimed_change(p: SeriesPoint) -> tuple[str, float, bool] | None:
    """("tăng 5.452 người", +5452, False) for the change the sentence states of this figure,
    compared with the same period a year before."""
    sentence = p.answer.sentence or ""
    struct = structure(sentence)
    own = _figure_of(p.answer)
    if own is None:
        return None
    for fig in struct.figures:
        if fig.role != "change" or fig.item <= own.item:
            continue
        between = fold(sentence[own.span.end : fig.span.start])
        after = fold(sentence[fig.span.end : fig.span.end + 40])
        if ";" in between or not re.search(r"cung ky", between + " " + after):
            continue
        word = re.search(r"(tang|giam)\s*(?:them\s*)?$", between)
        if word is None:
            continue
        sign = 1 if word.group(1) == "tang" else -1
        item = struct.items[fig.item]
        text = sentence[item.start : item.end]
        if fig.span.value is None:
            return None
        return text, sign * fig.span.value, fig.span.kind == "percent"
    return None


def number_text(value: float | None) -> str | None:
    """A parsed figure written back the Vietnamese way: 2509.0 → "2.509", 8.04 → "8,04"."""
    if value is None:
        return None
    whole, _, frac = f"{abs(value):,.6f}".rstrip("0").rstrip(".").partition(".")
    text = whole.replace(",", ".") + ("," + frac if frac else "")
    return ("−" if value < 0 else "") + text


