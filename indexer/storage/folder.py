"""The index folder: immutable versions, an atomic CURRENT pointer, and the SQLite catalogue.

    INDEX/CURRENT                 name of the active version (replaced with os.replace)
    INDEX/versions/<name>/        manifest.json, catalogue.sqlite, vectors.faiss, bm25-*/
                                  (with the Milvus backend: manifest and catalogue only)
    INDEX/.build.lock             held by the one running build

A build copies the active catalogue into a staging folder, applies its changes there, writes the
vector and lexical indexes, then publishes by renaming the folder and replacing CURRENT. Readers
only ever open a complete version, and a killed build leaves the previous one in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IndexCorrupt, IndexNotFound, IndexWriteError
from .catalogue import connect, counts
from .manifest import MANIFEST, Manifest

if TYPE_CHECKING:
    from .backends import Backend

CATALOGUE = "catalogue.sqlite"
KEEP_VERSIONS = 2


def current_version(index: Path) -> Path | None:
    """The folder of the active version, or None when nothing was published yet."""
    pointer = index / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = index / "versions" / name
    if not name or not folder.is_dir():
        raise IndexCorrupt(f"{pointer} names version {name!r}, which is missing; rebuild the index")
    return folder


def require_version(index: Path) -> Path:
    folder = current_version(index)
    if folder is None:
        raise IndexNotFound(
            f"no index at {index}: run `vankien build corpus/ --index {index}` first"
        )
    return folder


@contextlib.contextmanager
def build_lock(index: Path) -> Iterator[None]:
    """Hold the index's build lock; a second concurrent build fails fast instead of racing."""
    try:
        index.mkdir(parents=True, exist_ok=True)
        handle = open(index / ".build.lock", "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise IndexWriteError(f"cannot write to {index}: {exc.strerror}") from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise IndexWriteError(
            f"another build is running on {index}; wait for it to finish"
        ) from exc
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def stage(index: Path, base: Path | None) -> Path:
    """A fresh staging folder holding a copy of the catalogue of version `base` (or none)."""
    versions = index / "versions"
    try:
        versions.mkdir(parents=True, exist_ok=True)
        for leftover in versions.glob(".staging-*"):  # from builds that were killed
            shutil.rmtree(leftover, ignore_errors=True)
        staging = versions / f".staging-{os.getpid()}-{time.time_ns()}"
        staging.mkdir()
    except OSError as exc:
        raise IndexWriteError(f"cannot write to {index}: {exc.strerror}") from exc
    try:
        if base is not None:
            shutil.copyfile(base / CATALOGUE, staging / CATALOGUE)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)  # a partial copy on a full disk
        raise IndexWriteError(f"cannot write to {index}: {exc.strerror}") from exc
    return staging


def verify(folder: Path, backend: Backend) -> Manifest:
    """Cheap check that a version is whole (its manifest, the backend's files, the catalogue's
    count); returns its manifest or raises IndexCorrupt. Loading it fully is Index.open's job."""
    manifest = Manifest.read(folder)
    try:
        count, _ = int(manifest.counts["passages"]), int(manifest.dim)
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"{folder / MANIFEST} lacks counts or dim; rebuild the index") from exc
    if manifest.backend == backend.name:  # a version of the other backend is rewritten anyway
        backend.verify(folder, manifest)
    try:
        db = connect(folder / CATALOGUE, readonly=True)
        try:
            passages = counts(db, ("passages",))["passages"]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(f"{folder / CATALOGUE} cannot be read ({exc})") from exc
    if passages != count:
        raise IndexCorrupt(f"{folder / CATALOGUE} holds {passages} passages, not {count}")
    return manifest


def publish(index: Path, staging: Path, manifest: Manifest) -> Path:
    """Write the manifest, make the version durable, and switch CURRENT to it atomically."""
    name = time.strftime("v%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"
    final = index / "versions" / name
    pointer = index / "CURRENT.tmp"
    try:
        manifest.write(staging)
        _fsync_tree(staging)
        os.rename(staging, final)
        pointer.write_text(name + "\n", encoding="utf-8")
        _fsync_file(pointer)
        os.replace(pointer, index / "CURRENT")
        _fsync_dir(index)
    except OSError as exc:
        _abandon(index, final, pointer)
        raise IndexWriteError(f"cannot publish the index in {index}: {exc.strerror}") from exc
    _prune(index, keep=final)
    return final


def _abandon(index: Path, final: Path, pointer: Path) -> None:
    """After a failed publish (disk full), free what it wrote unless CURRENT already names it."""
    with contextlib.suppress(OSError):
        pointer.unlink(missing_ok=True)
    try:
        active = (index / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        active = None
    except OSError:
        return  # cannot tell which version is active: keep everything
    if active != final.name:
        shutil.rmtree(final, ignore_errors=True)


def _prune(index: Path, keep: Path) -> None:
    """Drop old versions, keeping the newest few so a reader that just opened one can finish."""
    versions = sorted(p for p in (index / "versions").iterdir() if p.name.startswith("v"))
    for old in versions[:-KEEP_VERSIONS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            _fsync_file(path)
    _fsync_dir(folder)
