"""Hardening of the HTTP surface (issue 12): what an anonymous caller can infer about documents
above its level, how tokens are taken and kept, security headers, input ranges, brute force,
and a reindex that sees the corpus folders however the service was started."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.build.build import FileInfo, build_index
from indexer.config import Settings
from indexer.query.index import Index
from tests.toy import ToyEmbedder

PUBLIC = (
    "ĐẢNG ỦY XÃ HÒA BÌNH\nSố 12-BC/ĐU\nHòa Bình, ngày 10 tháng 1 năm 2024\n\n"
    "BÁO CÁO\nkết quả công tác xây dựng Đảng năm 2023\n\n"
    "Năm 2023, Đảng bộ xã kết nạp 12 đảng viên mới ở thôn Suối Cỏ.\n\n"
    "Công tác sáp nhập thôn được chuẩn bị theo kế hoạch của huyện.\n\n"
    "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ đạt 85%.\n"
)
HIDDEN = (
    "ĐẢNG ỦY XÃ HÒA BÌNH\nSố 07-KH/ĐU\nHòa Bình, ngày 3 tháng 3 năm 2024\n\n"
    "KẾ HOẠCH\nsáp nhập thôn Suối Cỏ\n\n"
    "Sáp nhập thôn Suối Cỏ vào thôn Suối Cỏ Hạ; sáp nhập chi bộ Suối Cỏ, sáp nhập nhà văn hóa.\n"
)
QUERY = {"q": "sáp nhập thôn kết nạp đảng viên", "k": 20}
ADMIN = {"Authorization": "Bearer adm"}
TOKENS = {"tok-1": 1}


def _settings(root: Path, folder: Path, **changes) -> Settings:
    values = {"index": root / "index", "model": "toy", "admin_token": "adm",
              "read_tokens": TOKENS, "corpus": [folder]} | changes  # fmt: skip
    return Settings(**values)


@pytest.fixture
def public_corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bao-cao.txt").write_text(PUBLIC, encoding="utf-8")
    return folder


@pytest.fixture
def served(tmp_path, public_corpus):
    # the toy embedder's cosines mean nothing: every passage matches, so scores are compared
    settings = _settings(tmp_path, public_corpus, dense_match=-1.0)
    embedder = ToyEmbedder()
    build_index([public_corpus], settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        yield c


def _ranking(client, headers=None) -> list[tuple[str, float]]:
    found = client.get("/api/search", params=QUERY, headers=headers or {}).json()
    return [(r["id"], r["score"]) for r in found["results"]]


# --- 4. side channels ---------------------------------------------------------------------------
def test_an_anonymous_callers_scores_do_not_move_when_a_restricted_document_is_added(served):
    before = _ranking(served)
    assert before
    up = served.post("/api/documents", headers=ADMIN, data={"access": "1"},
                     files={"file": ("Kế hoạch sáp nhập.txt", HIDDEN.encode())})  # fmt: skip
    assert up.status_code == 200, up.text
    assert _ranking(served) == before
    # the reader who may see it does see it, ranked with its own statistics
    assert any(":" in i and i.split(":")[0] == up.json()["doc_id"]
               for i, _ in _ranking(served, {"Authorization": "Bearer tok-1"}))


def _ids(tmp_path: Path, folders: list[Path], levels: dict[str, int]) -> dict[str, str]:
    settings = Settings(index=tmp_path / f"index-{len(folders)}", model="toy")
    build_index(folders, settings.index, settings, embedder=ToyEmbedder(),
                info=lambda p: FileInfo(p.name, levels.get(str(p.parent.name), 0)))
    index = Index.open(settings.index, settings, embedder=ToyEmbedder())
    try:
        return {d.doc_id: d.access for d in index.docs.values()}
    finally:
        index.close()


def test_a_document_id_does_not_reveal_a_hidden_document_of_the_same_name(tmp_path):
    hidden, public = tmp_path / "a-hidden", tmp_path / "b-public"
    for folder, text in ((hidden, HIDDEN), (public, PUBLIC)):
        folder.mkdir()
        (folder / "ke-hoach-sap-nhap.txt").write_text(text, encoding="utf-8")
    alone = _ids(tmp_path, [public], {})
    both = _ids(tmp_path, [hidden, public], {"a-hidden": 1})
    [public_id] = alone
    assert public_id.startswith("ke-hoach-sap-nhap-")
    assert both[public_id] == 0  # the same id, whether or not the hidden one exists
    [hidden_id] = [d for d, level in both.items() if level == 1]
    assert hidden_id.startswith("ke-hoach-sap-nhap-") and hidden_id != public_id
    assert _ids(tmp_path / "again", [public], {}) == alone  # stable across rebuilds


def test_healthz_says_only_ready_to_anyone_but_the_admin(served):
    anonymous = served.get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    assert served.get("/healthz", headers={"Authorization": "Bearer tok-1"}).json() == {
        "status": "ok"}
    admin = served.get("/healthz", headers=ADMIN).json()
    assert admin["status"] == "ok" and admin["documents"] == 1 and admin["index_version"]


def test_api_docs_need_the_read_token_when_one_is_set(tmp_path, public_corpus):
    settings = _settings(tmp_path, public_corpus, read_token="tok-0")
    embedder = ToyEmbedder()
    build_index([public_corpus], settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        for url in ("/docs", "/redoc", "/openapi.json"):
            assert c.get(url).status_code == 401, url
            assert c.get(url, headers={"Authorization": "Bearer tok-0"}).status_code == 200, url


# --- 5. tokens only by POST /login ------------------------------------------------------------
def test_a_token_in_the_address_is_neither_stored_nor_trusted(served):
    link = served.get("/", params={"token": "attacker"}, follow_redirects=False)
    assert "set-cookie" not in link.headers
    assert "attacker" not in served.cookies.get("vankien_token", "")
    wrong = served.post("/login", data={"token": "nope", "next": "/"}, follow_redirects=False)
    assert wrong.status_code == 401 and "Mã truy cập không đúng" in wrong.text
    assert "set-cookie" not in wrong.headers
    good = served.post("/login", data={"token": "tok-1", "next": "/"}, follow_redirects=False)
    assert good.status_code == 303 and "vankien_token=tok-1" in good.headers["set-cookie"]


def test_the_access_log_never_holds_a_token(served, caplog):
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET",
                    "/documents/x?hl=a&token=tok-1&q=b", "1.1", 200)  # fmt: skip
    [line] = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert "tok-1" not in line and "token=" in line and "hl=a" in line and "q=b" in line


# --- 6. headers and the Host --------------------------------------------------------------------
def test_pages_and_api_carry_security_headers(served):
    for url in ("/", "/api/search?q=s%C3%A1p+nh%E1%BA%ADp", "/healthz", "/static/style.css",
                "/login"):
        h = served.get(url).headers
        assert "default-src 'self'" in h["content-security-policy"], url
        assert "frame-ancestors 'none'" in h["content-security-policy"], url
        assert "script-src 'self'" in h["content-security-policy"], url
        assert h["x-content-type-options"] == "nosniff", url
        assert h["x-frame-options"] == "DENY", url
        assert h["referrer-policy"] == "no-referrer", url
    for url in ("/", "/api/search?q=s%C3%A1p", "/login"):
        assert served.get(url).headers["cache-control"] == "no-store", url


def test_no_url_is_built_from_the_host_header(served):
    for url in ("/", "/?q=s%C3%A1p+nh%E1%BA%ADp", "/api/search?q=s%C3%A1p+nh%E1%BA%ADp",
                "/api/search/?q=s%C3%A1p", "/login/", "/documents/x/"):
        response = served.get(url, headers={"Host": "evil.example"}, follow_redirects=False)
        assert "evil.example" not in response.text, url
        assert "evil.example" not in response.headers.get("location", ""), url


def test_the_api_docs_load_nothing_from_another_host(served):
    for url in ("/docs", "/redoc"):
        page = served.get(url)
        assert page.status_code == 200
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), page.text
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert any(a.endswith(".js") for a in assets), assets
        for asset in assets:
            assert served.get(asset).status_code == 200, asset
        assert "'unsafe-eval'" not in page.headers["content-security-policy"]


# --- 7. input ranges ------------------------------------------------------------------------------
def test_an_access_level_out_of_range_is_a_422_naming_the_field(served):
    for level in ("99999999999999999999999999", "1001"):
        up = served.post("/api/documents", headers=ADMIN, data={"access": level},
                         files={"file": ("x.txt", HIDDEN.encode())})  # fmt: skip
        assert up.status_code == 422, up.text
        error = up.json()["error"]
        assert error["field"] == "access" and error["code"] == "out_of_range"


# --- 8. brute force -----------------------------------------------------------------------------
def test_repeated_wrong_tokens_are_answered_429_with_retry_after(tmp_path, public_corpus):
    settings = _settings(tmp_path, public_corpus, auth_failures=5, auth_window=60.0)
    embedder = ToyEmbedder()
    build_index([public_corpus], settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        codes = [c.post("/login", data={"token": f"guess-{i}"}).status_code for i in range(5)]
        assert codes == [401] * 5
        blocked = c.post("/login", data={"token": "tok-1"}, follow_redirects=False)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "set-cookie" not in blocked.headers and "thử lại" in blocked.text
        bearer = c.get("/api/search", params={"q": "sáp"}, headers={"Authorization": "Bearer x"})
        assert bearer.status_code == 429 and bearer.json()["error"]["code"] == "too_many_attempts"
        assert c.get("/api/search", params={"q": "sáp"}).status_code == 200  # anonymous reads
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        for _ in range(5):
            c.get("/api/documents", headers={"Authorization": "Bearer wrong"})
        assert c.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 429
        assert c.post("/api/reindex", headers={"Authorization": "Bearer no"}).status_code == 429


# --- 11. reindex sees the corpus folders ---------------------------------------------------------
def test_reindex_picks_up_new_corpus_files_when_the_service_was_not_started_with_build(
        tmp_path, public_corpus):  # fmt: skip
    settings = _settings(tmp_path, public_corpus, corpus=[])  # `vankien build`, then `serve`
    embedder = ToyEmbedder()
    build_index([public_corpus], settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        (public_corpus / "ke-hoach.txt").write_text(HIDDEN, encoding="utf-8")
        done = c.post("/api/reindex", headers=ADMIN)
        assert done.status_code == 200, done.text
        assert done.json()["added"] == ["ke-hoach.txt"] and done.json()["removed"] == []


@pytest.mark.faiss_files
def test_a_version_written_before_levels_gets_its_level_statistics_at_load(tmp_path):
    public, hidden = tmp_path / "public", tmp_path / "hidden"
    for folder, text in ((public, PUBLIC), (hidden, HIDDEN)):
        folder.mkdir()
        (folder / f"{folder.name}.txt").write_text(text, encoding="utf-8")
    settings = Settings(index=tmp_path / "index", model="toy",
                        dense_match=-1.0)  # toy cosines mean nothing: every passage matches
    build_index([public, hidden], settings.index, settings, embedder=ToyEmbedder(),
                info=lambda p: FileInfo(p.name, 1 if p.parent == hidden else 0))  # fmt: skip
    from indexer.model import Filters

    def anonymous() -> list[tuple[str, float]]:
        index = Index.open(settings.index, settings, embedder=ToyEmbedder())
        try:
            found = index.search(QUERY["q"], k=20, filters=Filters(access=0))
            return [(h.passage.id, h.score) for h in found.hits]
        finally:
            index.close()

    written = anonymous()
    version = next((settings.index / "versions").iterdir())
    level_files = sorted(version.glob("bm25-level*"))
    assert [p.name for p in level_files] == [
        "bm25-level0-accented", "bm25-level0-folded", "bm25-level0-rows.npy"]
    for path in level_files:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    assert written and anonymous() == written
