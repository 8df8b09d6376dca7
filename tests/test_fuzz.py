"""Fuzzing (hypothesis): readers, assembly, chunking and the query side never crash or hang.

A reader may refuse input only with a VankienError (the build names the file and goes on); any
other exception would abort a whole build or answer 500. Every example runs under a wall-clock
budget (SIGALRM), so a regex that backtracks without end fails the test instead of hanging it.

`make test` runs these with the "ci" profile (tests/conftest.py): 100 derandomized examples per
test, the same on every clone. `make fuzz` runs the "fuzz" profile: random seeds,
FUZZ_EXAMPLES (default 2000) per test. Every input a campaign ever found is kept below as an
explicit @example, so it is tried on every run.
"""

from __future__ import annotations

import io
import signal
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.build.workers import keys
from indexer.errors import VankienError
from indexer.ingest.assemble import assemble
from indexer.ingest.chunk import chunk
from indexer.ingest.parsers import read_bytes
from indexer.model import Hit, Passage, RawBlock, RawDocument
from indexer.query.answer import answer
from indexer.query.kinds import classify
from indexer.query.search import highlight_spans, plan
from indexer.vietnamese import text as vtext
from indexer.vietnamese.keys import folded_keys, word_keys
from indexer.vietnamese.segment import sentences
from indexer.vietnamese.wordspans import located_words, packed_words, unpacked_words

pytestmark = pytest.mark.slow  # property-based campaigns

BUDGET = 10.0  # seconds per example: ~1000x the usual time, so only a real hang trips it
RUNS: Counter[str] = Counter()
FUZZ = settings()  # the loaded profile: "ci" (derandomized) or "fuzz" (random, long)
EXAMPLES = FUZZ.max_examples
MAX_QUERY = 1000  # the service refuses longer queries (Settings.max_query_chars)


class Hang(Exception):
    pass


@contextmanager
def budget(name: str, seconds: float = BUDGET):
    """Count one example of `name` and fail it if it runs longer than `seconds`."""
    RUNS[name] += 1

    def expired(*_):
        raise Hang(f"{name}: no result after {seconds}s (catastrophic backtracking?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", autouse=True)
def report_runs():
    plan("khởi động")  # underthesea loads its models on first use: not part of any example
    classify("bao nhiêu đảng viên")
    sentences("Câu một. Câu hai.")
    yield
    print("\nfuzz examples run:", dict(sorted(RUNS.items())), f"(max_examples={EXAMPLES})")


def ran(name: str) -> None:
    """The property test behind `name` really ran (hypothesis may stop early on tiny spaces)."""
    assert RUNS[name] >= min(EXAMPLES, 20), f"{name} ran only {RUNS[name]} examples"


# --- strategies ---------------------------------------------------------------------------------
ANY_TEXT = st.characters(exclude_categories=("Cs",))  # every code point but lone surrogates
ODD = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u05d0\u0627\u200f\u202e\u200b\ufeff\x00\x01\x1b\x7f\u2028\t"  # noqa: E501
VIET = "aăâeêioôơuưyđĐ áàảãạ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự 0123456789 .,;:%()/-"
WORDS = [
    "Đảng bộ", "đảng viên", "kết nạp", "Nghị quyết 35-NQ/TW", "năm 2024", "6 tháng đầu năm",
    "bao nhiêu", "tỷ lệ", "43,6%", "1.234", "xã Cao Sơn", "thứ mấy", "tăng", "giảm", "tỉ", "hoá",
    "I.", "1.", "a)", "Điều 1.", "Chương II", "Số: 12-BC/TU", "TỈNH ỦY", "Nơi nhận:", "\n", "\t",
]  # fmt: skip
VIET_TEXT = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(ANY_TEXT, max_size=8), st.text(VIET + ODD)),
    max_size=40,
).map(" ".join)
MIXED = st.one_of(VIET_TEXT, st.text(ANY_TEXT, max_size=300))


def pipeline(data: bytes, name: str = "x.txt") -> None:
    """Read, assemble and chunk as a build does; only a VankienError may refuse the file."""
    try:
        raw = read_bytes(data, Path(name))
        doc = assemble(raw, doc_id="fuzz", source=name)
        passages = chunk(doc, 300, 1)
    except VankienError as exc:
        assert str(exc).strip(), "a refusal must say why"
        return
    ids = [p.id for p in passages]
    assert len(ids) == len(set(ids)), "passage ids must be unique"
    for p in passages:
        assert (p.text.strip() or p.kind == "footnote") and p.doc_id == "fuzz"


# --- readers ------------------------------------------------------------------------------------
@FUZZ
@example("Báo cáo\n\u0300\nKết nạp 321 đảng viên.".encode(), "x.txt")  # fold() of marks only
@example("\u0300".encode(), "x.md")
@given(st.one_of(st.binary(max_size=3000), MIXED.map(lambda t: t.encode("utf-8"))),
       st.sampled_from(["x.txt", "x.md", "x.docx", "x.pdf", "x"]))  # fmt: skip
def _bytes(data: bytes, name: str) -> None:
    with budget("read_bytes: arbitrary bytes"):
        pipeline(data, name)


def test_read_bytes_on_arbitrary_bytes():
    _bytes()
    ran("read_bytes: arbitrary bytes")


W_PARTS = [
    "[[footnoteRef:", "[[footnoteRef:1]]", "[[footnoteRef:2]]", "]]", "]", "[", "[1: []",
    "[2: [] ", "[1: ", "[]", "[bookmark: ", "[bookmark: _Toc1]", "\t", "\n", " ",
]  # fmt: skip


@FUZZ
@example(["[1: []"])  # an empty footnote body
@example(["[1: []", "]", "\u0300"])
@given(st.lists(st.one_of(st.sampled_from(W_PARTS), VIET_TEXT), min_size=1, max_size=60))
def _word_export(parts: list[str]) -> None:
    with budget("word export: unbalanced markers"):
        pipeline(("[[footnoteRef:1]] " + "".join(parts)).encode("utf-8"), "x.txt")


def test_word_export_with_unbalanced_footnote_markers():
    _word_export()
    ran("word export: unbalanced markers")


MD_LINES = st.one_of(
    st.builds(lambda n, c: "+" + ("-" * n + "+") * c, st.integers(0, 6), st.integers(0, 5)),
    st.builds(lambda n, c: "+" + ("=" * n + "+") * c, st.integers(0, 6), st.integers(0, 5)),
    st.lists(st.sampled_from(["|", " | ", "||", "a", "ô", " ", "\\|", ":", "-", "+"]), max_size=20)
    .map("".join),
    st.sampled_from(["", "---", "--- ---", "|---|---|", ":--|--:", "# Tiêu đề", "## a ## {#x}",
                     "[^1]: chú thích", "    thụt lề", "1. mục", "a) ý", "**đậm**", "==="]),
    VIET_TEXT.map(lambda t: t.replace("\n", " ")),
)  # fmt: skip


@FUZZ
@example(["[" * 2000])  # link scanning from every "[" was quadratic
@example(["# a" + " " * 5000 + "b"])  # the ATX heading regex backtracked on trailing spaces
@example(["+---+---+", "| ô |", "+===+"])
@given(st.lists(MD_LINES, min_size=1, max_size=40))
def _markdown(lines: list[str]) -> None:
    with budget("markdown: ragged grid/pipe tables"):
        pipeline(("# Báo cáo\n\n**Số: 1-BC**\n\n" + "\n".join(lines)).encode("utf-8"), "x.md")


def test_markdown_with_ragged_and_nested_tables():
    _markdown()
    ran("markdown: ragged grid/pipe tables")


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
ATTR = st.one_of(st.sampled_from(["0", "1", "8", "9", "-1", "x", "", "99999999999999", "1e3"]),
                 st.text(ANY_TEXT, max_size=4))  # fmt: skip


def _xml_text(t: str) -> str:
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _run(children: st.SearchStrategy) -> st.SearchStrategy:
    leaf = st.one_of(
        VIET_TEXT.map(lambda t: f"<w:r><w:t>{_xml_text(t)}</w:t></w:r>"),
        ATTR.map(lambda a: f'<w:r><w:footnoteReference w:id="{_xml_text(a)}"/></w:r>'),
        st.sampled_from(["<w:r><w:tab/></w:r>", "<w:r><w:br/></w:r>", "<w:noBreakHyphen/>"]),
    )
    ppr = st.builds(
        lambda s, n, lvl, o: f'<w:pPr><w:pStyle w:val="{s}"/><w:numPr><w:ilvl w:val="{lvl}"/>'
        f'<w:numId w:val="{n}"/></w:numPr><w:outlineLvl w:val="{o}"/></w:pPr>',
        st.sampled_from(["Heading1", "H", "x"]), ATTR.map(_xml_text), ATTR.map(_xml_text),
        ATTR.map(_xml_text),
    )  # fmt: skip
    para = st.builds(lambda p, rs: f"<w:p>{p}{''.join(rs)}</w:p>",
                     st.one_of(st.just(""), ppr), st.lists(leaf, max_size=5))  # fmt: skip
    table = st.lists(st.lists(children, max_size=3), max_size=3).map(
        lambda rows: "<w:tbl>" + "".join(
            "<w:tr>" + "".join(f"<w:tc>{c}</w:tc>" for c in row) + "</w:tr>" for row in rows
        ) + "</w:tbl>"
    )  # fmt: skip
    return st.one_of(
        para, table, children.map(lambda c: f"<w:sdt><w:sdtContent>{c}</w:sdtContent></w:sdt>")
    )


BODY = st.recursive(st.just("<w:p/>"), _run, max_leaves=12)


def _numbering(ilvl: str, start: str, fmt: str, text: str) -> str:
    return (
        f'<w:numbering {W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="{ilvl}">'
        f'<w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        f'</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/><w:lvlOverride '
        f'w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num></w:numbering>'
    )


NUMBERING = st.builds(
    _numbering, ATTR.map(_xml_text), ATTR.map(_xml_text),
    st.sampled_from(["upperRoman", "lowerLetter", "decimalZero", "bullet", "none", "x"]),
    st.sampled_from(["%1.", "%1.%2.", "%9)", "%0", "", "%1%1%1"]),
)  # fmt: skip


STYLES = st.one_of(
    st.builds(
        lambda name, outline, num, based: f'<w:styles {W}><w:style w:styleId="Heading1">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="{based}"/><w:pPr><w:outlineLvl '
        f'w:val="{outline}"/><w:numPr><w:numId w:val="{num}"/><w:ilvl w:val="{outline}"/>'
        "</w:numPr></w:pPr></w:style></w:styles>",
        st.sampled_from(["heading 1", "Tiêu đề 9", "Normal", ""]), ATTR.map(_xml_text),
        ATTR.map(_xml_text), st.sampled_from(["Heading1", "x", ""]),
    ),
    st.binary(max_size=64),
)  # fmt: skip


_LISTED = (
    '<w:p><w:pPr><w:numPr><w:ilvl w:val="{}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
    "<w:r><w:t>Mục</w:t></w:r></w:p>"
)


@FUZZ
# attributes Word never writes: "", "x", 10**14 as a list start (megabytes of roman numerals)
@example([_LISTED.format("")], _numbering("x", "99999999999999", "upperRoman", "%1."), False, b"")
@example([_LISTED.format("99")], _numbering("", "", "lowerLetter", "%1%1%1"), True, b"")
@given(st.lists(BODY, min_size=1, max_size=6), NUMBERING, st.booleans(), STYLES)
def _docx(body: list[str], numbering: str, broken: bool, styles: str | bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        document = f"<w:document {W}><w:body>{''.join(body)}</w:body></w:document>"
        zf.writestr("word/document.xml", document[: len(document) // 2] if broken else document)
        zf.writestr("word/numbering.xml", numbering)
        zf.writestr(
            "word/footnotes.xml",
            f'<w:footnotes {W}><w:footnote w:id="1"><w:p><w:r>'
            "<w:t>Nữ 140 (43,6%)</w:t></w:r></w:p></w:footnote></w:footnotes>",
        )
        zf.writestr("word/styles.xml", styles)
    with budget("docx: random packages"):
        pipeline(buffer.getvalue(), "x.docx")


def test_docx_like_zips():
    _docx()
    ran("docx: random packages")


@FUZZ
@given(
    st.binary(max_size=2000), st.sampled_from([b"%PDF-1.4\n", b"%PDF-1.7\n%\xe2\xe3\n", b"%PDF-"])
)
def _pdf(junk: bytes, header: bytes) -> None:
    with budget("pdf: header then junk"):
        pipeline(header + junk + b"\n%%EOF\n", "x.pdf")


def test_pdf_headers_with_junk():
    _pdf()
    ran("pdf: header then junk")


def _raw_block(kind, text, level, rows, labels) -> RawBlock:
    """A block as readers make them: a table's text is its rows, markers sit inside the text."""
    rows = tuple(tuple(r) for r in rows if r) if kind == "table" else ()
    text = "\n".join(" | ".join(r) for r in rows) if kind == "table" else text
    refs = tuple((label, off % (len(text) + 1)) for label, off in labels)
    return RawBlock(kind, text, refs, rows, level)


RAW = st.builds(
    lambda blocks, notes: RawDocument(tuple(blocks), notes),
    st.lists(
        st.builds(
            _raw_block,
            st.sampled_from(["paragraph", "heading", "table"]), MIXED,
            st.one_of(st.none(), st.integers(1, 9)),
            st.lists(st.lists(MIXED, max_size=4), max_size=4),
            st.lists(st.tuples(st.sampled_from(["1", "2", "x", " 3 "]), st.integers(0, 10**6)),
                     max_size=3),
        ),
        max_size=15,
    ),
    st.dictionaries(st.sampled_from(["1", "2", "3", "x"]), MIXED, max_size=3),
)  # fmt: skip


@FUZZ
@example(RawDocument((_raw_block("paragraph", "\u0300", None, [], []),), {}), 300)  # marks only
@example(RawDocument((_raw_block("paragraph", "I.", 1, [], [("1", 0)]),), {"1": ""}), 20)
@example(RawDocument((_raw_block("heading", "\U0001d167\u200f\x00", 2, [], []),), {}), 20)
@given(RAW, st.integers(20, 2000))
def _assemble(raw: RawDocument, max_chars: int) -> None:
    with budget("assemble + chunk: random raw documents"):
        try:
            doc = assemble(raw, doc_id="d", source="d.txt")
        except VankienError:
            return
        for p in chunk(doc, max_chars, 1):
            # an empty footnote body ("[1: []]") still makes a (blank) footnote passage
            assert p.id.startswith("d:") and (p.text or p.kind == "footnote")


def test_assemble_and_chunk_on_random_documents():
    _assemble()
    ran("assemble + chunk: random raw documents")


# --- the query side -----------------------------------------------------------------------------
QUERY = st.one_of(VIET_TEXT, st.text(ANY_TEXT, max_size=MAX_QUERY)).map(lambda q: q[:MAX_QUERY])
KINDS = {"count", "percent", "rank", "money", "date", "entity", "change", "topic"}


ODD_STRINGS = ["\u0300", "\u0300\u0301", "", "\x00", "\u200f", "\u202e", "\U0001d167",
               "a\U000e0100", "\U0001f600\u0300", "\ufeff", "đ\u0300" * 50]  # fmt: skip


@FUZZ
@example("\u0300", "\u0300")  # fold() of a lone mark: max() of an empty string
@example("\U0001f600\u0300 bao nhiêu", "a\U000e0100 đảng viên")
@example("\u202e\u200f so \x00", "Số đảng viên\u200f 95")
@given(QUERY, MIXED)
def _query(query: str, passage: str) -> None:
    with budget("query: plan, highlight, classify"):
        q = plan(query)
        spans = highlight_spans(passage, q)
        assert all(0 <= a < b <= len(passage) for a, b in spans)
        assert all(b <= c for (_, b), (c, _) in zip(spans, spans[1:], strict=False))
        assert classify(query).kind in KINDS
        word_keys(query), folded_keys(query)


def test_query_side_on_arbitrary_unicode():
    _query()
    ran("query: plan, highlight, classify")


@FUZZ
@example("Kết nạp 654/1.150 đảng viên, đạt 56,87%; cử 01cán bộ")
@example("xã Hoà Bình, Đồng Hoá̀ ")
@given(MIXED)
def _kept_words(passage: str) -> None:
    with budget("words kept by the build"):
        located = located_words(passage)
        packed = packed_words(passage, located)
        assert packed is None or unpacked_words(passage, packed) == located
        *_, words = keys(f"Tiêu đề | Mục 1 | {passage}", passage)  # as the build keeps them
        assert words == packed  # the passage's own words, whatever its context
        if words is not None:
            found = unpacked_words(passage, words)
            assert found == located and all(passage[a:b] == w and a < b for a, b, w in found)
            assert unpacked_words(passage + " thêm một câu", words) is None  # another text's


def test_words_kept_by_the_build_are_the_words_found():
    _kept_words()
    ran("words kept by the build")


def _passage(i: int, text: str) -> Passage:
    return Passage(id=f"d:p{i}", doc_id="d", kind="paragraph", text=text, embed_text=text,
                   section="I. Kết quả", paragraph=i)  # fmt: skip


@FUZZ
@example("\u0300", ["\u0300", "kỷ luật 95 đảng viên"])
@example("bao nhiêu \u0301", ["\u0301 95 \u0301"])
@given(QUERY, st.lists(MIXED, max_size=8))
def _answer(query: str, texts: list[str]) -> None:
    hits = [Hit(_passage(i, t), 1.0 / (i + 1)) for i, t in enumerate(texts) if t.strip()]
    with budget("answer: fake hits"):
        found = answer(query, hits)
    if found.answer is not None:
        assert found.answer in found.citations[0].passage.text, "answers are cut verbatim"
    assert found.why and 0.0 <= found.confidence <= 1.0


def test_answer_on_fake_hits():
    _answer()
    ran("answer: fake hits")


@FUZZ
@example("\u0300")  # folded to nothing: fold() once took max() of it
@example("x\U0001d167")  # an astral combining mark: fold() and span_fold_map() must agree
@example("\u200f\x00\U000e0100\ufeff")
@given(MIXED)
def _text_forms(text: str) -> None:
    with budget("text: nfc, clean, fold, match_form"):
        nfc = vtext.nfc(text)
        assert vtext.nfc(nfc) == nfc
        cleaned = vtext.clean(text)
        assert vtext.clean(cleaned) == cleaned
        assert all(c.isprintable() or c in "\t\n" for c in cleaned)
        folded = vtext.fold(text)
        assert vtext.fold(folded) == folded
        vtext.match_form(text), vtext.is_unaccented(text)
        mapped, offsets = vtext.span_fold_map(nfc)
        assert mapped == vtext.fold(nfc) and len(offsets) == len(mapped)
        assert offsets == sorted(offsets) and all(0 <= o < len(nfc) for o in offsets)


def test_text_forms():
    _text_forms()
    ran("text: nfc, clean, fold, match_form")


# --- one explicit 1 MB line per reader, and the text forms on it --------------------------------
MB = 1_000_000
LONG_LINES = {
    "markdown heading then spaces": "# a" + " " * MB + "b",
    "markdown brackets": "[" * MB,
    "markdown grid row": "|" + " ô |" * (MB // 4),
    "word export, unbalanced markers": "Đảng viên[[footnoteRef:1]] [1: [] "
    + "kết nạp [[footnoteRef: " * (MB // 24),
    "prose with a footnote": "Kết nạp 321 đảng viên[[footnoteRef:1]], đạt 107%. "
    + "Tỷ lệ 43,6% (Nghị quyết 35-NQ/TW). " * (MB // 36)
    + "[1: [] Nữ 140 (43,6%).]",
}


@pytest.mark.parametrize("name", list(LONG_LINES))
def test_one_megabyte_lines(name):
    line = LONG_LINES[name]
    suffix = "x.md" if name.startswith("markdown") else "x.txt"
    with budget(f"1 MB line: {name}", 30.0):
        pipeline(line.encode("utf-8"), suffix)
        vtext.clean(line), vtext.fold(line), vtext.match_form(line), vtext.span_fold_map(line)
        highlight_spans(line, plan("kết nạp đảng viên"))
