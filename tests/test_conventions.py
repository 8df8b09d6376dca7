"""API conventions a client relies on: the paging parameters echoed with the server's time,
the document list in pages, one error shape `{"error": {"code", "message", "field"}}` for every
JSON error whatever raised it, and unknown query parameters refused instead of ignored.

Over a toy-encoder index of the test documents (fast); the real model is in test_api.py."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.build import build_index
from indexer.config import Settings
from tests.ids import DATA, doc_id
from tests.toy import ToyEmbedder

KL = doc_id(DATA / "web" / "ket-luan-chuyen-doi-so.md")
WE = doc_id(DATA / "word_export.txt")
ADMIN = {"Authorization": "Bearer adm"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Settings, ToyEmbedder]:
    settings = Settings(index=tmp_path_factory.mktemp("conv") / "index", model="toy",
                        admin_token="adm", base_url="")  # fmt: skip
    embedder = ToyEmbedder()
    build_index([DATA / "word_export.txt", DATA / "web"], settings.index, settings,
                embedder=embedder)  # fmt: skip
    return settings, embedder


def _client(built, **changes) -> TestClient:
    settings, embedder = built
    app = create_app(settings.model_copy(update=changes), embedder=embedder)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(built):
    with _client(built) as c:
        yield c


def error_of(response, status: int) -> dict:
    """The error of a JSON answer, checked to have the one shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "field"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


def test_search_echoes_k_and_offset_with_the_time_taken(client):
    body = client.get("/api/search", params={"q": "đảng viên", "k": 3, "offset": 2}).json()
    assert (body["k"], body["offset"]) == (3, 2) and len(body["results"]) <= 3
    assert isinstance(body["took_ms"], float) and body["took_ms"] >= 0
    default = client.get("/api/search", params={"q": "đảng viên"}).json()
    assert (default["k"], default["offset"]) == (10, 0)
    reply = client.get("/api/ask", params={"q": "bao nhiêu đảng viên được kết nạp"}).json()
    assert reply["took_ms"] >= 0


def test_documents_come_in_pages_with_their_total(client):
    everything = client.get("/api/documents").json()
    assert (everything["total"], everything["limit"], everything["offset"]) == (2, 100, 0)
    ids = [d["doc_id"] for d in everything["documents"]]
    assert sorted(ids) == sorted([KL, WE])
    first = client.get("/api/documents", params={"limit": 1}).json()
    second = client.get("/api/documents", params={"limit": 1, "offset": 1}).json()
    assert first["total"] == second["total"] == 2
    assert [d["doc_id"] for d in first["documents"] + second["documents"]] == ids
    beyond = client.get("/api/documents", params={"offset": 5}).json()
    assert beyond["documents"] == [] and beyond["total"] == 2
    filtered = client.get("/api/documents", params={"doc_type": "Kết luận"}).json()
    assert filtered["total"] == 1 and filtered["documents"][0]["doc_id"] == KL


@pytest.mark.parametrize(("params", "field", "bound"), [
    ({"limit": 0}, "limit", {"minimum": 1}),
    ({"limit": 1001}, "limit", {"limit": 1000}),
    ({"offset": -1}, "offset", {"minimum": 0}),
])  # fmt: skip
def test_documents_paging_bounds_are_422_naming_the_parameter(client, params, field, bound):
    error = error_of(client.get("/api/documents", params=params), 422)
    assert (error["code"], error["field"]) == ("invalid", field)
    assert bound.items() <= error.items()


def test_a_document_part_pages_its_passages(client):
    detail = client.get(f"/api/documents/{WE}").json()
    assert (detail["part"], detail["parts"]) == (1, 1) and detail["next"] is None
    assert len(detail["passages"]) == detail["document"]["passages"]
    error = error_of(client.get(f"/api/documents/{WE}", params={"part": 2}), 404)
    assert (error["code"], error["field"]) == ("document_not_found", "part")


@pytest.mark.parametrize(("route", "params", "name"), [
    ("/api/search", {"q": "đảng viên", "yaer": "2024"}, "yaer"),
    ("/api/ask", {"q": "đảng viên", "k": "3"}, "k"),  # ask gives one answer: no k
    ("/api/documents", {"q": "đảng viên"}, "q"),
    (f"/api/documents/{KL}", {"page": "2"}, "page"),
])  # fmt: skip
def test_unknown_parameters_are_refused_by_name(client, route, params, name):
    error = error_of(client.get(route, params=params), 422)
    assert (error["code"], error["field"]) == ("unknown_parameter", name)
    assert f"'{name}'" in error["message"]
    assert name not in error["allowed"] and error["allowed"]


def test_the_year_typo_no_longer_answers_for_every_year(client):
    right = client.get("/api/search", params={"q": "đảng viên", "year": 2023}).json()
    assert {r["doc_id"] for r in right["results"]} == {KL}
    error = error_of(client.get("/api/search", params={"q": "đảng viên", "yaer": 2023}), 422)
    assert "year" in error["allowed"] and "year" in error["message"]


def test_admin_routes_refuse_unknown_parameters_after_the_token_check(client):
    anonymous = client.post("/api/reindex", params={"dry_run": "1"})
    assert error_of(anonymous, 401)["code"] == "unauthorized"
    error = error_of(client.post("/api/reindex", params={"dry_run": "1"}, headers=ADMIN), 422)
    assert (error["code"], error["field"]) == ("unknown_parameter", "dry_run")


def test_every_status_has_the_error_shape_and_a_code(built, client):
    cases = [
        (client.get("/api/search", params={"q": ""}), 422, "empty", "q"),
        (client.get("/api/search", params={"q": "a", "k": 101}), 422, "invalid", "k"),
        (client.get("/api/documents/khong-co"), 404, "document_not_found", "doc_id"),
        (client.get("/api/khong-co"), 404, "not_found", None),
        (client.post("/api/search", params={"q": "a"}), 405, "method_not_allowed", None),
        (client.delete(f"/api/documents/{KL}", headers=ADMIN), 409, "not_an_upload", None),
        (client.post("/api/documents", headers=ADMIN, files={"file": ("a.png", b"\x89PNG\r\n"
                                                                      b"\x1a\n" + bytes(64))}),
         415, "unsupported_format", None),
    ]  # fmt: skip
    for response, status, code, field in cases:
        error = error_of(response, status)
        assert (error["code"], error["field"]) == (code, field), error
    assert error_of(cases[1][0], 422)["limit"] == 100


def test_401_413_429_and_503_have_the_error_shape(built, tmp_path):
    with _client(built, read_token="lecteur", auth_failures=1) as c:
        assert error_of(c.get("/api/search", params={"q": "a"}), 401)["code"] == "unauthorized"
        wrong = {"Authorization": "Bearer sai"}
        assert error_of(c.get("/api/documents", headers=wrong), 401)["code"] == "unauthorized"
        limited = error_of(c.get("/api/documents", headers=wrong), 429)
        assert limited["code"] == "too_many_attempts" and limited["retry_after"] >= 1
    with _client(built, max_upload_bytes=10) as c:
        big = c.post("/api/documents", headers=ADMIN, files={"file": ("a.txt", b"x" * 5000)})
        too_large = error_of(big, 413)
        assert too_large["code"] == "upload_too_large" and too_large["limit"] == 10
    with _client(built, index=tmp_path / "khong-co") as c:
        missing = error_of(c.get("/api/search", params={"q": "a"}), 503)
        assert missing["code"] == "index_not_found" and "vankien build" in missing["message"]
    settings, embedder = built
    app = create_app(settings, embedder=embedder)  # no lifespan run: the index is still loading
    loading = error_of(TestClient(app).get("/api/search", params={"q": "a"}), 503)
    assert loading["code"] == "index_loading"


def test_a_500_has_the_error_shape_with_a_log_reference(built, monkeypatch):
    from indexer.query.index import Index

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Index, "search", broken)
    with _client(built) as c:
        error = error_of(c.get("/api/search", params={"q": "đảng viên"}), 500)
    assert error["code"] == "internal_error" and error["reference"] in error["message"]
    assert "secret" not in error["message"]


def test_pages_keep_their_vietnamese_error_page(client):
    page = client.get("/documents/khong-co")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in page.text and '"error"' not in page.text
    typo = client.get("/", params={"q": "đảng viên", "yaer": "2024"})
    assert typo.status_code == 200  # the page's own form: not an API route


def test_openapi_describes_the_error_shape(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["ErrorOut"]["properties"]) == {"error"}
    assert {"code", "message", "field"} <= set(schemas["ErrorDetail"]["properties"])
    listing = schemas["DocumentList"]["properties"]
    assert {"total", "limit", "offset", "documents"} == set(listing)
    assert {"k", "offset", "took_ms"} <= set(schemas["SearchResponse"]["properties"])



VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]")


def test_the_api_description_is_vietnamese(client):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if not path.startswith("/api"):
            continue
        for method, operation in operations.items():
            assert VIETNAMESE.search(operation.get("description", "")), (method, path)
            for param in operation.get("parameters", []):
                described = param.get("description") or param["schema"].get("description", "")
                assert VIETNAMESE.search(described), (method, path, param["name"])
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if "description" in prop:
                assert VIETNAMESE.search(prop["description"]), (name, field)


def test_a_caller_expecting_another_index_version_gets_409(built, client):
    settings, _ = built
    served = (settings.index / "CURRENT").read_text(encoding="utf-8").strip()
    same = client.get("/api/search", params={"q": "đảng viên"}, headers={"X-Vankien-Index": served})
    assert same.status_code == 200
    other = client.get("/api/search", params={"q": "đảng viên"},
                       headers={"X-Vankien-Index": served + "-khac"})  # fmt: skip
    error = error_of(other, 409)
    assert error["code"] == "index_differs" and served not in error["message"]
