"""Odd input never costs a user a file or an answer: lone combining marks, astral characters, NUL,
bidi marks, 10,000-character queries. The query path answers 2xx/4xx, never 5xx; every reader
keeps a valid document's text when arbitrary lines are inserted into it; the command line never
prints a traceback.
"""

from __future__ import annotations

import io
import re
import unicodedata

import docx
import pymupdf
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.cli import main as cli
from indexer.ingest.assemble import assemble
from indexer.ingest.chunk import chunk
from indexer.ingest.parsers import read_bytes
from indexer.query.kinds import classify, content_words
from indexer.query.place_asked import query_entity
from indexer.query.search import highlight_spans, plan
from indexer.vietnamese import text as vtext
from indexer.vietnamese.keys import folded_keys, word_keys
from indexer.vietnamese.numbers import find_numbers
from indexer.vietnamese.segment import sentences

ODD = ["", "\u0300", "\u0300\u0301\u0323", "\x00", "\u200f", "\u202e", "\u2066x\u2069", "\ufeff",
       "\U0001d167", "a\U000e0100", "\U0001f600\u0300", "\U00020000", "\u0301" * 500,
       "đ\u0300" * 50, "\x1b[31m", "\u2028\u2029", "\ud7ff\uffff"]  # fmt: skip


@pytest.mark.parametrize("odd", ODD, ids=lambda s: ascii(s)[:24])
def test_text_functions_accept_any_string(odd):
    for text in (odd, f"Số đảng viên {odd} bị kỷ luật", odd + "95%"):
        folded = vtext.fold(text)
        assert vtext.fold(folded) == folded
        assert not any(unicodedata.category(c) == "Mn" for c in folded)
        mapped, offsets = vtext.span_fold_map(vtext.nfc(text))
        assert mapped == vtext.fold(vtext.nfc(text)) and len(offsets) == len(mapped)
        vtext.match_form(text), vtext.clean(text), vtext.is_unaccented(text)
        word_keys(text), folded_keys(text), find_numbers(text), sentences(text)
        content_words(text), classify(text), query_entity(text)
        spans = highlight_spans(text, plan(text or "x"))
        assert all(0 <= a < b <= len(text) for a, b in spans)
    for word in ("\u0300", "y\u0300", "\U0001d167"):
        vtext.syllable_key(word)


# --- the whole query path, API and page ----------------------------------------------------------
QUERY_CHARS = st.characters(exclude_categories=("Cs",))
MARKS = st.text(st.characters(categories=("Mn", "Me")), min_size=1, max_size=30)
BIDI_AND_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069\u061c\x00\x01\x1b\x7f\t\n\r"  # noqa: E501
BIDI = st.text(st.sampled_from(BIDI_AND_CONTROLS), min_size=1, max_size=20)
QUERIES = st.one_of(
    MARKS,
    BIDI,
    st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF,
                          exclude_categories=("Cs",)), min_size=1, max_size=20),  # fmt: skip
    st.text(QUERY_CHARS, max_size=200),
    st.lists(st.one_of(st.sampled_from(["đảng viên", "kỷ luật", "bao nhiêu", "so", "35-NQ/TW"]),
                       MARKS, BIDI), max_size=12).map(" ".join),  # fmt: skip
    st.builds(lambda c, n: _fits_url(c * n), st.sampled_from(["\u0300", "a", "đ ", "\U0001f600"]),
              st.integers(900, 10_000)),  # fmt: skip
)


def _fits_url(query: str, limit: int = 60_000) -> str:
    """The longest head of `query` whose percent-encoding fits in a URL the client will send."""
    size = 0
    for i, ch in enumerate(query):
        size += 3 * len(ch.encode("utf-8"))
        if size > limit:
            return query[:i]
    return query


@pytest.fixture(scope="module")
def client(web_settings, web_index):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(web_settings, index=web_index),
                    raise_server_exceptions=False) as test_client:  # fmt: skip
        yield test_client


def test_query_path_never_answers_5xx(client):
    ran = []

    @settings(max_examples=max(30, settings.default.max_examples // 3))
    @example("\u0300")  # fold() of a lone mark crashed: 500 on all three routes
    @example("\u0300" * 10_000)
    @example("\U0001f600\u200f\x00 đảng viên \u202e")
    @given(QUERIES)
    def check(query: str) -> None:
        ran.append(query)
        for path in ("/api/search", "/api/ask", "/"):
            response = client.get(path, params={"q": query})
            assert response.status_code < 500, (path, ascii(query[:80]), response.text[:300])
            assert "Traceback" not in response.text

    check()
    assert len(ran) >= 30


# --- every reader keeps a valid document's text around inserted junk lines -----------------------
VALID = ["Toàn Đảng bộ kết nạp 321 đảng viên mới, đạt 53,5% kế hoạch năm.",
         "Ủy ban Kiểm tra các cấp đã thi hành kỷ luật 17 đảng viên vi phạm.",
         "Thu ngân sách trên địa bàn đạt 3.219 tỷ đồng, tăng 12,5% so với cùng kỳ."]  # fmt: skip
HEAD = ["TỈNH ỦY MẪU SƠN", "Số 12-BC/TU", "BÁO CÁO", "Kết quả công tác 6 tháng đầu năm 2024",
        "I. KẾT QUẢ THỰC HIỆN"]  # fmt: skip
JUNK = st.one_of(MARKS, BIDI, st.text(QUERY_CHARS, min_size=1, max_size=120))


def _printable(line: str) -> str:
    """What a Word or PDF file can hold of a line: no control characters, no lone surrogates."""
    return "".join(c for c in line if c.isprintable() or c == "\t")


def _word_export(lines):
    return "\n".join(lines).encode("utf-8"), "bao-cao.txt"


def _markdown(lines):
    return "\n\n".join(lines).encode("utf-8"), "bao-cao.md"


def _docx(lines):
    document = docx.Document()
    for line in lines:
        document.add_paragraph(_printable(line))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), "bao-cao.docx"


def _pdf(lines):
    doc = pymupdf.open()
    page = doc.new_page()
    html = "".join(f"<p>{_printable(line).replace('&', '&amp;').replace('<', '&lt;')}</p>"
                   for line in lines)  # fmt: skip
    page.insert_htmlbox(pymupdf.Rect(60, 60, 540, 800), html)
    return doc.tobytes(), "bao-cao.pdf"


def _indexed_text(data: bytes, name: str) -> str:
    from pathlib import Path

    raw = read_bytes(data, Path(name))
    doc = assemble(raw, doc_id="d", source=name)
    return " ".join(" ".join(p.text.split()) for p in chunk(doc, 1200, 1))


@pytest.mark.parametrize("write", [_word_export, _markdown, _docx, _pdf],
                         ids=["word-export", "markdown", "docx", "pdf"])  # fmt: skip
def test_readers_keep_valid_text_around_junk_lines(write):
    @settings(max_examples=max(25, settings.default.max_examples // 4))
    @example({1: "\u0300"})  # a line of one combining mark lost the whole .txt file
    @example({0: "\u200f\x00", 2: "\U0001d167" * 3, 3: "\u0301" * 200})
    @given(st.dictionaries(st.integers(0, len(VALID)), JUNK, max_size=4))
    def check(junk: dict[int, str]) -> None:
        lines = list(HEAD)
        for i, sentence in enumerate([*VALID, None]):
            if i in junk:
                lines.append(junk[i])
            if sentence:
                lines.append(sentence)
        indexed = _indexed_text(*write(lines))
        for sentence in VALID:
            assert sentence in indexed, (ascii(junk), indexed[:500])

    check()


# --- no traceback from the command line ---------------------------------------------------------
def test_build_indexes_a_file_with_a_line_of_lone_marks(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = "BÁO CÁO\nTình hình kết nạp đảng viên\n\u0300\nĐã kết nạp 321 đảng viên mới.\n"
    (folder / "bao-cao.txt").write_text(text, encoding="utf-8")
    index = tmp_path / "index"
    result = CliRunner().invoke(cli, ["build", str(folder), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and '"documents": 1' in result.output


def test_unexpected_error_is_one_line_naming_query_and_log(web_settings, web_index, monkeypatch,
                                                           tmp_path):  # fmt: skip
    from indexer.query.index import Index

    def broken(self, *args, **kwargs):
        raise RuntimeError("an internal detail")

    monkeypatch.setattr(Index, "search", broken)
    log = tmp_path / "vankien.log"
    monkeypatch.setenv("VANKIEN_LOG_FILE", str(log))
    from indexer.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["search", "số đảng viên", "--index", str(web_settings.index)]
        )
    finally:
        get_settings.cache_clear()
        from indexer import logs

        logs.reset()
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "'số đảng viên'" in result.output and str(log) in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 4
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "an internal detail" in logged
    assert re.search(r"vankien search", logged)
