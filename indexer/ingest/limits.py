"""How much one document may hold: characters, paragraphs and passages, checked as it is read.

An upload's bytes say little of its cost: a 7 KB .docx of `<w:p>a</w:p>` unzips to 62,000
paragraphs, each a passage to embed, store and show. Builds and uploads check these limits
after reading (characters, paragraphs) and after chunking (passages), and refuse the file
with a DocumentTooLarge naming the limit and its setting.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from indexer.errors import DocumentTooLarge
from indexer.model import RawDocument


@dataclass(frozen=True)
class DocumentLimits:
    """The most one document may hold (Settings.max_doc_chars, …_paragraphs, …_passages)."""

    chars: int = 2_000_000
    paragraphs: int = 10_000
    passages: int = 10_000

    @classmethod
    def of(cls, settings) -> DocumentLimits:
        return cls(settings.max_doc_chars, settings.max_doc_paragraphs, settings.max_doc_passages)

    def check_raw(self, raw: RawDocument) -> None:
        """Refuse a document read with too many paragraphs or characters.

        >>> from indexer.model import RawBlock
        >>> raw = RawDocument((RawBlock("paragraph", "a"),) * 3)
        >>> try:
        ...     DocumentLimits(paragraphs=2).check_raw(raw)
        ... except DocumentTooLarge as exc:
        ...     print(exc)
        the document has 3 paragraphs; at most 2 are accepted (VANKIEN_MAX_DOC_PARAGRAPHS)
        """
        _check(len(raw.blocks), self.paragraphs, "paragraphs")
        chars = sum(len(b.text) for b in raw.blocks)  # a table's text holds its cells
        _check(chars + sum(len(t) for t in raw.footnotes.values()), self.chars, "chars")

    def check_package(self, data: bytes) -> None:
        """Refuse a .docx whose body holds far more paragraphs than the limit before reading it:
        counting `<w:p>` in its unzipped XML, as a stream, costs a fraction of parsing it (an
        80 KB file of 800,000 empty paragraphs took 19 s to read). Table cells and empty
        paragraphs count here too, so the bound is four times the limit."""
        if not data.startswith(b"PK"):
            return
        try:
            package = zipfile.ZipFile(io.BytesIO(data))
            part = package.open("word/document.xml")
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            return  # not a .docx, or a damaged one: the reader says so
        most, count, tail = 4 * self.paragraphs, 0, b""
        try:
            with part:
                while chunk := part.read(1 << 20):
                    window = tail + chunk
                    count += _paragraph_tags(window) - _paragraph_tags(tail)
                    tail = window[-5:]
                    if count > most:
                        _check(count, self.paragraphs, "paragraphs", "at least ")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return

    def check_passages(self, count: int) -> None:
        _check(count, self.passages, "passages")


WORDS = {"chars": "characters", "paragraphs": "paragraphs", "passages": "passages"}


def _check(count: int, limit: int, what: str, about: str = "") -> None:
    if count > limit:
        setting = f"VANKIEN_MAX_DOC_{what.upper()}"
        raise DocumentTooLarge(
            f"the document has {about}{count:,} {WORDS[what]}; at most {limit:,} are accepted "
            f"({setting})", field="file", limit=limit, what=what, count=count, setting=setting,
        )


def _paragraph_tags(xml: bytes) -> int:
    """`<w:p>`, `<w:p …>` and `<w:p/>` in a piece of WordprocessingML.

    >>> _paragraph_tags(b'<w:p><w:pPr/></w:p><w:p w:rsidR="1"/><w:p/>')
    3
    """
    return xml.count(b"<w:p>") + xml.count(b"<w:p ") + xml.count(b"<w:p/>")

