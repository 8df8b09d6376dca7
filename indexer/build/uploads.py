"""Documents added and removed by hand: uploads kept under INDEX/uploads, reindexing, deletes.

    INDEX/uploads/<sha256-prefix>.<ext>   the uploaded bytes; the client's file name is never a path
    INDEX/uploads.json                    stored name → {"name": original name, "access": level}

Used by the service's write endpoints, and callable from the CLI or a notebook. A process that
writes from several threads runs these one at a time under a lock of its own (the service holds
`app.state.writer_lock`); builds in other processes are refused by the index's build lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..embed import Embedder
from ..errors import (
    AccessConflict,
    CorpusUnknown,
    DocumentNotFound,
    IndexWriteError,
    NotAnUpload,
    UnreadableFile,
    UploadTooLarge,
    VankienError,
)
from ..ingest.assemble import assemble
from ..ingest.chunk import chunk
from ..ingest.limits import DocumentLimits
from ..ingest.parsers import read_bytes
from ..ingest.parsers.sniff import sniff
from ..storage import catalogue
from ..storage import folder as store
from ..storage.manifest import Manifest
from ..vietnamese.text import clean
from .build import BuildReport, FileInfo, build_index
from .ocr import OCR_FOLDER
from .workers import Workers

UPLOADS = "uploads"
REGISTRY = "uploads.json"
STORED_SUFFIX = {"pdf": ".pdf", "docx": ".docx", "doc": ".doc", "rtf": ".rtf", "odt": ".odt"}


def uploads_folder(index: Path) -> Path:
    return Path(index) / UPLOADS


def display_name(name: str) -> str:
    """The last part of a client's file name, for display only.

    >>> display_name("../../etc/Báo cáo\\x00 số 12.docx")
    'Báo cáo số 12.docx'
    """
    last = re.split(r"[\\/]", name or "")[-1]
    return clean(last)[:200].strip(". ") or "upload"


def check_upload(data: bytes, name: str, max_bytes: int, ocr_cache: Path | None = None,
                 settings: Settings | None = None) -> str:
    """The suffix an upload is stored under, once it was read like a build reads it.

    Raises UploadTooLarge, UnsupportedFormat (by content, whatever the name says),
    UnreadableFile with the parser's reason, or DocumentTooLarge past a limit of `settings`.
    """
    settings = settings or Settings()
    if len(data) > max_bytes:
        raise UploadTooLarge(
            f"the file has {len(data):,} bytes; at most {max_bytes:,} are accepted "
            "(VANKIEN_MAX_UPLOAD_BYTES)", field="file", limit=max_bytes,
        )
    kind = sniff(data)
    markdown = Path(display_name(name)).suffix.lower() in (".md", ".markdown")
    suffix = STORED_SUFFIX.get(kind) or (".md" if markdown else ".txt")
    limits = DocumentLimits.of(settings)
    limits.check_package(data)
    raw = read_bytes(data, Path("upload" + suffix), ocr_cache)  # a scan's pages stay cached
    limits.check_raw(raw)
    doc = assemble(raw, doc_id="upload", source=display_name(name))
    if not doc.blocks:
        raise UnreadableFile("no text content found")
    limits.check_passages(len(chunk(doc, settings.max_passage_chars, settings.overlap_sentences)))
    return suffix


def add_document(
    index: Path,
    corpus: list[Path],
    data: bytes,
    name: str,
    settings: Settings,
    access: int = 0,
    embedder: Embedder | None = None,
    *,
    change_access: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[str, BuildReport]:
    """Store an upload and reindex; (its doc_id, the build report). Nothing stays on failure.

    Bytes already indexed at another access level are refused (AccessConflict) unless
    `change_access`: an upload must not relabel a restricted text as public by accident.
    `progress` is the build's; an exception it raises (a client gone) aborts the upload."""
    if access < 0:
        raise VankienError("access must be a whole number ≥ 0", field="access", code="invalid")
    suffix = check_upload(data, name, settings.max_upload_bytes,
                          settings.ocr_cache or index / OCR_FOLDER, settings)  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    stored = _make_uploads_folder(index) / (digest[:24] + suffix)
    _drop_unfinished(index)
    if not change_access:
        _check_same_level(index, digest, stored.name, access)
    registry = _read_registry(index)
    before, existed = registry.get(stored.name), stored.exists()
    registry[stored.name] = {
        "name": display_name(name),
        "access": access,
        "uploaded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "pending": True,  # until the build holding it is published (see _drop_unfinished)
    }
    _write_registry(index, registry)  # before the file: a stored file always has its level
    try:
        _write_file(stored, data)
        report = _reindex(index, corpus, settings, embedder, progress)
    except BaseException:
        if not existed:
            stored.unlink(missing_ok=True)
        _restore(index, stored.name, before)
        raise
    registry = _read_registry(index)
    registry[stored.name].pop("pending", None)
    _write_registry(index, registry)
    return _doc_of(index, stored), report


def uploaded_documents(index: Path) -> set[str]:
    """The ids of the documents served from uploads (the others come from corpus folders)."""
    version = store.current_version(Path(index))
    if version is None:
        return set()
    folder = uploads_folder(index).resolve()
    db = catalogue.connect(version / store.CATALOGUE, readonly=True)
    try:
        found = (catalogue.doc_of_source(db, str(folder / name)) for name in _read_registry(index))
        return {doc_id for doc_id in found if doc_id is not None}
    finally:
        db.close()


def _check_same_level(index: Path, digest: str, stored: str, access: int) -> None:
    """AccessConflict when these bytes are indexed (or stored) at another access level."""
    entry = _read_registry(index).get(stored)
    levels = {int(entry["access"])} if entry and not entry.get("pending") else set()
    version = store.current_version(Path(index))
    if version is not None:
        db = catalogue.connect(version / store.CATALOGUE, readonly=True)
        try:
            levels |= set(catalogue.access_of_content(db, digest))
        finally:
            db.close()
    other = sorted(levels - {access})
    if other:
        raise AccessConflict(
            f"the same file is already indexed at access level {other[0]}, not {access}: "
            "send change_access=true to change its level (an upload of it is then served at "
            f"level {access})", field="access", level=other[0],
        )


def remove_document(
    index: Path,
    corpus: list[Path],
    doc_id: str,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BuildReport:
    """Delete an uploaded document's file and reindex; corpus documents are refused."""
    source = _source_of(index, doc_id)
    uploads = uploads_folder(index).resolve()
    if source.parent != uploads:
        raise NotAnUpload(
            f"{doc_id!r} comes from {source}, a corpus folder: remove the file there and "
            "reindex"
        )
    parked = source.with_name(f".deleting-{source.name}")  # hidden: builds skip it
    os.replace(source, parked)
    try:
        report = reindex(index, corpus, settings, embedder, progress)
    except BaseException:
        os.replace(parked, source)
        raise
    parked.unlink(missing_ok=True)
    registry = _read_registry(index)
    registry.pop(source.name, None)
    _write_registry(index, registry)
    return report


def set_access(
    index: Path,
    corpus: list[Path],
    doc_id: str,
    access: int,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BuildReport:
    """Serve an uploaded document at another access level and reindex; the old level stays
    when the build fails. Corpus documents are refused (NotAnUpload): their level is the
    build's (`vankien build --access`)."""
    if access < 0:
        raise VankienError("access must be a whole number ≥ 0", field="access", code="invalid")
    source = _source_of(index, doc_id)
    if source.parent != uploads_folder(index).resolve():
        raise NotAnUpload(
            f"{doc_id!r} comes from {source}, a corpus folder: its access level is the one "
            "its folder was built with (`vankien build --access`)"
        )
    _drop_unfinished(index)
    registry = _read_registry(index)
    before = registry.get(source.name)
    registry[source.name] = (before or {"name": source.name}) | {"access": access}
    _write_registry(index, registry)
    try:
        return _reindex(index, corpus, settings, embedder, progress)
    except BaseException:
        _restore(index, source.name, before)
        raise


def reindex(
    index: Path,
    corpus: list[Path],
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    access: int = 0,
    workers: Workers | None = None,
) -> BuildReport:
    """Bring the index up to date with its corpus folders (at level `access`) and its uploads;
    uploads that never completed (a service killed while adding one) are dropped first."""
    _make_uploads_folder(index)  # first: an index folder that cannot be made is named as such
    _drop_unfinished(index)
    return _reindex(index, corpus, settings, embedder, progress, access, workers)


def _reindex(
    index: Path,
    corpus: list[Path],
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    access: int = 0,
    workers: Workers | None = None,
) -> BuildReport:
    uploads = _make_uploads_folder(index)
    registry = _read_registry(index)

    def info(path: Path) -> FileInfo | None:
        entry = registry.get(path.name) if path.parent.resolve() == uploads.resolve() else None
        return FileInfo(entry["name"], int(entry["access"])) if entry else None

    folders = [*(corpus or _recorded_folders(index) or _indexed_files(index)), uploads]
    return build_index(
        folders, index, settings, embedder=embedder, info=info, progress=progress,
        access=access, workers=workers,
    )


def _recorded_folders(index: Path) -> list[Path]:
    """The corpus folders the current version was built from (its manifest), so a reindex
    finds new files there; [] for a version that did not record them."""
    version = store.current_version(Path(index))
    recorded = Manifest.read(version).corpus if version is not None else None
    folders = [Path(f) for f in recorded or []]
    gone = [f for f in folders if not f.exists()]
    if gone:
        raise CorpusUnknown(
            f"{gone[0]}, a corpus folder of the index, is gone: start the service with "
            "`vankien serve --build FOLDER` or set VANKIEN_CORPUS to the folders to index"
        )
    return folders


def _make_uploads_folder(index: Path) -> Path:
    uploads = uploads_folder(index)
    try:
        uploads.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only folder, or a file where the index folder should be
        raise IndexWriteError(f"cannot write to {index}: {exc.strerror}") from exc
    return uploads


def _drop_unfinished(index: Path) -> None:
    """Remove the uploads still marked pending: their build never finished (the process was
    killed, the client went away), so they were never accepted. Writes are one at a time, so
    no other upload is under way."""
    registry = _read_registry(index)
    unfinished = [name for name, entry in registry.items() if entry.get("pending")]
    for name in unfinished:
        (uploads_folder(index) / name).unlink(missing_ok=True)
        del registry[name]
    if unfinished:
        _write_registry(index, registry)


def _indexed_files(index: Path) -> list[Path]:
    """The corpus files of the current version, when the folders they came from are unknown."""
    version = store.current_version(Path(index))
    if version is None:
        return []
    db = catalogue.connect(version / store.CATALOGUE, readonly=True)
    try:
        sources = catalogue.sources(db)
    finally:
        db.close()
    uploads = uploads_folder(index).resolve()
    files = [s for s in sources if s.parent != uploads]
    missing = [s for s in files if not s.is_file()]
    if missing:
        raise CorpusUnknown(
            f"{len(missing)} indexed files are no longer where they were (e.g. {missing[0]}) and "
            "the corpus folders are unknown: start the service with `vankien serve --build "
            "corpus/` or set VANKIEN_CORPUS, so those documents are not dropped"
        )
    return files


def _source_of(index: Path, doc_id: str) -> Path:
    version = store.require_version(Path(index))
    db = catalogue.connect(version / store.CATALOGUE, readonly=True)
    try:
        source = catalogue.source_of(db, doc_id)
    finally:
        db.close()
    if source is None:
        raise DocumentNotFound(f"no document with id {doc_id!r}", field="doc_id")
    return source


def _doc_of(index: Path, stored: Path) -> str:
    version = store.require_version(Path(index))
    db = catalogue.connect(version / store.CATALOGUE, readonly=True)
    try:
        doc_id = catalogue.doc_of_source(db, str(stored.resolve()))
    finally:
        db.close()
    if doc_id is None:  # read by check_upload, so only a changed parser could skip it
        raise UnreadableFile(f"{stored.name} was stored but not indexed; see the build report")
    return doc_id


def _read_registry(index: Path) -> dict[str, dict]:
    try:
        return json.loads((Path(index) / REGISTRY).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VankienError(
            f"{Path(index) / REGISTRY} is damaged ({exc}); fix or remove it"
        ) from exc


def _write_registry(index: Path, registry: dict[str, dict]) -> None:
    text = json.dumps(registry, ensure_ascii=False, indent=2, sort_keys=True)
    _write_file(Path(index) / REGISTRY, text.encode("utf-8"))


def _restore(index: Path, stored: str, entry: dict | None) -> None:
    registry = _read_registry(index)
    if entry is None:
        registry.pop(stored, None)
    else:
        registry[stored] = entry
    _write_registry(index, registry)


def _write_file(path: Path, data: bytes) -> None:
    """Write all or nothing: a reader (or a build) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
