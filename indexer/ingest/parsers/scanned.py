"""A page recognised by OCR as the PDF reader's lines: words placed in points on their
baseline, raised footnote numbers as superscript spans, and OCR's readings of those numbers
("lên'." for "lên¹.", "'*" for the "¹⁴" opening a footnote) dropped. Figures are never
changed: a figure read with low confidence is only reported as unsure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from indexer.ingest.ocr import OcrLine, OcrMark, OcrPage, OcrWord
from indexer.ingest.parsers.layout import Line, Span
from indexer.model import ScannedPage
from indexer.vietnamese.text import nfc

UNSURE = 80  # a word holding digits read with less confidence than this is an unsure figure
SURE_MARK = 90  # a marker's digits read with less confidence yield to the numbering
_KEPT = ".,;:"  # punctuation after a marker that OCR reads in the same word
_DIGITS = re.compile(r"\d")
_NEVER = "_|¬~="  # characters these documents never hold: OCR's reading of a speck


@dataclass
class Numbering:
    """Footnote numbers run 1, 2, 3… through a document, in the text and at the page bottoms:
    a marker whose digits OCR read unsure takes the number expected next."""

    last: dict[str, int] = field(default_factory=lambda: {"text": 0, "notes": 0})

    def label(self, mark: OcrMark, where: str) -> str:
        expected = self.last[where] + 1
        read = int(mark.label) if mark.label else None
        # a number further on is believed when read surely (a marker was missed before it);
        # one going back is a misreading far more often than a footnote cited twice
        if read is None or not (read == expected or (
                expected < read <= expected + 3 and mark.conf >= SURE_MARK)):
            read = expected
        self.last[where] = read
        return str(read)


def page_lines(page: OcrPage, number: int, numbering: Numbering) -> tuple[list[Line], float | None]:
    """The page's lines in points (72 per inch) and the y of its footnote rule, if any."""
    scale = 72 / page.dpi
    out = []
    for ocr_line in (part for line in page.lines for part in _columns(line)):
        words = _joined([
            replace(w, text=w.text.strip(_NEVER)) for w in ocr_line.words
            if not (_on_rule(w, page.rule) or _speck(w, ocr_line.cap))
        ], ocr_line.cap)  # fmt: skip
        words = [w for i, w in enumerate(words) if not _stray_dash(words, i, ocr_line.cap)]
        if not words:
            continue
        spans = _spans(ocr_line, words, numbering, page.dpi)
        if not "".join(s.text for s in spans if not s.guessed).strip():
            continue  # nothing but specks or raised marks
        boxes = [w.box for w in words] + [m.box for m in ocr_line.marks]
        x0, x1 = min(b[0] for b in boxes) * scale, max(b[2] for b in boxes) * scale
        y1 = ocr_line.baseline * scale
        y0 = y1 - ocr_line.cap * scale
        out.append(Line(number, x0, y0, x1, y1, page.height * scale, tuple(spans)))
    rule = page.rule[1] * scale if page.rule else None
    return out, rule


def _columns(line: OcrLine) -> list[OcrLine]:
    """A line cut where its words stand columns apart: OCR reads the two cells of a header
    ("TỈNH ỦY HẬU GIANG      ĐẢNG CỘNG SẢN VIỆT NAM") as one line, a text layer as two."""
    words = sorted(line.words, key=lambda w: w.box[0])
    cuts = [i for i in range(1, len(words)) if words[i].box[0] - words[i - 1].box[2]
            > 2.5 * line.cap]  # fmt: skip
    if not cuts:
        return [line]
    parts = []
    for start, end in zip([0, *cuts], [*cuts, len(words)], strict=True):
        group = words[start:end]
        x0 = group[0].box[0] if start else line.box[0]
        x1 = words[end].box[0] if end < len(words) else line.box[2]
        marks = tuple(m for m in line.marks if x0 <= m.box[0] < x1)
        box = (group[0].box[0], line.box[1], group[-1].box[2], line.box[3])
        parts.append(replace(line, box=box, words=tuple(group), marks=marks))
    return parts


def scanned_page(page: OcrPage, number: int, seconds: float = 0.0) -> ScannedPage:
    """What answers need to know of a recognised page: its confidence and its unsure figures."""
    words = [w for line in page.lines for w in _joined(list(line.words), line.cap)]
    mean = sum(w.conf for w in words) / len(words) if words else 0.0
    unsure = tuple(dict.fromkeys(
        nfc(w.text.strip("'’‘\"“”°*#!?§®^~`|_()").rstrip(".,;:")) for w in words
        if _DIGITS.search(w.text) and w.conf < UNSURE
    ))  # fmt: skip
    return ScannedPage(number, round(mean, 1), tuple(u for u in unsure if u), round(seconds, 2))


def _speck(word: OcrWord, cap: float) -> bool:
    """A speck or stain of the scan read as a word: ink smaller than a period, or punctuation
    that no typist writes alone ("_", "|", a lone ".") or that OCR doubts. A spaced dash
    ("2020 - 2025") stays."""
    x0, y0, x1, y1 = word.box
    if x1 - x0 < 0.2 * cap and y1 - y0 < 0.2 * cap:
        return True
    text = word.text.strip(_NEVER)
    if any(c.isalnum() for c in text):
        return y1 - y0 < 0.4 * cap  # a letter or digit stands at least an x-height tall
    if text in {"-", "–", "—"}:  # a dash opening a list item; specks read so are tiny
        return False
    return not text or word.conf < 60 or text in {".", ",", ":", ";"}


def _stray_dash(words: list[OcrWord], i: int, cap: float) -> bool:
    """A dash far from any word: a scratch of the scan. A typed one ("2020 - 2025", "- Các
    sở") stands a space away from the word after it or before it."""
    if words[i].text not in {"-", "–", "—"}:
        return False
    near = [abs(words[j].box[0] - words[i].box[2]) if j > i else words[i].box[0] - words[j].box[2]
            for j in (i - 1, i + 1) if 0 <= j < len(words)]  # fmt: skip
    return not near or min(near) > cap


def _on_rule(word: OcrWord, rule) -> bool:
    """A word OCR made of the footnote rule itself ("--#", "_")."""
    if rule is None:
        return False
    x0, y0, x1, y1 = word.box
    return y0 <= rule[3] and rule[1] <= y1 and x0 < rule[2] and rule[0] < x1 and (
        not any(c.isalpha() for c in word.text) or x0 < rule[0] - 4)


def _joined(words: list[OcrWord], cap: float) -> list[OcrWord]:
    """Words OCR split at a separator with no space after it, put back together: "179." "678"
    → "179.678", "8," "87%" → "8,87%", "28-" "CT/TW" → "28-CT/TW" (a space is a third of a
    capital wide; these gaps are a tenth)."""
    out: list[OcrWord] = []
    for word in words:
        prev = out[-1] if out else None
        if prev and word.box[0] - prev.box[2] < 0.2 * cap and _glued(prev.text, word.text):
            box = (prev.box[0], min(prev.box[1], word.box[1]), word.box[2],
                   max(prev.box[3], word.box[3]))  # fmt: skip
            out[-1] = OcrWord(prev.text + word.text, min(prev.conf, word.conf), box)
        else:
            out.append(word)
    return out


def _glued(left: str, right: str) -> bool:
    if len(left) < 2 or not right[:1].isalnum():
        return False
    if left[-1] in ".," and left[-2].isdigit():
        return right[0].isdigit()
    return left[-1] in "-/" and left[-2].isalnum()


def _size(height_px: float, dpi: int) -> float:
    """Font size in points from the height of a capital (about 0.7 of the size), to 0.5pt."""
    return round(height_px * 72 / dpi / 0.7 * 2) / 2


def _spans(line: OcrLine, words: list[OcrWord], numbering: Numbering, dpi: int) -> list[Span]:
    size = _size(line.cap, dpi)
    items: list[OcrWord | OcrMark] = sorted(  # a label opening a line comes before its word
        [*words, *line.marks], key=lambda item: (item.box[0], isinstance(item, OcrWord)))
    spans: list[Span] = []
    for i, item in enumerate(items):
        if isinstance(item, OcrMark):
            opening = i == 0 or all(w.box[0] >= item.box[0] - 2 for w in words)
            label = numbering.label(item, "notes" if opening else "text")
            _attach(spans, Span(label, _size(item.box[3] - item.box[1], dpi), True, guessed=True))
            continue
        text = _clean(item, [m for m in line.marks if _touches(item, m)])
        if text:
            spans.append(Span((" " if spans else "") + nfc(text), size, False))
    return spans


def _touches(word: OcrWord, mark: OcrMark) -> bool:
    return word.box[0] < mark.box[2] + 2 and mark.box[0] - 2 < word.box[2]


def _clean(word: OcrWord, marks: list[OcrMark]) -> str:
    """The word without what OCR made of a marker it overlaps: a word of no letters ("'*",
    "1°", "3" where "³" opens a footnote), a label before its first letter ("!Quán" →
    "Quán"), or the characters after its last letter or digit ("lên'." → "lên.", "2022¹³,"
    read "202213," → "2022,")."""
    text = word.text
    if not marks:
        return text
    mark = marks[0]
    letters = any(c.isalpha() for c in text)
    if not any(c.isalnum() for c in text) or (not letters and mark.box[0] <= word.box[0] + 2):
        return ""
    if mark.box[0] <= word.box[0] + 2:  # the label opening a footnote, read into its word
        text = re.sub(r"^[\W\d_]+", "", text)
        # "lKhiển": a label read as a letter glued to a capitalised word
        return text[1:] if len(text) > 2 and text[1].isupper() and not text[0].isupper() else text
    end = len(text)
    while end and not text[end - 1].isalnum():
        end -= 1
    base, tail = text[:end], "".join(c for c in text[end:] if c in _KEPT)
    label = mark.label or ""
    over = word.box[2] > (mark.box[0] + mark.box[2]) / 2  # the word's box covers the marker
    if label and over and base.endswith(label) and len(base) > len(label):
        base = base[: -len(label)]  # its digits read as the word's end: "đồng2", "202213"
    elif label and base == label and word.box[0] >= mark.box[0] - 4:
        base = ""  # the marker read as a word of its own
    return base + tail if base else ""


def _attach(spans: list[Span], marker: Span) -> None:
    """Put a marker after its word, before the word's own trailing punctuation."""
    if not spans:
        spans.append(marker)
        return
    last = spans[-1]
    cut = len(last.text)
    while cut and last.text[cut - 1] in _KEPT:
        cut -= 1
    spans[-1:] = [Span(last.text[:cut], last.size, False), marker,
                  Span(last.text[cut:], last.size, False)]  # fmt: skip
