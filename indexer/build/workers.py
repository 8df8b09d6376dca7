"""Who does a build's heavy work: reading and segmenting documents, and embedding passages.

`build_index` decides what to (re)read and what to embed, and writes the results; the work in
between goes through a `Workers` object. `LocalWorkers` does it in this process;
`distributed.RayWorkers` spreads it over a Ray cluster. Both run the same functions
(`parse_job` and the embedder's `embed_passages`), so they give the same index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from .. import logs
from ..embed import Embedder, Progress
from ..errors import VankienError
from ..ingest.assemble import assemble
from ..ingest.chunk import chunk
from ..ingest.limits import DocumentLimits
from ..ingest.parsers import read_bytes
from ..model import Document, Passage
from ..vietnamese import keys as lexical
from ..vietnamese.wordspans import indexed_words

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = {
    ".txt", ".text", ".md", ".markdown", ".docx", ".pdf", ".doc", ".rtf", ".odt"
}  # fmt: skip


@dataclass(frozen=True)
class ParseJob:
    """One file to read: its bytes travel with it, so workers need no shared file system."""

    key: int
    path: str  # for messages and the text-flavour hint
    data: bytes | None  # None when the file could not be read (then `error` says why)
    doc_id: str
    name: str
    error: str | None = None
    ocr_cache: str | None = None  # folder of recognised scanned pages (INDEX/ocr)
    convert_timeout: float = 120.0  # seconds LibreOffice may take over a .doc/.rtf/.odt
    limits: DocumentLimits = DocumentLimits()  # what one document may hold


@dataclass
class ParseResult:
    key: int
    document: Document | None = None
    # each passage with its accented and folded keys and its text's words packed (or None)
    keyed: list[tuple[Passage, list[str], list[str], bytes | None]] = field(default_factory=list)
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def keys(lexical_text: str, text: str) -> tuple[list[str], list[str], bytes | None]:
    """A passage's lexical keys (accented words and folded syllables of its `lexical_text`)
    and where its `text`'s words are (`wordspans.indexed_words`), for highlights."""
    return (lexical.word_keys(lexical_text), lexical.folded_keys(lexical_text),
            indexed_words(text))


def parse_job(job: ParseJob, max_chars: int, overlap: int) -> ParseResult:
    """Read, assemble and chunk one document, then segment its passages into lexical keys."""
    started = time.perf_counter()
    suffix = Path(job.path).suffix.lower()
    try:
        if job.error is not None:
            raise VankienError(job.error)
        if suffix not in DOCUMENT_SUFFIXES:
            raise VankienError(
                f"not a document type ({suffix or 'no extension'}); vankien reads "
                + " ".join(sorted(DOCUMENT_SUFFIXES))
            )
        job.limits.check_package(job.data or b"")
        raw = read_bytes(job.data or b"", Path(job.path),
                         Path(job.ocr_cache) if job.ocr_cache else None, job.convert_timeout)
        job.limits.check_raw(raw)
        doc = assemble(raw, doc_id=job.doc_id, source=job.name)
        if not doc.blocks:
            raise VankienError("no text content found")
        passages = chunk(doc, max_chars, overlap)
        job.limits.check_passages(len(passages))
    except VankienError as exc:
        return ParseResult(job.key, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a reader's bug must not stop a whole build
        log.exception("reading %s failed", job.path, extra={"console": False})
        return ParseResult(
            job.key,
            error=f"could not be read ({type(exc).__name__}: {exc}); details in {logs.where()}",
        )
    parsed = time.perf_counter()
    keyed = [(p, *keys(p.lexical_text, p.text)) for p in passages]
    recognised = sum(page.seconds for page in raw.scanned)  # pages the OCR phase left over
    seconds = {"parse": parsed - started - recognised, "segment": time.perf_counter() - parsed}
    if recognised:
        seconds["ocr"] = recognised
    return ParseResult(job.key, doc, keyed, seconds=seconds)


class Workers(Protocol):
    embed_window: int  # texts handed to `embed` at a time

    def parse(
        self, jobs: Iterable[ParseJob], max_chars: int, overlap: int
    ) -> Iterator[ParseResult]:
        """Results in any order (each carries its job's key)."""
        ...

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors of `texts`; `progress(n)` after each batch of n, where the worker can tell."""
        ...


class LocalWorkers:
    """Everything in this process, one document and one batch at a time."""

    embed_window = 256

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def parse(
        self, jobs: Iterable[ParseJob], max_chars: int, overlap: int
    ) -> Iterator[ParseResult]:
        for job in jobs:
            yield parse_job(job, max_chars, overlap)

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        return self.embedder.embed_passages(texts, progress)
