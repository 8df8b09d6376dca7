"""JSON routes: search, ask, documents, health. Thin: every decision lives in `indexer`."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from indexer.errors import DocumentNotFound, IndexDiffers
from indexer.present.parts import document_part

from . import schemas
from .auth import bearer, check_attempts, failed_attempt, reader, token_access
from .deps import (
    Count,
    DocOffset,
    FiltersDep,
    HolderDep,
    IndexDep,
    LevelDep,
    Limit,
    Offset,
    QueryDep,
    SettingsDep,
    can_see,
    known_parameters,
)

router = APIRouter()
ERRORS = {
    401: {"model": schemas.ErrorOut, "description": "cần mã đọc, hoặc mã không đúng"},
    404: {"model": schemas.ErrorOut, "description": "không có văn bản mã này"},
    409: {"model": schemas.ErrorOut, "description": "X-Vankien-Index nêu một phiên bản chỉ mục "
          "khác phiên bản đang phục vụ"},
    422: {"model": schemas.ErrorOut, "description": "dữ liệu trống, quá dài, sai dạng, hoặc "
          "tham số không có"},
    503: {"model": schemas.ErrorOut, "description": "chưa nạp chỉ mục (index_loading) hoặc không "
          "nạp được (index_not_found); message nói cần làm gì"},
}
INDEX_HEADER = "x-vankien-index"


async def same_index(request: Request, index: IndexDep) -> None:
    """409 `index_differs` when the caller names (header X-Vankien-Index) another index version
    than the one served: the CLI then answers from its own index, never from another one."""
    expected = request.headers.get(INDEX_HEADER)
    if expected and expected != index.folder.name:
        raise IndexDiffers("this service serves another version of the index than the "
                           f"{INDEX_HEADER} header names; answer from that index directly")


# the reader first, so an unknown caller learns nothing else
READER = [Depends(reader), Depends(known_parameters), Depends(same_index)]
DOC_ID = Path(max_length=200, description="mã văn bản, như trong /api/documents")


def app_version() -> str:
    try:
        return version("vankien")
    except PackageNotFoundError:
        return "unknown"


@router.get("/api/search", dependencies=READER, response_model=schemas.SearchResponse,
            responses=ERRORS, tags=["api"])
def search(index: IndexDep, settings: SettingsDep, q: QueryDep, filters: FiltersDep,
           k: Count = 10, offset: Offset = 0) -> Response:
    """Các đoạn phù hợp với câu hỏi, tốt nhất trước, mỗi đoạn kèm trích dẫn và liên kết tới nó,
    cùng số đoạn phù hợp theo loại, năm, cơ quan ban hành và kỳ báo cáo (facets)."""
    started = time.perf_counter()
    found = index.search(q, k=k, filters=filters, offset=offset)
    facets = index.facets(q, filters)
    response = schemas.search_response(q, found, index.docs, settings.base_url, facets)
    return _json(response.model_copy(update={"k": k, "offset": offset, "took_ms": _ms(started)}))


@router.get("/api/ask", dependencies=READER, response_model=schemas.AskResponse,
            responses=ERRORS, tags=["api"])
def ask(index: IndexDep, settings: SettingsDep, q: QueryDep,
        filters: FiltersDep) -> Response:
    """Câu trả lời ngắn cắt nguyên văn từ một đoạn, kèm trích dẫn; hoặc null và lý do."""
    started = time.perf_counter()
    response = schemas.ask_response(index.ask(q, filters=filters), index.docs, settings.base_url)
    return _json(response.model_copy(update={"took_ms": _ms(started)}))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _json(model: BaseModel) -> Response:
    """A route's model as JSON, written once: it was made by validating it against that model
    (the route's response_model, which OpenAPI shows); FastAPI would dump, validate and dump it
    again (1–2 ms a search)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


@router.get("/api/documents", dependencies=READER,
            response_model=schemas.DocumentList, responses=ERRORS, tags=["api"])
def documents(index: IndexDep, filters: FiltersDep, limit: Limit = 100,
              offset: DocOffset = 0) -> schemas.DocumentList:
    """Văn bản đã lập chỉ mục, theo trang: siêu dữ liệu, số đoạn và số chú thích của mỗi văn
    bản; `total` là số văn bản thỏa bộ lọc."""
    found = index.documents(filters)
    shown = [schemas.summary(d) for d in found[offset:offset + limit]]
    return schemas.DocumentList(total=len(found), limit=limit, offset=offset, documents=shown)


@router.get("/api/documents/{doc_id}", dependencies=READER,
            response_model=schemas.DocumentDetail, responses=ERRORS, tags=["api"])
def document(index: IndexDep, settings: SettingsDep, level: LevelDep, doc_id: str = DOC_ID,
             part: Annotated[int, Query(ge=1, le=1_000_000, description="phần cần hiện, từ 1: "
                                        "mỗi phần VANKIEN_DOC_PAGE_BLOCKS đoạn")] = 1,
             ) -> schemas.DocumentDetail:  # fmt: skip
    """Một văn bản, theo từng phần: siêu dữ liệu, mục lục, các đoạn trích và chú thích của các
    đoạn thuộc phần đó, kèm liên kết tới phần trước và phần sau."""
    visible = can_see(index, doc_id, level)
    shown = document_part(index, doc_id, part, settings.doc_page_blocks) if visible else None
    if shown is None and visible:
        raise DocumentNotFound(f"document {doc_id!r} has no part {part}; its first is part=1",
                               field="part")  # fmt: skip
    if shown is None:
        raise DocumentNotFound(f"no document with id {doc_id!r}; see /api/documents for the ids",
                               field="doc_id")
    return schemas.document_part(shown, settings.base_url)


@router.get("/healthz", response_model=schemas.Health, response_model_exclude_none=True,
            responses={503: {"model": schemas.Health}}, tags=["ops"])
def healthz(request: Request, holder: HolderDep, settings: SettingsDep):
    """200 once an index is loaded, 503 otherwise: only that, to anyone but the admin; while
    the service starts, 503 "loading" with how far it has got (phase, n/N, time left).

    With the admin token (bearer header) it also tells the counts of every document, the
    versions, and why no index is loaded (with the command to build one): counts and
    versions move when a restricted document is added, so others do not see them."""
    details = _is_admin(request, settings)
    index, starting = holder.index, holder.starting
    if index is None and starting is not None:  # from the first second: how far it has got
        body = schemas.Health(status="loading", message=starting.message(),
                              progress=schemas.StartProgress(**starting.snapshot().as_dict()))
        return JSONResponse(body.model_dump(exclude_none=True), status_code=503,
                            headers={"Retry-After": "5"})
    if index is None:
        body = schemas.Health(status="unavailable")
        if details:
            body = body.model_copy(update={"version": app_version(),
                                           "detail": holder.error or "the index is not loaded yet"})
        return JSONResponse(body.model_dump(exclude_none=True), status_code=503)
    if not details:
        return schemas.Health(status="ok")
    docs = index.docs.values()
    return schemas.Health(status="ok", documents=len(docs), passages=sum(d.passages for d in docs),
                          version=app_version(), index_version=index.folder.name)


def _is_admin(request: Request, settings) -> bool:
    """Whether the bearer token is the admin's (a wrong token counts as a wrong attempt)."""
    token = bearer(request)
    if not token:
        return False
    check_attempts(request)
    access = token_access(token, settings)
    if access is None:
        failed_attempt(request)
        return False
    return access.admin
