"""The admin page: upload with an access level and watch the job, change a level, delete after
a confirmation, reindex; errors said in Vietnamese; readers and other sites refused."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.admin_web import form_token
from app.main import create_app
from indexer.build import build_index
from indexer.config import Settings
from tests.ids import doc_id as id_of
from tests.toy import ToyEmbedder

DATA = Path(__file__).parent / "data"
FISH = (
    "BÁO CÁO\nTình hình nuôi cá lồng ở xã Hòa Bình năm 2024\n\n"
    "Năm 2024, toàn xã có 37 hộ nuôi cá lồng trên sông Đà, sản lượng đạt 420 tấn.\n\n"
    "Hợp tác xã cá lồng Hòa Bình được thành lập với 15 thành viên.\n"
)
FISH_NAME = "Báo cáo cá lồng.txt"
FISH_ID = id_of(FISH_NAME, FISH)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "web" / "ket-luan-chuyen-doi-so.md", corpus / "ket-luan.md")
    return Settings(index=tmp_path / "index", model="toy", admin_token="adm-secret",
                    read_tokens={"doc-1": 1}, corpus=[corpus])  # fmt: skip


@pytest.fixture
def client(settings):
    embedder = ToyEmbedder()
    build_index(list(settings.corpus), settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder),
                    raise_server_exceptions=False) as c:  # fmt: skip
        yield c


def _login(client, token: str = "adm-secret") -> None:
    response = client.post("/login", data={"token": token, "next": "/admin"},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303


def _csrf(settings) -> str:
    return form_token(settings)


def _wait(client, location: str) -> dict:
    """The job a form's redirect points to, once finished (polled as the page's script does)."""
    job_id = re.search(r"job=([0-9a-f]+)", location).group(1)
    for _ in range(2400):
        state = client.get(f"/admin/jobs/{job_id}").json()
        if not state["running"]:
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running: {state}")


def _upload(client, settings, files, access="0"):
    data = {"csrf": _csrf(settings), "access": access}
    return client.post("/admin/upload", data=data, files=[("file", f) for f in files],
                       follow_redirects=False)  # fmt: skip


def test_upload_runs_as_a_job_and_the_document_is_listed_at_its_level(client, settings):
    _login(client)
    page = client.get("/admin")
    assert page.status_code == 200 and "Tải văn bản lên" in page.text
    assert "ket-luan.md" in page.text and "Thư mục kho" in page.text
    response = _upload(client, settings, [(FISH_NAME, FISH.encode())], access="1")
    assert response.status_code == 303
    job = _wait(client, response.headers["location"])
    assert job["phase"] == "done" and job["errors"] == []
    assert job["notes"] == [f"Đã thêm “{FISH_NAME}” (mã {FISH_ID}, mức truy cập 1)."]
    assert job["result"]["documents"] == 2 and job["finished"] >= job["started"]
    shown = client.get(response.headers["location"])
    assert "Xong" in shown.text and FISH_NAME in shown.text
    row = shown.text.split(f"/admin/documents/{FISH_ID}/access")[1].split("</tr>")[0]
    assert 'value="1"' in row and "Xóa…" in row
    assert client.app.state.holder.index.docs[FISH_ID].access == 1
    # the search page header links to the admin page for the admin only
    assert 'href="/admin"' in client.get("/").text


def test_the_job_reports_each_phase_of_the_build(client, settings):
    """The progress a running job shows is the build's own callbacks (files, passages)."""
    _login(client)
    seen = []
    from app import jobs as job_module

    original = job_module._step

    def spy(state, job, name, step, progress):
        def recorded(what, done, total):
            seen.append((what, done, total))
            progress(what, done, total)
            assert (job.phase, job.done, job.total) == (what, done, total)

        return original(state, job, name, step, recorded)

    job_module._step = spy
    try:
        response = _upload(client, settings, [(FISH_NAME, FISH.encode())])
        _wait(client, response.headers["location"])
    finally:
        job_module._step = original
    assert {w for w, _, _ in seen} >= {"files", "passages"}
    assert all(0 <= done <= total for _, done, total in seen)


def test_a_bad_file_is_said_in_vietnamese_and_the_good_one_still_goes_in(client, settings):
    _login(client)
    response = _upload(client, settings, [("anh.png", PNG), (FISH_NAME, FISH.encode())])
    job = _wait(client, response.headers["location"])
    assert job["error_codes"] == ["unsupported_format"]
    assert job["errors"] == ["Tệp “anh.png” không phải văn bản đọc được: chỉ nhận .docx, .pdf, "
                             ".doc, .rtf, .odt, .txt, .md (xét theo nội dung tệp)."]
    assert job["phase"] == "done" and FISH_ID in client.app.state.holder.index.docs
    page = client.get(response.headers["location"]).text
    assert "không phải văn bản đọc được" in page and "PNG" not in page


def test_an_empty_file_and_a_bad_level_are_said_in_vietnamese(client, settings):
    _login(client)
    empty = _wait(client, _upload(client, settings, [("trong.md", b"  \n")]).headers["location"])
    assert empty["phase"] == "failed" and empty["error_codes"] == ["unreadable_file"]
    assert empty["errors"][0].startswith("Không đọc được tệp “trong.md”")
    level = _upload(client, settings, [(FISH_NAME, FISH.encode())], access="99999")
    assert level.status_code == 422 and "Mức truy cập phải từ 0 đến" in level.text


def test_access_change_and_delete_after_confirmation(client, settings):
    _login(client)
    _wait(client, _upload(client, settings, [(FISH_NAME, FISH.encode())]).headers["location"])
    changed = client.post(f"/admin/documents/{FISH_ID}/access",
                          data={"csrf": _csrf(settings), "access": "2"}, follow_redirects=False)
    job = _wait(client, changed.headers["location"])
    assert job["errors"] == [] and client.app.state.holder.index.docs[FISH_ID].access == 2
    confirm = client.get(f"/admin/documents/{FISH_ID}/delete")
    assert confirm.status_code == 200 and "Xóa văn bản này?" in confirm.text
    assert FISH_ID in client.app.state.holder.index.docs  # asking deletes nothing
    deleted = client.post(f"/admin/documents/{FISH_ID}/delete", data={"csrf": _csrf(settings)},
                          follow_redirects=False)  # fmt: skip
    job = _wait(client, deleted.headers["location"])
    assert job["notes"] == [f"Đã xóa “{FISH_NAME}”."]
    assert FISH_ID not in client.app.state.holder.index.docs
    assert f"/admin/documents/{FISH_ID}/access" not in client.get("/admin").text


def test_a_corpus_document_cannot_be_deleted_and_reindex_runs(client, settings):
    _login(client)
    corpus_id = next(iter(client.app.state.holder.index.docs))
    refused = client.post(f"/admin/documents/{corpus_id}/delete", data={"csrf": _csrf(settings)},
                          follow_redirects=False)  # fmt: skip
    job = _wait(client, refused.headers["location"])
    assert job["error_codes"] == ["not_an_upload"] and "thư mục kho" in job["errors"][0]
    shutil.copy(DATA / "sample.md", settings.corpus[0] / "sample.md")
    done = _wait(client, client.post("/admin/reindex", data={"csrf": _csrf(settings)},
                                     follow_redirects=False).headers["location"])  # fmt: skip
    assert done["result"]["added"] == ["sample.md"] and done["notes"][0].startswith("Đã lập lại")


def test_readers_and_strangers_do_not_see_the_admin_page(client, settings):
    anonymous = client.get("/admin")
    assert anonymous.status_code == 401 and "mã quản trị" in anonymous.text
    _login(client, "doc-1")
    for path in ("/admin", "/admin/jobs/abc", f"/admin/documents/{FISH_ID}/delete"):
        assert client.get(path).status_code == 404, path
    posted = _upload(client, settings, [(FISH_NAME, FISH.encode())])
    assert posted.status_code == 404 and FISH_ID not in client.app.state.holder.index.docs
    assert 'href="/admin"' not in client.get("/").text


def test_forms_from_another_site_are_refused(client, settings):
    _login(client)
    no_token = client.post("/admin/reindex", data={}, follow_redirects=False)
    assert no_token.status_code == 403 and "tải lại trang quản trị" in no_token.text
    wrong = client.post("/admin/reindex", data={"csrf": "x" * 64}, follow_redirects=False)
    assert wrong.status_code == 403
    other_site = client.post("/admin/reindex", data={"csrf": _csrf(settings)},
                             headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert other_site.status_code == 403
    upload = client.post("/admin/upload", data={"access": "0"},
                         files=[("file", (FISH_NAME, FISH.encode()))], follow_redirects=False)
    assert upload.status_code == 403 and FISH_ID not in client.app.state.holder.index.docs
    assert client.app.state.__dict__.get("admin_jobs") is None or not \
        client.app.state.admin_jobs.recent()
    same_site = client.post("/admin/reindex", data={"csrf": _csrf(settings)},
                            headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert same_site.status_code == 303


def test_the_form_token_depends_on_the_admin_token():
    one = form_token(Settings(admin_token="a"))
    assert one != form_token(Settings(admin_token="b")) and len(one) == 64


def test_a_body_past_the_limit_is_refused_in_vietnamese(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "web" / "ket-luan-chuyen-doi-so.md", corpus / "ket-luan.md")
    settings = Settings(index=tmp_path / "index", model="toy", admin_token="adm-secret",
                        corpus=[corpus], max_upload_bytes=100)  # fmt: skip
    embedder = ToyEmbedder()
    build_index([corpus], settings.index, settings, embedder=embedder)
    with TestClient(create_app(settings, embedder=embedder),
                    raise_server_exceptions=False) as client:  # fmt: skip
        _login(client)
        one_big = _upload(client, settings, [(FISH_NAME, FISH.encode())])
        job = _wait(client, one_big.headers["location"])
        assert job["error_codes"] == ["upload_too_large"]
        assert job["errors"] == [f"Tệp “{FISH_NAME}” quá lớn: tối đa 100 byte "
                                 "(VANKIEN_MAX_UPLOAD_BYTES)."]
        huge = _upload(client, settings, [(FISH_NAME, b"x" * 200_000)])
        assert huge.status_code == 413 and "Tệp quá lớn: tối đa 100 byte" in huge.text


def test_without_script_a_running_job_reloads_itself_until_done(client, settings):
    """While the writer lock is held (another write), the job waits: its page says so, shows the
    bar and refreshes itself in <noscript>; once done, the page no longer refreshes."""
    _login(client)
    with client.app.state.writer_lock:
        response = _upload(client, settings, [(FISH_NAME, FISH.encode())])
        page = client.get(response.headers["location"]).text
        assert "Đang chờ lượt ghi" in page and '<progress id="job-bar"' in page
        assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
        assert "/static/admin.js" in page and ">Tải lại</a>" in page
    job = _wait(client, response.headers["location"])
    assert job["phase"] == "done"
    page = client.get(response.headers["location"]).text
    assert 'http-equiv="refresh"' not in page and "/static/admin.js" not in page


def test_set_access_keeps_the_old_level_when_the_build_fails(settings, monkeypatch):
    from indexer.build import uploads
    from indexer.errors import NotAnUpload

    embedder = ToyEmbedder()
    build_index(list(settings.corpus), settings.index, settings, embedder=embedder)
    doc_id, _ = uploads.add_document(settings.index, settings.corpus, FISH.encode(), FISH_NAME,
                                     settings, 1, embedder)  # fmt: skip
    assert uploads.uploaded_documents(settings.index) == {doc_id}

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    with monkeypatch.context() as patched:
        patched.setattr(uploads, "_reindex", broken)
        with pytest.raises(RuntimeError):
            uploads.set_access(settings.index, settings.corpus, doc_id, 3, settings, embedder)
    registry = (settings.index / "uploads.json").read_text(encoding="utf-8")
    assert '"access": 1' in registry and '"access": 3' not in registry
    uploads.set_access(settings.index, settings.corpus, doc_id, 0, settings, embedder)
    assert '"access": 0' in (settings.index / "uploads.json").read_text(encoding="utf-8")
    corpus_doc = id_of("ket-luan.md", (DATA / "web" / "ket-luan-chuyen-doi-so.md").read_bytes())
    with pytest.raises(NotAnUpload):
        uploads.set_access(settings.index, settings.corpus, corpus_doc, 2, settings, embedder)


def test_a_job_record_names_the_builds_phase_and_the_time_left():
    from app.jobs import Job
    from indexer.build.progress import BuildProgress

    job = Job("j1", "upload", "Tải lên", tracker=BuildProgress(clock=iter([0, 0, 10, 10]).__next__))
    job.update("passages", 0, 300)
    job.update("passages", 100, 300)
    record = job.record()
    assert record["phase_label"] == "Nhúng đoạn" and (record["done"], record["total"]) == (100, 300)
    assert record["eta"] == "20 giây" and record["eta_s"] == 20.0 and record["running"]
    assert "tracker" not in record
