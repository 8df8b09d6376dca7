"""Upload bodies as a network delivers them: in chunks, with no Content-Length, cut off midway.
A chunked upload past the limit is refused as soon as the limit is passed (not read whole), and
an upload whose body never completed leaves nothing behind, now or at the next reindex."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.test_admin import ADMIN, FISH, _client, _settings, _uploads

BOUNDARY = "vankien-test-boundary"
CHUNK = 64 * 1024


def _head(name: str = "bao-cao.txt") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").encode()  # fmt: skip


def _tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


def _call(app, chunks, end: str = "disconnect") -> tuple[int | None, int, bytes]:
    """POST /api/documents with a chunked body of `chunks` (an iterator), then `end`:
    "disconnect" (the connection dropped mid-body), "complete" (the body ended as sent) or
    "sent-then-gone" (the body was whole, then the client went away). Returns
    (status, body bytes the app asked for, response body)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/documents", "raw_path": b"/api/documents",
        "root_path": "", "query_string": b"", "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", ADMIN["Authorization"].encode()),
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
    }  # fmt: skip
    state = {"read": 0, "status": None, "body": b""}
    source = iter(chunks)
    ahead = [next(source, None)]

    async def receive():
        piece, ahead[0] = ahead[0], next(source, None)
        if piece is None:  # as uvicorn: at once, and every time it is asked from then on
            if end == "complete":
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.disconnect"}
        state["read"] += len(piece)
        last = ahead[0] is None and end == "sent-then-gone"
        return {"type": "http.request", "body": piece, "more_body": not last}

    async def send(message):
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
        elif message["type"] == "http.response.body":
            state["body"] += message.get("body", b"")

    async def run():
        try:
            await app(scope, receive, send)
        except Exception:  # noqa: BLE001 - a dropped connection may end the app with an error
            pass

    asyncio.run(run())
    return state["status"], state["read"], state["body"]


def _stream(head: bytes, total: int):
    """The multipart head, then `total` bytes of file in chunks (the closing never comes)."""
    yield head
    for _ in range(total // CHUNK):
        yield b"x" * CHUNK


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text("# Báo cáo\n\nKết nạp 12 đảng viên.\n", encoding="utf-8")
    return folder


def test_a_chunked_upload_is_refused_as_soon_as_it_passes_the_limit(tmp_path, corpus):
    limit = 256 * 1024
    settings = _settings(tmp_path, corpus, max_upload_bytes=limit)
    with _client(settings) as client:
        status, read, body = _call(client.app, _stream(_head(), 16 * limit), "complete")
        assert status == 413, body
        answer = json.loads(body)["error"]
        assert answer["code"] == "upload_too_large" and answer["field"] == "file"
        assert "VANKIEN_MAX_UPLOAD_BYTES" in answer["message"]
        # the limit, the form's overhead and a chunk or two in flight; never the whole stream
        assert read <= limit + 64 * 1024 + 2 * CHUNK, read
        assert _uploads(settings) == []


@pytest.mark.parametrize("end", ["disconnect", "complete"])
def test_an_upload_cut_off_midway_leaves_nothing_behind(tmp_path, corpus, end):
    settings = _settings(tmp_path, corpus)
    text = FISH.encode() * 40
    with _client(settings) as client:
        before = client.get("/api/documents").json()["documents"]
        status, _, _ = _call(client.app, [_head(), text[: len(text) // 2]], end)
        assert status is None or status >= 400
        assert _uploads(settings) == []
        registry = settings.index / "uploads.json"
        assert not registry.exists() or json.loads(registry.read_text()) == {}
        reindexed = client.post("/api/reindex", headers=ADMIN)
        assert reindexed.status_code == 200, reindexed.text
        assert reindexed.json()["added"] == []
        assert client.get("/api/documents").json()["documents"] == before
        # the same upload sent whole is indexed
        status, _, body = _call(client.app, [_head(), text, _tail()], "complete")
        assert status == 200, body
        assert len(_uploads(settings)) == 1


def test_a_client_gone_once_its_upload_was_sent_leaves_nothing_behind(tmp_path, corpus):
    settings = _settings(tmp_path, corpus)
    with _client(settings) as client:
        before = client.get("/api/documents").json()["documents"]
        status, _, _ = _call(client.app, [_head(), FISH.encode(), _tail()], "sent-then-gone")
        assert status is None or status >= 400
        assert _uploads(settings) == []
        assert client.post("/api/reindex", headers=ADMIN).json()["added"] == []
        assert client.get("/api/documents").json()["documents"] == before
