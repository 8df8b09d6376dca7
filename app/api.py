"""JSON routes: search, ask, documents, health. Thin: every decision lives in `indexer`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from indexer.errors import DocumentNotFound
from indexer.present.parts import document_part

from . import schemas
from .auth import bearer, check_attempts, failed_attempt, reader, token_access
from .deps import (
    Count,
    FiltersDep,
    HolderDep,
    IndexDep,
    LevelDep,
    Offset,
    QueryDep,
    SettingsDep,
    can_see,
)

router = APIRouter()
ERRORS = {
    401: {"model": schemas.ErrorOut, "description": "a read token is needed, or it is unknown"},
    404: {"model": schemas.ErrorOut, "description": "unknown document id"},
    422: {"model": schemas.ErrorOut, "description": "empty, too long or malformed input"},
    503: {"model": schemas.ErrorOut, "description": "no index loaded; the detail says what to do"},
}
READER = [Depends(reader)]  # first, so an unknown caller learns nothing else
DOC_ID = Path(max_length=200, description="document id, as in /api/documents")


def app_version() -> str:
    try:
        return version("vankien")
    except PackageNotFoundError:
        return "unknown"


@router.get("/api/search", dependencies=READER, response_model=schemas.SearchResponse,
            responses=ERRORS, tags=["api"])
def search(index: IndexDep, settings: SettingsDep, q: QueryDep, filters: FiltersDep,
           k: Count = 10, offset: Offset = 0) -> schemas.SearchResponse:
    """Passages that match the query, best first, each with its citation and a link to it, and
    how many match per type, year, issuer and period (facets)."""
    found = index.search(q, k=k, filters=filters, offset=offset)
    facets = index.facets(q, filters)
    return schemas.search_response(q, found, index.docs, settings.base_url, facets)


@router.get("/api/ask", dependencies=READER, response_model=schemas.AskResponse,
            responses=ERRORS, tags=["api"])
def ask(index: IndexDep, settings: SettingsDep, q: QueryDep,
        filters: FiltersDep) -> schemas.AskResponse:
    """A short answer cut verbatim from a passage, with its citations, or null and why not."""
    return schemas.ask_response(index.ask(q, filters=filters), index.docs, settings.base_url)


@router.get("/api/documents", dependencies=READER,
            response_model=list[schemas.DocumentSummary], responses=ERRORS, tags=["api"])
def documents(index: IndexDep, filters: FiltersDep) -> list[schemas.DocumentSummary]:
    """Indexed documents with their metadata and passage / footnote counts."""
    return [schemas.summary(d) for d in index.documents(filters)]


@router.get("/api/documents/{doc_id}", dependencies=READER,
            response_model=schemas.DocumentDetail, responses=ERRORS, tags=["api"])
def document(index: IndexDep, settings: SettingsDep, level: LevelDep, doc_id: str = DOC_ID,
             part: Annotated[int, Query(ge=1, le=1_000_000, description="the part to show: "
                                        "VANKIEN_DOC_PAGE_BLOCKS paragraphs each")] = 1,
             ) -> schemas.DocumentDetail:  # fmt: skip
    """One document, in parts: metadata, and the section outline, passages and footnotes of
    the part's paragraphs, with links to the previous and next parts."""
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
