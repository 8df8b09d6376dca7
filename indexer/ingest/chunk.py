"""Document → passages: one per paragraph (long ones split), footnote, table row and heading."""

from __future__ import annotations

from ..model import Block, Document, Passage
from ..vietnamese.refs import extract_refs
from ..vietnamese.segment import sentence_spans

SECTION_SEPARATOR = " › "


def chunk(doc: Document, max_chars: int = 1200, overlap: int = 1) -> list[Passage]:
    """Every citable unit of a document, in reading order, with stable ids."""
    footnotes_by_block: dict[int, list] = {}
    for note in doc.footnotes:
        footnotes_by_block.setdefault(note.block_index, []).append(note)
    passages: list[Passage] = []
    for block in doc.blocks:
        if block.kind == "table":
            passages.extend(_table_rows(doc, block))
        else:
            passages.extend(_paragraph_parts(doc, block, max_chars, overlap))
        for note in footnotes_by_block.get(block.index, []):
            if note.text.strip():  # an empty body ("[1: []]") has nothing to find or quote
                passages.append(_footnote(doc, block, note))
    return passages


def section_label(block: Block) -> str:
    return SECTION_SEPARATOR.join(block.section)


def _context_prefix(doc: Document, block: Block) -> str:
    heading = block.section[-1] if block.section else ""
    return " | ".join(part for part in (doc.meta.title, heading) if part)


def _passage(doc: Document, block: Block, pid: str, kind: str, text: str, **extra) -> Passage:
    context = extra.get("context")
    prefix = _context_prefix(doc, block)
    embed = " | ".join(p for p in (prefix, context if kind != "paragraph" else None, text) if p)
    # A footnote's citing sentence helps the embedding place it, but as lexical evidence it
    # would make the footnote compete with its own paragraph for the paragraph's words.
    lexical = " | ".join(p for p in (prefix, context if kind == "table" else None, text) if p)
    return Passage(
        id=pid,
        doc_id=doc.doc_id,
        kind=kind,
        text=text,
        embed_text=embed,
        lexical_text=lexical,
        section=section_label(block),
        paragraph=block.index + 1,
        page=block.page,
        refs=tuple(extract_refs(text)),
        **extra,
    )


def _paragraph_parts(doc: Document, block: Block, max_chars: int, overlap: int) -> list[Passage]:
    kind = "heading" if block.kind == "heading" else "paragraph"
    base = f"{doc.doc_id}:p{block.index + 1}"
    if len(block.text) <= max_chars:
        return [_passage(doc, block, base, kind, block.text)]
    parts = split_long(block.text, max_chars, overlap)
    return [
        _passage(doc, block, f"{base}.{i}", kind, text, part=i)
        for i, text in enumerate(parts, start=1)
    ]


def split_long(text: str, max_chars: int, overlap: int = 1) -> list[str]:
    """Split at sentence boundaries into verbatim pieces of at most ~max_chars, overlapping by
    `overlap` sentences.

    >>> split_long("Câu một. Câu hai. Câu ba.", 18)
    ['Câu một. Câu hai.', 'Câu hai. Câu ba.']
    """
    spans = sentence_spans(text)
    if not spans:
        return [text]
    parts: list[str] = []
    start = 0
    while start < len(spans):
        end = start
        while end + 1 < len(spans) and spans[end + 1][1] - spans[start][0] <= max_chars:
            end += 1
        parts.append(text[spans[start][0] : spans[end][1]])
        if end + 1 >= len(spans):
            break
        start = max(end + 1 - overlap, start + 1)
    return parts


def _table_rows(doc: Document, block: Block) -> list[Passage]:
    rows = [row for row in block.rows if any(cell.strip() for cell in row)]
    if len(rows) <= 2:
        return [_passage(doc, block, f"{doc.doc_id}:t{block.index + 1}", "table", block.text)]
    header = " | ".join(rows[0])
    return [
        _passage(
            doc,
            block,
            f"{doc.doc_id}:t{block.index + 1}.r{i}",
            "table",
            " | ".join(row),
            part=i,
            context=header,
        )
        for i, row in enumerate(rows[1:], start=1)
    ]


def _footnote(doc: Document, block: Block, note) -> Passage:
    return _passage(
        doc,
        block,
        f"{doc.doc_id}:fn{note.number}",
        "footnote",
        note.text,
        footnote=note.number,
        context=note.sentence,
    )
