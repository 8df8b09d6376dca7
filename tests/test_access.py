"""Access levels: a reader's token finds only what it may see, in every route and page, and a
document above its level does not exist for it (404, no count, no highlight, no filter option)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.build.build import FileInfo, build_index
from indexer.config import Settings
from indexer.query.index import Index
from tests.ids import doc_id
from tests.toy import ToyEmbedder

PUBLIC = (
    "ĐẢNG ỦY XÃ HÒA BÌNH\nSố 12-BC/ĐU\nHòa Bình, ngày 10 tháng 1 năm 2024\n\n"
    "BÁO CÁO\nkết quả công tác xây dựng Đảng năm 2023\n\n"
    "Năm 2023, Đảng bộ xã kết nạp 12 đảng viên mới.\n\n"
    "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ đạt 85%.\n"
)
INTERNAL = (
    "ĐẢNG ỦY XÃ HÒA BÌNH\nSố 05-KH/ĐU\nHòa Bình, ngày 2 tháng 2 năm 2024\n\n"
    "KẾ HOẠCH\nkiểm tra nội bộ năm 2024\n\n"
    "Ủy ban kiểm tra sẽ kiểm tra 6 chi bộ và kết nạp thêm đảng viên ở thôn Suối Cỏ.\n"
)
SECRET = (
    "ĐẢNG BỘ TỈNH HÒA BÌNH\nSố 99-NQ/TU\nHòa Bình, ngày 5 tháng 4 năm 2024\n\n"
    "NGHỊ QUYẾT\nvề kế hoạch Phượng Hoàng\n\n"
    "Kế hoạch Phượng Hoàng dự kiến kết nạp 77 đảng viên mới trong năm 2024.\n\n"
    "Kinh phí cho kế hoạch Phượng Hoàng là 4,5 tỷ đồng, lấy từ ngân sách tỉnh.\n"
)
LEVELS = {"cong-khai.txt": 0, "noi-bo.txt": 1, "phuong-hoang.txt": 2}
PUBLIC_ID, INTERNAL_ID, SECRET_ID = (doc_id(name, text) for name, text
                                     in zip(LEVELS, (PUBLIC, INTERNAL, SECRET), strict=True))
TOKENS = {"tok-1": 1, "tok-2": 2}
SEARCH = {"q": "kế hoạch Phượng Hoàng kết nạp đảng viên", "k": 50}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Settings, ToyEmbedder]:
    root = tmp_path_factory.mktemp("access")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in zip(LEVELS, (PUBLIC, INTERNAL, SECRET), strict=True):
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(
        index=root / "index", model="toy", read_tokens=TOKENS, admin_token="adm", corpus=[corpus],
        dense_match=-1.0,  # the toy embedder's cosines mean nothing: every passage matches
    )
    embedder = ToyEmbedder()
    build_index(
        [corpus],
        settings.index,
        settings,
        embedder=embedder,
        info=lambda path: FileInfo(path.name, LEVELS[path.name]),
    )
    return settings, embedder


@pytest.fixture(scope="module")
def client(built):
    settings, embedder = built
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def passages(built) -> dict[str, int]:
    settings, embedder = built
    index = Index.open(settings.index, settings, embedder=embedder)
    counts = {d.doc_id: d.passages for d in index.docs.values()}
    index.db.close()
    return counts


def _search(client, headers=None) -> dict:
    response = client.get("/api/search", params=SEARCH, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("headers", "visible"),
    [
        ({}, {PUBLIC_ID}),
        (_bearer("tok-1"), {PUBLIC_ID, INTERNAL_ID}),
        (_bearer("tok-2"), {PUBLIC_ID, INTERNAL_ID, SECRET_ID}),
        (_bearer("adm"), {PUBLIC_ID, INTERNAL_ID, SECRET_ID}),
    ],
)
def test_search_results_totals_and_highlights_stop_at_the_callers_level(
    client, passages, headers, visible
):
    found = _search(client, headers)
    assert {r["doc_id"] for r in found["results"]} == visible
    # every passage matches (dense_match=-1), so `total` is every passage the caller may see
    assert found["total"] == sum(passages[d] for d in visible)
    texts = " ".join(r["text"] for r in found["results"])
    assert ("Phượng Hoàng" in texts) == (SECRET_ID in visible)
    for r in found["results"]:
        assert all(0 <= s < e <= len(r["text"]) for s, e in r["highlights"])
    issuers = {f["value"]: f["count"] for f in found["facets"]["issuer"]}
    assert any("tỉnh" in v.lower() for v in issuers) == (SECRET_ID in visible), issuers
    assert sum(issuers.values()) == found["total"]
    types = {f["value"] for f in found["facets"]["doc_type"]}
    assert ("Nghị quyết" in types) == (SECRET_ID in visible), types


@pytest.mark.parametrize(
    ("headers", "visible"),
    [
        ({}, {PUBLIC_ID}),
        (_bearer("tok-1"), {PUBLIC_ID, INTERNAL_ID}),
        (_bearer("tok-2"), {PUBLIC_ID, INTERNAL_ID, SECRET_ID}),
    ],
)
def test_documents_and_document_views_stop_at_the_callers_level(client, headers, visible):
    listed = client.get("/api/documents", headers=headers).json()["documents"]
    assert {d["doc_id"] for d in listed} == visible
    assert all("access" not in d for d in listed)
    for doc in (PUBLIC_ID, INTERNAL_ID, SECRET_ID):
        view = client.get(f"/api/documents/{doc}", headers=headers)
        filtered = client.get(
            "/api/search", params={"q": "kết nạp", "doc_id": doc}, headers=headers
        )
        if doc in visible:
            assert view.status_code == 200 and filtered.status_code == 200
        else:  # exactly what an id that never existed gets
            unknown = client.get("/api/documents/khong-co", headers=headers).json()["error"]
            assert view.status_code == 404 == filtered.status_code
            assert view.json()["error"]["message"] == unknown["message"].replace("khong-co", doc)


def test_ask_answers_only_from_visible_documents(client):
    question = {"q": "kế hoạch Phượng Hoàng dự kiến kết nạp bao nhiêu đảng viên?"}
    secret = client.get("/api/ask", params=question, headers=_bearer("tok-2")).json()
    assert secret["answer"] == "77 đảng viên"
    assert secret["citations"][0]["doc_id"] == SECRET_ID
    for headers in ({}, _bearer("tok-1")):
        reply = client.get("/api/ask", params=question, headers=headers).json()
        assert "77" not in (reply["answer"] or "") and "Phượng" not in (reply["sentence"] or "")
        assert SECRET_ID not in {c["doc_id"] for c in reply["citations"]}


def test_healthz_tells_counts_to_the_admin_only(client, passages):
    for headers in ({}, _bearer("tok-2")):
        assert client.get("/healthz", headers=headers).json() == {"status": "ok"}
    health = client.get("/healthz", headers=_bearer("adm")).json()
    assert health["documents"] == 3 and health["passages"] == sum(passages.values())


def test_pages_hide_documents_filters_and_counts_above_the_level(client, passages):
    anonymous = client.get("/", params={"q": SEARCH["q"]})
    assert anonymous.status_code == 200
    assert "dự kiến" not in anonymous.text and "99-NQ/TU" not in anonymous.text
    assert f"trong {passages[PUBLIC_ID]} đoạn phù hợp" in anonymous.text
    assert "05-KH/ĐU" not in anonymous.text  # the number filter lists visible documents only
    home = client.get("/").text
    assert "12-BC/ĐU" in home and "99-NQ/TU" not in home and SECRET_ID not in home
    assert client.get(f"/documents/{SECRET_ID}").status_code == 404
    client.cookies.set("vankien_token", "tok-2")
    try:
        page = client.get("/", params={"q": SEARCH["q"]}).text
        assert "dự kiến" in page and f"trong {sum(passages.values())} đoạn" in page
        assert "99-NQ/TU" in client.get("/").text
        assert client.get(f"/documents/{SECRET_ID}").status_code == 200
    finally:
        client.cookies.clear()


def test_the_login_form_keeps_the_token_in_an_httponly_cookie(client):
    wrong = client.post("/login", data={"token": "nope", "next": "/"}, follow_redirects=False)
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    good = client.post(
        "/login", data={"token": "tok-2", "next": "//evil.example/x"}, follow_redirects=False
    )
    assert good.status_code == 303 and good.headers["location"] == "/"
    cookie = good.headers["set-cookie"]
    assert "vankien_token=tok-2" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    client.cookies.clear()
    link = client.get(  # a token in the address is not taken (tests/test_hardening.py)
        f"/documents/{SECRET_ID}", params={"token": "tok-2", "hl": "x"}, follow_redirects=False
    )
    assert link.status_code == 404 and "set-cookie" not in link.headers
    client.cookies.clear()


def test_with_a_read_token_configured_anonymous_callers_are_refused(built):
    settings, embedder = built
    closed = settings.model_copy(update={"read_token": "tok-0"})
    with TestClient(create_app(closed, embedder=embedder), raise_server_exceptions=False) as c:
        for url in ("/api/search", "/api/ask", "/api/documents", f"/api/documents/{PUBLIC_ID}"):
            response = c.get(url, params={"q": "kết nạp"})
            assert response.status_code == 401, url
            assert response.headers["www-authenticate"] == "Bearer"
            assert c.get(url, params={"q": "kết nạp"}, headers=_bearer("sai")).status_code == 401
        public = c.get("/api/documents", headers=_bearer("tok-0")).json()["documents"]
        assert [d["doc_id"] for d in public] == [PUBLIC_ID]
        assert c.get("/api/search", params=SEARCH, headers=_bearer("tok-2")).json()["total"] > 0
        page = c.get("/")
        assert page.status_code == 401 and 'name="token"' in page.text
        assert "dự kiến" not in c.get("/", params={"q": "Phượng Hoàng"}).text
        assert c.get("/healthz").status_code == 200


def test_an_upload_keeps_its_level(built, tmp_path):
    settings, embedder = built
    own = settings.model_copy(update={"index": tmp_path / "index"})
    build_index(
        own.corpus,
        own.index,
        own,
        embedder=embedder,
        info=lambda path: FileInfo(path.name, LEVELS[path.name]),
    )
    text = SECRET.replace("Phượng Hoàng", "Thiên Nga").replace("99-NQ", "98-NQ")
    with TestClient(create_app(own, embedder=embedder), raise_server_exceptions=False) as c:
        up = c.post(
            "/api/documents",
            headers=_bearer("adm"),
            data={"access": "2"},
            files={"file": ("Thiên Nga.txt", text.encode())},
        )
        assert up.status_code == 200, up.text
        swan = up.json()["doc_id"]
        params = {"q": "kế hoạch Thiên Nga", "k": 50}
        for headers, sees in (({}, False), (_bearer("tok-1"), False), (_bearer("tok-2"), True)):
            found = c.get("/api/search", params=params, headers=headers).json()
            assert (swan in {r["doc_id"] for r in found["results"]}) == sees
        # the same file again at level 0 is refused unless the change is said; then it is
        # public without being parsed again
        def again_at_0(**form):
            return c.post("/api/documents", headers=_bearer("adm"), data={"access": "0"} | form,
                          files={"file": ("Thiên Nga.txt", text.encode())})  # fmt: skip

        assert again_at_0().json()["error"]["code"] == "access_level_conflict"
        again = again_at_0(change_access="true")
        assert again.json()["changed"] == ["Thiên Nga.txt"] and again.json()["embedded"] == 0
        found = c.get("/api/search", params=params).json()
        assert swan in {r["doc_id"] for r in found["results"]}
