"""The analysts' notebook runs top to bottom (on invented sample data), opening the index
VANKIEN_INDEX names, and is stored unexecuted; its HTTP cell asks a served app."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow  # the notebook in a kernel

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
READ_TOKEN = "jeton-lecture-1"
# the citation line of the sample passage answering "số đảng viên bị kỷ luật"
LABEL = (
    "Báo cáo ngày …/6/2024 của Tỉnh ủy Mẫu Sơn về kết quả thực hiện nhiệm vụ 6 tháng đầu năm và "
    "phương hướng, nhiệm vụ 6 tháng cuối năm 2024 (dữ liệu mẫu, hoàn toàn hư cấu) (dự thảo), "
    "mục I.1.b, đoạn 7"
)

# Questions about the invented documents QUICK indexes (word_export.txt, web/); the last one's
# evidence is in no document, so the misses table has a row to show.
SAMPLE_QUERIES = [
    {
        "id": "s1",
        "kind": "fact",
        "query": "kết nạp bao nhiêu đảng viên mới",
        "evidence": ["kết nạp 321 đảng viên mới"],
        "answer": ["321"],
    },
    {
        "id": "s2",
        "kind": "footnote",
        "query": "huy hiệu 30 năm tuổi Đảng",
        "evidence": ["Huy hiệu 30 năm tuổi Đảng 120 đồng chí"],
    },
    {
        "id": "s3",
        "kind": "fact",
        "query": "tỷ lệ hộ gia đình có điện thoại thông minh",
        "evidence": ["điện thoại thông minh đạt 82,5%"],
        "answer": ["82,5%"],
    },
    {
        "id": "s4",
        "kind": "fact",
        "query": "số hợp tác xã chè thành lập ở xã Mẫu Hạ năm 2022",
        "evidence": ["thành lập 5 hợp tác xã chè ở xã Mẫu Hạ"],
    },
]


def _outputs(nb, mime: str) -> list[str]:
    return [
        out["data"][mime]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if mime in out.get("data", {})
    ]


def _texts(nb) -> str:
    parts = [*_outputs(nb, "text/markdown"), *_outputs(nb, "text/html")]
    parts += [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    return "\n".join(parts)


def _tagged(nb, tag: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if tag in c.metadata.get("tags", []))


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(nb, cwd: Path, **env: str) -> None:
    """Run the notebook in a real kernel started in `cwd` with these VANKIEN_ variables."""
    from nbclient import NotebookClient

    # the developer's own index, service and token stay out; the rest (backend, model) is kept
    mine = ("VANKIEN_INDEX", "VANKIEN_URL", "VANKIEN_READ_TOKEN", "VANKIEN_READ_TOKENS")
    environ = {k: v for k, v in os.environ.items() if k not in mine}
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute(env=environ | env)  # raises CellExecutionError on the first failing cell


@pytest.fixture(scope="module")
def executed(tmp_path_factory, web_settings, web_index):
    """(notebook, its working folder, the URL it found closed): the notebook run in QUICK mode,
    its parameters set after its own, VANKIEN_INDEX naming a copy of the web tests' index (the
    documents QUICK means), so it opens that index instead of building one."""
    tmp = tmp_path_factory.mktemp("notebook")
    shutil.copytree(web_settings.index, tmp / "index")
    queries = tmp / "sample.jsonl"
    queries.write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in SAMPLE_QUERIES), encoding="utf-8"
    )
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = (
        "QUICK = True\n"
        f"INDEX_ROOT = {str(tmp / 'built')!r}\n"
        f"EVAL_SETS = [('sample', {str(queries)!r}, None)]\n"
    )
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(injected))
    cwd = tmp / "cwd"
    cwd.mkdir()
    url = f"http://127.0.0.1:{_closed_port()}"
    try:
        _run(nb, cwd, VANKIEN_INDEX=str(tmp / "index"), VANKIEN_URL=url)
    finally:  # what the cells showed, to read when a test below fails
        nbformat.write(nb, tmp / "executed.ipynb")
    return nb, cwd, url, tmp


def test_notebook_opens_the_index_vankien_index_names(executed):
    nb, _, _, tmp = executed
    text = _texts(nb)
    assert f"Mở chỉ mục có sẵn {tmp / 'index'} (chỉ đọc)" in text
    assert "Chưa có chỉ mục" not in text and not (tmp / "built" / "sample").exists()
    assert "2 văn bản, 33 đoạn, 7 chú thích" in text
    assert "invented sample documents of `tests/data/`" in text


def test_the_question_cell_gives_a_dataframe_with_citations_and_a_cited_answer(executed):
    nb = executed[0]
    assert _tagged(nb, "question").source.startswith('QUESTION = "số đảng viên bị kỷ luật"')
    html = "\n".join(_outputs(nb, "text/html"))
    assert 'class="dataframe' in html and "<th>trích dẫn</th>" in html
    assert f"<td>{LABEL}</td>" in html and "thi hành kỷ luật 17 đảng viên" in html
    assert "Trả lời:</b> <mark>17 đảng viên</mark>" in html
    assert f"17 đảng viên — {LABEL}\n" in _texts(nb)


def test_the_table_is_exported_to_csv_for_excel(executed):
    nb, cwd, _, _ = executed
    exported = cwd / "ket-qua.csv"
    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel reads the accents
    with exported.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["hạng", "điểm", "văn bản", "trích dẫn", "loại đoạn", "đoạn văn"]
    assert [r["hạng"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert any("thi hành kỷ luật 17 đảng viên" in r["đoạn văn"] for r in rows)
    assert rows[0]["trích dẫn"] == LABEL
    assert f"Đã ghi {len(rows)} dòng vào {exported}" in _texts(nb)


def test_filters_and_an_unaccented_question(executed):
    text = _texts(executed[0])
    # the values of the first result's document: the Word-export report
    assert "`indexer.Filters(doc_type='Báo cáo')`: 5 đoạn khớp" in text
    assert "`indexer.Filters(issuer='Tỉnh ủy Mẫu Sơn')`: 5 đoạn khớp" in text
    assert "`indexer.Filters(year=2024)`: 5 đoạn khớp" in text
    assert "`indexer.Filters(period_from=date(2024, 1, 1), period_to=date(2024, 6, 30))`" in text
    assert "**Hỏi, chỉ trong các báo cáo về năm 2024:**" in text
    assert "**Tìm (không dấu):** so dang vien bi ky luat" in text
    assert "Đoạn đầu tiên giống như khi gõ có dấu." in text
    assert "Trả lời (không dấu): 17 đảng viên" in text


def test_the_http_cell_says_to_start_the_service_when_none_answers(executed):
    nb, _, url, _ = executed
    out = "".join(o.get("text", "") for o in _tagged(nb, "http").outputs)
    assert f"Không có dịch vụ nào trả lời ở {url}" in out and "make serve" in out


def test_notebook_plots_the_corpus_and_the_evaluation(executed):
    # documents by type/issuer/period, per document, lengths, cited numbers, recall@k, by kind
    assert len(_outputs(executed[0], "image/png")) >= 6
    assert "sample: {'queries': 4" in _texts(executed[0])


def test_notebook_renders_cited_hits_answers_and_footnotes(executed):
    html = "\n".join(_outputs(executed[0], "text/html"))
    assert 'class="citation"' in html and ", đoạn " in html and "<mark>" in html
    assert "Chú thích cho câu:" in html and "chú thích 4" in html
    # the most cited number of the sample, followed to the passages citing it
    assert "**35-NQ/TW** được" in _texts(executed[0])


def test_notebook_shows_the_misses_with_what_came_first(executed):
    html = "\n".join(_outputs(executed[0], "text/html"))
    assert "<td>s4</td>" in html and "số hợp tác xã chè thành lập ở xã Mẫu Hạ" in html


def test_notebook_shows_a_series_and_exports_it(executed):
    html = "\n".join(_outputs(executed[0], "text/html"))
    assert "kỳ báo cáo" in html and "6 tháng đầu năm 2023" in html and "35 đảng viên" in html
    exported = executed[3] / "built" / "chuoi-so-lieu.csv"
    assert f"Đã xuất bảng ra {exported}" in _texts(executed[0])
    assert "6 tháng đầu năm 2023" in exported.read_text(encoding="utf-8-sig")


@pytest.fixture(scope="module")
def served(web_settings, web_index):
    """The app serving the web tests' index over real HTTP (uvicorn in a thread), readers
    needing a token."""
    import httpx
    import uvicorn

    from app.main import create_app

    app = create_app(web_settings.model_copy(update={"read_token": READ_TOKEN}), index=web_index)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for _ in range(600):  # until it listens (a wait, not a timing assertion)
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(10)
    sock.close()


def test_the_http_cell_asks_a_running_service_with_the_read_token(served, tmp_path):
    """The question cell and the HTTP cell alone, in a kernel whose VANKIEN_URL names the
    service: with VANKIEN_READ_TOKEN, the results and the answer with its citation; without,
    the service's refusal."""
    source = nbformat.read(NOTEBOOK, as_version=4)
    cells = [_tagged(source, "question"), _tagged(source, "http")]

    nb = nbformat.v4.new_notebook(cells=[c.copy() for c in cells], metadata=source.metadata)
    _run(nb, tmp_path, VANKIEN_URL=served, VANKIEN_READ_TOKEN=READ_TOKEN)
    out = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "GET /api/search: 5 đoạn khớp" in out and LABEL in out
    assert f"GET /api/ask: 17 đảng viên — {LABEL}\n" in out

    nb = nbformat.v4.new_notebook(cells=[c.copy() for c in cells], metadata=source.metadata)
    _run(nb, tmp_path, VANKIEN_URL=served)
    out = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert f"Dịch vụ ở {served} trả lời lỗi 401" in out


def test_without_an_index_it_builds_the_sample_aside_never_into_vankien_index(tmp_path):
    """The first cells alone, VANKIEN_INDEX naming a folder with no index: QUICK (no corpus/)
    builds the invented sample into INDEX_ROOT/sample, saying so, and leaves that folder alone."""
    source = nbformat.read(NOTEBOOK, as_version=4)
    injected = f"QUICK = True\nINDEX_ROOT = {str(tmp_path / 'built')!r}\n"
    cells = [_tagged(source, "parameters"), nbformat.v4.new_code_cell(injected),
             _tagged(source, "setup"), _tagged(source, "index")]  # fmt: skip
    nb = nbformat.v4.new_notebook(cells=[c.copy() for c in cells], metadata=source.metadata)
    _run(nb, tmp_path, VANKIEN_INDEX=str(tmp_path / "none"))
    text = _texts(nb)
    sample = tmp_path / "built" / "sample"
    assert f"Chưa có chỉ mục ở {tmp_path / 'none'}: xây chỉ mục {sample} từ" in text
    assert "Xây xong sau" in text and "33 đoạn được nhúng" in text
    assert "2 văn bản, 33 đoạn, 7 chú thích" in text and "văn bản mẫu hư cấu" in text
    assert not (tmp_path / "none").exists()


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cell"
    for cell in code:
        assert cell.outputs == [], f"outputs committed in cell: {cell.source[:60]!r}"
        assert cell.execution_count is None, f"execution count committed: {cell.source[:60]!r}"
