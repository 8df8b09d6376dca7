"""The analysts' notebook runs top to bottom (on invented sample data) and is stored unexecuted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow  # the notebook in a kernel

ROOT = Path(__file__).parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"

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


@pytest.fixture(scope="module")
def executed(tmp_path_factory, web_settings, web_index):
    """The notebook run by a real kernel in QUICK mode, its parameters set after its own.

    QUICK indexes the documents the web tests index: their session index is copied in, so the
    notebook's build finds nothing to do instead of embedding everything again.
    """
    from nbclient import NotebookClient

    tmp = tmp_path_factory.mktemp("notebook")
    shutil.copytree(web_settings.index, tmp / "indexes" / "sample")
    queries = tmp / "sample.jsonl"
    queries.write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in SAMPLE_QUERIES), encoding="utf-8"
    )
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = (
        "QUICK = True\n"
        f"INDEX_ROOT = {str(tmp / 'indexes')!r}\n"
        f"EVAL_SETS = [('sample', {str(queries)!r}, ['sample'])]\n"
    )
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(injected))
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def test_notebook_plots_the_corpus_and_the_evaluation(executed):
    # documents by type/issuer/period, per document, lengths, cited numbers, recall@k, by kind
    assert len(_outputs(executed, "image/png")) >= 6
    text = _texts(executed)
    assert "invented sample documents of `tests/data/`" in text
    assert "2 documents, 33 passages, 7 footnotes" in text


def test_notebook_renders_cited_hits_answers_and_footnotes(executed):
    html = "\n".join(_outputs(executed, "text/html"))
    assert 'class="citation"' in html and ", đoạn " in html and "<mark>" in html
    assert "Trả lời:</b> <mark>" in html or "Không có câu trả lời ngắn" in html
    assert "Chú thích cho câu:" in html and "chú thích 4" in html
    # the most cited number of the sample, followed to the passages citing it
    assert "**35-NQ/TW** is cited by" in _texts(executed)


def test_notebook_shows_the_misses_with_what_came_first(executed):
    html = "\n".join(_outputs(executed, "text/html"))
    assert "<td>s4</td>" in html and "số hợp tác xã chè thành lập ở xã Mẫu Hạ" in html
    assert "sample: {'queries': 4" in _texts(executed)


def test_notebook_shows_a_series_and_exports_it(executed, tmp_path_factory):
    html = "\n".join(_outputs(executed, "text/html"))
    assert "kỳ báo cáo" in html and "6 tháng đầu năm 2023" in html and "35 đảng viên" in html
    assert "exported to" in _texts(executed)


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cell"
    for cell in code:
        assert cell.outputs == [], f"outputs committed in cell: {cell.source[:60]!r}"
        assert cell.execution_count is None, f"execution count committed: {cell.source[:60]!r}"
