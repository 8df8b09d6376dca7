"""JSON routes: search, ask, documents, health. Thin: every decision lives in `indexer`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import JSONResponse

from indexer.view import document_view

from . import schemas
from .deps import Count, FiltersDep, HolderDep, IndexDep, Offset, QueryDep, SettingsDep

router = APIRouter()
ERRORS = {
    404: {"model": schemas.ErrorOut, "description": "unknown document id"},
    422: {"model": schemas.ErrorOut, "description": "empty, too long or malformed input"},
    503: {"model": schemas.ErrorOut, "description": "no index loaded; the detail says what to do"},
}
DOC_ID = Path(max_length=200, description="document id, as in /api/documents")


def app_version() -> str:
    try:
        return version("vankien")
    except PackageNotFoundError:
        return "unknown"


@router.get("/api/search", response_model=schemas.SearchResponse, responses=ERRORS, tags=["api"])
def search(index: IndexDep, settings: SettingsDep, q: QueryDep, filters: FiltersDep,
           k: Count = 10, offset: Offset = 0) -> schemas.SearchResponse:
    """Passages that match the query, best first, each with its citation and a link to it."""
    found = index.search(q, k=k, filters=filters, offset=offset)
    return schemas.SearchResponse(
        query=q, total=found.total,
        results=[schemas.result(h, index.docs, settings.base_url) for h in found.hits],
    )


@router.get("/api/ask", response_model=schemas.AskResponse, responses=ERRORS, tags=["api"])
def ask(index: IndexDep, settings: SettingsDep, q: QueryDep,
        filters: FiltersDep) -> schemas.AskResponse:
    """A short answer cut verbatim from a passage, with its citations, or null and why not."""
    return schemas.ask_response(index.ask(q, filters=filters), index.docs, settings.base_url)


@router.get("/api/documents", response_model=list[schemas.DocumentSummary], responses=ERRORS,
            tags=["api"])
def documents(index: IndexDep, filters: FiltersDep) -> list[schemas.DocumentSummary]:
    """Indexed documents with their metadata and passage / footnote counts."""
    return [schemas.summary(d) for d in index.documents(filters)]


@router.get("/api/documents/{doc_id}", response_model=schemas.DocumentDetail, responses=ERRORS,
            tags=["api"])
def document(index: IndexDep, settings: SettingsDep,
             doc_id: str = DOC_ID) -> schemas.DocumentDetail:
    """One document: metadata, section outline, passages and footnotes."""
    view = document_view(index, doc_id)
    if view is None:
        raise HTTPException(404, f"no document with id {doc_id!r}; see /api/documents for the ids")
    return schemas.document_detail(view, settings.base_url)


@router.get("/healthz", response_model=schemas.Health, responses={503: {"model": schemas.Health}},
            tags=["ops"])
def healthz(holder: HolderDep):
    """200 once an index is loaded; 503 with the reason (and the command to build it) otherwise."""
    index = holder.index
    if index is None:
        body = schemas.Health(status="unavailable", version=app_version(),
                              detail=holder.error or "the index is not loaded yet")
        return JSONResponse(body.model_dump(), status_code=503)
    return schemas.Health(status="ok", documents=len(index.docs), passages=len(index.pids),
                          version=app_version(), index_version=index.folder.name)
