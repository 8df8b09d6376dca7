"""The evidence a short answer is chosen from: the sentences of the top hits, each with its
clause structure and the text around it, scored by how much of the question they hold."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..model import DocFacts, Hit
from ..vietnamese.clauses import Figure, Structure, structure
from ..vietnamese.segment import sentence_spans
from ..vietnamese.text import folded_key, syllable_key, syllable_spans
from .question import Question, analyse, reword_plain

TOP_HITS = 5  # figures sit in the best few passages; deeper hits add distractors
ENTITY_HITS = 10  # a merge list spreads over many passages: look deeper for the named commune
MIN_COVERAGE = 0.5  # a sentence holding less of the question's words is not about it
Syl = tuple[int, int, str, str]  # start, end, match key, folded key


@dataclass(frozen=True)
class Sentence:
    """A sentence of a hit: its offset in the passage, its clause structure and the passage's
    other text (the rest of the paragraph, a footnote's citing sentence, the section)."""

    rank: int
    hit: Hit
    start: int
    text: str
    struct: Structure
    around: tuple[tuple[float, tuple[Syl, ...]], ...]
    before: str = ""  # the sentence before it in the passage, which sets its topic

    @property
    def syls(self) -> tuple[Syl, ...]:
        return self.struct.syls


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    coverage: float  # share of the question's words in the sentence and around it
    score: float
    occ: tuple[tuple[str, int, int], ...]  # (term, first syllable, last syllable)


@dataclass(frozen=True)
class Context:
    question: Question
    terms: list[str]
    weights: dict[str, float]
    scored: list[Scored]
    labels: dict[str, str]  # term → the word as the user typed it, for `why`
    docs: Mapping[str, DocFacts]
    # (passage id, term) → the sentences stating figures of their own that hold the term
    owners: Mapping[tuple[str, str], frozenset[int]] = ()

    @property
    def folded(self) -> bool:
        return self.question.folded

    def owned_elsewhere(self, sent: Sentence, term: str) -> bool:
        """True when another sentence of the passage, stating figures of its own, holds the
        term: it is that sentence's word ("Hè Thu"), not context for this one."""
        return bool(self.owners.get((sent.hit.passage.id, term), frozenset()) - {sent.start})


@dataclass(frozen=True)
class Candidate:
    scored: Scored
    figure: Figure
    cover: float
    total: float
    binding: str  # "full", "partial", "none", "conflict", "other" (see figures._binding)

    @property
    def bound(self) -> bool:
        return self.binding in ("full", "partial", "none")


@lru_cache(maxsize=1024)  # a passage's sentences and context, read for each of its sentences
def _syls(text: str) -> tuple[Syl, ...]:
    return tuple((a, b, syllable_key(text[a:b].lower()), folded_key(text[a:b]))
                 for a, b in syllable_spans(text))  # fmt: skip


def split_sentences(hit: Hit, rank: int = 0) -> list[Sentence]:
    """Sentences of a passage with their offsets, so every answer is cut from the original."""
    text = hit.passage.text
    found = [(at, text[at:end]) for at, end in sentence_spans(text)]
    shared = tuple((credit, _syls(t)) for credit, t in
                   ((0.6, hit.passage.context), (0.5, hit.passage.section)) if t)  # fmt: skip
    structs = [structure(sent) for _, sent in found]
    # A sentence stating figures of its own owns its words ("Vụ Hè Thu 2024, đã xuống giống
    # 74.200 ha" says nothing of the Đông Xuân harvest beside it); one without figures sets the
    # topic of what follows ("… về số hộ có người tham gia các tổ chức chính trị - xã hội.
    # Trong 6 tháng đầu năm, tổng số hộ … chiếm tỷ lệ 85,14%").
    topical = [not any(f.span.kind not in ("date", "year") for f in st.figures) for st in structs]
    out = []
    for n, (at, sent) in enumerate(found):
        before = found[n - 1][1] if n and topical[n - 1] else ""
        rest = " ".join(s for i, (_, s) in enumerate(found) if i not in (n - 1, n) and topical[i])
        around = tuple((credit, _syls(t)) for credit, t in ((0.6, before), (0.35, rest)) if t)
        out.append(Sentence(rank, hit, at, sent, structs[n], around + shared, before))
    return out


def find_term(parts: list[str], syls: tuple[Syl, ...], folded: bool) -> list[tuple[int, int]]:
    keys = [s[3] if folded else s[2] for s in syls]
    parts = [folded_key(p) for p in parts] if folded else parts
    n = len(parts)
    return [(i, i + n - 1) for i in range(len(keys) - n + 1) if keys[i : i + n] == parts]


def term_cover(term: str, sent: Sentence, folded: bool) -> tuple[float, list[tuple[int, int]]]:
    """1 for the whole term in the sentence; the credit of the text around it that holds it
    (a footnote's citing sentence 0.6, the section 0.5, the paragraph 0.35); else half the
    share of its syllables present."""
    parts = term.split()
    occ = find_term(parts, sent.syls, folded)
    if occ:
        return 1.0, occ
    for credit, syls in sent.around:
        if find_term(parts, syls, folded):
            return credit, []
    return 0.5 * sum(bool(find_term([p], sent.syls, folded)) for p in parts) / len(parts), []


def _closeness(occs: list[list[tuple[int, int]]]) -> float:
    """Syllables of the matched terms over the width of the window their first occurrences span."""
    firsts = [occ[0] for occ in occs if occ]
    if len(firsts) < 2:
        return 0.0
    width = max(b for _, b in firsts) - min(a for a, _ in firsts) + 1
    return min(1.0, sum(b - a + 1 for a, b in firsts) / width)


def analyse_hits(question: Question, hits: list[Hit], depth: int,
                 docs: Mapping[str, DocFacts] | None = None) -> Context:  # fmt: skip
    """Score the sentences of the top hits by weighted term coverage, closeness and hit rank.

    A term weighs more when fewer sentences hold it: "khai trừ" tells more than "đảng viên".
    """
    terms = question.terms
    sents = [s for rank, hit in enumerate(hits[:depth]) for s in split_sentences(hit, rank)]
    covers = [[term_cover(t, s, question.folded) for t in terms] for s in sents]
    weights = {
        t: 1.0 + math.log((len(sents) + 1) / (1 + sum(c[i][0] >= 1 for c in covers)))
        for i, t in enumerate(terms)
    }
    total = sum(weights.values()) or 1.0
    scored = []
    for sent, cover in zip(sents, covers, strict=True):
        coverage = sum(c for c, _ in cover) / (len(terms) or 1)
        weighted = sum(weights[t] * c for t, (c, _) in zip(terms, cover, strict=True)) / total
        occ = tuple((t, a, b) for t, (_, o) in zip(terms, cover, strict=True) for a, b in o)
        score = weighted + 0.2 * _closeness([o for _, o in cover]) - 0.05 * sent.rank
        scored.append(Scored(sent, coverage, score, occ))
    scored.sort(key=lambda s: -s.score)
    labels = {t: w for w, t in question.words}
    owners: dict[tuple[str, str], set[int]] = {}
    # Names ("Hè Thu", "Đông Xuân") tell parallel sentences apart; common words ("lúa") do not.
    named = {folded_key(w) for n in question.named for w in n.split()}
    for sent, cover in zip(sents, covers, strict=True):
        if any(f.span.kind not in ("date", "year") for f in sent.struct.figures):
            for t, (c, _) in zip(terms, cover, strict=True):
                if c >= 1 and {folded_key(w) for w in t.split()} <= named:
                    owners.setdefault((sent.hit.passage.id, t), set()).add(sent.start)
    frozen = {k: frozenset(v) for k, v in owners.items()}
    return Context(question, terms, weights, scored, labels, docs or {}, frozen)


def analyse_with_hits(query: str, hits: list[Hit]) -> Question:
    """The question read as typed; typed without diacritics, its words are first accented the
    way the top hits write them, so that it splits into words ("tai nạn", "giao thông")."""
    question = analyse(query)
    if not question.folded:
        return question
    return reword_plain(question, [h.passage.text for h in hits[:ENTITY_HITS]])


def hit_depth(question: Question) -> int:
    return ENTITY_HITS if question.kind.entity else TOP_HITS
