"""Decide a file's format from its bytes, and decode text strictly (UTF-8 / UTF-16 with BOM)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from indexer.errors import UnreadableFile, UnsupportedFormat

_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_ZIP_KINDS = {
    "xl/workbook.xml": "an Excel workbook (.xlsx)",
    "ppt/presentation.xml": "a PowerPoint presentation (.pptx)",
    "content.xml": "an OpenDocument spreadsheet or presentation (.ods/.odp)",
}
# streams of an OLE compound file (UTF-16 names in its directory) and what they make it
_OLE_STREAMS = {
    "WordDocument": None,
    "EncryptedPackage": "a password-protected Office file: remove the password and save it "
    "as .docx",
    "Workbook": "an Excel 97–2003 workbook (.xls), not a document",
    "PowerPoint Document": "a PowerPoint 97–2003 presentation (.ppt), not a document",
}
_WORD_MARKERS = re.compile(r"\[\[footnoteRef:\w+\]\]|\[\d+: \[\]|\[bookmark: ")
_MD_MARKERS = re.compile(
    r"^#{1,6} \S|\*\*\S|\\[.\-*()\[\]]|^\+[-=:]{3,}[-=:+]*\+$|^\[\^\w+\]:|^ *-{3,}(?: +-{3,})+ *$",
    re.MULTILINE,
)
_SENTENCE_END = re.compile(r"[.:;!?…][\"'”)»]*$")
TEXT_SUFFIXES = {".md": "markdown", ".markdown": "markdown"}


def sniff(data: bytes) -> str:
    """Format of raw bytes: "pdf", "docx", "doc", "rtf", "odt" or "text"; raises for empty,
    binary and other types."""
    if not data.strip():
        raise UnreadableFile("empty file: it holds no text")
    if data.startswith(b"\xef\xbb\xbf") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"  # a BOM decides before any magic number could
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _ole_kind(data)
    if data.startswith(b"{\\rtf"):
        return "rtf"
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedFormat(f"{what}, not a text, .docx or .pdf document")
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(f"corrupt zip/.docx file ({exc}); re-save it from Word") from exc
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names and b"application/vnd.oasis.opendocument.text" in data[:200]:
        return "odt"
    for part, what in _ZIP_KINDS.items():
        if part in names:
            raise UnsupportedFormat(f"{what}; save it as .docx or .pdf")
    raise UnsupportedFormat("a zip archive without word/document.xml, not a .docx document")


def _ole_kind(data: bytes) -> str:
    """ "doc" for a Word 97–2003 file; raises for the other Office files of that container."""
    for stream, refusal in _OLE_STREAMS.items():
        if stream.encode("utf-16-le") in data:
            if refusal is None:
                return "doc"
            raise (UnreadableFile if "password" in refusal else UnsupportedFormat)(refusal)
    return "doc"  # a damaged directory: LibreOffice will say whether it can read it


def decode(data: bytes) -> str:
    """Text of UTF-8 (BOM optional) or UTF-16 (with BOM) bytes; anything else is refused.

    Legacy Vietnamese encodings (cp1258, TCVN3, VNI) are not guessed: a wrong guess would
    index mojibake that nobody could search or quote.
    """
    head = data[:4096]
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif head[1::2].count(0) > 0.4 * len(head[1::2]) and b"\x00\x00" not in head:
        raise UnreadableFile("UTF-16 text without a byte-order mark; re-save it as UTF-8")
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if b"\x00" in head:
            raise UnsupportedFormat("binary file, not text (it contains NUL bytes)") from exc
        raise UnreadableFile(
            f"not valid {encoding.upper().replace('-SIG', '')} text (byte {exc.start}); "
            "it may be in a legacy encoding (Windows-1258, TCVN3, VNI): re-save it as UTF-8"
        ) from exc
    # Valid UTF-8 with a few stray control characters (a NUL, an escape) is text whose odd lines
    # are cleaned later; only a text made mostly of them is not a document.
    controls = sum(1 for c in text[:65536] if not c.isprintable() and c not in "\n\r\t\f\v")
    if controls > 0.3 * min(len(text), 65536):
        raise UnsupportedFormat("binary file, not text (mostly control characters)")
    if not text.strip():
        raise UnreadableFile("empty file: it holds no text")
    return text


def text_flavour(text: str, path: Path | None = None) -> str:
    """Which text reader fits: "word-text", "markdown" or "pdf-text" (the suffix breaks ties)."""
    head = text[:200_000]
    if _WORD_MARKERS.search(head):
        return "word-text"
    if len(_MD_MARKERS.findall(head)) >= 3:
        return "markdown"
    suffix = path.suffix.lower() if path else ""
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    return "pdf-text" if _looks_hard_wrapped(head) else "word-text"


def _looks_hard_wrapped(text: str) -> bool:
    """Most lines of similar width, running on into the next line: text wrapped by a PDF."""
    lines = [x.rstrip() for x in text.splitlines()]
    filled = [x for x in lines if x.strip()]
    if len(filled) < 4:
        return False
    widths = sorted(len(x.strip()) for x in filled)
    if widths[int(len(widths) * 0.9)] > 120:
        return False
    running = sum(
        1
        for a, b in zip(lines, lines[1:], strict=False)
        if len(a.strip()) >= 40 and b.strip() and not _SENTENCE_END.search(a)
    )
    return running >= 0.25 * len(filled)
