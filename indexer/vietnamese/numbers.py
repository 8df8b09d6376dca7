"""Vietnamese number formats: "1.150" is a thousand, "56,87" a decimal, "654/1.150" a ratio."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.vietnamese.stopwords import NOT_COUNTED
from indexer.vietnamese.text import nfc

_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")

# Alternatives in priority order: dates before ratios, so "22/10/2018" is never a ratio.
_SCAN = re.compile(
    rf"(?P<dlong>(?:ngày|Ngày)\s+\d{{1,2}}\s+tháng\s+\d{{1,2}}\s+năm\s+\d{{4}})"
    rf"|(?P<dmonth>(?:tháng|Tháng)\s+\d{{1,2}}(?:\s+năm\s+|/)\d{{4}})"
    rf"|(?P<dslash>(?<![\w/.,])\d{{1,2}}/\d{{1,2}}/\d{{4}}(?![\w/]))"
    rf"|(?<=ngày )(?P<dshort>\d{{1,2}}/\d{{1,2}})(?![\w/])"
    rf"|(?<=[Qq]uý )[IV]{{1,3}}/(?P<quarter>\d{{4}})(?!\w)"
    rf"|(?P<rankword>(?:thứ|hạng)\s+)(?P<rank>\d{{1,3}}(?:/\d{{1,3}})?)(?![\w/])"
    rf"|(?<![\w/.,])(?<![^\W\d_]-)(?P<num>{_NUM})(?:/(?P<den>{_NUM}))?(?![\w]|[-/][^\W\d_]|[.,/]\d)"
)
_PERCENT = re.compile(r"\s?(?:%|phần trăm)")
_UNITS = sorted(
    """tỷ đồng|tỉ đồng|triệu đồng|nghìn đồng|ngàn đồng|triệu USD|tỷ USD|nghìn USD|USD|đồng|
    tổ chức đảng|tổ chức cơ sở đảng|đảng viên|doanh nghiệp|lượt khách|lượt người|sản phẩm|
    lao động|người|vụ|ca|lượt|tấn|con|căn|xã|phường|hộ|ha|km|m3|đơn vị|đơn|ý kiến|học sinh|trường|
    điểm|cuộc|dự án|công trình|chi bộ|cơ sở|tỷ|tỉ|triệu|nghìn|ngàn|thư|tin|bài|lớp|
    hội viên|đoàn viên|thôn|ấp|khu vực|cán bộ|tổ chức|trường hợp|hồ sơ|ngày|tháng|năm""".split("|"),
    key=len,
    reverse=True,
)
KNOWN_UNITS = frozenset(u.strip() for u in _UNITS)  # units and counted nouns reports use
_UNIT = re.compile(r"\s(" + "|".join(re.escape(u.strip()) for u in _UNITS) + r")(?!\w)")
_MONEY_HEADS = ("đồng", "USD", "tỷ đồng", "tỉ đồng", "triệu đồng", "nghìn đồng", "ngàn đồng")
_WORD = re.compile(r"\s([^\W\d_]{1,12})")
_STOP = NOT_COUNTED


@dataclass(frozen=True)
class NumberSpan:
    """A number found in text: verbatim span, value, unit words after it and what it counts.

    kind: "percent" | "ratio" | "money" | "count" | "rank" | "date" | "year".
    value: the number (a ratio's or rank's numerator); None for dates.
    denominator: the part after "/" in a ratio or rank ("654/1.150" → 1150.0), else None.
    """

    start: int
    end: int
    text: str
    value: float | None
    unit: str | None
    kind: str
    denominator: float | None = None


def parse_number(s: str) -> float | None:
    """Value of a number written the Vietnamese way, or None.

    >>> parse_number("111.919,326"), parse_number("1.150"), parse_number("56,87")
    (111919.326, 1150.0, 56.87)
    """
    s = s.strip().rstrip("%").strip()
    sign = -1.0 if s[:1] in "-−" and s[1:2].isdigit() else 1.0
    s = s.lstrip("-−") if sign < 0 else s
    if _THOUSANDS.fullmatch(s):
        return sign * float(s.replace(".", "").replace(",", "."))
    if _DECIMAL.fullmatch(s):
        return sign * float(s.replace(",", "."))
    return None


def _unit_after(text: str, pos: int) -> str | None:
    """Unit words right after a number: a known unit, else up to 3 plain syllables."""
    m = _UNIT.match(text, pos)
    if m:
        return m.group(1)
    words: list[str] = []
    while len(words) < 3:
        w = _WORD.match(text, pos)
        if not w or w.group(1) in _STOP or not w.group(1).islower():
            break
        words.append(w.group(1))
        pos = w.end()
    return " ".join(words) or None


def _plain(text: str, m: re.Match[str]) -> NumberSpan:
    """A bare number or a ratio: percent, money, year, ratio or count by what surrounds it."""
    start, end = m.start("num"), m.end()
    value = parse_number(m.group("num"))
    den = parse_number(m.group("den")) if m.group("den") else None
    pct = _PERCENT.match(text, end)
    if den is None and pct:
        return NumberSpan(start, pct.end(), text[start : pct.end()], value, "%", "percent")
    unit = _unit_after(text, end)
    if den is not None:
        kind = "ratio"
    elif unit and (unit in _MONEY_HEADS or unit in ("tỷ", "tỉ")):
        kind = "money"
    elif _is_year(text, start, m.group("num"), unit):
        kind, unit = "year", None
    else:
        kind = "count"
    return NumberSpan(start, end, text[start:end], value, unit, kind, den)


def _is_year(text: str, start: int, token: str, unit: str | None) -> bool:
    """A four-digit number after "năm", "nhiệm kỳ", "giai đoạn" or in a range "2021 - 2025"."""
    if not (len(token) == 4 and token.isdigit() and 1900 <= int(token) <= 2100):
        return False
    before = text[max(0, start - 12) : start].lower()
    after = text[start + 4 : start + 11]
    return (
        re.search(r"(năm|kỳ|đoạn|khóa|khoá|-|–|đến)\s*$", before) is not None
        or re.match(r"\s*[-–]\s*\d{4}", after) is not None
        or unit is None
    )


def find_numbers(text: str) -> list[NumberSpan]:
    """Numbers in `text` with their kind and unit, in order.

    >>> [(n.text, n.kind) for n in find_numbers("kết nạp 654/1.150 đảng viên, đạt 56,87%")]
    [('654/1.150', 'ratio'), ('56,87%', 'percent')]
    """
    text = nfc(text)
    spans: list[NumberSpan] = []
    for m in _SCAN.finditer(text):
        group = m.lastgroup
        if group == "rank":
            num, _, den = m.group("rank").partition("/")
            spans.append(
                NumberSpan(
                    m.start("rank"),
                    m.end(),
                    m.group("rank"),
                    parse_number(num),
                    None,
                    "rank",
                    parse_number(den) if den else None,
                )
            )
        elif group == "quarter":
            s, e = m.start("quarter"), m.end("quarter")
            spans.append(NumberSpan(s, e, text[s:e], float(text[s:e]), None, "year"))
        elif group in ("num", "den"):
            spans.append(_plain(text, m))
        else:
            spans.append(NumberSpan(m.start(), m.end(), m.group(0), None, None, "date"))
    return spans
