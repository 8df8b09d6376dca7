"""Series across reporting periods over three invented reports (tests/periods)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer.cli import main as cli

QUESTION = "số đảng viên bị kỷ luật qua các kỳ báo cáo"


@pytest.fixture(scope="module")
def client(periods_index):
    from fastapi.testclient import TestClient

    from app.main import create_app

    settings, index = periods_index
    with TestClient(create_app(settings, index=index), raise_server_exceptions=False) as c:
        yield c


def test_a_question_across_periods_gets_each_report_cited_in_time_order(periods_index):
    _, index = periods_index
    reply = index.ask(QUESTION)
    assert [p.period.label for p in reply.series] == [
        "6 tháng đầu năm 2023", "năm 2023", "6 tháng đầu năm 2024"]
    assert [p.answer.answer for p in reply.series] == [
        "40 đảng viên", "70 đảng viên", "35 đảng viên"]
    assert [p.number for p in reply.series] == [40, 70, 35]
    for p in reply.series:  # each figure from the report of its own period
        assert index.facts[p.answer.citations[0].passage.doc_id].period.same(p.period)
        start, end = p.answer.span
        assert p.answer.citations[0].passage.text[start:end] == p.answer.answer
    assert reply.answer == "35 đảng viên"  # the latest period's, and why says so
    assert "6 tháng đầu năm 2024" in reply.why


def test_changes_are_computed_only_between_periods_of_the_same_kind(periods_index):
    _, index = periods_index
    first_half, year, latest = index.ask(QUESTION).series
    assert first_half.change is None and year.change is None  # nothing earlier of its kind
    assert latest.change == -5 and latest.change_from == "6 tháng đầu năm 2023"


def test_a_reports_own_change_is_checked_against_the_earlier_report(periods_index):
    _, index = periods_index
    latest = index.ask(QUESTION).series[-1]
    assert latest.check.agrees and "giảm 5 đảng viên" in latest.check.claim
    assert "6 tháng đầu năm 2023" in latest.check.text and "khớp" in latest.check.text
    insured = index.ask("số người tham gia bảo hiểm xã hội qua các kỳ").series[-1]
    assert insured.number == 12000 and not insured.check.agrees  # 12.000 − 10.000 ≠ 1.500
    assert "không khớp" in insured.check.text


def test_a_question_naming_no_period_over_several_reports_gets_a_series(periods_index):
    _, index = periods_index
    reply = index.ask("thu ngân sách trên địa bàn")
    assert [p.answer.answer for p in reply.series] == [
        "1.200 tỷ đồng", "2.610 tỷ đồng", "1.380 tỷ đồng"]


def test_one_period_questions_answer_from_the_report_of_that_period(periods_index):
    _, index = periods_index
    assert index.ask("số đảng viên bị kỷ luật năm 2023").answer == "70 đảng viên"
    assert index.ask("số đảng viên bị kỷ luật 6 tháng đầu năm 2023").answer == "40 đảng viên"
    missing = index.ask("số đảng viên bị kỷ luật năm 2021")
    assert missing.answer is None and not missing.series
    assert "năm 2021" in missing.why and "Tỉnh ủy Mẫu Sơn" in missing.why


def test_api_series_entries(client):
    body = client.get("/api/ask", params={"q": QUESTION}).json()
    entries = body["series"]
    assert [e["period"] for e in entries] == ["6 tháng đầu năm 2023", "năm 2023",
                                               "6 tháng đầu năm 2024"]  # fmt: skip
    latest = entries[-1]
    assert latest["start"] == "2024-01-01" and latest["end"] == "2024-06-30"
    assert latest["value"] == "35 đảng viên" and latest["number"] == 35
    assert latest["change"] == {"from": "6 tháng đầu năm 2023", "delta": -5.0, "computed": True}
    assert latest["check"]["agrees"] is True
    assert latest["citation"]["url"].startswith("/documents/")
    spec = client.get("/openapi.json").json()
    assert "SeriesEntry" in spec["components"]["schemas"]


def test_page_shows_the_table_and_a_chart_without_script(client):
    html = client.get("/", params={"q": QUESTION}).text
    table = html.split('<table class="series">')[1].split("</table>")[0]
    assert table.count("<tr>") == 4  # header + three periods
    assert "35 đảng viên" in table and "giảm 5 so với 6 tháng đầu năm 2023" in table
    assert "(tính toán)" in html and "không phải trích dẫn" in html
    chart = html.split('<figure class="chart">')[1].split("</figure>")[0]
    assert chart.count("<rect") == 3 + 2  # three bars, two legend swatches
    assert "<script" not in chart


def test_cli_prints_the_series(periods_index):
    settings, _ = periods_index
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--index", str(settings.index)])
    assert result.exit_code == 0, result.output
    assert "Số liệu qua các kỳ báo cáo" in result.output and "70 đảng viên" in result.output
    as_json = CliRunner().invoke(cli, ["ask", QUESTION, "--index", str(settings.index), "--json"])
    assert [e["value"] for e in json.loads(as_json.stdout)["series"]][-1] == "35 đảng viên"


def test_cli_json_of_a_series_equals_the_api(periods_index, client):
    settings, _ = periods_index
    as_json = CliRunner().invoke(cli, ["ask", QUESTION, "--index", str(settings.index), "--json"])
    printed = json.loads(as_json.stdout)
    answered = client.get("/api/ask", params={"q": QUESTION}).json()
    assert printed.pop("took_ms") >= 0 and answered.pop("took_ms") >= 0  # each its own time
    assert printed == answered
