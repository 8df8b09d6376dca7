"""Uploads that must not change what a reader sees by accident: the bytes of a restricted
document uploaded again at a lower level, and an upload whose build was killed midway."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.build.uploads import reindex
from tests.ids import doc_id
from tests.test_admin import ADMIN, FISH, _client, _settings, _upload, _uploads
from tests.toy import ToyEmbedder

ROOT = Path(__file__).parents[1]
PUBLIC = "# Báo cáo\n\nKết nạp 12 đảng viên.\n"
A_ID = doc_id("a.md", PUBLIC)
SECRET = (
    "BÁO CÁO\nTình hình tổ chức đảng mật năm 2024\n\n"
    "Chi bộ mật A kết nạp 7 đảng viên trong năm 2024.\n"
)


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text(PUBLIC, encoding="utf-8")
    return folder


def _public_ids(client, q: str) -> set[str]:
    reply = client.get("/api/search", params={"q": q, "k": 20}, headers={})
    return {r["doc_id"] for r in reply.json()["results"]}


def test_same_bytes_at_a_lower_level_are_refused_unless_the_change_is_said(tmp_path, corpus):
    settings = _settings(tmp_path, corpus, read_tokens={"tok-2": 2})
    with _client(settings) as client:
        first = _upload(client, SECRET, name="restricted.md", access="2")
        assert first.status_code == 200, first.text
        secret_id = first.json()["doc_id"]
        refused = _upload(client, SECRET, name="public-copy.md", access="0")
        assert refused.status_code == 409, refused.text
        body = refused.json()["error"]
        assert body["code"] == "access_level_conflict" and body["field"] == "access"
        assert "change_access" in body["message"]
        anonymous = client.get("/api/documents/" + secret_id)
        assert anonymous.status_code == 404  # still restricted
        assert _public_ids(client, "chi bộ mật kết nạp") <= {A_ID}
        assert len(_uploads(settings)) == 1
        registry = json.loads((settings.index / "uploads.json").read_text())
        assert [e["access"] for e in registry.values()] == [2]
        # the same level again is fine; saying the level changes is too
        assert _upload(client, SECRET, name="restricted.md", access="2").status_code == 200
        changed = _upload(client, SECRET, name="public-copy.md", access="0", change_access="true")
        assert changed.status_code == 200, changed.text
        assert client.get("/api/documents/" + changed.json()["doc_id"]).status_code == 200


def test_bytes_of_a_restricted_corpus_file_are_refused_at_a_lower_level(tmp_path, corpus):
    settings = _settings(tmp_path, corpus)
    with _client(settings) as client:
        ok = _upload(client, FISH, access="3")
        assert ok.status_code == 200
        (corpus / "b.txt").write_text(SECRET, encoding="utf-8")
        assert client.post("/api/reindex", headers=ADMIN).status_code == 200
        refused = _upload(client, FISH, access="1")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "access_level_conflict"


KILLED_UPLOAD = """
import sys, time
from pathlib import Path
from indexer.build.uploads import add_document
from indexer.config import Settings
from tests.toy import ToyEmbedder

class Slow(ToyEmbedder):
    def embed_passages(self, texts, progress=None):
        time.sleep(60)  # killed here
        return super().embed_passages(texts, progress)

settings = Settings(index=Path(sys.argv[1]), model="toy", corpus=[Path(sys.argv[2])])
add_document(settings.index, settings.corpus, sys.argv[3].encode(), "ca-long.txt", settings,
             0, Slow())
"""


@pytest.mark.slow  # a subprocess
def test_an_upload_killed_midway_is_not_indexed_by_the_next_reindex(tmp_path, corpus):
    settings = _settings(tmp_path, corpus)
    reindex(settings.index, [corpus], settings, ToyEmbedder())
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_UPLOAD, str(settings.index),
                             str(corpus), FISH], env=env, cwd=ROOT)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _uploads(settings) and time.monotonic() < deadline:
            assert proc.poll() is None, "the upload ended by itself"
            time.sleep(0.1)
        assert _uploads(settings), "the upload never stored its file"
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the service restarts and reindexes: the half-done upload is dropped, not published
    report = reindex(settings.index, [corpus], settings, ToyEmbedder())
    assert report.added == [] and report.documents == 1
    assert _uploads(settings) == []
    assert json.loads((settings.index / "uploads.json").read_text()) == {}
