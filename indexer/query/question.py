"""A question read for answering: its kind, content words, focus (the noun counted),
qualifiers, parts, the period and places it restricts the answer to, the names it gives."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from ..model import Period
from ..vietnamese.periods import period_spans
from ..vietnamese.places import place_mentions
from ..vietnamese.refs import extract_refs, query_refs
from ..vietnamese.segment import tagged
from ..vietnamese.text import fold, is_unaccented, match_form, nfc
from .accents import UNIT_TAILS, UNIT_WORDS, accent_chunks
from .cues import FUNCTION_FOLDED, find_cue, is_function, syllables
from .kinds import COMPOUND_SO, TOPIC_CUES, QuestionKind, classify, content_words, focus_after

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


@lru_cache(maxsize=4096)  # an answer reads its question several times (series, scope, clauses)
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
        cued = any(find_cue(syls, c) is not None for c in TOPIC_CUES)
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
        if i < len(syls) and pair in FUNCTION_FOLDED and len(syls[i : i + 2]) == 2:
            step, stop = 2, True
        else:
            step, stop = 1, i == len(syls) or syls[i] in FUNCTION_FOLDED
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
        focus_text = focus_after(syls, "tỷ lệ", at, folded) if at is not None else None
    for cue in ("bao nhiêu", "mấy", "số"):  # "giảm bao nhiêu bậc", "số doanh nghiệp … tăng"
        at = find_cue(syls, cue) if not focus_text and kind.kind == "change" else None
        if at is not None and not (at and (syls[at - 1], syls[at]) in COMPOUND_SO):
            focus_text = focus_after(syls, cue, at, folded)
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
            if is_function([syl], folded):
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
        if first not in UNIT_WORDS and not before.endswith(UNIT_TAILS):
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


def reword_plain(question: Question, texts: list[str]) -> Question:
    """A question typed without diacritics, its content words found with the help of the
    retrieved texts: their accented phrases segment like an accented question; the syllables
    the texts do not contain are paired between function words."""
    masked, _, _ = _mask_restrictions(question.text)
    words: list[tuple[str, str]] = []
    run: list[str] = []
    for chunk, accented in [*accent_chunks(masked, texts), ("", True)]:
        if not accented:
            run.append(chunk)
            continue
        words += _runs(" ".join(run))
        run = []
        if len(chunk.split()) == 2 and not any(is_function([w]) for w in chunk.split()):
            words.append((chunk, match_form(chunk)))  # a pair the texts write together
        elif chunk:
            words += content_words(chunk)
    unique = tuple(dict.fromkeys(words))
    return replace(question, words=unique, qualifiers=_after_focus(question.text, unique,
                   question.focus), parts=_parts(masked, unique))  # fmt: skip
