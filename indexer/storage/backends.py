"""Where a version's two rankings live: FAISS and bm25s files in the version folder ("faiss"),
or a Milvus collection ("milvus"). One `Backend`, chosen once from the settings by
`backend_for`, writes a version's search side, settles after it is published, tells whether
a published version's side is still intact, and opens it for reading; nothing else asks which
backend is configured."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import Settings
from ..errors import IndexCorrupt, IndexWriteError
from . import bm25 as lexical
from . import catalogue
from . import faiss as vectors
from .manifest import Manifest
from .retrieval import FaissRetriever, Retriever

log = logging.getLogger(__name__)


class Backend(Protocol):
    name: str  # recorded in the manifest ("backend")

    def write(self, db: sqlite3.Connection, staging: Path, index: Path, previous: Path | None,
              dim: int) -> dict:  # fmt: skip
        """Write the search side of the version staged in `staging` from its catalogue; the
        manifest fields describing it."""
        ...

    def published(self, index: Path, manifest: Manifest) -> None:
        """After `manifest`'s version was published: clean up what it no longer needs."""
        ...

    def intact(self, index: Path, manifest: Manifest) -> bool:
        """Whether a published version's search side still holds all its passages."""
        ...

    def verify(self, folder: Path, manifest: Manifest) -> None:
        """Cheap check of the version's own search files; IndexCorrupt when one is damaged."""
        ...

    def open(self, folder: Path, manifest: Manifest, db: sqlite3.Connection,
             pids: np.ndarray, access: np.ndarray | None = None) -> Retriever:  # fmt: skip
        """The version's rankings, for searching; `access`: each row's level, when the caller
        has it already (else read from the catalogue)."""
        ...


class FaissBackend:
    """FAISS (exact below `approx_threshold` passages, HNSW above) and two bm25s indexes, as
    files in the version folder, loaded into the process that searches."""

    name = "faiss"

    def __init__(self, settings: Settings) -> None:
        self.approx_threshold = settings.approx_threshold

    def write(self, db, staging, index, previous, dim) -> dict:
        pids, matrix, streams = catalogue.search_rows(db, dim)
        faiss_index = vectors.build(matrix, self.approx_threshold)
        lex = lexical.Lexical.build(streams, catalogue.row_access(db))
        try:
            np.save(staging / "pids.npy", pids)
            vectors.save(faiss_index, staging)
            lex.save(staging)
        except (OSError, RuntimeError) as exc:  # faiss reports a failed write as RuntimeError
            raise IndexWriteError(
                f"cannot write the index in {staging.parent.parent}: {exc}") from exc
        return {"faiss": type(faiss_index).__name__}

    def published(self, index, manifest) -> None:
        pass

    def intact(self, index, manifest) -> bool:
        return True  # its files were checked by `verify`

    def verify(self, folder, manifest) -> None:
        count, dim = manifest.passages, int(manifest.dim)
        needed = {"vectors.faiss": count * dim * 4, "pids.npy": count * 8}
        for name, size in needed.items():
            path = folder / name
            if not path.is_file() or path.stat().st_size < size:
                raise IndexCorrupt(f"{path} is missing or truncated; rebuild the index")
        for name in ("bm25-accented", "bm25-folded"):
            if not (folder / name).is_dir():
                raise IndexCorrupt(f"{folder / name} is missing; rebuild the index")

    def open(self, folder, manifest, db, pids, access=None) -> Retriever:
        access = catalogue.row_access(db) if access is None else access
        return FaissRetriever.load(folder, manifest, pids, access,
                                   lambda: catalogue.lexical_streams(db))


class MilvusBackend:
    """A Milvus collection (Milvus Lite file, server or cluster) holding the dense and sparse
    vectors; see milvus.py and milvus_write.py. pymilvus is imported only when it is used."""

    name = "milvus"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def write(self, db, staging, index, previous, dim) -> dict:
        from . import milvus_write

        return {"milvus": milvus_write.write(db, index, previous, self.settings, dim)}

    def published(self, index, manifest) -> None:
        """Deletions and dropped generations; a failure here loses nothing (the published
        version ignores those rows, the next build redoes the deletions)."""
        from . import milvus_write

        try:
            milvus_write.after_publish(index, self.settings, manifest)
        except Exception as exc:  # noqa: BLE001 - the version is published whatever happens
            log.warning("Milvus clean-up after publishing is left for the next build: %s", exc)

    def intact(self, index, manifest) -> bool:
        from . import milvus_write

        return milvus_write.intact(index, self.settings, manifest)

    def verify(self, folder, manifest) -> None:
        pass  # the vectors are in Milvus: `intact` asks it

    def open(self, folder, manifest, db, pids, access=None) -> Retriever:
        from .milvus import MilvusRetriever

        return MilvusRetriever.open(folder, manifest, self.settings, db, pids, access)


def backend_for(settings: Settings) -> Backend:
    """The backend VANKIEN_BACKEND names."""
    return MilvusBackend(settings) if settings.backend == "milvus" else FaissBackend(settings)
