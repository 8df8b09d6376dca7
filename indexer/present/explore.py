"""What the analysts' notebook shows, as plain data and HTML: corpus statistics, the most cited
document numbers, hits as table rows, example filters, rendered hits and answers, recall curves
and misses of an evaluation."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from html import escape
from pathlib import Path

from ..build.build import BuildReport, build_index, scan
from ..config import Settings
from ..embed import Embedder
from ..model import Answer, Filters, Hit
from ..query.index import Index
from ..storage import catalogue
from ..storage.folder import current_version
from ..vietnamese.refs import normalise_ref
from .evaluate import Outcome
from .view import Piece, answer_pieces, citation, pieces

UNKNOWN = "(không rõ)"
# a passage's kind as tables and charts name it
KIND_LABELS = {"paragraph": "đoạn văn", "footnote": "chú thích", "table": "dòng bảng",
               "heading": "tiêu đề"}  # fmt: skip


@dataclass(frozen=True)
class CorpusStats:
    """Counts a reader checks first: what documents there are and how they were cut."""

    by_type: dict[str, int]
    by_issuer: dict[str, int]
    by_period: dict[str, int]  # the reporting period, else the year, else UNKNOWN
    per_document: dict[str, tuple[int, int]]  # doc_id → (passages, footnotes)
    lengths: dict[str, list[int]]  # passage kind → lengths of its passages in characters


@dataclass(frozen=True)
class CitedNumber:
    """A document number (số ký hiệu) cited in the corpus, spelled as most passages write it."""

    number: str
    passages: int
    documents: int


def holds_documents(paths: Iterable[Path]) -> bool:
    """Whether the files and folders given hold a file to index (hidden files do not count)."""
    return bool(scan([p for p in map(Path, paths) if p.exists()]))


def has_index(path: Path) -> bool:
    """Whether a build has published an index at `path` (IndexCorrupt when it is broken)."""
    return current_version(Path(path)) is not None


def only_files_of(index: Index, folder: Path) -> bool:
    """Whether every indexed document is a file of `folder`, by name (the invented sample)."""
    names = {p.name for p in Path(folder).rglob("*") if p.is_file()}
    docs = index.documents()
    return bool(docs) and all(d.name in names for d in docs)


def build_and_open(
    folders: list[Path], index_dir: Path, settings: Settings, embedder: Embedder
) -> tuple[Index, BuildReport]:
    """Bring the index at `index_dir` up to date with `folders` (cheap when nothing changed)."""
    settings = settings.model_copy(update={"index": Path(index_dir)})
    report = build_index(folders, settings.index, settings, embedder=embedder)
    return Index.open(settings.index, settings, embedder=embedder), report


def corpus_stats(index: Index) -> CorpusStats:
    """Documents by type, issuer and period; passages and footnotes per document; lengths."""
    docs = index.documents()
    lengths: dict[str, list[int]] = defaultdict(list)
    for kind, length in catalogue.passage_lengths(index.db):
        lengths[kind].append(length)
    return CorpusStats(
        by_type=_count(d.doc_type for d in docs),
        by_issuer=_count(d.issuer for d in docs),
        by_period=_count(d.period or (str(d.year) if d.year else None) for d in docs),
        per_document={d.doc_id: (d.passages, d.footnotes) for d in docs},
        lengths=dict(lengths),
    )


HIT_COLUMNS = ("hạng", "điểm", "văn bản", "trích dẫn", "loại đoạn", "đoạn văn")


def hit_rows(index: Index, hits: Iterable[Hit], first_rank: int = 1) -> list[dict]:
    """Hits as table rows: rank, score, document title, the citation line, kind, verbatim text."""
    rows = []
    for rank, hit in enumerate(hits, first_rank):
        p = hit.passage
        cite = citation(p, index.docs.get(p.doc_id), index.settings.base_url)
        kind = KIND_LABELS.get(p.kind, p.kind)
        values = (rank, round(hit.score, 3), cite.title or p.doc_id, cite.label, kind, p.text)
        rows.append(dict(zip(HIT_COLUMNS, values, strict=True)))
    return rows


def hits_frame(index: Index, hits: Iterable[Hit], first_rank: int = 1):
    """Hits as a pandas DataFrame (`.to_csv(path, index=False)` exports it, citations included)."""
    import pandas as pd

    return pd.DataFrame(hit_rows(index, hits, first_rank), columns=list(HIT_COLUMNS))


def example_filters(index: Index, doc_id: str | None = None) -> dict[str, Filters]:
    """One example of each filter, with values of one document (the top hit's, say; None: the
    commonest type and issuer, the latest year): its type, issuer, year and reporting period."""
    doc, facts = index.docs.get(doc_id or ""), index.facts.get(doc_id or "")
    if doc is None:
        stats = corpus_stats(index)
        years = [d.year for d in index.documents() if d.year]
        doc_type = next((v for v in stats.by_type if v != UNKNOWN), None)
        issuer = next((v for v in stats.by_issuer if v != UNKNOWN), None)
        year, period = max(years, default=None), None
    else:
        doc_type, issuer, year = doc.doc_type, doc.issuer, doc.year
        period = facts.period if facts and facts.period and facts.period.start else None
    examples = {}
    if doc_type:
        examples[f"loại văn bản: {doc_type}"] = Filters(doc_type=doc_type)
    if issuer:
        examples[f"cơ quan ban hành: {issuer}"] = Filters(issuer=issuer)
    if year:
        examples[f"năm {year}"] = Filters(year=year)
    if period:
        examples[f"kỳ báo cáo giao với {period.label}"] = Filters(
            period_from=period.start, period_to=period.end
        )
    elif year:
        examples[f"kỳ báo cáo trong 6 tháng đầu năm {year}"] = Filters(
            period_from=date(year, 1, 1), period_to=date(year, 6, 30)
        )
    return examples


def filters_code(filters: Filters) -> str:
    """The Filters as one writes them (`from datetime import date`), only the fields set.

    >>> filters_code(Filters(issuer="Tỉnh ủy Hậu Giang", period_from=date(2024, 1, 1)))
    "indexer.Filters(issuer='Tỉnh ủy Hậu Giang', period_from=date(2024, 1, 1))"
    """
    fields = ", ".join(f"{k}={_literal(v)}" for k, v in asdict(filters).items() if v is not None)
    return f"indexer.Filters({fields})"


def _literal(value) -> str:
    if isinstance(value, date):
        return f"date({value.year}, {value.month}, {value.day})"
    return repr(value)


def _count(values: Iterable[str | None]) -> dict[str, int]:
    return dict(Counter(v or UNKNOWN for v in values).most_common())


def cited_numbers(index: Index, limit: int = 10) -> list[CitedNumber]:
    """The document numbers cited by the most passages, most cited first.

    A number is counted once per passage however it is spelled ("35-NQ/TW", "35 - NQ/TW").
    """
    spellings: dict[str, Counter] = defaultdict(Counter)
    passages: dict[str, set[int]] = defaultdict(set)
    documents: dict[str, set[str]] = defaultdict(set)
    for pid, doc_id, refs in catalogue.cited_refs(index.db):
        for ref in refs:
            key = normalise_ref(ref)
            spellings[key][ref] += 1
            passages[key].add(pid)
            documents[key].add(doc_id)
    ranked = sorted(passages, key=lambda key: (-len(passages[key]), key))[:limit]
    return [
        CitedNumber(spellings[key].most_common(1)[0][0], len(passages[key]), len(documents[key]))
        for key in ranked
    ]


def cites(hit: Hit, number: str) -> bool:
    """Whether the hit's passage cites `number`, however either is spelled."""
    key = normalise_ref(number)
    return any(normalise_ref(ref) == key for ref in hit.passage.refs)


def hit_html(index: Index, hit: Hit) -> str:
    """A hit as the search page shows it: citation line, highlighted text, footnote context."""
    p = hit.passage
    label = citation(p, index.docs.get(p.doc_id), index.settings.base_url).label
    context = ""
    if p.context:
        lead = "Chú thích cho câu" if p.kind == "footnote" else "Tiêu đề bảng"
        context = f'<p class="context"><i>{lead}:</i> “{escape(p.context)}”</p>'
    return (
        f'<div class="hit"><p class="citation"><b>{escape(label)}</b> '
        f"<small>({escape(p.kind)}, {escape(p.id)}, điểm {hit.score:.3f})</small></p>"
        f"<blockquote>{_marked(pieces(p.text, hit.highlights))}</blockquote>{context}</div>"
    )


def hits_html(index: Index, hits: list[Hit]) -> str:
    if not hits:
        return "<p><i>Không tìm thấy đoạn nào phù hợp.</i></p>"
    return "<ol>" + "".join(f"<li>{hit_html(index, h)}</li>" for h in hits) + "</ol>"


def answer_html(index: Index, reply: Answer) -> str:
    """The short answer with its sentence and source, or why the documents do not answer."""
    if reply.answer is None:
        return f"<p><b>Không có câu trả lời ngắn</b>: {escape(reply.why)}</p>"
    source = hit_html(index, reply.citations[0]) if reply.citations else ""
    sentence = _marked(answer_pieces(reply.answer, reply.sentence))
    return (
        f"<p><b>Trả lời:</b> <mark>{escape(reply.answer)}</mark> "
        f"<small>(độ tin cậy {reply.confidence:.2f})</small></p>"
        f"<blockquote>{sentence}</blockquote><p>Nguồn:</p>{source}"
    )


def _marked(cut: list[Piece]) -> str:
    """Pieces as HTML, the marked ones in <mark>."""
    return "".join(f"<mark>{escape(p.text)}</mark>" if p.marked else escape(p.text) for p in cut)


def recall_curve(outcomes: list[Outcome], ks: Iterable[int] = range(1, 11)) -> dict[int, float]:
    """Share of the queries with evidence whose first relevant passage ranks within k."""
    ranked = [o for o in outcomes if o.has_evidence]
    return {
        k: round(sum(o.rank is not None and o.rank <= k for o in ranked) / len(ranked), 4)
        if ranked
        else 0.0
        for k in ks
    }


def misses(outcomes: list[Outcome], k: int = 10) -> list[Outcome]:
    """Queries whose evidence is not among the first k hits."""
    return [o for o in outcomes if o.has_evidence and (o.rank is None or o.rank > k)]


def misses_html(index: Index, missed: list[Outcome]) -> str:
    """A table of missed queries with the passage that came first instead."""
    if not missed:
        return "<p><i>Không có truy vấn nào trượt.</i></p>"
    rows = []
    for o in missed:
        top = index.search(o.query, k=1).hits
        first = hit_html(index, top[0]) if top else "<i>không có kết quả</i>"
        rank = "ngoài top 10" if o.rank is None else str(o.rank)
        rows.append(
            f"<tr><td>{escape(o.id)}</td><td>{escape(o.kind)}</td><td>{escape(o.query)}</td>"
            f"<td>{rank}</td><td>{escape(o.answer or '—')}</td><td>{first}</td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>" for h in ("id", "loại", "truy vấn", "hạng", "trả lời", "kết quả đầu")
    )
    return f'<table class="misses"><tr>{head}</tr>{"".join(rows)}</table>'


def series_rows(index: Index, reply: Answer) -> list[dict]:
    """A series answer as table rows: period, the figure as quoted and parsed, the change from
    the previous period of the same kind (computed), the check of the report's own change, and
    the citation."""
    rows = []
    for p in reply.series:
        source = p.answer.citations[0].passage
        rows.append({
            "kỳ báo cáo": p.period.label, "từ ngày": p.period.start, "đến ngày": p.period.end,
            "số liệu (nguyên văn)": p.answer.answer, "giá trị": p.number, "đơn vị": p.unit,
            "thay đổi (tính)": p.change, "so với kỳ": p.change_from,
            "kiểm tra": p.check.text if p.check else None,
            "nguồn": citation(source, index.docs.get(source.doc_id)).label,
        })  # fmt: skip
    return rows


def series_frame(index: Index, reply: Answer):
    """The series as a pandas DataFrame (`.to_csv(path)` exports it)."""
    import pandas as pd

    return pd.DataFrame(series_rows(index, reply))
