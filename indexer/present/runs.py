"""Text cut into plain and highlighted runs: how every surface (page, CLI, notebook) marks a
passage. Standard library only, so the CLI answering through a service imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """A run of paragraph text (`marked` when highlighted) or a footnote marker (`footnote`)."""

    text: str = ""
    marked: bool = False
    footnote: int | None = None
    quoted: bool = False  # inside the sentence an answer was taken from


def pieces(text: str, spans=(), footnote_refs=(), quoted=()) -> list[Piece]:
    """Cut text into plain and highlighted runs with footnote markers at their offsets;
    runs inside a `quoted` span (an answer's sentence) say so.

    >>> cut = pieces("Kết nạp 120 đảng viên", [(8, 11)], [(6, 21)])
    >>> [(p.text, p.marked, p.footnote) for p in cut]
    [('Kết nạp ', False, None), ('120', True, None), (' đảng viên', False, None), ('', False, 6)]
    >>> [(p.text, p.marked, p.quoted) for p in pieces("A. Có 5 chi bộ.", [(6, 7)], (), [(3, 15)])]
    [('A. ', False, False), ('Có ', False, True), ('5', True, True), (' chi bộ.', False, True)]
    """
    n = len(text)
    spans, quoted = (sorted((max(0, s), min(n, e)) for s, e in runs if s < e and s < n and e > 0)
                     for runs in (spans, quoted))  # fmt: skip
    refs = sorted((min(max(0, off), n), num) for num, off in footnote_refs)
    edges = [*spans, *quoted]
    cuts = sorted({0, n, *(s for s, _ in edges), *(e for _, e in edges), *(o for o, _ in refs)})
    out: list[Piece] = []
    for start, end in zip(cuts, cuts[1:] + [n], strict=True):
        out.extend(Piece(footnote=num) for off, num in refs if off == start and start < n)
        if end > start:
            marked = any(s <= start and end <= e for s, e in spans)
            inside = any(s <= start and end <= e for s, e in quoted)
            out.append(Piece(text=text[start:end], marked=marked, quoted=inside))
    out.extend(Piece(footnote=num) for off, num in refs if off == n)
    return out
