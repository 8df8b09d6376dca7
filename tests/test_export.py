"""Export of a search, an answer and its series table: CSV that parses back (UTF-8 with BOM) and
.docx that python-docx opens, each quote verbatim beside its citation label; the routes keep to
the caller's access level and name the files in ASCII and in Vietnamese (RFC 5987)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from urllib.parse import unquote

import docx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.build import build_index
from indexer.build.uploads import add_document
from indexer.config import Settings
from indexer.present import export
from tests.toy import ToyEmbedder

PERIODS = Path(__file__).parent / "periods"
LABEL = "Báo cáo số 12-BC/TU ngày 28/6/2024 của Tỉnh ủy Hậu Giang (dự thảo), mục II.6, đoạn 33"
QUOTE = "- Kết nạp 1.234 đảng viên mới, đạt 102,5% kế hoạch năm."
SERIES_Q = "số đảng viên bị kỷ luật qua các kỳ báo cáo"
SECRET = (
    "BÁO CÁO MẬT\nTình hình kỷ luật đảng viên ở xã Hòa Bình\n\n"
    "Năm 2024, các cấp ủy đã thi hành kỷ luật 12 đảng viên của xã Hòa Bình.\n"
)


def _citation(label: str = LABEL, **more) -> dict:
    return {"doc_id": "bc-12", "title": "Tình hình công tác đảng 6 tháng đầu năm 2024",
            "doc_type": "Báo cáo", "number": "12-BC/TU", "issuer": "Tỉnh ủy Hậu Giang",
            "date": "2024-06-28", "section": "II › 6", "paragraph": 33, "footnote": None,
            "url": "/documents/bc-12?hl=bc-12:p33#p-33", "label": label} | more  # fmt: skip


SEARCH = {"query": "kết nạp đảng viên", "total": 7, "results": [
    {"id": "bc-12:p33", "doc_id": "bc-12", "kind": "paragraph", "text": QUOTE, "score": 0.7712,
     "highlights": [], "citation": _citation(), "context": None},
    {"id": "bc-12:fn20", "doc_id": "bc-12", "kind": "footnote", "text": "Số liệu đến 15/6/2024.",
     "score": 0.41, "highlights": [], "citation": _citation(LABEL + ", chú thích 20"),
     "context": None},
]}  # fmt: skip
ANSWER = {
    "query": SERIES_Q, "answer": "35 đảng viên", "sentence": "đã thi hành kỷ luật 35 đảng viên",
    "confidence": 0.9, "certainty": "chắc chắn", "why": "…",
    "citations": [SEARCH["results"][0] | {"text": "đã thi hành kỷ luật 35 đảng viên"}],
    "series": [
        {"period": "6 tháng đầu năm 2023", "kind": "half", "start": None, "end": None,
         "value": "40 đảng viên", "number": 40.0, "unit": "đảng viên", "sentence": "kỷ luật 40",
         "citation": _citation("Báo cáo số 31-BC/TU ngày 25/6/2023, đoạn 3"), "change": None,
         "check": None},
        {"period": "6 tháng đầu năm 2024", "kind": "half", "start": None, "end": None,
         "value": "35 đảng viên", "number": 35.0, "unit": "đảng viên", "sentence": "kỷ luật 35",
         "citation": _citation("Báo cáo số 77-BC/TU ngày 24/6/2024, đoạn 3"),
         "change": {"from": "6 tháng đầu năm 2023", "delta": -5.0, "computed": True},
         "check": None},
    ],
}  # fmt: skip


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _docx_text(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_search_csv_has_document_label_quote_and_score():
    head, first, second = _rows(export.search_csv(SEARCH, first=11))
    assert head == list(export.SEARCH_COLUMNS)
    row = dict(zip(head, first, strict=True))
    assert row["STT"] == "11" and row["Trích dẫn"] == LABEL
    assert row["Văn bản"] == "Báo cáo số 12-BC/TU – Tình hình công tác đảng 6 tháng đầu năm 2024"
    assert row["Trích nguyên văn"] == "'" + QUOTE  # Excel would run "- Kết nạp …" as a formula
    assert row["Điểm (0–100)"] == "77" and row["Loại đoạn"] == "Đoạn"
    assert dict(zip(head, second, strict=True))["Trích dẫn"].endswith("chú thích 20")


def test_answer_csv_has_the_answer_citation_and_series_with_computed_change():
    rows = _rows(export.answer_csv(ANSWER))
    fields = {r[0]: r[1] for r in rows if len(r) == 2}
    assert fields["Trả lời"] == "35 đảng viên" and fields["Trích dẫn"] == LABEL
    assert fields["Câu nguồn (trích nguyên văn)"] == "đã thi hành kỷ luật 35 đảng viên"
    start = rows.index(list(export.SERIES_COLUMNS))
    table = [dict(zip(rows[start], r, strict=True)) for r in rows[start + 1:start + 3]]
    assert [t["Kỳ báo cáo"] for t in table] == ["6 tháng đầu năm 2023", "6 tháng đầu năm 2024"]
    assert [t["Số liệu (trích nguyên văn)"] for t in table] == ["40 đảng viên", "35 đảng viên"]
    assert table[1]["So với kỳ trước cùng loại (tính toán)"] == "giảm 5 so với 6 tháng đầu năm 2023"
    assert table[1]["Trích dẫn"] == "Báo cáo số 77-BC/TU ngày 24/6/2024, đoạn 3"
    assert rows[-1] == [export.COMPUTED_NOTE]


def test_no_answer_exports_that_plain_fact():
    record = {"query": "số tàu vũ trụ", "answer": None, "sentence": None, "confidence": 0.0,
              "certainty": None, "why": "không có số liệu", "citations": [], "series": []}
    fields = {r[0]: r[1] for r in _rows(export.answer_csv(record)) if len(r) == 2}
    assert fields["Trả lời"] == "Không có câu trả lời" and fields["Lý do"] == "không có số liệu"
    assert "Không có câu trả lời" in _docx_text(export.answer_docx(record))


def test_docx_holds_each_quote_and_its_label_verbatim():
    text = _docx_text(export.search_docx(SEARCH))
    assert f"“{QUOTE}”" in text and f"Nguồn: {LABEL}" in text
    assert "Số liệu đến 15/6/2024." in text and LABEL + ", chú thích 20" in text
    answer = _docx_text(export.answer_docx(ANSWER))
    assert "Trả lời: 35 đảng viên (chắc chắn)" in answer and f"Nguồn: {LABEL}" in answer
    assert "giảm 5 so với 6 tháng đầu năm 2023" in answer
    assert "Báo cáo số 31-BC/TU ngày 25/6/2023, đoạn 3" in answer


def test_file_names_are_ascii_with_the_vietnamese_name_beside():
    header = export.disposition("tìm kiếm kết nạp \"đảng\" viên", ".csv")
    assert header.isascii()
    assert 'filename="tim-kiem-ket-nap-dang-vien.csv"' in header
    assert unquote(header.split("filename*=UTF-8''")[1]) == "tìm kiếm kết nạp đảng viên.csv"
    assert export.ascii_name("???") == "vankien"


# --- the routes, over the three invented period reports (toy embedder) and one secret upload -----
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    shutil.copytree(PERIODS, folder / "corpus")
    settings = Settings(index=folder / "index", model="toy", corpus=[folder / "corpus"],
                        read_token="doc-0", admin_token="adm-secret", base_url="")
    embedder = ToyEmbedder()
    build_index(list(settings.corpus), settings.index, settings, embedder=embedder)
    add_document(settings.index, settings.corpus, SECRET.encode(), "mat.txt", settings, 2,
                 embedder)  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder),
                    raise_server_exceptions=False) as c:  # fmt: skip
        yield c


def _as(client, token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_export_routes_give_csv_and_docx_with_the_series(client):
    params = {"q": SERIES_Q}
    got = client.get("/export/ask.csv", params=params, headers=_as(client, "doc-0"))
    assert got.status_code == 200 and got.headers["content-type"] == export.CSV_TYPE
    assert "filename*=UTF-8''tr%E1%BA%A3%20l%E1%BB%9Di" in got.headers["content-disposition"]
    api = client.get("/api/ask", params=params, headers=_as(client, "doc-0")).json()
    rows = _rows(got.content)
    assert {r[0]: r[1] for r in rows if len(r) == 2}["Trả lời"] == api["answer"]
    values = [e["value"] for e in api["series"]]
    assert len(values) == 3 and [r[1] for r in rows if r and r[0] in
                                 {e["period"] for e in api["series"]}] == values  # fmt: skip
    word = client.get("/export/ask.docx", params=params, headers=_as(client, "doc-0"))
    assert word.headers["content-type"] == export.DOCX_TYPE
    text = _docx_text(word.content)
    assert api["citations"][0]["citation"]["label"] in text and api["sentence"] in text


def test_search_export_keeps_to_the_readers_level(client):
    params = {"q": "thi hành kỷ luật đảng viên", "k": 100}
    reader = _rows(client.get("/export/search.csv", params=params,
                              headers=_as(client, "doc-0")).content)  # fmt: skip
    admin = _rows(client.get("/export/search.csv", params=params,
                             headers=_as(client, "adm-secret")).content)  # fmt: skip
    assert not any("Hòa Bình" in r[4] for r in reader[1:])
    assert any("12 đảng viên của xã Hòa Bình" in r[4] for r in admin[1:])
    api = client.get("/api/search", params=params, headers=_as(client, "doc-0")).json()
    assert [r[3] for r in reader[1:]] == [r["citation"]["label"] for r in api["results"]]
    docx_text = _docx_text(client.get("/export/search.docx", params=params,
                                      headers=_as(client, "doc-0")).content)  # fmt: skip
    assert "xã Hòa Bình" not in docx_text and api["results"][0]["text"] in docx_text


def test_export_refuses_what_the_search_page_refuses(client):
    assert client.get("/export/search.csv", params={"q": "kỷ luật"}).status_code == 401
    empty = client.get("/export/search.csv", params={"q": " "}, headers=_as(client, "doc-0"))
    assert empty.status_code == 422 and "Câu hỏi trống" in empty.text
    assert client.get("/export/search.pdf", params={"q": "a"},
                      headers=_as(client, "doc-0")).status_code == 404  # fmt: skip
    assert client.get("/export/ask.xlsx", params={"q": "a"},
                      headers=_as(client, "doc-0")).status_code == 404  # fmt: skip


def test_the_search_page_links_the_exports(client):
    # the page shows an answer when the search finds passages (the toy embedder: all words)
    page = client.get("/", params={"q": "số đảng viên bị kỷ luật"},
                      headers=_as(client, "doc-0")).text  # fmt: skip
    assert page.count("Tải CSV") >= 3 and page.count("Tải Word") >= 3
    assert "/export/search.csv?q=" in page and "/export/ask.docx?q=" in page


def test_ask_export_answers_only_from_what_the_reader_may_see(client):
    params = {"q": "số đảng viên bị kỷ luật của xã Hòa Bình năm 2024"}
    admin = {r[0]: r[1] for r in _rows(client.get("/export/ask.csv", params=params,
                                                  headers=_as(client, "adm-secret")).content)
             if len(r) == 2}  # fmt: skip
    reader = _rows(client.get("/export/ask.csv", params=params,
                              headers=_as(client, "doc-0")).content)  # fmt: skip
    assert admin["Trả lời"] == "12 đảng viên"
    assert "12 đảng viên của xã Hòa Bình" in admin["Câu nguồn (trích nguyên văn)"]
    assert not any("Hòa Bình" in cell for row in reader[1:] for cell in row)
