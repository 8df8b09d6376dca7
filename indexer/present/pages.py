"""The image of a PDF page, shown beside the text OCR read from it so a reader can check a
figure against the scan: rendered on demand by pymupdf from the indexed file, cached as PNG in
INDEX/pages/ by the file's content hash."""

from __future__ import annotations

import hashlib
import os

from ..query.index import Index
from ..storage import catalogue

PAGES_FOLDER = "pages"
DPI = 110  # a page fits a screen column and its figures stay legible


def page_png(index: Index, doc_id: str, page: int) -> bytes | None:
    """The PNG of page `page` (1-based) of a PDF document, or None when there is no such page
    or the file changed since it was indexed (its image would not be the text's source)."""
    import pymupdf

    doc = index.docs.get(doc_id)
    if doc is None or doc.format != "pdf" or page < 1:
        return None
    found = catalogue.file_of(index.db, doc_id)
    if found is None:
        return None
    source, digest = found
    cached = index.folder.parent.parent / PAGES_FOLDER / f"{digest[:32]}-{page}.png"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    try:
        data = source.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != digest:
        return None
    try:
        with pymupdf.open(stream=data, filetype="pdf") as pdf:
            if page > pdf.page_count:
                return None
            png = pdf[page - 1].get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY).tobytes("png")
    except Exception:  # noqa: BLE001 - a file pymupdf cannot render has no image to show
        return None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(png)
        os.replace(partial, cached)
    except OSError:
        pass  # a read-only index folder: rendered again next time
    return png
