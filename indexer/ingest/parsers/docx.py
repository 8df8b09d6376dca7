""".docx read from its XML parts: paragraphs, Heading N styles, tables, automatic list numbers
("II. ", "1. ", "a) ") and real Word footnotes linked to the run where their reference sits."""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from indexer.errors import UnreadableFile
from indexer.ingest.parsers.plaintext import Ref, build_text
from indexer.model import RawBlock, RawDocument

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_MAX_PART = 200_000_000
_HEADING_NAME = re.compile(r"(?:heading|tiêu đề|titre|überschrift|título|encabezado)\s*(\d)", re.I)
_RUN_ITEMS = {f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen", f"{W}footnoteReference"}
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def _part(zf: zipfile.ZipFile, name: str) -> etree._Element | None:
    """One XML part of the package, or None when absent; corrupt XML is an UnreadableFile."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        raise UnreadableFile(f"{name} is implausibly large ({info.file_size} bytes)")
    try:
        return etree.fromstring(zf.read(info), _PARSER)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableFile(f"corrupt .docx: {name} cannot be read ({exc})") from exc


def _val(el: etree._Element | None, path: str) -> str | None:
    found = el.find(path) if el is not None else None
    return found.get(f"{W}val") if found is not None else None


def _int(value: str | None, default: int | None = None, high: int = 32767) -> int | None:
    """A whole-number attribute in 0..high, else `default`: hand-edited or generated packages
    carry "", "x" or 10**20 where Word writes small numbers, and a huge list start would render
    as megabytes of roman numerals."""
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return default
    return number if number is not None and 0 <= number <= high else default


def format_number(value: int, fmt: str) -> str:
    """A list counter in Word's number format: 2 → "II" (upperRoman), 1 → "a" (lowerLetter)."""
    if fmt in ("upperRoman", "lowerRoman"):
        out, n = "", value
        for amount, digits in _ROMAN:
            out, n = out + digits * (n // amount), n % amount
        return out if fmt == "upperRoman" else out.lower()
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


class _Numbering:
    """Word's list counters per numId and level, rendered through each level's lvlText."""

    def __init__(self, root: etree._Element | None) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        abstract = {a.get(f"{W}abstractNumId"): a for a in root.iter(f"{W}abstractNum")}
        for num in root.iter(f"{W}num"):
            levels = {}
            for lvl in abstract.get(_val(num, f"{W}abstractNumId") or "", etree.Element("x")):
                if lvl.tag == f"{W}lvl":
                    start = _int(_val(lvl, f"{W}start"), 1)
                    fmt = _val(lvl, f"{W}numFmt") or "decimal"
                    levels[_int(lvl.get(f"{W}ilvl"), 0, 8)] = (
                        fmt,
                        _val(lvl, f"{W}lvlText") or "",
                        start,
                    )
            for override in num.iter(f"{W}lvlOverride"):
                ilvl = _int(override.get(f"{W}ilvl"), 0, 8)
                start = _int(_val(override, f"{W}startOverride"))
                if start is not None and ilvl in levels:
                    levels[ilvl] = (*levels[ilvl][:2], start)
            self.levels[num.get(f"{W}numId")] = levels

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the (num_id, ilvl) counter and render its label: "II. ", "1. ", "a) ", "- "."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else levels[ilvl][2]
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]  # a shallower level advancing restarts the deeper ones
        fmt, text, _ = levels[ilvl]
        if fmt == "bullet":
            return "- "
        if fmt == "none" or not text:
            return ""

        def render(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            level = levels.get(k, ("decimal", "", 1))
            return format_number(counts.get(k, level[2]), level[0])

        return re.sub(r"%([1-9])", render, text) + " "


class _Styles:
    """Heading level and list numbering a paragraph inherits from its style chain."""

    def __init__(self, root: etree._Element | None) -> None:
        self.by_id = (
            {s.get(f"{W}styleId"): s for s in root.iter(f"{W}style")} if root is not None else {}
        )

    def _chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            yield self.by_id[style_id]
            style_id = _val(self.by_id[style_id], f"{W}basedOn")

    def heading_level(self, style_id: str | None) -> int | None:
        for style in self._chain(style_id):
            m = _HEADING_NAME.fullmatch((_val(style, f"{W}name") or "").strip())
            if m:
                return int(m.group(1))
            outline = _int(_val(style, f"{W}pPr/{W}outlineLvl"), high=8)
            if outline is not None:
                return outline + 1
        return None

    def numbering(self, style_id: str | None) -> tuple[str | None, int]:
        for style in self._chain(style_id):
            num = _val(style, f"{W}pPr/{W}numPr/{W}numId")
            if num is not None:
                return num, _int(_val(style, f"{W}pPr/{W}numPr/{W}ilvl"), 0, 8)
        return None, 0


class _Reader:
    """Walks document.xml in order, numbering lists and footnotes as Word displays them."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.styles = _Styles(_part(zf, "word/styles.xml"))
        self.numbering = _Numbering(_part(zf, "word/numbering.xml"))
        self.notes = _footnote_bodies(_part(zf, "word/footnotes.xml"))
        self.labels: dict[str, str] = {}  # footnote id → displayed number
        self.footnotes: dict[str, str] = {}

    def pieces(self, p: etree._Element, prefix: str = "") -> list[str | Ref]:
        out: list[str | Ref] = [prefix]
        for el in p.iter(*_RUN_ITEMS):
            if any(a.tag == _FALLBACK for a in el.iterancestors()):
                continue  # the Fallback copy of an AlternateContent repeats the Choice
            if el.tag == f"{W}t":
                out.append(el.text or "")
            elif el.tag == f"{W}noBreakHyphen":
                out.append("-")
            elif el.tag == f"{W}footnoteReference":
                out.append((self._note_label(el.get(f"{W}id", "")),))
            else:
                out.append(" ")
        return out

    def _note_label(self, note_id: str) -> str:
        if note_id not in self.labels:
            self.labels[note_id] = str(len(self.labels) + 1)
            self.footnotes[self.labels[note_id]] = self.notes.get(note_id, "")
        return self.labels[note_id]

    def paragraph(self, p: etree._Element) -> RawBlock | None:
        ppr = p.find(f"{W}pPr")
        style = _val(ppr, f"{W}pStyle")
        num_id, ilvl = self.styles.numbering(style)
        if _val(ppr, f"{W}numPr/{W}numId") is not None:
            num_id = _val(ppr, f"{W}numPr/{W}numId")
            ilvl = _int(_val(ppr, f"{W}numPr/{W}ilvl"), ilvl, 8)
        prefix = self.numbering.label(num_id, ilvl) if num_id and num_id != "0" else ""
        text, refs = build_text(self.pieces(p, prefix))
        if not text or text == prefix.strip():
            return None
        outline = _int(_val(ppr, f"{W}outlineLvl"), high=8)
        level = outline + 1 if outline is not None else None
        level = level or self.styles.heading_level(style)
        if level:
            return RawBlock(kind="heading", text=text, footnote_refs=refs, level=level)
        return RawBlock(kind="paragraph", text=text, footnote_refs=refs)

    def cell(self, tc: etree._Element) -> tuple[str, list[tuple[str, int]]]:
        """Text of a table cell (its paragraphs on separate lines) and its footnote refs."""
        text, refs = "", []
        for p in tc.iter(f"{W}p"):
            block = self.paragraph(p)
            if block:
                text += "\n" if text else ""
                refs.extend((label, len(text) + off) for label, off in block.footnote_refs)
                text += block.text
        return text, refs

    def table(self, tbl: etree._Element) -> RawBlock | None:
        """One "table" block; a merged cell appears once (its continuation cells are empty)."""
        rows = [
            [self.cell(tc) for tc in tr.iterchildren(f"{W}tc")] for tr in tbl.iterchildren(f"{W}tr")
        ]
        rows = [r for r in rows if any(text for text, _ in r)]
        if not rows:
            return None
        refs, pos = [], 0
        for i, row in enumerate(rows):
            pos += 1 if i else 0
            for j, (text, cell_refs) in enumerate(row):
                pos += 3 if j else 0
                refs.extend((label, pos + off) for label, off in cell_refs)
                pos += len(text)
        cells = tuple(tuple(text for text, _ in row) for row in rows)
        text = "\n".join(" | ".join(row) for row in cells)
        return RawBlock(kind="table", text=text, footnote_refs=tuple(refs), rows=cells)

    def blocks(self, body: etree._Element) -> list[RawBlock]:
        out: list[RawBlock] = []
        for el in body:
            if el.tag == f"{W}p":
                block = self.paragraph(el)
            elif el.tag == f"{W}tbl":
                block = self.table(el)
            elif el.tag == f"{W}sdt":
                content = el.find(f"{W}sdtContent")
                out.extend(self.blocks(content) if content is not None else [])
                continue
            else:
                continue
            if block:
                out.append(block)
        return out


def _footnote_bodies(root: etree._Element | None) -> dict[str, str]:
    """Footnote id → body text, without separator notes and the body's own number mark."""
    bodies: dict[str, str] = {}
    if root is None:
        return bodies
    for note in root.iter(f"{W}footnote"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paras = []
        for p in note.iter(f"{W}p"):
            items = [t.text or "" for t in p.iter(f"{W}t")]
            paras.append(build_text(items)[0])
        bodies[note.get(f"{W}id", "")] = " ".join(x for x in paras if x)
    return bodies


def parse_docx(data: bytes) -> RawDocument:
    """Blocks and footnotes of a .docx file's bytes."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFile(f"corrupt .docx ({exc}); re-save it from Word") from exc
    document = _part(zf, "word/document.xml")
    body = document.find(f"{W}body") if document is not None else None
    if body is None:
        raise UnreadableFile("corrupt .docx: word/document.xml has no body")
    reader = _Reader(zf)
    blocks = reader.blocks(body)
    if not blocks:
        raise UnreadableFile("the .docx holds no text")
    return RawDocument(blocks=tuple(blocks), footnotes=reader.footnotes, format="docx")
