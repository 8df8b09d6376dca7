"""The admin page: upload files with an access level, change a document's level, delete one
(after a confirmation), reindex the corpus folders; each write runs as a job whose progress the
page shows (a script polls /admin/jobs/{id}; without it the page reloads itself).

Only the admin token opens it (a reader token gets the same 404 as a missing page). The token
comes from the /login cookie, so every form carries a token derived from the admin token and
the request's Origin, when sent, must be this site: another site cannot make the browser write.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from indexer import Settings
from indexer.build import uploads as manage
from indexer.errors import BadQuery, UploadTooLarge

from . import admin, auth, jobs, web

router = APIRouter(include_in_schema=False)
MAX_FILES = 20
FORBIDDEN = "Biểu mẫu không hợp lệ hoặc không gửi từ trang này: hãy tải lại trang quản trị."


def _page_admin(request: Request) -> auth.Access | Response:
    """The admin's access, or what to answer instead: the login form (no token, or a wrong
    one), a 404 for a reader (the page is not shown to exist) or when writing is disabled."""
    settings: Settings = request.app.state.settings
    if not (auth.bearer(request) or request.cookies.get(auth.COOKIE)):
        return web._login(request, "Trang quản trị cần mã quản trị.", "/admin", 401)
    access = web._access(request)
    if isinstance(access, Response):
        return access
    if not access.admin or not settings.admin_token:
        raise HTTPException(404, "Not Found")
    return access


def form_token(settings: Settings) -> str:
    """The forms' anti-forgery token: known to the admin's pages, not guessable elsewhere."""
    key = (settings.admin_token or "").encode("utf-8")
    return hmac.new(key, b"vankien admin form", hashlib.sha256).hexdigest()


def _check_form(request: Request, sent) -> None:
    """403 unless the form came from this site's admin page."""
    settings: Settings = request.app.state.settings
    expected = form_token(settings).encode()
    good = isinstance(sent, str) and hmac.compare_digest(sent.encode("utf-8", "replace"), expected)
    origin = request.headers.get("origin")  # "null" from a page under no-referrer: the token
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        good = False
    if request.headers.get("sec-fetch-site") == "cross-site":
        good = False
    if not good:
        raise HTTPException(403, FORBIDDEN)


async def _admin_form(request: Request):
    """A small admin form's fields, its token checked; or the login form for a non-admin."""
    access = _page_admin(request)
    if isinstance(access, Response):
        return access
    form = await request.form(max_files=0, max_fields=4)
    _check_form(request, form.get("csrf"))
    return form


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, job: str | None = None):
    """Documents with their access levels, the upload and reindex forms, the jobs."""
    access = _page_admin(request)
    if isinstance(access, Response):
        return access
    return _page(request, job)


def _page(request: Request, job_id: str | None, error: str | None = None,
          status: int = 200) -> HTMLResponse:  # fmt: skip
    state = request.app.state
    settings: Settings = state.settings
    index = state.holder.index
    listed = jobs.jobs_of(state)
    shown = listed.get(job_id) if job_id and len(job_id) <= 40 else None
    documents, uploaded = [], set()
    if index is not None:
        documents = sorted(index.docs.values(), key=lambda d: (d.doc_type or "", d.title))
        uploaded = manage.uploaded_documents(settings.index)
    context = {"documents": documents, "uploaded": uploaded, "job": shown and shown.record(),
               "recent": [j.record() for j in listed.recent()[:5]], "error": error,
               "csrf": form_token(settings), "max_level": settings.max_access_level,
               "max_size": jobs.size_text(settings.max_upload_bytes),
               "index_error": None if index is not None else state.holder.error,
               "max_files": MAX_FILES}
    return web._render(request, "admin.html", context, status)


@router.get("/admin/jobs/{job_id}")
def job_state(request: Request, job_id: str = Path(max_length=40)):
    """A job as JSON: phase, done, total, started, finished, result, notes, errors."""
    access = _page_admin(request)
    if isinstance(access, Response):
        return access
    job = jobs.jobs_of(request.app.state).get(job_id)
    if job is None:
        return JSONResponse({"detail": "Không có tác vụ này.", "code": "job_not_found"}, 404)
    return JSONResponse(job.record())


@router.post("/admin/upload")
async def upload(request: Request):
    """Files (field `file`, several allowed) at one access level; each becomes a job step."""
    access = _page_admin(request)
    if isinstance(access, Response):
        return access
    settings: Settings = request.app.state.settings
    limit = settings.max_upload_bytes
    most = limit * MAX_FILES + admin.FORM_OVERHEAD
    if int(request.headers.get("content-length") or 0) > most:
        return _page(request, None, jobs.vietnamese_error(admin._too_large(limit)), 413)
    body = Request(request.scope, admin._counted(request.receive, most))
    try:
        received, level = await _received(request, body, limit)
    except (BadQuery, UploadTooLarge) as exc:
        too_large = isinstance(exc, UploadTooLarge)
        return _page(request, None, jobs.vietnamese_error(exc), 413 if too_large else 422)
    if not received:
        return _page(request, None, "Hãy chọn ít nhất một tệp để tải lên.", 422)
    steps = [(name, _adder(settings, data, name, level)) for name, data in received]
    names = ", ".join(name for name, _ in received)
    job = jobs.jobs_of(request.app.state).add("upload", f"Tải lên {names} (mức {level})")
    jobs.start(request.app.state, job, steps)
    return _to_job(job)


async def _received(request: Request, body: Request, limit: int) -> tuple[list, int]:
    """[(name, bytes)] of the form's files (each read to one byte past the limit, which
    add_document then refuses) and the access level; 403 without the form's token."""
    settings: Settings = request.app.state.settings
    async with body.form(max_files=MAX_FILES, max_fields=4) as form:
        _check_form(request, form.get("csrf"))
        files = [f for f in form.getlist("file") if isinstance(f, UploadFile) and f.filename]
        level = admin._access(form.get("access"), settings.max_access_level)
        return [(manage.display_name(f.filename or ""), await f.read(limit + 1))
                for f in files], level  # fmt: skip


def _adder(settings: Settings, data: bytes, name: str, level: int) -> jobs.Step:
    def add(embedder, progress):
        doc_id, report = manage.add_document(settings.index, settings.corpus, data, name,
                                             settings, level, embedder, progress=progress)
        return f"Đã thêm “{name}” (mã {doc_id}, mức truy cập {level}).", report

    return add


@router.get("/admin/documents/{doc_id}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, doc_id: str = Path(max_length=200)):
    """The confirmation step before a delete: which document, and one button."""
    access = _page_admin(request)
    if isinstance(access, Response):
        return access
    index = request.app.state.holder.index
    doc = index.docs.get(doc_id) if index is not None else None
    if doc is None:
        raise HTTPException(404, f"Không có văn bản mã “{doc_id}”.")
    context = {"doc": doc, "csrf": form_token(request.app.state.settings)}
    return web._render(request, "admin_delete.html", context)


@router.post("/admin/documents/{doc_id}/delete")
async def delete(request: Request, doc_id: str = Path(max_length=200)):
    form = await _admin_form(request)
    if isinstance(form, Response):
        return form
    settings: Settings = request.app.state.settings
    name = _name(request, doc_id)

    def remove(embedder, progress):
        report = manage.remove_document(settings.index, settings.corpus, doc_id, settings,
                                        embedder, progress=progress)  # fmt: skip
        return f"Đã xóa “{name}”.", report

    job = jobs.jobs_of(request.app.state).add("delete", f"Xóa {name}")
    jobs.start(request.app.state, job, [(name, remove)])
    return _to_job(job)


@router.post("/admin/documents/{doc_id}/access")
async def change_access(request: Request, doc_id: str = Path(max_length=200)):
    form = await _admin_form(request)
    if isinstance(form, Response):
        return form
    settings: Settings = request.app.state.settings
    try:
        level = admin._access(form.get("access"), settings.max_access_level)
    except BadQuery as exc:
        return _page(request, None, jobs.vietnamese_error(exc), 422)
    name = _name(request, doc_id)

    def relabel(embedder, progress):
        report = manage.set_access(settings.index, settings.corpus, doc_id, level, settings,
                                   embedder, progress)  # fmt: skip
        return f"“{name}” nay ở mức truy cập {level}.", report

    job = jobs.jobs_of(request.app.state).add("access", f"Đổi mức truy cập {name} → {level}")
    jobs.start(request.app.state, job, [(name, relabel)])
    return _to_job(job)


@router.post("/admin/reindex")
async def reindex(request: Request):
    form = await _admin_form(request)
    if isinstance(form, Response):
        return form
    settings: Settings = request.app.state.settings

    def build(embedder, progress):
        report = manage.reindex(settings.index, settings.corpus, settings, embedder, progress)
        return (f"Đã lập lại chỉ mục: thêm {len(report.added)}, đổi {len(report.changed)}, "
                f"bỏ {len(report.removed)}, giữ nguyên {report.unchanged}."), report

    job = jobs.jobs_of(request.app.state).add("reindex", "Lập lại chỉ mục kho văn bản")
    jobs.start(request.app.state, job, [("", build)])
    return _to_job(job)


def _name(request: Request, doc_id: str) -> str:
    index = request.app.state.holder.index
    doc = index.docs.get(doc_id) if index is not None else None
    return doc.name if doc is not None else doc_id


def _to_job(job: jobs.Job) -> RedirectResponse:
    return RedirectResponse(f"/admin?job={job.id}", status_code=303)
