"""RawDocument → Document: header read as metadata, recipients dropped, sections and footnotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from indexer.ingest.meta import extract_meta
from indexer.ingest.structure import SectionTracker, marker_kind, section_marker, split_closing
from indexer.model import Block, Document, Footnote, RawBlock, RawDocument
from indexer.vietnamese.segment import sentence_spans
from indexer.vietnamese.text import fold, nfc

_LEAD = re.compile(r"^[\s*_\\]+")
_BARE_KINDS = {"phan", "chuong", "muc"}


def _prepare(block: RawBlock) -> RawBlock | None:
    """NFC text with surrounding space trimmed, marker offsets moved to match; None when empty."""
    text = nfc(block.text)
    rows = tuple(tuple(nfc(c) for c in row) for row in block.rows)
    stripped = text.strip()
    if not stripped and not any(any(c.strip() for c in row) for row in rows):
        return None
    lead = len(text) - len(text.lstrip())
    refs = tuple(
        (label.strip(), min(max(len(nfc(block.text[:off])) - lead, 0), len(stripped)))
        for label, off in block.footnote_refs
    )
    return replace(block, text=stripped, rows=rows, footnote_refs=refs)


def _merge_bare(blocks: list[RawBlock]) -> list[RawBlock]:
    """ "Chương I" followed by its name on the next line ("QUY ĐỊNH CHUNG") becomes one heading."""
    out: list[RawBlock] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        found = marker_kind(block.text) if block.kind != "table" else None
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if (
            found
            and found[1] in _BARE_KINDS
            and _LEAD.sub("", block.text).strip(" *_.") == found[2].rstrip(".")
            and nxt is not None
            and nxt.kind != "table"
            and marker_kind(nxt.text) is None
            and len(nxt.text) <= 200
            and not nxt.text.endswith((".", ";", ":"))
        ):
            shift = len(block.text) + 1
            refs = block.footnote_refs + tuple((lb, off + shift) for lb, off in nxt.footnote_refs)
            out.append(
                replace(block, kind="heading", text=f"{block.text}\n{nxt.text}", footnote_refs=refs)
            )
            i += 2
            continue
        out.append(block)
        i += 1
    return out


def _heading_entry(text: str) -> str:
    """The heading as it appears in a section path: one line ("Chương I. QUY ĐỊNH CHUNG")."""
    first, _, rest = text.partition("\n")
    if not rest:
        return first
    sep = " " if first.endswith((".", ":")) else ". "
    return first + sep + " ".join(rest.split())


def _place(block: RawBlock, tracker: SectionTracker) -> tuple[str, tuple[str, ...]]:
    """Kind of the block and its section path, opening or closing sections as it goes."""
    if block.kind == "table":
        return "table", tracker.path
    found = marker_kind(block.text)
    if block.kind == "heading":  # the format says so; a marker in the text still sets the level
        level, kind = found[:2] if found else (block.level or 1, "format")
        return "heading", tracker.heading(_heading_entry(block.text), level, kind)
    if found and section_marker(block.text):
        return "heading", tracker.heading(_heading_entry(block.text), found[0], found[1])
    if found:  # a numbered sentence: a list item that still ends its open siblings
        return "paragraph", tracker.item(found[0], found[1])
    return "paragraph", tracker.path


def _open_appendix(block: RawBlock, tracker: SectionTracker) -> tuple[str, tuple[str, ...]]:
    """First block after the signature: a new top section ("PHỤ LỤC", "DANH SÁCH …")."""
    tracker.reset()
    line = _LEAD.sub("", block.text)
    letters = [ch for ch in line if ch.isalpha()]
    caps = bool(letters) and all(ch.isupper() for ch in letters)
    if block.kind != "table" and len(line) <= 300 and (caps or fold(line).startswith("phu luc")):
        return "heading", tracker.heading(_heading_entry(block.text), -1, "appendix")
    return _place(block, tracker)


def _label_numbers(blocks: Sequence[RawBlock], bodies: dict[str, str]) -> dict[str, int]:
    """Footnote number of each label: the label when numeric, else its order of appearance."""
    labels = list(dict.fromkeys([lb for b in blocks for lb, _ in b.footnote_refs] + list(bodies)))
    numbers = {lb: int(lb) for lb in labels if lb.isdigit()}
    used = set(numbers.values())
    for order, label in enumerate(labels, start=1):
        if label not in numbers:
            n = order
            while n in used:
                n += 1
            numbers[label] = n
            used.add(n)
    return numbers


def assemble(raw: RawDocument, doc_id: str, source: str) -> Document:
    """Structured Document of a RawDocument: metadata, content blocks with sections, footnotes.

    The header (up to the trích yếu) becomes `meta`; the closing "Nơi nhận:" list and signature
    are dropped; every kept block carries the chain of headings above it.
    """
    meta, header = extract_meta(raw.blocks)
    main, appendix = split_closing(raw.blocks, header)
    parts = [
        _merge_bare([b for b in map(_prepare, part) if b is not None]) for part in (main, appendix)
    ]
    prepared = parts[0] + parts[1]
    bodies = {nfc(k).strip(): nfc(v).strip() for k, v in raw.footnotes.items()}
    numbers = _label_numbers(prepared, bodies)
    tracker = SectionTracker()
    blocks: list[Block] = []
    for raw_block in prepared:
        if parts[1] and raw_block is parts[1][0]:
            kind, section = _open_appendix(raw_block, tracker)
        else:
            kind, section = _place(raw_block, tracker)
        refs = tuple((numbers[lb], off) for lb, off in raw_block.footnote_refs)
        blocks.append(
            Block(
                index=len(blocks),
                kind=kind,
                text=raw_block.text,
                section=section,
                footnote_refs=refs,
                rows=raw_block.rows,
                page=raw_block.page,
            )
        )
    footnotes = _footnotes(blocks, prepared, bodies, numbers)
    return Document(
        doc_id=doc_id,
        source=source,
        format=raw.format,
        meta=meta,
        blocks=tuple(blocks),
        footnotes=footnotes,
        scanned=raw.scanned,
    )


def _footnotes(
    blocks: list[Block], prepared: list[RawBlock], bodies: dict[str, str], numbers: dict[str, int]
) -> tuple[Footnote, ...]:
    """One Footnote per body, linked to the first block citing it and the sentence of its marker."""
    if not blocks:
        return ()
    cited: dict[str, tuple[int, int]] = {}
    for block, raw_block in zip(blocks, prepared, strict=True):
        for label, offset in raw_block.footnote_refs:
            cited.setdefault(label, (block.index, offset))
    notes: list[Footnote] = []
    for label, body in bodies.items():
        if label in cited:
            index, offset = cited[label]
            sentence = sentence_at(blocks[index].text, offset)
        else:
            # a body whose marker was lost (in the header, or dropped by the converter) is still
            # evidence users search for: keep it, attached to the end of the document
            index, sentence = blocks[-1].index, ""
        notes.append(
            Footnote(number=numbers[label], text=body, block_index=index, sentence=sentence)
        )
    # labels cited without a body are ignored: there is nothing to show for them
    return tuple(sorted(notes, key=lambda n: (n.block_index, n.number)))


def sentence_at(text: str, offset: int) -> str:
    """The sentence of `text` holding `offset`; a marker right after a sentence's end belongs to it.

    >>> sentence_at("Tăng 5%. Giảm 3 vụ.", 8)
    'Tăng 5%.'
    """
    spans = sentence_spans(text)
    if not spans:
        return text.strip()
    chosen = spans[0]
    for start, end in spans:
        if start > offset:
            break  # the marker sits in the gap after `chosen`
        chosen = (start, end)
        if offset <= end:
            break
    return text[chosen[0] : chosen[1]].strip()
