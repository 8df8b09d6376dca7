"""What routes are handed: the loaded index (swappable), the settings, a checked query, filters."""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from indexer import Filters, Index, Settings
from indexer.build.progress import BuildProgress
from indexer.errors import BadQuery, DocumentNotFound
from indexer.vietnamese import clean
from indexer.vietnamese.periods import range_bound

from .auth import Access, ReaderDep

log = logging.getLogger("vankien.app")
MAX_FILTER_CHARS = 200
MAX_OFFSET = 1000
MAX_LIMIT = 1000  # documents per page of /api/documents
MAX_DOC_OFFSET = 1_000_000  # listing documents is cheap at any offset, unlike a search


class IndexHolder:
    """The index being served. Requests read `index` once; `swap` replaces it atomically.

    While the service starts (builds, loads the index and model, warms the segmenter in the
    background) `starting` is the tracker of how far it has got; None once it is done."""

    def __init__(self, index: Index | None = None, error: str | None = None) -> None:
        self._index, self._error = index, error
        self._lock = threading.Lock()
        self.starting: BuildProgress | None = None

    def start(self) -> BuildProgress:
        """Mark the service as starting; the returned tracker takes the phases' progress."""
        self.starting = BuildProgress()
        return self.starting

    def started(self) -> None:
        self.starting = None

    @property
    def index(self) -> Index | None:
        return self._index

    @property
    def error(self) -> str | None:
        return self._error

    def swap(self, new_index: Index) -> Index | None:
        """Serve `new_index` from now on; return the old one (its readers may still be busy)."""
        with self._lock:
            old, self._index, self._error = self._index, new_index, None
        return old

    def fail(self, message: str) -> None:
        """Record why no index could be loaded, keeping any index already served."""
        with self._lock:
            self._error = message


WARM_UP = ("bao nhiêu đảng viên được kết nạp", "bao nhieu dang vien duoc ket nap")


def warm_up(index: Index) -> None:
    """Run a question before serving, with and without accents: underthesea loads its models
    lazily, and two requests racing through that first load in the thread pool crash with a
    half-built tagger; the first question typed without accents after a start took 155 ms
    over HTTP against 35 ms once this one had run (its path builds what it needs at first
    use)."""
    for question in WARM_UP:
        try:
            index.ask(question)
        except Exception:
            log.exception("warm-up query failed")


class IndexUnavailable(HTTPException):
    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=503, detail=detail, headers=headers)


# The dependencies below do no I/O and are async: they run on the event loop. FastAPI runs a
# plain function's dependency in a worker thread, a hop each (~0.1 ms, more under load): seven
# of them cost a search 0.5 ms before it began.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_holder(request: Request) -> IndexHolder:
    return request.app.state.holder


async def get_index(request: Request) -> Index:
    """The index in service, or 503 saying how to build one."""
    holder: IndexHolder = request.app.state.holder
    index = holder.index
    if index is None:
        starting = holder.starting
        if starting is not None:
            raise IndexUnavailable(f"the service is starting: {starting.message()}; try again "
                                   "in a few seconds", headers={"Retry-After": "5"})
        raise IndexUnavailable(holder.error or "the index is not loaded yet")
    return index


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[IndexHolder, Depends(get_holder)]
IndexDep = Annotated[Index, Depends(get_index)]


def check_query(q: str | None, settings: Settings) -> str:
    """The query cleaned of control characters, or BadQuery when empty or too long.

    >>> check_query("  kết nạp\\x00 đảng viên ", Settings())
    'kết nạp đảng viên'
    """
    if q is not None and len(q) > settings.max_query_chars:
        raise BadQuery(f"the query is {len(q)} characters long; at most "
                       f"{settings.max_query_chars} are allowed", field="q", code="too_long",
                       limit=settings.max_query_chars)
    text = clean(q or "")
    if not text:
        raise BadQuery("the query is empty: give a few words in q, e.g. q=kết nạp đảng viên",
                       field="q", code="empty")
    return text


async def get_query(
    settings: SettingsDep,
    q: Annotated[str, Query(description="câu hỏi hoặc từ khóa, có dấu hoặc không dấu")] = "",
) -> str:
    return check_query(q, settings)


def visible_level(index: Index, access: Access) -> int | None:
    """Filters.access for a caller: None when it may see every document (so nothing to mask)."""
    if access.level is None:
        return None
    return None if access.level >= index.top_access else access.level


def can_see(index: Index, doc_id: str, level: int | None) -> bool:
    """Whether a document exists for a caller; one above its level does not (404, never 403)."""
    doc = index.docs.get(doc_id)
    return doc is not None and (level is None or doc.access <= level)


def make_filters(index: Index, doc_type: str | None = None, issuer: str | None = None,
                 number: str | None = None, year: int | str | None = None,
                 period: str | None = None, doc_id: str | None = None,
                 access: int | None = None, period_from: str | None = None,
                 period_to: str | None = None) -> Filters:
    """Filters from request strings ("" means any); BadQuery or 404 for values that cannot match.

    `access` is the caller's visible level (see `visible_level`)."""
    values = {"doc_type": doc_type, "issuer": issuer, "number": number, "period": period,
              "doc_id": doc_id}
    for name, value in values.items():
        if value is not None and len(value) > MAX_FILTER_CHARS:
            raise BadQuery(f"{name} is too long (at most {MAX_FILTER_CHARS} characters)",
                           field=name, code="too_long", limit=MAX_FILTER_CHARS)
        values[name] = (clean(value) or None) if value is not None else None
    if isinstance(year, str):
        year = year.strip() or None
        if year is not None and not (year.isascii() and year.isdigit()):
            raise BadQuery("year must be a whole number such as 2024", field="year")
    year = int(year) if year is not None else None
    if year is not None and not 1900 <= year <= 2100:
        raise BadQuery("year must be between 1900 and 2100", field="year")
    if values["doc_id"] is not None and not can_see(index, values["doc_id"], access):
        raise DocumentNotFound(f"no document with id {values['doc_id']!r}; "
                               "see /api/documents for the ids", field="doc_id")
    first, last = period_bound("period_from", period_from), period_bound("period_to", period_to)
    if first and last and first > last:
        raise BadQuery(f"period_from ({first}) is after period_to ({last})", field="period_to",
                       code="invalid")  # fmt: skip
    return Filters(year=year, access=access, period_from=first, period_to=last, **values)


def period_bound(name: str, raw: str | None) -> date | None:
    """A bound of the period range ("" means open), or BadQuery naming the parameter."""
    if raw is None or not raw.strip():
        return None
    bound = range_bound(raw[:MAX_FILTER_CHARS], last=name == "period_to")
    if bound is None:
        raise BadQuery(f"{name} must be a date YYYY-MM-DD or a year, e.g. 2024",
                       field=name, code="invalid")  # fmt: skip
    return bound


async def get_level(index: IndexDep, access: ReaderDep) -> int | None:
    return visible_level(index, access)


LevelDep = Annotated[int | None, Depends(get_level)]


PERIOD_FROM = ("văn bản có kỳ báo cáo kết thúc từ ngày này trở đi: YYYY-MM-DD, hoặc một năm "
               "(ngày đầu năm); văn bản không có kỳ báo cáo xác định ngày thì bị loại")
PERIOD_TO = ("văn bản có kỳ báo cáo bắt đầu trước hoặc đúng ngày này: YYYY-MM-DD, hoặc một năm "
             "(ngày cuối năm)")


async def get_filters(
    index: IndexDep,
    level: LevelDep,
    doc_type: Annotated[str | None, Query(description="loại văn bản, ví dụ Báo cáo")] = None,
    issuer: Annotated[str | None, Query(description="cơ quan ban hành (một phần tên)")] = None,
    number: Annotated[str | None, Query(description="số ký hiệu, ví dụ 35-NQ/TW")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="năm ban hành")] = None,
    period: Annotated[str | None, Query(description="kỳ báo cáo: 6 tháng đầu năm 2024")] = None,
    doc_id: Annotated[str | None, Query(description="mã của một văn bản")] = None,
    period_from: Annotated[str | None, Query(description=PERIOD_FROM)] = None,
    period_to: Annotated[str | None, Query(description=PERIOD_TO)] = None,
) -> Filters:
    return make_filters(index, doc_type, issuer, number, year, period, doc_id, level,
                        period_from, period_to)


QueryDep = Annotated[str, Depends(get_query)]
FiltersDep = Annotated[Filters, Depends(get_filters)]
Count = Annotated[int, Query(ge=1, le=100, description="số kết quả mỗi trang")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="số kết quả bỏ qua")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="số văn bản mỗi trang")]
DocOffset = Annotated[int, Query(ge=0, le=MAX_DOC_OFFSET, description="số văn bản bỏ qua")]


def declared_query(dependant) -> frozenset[str]:
    """The query parameters a route takes, its dependencies' included."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= declared_query(sub)
    return frozenset(names)


async def known_parameters(request: Request) -> None:
    """422 `unknown_parameter` for a query parameter the route does not take: a typo such as
    ?yaer=2024 must not silently answer as if no year was asked for."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = declared_query(dependant)
    for name in request.query_params:
        if name not in allowed:
            takes = ", ".join(sorted(allowed)) or "no parameters"
            raise BadQuery(f"unknown parameter {name[:MAX_FILTER_CHARS]!r}; "
                           f"{route.path} takes: {takes}",
                           field=name[:MAX_FILTER_CHARS], code="unknown_parameter",
                           allowed=sorted(allowed))  # fmt: skip
