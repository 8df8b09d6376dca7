"""Pandoc markdown, read with markdown-it-py: CommonMark, pipe tables, footnotes and pandoc's
attribute spans (mdit-py-plugins) give the blocks, emphasis and escapes; pandoc's simple,
multiline and grid tables, which markdown-it does not know, are cut out first and read by
pandoc_tables.py, their cells through the same inline parser."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from indexer.ingest.parsers.pandoc_tables import DASHES, SETEXT, table_at, table_block
from indexer.ingest.parsers.plaintext import Ref, build_text
from indexer.model import RawBlock, RawDocument

_LIST = re.compile(r"\s{0,3}(?:([-+*])|(\d{1,3}[.)]|[a-zđ]\)))\s+(?=\S)")
_FOOTDEF = re.compile(r"\[\^([^\]\s]{1,20})\]:\s?(.*)$")
_HR = re.compile(r"\s{0,3}(?:(?:\*\s*){3,}|(?:_\s*){3,})$")
_ATX = re.compile(r"#{1,6}\s")
# A bullet followed by a no-break (or other) space is written "- " as vankien has always read
# it (CommonMark and pandoc want a space or a tab). Pandoc writes an empty emphasised paragraph
# as "*\u00a0*", which so reads "-": kept, so that corpus-extra reads exactly as before.
_ODD_SPACE_BULLET = re.compile(r"^\s{0,3}[-+*](?=\s*[^\S\t ])\s+(?=\S)")
_FOOTREF = re.compile(r"\[\^([^\]\s]{1,20})\]")
_PLACE = "\ue000{}\ue001"  # a private-use placeholder standing for a table cut out of the text
_PLACED = re.compile("\ue000(\\d+)\ue001")
_BRACKET = "\ue002"  # a "[" that opens nothing (see _plain_brackets)
_OPEN = re.compile(r"(?<!\\)\[")  # a "[" not escaped


def inline(text: str) -> list[str | Ref]:
    """Pieces of one run of markdown: escapes resolved, emphasis dropped, `[^n]` as markers.

    >>> build_text(inline("**1\\\\. Sắp xếp** xã[^2] mới"))
    ('1. Sắp xếp xã mới', (('2', 13),))
    """
    tokens = _parser().parseInline(_plain_brackets(text))
    return _pieces(tokens[0].children or []) if tokens else []


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
        # table_at only tells a one-line paragraph from a longer one: two lines say it, and
        # copying the whole paragraph at each of its lines made a long one quadratic
        elif found := table_at(lines, i, [out[k] for k in para[:2]], inline):
            rows, stop, took_header = found
            if took_header:
                out[para[0]] = ""
            out += ["", _PLACE.format(len(tables)), ""]
            tables.append(table_block(rows))
            para, i = [], stop
            continue
        elif len(para) == 1 and SETEXT.fullmatch(line) and not line.startswith(" "):
            para = []
        elif DASHES.match(line):
            i += 1  # a rule that is not a table's is dropped, the paragraph goes on
            continue
        elif para and _LIST.match(line) and not line.startswith("    "):
            out.append("")  # a list item ends the paragraph above it
            para = [len(out)]
        else:
            para.append(len(out))
        out.append(_ODD_SPACE_BULLET.sub(r"\\- ", line))
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
                out += _refs(t.content.replace(_BRACKET, "["))
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
            joined, refs = build_text(inline(t.content))
            blocks.append(RawBlock("paragraph", joined, refs) if joined else None)
        elif t.type == "table_open":
            blocks.append(_pipe_table(tokens, k))
    kept = tuple(b for b in blocks if b is not None and b.text)
    bodies = {label: " ".join(p for p in parts if p) for label, parts in footnotes.items()}
    return RawDocument(blocks=kept, footnotes=bodies, format="markdown")


def _plain_brackets(text: str) -> str:
    """Every "[" after the last "]" stood in for by a private-use character (read back as "["
    by `_pieces`): it can open no link, footnote or span, and markdown-it would scan the rest of
    the text from each one ("[[[[…" took seconds, a 1 MB line minutes).

    >>> _plain_brackets("[a] [[b") == "[a] " + _BRACKET * 2 + "b"
    True
    """
    close = text.rfind("]")
    return text[: close + 1] + _OPEN.sub(_BRACKET, text[close + 1 :])


def _pipe_table(tokens: list[Token], start: int) -> RawBlock | None:
    rows: list[list[str]] = []
    for t in tokens[start + 1 :]:
        if t.type == "table_close":
            break
        if t.type == "tr_open":
            rows.append([])
        elif t.type == "inline":
            rows[-1].append(build_text(_pieces(t.children or []))[0])
    return table_block(rows)
