"""What one document may cost: characters, paragraphs and passages are bounded (uploads are
refused with a 413 naming the limit, a corpus file is skipped with it), and reading time grows
linearly with the size of the file."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.build.uploads import check_upload
from indexer.config import Settings
from indexer.errors import DocumentTooLarge
from indexer.ingest.assemble import assemble
from indexer.ingest.chunk import chunk
from indexer.ingest.parsers import read_bytes
from scripts.hostile_upload import hostile_docx
from tests.test_admin import ADMIN, _client, _settings, _uploads
from tests.toy import ToyEmbedder

SHAPES = {  # name → (file name, bytes of a file with n units)
    "docx_paragraphs": ("x.docx", lambda n: hostile_docx(n)),
    "markdown_pipe_table": ("x.md", lambda n: ("| a | b |\n|---|---|\n" + "| x | y |\n" * n
                                              ).encode()),  # fmt: skip
    "text_lines": ("x.txt", lambda n: ("Đảng viên mới.\n\n" * n).encode()),
}


def _read_seconds(name: str, data: bytes) -> float:
    """Reading, assembling and chunking as a build does; the garbage collector, whose passes
    over the objects alive make any run of allocations look superlinear, is held meanwhile."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        doc = assemble(read_bytes(data, Path(name)), doc_id="x", source=name)
        chunk(doc, 1200, 1)
        return time.perf_counter() - started
    finally:
        gc.enable()


@pytest.mark.slow  # timing: several reads of files of 16,000 units
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_reading_time_grows_linearly_with_size(shape):
    name, make = SHAPES[shape]
    _read_seconds(name, make(200))  # lazy imports and caches out of the way
    small_file, large_file = make(1000), make(16000)
    # the best of alternated runs: a busy machine slows one run, rarely all of them
    small = large = float("inf")
    for _ in range(4):
        small = min(small, _read_seconds(name, small_file))
        large = min(large, _read_seconds(name, large_file))
    # sixteen times the size: linear is 16 times as long, quadratic 256. Measured on a busy
    # machine: the readers today 16-37 times, the quadratic markdown table of before 88; below
    # 0.4 s noise decides, not growth
    assert large <= max(55 * small, 0.4), f"{shape}: {small:.2f} s → {large:.2f} s"
    assert large < 20


def test_an_upload_holding_too_many_paragraphs_is_refused_naming_the_limit(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Báo cáo\n\nKết nạp 12 đảng viên.\n", encoding="utf-8")
    settings = _settings(tmp_path, corpus, max_doc_paragraphs=500)
    with _client(settings) as client:
        data = hostile_docx(2000)
        assert len(data) < 10_000  # a few KB: the byte limit alone lets it through
        response = client.post("/api/documents", headers=ADMIN,
                               files={"file": ("rong.docx", data)})  # fmt: skip
        assert response.status_code == 413, response.text
        body = response.json()["error"]
        assert body["code"] == "document_too_large" and body["field"] == "file"
        assert "2,000 paragraphs" in body["message"]
        assert "VANKIEN_MAX_DOC_PARAGRAPHS" in body["message"]
        assert _uploads(settings) == []
        small = hostile_docx(100, "Chi bộ họp.")
        ok = client.post("/api/documents", headers=ADMIN, files={"file": ("nho.docx", small)})
        assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(("limit", "setting"), [
    ({"max_doc_passages": 50}, "VANKIEN_MAX_DOC_PASSAGES"),
    ({"max_doc_chars": 5000}, "VANKIEN_MAX_DOC_CHARS"),
    ({"max_doc_paragraphs": 50}, "VANKIEN_MAX_DOC_PARAGRAPHS"),
])  # fmt: skip
def test_each_limit_is_checked_and_named(limit, setting):
    text = "".join(f"Đoạn {i}: chi bộ kết nạp {i} đảng viên mới trong năm.\n\n" for i in range(200))
    with pytest.raises(DocumentTooLarge) as caught:
        check_upload(text.encode(), "dai.txt", 10**7, settings=Settings(**limit))
    assert setting in str(caught.value) and caught.value.details["limit"] == next(
        iter(limit.values()))
    check_upload(text.encode(), "dai.txt", 10**7, settings=Settings())  # the defaults let it in


def test_a_corpus_file_over_a_limit_is_skipped_with_the_limit_named(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Báo cáo\n\nKết nạp 12 đảng viên.\n", encoding="utf-8")
    (corpus / "rong.docx").write_bytes(hostile_docx(2000))
    settings = Settings(index=tmp_path / "index", model="toy", max_doc_paragraphs=500)
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert report.documents == 1
    ((path, why),) = report.skipped
    assert path.endswith("rong.docx") and "VANKIEN_MAX_DOC_PARAGRAPHS" in why


def test_a_docx_of_far_too_many_paragraphs_is_refused_before_it_is_read():
    data = hostile_docx(400_000)  # 40 KB
    started = time.perf_counter()
    with pytest.raises(DocumentTooLarge) as caught:
        check_upload(data, "rong.docx", 10**8, settings=Settings(max_doc_paragraphs=10_000))
    # counted in its XML, not parsed: reading it whole took 10 s on the 2-core test machine
    assert time.perf_counter() - started < 4
    assert "VANKIEN_MAX_DOC_PARAGRAPHS" in str(caught.value)
