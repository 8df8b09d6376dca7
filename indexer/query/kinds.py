"""What kind of answer a question asks for (count, percent, rank, money, date, entity, change,
topic) and its content words.

Cues are compared syllable by syllable in match form, and in folded form for syllables typed
without diacritics, so "xếp thứ mấy", "xep thu may" and "xếp thu may" all read as a rank question.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..vietnamese.segment import words as word_tokenize
from ..vietnamese.text import SYLLABLE, fold, is_unaccented, match_form, nfc
from .cues import find_cue, is_function, same_syllable, syllables
from .place_asked import query_entity

KINDS = ("count", "percent", "rank", "money", "date", "entity", "change", "topic")


# Explicit interrogatives: they decide the kind whatever else the query says.
STRONG_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("change", ("tăng … bao nhiêu", "giảm … bao nhiêu", "tăng … mấy", "giảm … mấy")),
    ("rank", ("xếp thứ", "đứng thứ", "xếp hạng", "thứ mấy", "hạng mấy", "hạng bao nhiêu")),
    ("date", ("khi nào", "ngày nào", "thời gian nào", "năm nào", "tháng nào", "bao giờ",
              "lúc nào", "thời điểm nào")),
    ("entity", ("ai", "ở đâu", "tên gọi là gì", "tên là gì", "đơn vị nào", "xã nào", "phường nào",
                "tỉnh nào", "huyện nào", "cơ quan nào", "địa phương nào", "tổ chức nào",
                "sắp xếp vào … nào", "sáp nhập vào … nào", "nơi nào")),
    ("percent", ("tỷ lệ", "phần trăm", "tốc độ tăng trưởng", "tăng trưởng")),
    ("money", ("bao nhiêu tiền", "số tiền", "bao nhiêu tỷ", "tỷ đồng", "triệu đồng")),
    ("count", ("bao nhiêu", "mấy")),
)


# A question about a subject as a whole, unless an interrogative above asked for a figure.
TOPIC_CUES = ("kết quả", "khó khăn", "tình hình", "giải pháp", "nhiệm vụ", "hạn chế", "nguyên nhân",
          "phương hướng", "công tác", "chủ trương", "quan điểm", "mục tiêu", "như thế nào")


WEAK_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("money", ("thu ngân sách", "vốn", "kinh phí", "dư nợ", "thu nhập", "chi ngân sách")),
    ("count", ("số", "số lượng", "tổng số", "tổng", "sản lượng", "số lượt")),
)


COMPOUND_SO = {
    (a, b)
    for a in ("chỉ", "chi", "dân", "dan", "hệ", "he", "đa", "da", "thiểu", "thieu", "tần", "tan",
              "cấp", "cap", "kỹ", "ky", "phần", "phan")
    for b in ("số", "so")
}  # fmt: skip


# Syllable pairs that hold "tăng"/"giảm" without meaning a change ("tăng trưởng", "giảm nghèo").
_NOT_CHANGE = {("tăng", "trưởng"), ("tăng", "cường"), ("giảm", "nghèo"), ("giảm", "thiểu")}
PERIOD_KEYS = {match_form(w) for w in "tháng năm đầu cuối quý kỳ cùng nay qua hiện".split()} | {
    "thang", "nam", "dau", "cuoi", "quy", "ky", "cung"}


@dataclass(frozen=True)
class QuestionKind:
    """The kind of figure or name asked for, with what the question says about it.

    focus: the words right after "bao nhiêu"/"mấy" ("bao nhiêu tổ chức đảng" → "tổ chức đảng").
    direction: "tăng" or "giảm" for change questions.
    entity: (type word, name) the question is about, e.g. ("xã", "Khánh Lợi").
    """

    kind: str
    cue: str | None = None
    focus: str | None = None
    direction: str | None = None
    entity: tuple[str, str] | None = None


def mask_non_change(syls: list[str]) -> list[str]:
    out = list(syls)
    for i in range(len(out) - 1):
        if any(same_syllable(out[i], a) and same_syllable(out[i + 1], b) for a, b in _NOT_CHANGE):
            out[i] = "_"
    return out


@lru_cache(maxsize=4096)  # a question is read by its kind more than once per answer
def classify(query: str) -> QuestionKind:
    """Kind of answer a question wants.

    >>> classify("chỉ số PCI xếp thứ mấy").kind
    'rank'
    >>> classify("so vu tai nan giao thong").kind
    'count'
    """
    syls = syllables(query)
    entity = query_entity(query)
    found = first_cue(mask_non_change(syls), STRONG_CUES[:1])
    if found is None and "%" in query:  # "đạt bao nhiêu % dự toán"
        found = ("percent", "%", len(syls))
    found = found or first_cue(syls, STRONG_CUES[1:])
    if found is None and not any(find_cue(syls, cue) is not None for cue in TOPIC_CUES):
        found = first_cue(syls, WEAK_CUES)
        if found and found[2] > 0 and (syls[found[2] - 1], syls[found[2]]) in COMPOUND_SO:
            found = None  # "chỉ số", "dân số": a noun, not "the number of"
    if found is None:
        return QuestionKind("topic", entity=entity)
    kind, cue, at = found
    direction = syls[at] if kind == "change" else None
    focus = focus_after(syls, cue, at, is_unaccented(query))
    return QuestionKind(kind, cue, focus, direction and fold(direction), entity)


def first_cue(syls: list[str], table) -> tuple[str, str, int] | None:
    for kind, cues in table:
        for cue in cues:
            at = find_cue(syls, cue)
            if at is not None:
                return kind, cue, at
    return None


def focus_after(syls: list[str], cue: str, at: int, typed_plain: bool) -> str | None:
    if cue.split()[-1] not in ("nhiêu", "mấy", "số", "lượng", "tổng", "lệ"):
        return None
    after = syls[at + len(cue.split()) :]
    words = []
    for syl in after[:4]:
        if is_function([syl], typed_plain) or fold(syl) in ("tang", "giam"):
            break
        words.append(syl)
    return " ".join(words) if words else None


def content_terms(query: str) -> list[str]:
    """The query's content words in match form, question and function words dropped.

    >>> content_terms("có bao nhiêu đảng viên bị khai trừ") == [match_form("đảng viên"),
    ...                                                       match_form("khai trừ")]
    True
    """
    return [term for _, term in content_words(query)]


def content_words(query: str) -> list[tuple[str, str]]:
    """(word as typed, match-form term) for each content word, for display beside matching."""
    out: list[tuple[str, str]] = []
    typed_plain = is_unaccented(query)
    for word in word_tokenize(nfc(query)):
        typed = SYLLABLE.findall(word)
        syls = [s.lower() for s in typed]
        while len(syls) > 1 and is_function(syls[-1:], typed_plain) and fold(syls[-1]) != "so":
            syls, typed = syls[:-1], typed[:-1]  # the segmenter glued a question word on
        while len(syls) > 1 and is_function(syls[:1], typed_plain):
            syls, typed = syls[1:], typed[1:]
        if not syls or is_function(syls, typed_plain):
            continue
        word = " ".join(typed) if len(typed) < len(syllables(word)) else word
        term = match_form(" ".join(syls))
        if term not in (t for _, t in out):
            out.append((word, term))
    return out


def is_period(term: str) -> bool:
    """True for a term that only says when ("6", "tháng", "đầu năm", "2023"): reports state the
    period in headings, so a sentence lacking it may still hold the answer."""
    return all(p.isdigit() or p in PERIOD_KEYS for p in term.split())
