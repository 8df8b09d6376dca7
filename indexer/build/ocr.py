"""A build's OCR phase: the scanned pages of the new and changed PDFs that the index's OCR
cache does not hold are recognised here, several at once, before the files are read. Reading
then finds every page in the cache (a rebuild never recognises a page again), and the
progress bar shows OCR as its own phase.

Pages are rendered one at a time in this thread (pymupdf is not thread-safe) and recognised
on `threads` worker threads, each driving one single-threaded `tesseract` process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from ..ingest import ocr

log = logging.getLogger(__name__)

OCR_FOLDER = "ocr"  # INDEX/ocr/: recognised pages by content hash, shared by every version


def recognise_pages(
    paths: list[Path],
    cache: ocr.OcrCache,
    threads: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Recognise the pages of `paths` that need OCR and are not cached; how many were.

    Nothing happens without Tesseract: reading the files then names them with the reason.
    A page that fails here is left to the reading, which reports it for its file.
    """
    if ocr.unavailable():
        return 0
    todo = list(_uncached(paths, cache))
    if not todo:
        return 0
    done = 0
    running: dict[Future, str] = {}
    with ThreadPoolExecutor(max(1, threads)) as pool:
        for gray, angle, key in _rendered(todo):
            running[pool.submit(ocr.recognise, gray, angle)] = key
            while len(running) >= 2 * max(1, threads):  # bounded: a page image is ~8 MB
                done += _collect(running, cache, FIRST_COMPLETED)
                if progress:
                    progress("ocr", done, len(todo))
        while running:
            done += _collect(running, cache, FIRST_COMPLETED)
            if progress:
                progress("ocr", done, len(todo))
    return done


def _collect(running: dict[Future, str], cache: ocr.OcrCache, when) -> int:
    finished, _ = wait(running, return_when=when)
    for future in finished:
        key = running.pop(future)
        try:
            cache.put(key, future.result())
        except Exception as exc:  # noqa: BLE001 - the reading retries the page and names it
            log.warning("OCR of a page failed, retried when its file is read: %s", exc)
    return len(finished)


def _uncached(paths: list[Path], cache: ocr.OcrCache) -> Iterator[tuple[Path, int, str]]:
    """(file, page index, page key) of every page needing OCR that the cache lacks."""
    import pymupdf

    for path in paths:
        try:
            with open(path, "rb") as handle:
                if b"%PDF-" not in handle.read(1024):
                    continue
            with pymupdf.open(path) as doc:
                for page in doc:
                    if ocr.needs_ocr(page):
                        key = ocr.page_key(page)
                        if cache.get(key) is None:
                            yield path, page.number, key
        except Exception:  # noqa: BLE001 - an unreadable PDF is reported when it is read
            continue


def _rendered(todo: list[tuple[Path, int, str]]) -> Iterator[tuple]:
    """(grey image, angle, key) of each page, opening each file once."""
    import pymupdf

    current: tuple[Path, pymupdf.Document] | None = None
    try:
        for path, number, key in todo:
            if current is None or current[0] != path:
                if current is not None:
                    current[1].close()
                current = (path, pymupdf.open(path))
            try:
                gray, angle = ocr.render(current[1][number])
            except Exception as exc:  # noqa: BLE001 - the reading retries the page and names it
                log.warning("rendering page %d of %s failed: %s", number + 1, path, exc)
                continue
            yield gray, angle, key
    finally:
        if current is not None:
            current[1].close()
