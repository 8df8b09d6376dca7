"""Pandoc markdown read with markdown-it-py (CommonMark, pipe tables, footnotes, attribute
spans); pandoc's simple, multiline and grid tables, which markdown-it does not know, are cut out
first and read here (the header table of a Nghị quyết holds "Số: 1654/NQ-UBTVQH15" and the
place and date)."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from indexer.ingest.parsers.plaintext import Ref, build_text
from indexer.model import RawBlock, RawDocument

# --- pandoc's own tables -----------------------------------------------------------------------
_TOKEN = re.compile(r"\\([!-/:-@\[-`{-~])|\*+|\[\^([^\]\s]{1,20})\]")
# Link text holds no "[": scanning 500 characters from every "[" of a "[[[[…" line was slow.
_LINK = re.compile(r"!?\[([^\[\]\n]{0,500})\](?:\([^)\n]{0,500}\)|\{[^}\n]{0,200}\})")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>\n]{0,200})?/?>")
_BREAK_IN_STARS = re.compile(r"(?<=\S)\\(\*+)\s*$")  # "***Nơi nhận:\***": break, then closer
_SETEXT = re.compile(r"(=+|-+)\s*$")
_GRID = re.compile(r"\+[-=:]{3,}[-=:+]*\+\s*$")
_DASHES = re.compile(r" {0,3}-{3,}(?: +-{3,})* *$")
_LIST = re.compile(r"\s{0,3}(?:([-+*])|(\d{1,3}[.)]|[a-zđ]\)))\s+(?=\S)")
_FOOTDEF = re.compile(r"\[\^([^\]\s]{1,20})\]:\s?(.*)$")
_HR = re.compile(r"\s{0,3}(?:(?:\*\s*){3,}|(?:_\s*){3,})$")
_ATX = re.compile(r"#{1,6}\s")
_FOOTREF = re.compile(r"\[\^([^\]\s]{1,20})\]")
_PLACE = "\ue000{}\ue001"  # a private-use placeholder standing for a table cut out of the text
_PLACED = re.compile("\ue000(\\d+)\ue001")
_OPEN = re.compile(r"(?<!\\)\[")


def inline(text: str) -> list[str | Ref]:
    """Pieces of one run of table cell text: escapes resolved, emphasis dropped, `[^n]` as
    markers (cells are cut by columns, so their emphasis may open in one and close in another).

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


def _table_at(lines: list[str], i: int, para: list[str]
              ) -> tuple[list[list[str]], int, bool] | None:  # fmt: skip
    """A grid, simple or multiline table starting at line i (`para`: the lines of the
    paragraph above): rows, next line, and whether the paragraph line above was its header."""
    line = lines[i]
    if _GRID.match(line):
        return (*_grid(lines, i), False)
    if not _DASHES.match(line) or (len(para) == 1 and _SETEXT.fullmatch(line)):
        return None
    header = para if len(para) == 1 else []
    found = _dash_table(lines, i, header)
    return (*found, bool(header)) if found else None


def _cut_tables(text: str) -> tuple[str, list[RawBlock | None]]:
    """The text with pandoc's grid, simple and multiline tables replaced by placeholders, and
    those tables read. Lines are followed as pandoc reads blocks: a blank line, a heading or a
    list item ends a paragraph, and only a one-line paragraph can head a simple table."""
    lines = [x if x.strip(" \t\u00a0") else "" for x in text.split("\n")]
    out: list[str] = []
    tables: list[RawBlock | None] = []
    para: list[int] = []  # where the lines of the paragraph being read are in `out`
    footnote = False  # inside a footnote definition (its indented lines belong to it)
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FOOTDEF.match(line) or (footnote and line.startswith(("  ", "\t")) and line.strip()):
            footnote = True
            out.append(line)
            i += 1
            continue
        footnote = footnote and not line.strip()
        if not line.strip() or _HR.fullmatch(line) or _ATX.match(line):
            para = []
        elif found := _table_at(lines, i, [out[k] for k in para]):
            rows, stop, took_header = found
            if took_header:
                out[para[0]] = ""
            out += ["", _PLACE.format(len(tables)), ""]
            tables.append(_table_block(rows))
            para, i = [], stop
            continue
        elif len(para) == 1 and _SETEXT.fullmatch(line) and not line.startswith(" "):
            para = []
        elif _DASHES.match(line):
            i += 1  # a rule that is not a table's is dropped, the paragraph goes on
            continue
        elif para and _LIST.match(line) and not line.startswith("    "):
            out.append("")  # a list item ends the paragraph above it
            para = [len(out)]
        else:
            para.append(len(out))
        out.append(line)
        i += 1
    return "\n".join(out), tables


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.use(footnote_plugin).use(attrs_plugin, spans=True)
    md.disable(["text_join", "fragments_join", "code", "linkify"], ignoreInvalid=True)
    return md


def _pieces(children: list[Token]) -> list[str | Ref]:
    """Text and footnote markers of an inline run: emphasis and attributes dropped, line breaks
    a space, a delimiter left unmatched dropped like the rest of the emphasis."""
    out: list[str | Ref] = []
    for t in children:
        if t.type == "footnote_ref":
            out.append((t.meta["label"],))
        elif t.type in ("softbreak", "hardbreak", "html_inline"):
            out.append(" ")
        elif t.type == "text_special":
            out.append(t.content)
        elif t.type in ("text", "code_inline"):
            if not (t.type == "text" and t.content and set(t.content) == {"*"}):
                out += _refs(t.content)
        elif t.type == "image":
            out += _pieces(t.children or [])
    return out


def _refs(text: str) -> list[str | Ref]:
    """`[^n]` markers markdown-it left as text (no definition): markers all the same."""
    out: list[str | Ref] = []
    last = 0
    for m in _FOOTREF.finditer(text):
        out += [text[last : m.start()], (m.group(1),)]
        last = m.end()
    return out + [text[last:]]


def _heading_title(pieces: list[str | Ref]) -> list[str | Ref]:
    """Pandoc's `{#id .class}` after a heading's title cut."""
    if pieces and isinstance(pieces[-1], str):
        last = pieces[-1].rstrip()
        if last.endswith("}") and "{" in last:
            pieces = [*pieces[:-1], last[: last.rfind("{")]]
    return pieces


def parse_markdown(text: str) -> RawDocument:
    """Blocks and footnotes of a pandoc markdown document.

    >>> doc = parse_markdown("**Điều 1. Sắp xếp**\\n\\n1\\\\. Sắp xếp toàn bộ\\nxã.")
    >>> [b.text for b in doc.blocks]
    ['Điều 1. Sắp xếp', '1. Sắp xếp toàn bộ xã.']
    """
    flowing, tables = _cut_tables(text.replace("\r\n", "\n").replace("\r", "\n"))
    tokens = _parser().parse(_plain_brackets(flowing))
    blocks: list[RawBlock | None] = []
    footnotes: dict[str, list[str]] = {}
    note: str | None = None
    items: list[str] = []  # the marker of each open list item whose first paragraph is to come
    for k, t in enumerate(tokens):
        if t.type == "footnote_open":
            note = t.meta["label"]
            footnotes[note] = []
        elif t.type == "footnote_close":
            note = None
        elif t.type == "list_item_open":
            items.append("- " if t.markup in "-+*" else f"{t.info}{t.markup} ")
        elif t.type == "list_item_close":
            items.pop()
        elif t.type == "inline":
            pieces = _pieces(t.children or [])
            kind = tokens[k - 1].type
            if note is not None:
                footnotes[note].append(build_text(pieces)[0])
            elif kind == "heading_open":
                title, refs = build_text(_heading_title(pieces))
                blocks.append(RawBlock("heading", title, refs, level=int(tokens[k - 1].tag[1])))
            elif kind in ("th_open", "td_open"):
                continue  # read with its table
            else:
                placed = _PLACED.fullmatch(t.content.strip())
                if placed:
                    blocks.append(tables[int(placed.group(1))])
                    continue
                if items and items[-1]:
                    pieces, items[-1] = [items[-1], *pieces], ""
                joined, refs = build_text(pieces)
                blocks.append(RawBlock("paragraph", joined, refs) if joined else None)
        elif t.type == "html_block":
            joined, refs = build_text(_refs(_TAG.sub(" ", t.content)))
            blocks.append(RawBlock("paragraph", joined, refs) if joined else None)
        elif t.type == "table_open":
            blocks.append(_pipe_table(tokens, k))
    kept = tuple(b for b in blocks if b is not None and b.text)
    bodies = {label: " ".join(p for p in parts if p) for label, parts in footnotes.items()}
    return RawDocument(blocks=kept, footnotes=bodies, format="markdown")


def _plain_brackets(text: str) -> str:
    """Every "[" after the last "]" escaped: it can open no link, footnote or span, and
    markdown-it would scan the rest of the text from each one ("[[[[…" took seconds).

    >>> _plain_brackets("[a] [[b")
    '[a] \\\\[\\\\[b'
    """
    close = text.rfind("]")
    return text[: close + 1] + _OPEN.sub(r"\\[", text[close + 1 :])


def _pipe_table(tokens: list[Token], start: int) -> RawBlock | None:
    rows: list[list[str]] = []
    for t in tokens[start + 1 :]:
        if t.type == "table_close":
            break
        if t.type == "tr_open":
            rows.append([])
        elif t.type == "inline":
            rows[-1].append(build_text(_pieces(t.children or []))[0])
    return _table_block(rows)
