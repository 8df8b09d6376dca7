"""Managing documents through the service: upload, delete, reindex, the admin token, and
searches that keep working while the index is rebuilt and swapped."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.build import build_index
from indexer.config import Settings
from tests.ids import doc_id as id_of
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"
ADMIN = {"Authorization": "Bearer adm-secret"}
FISH = (
    "BÁO CÁO\nTình hình nuôi cá lồng ở xã Hòa Bình năm 2024\n\n"
    "Năm 2024, toàn xã có 37 hộ nuôi cá lồng trên sông Đà, sản lượng đạt 420 tấn.\n\n"
    "Hợp tác xã cá lồng Hòa Bình được thành lập với 15 thành viên.\n"
)
FISH_ID = id_of("Báo cáo cá lồng.txt", FISH)
KL_ID = id_of("ket-luan.md", (DATA / "web" / "ket-luan-chuyen-doi-so.md").read_bytes())
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(DATA / "web" / "ket-luan-chuyen-doi-so.md", folder / "ket-luan.md")
    return folder


def _settings(tmp_path, corpus, **changes) -> Settings:
    values = {
        "index": tmp_path / "index",
        "model": "toy",
        "admin_token": "adm-secret",
        "corpus": [corpus],
    } | changes
    return Settings(**values)


def _client(settings: Settings, embedder=None) -> TestClient:
    embedder = embedder or ToyEmbedder()
    build_index(list(settings.corpus), settings.index, settings, embedder=embedder)
    app = create_app(settings, embedder=embedder)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def settings(tmp_path, corpus) -> Settings:
    return _settings(tmp_path, corpus)


@pytest.fixture
def client(settings):
    with _client(settings) as c:
        yield c


def _upload(client, data: bytes | str, name: str = "Báo cáo cá lồng.txt", **form):
    data = data.encode() if isinstance(data, str) else data
    return client.post("/api/documents", headers=ADMIN, files={"file": (name, data)}, data=form)


def _doc_ids(client, q: str) -> set[str]:
    response = client.get("/api/search", params={"q": q, "k": 20})
    assert response.status_code == 200, response.text
    return {r["doc_id"] for r in response.json()["results"]}


def _uploads(settings) -> list[str]:
    folder = settings.index / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_upload_is_searchable_listed_and_stored_under_a_hash(client, settings):
    model = client.app.state.holder.index.embedder
    response = _upload(client, FISH)
    assert response.status_code == 200, response.text
    assert client.app.state.holder.index.embedder is model  # the service's one model, reused
    body = response.json()
    doc_id = body["doc_id"]
    assert doc_id == FISH_ID and body["added"] == ["Báo cáo cá lồng.txt"]
    assert body["documents"] == 2 and body["version"]
    hits = client.get("/api/search", params={"q": "sản lượng cá lồng sông Đà"}).json()
    assert hits["results"][0]["doc_id"] == doc_id
    assert "420 tấn" in hits["results"][0]["text"]
    listed = {d["doc_id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert listed[doc_id]["name"] == "Báo cáo cá lồng.txt"
    stored = _uploads(settings)
    assert len(stored) == 1 and stored[0].endswith(".txt")
    assert all(c in "0123456789abcdef" for c in stored[0].removesuffix(".txt"))
    answer = client.get("/api/ask", params={"q": "sản lượng cá lồng đạt bao nhiêu tấn?"}).json()
    assert answer["answer"] == "420 tấn"


def test_type_is_judged_by_content_and_bad_files_leave_nothing(client, settings):
    before = client.get("/healthz", headers=ADMIN).json()["index_version"]
    png = _upload(client, PNG, name="bao-cao.txt")
    assert png.status_code == 415
    assert "PNG" in png.json()["error"]["message"]
    corrupt = _upload(client, b"PK\x03\x04 not really a zip", name="nghi-quyet.docx")
    assert corrupt.status_code == 422
    assert "corrupt zip/.docx" in corrupt.json()["error"]["message"]
    empty = _upload(client, b"  \n", name="trong.md")
    assert empty.status_code == 422 and "empty" in empty.json()["error"]["message"]
    missing = client.post("/api/documents", headers=ADMIN, data={"access": "0"})
    assert missing.status_code == 422 and "`file`" in missing.json()["error"]["message"]
    bad_level = _upload(client, FISH, access="-1")
    assert bad_level.status_code == 422 and "access" in bad_level.json()["error"]["message"]
    assert _uploads(settings) == []
    assert not (settings.index / "uploads.json").exists()
    assert client.get("/healthz", headers=ADMIN).json()["index_version"] == before


def test_too_large_uploads_are_refused(tmp_path, corpus):
    settings = _settings(tmp_path, corpus, max_upload_bytes=len(FISH.encode()) - 1)
    with _client(settings) as client:
        just_over = _upload(client, FISH)
        assert just_over.status_code == 413
        assert "VANKIEN_MAX_UPLOAD_BYTES" in just_over.json()["error"]["message"]
        huge = _upload(client, FISH * 2000)  # refused from its Content-Length, before parsing
        assert huge.status_code == 413
        assert _uploads(settings) == []


def test_a_traversal_name_is_only_a_display_name(client, settings, tmp_path):
    response = _upload(client, FISH, name="../../etc/passwd.txt")
    assert response.status_code == 200, response.text
    assert response.json()["doc_id"] == id_of("passwd.txt", FISH)
    assert not (tmp_path / "etc").exists() and not (settings.index.parent / "passwd.txt").exists()
    (stored,) = _uploads(settings)
    assert stored != "passwd.txt" and (settings.index / "uploads" / stored).read_text() == FISH
    listed = {d["doc_id"]: d["name"] for d in client.get("/api/documents").json()["documents"]}
    assert listed[id_of("passwd.txt", FISH)] == "passwd.txt"


def test_delete_removes_an_upload_and_refuses_corpus_documents(client, settings):
    doc_id = _upload(client, FISH).json()["doc_id"]
    response = client.delete(f"/api/documents/{doc_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["removed"] == ["Báo cáo cá lồng.txt"]
    assert doc_id not in _doc_ids(client, "cá lồng sông Đà")
    assert doc_id not in {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}
    assert client.get(f"/api/documents/{doc_id}").status_code == 404
    assert _uploads(settings) == []
    assert json.loads((settings.index / "uploads.json").read_text()) == {}
    corpus_doc = client.delete(f"/api/documents/{KL_ID}", headers=ADMIN)
    assert corpus_doc.status_code == 409
    assert "remove the file there" in corpus_doc.json()["error"]["message"]
    assert KL_ID in {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}
    assert client.delete("/api/documents/khong-co", headers=ADMIN).status_code == 404


def test_reindex_picks_up_new_and_removed_corpus_files(client, corpus):
    (corpus / "ca-long.txt").write_text(FISH, encoding="utf-8")
    response = client.post("/api/reindex", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["added"] == ["ca-long.txt"] and response.json()["unchanged"] == 1
    assert id_of("ca-long.txt", FISH) in _doc_ids(client, "cá lồng sông Đà")
    (corpus / "ca-long.txt").unlink()
    assert client.post("/api/reindex", headers=ADMIN).json()["removed"] == ["ca-long.txt"]
    assert id_of("ca-long.txt", FISH) not in _doc_ids(client, "cá lồng sông Đà")
    again = client.post("/api/reindex", headers=ADMIN).json()
    assert again["added"] == again["removed"] == [] and again["unchanged"] == 1


def test_write_endpoints_need_the_admin_token(tmp_path, corpus):
    calls = [
        ("post", "/api/reindex"),
        ("delete", f"/api/documents/{KL_ID}"),
        ("post", "/api/documents"),
    ]
    settings = _settings(tmp_path, corpus, read_tokens={"reader": 2})
    with _client(settings) as client:
        for method, url in calls:
            anonymous = client.request(method, url)
            assert anonymous.status_code == 401 and "Bearer" in anonymous.json()["error"]["message"]
            assert anonymous.headers["www-authenticate"] == "Bearer"
            for token in ("wrong", "reader", "adm-secre"):
                response = client.request(method, url, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 403, (url, token)
        version = client.get("/healthz", headers=ADMIN).json()["index_version"]
        assert client.post("/api/reindex", headers=ADMIN).status_code == 200
        after = client.get("/healthz", headers=ADMIN).json()["index_version"]
        assert after == version  # nothing changed


def test_write_endpoints_are_disabled_without_an_admin_token(tmp_path, corpus):
    settings = _settings(tmp_path, corpus, admin_token=None)
    with _client(settings) as client:
        for method, url in [("post", "/api/reindex"), ("delete", f"/api/documents/{KL_ID}")]:
            response = client.request(method, url, headers=ADMIN)
            assert response.status_code == 403
            assert "VANKIEN_ADMIN_TOKEN" in response.json()["error"]["message"]
        assert _upload(client, FISH).status_code == 403
        assert _uploads(settings) == []


class SlowToy(ToyEmbedder):
    """Embeds passages slowly, so a build surely overlaps the searches."""

    def embed_passages(self, texts, progress=None):
        time.sleep(0.4)
        return super().embed_passages(texts, progress)


def test_searches_never_fail_while_an_upload_is_indexed_and_swapped_in(tmp_path, corpus):
    settings = _settings(tmp_path, corpus)
    with _client(settings, SlowToy()) as client:
        old_docs = _doc_ids(client, "cá lồng sông Đà")
        errors, seen, done = [], [], threading.Event()

        def hammer():
            saw_new = False
            while not done.is_set():
                try:
                    response = client.get("/api/search", params={"q": "cá lồng sông Đà"})
                    ids = {r["doc_id"] for r in response.json()["results"]}
                except Exception as exc:  # noqa: BLE001 - any failure is what is counted
                    errors.append(repr(exc))
                    continue
                if response.status_code != 200 or not ids <= old_docs | {FISH_ID}:
                    errors.append(f"{response.status_code}: {ids}")
                if saw_new and FISH_ID not in ids:
                    errors.append("the new index was served, then the old one again")
                saw_new = saw_new or FISH_ID in ids
                seen.append(saw_new)

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        started = len(seen)
        response = _upload(client, FISH)
        during = len(seen)
        time.sleep(0.2)
        done.set()
        for t in threads:
            t.join()
        assert response.status_code == 200, response.text
        assert errors == []
        # dozens while the build runs in a worker thread; at most one per thread if it blocked
        assert seen[started:during].count(False) > 10
        assert during < len(seen) and all(seen[-3:])
        assert FISH_ID in _doc_ids(client, "cá lồng sông Đà")
