"""Server-rendered pages: the search page and the document view. No JavaScript needed."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from indexer import Filters, Index, Passage
from indexer.errors import BadQuery, TooManyAttempts
from indexer.present import (
    DocumentView,
    answer_pieces,
    figure_marks,
    figure_url,
    passage_span,
    pieces,
    vietnamese_date,
)
from indexer.present.chart import series_svg
from indexer.present.pages import page_png
from indexer.present.parts import document_part, part_of, part_url
from indexer.query.answer import CERTAIN, TOPIC_WHY
from indexer.query.series import number_text

from . import auth, schemas
from .deps import (
    MAX_OFFSET,
    HolderDep,
    SettingsDep,
    can_see,
    check_query,
    make_filters,
    visible_level,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 10
KIND_LABELS = {"paragraph": "Đoạn", "footnote": "Chú thích", "table": "Bảng", "heading": "Đề mục"}
BUILD_HINT = "vankien build corpus/ --index {index}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, holder: HolderDep, settings: SettingsDep, q: str | None = None,
         doc_type: str | None = None, year: str | None = None, number: str | None = None,
         issuer: str | None = None, period: str | None = None, period_from: str | None = None,
         period_to: str | None = None, offset: str | None = None):
    """The search page: box, filters, short answer, cited results, paging."""
    access = _access(request)
    if not isinstance(access, auth.Access):
        return access  # the login form
    index = holder.index
    form = {"q": q or "", "doc_type": doc_type or "", "year": year or "", "number": number or "",
            "issuer": issuer or "", "period": period or "", "period_from": period_from or "",
            "period_to": period_to or ""}
    context = {"form": form, "index_error": None, "error": None, "results": [], "answer": None}
    tracker = holder.starting  # read once: the start may end while this page is made
    if index is None and tracker is not None:  # the page reloads itself until ready
        starting = tracker.snapshot()
        context["starting"] = {"message": tracker.message(), "done": starting.done,
                               "total": starting.total}  # fmt: skip
        response = _render(request, "index.html", context, 503)
        response.headers["Retry-After"] = "5"
        return response
    if index is None:
        hint = BUILD_HINT.format(index=settings.index)
        context |= {"index_error": holder.error, "build_hint": hint}
        return _render(request, "index.html", context, 503)
    level = visible_level(index, access)
    context |= _options(index, level)
    if not (q or "").strip():
        context["documents"] = index.documents(Filters(access=level))
        context |= _facet_options(index.facets(None, Filters(access=level)), form)
        return _render(request, "index.html", context)
    try:
        text = check_query(q, settings)
        filters = make_filters(index, doc_type, issuer, number, year, period, access=level,
                               period_from=period_from, period_to=period_to)
        start = _offset(offset)
    except BadQuery as exc:
        context["error"] = _vietnamese(exc)
        context |= _facet_options(index.facets(None, Filters(access=level)), form)
        return _render(request, "index.html", context, 422)
    context |= _facet_options(index.facets(text, filters), form)
    found = index.search(text, k=PAGE_SIZE, filters=filters, offset=start)
    context["results"] = [_result(index, h, settings.base_url) for h in found.hits]
    context |= _paging(form, start, found.total)
    context["export_query"] = urlencode({k: v for k, v in form.items() if v})  # Tải CSV / Word
    if start == 0 and found.total:  # nothing matches: "không tìm thấy", no answer from elsewhere
        context["answer"] = _answer(index, index.ask(text, filters=filters), settings.base_url)
    return _render(request, "index.html", context)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, holder: HolderDep, settings: SettingsDep, doc_id: str,
                  hl: str | None = None, part: str | None = None, fig: str | None = None):
    """A document as its readers know it, in parts, with the cited passage highlighted (on
    its own part unless `part` says otherwise); opened from an answer (`fig`, the answer's
    figure), that figure and its sentence instead."""
    index = _readable(request, holder, doc_id)
    if isinstance(index, Response):
        return index
    if index is None:
        raise HTTPException(404, f"Không có văn bản mã “{doc_id[:200]}”.")
    target = index.passage(hl) if hl and len(hl) <= 300 else None
    if target is not None and target.doc_id != doc_id:
        target = None
    size = settings.doc_page_blocks
    number = _part(part) if part else part_of(target.paragraph, size) if target else 1
    shown = document_part(index, doc_id, number, size)
    if shown is None:
        raise HTTPException(404, f"Văn bản mã “{doc_id[:200]}” không có phần {number}.")
    if target is not None and target.paragraph not in shown.paragraphs:
        target = None
    view = shown.view
    fig = fig if fig and len(fig) <= 300 else None
    context = {"view": view, "doc": view.doc, "date": vietnamese_date(view.doc.date),
               "blocks": _blocks(view, target, fig), "footnotes": _footnotes(view, target, fig),
               "target": target, "paging": _part_links(shown, hl)}
    return _render(request, "document.html", context)


def _part(raw: str) -> int:
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        raise HTTPException(422, "Phần văn bản không hợp lệ: hãy dùng part=1, 2, …")
    return int(raw)


def _part_links(shown, hl: str | None) -> dict | None:
    """Where this part is, and the links to the parts beside it (None for a one-part text)."""
    if shown.parts == 1:
        return None
    keep = f"&hl={quote(hl, safe=':')}" if hl and len(hl) <= 300 else ""
    doc_id = shown.view.doc.doc_id

    def link(n: int | None) -> str | None:
        return None if n is None else part_url(doc_id, n) + keep

    return {"part": shown.part, "parts": shown.parts, "first": shown.paragraphs.start,
            "last": shown.paragraphs.stop - 1, "prev_url": link(shown.previous),
            "next_url": link(shown.next)}


@router.get("/documents/{doc_id}/pages/{page}.png")
def page_image(request: Request, holder: HolderDep, doc_id: str, page: int):
    """The image of a page of a PDF document, beside the text OCR read from a scan."""
    index = _readable(request, holder, doc_id)
    if isinstance(index, Response):
        return index
    png = page_png(index, doc_id, page) if index is not None else None
    if png is None:
        raise HTTPException(404, f"Không có trang {page} của văn bản mã “{doc_id[:200]}”.")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


def _readable(request: Request, holder, doc_id: str) -> Index | Response | None:
    """The index when the caller may read document `doc_id`; None when it may not (or there is
    no such document: the same 404, so a hidden document is not told apart); the login page
    (a Response) when the caller has no valid token."""
    access = _access(request)
    if not isinstance(access, auth.Access):
        return access
    index = holder.index
    if index is None:
        raise HTTPException(503, holder.error or "the index is not loaded yet")
    return index if can_see(index, doc_id, visible_level(index, access)) else None


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    """A small form that keeps a read token in an HttpOnly cookie."""
    return _login(request, None, next, 200)


@router.post("/login")
def login(request: Request, settings: SettingsDep, token: Annotated[str, Form(max_length=500)],
          next: Annotated[str, Form(max_length=2000)] = "/"):
    """The only way a token gets into the cookie: checked first, wrong ones counted."""
    try:
        auth.check_attempts(request)
    except TooManyAttempts as exc:
        return _too_many(request, exc, next)
    if auth.token_access(token.strip(), settings) is None:
        auth.failed_attempt(request)
        return _login(request, "Mã truy cập không đúng.", next, 401)
    return _remember(request, token.strip(), _local(next))


@router.post("/logout")
def logout():
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response


def _access(request: Request) -> auth.Access | HTMLResponse:
    """The reader's access, or the login form to send instead. A token comes only from the
    login form (POST): one in the address would be kept in logs and histories, and a link
    from anywhere could replace the reader's own."""
    try:
        return auth.access_of(request)
    except TooManyAttempts as exc:
        return _too_many(request, exc, str(request.url.path))
    except auth.Unauthorized as exc:
        known = request.cookies.get(auth.COOKIE) or auth.bearer(request)
        message = "Mã truy cập không đúng." if known else "Trang này cần mã truy cập."
        response = _login(request, message, str(request.url.path), 401)
        response.headers.update(exc.headers or {})
        return response


def _too_many(request: Request, exc: TooManyAttempts, next_url: str) -> HTMLResponse:
    wait = exc.details["retry_after"]
    message = f"Đã nhập sai mã truy cập quá nhiều lần; hãy thử lại sau {wait} giây."
    response = _login(request, message, next_url, 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _login(request: Request, message: str | None, next_url: str, status: int) -> HTMLResponse:
    context = {"message": message, "next": _local(next_url),
               "signed_in": bool(request.cookies.get(auth.COOKIE))}
    return _render(request, "login.html", context, status)


def _remember(request: Request, token: str, url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(auth.COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    return response


def _local(url: str) -> str:
    """A path on this site, never another site ("//evil.example" → "/")."""
    return url if url.startswith("/") and not url.startswith(("//", "/\\")) else "/"


def _render(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    context = {"is_admin": auth.is_admin(request)} | context  # the header's link to /admin
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


PAGE_ERRORS = {  # (field, code) → what the page says; None matches any code
    ("q", "too_long"): "Câu hỏi quá dài: tối đa {limit} ký tự. Hãy rút gọn câu hỏi.",
    ("q", "empty"): "Câu hỏi trống: hãy nhập vài từ, ví dụ “kết nạp đảng viên”.",
    ("year", None): "Năm không hợp lệ: hãy chọn một năm, ví dụ 2024.",
    ("offset", None): "Trang kết quả không hợp lệ.",
    ("period_from", None): "Kỳ báo cáo “từ” không hợp lệ: hãy nhập một năm (2023) hoặc một ngày "
                           "(2023-07-01).",
    ("period_to", None): "Kỳ báo cáo “đến” không hợp lệ: hãy nhập một năm (2024) hoặc một ngày "
                         "(2024-06-30) không trước ngày “từ”.",
}


def _vietnamese(error: BadQuery) -> str:
    """The page's wording of a bad input, chosen by its field and code."""
    text = PAGE_ERRORS.get((error.field, error.code)) or PAGE_ERRORS.get((error.field, None))
    return text.format(**error.details) if text else "Bộ lọc không hợp lệ."


def _offset(raw: str | None) -> int:
    raw = (raw or "0").strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_OFFSET:
        raise BadQuery(f"offset must be a whole number from 0 to {MAX_OFFSET}", field="offset")
    return int(raw)


def _options(index: Index, level: int | None) -> dict:
    docs = index.documents(Filters(access=level))
    return {"numbers": sorted({d.number for d in docs if d.number})}


def _facet_options(facets: dict, form: dict) -> dict:
    """The type, year, issuer and period selects: each value with its count of matching
    passages ("Tỉnh ủy Hậu Giang (16)"), years newest first, the others most first; the current
    choice kept even when nothing matches it."""
    options = {}
    for name in ("doc_type", "year", "issuer", "period"):
        values = [(str(v), n) for v, n in facets.get(name, [])]
        if name == "year":
            values.sort(key=lambda pair: pair[0], reverse=True)
        chosen = form[name]
        if chosen and all(v != chosen for v, _ in values):
            values.append((chosen, 0))
        options[f"{name}_options"] = values
    return options


def _result(index: Index, hit, base_url: str) -> dict:
    r = schemas.result(hit, index.docs, base_url)
    return {"r": r, "pieces": pieces(r.text, r.highlights), "kind": KIND_LABELS.get(r.kind, ""),
            "label": r.citation.label}


def _answer(index: Index, answer, base_url: str) -> dict | None:
    """The answer box: the short answer with its certainty and source, or, when the documents
    do not answer the question, that plain fact and why (topic questions get no box)."""
    if answer.why == TOPIC_WHY:
        return None
    reply = schemas.ask_response(answer, index.docs, base_url)
    if not answer.answer or not answer.citations:
        return {"a": reply, "none": True}
    return {"a": reply, "none": False, "sentence": answer_pieces(reply.answer, reply.sentence),
            "certain": answer.confidence >= CERTAIN,
            "url": figure_url(reply.citations[0].citation.url, reply.answer),
            "cite": reply.citations[0], "label": reply.citations[0].citation.label,
            "series": [_series_row(e) for e in reply.series],
            "chart": series_svg(list(answer.series), reply.query)}


def _series_row(entry) -> dict:
    """A row of the series table; the change from the previous period of the same kind is
    computed from the quoted figures, and says so."""
    change = None
    if entry.change is not None:
        delta = entry.change.delta
        word = "tăng" if delta > 0 else "giảm" if delta < 0 else "không đổi"
        amount = number_text(abs(delta)) if delta else ""
        change = f"{word} {amount} so với {entry.change.from_}".replace("  ", " ")
    return {"e": entry, "change": change, "label": entry.citation.label}


def _paging(form: dict, start: int, total: int) -> dict:
    def link(offset: int) -> str:
        params = {k: v for k, v in form.items() if v} | ({"offset": offset} if offset else {})
        return "/?" + urlencode(params)

    last = min(total, start + PAGE_SIZE)
    has_next = last < total and start + PAGE_SIZE <= MAX_OFFSET
    return {"total": total, "first": start + 1, "last": last,
            "prev_url": link(max(0, start - PAGE_SIZE)) if start > 0 else None,
            "next_url": link(start + PAGE_SIZE) if has_next else None}


def _blocks(view: DocumentView, target: Passage | None, fig: str | None = None) -> list[dict]:
    levels = {e.paragraph: e.level for e in view.outline}
    hit_block = target.paragraph if target is not None and target.kind != "footnote" else None
    seen: set[int] = set()
    shown: set[int | None] = set()
    out = []
    for b in view.blocks:
        n = b.index + 1
        is_target = n == hit_block
        span = passage_span(b, target) if is_target and b.kind != "table" else None
        figure, sentence = figure_marks(b.text, fig, span) if is_target else ([], [])
        cut = pieces(b.text, figure or ([span] if span else []), b.footnote_refs, sentence)
        runs = []
        for p in cut:
            runs.append({"text": p.text, "marked": p.marked, "fn": p.footnote,
                         "quoted": p.quoted,
                         "first": p.footnote is not None and p.footnote not in seen})
            if p.footnote is not None:
                seen.add(p.footnote)
        hl_row = next((i for i, row in enumerate(b.rows)
                       if is_target and " | ".join(row) == target.text), None)
        scan_page = b.page if b.page in view.doc.scanned and b.page not in shown else None
        shown.add(scan_page)
        out.append({"n": n, "kind": b.kind, "level": min(levels.get(n, 1), 4), "runs": runs,
                    "rows": b.rows, "target": is_target, "hl_row": hl_row,
                    "scan_page": scan_page})  # the page image goes beside its first block
    return out


def _footnotes(view: DocumentView, target: Passage | None, fig: str | None = None) -> list[dict]:
    wanted = target.footnote if target is not None and target.kind == "footnote" else None
    out = []
    for f in view.footnotes:
        figure, sentence = figure_marks(f.text, fig) if f.number == wanted else ([], [])
        runs = [{"text": p.text, "marked": p.marked, "quoted": p.quoted, "fn": None}
                for p in pieces(f.text, figure, (), sentence)] if figure else None  # fmt: skip
        out.append({"n": f.number, "text": f.text, "target": f.number == wanted, "runs": runs,
                    "paragraph": None if f.block_index is None else f.block_index + 1})
    return out
