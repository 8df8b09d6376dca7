"""What a question asks for: its kind (count, percent, rank, …), its content terms, its entity name.

Cues are compared syllable by syllable in match form, and in folded form for syllables typed
without diacritics, so "xếp thứ mấy", "xep thu may" and "xếp thu may" all read as a rank question.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from ..model import Period
from ..vietnamese.periods import period_spans
from ..vietnamese.places import place_mentions
from ..vietnamese.refs import extract_refs, query_refs
from ..vietnamese.segment import tagged
from ..vietnamese.segment import words as word_tokenize
from ..vietnamese.stopwords import FUNCTION_WORDS, FUNCTION_WORDS_FOLDED
from ..vietnamese.text import SYLLABLE, fold, is_unaccented, match_form, nfc, syllable_key

KINDS = ("count", "percent", "rank", "money", "date", "entity", "change", "topic")

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
_COMPOUND_SO = {
    (a, b)
    for a in ("chỉ", "chi", "dân", "dan", "hệ", "he", "đa", "da", "thiểu", "thieu", "tần", "tan",
              "cấp", "cap", "kỹ", "ky", "phần", "phan")
    for b in ("số", "so")
}  # fmt: skip
# Syllable pairs that hold "tăng"/"giảm" without meaning a change ("tăng trưởng", "giảm nghèo").
_NOT_CHANGE = {("tăng", "trưởng"), ("tăng", "cường"), ("giảm", "nghèo"), ("giảm", "thiểu")}
_FUNCTION = FUNCTION_WORDS
_FUNCTION_KEYS = {match_form(w) for w in _FUNCTION}
_PERIOD_KEYS = {match_form(w) for w in "tháng năm đầu cuối quý kỳ cùng nay qua hiện".split()} | {
    "thang", "nam", "dau", "cuoi", "quy", "ky", "cung"}
# Typed without diacritics, only these are dropped: "dau" may be "đâu" but also "đầu".
_FUNCTION_FOLDED = FUNCTION_WORDS_FOLDED
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
    return SYLLABLE.findall(nfc(text).lower())


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
    found = _first_cue(_mask_non_change(syls), _STRONG[:1])
    if found is None and "%" in query:  # "đạt bao nhiêu % dự toán"
        found = ("percent", "%", len(syls))
    found = found or _first_cue(syls, _STRONG[1:])
    if found is None and not any(find_cue(syls, cue) is not None for cue in _TOPIC):
        found = _first_cue(syls, _WEAK)
        if found and found[2] > 0 and (syls[found[2] - 1], syls[found[2]]) in _COMPOUND_SO:
            found = None  # "chỉ số", "dân số": a noun, not "the number of"
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
    if cue.split()[-1] not in ("nhiêu", "mấy", "số", "lượng", "tổng", "lệ"):
        return None
    after = syls[at + len(cue.split()) :]
    words = []
    for syl in after[:4]:
        if _is_function([syl], typed_plain) or fold(syl) in ("tang", "giam"):
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
        while len(syls) > 1 and _is_function(syls[-1:], typed_plain) and fold(syls[-1]) != "so":
            syls, typed = syls[:-1], typed[:-1]  # the segmenter glued a question word on
        while len(syls) > 1 and _is_function(syls[:1], typed_plain):
            syls, typed = syls[1:], typed[1:]
        if not syls or _is_function(syls, typed_plain):
            continue
        word = " ".join(typed) if len(typed) < len(syllables(word)) else word
        term = match_form(" ".join(syls))
        if term not in (t for _, t in out):
            out.append((word, term))
    return out


def _is_function(syls: list[str], typed_plain: bool = False) -> bool:
    if typed_plain or all(is_unaccented(s) for s in syls):
        return " ".join(syls) in _FUNCTION_FOLDED or match_form(" ".join(syls)) in _FUNCTION_KEYS
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
        if kind and _not_a_place(words, i, n):
            kind = None  # "cấp tỉnh", "xã hội", "Tỉnh ủy": not a place being named
        name = _name_after(words, i + n, query) if kind else []
        if name:
            found.append((kind, query[name[0].start() : name[-1].end()]))
        i += max(n, 1) + len(name)
    narrow = [f for f in found if f[0] not in _WIDE_TYPES]
    return (narrow or found or [None])[0]


_NOT_NAME_AFTER = {"uy", "hoi", "doi", "doan", "vien", "lo", "nha"}  # folded: ủy, hội, đội …


def _not_a_place(words: list[re.Match], i: int, n: int) -> bool:
    before = fold(words[i - 1].group(0)) if i else ""
    after = fold(words[i + n].group(0)) if i + n < len(words) else ""
    return before == "cap" or after in _NOT_NAME_AFTER


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


# ---- the whole question ----------------------------------------------------------------------
_LIST_CUES = ("các hình thức", "những hình thức", "hình thức nào", "hình thức gì", "cơ cấu",
              "gồm những", "bao gồm", "chia theo", "phân theo", "từng loại", "các loại",
              "những loại", "gồm các")  # fmt: skip
_PLAN_WORDS = ("kế hoạch", "dự toán", "chỉ tiêu", "mục tiêu")
_COORD = {"và", "va", "hoặc", "hoac"}
_COMPARISON = re.compile(r"\bso\s+(?:voi\s+)?(?:cung\s+ky|ky\s+truoc|nam\s+truoc|cuoi\s+nam|"
                         r"dau\s+nam|thang\s+truoc|quy\s+truoc)(?:\s+nam\s+truoc)?\b")
_DOC_KIND = re.compile(r"\b(?:nghi quyet|quyet dinh|chi thi|ket luan|quy dinh|thong bao|nghi dinh|"
                       r"thong tu|luat|bao cao|ke hoach|chuong trinh|de an|to trinh|cong van)"
                       r"(?:\s+so)?\s*$")
_DURATION = re.compile(r"\b(?:trong|qua|sau)?\s*\d{1,2}\s+(?:nam|thang|quy)\b(?!\s+(?:19|20)\d\d)")
_CHANGE_TERMS = {match_form(w) for w in ("tăng", "giảm", "tăng thêm", "giảm bớt")}


@dataclass(frozen=True)
class Question:
    """What a question asks and what restricts it, read once.

    words: (word as typed, match-form term) of the content words, with the period, places and
    document numbers taken out: those restrict where an answer may come from, they are not
    words the answer's clause must repeat.
    focus: the counted nouns ("bao nhiêu tập thể và cá nhân" → "tập thể", "cá nhân").
    wants: "figure", "list" (a breakdown), "statement" (a noun phrase typed into a search box),
    "entity" or "topic".
    """

    text: str
    kind: QuestionKind
    words: tuple[tuple[str, str], ...]
    focus: tuple[str, ...]
    periods: tuple[Period, ...]
    places: tuple[tuple[str, str], ...]
    named: tuple[str, ...]
    wants: str
    plan: bool
    folded: bool
    qualifiers: tuple[str, ...] = ()  # terms said after the counted noun ("bị *khai trừ*")
    # several things asked at once ("bao nhiêu đảng viên và bao nhiêu tổ chức đảng"): the
    # terms of each; empty for a single question
    parts: tuple[tuple[str, ...], ...] = ()

    @property
    def terms(self) -> list[str]:
        return [t for _, t in self.words]


def analyse(query: str) -> Question:
    """Kind, content words, counted nouns and restrictions of a question.

    >>> q = analyse("số đảng viên bị kỷ luật năm 2022 ở tỉnh Cà Mau")
    >>> [w for w, _ in q.words], q.periods[0].label, q.places
    (['đảng viên', 'kỷ luật'], 'năm 2022', (('tỉnh', 'Cà Mau'),))
    >>> analyse("bao nhiêu tập thể và cá nhân được khen thưởng").focus == (
    ...     match_form("tập thể"), match_form("cá nhân"))
    True
    """
    text = nfc(query).strip()
    kind = classify(text)
    masked, periods, places = _mask_restrictions(text)
    folded = is_unaccented(text)
    words = tuple(_runs(masked) if folded else content_words(masked))
    if kind.kind == "change":  # "tăng bao nhiêu": the direction is asked, not a word to find
        words = tuple(w for w in words if w[1] not in _CHANGE_TERMS and fold(w[1]) not in
                      ("tang", "giam"))  # fmt: skip
    syls = syllables(text)
    if any(find_cue(syls, cue) is not None for cue in _LIST_CUES):
        wants = "list"
    elif kind.kind == "entity":
        wants = "entity"
    elif kind.kind == "topic":
        cued = any(find_cue(syls, c) is not None for c in _TOPIC)
        wants = "topic" if cued or extract_refs(text) or query_refs(text) else "statement"
    else:
        wants = "figure"
    focus = _focuses(syls, kind, folded)
    if wants == "statement" and not focus:  # "kết nạp đảng viên mới": its first noun
        focus = _head_noun(masked)
    return Question(
        qualifiers=_after_focus(text, words, focus), parts=_parts(masked, words),
        text=text, kind=kind, words=words, focus=focus,
        periods=tuple(periods), places=tuple(places), named=tuple(_named(masked)), wants=wants,
        plan=any(find_cue(syls, w) is not None for w in _PLAN_WORDS), folded=folded,
    )  # fmt: skip


def _mask_restrictions(text: str) -> tuple[str, list[Period], list[tuple[str, str]]]:
    """The question with its periods, places, years and document numbers blanked out."""
    chars = list(text)

    def blank(a: int, b: int) -> None:
        chars[a:b] = " " * (b - a)

    periods = []
    for start, end, period in period_spans(text):
        periods.append(period)
        blank(start, end)
    places = []
    for start, end, kind, name in place_mentions(text):
        places.append((kind, name))
        blank(start, end)
    for m in re.finditer(r"(?<![\w/.,])(?:19|20)\d\d(?![\w/])", text):
        blank(m.start(), m.end())
    for m in _COMPARISON.finditer(fold(text)):  # "so với cùng kỳ": what a change is measured by
        blank(m.start(), m.end())
    for m in _DURATION.finditer(fold(text)):  # "trong 5 năm": when, written "05 năm" or not
        blank(m.start(), m.end())
    for ref in extract_refs(text):
        at = text.find(ref)
        if at >= 0:
            kind = _DOC_KIND.search(fold(text[:at]))  # "Nghị quyết (số)" before the number
            blank(kind.start() if kind else at, at + len(ref))
    return "".join(chars), periods, places


def _runs(text: str) -> list[tuple[str, str]]:
    """Content words of a query typed without diacritics, where the word segmenter is lost:
    runs of syllables between question and function words, cut into pairs."""
    out: list[tuple[str, str]] = []
    run: list[str] = []
    syls = syllables(text)
    i = 0
    while i <= len(syls):
        pair = " ".join(syls[i : i + 2])
        if i < len(syls) and pair in _FUNCTION_FOLDED and len(syls[i : i + 2]) == 2:
            step, stop = 2, True
        else:
            step, stop = 1, i == len(syls) or syls[i] in _FUNCTION_FOLDED
        if stop:
            for k in range(0, len(run), 2):
                term = " ".join(run[k : k + 2])
                if term not in (t for _, t in out) and not term.isdigit():
                    out.append((term, match_form(term)))
            run = []
        else:
            run.append(syls[i])
        i += step
    return out


_QUANTITY_HEADS = ("diện tích", "sản lượng", "năng suất", "số", "tổng", "tổng số", "tỷ lệ",
                   "giá trị", "kim ngạch", "doanh thu", "thu", "chi", "vốn", "số vốn", "số lượng",
                   "dư nợ", "mức")  # fmt: skip
_ASKING = ("bao nhiêu", "mấy")


def _parts(text: str, words: tuple[tuple[str, str], ...]) -> tuple[tuple[str, ...], ...]:
    """The terms of each thing asked when a question asks several: "ghi nhận bao nhiêu ý kiến
    và có bao nhiêu người dân tham dự", "thụ lý bao nhiêu vụ việc, đã giải quyết bao nhiêu",
    "diện tích xuống giống và sản lượng lúa … là bao nhiêu"."""
    segments = [seg for seg in re.split(r",|;|\bvà\b|\bva\b|\bhoặc\b", text) if seg.strip()]
    asking = [any(find_cue(syllables(seg), cue) is not None for cue in _ASKING) for seg in segments]
    if not any(asking):
        return ()
    last_asking = max(i for i, a in enumerate(asking) if a)
    parts = []
    for i, seg in enumerate(segments):
        syls = syllables(seg)
        heads = any(find_cue(syls, h) == 0 for h in _QUANTITY_HEADS)
        if asking[i] or (heads and i < last_asking):
            terms = tuple(t for w, t in words if fold(w.lower()) in fold(seg.lower()))
            if terms:
                parts.append(terms)
    return tuple(parts) if len(parts) > 1 else ()


def _head_noun(text: str) -> tuple[str, ...]:
    """The first noun of a noun phrase typed as a search, quantity words aside ("tổng dư nợ"
    has none; "kết nạp đảng viên mới" → "đảng viên")."""
    for word, tag in tagged(text):
        syls = syllables(word)
        if tag == "N" and syls and not any(find_cue(syls, h) == 0 for h in _QUANTITY_HEADS):
            return (match_form(" ".join(syls)),)
    return ()


def _after_focus(text: str, words: tuple[tuple[str, str], ...], focus: tuple[str, ...]
                 ) -> tuple[str, ...]:  # fmt: skip
    """The content terms said after the first counted noun: what is said of it."""
    if not focus:
        return ()
    folded = fold(text.lower())
    at = folded.find(fold(focus[0]))
    if at < 0:
        return ()
    tail = folded[at + len(fold(focus[0])) :]
    focus_keys = {fold(f) for f in focus}
    return tuple(t for w, t in words if fold(w.lower()) in tail and fold(t) not in focus_keys)


def _focuses(syls: list[str], kind: QuestionKind, folded: bool) -> tuple[str, ...]:
    """The counted nouns: the focus, and any noun coordinated with it by "và"/"hoặc"."""
    focus_text = kind.focus
    if not focus_text and kind.cue == "tỷ lệ":  # "tỷ lệ xã đạt chuẩn …": a share of communes
        at = find_cue(syls, "tỷ lệ")
        focus_text = _focus(syls, "tỷ lệ", at, folded) if at is not None else None
    for cue in ("bao nhiêu", "mấy", "số"):  # "giảm bao nhiêu bậc", "số doanh nghiệp … tăng"
        at = find_cue(syls, cue) if not focus_text and kind.kind == "change" else None
        if at is not None and not (at and (syls[at - 1], syls[at]) in _COMPOUND_SO):
            focus_text = _focus(syls, cue, at, folded)
    if not focus_text:
        return ()
    focus = syllables(focus_text)
    out = [match_form(" ".join(focus))]
    at = next((i for i in range(len(syls)) if syls[i : i + len(focus)] == focus), None)
    if at is None:
        return tuple(out)
    i = at + len(focus)
    while i < len(syls) and syls[i] in _COORD:
        nxt = []
        for syl in syls[i + 1 : i + 5]:
            if _is_function([syl], folded):
                break
            nxt.append(syl)
        if not nxt:
            break
        out.append(match_form(" ".join(nxt)))
        i += 1 + len(nxt)
    return tuple(out)


def _named(text: str) -> list[str]:
    """Capitalised names and acronyms the question is about ("Nhật Bản", "GDP"), besides the
    first word: a source that never names them cannot answer it."""
    found: list[str] = []
    words = list(re.finditer(r"\w+", text))
    run: list[int] = []

    def close() -> None:
        # "Xã Khánh Lợi", "Thị xã Quế Võ": places below a province are the subject (entity) or
        # a hint a source need not repeat, not names it must contain
        before = " ".join(fold(w.group(0)) for w in words[max(0, run[0] - 2) : run[0]])
        first = fold(words[run[0]].group(0))
        if first not in _UNIT_WORDS and not before.endswith(_UNIT_TAILS):
            found.append(" ".join(words[i].group(0) for i in run))
        run.clear()

    for i, m in enumerate(words):
        word = m.group(0)
        acronym = len(word) >= 2 and word.isupper() and word.isalpha()
        if acronym or (word[0].isupper() and i > 0 and not word.isdigit()):
            if run and text[words[i - 1].end() : m.start()].strip() not in ("", "'", "’", "-"):
                close()  # "Đắk R'Lấp" is one name
            run.append(i)
        elif run:
            close()
    if run:
        close()
    return list(dict.fromkeys(found))


_UNIT_WORDS = {"xa", "huyen", "phuong", "quan", "thi", "thon", "ap", "tinh", "thanh"}
_UNIT_TAILS = ("xa", "huyen", "phuong", "quan", "thi tran", "thi xa", "thanh pho", "thon", "ap")


def with_accents_from(query: str, texts: list[str]) -> str:
    """A query typed without diacritics, its phrases accented as the retrieved texts write them
    ("tai nan giao thong" → "tai nạn giao thông"); single syllables stay as typed.

    >>> with_accents_from("so nguoi chet vi tai nan", ["làm chết 37 người vì tai nạn"])
    'so nguoi chet vì tai nạn'
    """
    return " ".join(chunk for chunk, _ in _accent_chunks(query, texts))


def _accent_chunks(query: str, texts: list[str]) -> list[tuple[str, bool]]:
    """The query cut into (phrase, accented?): the longest runs of 2–4 syllables that the texts
    contain, accented as they write them most often, and the syllables between, as typed."""
    grams: dict[tuple[str, ...], Counter[str]] = {}
    for text in texts:
        words = SYLLABLE.findall(nfc(text).lower())
        keys = [fold(w) for w in words]
        for n in range(2, 5):
            for i in range(len(words) - n + 1):
                grams.setdefault(tuple(keys[i : i + n]), Counter())[" ".join(words[i : i + n])] += 1
    typed = SYLLABLE.findall(nfc(query).lower())
    out, i = [], 0
    while i < len(typed):
        for n in range(min(4, len(typed) - i), 1, -1):
            found = grams.get(tuple(fold(t) for t in typed[i : i + n]))
            if found:  # one syllable alone is too ambiguous ("bi": bị, bí, bì): never
                out.append((found.most_common(1)[0][0], True))
                i += n
                break
        else:
            out.append((typed[i], False))
            i += 1
    return out


def reword_plain(question: Question, texts: list[str]) -> Question:
    """A question typed without diacritics, its content words found with the help of the
    retrieved texts: their accented phrases segment like an accented question; the syllables
    the texts do not contain are paired between function words."""
    masked, _, _ = _mask_restrictions(question.text)
    words: list[tuple[str, str]] = []
    run: list[str] = []
    for chunk, accented in [*_accent_chunks(masked, texts), ("", True)]:
        if not accented:
            run.append(chunk)
            continue
        words += _runs(" ".join(run))
        run = []
        if len(chunk.split()) == 2 and not any(_is_function([w]) for w in chunk.split()):
            words.append((chunk, match_form(chunk)))  # a pair the texts write together
        elif chunk:
            words += content_words(chunk)
    unique = tuple(dict.fromkeys(words))
    return replace(question, words=unique, qualifiers=_after_focus(question.text, unique,
                   question.focus), parts=_parts(masked, unique))  # fmt: skip
