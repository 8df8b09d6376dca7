"""Format readers: `read(path)` turns a .docx, .pdf (scanned pages through OCR), .doc/.rtf/.odt
(through LibreOffice), Word-export text, PDF text or markdown file into a RawDocument, deciding
the format from the content (the suffix only breaks ties)."""

from __future__ import annotations

from pathlib import Path

from indexer.errors import UnreadableFile
from indexer.ingest.parsers.legacy import CONVERT_TIMEOUT
from indexer.ingest.parsers.markdown import parse_markdown
from indexer.ingest.parsers.plaintext import parse_pdf_text
from indexer.ingest.parsers.sniff import decode, sniff, text_flavour
from indexer.ingest.parsers.wordtext import parse_word_text
from indexer.model import RawDocument

__all__ = ["read", "read_bytes"]

_TEXT_READERS = {
    "word-text": parse_word_text,
    "pdf-text": parse_pdf_text,
    "markdown": parse_markdown,
}


def read(
    path: Path, ocr_cache: Path | None = None, convert_timeout: float = CONVERT_TIMEOUT
) -> RawDocument:
    """Blocks and footnotes of one file; raises UnsupportedFormat / UnreadableFile with a reason.

    `ocr_cache`: a folder keeping recognised scanned pages (None: recognised at every read);
    `convert_timeout`: seconds LibreOffice may take over a .doc, .rtf or .odt file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise UnreadableFile("a folder, not a file") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot open the file ({exc.strerror or exc})") from exc
    return read_bytes(data, path, ocr_cache, convert_timeout)


def read_bytes(
    data: bytes,
    path: Path | None = None,
    ocr_cache: Path | None = None,
    convert_timeout: float = CONVERT_TIMEOUT,
) -> RawDocument:
    """Like `read`, for bytes already in memory (an upload); `path` only hints the text flavour."""
    kind = sniff(data)
    if kind == "pdf":
        from indexer.ingest.ocr import OcrCache
        from indexer.ingest.parsers.pdf import parse_pdf

        return parse_pdf(data, OcrCache(ocr_cache))
    if kind == "docx":
        from indexer.ingest.parsers.docx import parse_docx

        return parse_docx(data)
    if kind in ("doc", "rtf", "odt"):
        from indexer.ingest.parsers.legacy import parse_legacy

        return parse_legacy(data, kind, convert_timeout)
    text = decode(data)
    doc = _TEXT_READERS[text_flavour(text, path)](text)
    if not doc.blocks:
        raise UnreadableFile("no readable text: only markup, page numbers or blank lines")
    return doc
