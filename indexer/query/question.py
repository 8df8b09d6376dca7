"""What a question asks for: its kind (count, percent, rank, …), its content terms, its entity name.

Cues are compared syllable by syllable in match form, and in folded form for syllables typed
without diacritics, so "xếp thứ mấy", "xep thu may" and "xếp thu may" all read as a rank question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..vietnamese.segment import words as word_tokenize
from ..vietnamese.text import fold, is_unaccented, match_form, nfc, syllable_key

KINDS = ("count", "percent", "rank", "money", "date", "entity", "change", "topic")
_SYLLABLE = re.compile(r"\w+(?:[.,/]\d+)*%?", re.UNICODE)

# Explicit interrogatives: they decide the kind whatever else the query says.
_STRONG: tuple[tuple[str, tuple[str, ...]], ...] = (
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
_TOPIC = ("kết quả", "khó khăn", "tình hình", "giải pháp", "nhiệm vụ", "hạn chế", "nguyên nhân",
          "phương hướng", "công tác", "chủ trương", "quan điểm", "mục tiêu", "như thế nào")
_WEAK: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("money", ("thu ngân sách", "vốn", "kinh phí", "dư nợ", "thu nhập", "chi ngân sách")),
    ("count", ("số", "số lượng", "tổng số", "tổng", "sản lượng", "số lượt")),
)
# Syllable pairs that hold "tăng"/"giảm" without meaning a change ("tăng trưởng", "giảm nghèo").
_NOT_CHANGE = {("tăng", "trưởng"), ("tăng", "cường"), ("giảm", "nghèo"), ("giảm", "thiểu")}
_FUNCTION = {
    "bao nhiêu", "mấy", "số", "số lượng", "tổng số", "tổng", "là", "gì", "nào", "ai", "ở", "đâu",
    "khi nào", "bao giờ", "của", "các", "những", "và", "với", "cho", "trong", "được", "đã", "có",
    "bị", "thì", "này", "đó", "về", "theo", "tại", "từ", "đến", "trên", "dưới", "vào", "ra",
    "hơn", "nhiêu", "bao", "thứ", "hạng", "kết quả", "tình hình", "như thế nào", "thế nào",
    "là gì", "hỏi", "cho biết", "hãy", "không", "hay", "hoặc", "một", "mỗi", "cả", "đạt", "khi",
}
_FUNCTION_KEYS = {match_form(w) for w in _FUNCTION}
_PERIOD_KEYS = {match_form(w) for w in "tháng năm đầu cuối quý kỳ cùng nay qua hiện".split()} | {
    "thang", "nam", "dau", "cuoi", "quy", "ky", "cung"}
# Typed without diacritics, only these are dropped: "dau" may be "đâu" but also "đầu".
_FUNCTION_FOLDED = {
    "bao nhieu", "may", "so", "la", "gi", "nao", "cua", "cac", "nhung", "va", "voi", "duoc", "bi",
    "nay", "theo", "khi nao", "o dau", "ket qua", "tinh hinh", "hay", "hoac", "khong", "so luong",
    "tong so", "the nao", "nhu the nao", "khi", "ai",
}
_PLACE_TYPES = ("thị trấn", "thị xã", "thành phố", "xã", "phường", "huyện", "quận", "tỉnh")
_WIDE_TYPES = {"huyện", "quận", "tỉnh", "thành phố", "thị xã"}


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


def syllables(text: str) -> list[str]:
    """Lower-case syllables and number tokens: "Tỷ lệ 90,56%" → ["tỷ", "lệ", "90,56%"]."""
    return _SYLLABLE.findall(nfc(text).lower())


def same_syllable(typed: str, wanted: str) -> bool:
    """True when a typed syllable is `wanted`, exactly or without diacritics ("may" ~ "mấy")."""
    if syllable_key(typed) == syllable_key(wanted):
        return True
    return is_unaccented(typed) and fold(syllable_key(typed)) == fold(syllable_key(wanted))


def find_cue(syls: list[str], cue: str) -> int | None:
    """Index where `cue` starts in `syls`; "…" in a cue skips up to three syllables."""
    parts = [p.split() for p in cue.split("…")]
    for start in range(len(syls)):
        if _match_parts(syls, start, parts, first=True):
            return start
    return None


def _match_parts(syls: list[str], pos: int, parts: list[list[str]], first: bool) -> bool:
    if not parts:
        return True
    head, rest = parts[0], parts[1:]
    for skip in range(1 if first else 4):
        at = pos + skip
        window = syls[at : at + len(head)]
        if len(window) == len(head) and all(map(same_syllable, window, head)):
            return _match_parts(syls, at + len(head), rest, first=False)
    return False


def _mask_non_change(syls: list[str]) -> list[str]:
    out = list(syls)
    for i in range(len(out) - 1):
        if any(same_syllable(out[i], a) and same_syllable(out[i + 1], b) for a, b in _NOT_CHANGE):
            out[i] = "_"
    return out


def classify(query: str) -> QuestionKind:
    """Kind of answer a question wants.

    >>> classify("chỉ số PCI xếp thứ mấy").kind
    'rank'
    >>> classify("so vu tai nan giao thong").kind
    'count'
    """
    syls = syllables(query)
    entity = query_entity(query)
    found = _first_cue(_mask_non_change(syls), _STRONG[:1]) or _first_cue(syls, _STRONG[1:])
    if found is None and not any(find_cue(syls, cue) is not None for cue in _TOPIC):
        found = _first_cue(syls, _WEAK)
    if found is None:
        return QuestionKind("topic", entity=entity)
    kind, cue, at = found
    direction = syls[at] if kind == "change" else None
    focus = _focus(syls, cue, at, is_unaccented(query))
    return QuestionKind(kind, cue, focus, direction and fold(direction), entity)


def _first_cue(syls: list[str], table) -> tuple[str, str, int] | None:
    for kind, cues in table:
        for cue in cues:
            at = find_cue(syls, cue)
            if at is not None:
                return kind, cue, at
    return None


def _focus(syls: list[str], cue: str, at: int, typed_plain: bool) -> str | None:
    if cue.split()[-1] not in ("nhiêu", "mấy", "số", "lượng", "tổng"):
        return None
    after = syls[at + len(cue.split()) :]
    words = []
    for syl in after[:4]:
        if _is_function([syl], typed_plain):
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
        syls = syllables(word)
        if not syls or _is_function(syls, typed_plain):
            continue
        term = match_form(" ".join(syls))
        if term not in (t for _, t in out):
            out.append((word, term))
    return out


def _is_function(syls: list[str], typed_plain: bool = False) -> bool:
    if typed_plain:
        return " ".join(syls) in _FUNCTION_FOLDED
    return match_form(" ".join(syls)) in _FUNCTION_KEYS


def is_period(term: str) -> bool:
    """True for a term that only says when ("6", "tháng", "đầu năm", "2023"): reports state the
    period in headings, so a sentence lacking it may still hold the answer."""
    return all(p.isdigit() or p in _PERIOD_KEYS for p in term.split())


def query_entity(query: str) -> tuple[str, str] | None:
    """The place the question names, narrowest first.

    >>> query_entity("Xã Khánh Lợi, Huyện Yên Khánh được sắp xếp vào xã nào?")
    ('xã', 'Khánh Lợi')
    """
    words = list(re.finditer(r"\w+", nfc(query)))
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        kind, n = _place_type(words, i)
        name = _name_after(words, i + n, query) if kind else []
        if name:
            found.append((kind, query[name[0].start() : name[-1].end()]))
        i += max(n, 1) + len(name)
    narrow = [f for f in found if f[0] not in _WIDE_TYPES]
    return (narrow or found or [None])[0]


def _place_type(words: list[re.Match], i: int) -> tuple[str | None, int]:
    for kind in _PLACE_TYPES:
        parts = kind.split()
        window = [w.group(0).lower() for w in words[i : i + len(parts)]]
        if len(window) == len(parts) and all(map(same_syllable, window, parts)):
            return kind, len(parts)
    return None, 0


def _name_after(words: list[re.Match], i: int, query: str) -> list[re.Match]:
    """Capitalised words after a type word; for an all lower-case query, words up to a stop word."""
    capitalised = any(c.isupper() for c in query)
    name: list[re.Match] = []
    for w in words[i : i + 5]:
        text = w.group(0)
        if name and query[name[-1].end() : w.start()].strip():
            break  # punctuation ends the name
        if capitalised and not (text[0].isupper() or text.isdigit()):
            break
        if not capitalised and (_is_function([text.lower()], True) or _place_type([w], 0)[0]
                                or fold(text) in ("duoc", "sau", "sap", "nam", "cap", "moi")):
            break
        name.append(w)
    return name
