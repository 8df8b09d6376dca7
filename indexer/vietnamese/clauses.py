"""The clause structure of a report sentence: which words each figure belongs to.

"Tai nạn giao thông: Xảy ra 80 vụ, làm chết 37 người, bị thương 55 người (so với cùng kỳ, tăng
18 vụ, …, giảm 21 người chết)" is a header ("Tai nạn giao thông") over items, each holding its
own figure, and a parenthetical of changes. A figure answers a question only with the words of
its own item, the headers and topic items above it, and its sentence and passage around it —
never with the words of a parallel item that holds its own figure ("bị thương 55 người" is not
the number killed), and a change ("giảm 21 người chết") never answers a question about a level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .numbers import NumberSpan, find_numbers
from .text import SYLLABLE, fold, folded_key, syllable_key, syllable_spans

# "(PCI)", "(SIPAS)", "(tăng 3)": a short parenthesis is part of its item, not a group.
_SHORT_PAREN = re.compile(r"\([^(),;]{0,14}\)")
_CHANGE_WORDS = {"tang", "giam", "vuot"}  # folded: what a figure right after them measures
_COMPARE = re.compile(r"\bso\s+(?:voi\s+)?(?:cung\s+ky|ky\s+truoc|nam\s+truoc|cuoi\s+nam|"
                      r"dau\s+nam|nam\s+\d{4}|thang\s+truoc|quy\s+truoc)")  # fmt: skip
# "đạt 103,08% so chỉ tiêu", "đạt 51,09% dự toán", "vượt 21,61% kế hoạch": a share of a plan
_PLAN_COMPARED = re.compile(r"^\s*so\s+(?:voi\s+)?(?:ke\s+hoach|du\s+toan|chi\s+tieu|muc\s+tieu|"
                            r"nghi\s+quyet|chuong\s+trinh)")  # fmt: skip
_PLAN_AFTER = re.compile(r"^\s*(?:ke\s+hoach|du\s+toan|chi\s+tieu|muc\s+tieu)")
_SHARE_VERB = re.compile(r"(?:dat|vuot|bang|hoan\s+thanh)\s*$")
_TARGET_BEFORE = re.compile(r"(?:chi\s+tieu|muc\s+tieu|ke\s+hoach|du\s+toan|phan\s+dau)\b[^,;]*$")
# Numbers that say when or which, not how many: "6 tháng", "quý 2", "lần thứ 15", "khóa 10",
# "kỳ họp thứ 19", "chỉ tiêu số 02"
_PERIOD_WORDS = re.compile(r"\b\d{1,2}\s+(?:thang|nam|quy)\b|\bquy\s+\d\b|"
                           r"\b(?:lan|ky\s+hop|ky|phien|khoa)\s+(?:thu\s+)?\d+|\bso\s+\d+\b|"
                           r"^\s*\(?\d{1,2}[.)]|\(\d{1,2}\)")  # list labels: "(2)", "3."
_LEVEL_AFTER_CHANGE = re.compile(r"(?:con|xuong|len)\s*$")  # "giảm còn 5%": a level
_NOT_NOUN = {"so", "voi", "dat", "la", "tang", "giam", "chiem", "tuong", "va", "tren", "trong",
             "cua", "theo", "bang", "vuot", "nam", "thang", "ngay", "cac", "nhung", "moi", "tai",
             "o", "cho", "duoc", "da", "se"}  # fmt: skip
_TREND = re.compile(r"^(?:tuong\s+duong|bang)\s*$")  # "tăng 18 vụ, tương đương 29%"


@dataclass(frozen=True)
class Item:
    """A stretch of a sentence between commas, semicolons, colons and brackets.

    segment: items of one segment (between ";", ":" and the sentence ends) share a verb.
    group: items inside one parenthesis share it; 0 outside any.
    header: the item ends with ":" and so governs the rest of the sentence.
    """

    start: int
    end: int
    segment: int
    group: int
    header: bool
    change_group: bool  # inside "(so với cùng kỳ, …)" or after "; so với cùng kỳ …"


@dataclass(frozen=True)
class Figure:
    """A number of a sentence with its item and what it measures.

    role: "level" (a quantity), "change" (an increase/decrease or its equivalent) or "plan" (a
    share of a plan, estimate or target, or the target itself).
    noun: the words right after the number in its item ("huy chương vàng", "đảng viên").
    """

    span: NumberSpan
    item: int
    role: str
    noun: tuple[str, ...]


@dataclass(frozen=True)
class Structure:
    """A sentence cut into items, its syllables (start, end, key, folded) and figures."""

    text: str
    items: tuple[Item, ...]
    syls: tuple[tuple[int, int, str, str], ...]
    syl_item: tuple[int, ...]
    figures: tuple[Figure, ...]

    def item_of(self, offset: int) -> int:
        return next((i for i, it in enumerate(self.items) if it.start <= offset < it.end),
                    len(self.items) - 1)  # fmt: skip

    def parallel(self, a: int, b: int) -> bool:
        """True when items a and b each hold a figure of the same sort: "15 huy chương vàng" and
        "21 huy chương bạc", "làm chết 37 người" and "bị thương 55 người", "khiển trách 60" and
        "khai trừ 13". Their words belong to their own figures."""
        if self.items[a].group != self.items[b].group:
            return False  # "95 đảng viên (khiển trách 50, …)": a total and its breakdown
        fa = [f for f in self.figures if f.item == a]
        fb = [f for f in self.figures if f.item == b]
        return any(_same_sort(x, y) for x in fa for y in fb)


def _same_sort(x: Figure, y: Figure) -> bool:
    if x.span.kind != y.span.kind and {x.span.kind, y.span.kind} != {"count", "ratio"}:
        return False
    if not x.noun and not y.noun:
        return True
    return bool(x.noun and y.noun and x.noun[0] == y.noun[0])


def _cuts(text: str) -> list[tuple[int, str]]:
    """Where items end: (offset, mark) for , ; : ( ) and "trong đó"; commas inside numbers and
    short parentheses do not cut."""
    shielded = _SHORT_PAREN.sub(lambda m: "_" * len(m.group(0)), text)
    cuts = []
    for m in re.finditer(r"[,;:()]|(?<!\w)[Tt]rong đó(?!\w)", shielded):
        mark = m.group(0)
        if mark == "," and 0 < m.start() < len(text) - 1 and text[m.start() - 1].isdigit() \
                and text[m.start() + 1].isdigit():  # fmt: skip
            continue
        if mark == ":" and 0 < m.start() < len(text) - 1 and text[m.start() - 1].isdigit() \
                and text[m.start() + 1].isdigit():  # fmt: skip
            continue  # "10:30"
        cuts.append((m.start(), mark if len(mark) == 1 else "trong đó"))
    return cuts


def _items(text: str) -> list[Item]:
    items: list[Item] = []
    segment, group, depth, groups, start = 0, 0, 0, 0, 0
    runs: dict[object, bool] = {}  # a parenthesis, or a segment outside any: opened by "so với"?
    for offset, mark in [*_cuts(text), (len(text), "end")]:
        piece = text[start:offset]
        if piece.strip():
            run = group or ("segment", segment)
            change_group = runs.setdefault(run, _opens_comparison(piece))
            lead, trail = len(piece) - len(piece.lstrip()), len(piece.rstrip())
            items.append(Item(start + lead, start + trail, segment, group, mark == ":",
                              change_group))  # fmt: skip
        if mark in (";", ":", "trong đó"):
            segment += 1
        elif mark == "(":
            depth, groups = depth + 1, groups + 1
            group = groups
        elif mark == ")" and depth:
            depth -= 1
            group = 0 if depth == 0 else group
            segment += 1  # the words after a parenthesis start afresh
        start = offset + (len(mark) if mark not in ("end", "trong đó") else 0)
    return items


def _opens_comparison(piece: str) -> bool:
    """An item that starts a run of changes: "so với cùng kỳ", "so cùng kỳ năm trước"."""
    return _COMPARE.match(fold(piece.strip())) is not None


@lru_cache(maxsize=2048)  # the sentences of the passages that come back, answer after answer
def structure(text: str) -> Structure:
    """Items, syllables and figures of one sentence.

    >>> s = structure("Tai nạn giao thông: Xảy ra 80 vụ, làm chết 37 người, bị thương 55 người "
    ...               "(so với cùng kỳ, giảm 21 người chết).")
    >>> [(f.span.text, f.role) for f in s.figures]
    [('80', 'level'), ('37', 'level'), ('55', 'level'), ('21', 'change')]
    >>> s.parallel(2, 3), s.parallel(1, 2)
    (True, False)
    """
    items = _items(text)
    if not items:
        items = [Item(0, len(text), 0, 0, False, False)]
    syls = tuple((a, b, syllable_key(text[a:b].lower()), folded_key(text[a:b]))
                 for a, b in syllable_spans(text))  # fmt: skip
    struct = Structure(text, tuple(items), syls, (), ())
    syl_item = tuple(struct.item_of(s[0]) for s in syls)
    figures: list[Figure] = []
    periods = [(m.start(), m.end()) for m in _PERIOD_WORDS.finditer(fold(text))]
    for span in find_numbers(text):
        if any(a <= span.start < b for a, b in periods):
            continue  # "6 tháng đầu năm", "quý II", "lần thứ 15": when, not how many
        figure = _figure(struct, span)
        if figure.role == "same" and figures:  # "tăng 18 vụ, tương đương 29%"
            figure = Figure(figure.span, figure.item, figures[-1].role, figure.noun)
        elif figure.role == "same":
            figure = Figure(figure.span, figure.item, "level", figure.noun)
        figures.append(figure)
    return Structure(text, tuple(items), syls, syl_item, tuple(figures))


def _figure(struct: Structure, span: NumberSpan) -> Figure:
    index = struct.item_of(span.start)
    item = struct.items[index]
    before = fold(struct.text[item.start : span.start])
    after = fold(struct.text[span.end : item.end])
    noun: list[str] = []
    words = [folded_key(w) for w in SYLLABLE.findall(after.split("/")[0])[:6]]
    for i, word in enumerate(words[:5]):
        # a number inside the noun ("sản phẩm 4 sao") belongs to it; one at its end does not
        if word in _NOT_NOUN or (word[0].isdigit() and (i + 1 >= len(words) or not noun)):
            break
        noun.append(word)
    return Figure(span, index, _role(before, after, item, span.kind == "percent"), tuple(noun))


def _role(before: str, after: str, item: Item, percent: bool) -> str:
    """Whether the figure is a level, a change or a share of a plan, from the words around it
    within its item: "tăng 5.452 người" (change), "đạt 51,09% dự toán" (plan), "giảm còn 5%"
    (level)."""
    words = before.split()
    if _PLAN_COMPARED.match(after) or _TARGET_BEFORE.search(before) or (
        _PLAN_AFTER.match(after) and (percent or _SHARE_VERB.search(before))
    ):
        return "plan"
    if item.change_group:
        return "change"
    last = words[-2:] if words else []
    if last and last[-1] in _CHANGE_WORDS or (len(last) == 2 and last[0] in _CHANGE_WORDS
                                             and last[1] in ("them", "them duoc")):
        return "change"
    if _LEVEL_AFTER_CHANGE.search(before):
        return "level"
    if _COMPARE.match(after.strip()) and words and words[-1] not in ("la", "dat", "co"):
        return "change"  # "18 vụ so với cùng kỳ"
    if _TREND.match(" ".join(words[-2:])):
        return "same"  # "tương đương 29%": what the figure before it was
    return "level"
