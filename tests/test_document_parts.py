"""A long document is served in parts (page and JSON): the blocks of the part, their footnotes
and passages, links to the parts beside it, and a cited passage found on its own part."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from indexer.build import build_index
from indexer.config import Settings
from tests.ids import doc_id
from tests.toy import ToyEmbedder

SIZE = 100
SHORT = "# Kết luận\n\nMột đoạn ngắn.\n"


def _long_markdown(paragraphs: int) -> str:
    """# a title, then numbered paragraphs; every 40th cites a footnote."""
    body = [f"Đoạn {i}: chi bộ số {i} kết nạp {i} đảng viên mới."
            + (f"[^{i // 40}]" if i % 40 == 0 else "") for i in range(2, paragraphs + 1)]
    notes = [f"[^{k}]: Chú thích số {k} của báo cáo." for k in range(1, paragraphs // 40 + 1)]
    return "# Báo cáo tổng kết dài\n\n" + "\n\n".join(body) + "\n\n" + "\n".join(notes) + "\n"


DAI, NGAN = doc_id("dai.md", _long_markdown(250)), doc_id("ngan.md", SHORT)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("parts")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "dai.md").write_text(_long_markdown(250), encoding="utf-8")
    (corpus / "ngan.md").write_text(SHORT, encoding="utf-8")
    settings = Settings(index=root / "index", model="toy", doc_page_blocks=SIZE)
    embedder = ToyEmbedder()
    build_index([corpus], settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder)) as c:
        yield c


def _anchors(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="p-(\d+)"', html)]


def _notes(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="fn-(\d+)"', html)]


def test_the_page_shows_one_part_with_its_footnotes_and_links(client):
    first = client.get(f"/documents/{DAI}")
    assert first.status_code == 200
    assert _anchors(first.text) == list(range(1, SIZE + 1))
    assert _notes(first.text) == [1, 2]  # cited by paragraphs 40 and 80
    assert "Phần 1/3" in first.text and f'href="/documents/{DAI}?part=2"' in first.text
    assert "Phần trước" not in first.text
    last = client.get(f"/documents/{DAI}", params={"part": 3})
    assert _anchors(last.text) == list(range(2 * SIZE + 1, 251))
    assert _notes(last.text) == [6]
    assert f'href="/documents/{DAI}?part=2"' in last.text and "Phần sau" not in last.text
    short = client.get(f"/documents/{NGAN}")
    assert _anchors(short.text) == [1, 2] and "Phần 1/" not in short.text
    assert client.get(f"/documents/{DAI}", params={"part": 4}).status_code == 404
    assert client.get(f"/documents/{DAI}", params={"part": "x"}).status_code == 422


@pytest.mark.parametrize(("passage", "part", "anchor"), [
    (f"{DAI}:p230", 3, 'id="p-230" class="block hl"'),
    (f"{DAI}:p161", 2, 'id="p-161" class="block hl"'),
    (f"{DAI}:fn4", 2, '<li id="fn-4" value="4" class="hl"'),
])  # fmt: skip
def test_a_cited_passage_lands_on_its_part(client, passage, part, anchor):
    html = client.get(f"/documents/{DAI}", params={"hl": passage}).text
    assert f"Phần {part}/3" in html and anchor in html
    # the links to the other parts keep the highlight
    assert f"part={part + 1 if part < 3 else part - 1}&amp;hl={passage}" in html


def test_the_json_comes_in_parts_too(client):
    first = client.get(f"/api/documents/{DAI}").json()
    assert (first["part"], first["parts"], first["blocks_per_part"]) == (1, 3, SIZE)
    assert first["paragraphs"] == {"first": 1, "last": SIZE}
    assert {p["paragraph"] for p in first["passages"]} <= set(range(1, SIZE + 1))
    assert len(first["passages"]) >= SIZE - 1
    assert [f["number"] for f in first["footnotes"]] == [1, 2]
    assert first["previous"] is None and first["next"] == f"/api/documents/{DAI}?part=2"
    second = client.get(first["next"]).json()
    assert second["paragraphs"] == {"first": SIZE + 1, "last": 2 * SIZE}
    assert [f["number"] for f in second["footnotes"]] == [3, 4, 5]
    assert second["previous"] == f"/api/documents/{DAI}?part=1"
    missing = client.get(f"/api/documents/{DAI}", params={"part": 9})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "part"
    assert client.get(f"/api/documents/{NGAN}").json()["parts"] == 1
