"""Reporting periods as data: "6 tháng đầu năm 2024", "quý III/2023", "năm 2021", "nhiệm kỳ
2020 - 2025", "tháng 6/2024", read the same way from a document's title and from a question.

A period has a kind, first and last day, and a normalised label ("6 tháng đầu năm 2024"); the
text as written is kept beside it. Periods compare by their days, never by their wording.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

from ..model import Period
from .text import fold

KINDS = ("6 tháng đầu năm", "6 tháng cuối năm", "9 tháng", "quý", "năm", "nhiệm kỳ", "giai đoạn",
         "tháng")  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"((?:19|20)\d\d)"
_SEP = r"\s*(?:/|năm\s+|nam\s+)?\s*"
# Patterns over the folded text (no diacritics, lower case), most specific first. Each names
# the kind it reads; the groups are (what, year) or (first year, last year).
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("half", rf"\b(6|sau)\s+thang\s+(dau|cuoi)\s+nam\s+{_YEAR}\b"),
        ("half", rf"\b(6|sau)\s+thang\s+()nam\s+{_YEAR}\b"),
        ("nine", rf"\b(9|chin)\s+thang\s+(?:dau\s+)?nam\s+{_YEAR}\b"),
        ("quarter", rf"\bquy\s+(i{{1,3}}|iv|[1-4]){_SEP}{_YEAR}\b"),
        ("term", rf"\b(nhiem ky|giai doan|\d+ nam)\s+{_YEAR}\s*[-–]\s*{_YEAR}\b"),
        ("month", rf"\bthang\s+(1[0-2]|0?[1-9]){_SEP}{_YEAR}\b"),
        ("year", rf"\b(?:cuoi\s+)?nam\s+{_YEAR}\b"),
    )
)
_YEARLESS = re.compile(r"\b(6|sau)\s+thang\s+(dau|cuoi)\s+nam\b(?!\s+(?:19|20)\d\d)")


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _build(kind: str, groups: tuple[str, ...], written: str) -> Period | None:
    if kind == "half":
        first = groups[1] != "cuoi"
        year = int(groups[2])
        name = f"6 tháng {'đầu' if first else 'cuối'} năm"
        months = (1, 6) if first else (7, 12)
        return Period(name, f"{name} {year}", date(year, months[0], 1),
                      _last_day(year, months[1]), written)  # fmt: skip
    if kind == "nine":
        year = int(groups[1])
        return Period("9 tháng", f"9 tháng năm {year}", date(year, 1, 1), _last_day(year, 9),
                      written)  # fmt: skip
    if kind == "quarter":
        q = _ROMAN.get(groups[0]) or int(groups[0])
        year = int(groups[1])
        roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[q]
        return Period("quý", f"quý {roman}/{year}", date(year, 3 * q - 2, 1),
                      _last_day(year, 3 * q), written)  # fmt: skip
    if kind == "term":
        first, last = int(groups[1]), int(groups[2])
        if last <= first:
            return None
        name = {"nhiem ky": "nhiệm kỳ", "giai doan": "giai đoạn"}.get(groups[0])
        name = name or written.split()[0] + " năm"  # "5 năm 2016 - 2020"
        kind = "nhiệm kỳ" if name == "nhiệm kỳ" else "giai đoạn"
        return Period(kind, f"{name} {first} - {last}", date(first, 1, 1), date(last, 12, 31),
                      written)  # fmt: skip
    if kind == "month":
        month, year = int(groups[0]), int(groups[1])
        return Period("tháng", f"tháng {month}/{year}", date(year, month, 1),
                      _last_day(year, month), written)  # fmt: skip
    year = int(groups[0])
    return Period("năm", f"năm {year}", date(year, 1, 1), date(year, 12, 31), written)


def find_periods(text: str) -> list[Period]:
    """Every period named in `text`, in order, each read once (the most specific reading).

    >>> [p.label for p in find_periods("Báo cáo 6 tháng đầu năm 2024 và quý III/2023")]
    ['6 tháng đầu năm 2024', 'quý III/2023']
    >>> find_periods("so dang vien bi ky luat nam 2022")[0].start.isoformat()
    '2022-01-01'
    """
    return [period for _, _, period in period_spans(text)]


def period_spans(text: str) -> list[tuple[int, int, Period]]:
    """(start, end, period) of every period named in `text`, in order."""
    folded = fold(text)
    if len(folded) != len(text):  # folding changed offsets: read the folded text only
        text = folded
    taken: list[tuple[int, int, Period]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(a < m.end() and m.start() < b for a, b, _ in taken):
                continue
            period = _build(kind, m.groups(), " ".join(text[m.start() : m.end()].split()))
            if period is not None:
                taken.append((m.start(), m.end(), period))
    for m in _YEARLESS.finditer(folded):
        if not any(a < m.end() and m.start() < b for a, b, _ in taken):
            first = m.group(2) == "dau"
            label = f"6 tháng {'đầu' if first else 'cuối'} năm"
            taken.append((m.start(), m.end(), Period(label, label, None, None, m.group(0))))
    return sorted(taken, key=lambda t: t[0])


@lru_cache(maxsize=8192)  # documents' periods and titles, read per candidate of each search
def parse_period(text: str | None) -> Period | None:
    """The first period named in `text`: a document's reporting period from its title.

    >>> parse_period("Kết quả thực hiện nhiệm vụ công tác 6 tháng đầu năm 2024").label
    '6 tháng đầu năm 2024'
    >>> parse_period("Nghị quyết Đại hội nhiệm kỳ 2020 - 2025").kind
    'nhiệm kỳ'
    >>> parse_period("KẾT QUẢ 6 THÁNG ĐẦU NĂM VÀ PHƯƠNG HƯỚNG 6 THÁNG CUỐI NĂM 2024").label
    '6 tháng đầu năm 2024'
    """
    found = find_periods(text or "")
    if not found:
        return None
    first = found[0]
    later = next((p for p in found[1:] if p.year), None)
    if first.start is None and later is not None:  # "6 tháng đầu năm và … cuối năm 2024"
        return with_year(first, later.year, first.written)
    return first


def with_year(period: Period, year: int, written: str = "") -> Period:
    """A yearless period ("6 tháng đầu năm") placed in `year`.

    >>> with_year(find_periods("6 tháng đầu năm")[0], 2022).label
    '6 tháng đầu năm 2022'
    """
    first = period.kind == "6 tháng đầu năm"
    return _build("half", ("6", "dau" if first else "cuoi", str(year)), written or period.written)


def years_in(text: str) -> set[int]:
    """Years a text speaks of as years ("năm 2023", "2021 - 2025"), not inside dates or numbers.

    >>> sorted(years_in("Năm 2023: PCI xếp thứ 9; Chỉ thị 36-CT/TW ngày 16/8/2019"))
    [2023]
    """
    found = set()
    for m in re.finditer(r"(?<![\d/.,\-])((?:19|20)\d\d)(?![\d/])", text):
        before = text[max(0, m.start() - 1) : m.start()]
        if before in ("/", "-"):
            continue
        found.add(int(m.group(1)))
    return found


def range_bound(text: str, last: bool = False) -> date | None:
    """A day bounding a range of periods, from "2024-06-30" or a year ("2024": its first day,
    or its last with `last`); None when the text is neither.

    >>> range_bound("2023"), range_bound("2023", last=True), range_bound("2024-06-30")
    (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31), datetime.date(2024, 6, 30))
    """
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 12, 31) if last else date(int(text), 1, 1)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def overlaps(period: Period | None, first: date | None, last: date | None) -> bool:
    """Whether a dated period shares a day with [first, last] (an open end: any day)."""
    if period is None or period.start is None or period.end is None:
        return False
    return (first is None or period.end >= first) and (last is None or period.start <= last)
