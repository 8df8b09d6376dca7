"""Pandoc markdown: emphasis and escapes stripped, wrapped lines re-joined, pandoc footnotes,
and simple, multiline, pipe and grid tables read into rows (the header table of a Nghị quyết
holds "Số: 1654/NQ-UBTVQH15" and the place and date)."""

from __future__ import annotations

import html
import re
import unicodedata

from indexer.ingest.parsers.plaintext import Ref, build_text
from indexer.model import RawBlock, RawDocument

_TOKEN = re.compile(r"\\([!-/:-@\[-`{-~])|\*+|\[\^([^\]\s]{1,20})\]")
# Link text holds no "[": scanning 500 characters from every "[" of a "[[[[…" line was slow.
_LINK = re.compile(r"!?\[([^\[\]\n]{0,500})\](?:\([^)\n]{0,500}\)|\{[^}\n]{0,200}\})")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>\n]{0,200})?/?>")
_BREAK_IN_STARS = re.compile(r"(?<=\S)\\(\*+)\s*$")  # "***Nơi nhận:\***": break, then closer
_ATX = re.compile(r"(#{1,6})\s+(.*)")  # closing #s and {attributes}: see _atx
_SETEXT = re.compile(r"(=+|-+)\s*$")
_GRID = re.compile(r"\+[-=:]{3,}[-=:+]*\+\s*$")
_DASHES = re.compile(r" {0,3}-{3,}(?: +-{3,})* *$")
_PIPE_SEP = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")
_LIST = re.compile(r"\s{0,3}(?:([-+*])|(\d{1,3}[.)]|[a-zđ]\)))\s+(?=\S)")
_FOOTDEF = re.compile(r"\[\^([^\]\s]{1,20})\]:\s?(.*)$")
_HR = re.compile(r"\s{0,3}(?:(?:\*\s*){3,}|(?:_\s*){3,})$")


def inline(text: str) -> list[str | Ref]:
    """Pieces of one markdown run: escapes resolved, emphasis dropped, `[^n]` as markers.

    >>> build_text(inline("**1\\\\. Sắp xếp** xã[^2] mới"))
    ('1. Sắp xếp xã mới', (('2', 13),))
    """
    text = _TAG.sub(" ", _LINK.sub(r"\1", text))
    pieces: list[str | Ref] = []
    last = 0
    for m in _TOKEN.finditer(text):
        pieces.append(html.unescape(text[last : m.start()]))
        if m.group(1):
            pieces.append(m.group(1))
        elif m.group(2):
            pieces.append((m.group(2),))
        last = m.end()
    pieces.append(html.unescape(text[last:]))
    return pieces


def split_break(line: str) -> tuple[str, bool]:
    """A line without its hard line break (trailing `\\` or two spaces), and whether it had one."""
    stars = _BREAK_IN_STARS.search(line)
    if stars:
        return line[: stars.start()] + stars.group(1), True
    if line.endswith("\\") and not line.endswith("\\\\"):
        return line[:-1], True
    return line.rstrip(), line.endswith("  ")


def cell_text(lines: list[str]) -> str:
    """Text of a table cell: soft-wrapped lines joined by a space, hard breaks kept as "\\n"."""
    segments: list[str] = []
    current: list[str] = []
    for raw in lines:
        content, hard = split_break(raw.strip())
        if content.strip():
            current.append(content.strip())
        if (hard or not content.strip()) and current:
            segments.append(" ".join(current))
            current = []
    if current:
        segments.append(" ".join(current))
    texts = (build_text(inline(s))[0] for s in segments)
    return "\n".join(t for t in texts if t)


def _table_block(rows: list[list[str]]) -> RawBlock | None:
    kept = tuple(tuple(r) for r in rows if any(c for c in r))
    if not kept:
        return None
    text = "\n".join(" | ".join(c for c in r) for r in kept)
    return RawBlock(kind="table", text=text, rows=kept)


def _slice(line: str, bounds: list[tuple[int, int | None]]) -> list[str]:
    """Cut `line` at display columns: combining accents (NFD "ố") take no column of their own."""
    starts: list[int] = []  # starts[c] = string index of display column c
    for k, ch in enumerate(line):
        if not unicodedata.combining(ch):
            starts.append(k)
    starts.append(len(line))

    def at(col: int | None) -> int | None:
        return None if col is None else starts[min(col, len(starts) - 1)]

    return [line[at(a) : at(b)] for a, b in bounds]


def _grid(lines: list[str], i: int) -> tuple[list[list[str]], int]:
    """Rows of a grid table (`+---+` borders, `|` cell walls) starting at line i."""
    cols = [k for k, ch in enumerate(lines[i].rstrip()) if ch == "+"]
    groups: list[list[str]] = [[]]
    j = i + 1
    while j < len(lines) and lines[j][:1] in ("+", "|"):
        if lines[j].startswith("+"):
            groups.append([])
        else:
            groups[-1].append(lines[j])
        j += 1
    rows = []
    for group in (g for g in groups if g):
        first = _slice(group[0], [(c, c + 1) for c in cols])
        walls = [c for c, ch in zip(cols, first, strict=True) if ch == "|"]
        bounds = [(a + 1, b) for a, b in zip(walls, walls[1:], strict=False)]
        cells = zip(*(_slice(line, bounds) for line in group), strict=True)
        rows.append([cell_text(list(c)) for c in cells])
    return rows, j


def _columns(dashes: str) -> list[tuple[int, int | None]]:
    starts = [m.start() for m in re.finditer(r"-+", dashes)]
    return list(zip(starts, [*starts[1:], None], strict=True))


def _dash_table(lines: list[str], i: int, header: list[str]) -> tuple[list[list[str]], int] | None:
    """Simple or multiline table whose dash line is line i (`header`: the line above, if any)."""
    n = len(lines)
    ends = [j for j in range(i + 1, min(n, i + 400)) if _DASHES.match(lines[j])]
    if header:  # simple table: header line, dashes, one row per line until a blank line
        j = i + 1
        while j < n and lines[j].strip() and not _DASHES.match(lines[j]):
            j += 1
        body, stop = [[x] for x in lines[i + 1 : j]], j + (j < n and bool(_DASHES.match(lines[j])))
        cols, head = _columns(lines[i]), [header]
    elif not ends:
        return None
    else:
        sep = ends[0]
        if len(_columns(lines[i])) > 1:
            head, cols, start = [], _columns(lines[i]), i + 1
        elif len(ends) > 1 and len(_columns(lines[sep])) > 1:  # multiline table with a header
            head, sep, cols = [lines[i + 1 : sep]], ends[1], _columns(lines[sep])
            start = ends[0] + 1
        else:
            return None  # a lone rule
        inner = lines[start:sep]
        body = _blank_split(inner) if any(not x.strip() for x in inner) else [[x] for x in inner]
        stop = sep + 1
    cuts = [list(zip(*(_slice(x, cols) for x in row), strict=True)) for row in head + body if row]
    rows = [[cell_text(list(cell)) for cell in row] for row in cuts]
    return rows, stop


def _blank_split(lines: list[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _take_footnotes(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Remove `[^n]: body` definitions (with indented continuation lines) from the flow."""
    kept: list[str] = []
    notes: dict[str, list[str]] = {}
    label = None
    for line in lines:
        m = _FOOTDEF.match(line)
        if m:
            label = m.group(1)
            notes[label] = [m.group(2)]
        elif label and line.startswith(("  ", "\t")) and line.strip():
            notes[label].append(line.strip())
        elif label and not line.strip():
            kept.append(line)
        else:
            label = None
            kept.append(line)
    bodies = {k: cell_text(v).replace("\n", " ") for k, v in notes.items()}
    return kept, bodies


def _paragraph(lines: list[str]) -> RawBlock | None:
    texts = [split_break(x)[0].strip() for x in lines]
    text = " ".join(t[2:] if t.startswith("> ") else t for t in texts)
    m = _LIST.match(text)
    if m and m.group(1):  # a bullet, written "- " whatever the markdown marker was
        text = "- " + text[m.end() :]
    joined, refs = build_text(inline(text))
    return RawBlock(kind="paragraph", text=joined, footnote_refs=refs) if joined else None


def parse_markdown(text: str) -> RawDocument:
    """Blocks and footnotes of a pandoc markdown document.

    >>> doc = parse_markdown("**Điều 1. Sắp xếp**\\n\\n1\\\\. Sắp xếp toàn bộ\\nxã.")
    >>> [b.text for b in doc.blocks]
    ['Điều 1. Sắp xếp', '1. Sắp xếp toàn bộ xã.']
    """
    lines, footnotes = _take_footnotes(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    blocks: list[RawBlock | None] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(_paragraph(para))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _atx(line) if line.startswith("#") else None
        if not line.strip(" \t\u00a0") or _HR.fullmatch(line):
            flush()
        elif table := _table_at(lines, i, para):
            rows, i, took_header = table
            para[:] = para[:-1] if took_header else para
            flush()
            blocks.append(_table_block(rows))
            continue
        elif heading:
            flush()
            level, title = heading
            title, refs = build_text(inline(title))
            blocks.append(RawBlock(kind="heading", text=title, footnote_refs=refs, level=level))
        elif len(para) == 1 and _SETEXT.fullmatch(line) and not line.startswith(" "):
            title, _ = build_text(inline(para.pop()))
            blocks.append(RawBlock(kind="heading", text=title, level=1 if line[0] == "=" else 2))
        elif not _DASHES.match(line):
            if para and _LIST.match(line) and not line.startswith("    "):
                flush()
            para.append(line)
        i += 1
    flush()
    kept = tuple(b for b in blocks if b is not None and b.text)
    return RawDocument(blocks=kept, footnotes=footnotes, format="markdown")


def _atx(line: str) -> tuple[int, str] | None:
    """Level and title of an ATX heading, closing #s and {attributes} cut.

    String methods, not a regex: a lazy title followed by optional trailing parts backtracked
    quadratically on a long run of spaces ("# a" + 100 000 spaces took minutes).

    >>> _atx("## Kết quả đạt được ## {#ket-qua}")
    (2, 'Kết quả đạt được')
    """
    found = _ATX.fullmatch(line)
    if found is None:
        return None
    title = found.group(2).rstrip()
    if title.endswith("}"):
        start = max(title.rfind("}", 0, len(title) - 1) + 1, len(title) - 202)
        opened = title.find("{", start)
        title = title[:opened].rstrip() if opened >= 0 else title
    bare = title.rstrip("#")
    if bare != title and bare[-1:].isspace():
        title = bare.rstrip()
    return len(found.group(1)), title


def _table_at(
    lines: list[str], i: int, para: list[str]
) -> tuple[list[list[str]], int, bool] | None:
    """A grid, pipe, simple or multiline table starting at line i: rows, next line, and whether
    the paragraph line above was its header."""
    line = lines[i]
    if _GRID.match(line):
        return (*_grid(lines, i), False)
    if line.lstrip().startswith("|") and i + 1 < len(lines) and _PIPE_SEP.match(lines[i + 1]):
        j = i + 2
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            j += 1
        return [_pipe_cells(x) for x in [line, *lines[i + 2 : j]]], j, False
    if not _DASHES.match(line) or (len(para) == 1 and _SETEXT.fullmatch(line)):
        return None
    header = para[-1:] if len(para) == 1 else []
    found = _dash_table(lines, i, header)
    return (*found, bool(header)) if found else None


def _pipe_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell_text([c]) for c in re.split(r"(?<!\\)\|", inner)]
