"""Downloads of a search, an answer and its series table as CSV or Word (.docx); the files are
made by indexer/present/export.py from the same records the API answers with. Same access as
the search page: a reader's file holds only the documents its token may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from indexer import Index, Settings
from indexer.errors import BadQuery
from indexer.present import answer_record, search_record
from indexer.present import export as files

from . import auth, web
from .deps import HolderDep, SettingsDep, check_query, make_filters, visible_level

router = APIRouter(include_in_schema=False)
MAX_ROWS = 100
Text = Annotated[str | None, Query(max_length=2000)]


def _prepare(request: Request, holder, settings: Settings, fmt: str, q, doc_type, year, number,
             issuer, period, period_from, period_to):  # fmt: skip
    """(index, query, filters) for the caller, or the login page to answer instead; 404 for
    a format other than csv and docx."""
    if fmt not in ("csv", "docx"):
        raise HTTPException(404, "Not Found")
    access = web._access(request)
    if not isinstance(access, auth.Access):
        return access
    index: Index | None = holder.index
    if index is None:
        raise HTTPException(503, holder.error or "Chưa nạp được chỉ mục.")
    try:
        text = check_query(q, settings)
        filters = make_filters(index, doc_type, issuer, number, year, period,
                               access=visible_level(index, access), period_from=period_from,
                               period_to=period_to)  # fmt: skip
    except BadQuery as exc:
        raise HTTPException(422, web._vietnamese(exc)) from exc
    return index, text, filters


def _download(data: bytes, stem: str, suffix: str) -> Response:
    kind = files.CSV_TYPE if suffix == ".csv" else files.DOCX_TYPE
    return Response(data, media_type=kind,
                    headers={"Content-Disposition": files.disposition(stem, suffix)})


@router.get("/export/search.{fmt}")
def export_search(request: Request, holder: HolderDep, settings: SettingsDep, fmt: str,
                  q: Text = None, doc_type: Text = None, year: Text = None, number: Text = None,
                  issuer: Text = None, period: Text = None, period_from: Text = None,
                  period_to: Text = None, offset: Text = None,
                  k: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 50):  # fmt: skip
    """The results of a search from `offset` (up to k, default 50) as search.csv / .docx."""
    prepared = _prepare(request, holder, settings, fmt, q, doc_type, year, number, issuer,
                        period, period_from, period_to)  # fmt: skip
    if not isinstance(prepared, tuple):
        return prepared
    index, text, filters = prepared
    try:
        start = web._offset(offset)
    except BadQuery as exc:
        raise HTTPException(422, web._vietnamese(exc)) from exc
    found = index.search(text, k=k, filters=filters, offset=start)
    record = search_record(index.docs, text, found, settings.base_url)
    make = files.search_csv if fmt == "csv" else files.search_docx
    return _download(make(record, start + 1), f"tìm kiếm {text}", f".{fmt}")


@router.get("/export/ask.{fmt}")
def export_ask(request: Request, holder: HolderDep, settings: SettingsDep, fmt: str,
               q: Text = None, doc_type: Text = None, year: Text = None, number: Text = None,
               issuer: Text = None, period: Text = None, period_from: Text = None,
               period_to: Text = None):  # fmt: skip
    """The short answer, its quoted sentence and citation, and the series table when the
    question spans periods, as ask.csv / .docx."""
    prepared = _prepare(request, holder, settings, fmt, q, doc_type, year, number, issuer,
                        period, period_from, period_to)  # fmt: skip
    if not isinstance(prepared, tuple):
        return prepared
    index, text, filters = prepared
    record = answer_record(index.docs, index.ask(text, filters=filters), settings.base_url)
    make = files.answer_csv if fmt == "csv" else files.answer_docx
    return _download(make(record), f"trả lời {text}", f".{fmt}")
