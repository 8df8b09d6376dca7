"""Pandoc's own tables, which markdown-it does not know: simple, multiline and grid tables
(the header table of a Nghị quyết holds "Số: 1654/NQ-UBTVQH15" and the place and date).

Cells are cut by display columns, so a cell's emphasis may open in one column and close in
another; the caller's `inline` reads each cell's text (markdown.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from indexer.ingest.parsers.plaintext import Ref, build_text
from indexer.model import RawBlock

Inline = Callable[[str], list[str | Ref]]

SETEXT = re.compile(r"(=+|-+)\s*$")
DASHES = re.compile(r" {0,3}-{3,}(?: +-{3,})* *$")
_GRID = re.compile(r"\+[-=:]{3,}[-=:+]*\+\s*$")
_BREAK_IN_STARS = re.compile(r"(?<=\S)\\(\*+)\s*$")  # "***Nơi nhận:\***": break, then closer


def table_at(lines: list[str], i: int, para: list[str], inline: Inline
             ) -> tuple[list[list[str]], int, bool] | None:  # fmt: skip
    """A grid, simple or multiline table starting at line i (`para`: the lines of the
    paragraph above): rows, next line, and whether the paragraph line above was its header."""
    line = lines[i]
    if _GRID.match(line):
        return (*_grid(lines, i, inline), False)
    if not DASHES.match(line) or (len(para) == 1 and SETEXT.fullmatch(line)):
        return None
    header = para if len(para) == 1 else []
    found = _dash_table(lines, i, header, inline)
    return (*found, bool(header)) if found else None


def split_break(line: str) -> tuple[str, bool]:
    """A line without its hard line break (trailing `\\` or two spaces), and whether it had one."""
    stars = _BREAK_IN_STARS.search(line)
    if stars:
        return line[: stars.start()] + stars.group(1), True
    if line.endswith("\\") and not line.endswith("\\\\"):
        return line[:-1], True
    return line.rstrip(), line.endswith("  ")


def cell_text(lines: list[str], inline: Inline) -> str:
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


def table_block(rows: list[list[str]]) -> RawBlock | None:
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


def _grid(lines: list[str], i: int, inline: Inline) -> tuple[list[list[str]], int]:
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
        rows.append([cell_text(list(c), inline) for c in cells])
    return rows, j


def _columns(dashes: str) -> list[tuple[int, int | None]]:
    starts = [m.start() for m in re.finditer(r"-+", dashes)]
    return list(zip(starts, [*starts[1:], None], strict=True))


def _dash_table(lines: list[str], i: int, header: list[str], inline: Inline
                ) -> tuple[list[list[str]], int] | None:  # fmt: skip
    """Simple or multiline table whose dash line is line i (`header`: the line above, if any)."""
    n = len(lines)
    ends = [j for j in range(i + 1, min(n, i + 400)) if DASHES.match(lines[j])]
    if header:  # simple table: header line, dashes, one row per line until a blank line
        j = i + 1
        while j < n and lines[j].strip() and not DASHES.match(lines[j]):
            j += 1
        body, stop = [[x] for x in lines[i + 1 : j]], j + (j < n and bool(DASHES.match(lines[j])))
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
    rows = [[cell_text(list(cell), inline) for cell in row] for row in cuts]
    return rows, stop


def _blank_split(lines: list[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]
