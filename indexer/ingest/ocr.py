"""Scanned PDF pages read by Tesseract's Vietnamese model, with the layout the PDF reader needs
(lines, baselines, capital heights, raised footnote markers, the footnote rule), cached by the
page's content so a rebuild never recognises a page twice.

A page is rendered grey at 300 dpi, levelled when tilted, and given to `tesseract` (hOCR, one
thread: two pages at once use two cores better than one page on two spinning threads); the
raised markers found in the image are read by a second, digits-only call.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from lxml import etree

from ..errors import UnreadableFile
from . import scanimage
from .ocrpage import OcrCache, OcrLine, OcrMark, OcrPage, OcrWord
from .scanimage import Box

if TYPE_CHECKING:  # imported where used: pymupdf loads its layout model (~1 s)
    import pymupdf

__all__ = ["OcrCache", "OcrLine", "OcrMark", "OcrPage", "OcrWord", "needs_ocr", "ocr_page",
           "page_key", "recognise", "render", "unavailable"]

OCR_VERSION = 2  # part of every cache key: bump when recognition or its analysis changes
DPI = 300
LANG = "vie"
TIMEOUT = 300  # seconds for one page
UNAVAILABLE = "không có lớp chữ và OCR không khả dụng"
INSTALL = "cài tesseract-ocr và tesseract-ocr-vie (`make readers`, cần quyền root)"
_LINES = {"ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption"}
_PAGE = ["-l", LANG, "--psm", "3"]  # automatic page segmentation, no orientation detection


@lru_cache(maxsize=1)
def _langs() -> tuple[str, ...]:
    if shutil.which("tesseract") is None:
        return ()
    try:
        return tuple(subprocess.run(["tesseract", "--list-langs"], capture_output=True,
                                    text=True, timeout=30, env=_env()).stdout.split())  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ()


def unavailable() -> str | None:
    """Why OCR cannot run here (no tesseract, or no Vietnamese model), or None when it can."""
    if not _langs():
        return f"{UNAVAILABLE}: {INSTALL}"
    return None if LANG in _langs() else f"{UNAVAILABLE} (thiếu mô hình tiếng Việt): {INSTALL}"


def needs_ocr(page: pymupdf.Page) -> bool:
    """True for a page showing an image over much of it with little or no text layer, or
    whose text layer has lost its characters (fonts without a Unicode map give "�").

    A text page (even one holding a chart) is never recognised: its own text is exact.
    """
    import pymupdf

    area = abs(page.rect) or 1.0
    chars = "".join(page.get_text("text").split())
    if chars and chars.count("\ufffd") > 0.5 * len(chars):
        return True
    if len(chars) > 0.2 * area / 1000:  # ~100 characters on an A4 page
        return False
    covered = sum(abs(pymupdf.Rect(info["bbox"]) & page.rect) for info in page.get_image_info())
    return covered >= 0.3 * area


def page_key(page: pymupdf.Page) -> str:
    """Content hash of a page (its drawing streams and images) and of the OCR settings."""
    digest = hashlib.sha256(f"ocr{OCR_VERSION}|{DPI}|{LANG}|{tuple(page.rect)}|"
                            f"{page.rotation}".encode())  # fmt: skip
    doc = page.parent
    for xref in page.get_contents():
        digest.update(doc.xref_stream_raw(xref) or b"")
    for image in page.get_images(full=True):
        digest.update(doc.xref_stream_raw(image[0]) or b"")
    return digest.hexdigest()


def render(page: pymupdf.Page, dpi: int = DPI) -> tuple[np.ndarray, float]:
    """The page in grey at `dpi`, turned so its text lines are level; and the angle turned."""
    import pymupdf

    small = page.get_pixmap(dpi=100, colorspace=pymupdf.csGRAY, alpha=False)
    angle = scanimage.skew_angle(_array(small))
    matrix = pymupdf.Matrix(dpi / 72, dpi / 72).prerotate(angle)
    return _array(page.get_pixmap(matrix=matrix, colorspace=pymupdf.csGRAY, alpha=False)), angle


def _array(pix: pymupdf.Pixmap) -> np.ndarray:
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[
        :, : pix.width
    ].copy()


def recognise(gray: np.ndarray, angle: float = 0.0, dpi: int = DPI) -> OcrPage:
    """Lines and words of a page image, its raised footnote numbers and its footnote rule."""
    started = time.perf_counter()
    found = list(_hocr_lines(_tesseract(gray, _PAGE + ["--dpi", str(dpi), "hocr"])))
    if _doubtful(found):  # a page scanned sideways or upside down reads as noise
        turns = _quarter_turns(gray)
        if turns:
            gray = np.ascontiguousarray(np.rot90(gray, -turns))
            angle += 90 * turns
            found = list(_hocr_lines(_tesseract(gray, _PAGE + ["--dpi", str(dpi), "hocr"])))
    ink = scanimage.Ink.of(gray)
    lines, marks = [], []
    for box, baseline, words in found:
        cap, raised = scanimage.raised_marks(ink, box, baseline)
        lines.append((box, baseline, cap, words))
        marks.append(raised)
    readings = iter(_read_marks(gray, ink, [m for group in marks for m in group], dpi))
    out = tuple(
        OcrLine(box, baseline, round(cap, 1), words, tuple(next(readings) for _ in raised))
        for (box, baseline, cap, words), raised in zip(lines, marks, strict=True)
    )
    left = float(np.median([ln.box[0] for ln in out])) if out else 0.0
    height, width = gray.shape
    rule = scanimage.footnote_rule(ink, width, height, left)
    return OcrPage(width, height, dpi, angle, out, rule, round(time.perf_counter() - started, 2))


def _doubtful(lines: list) -> bool:
    words = [w for _, _, ws in lines for w in ws]
    return len(words) < 10 or sum(w.conf for w in words) / len(words) < 60


def _quarter_turns(gray: np.ndarray) -> int:
    """Clockwise quarter turns that set the page upright (Tesseract's orientation detection)."""
    try:
        found = _tesseract(gray, ["--psm", "0", "-l", "osd"]).decode("utf-8", "replace")
    except UnreadableFile:
        return 0  # too little text to tell: read as it is
    rotate = re.search(r"Rotate:\s*(\d+)", found)
    sure = re.search(r"Orientation confidence:\s*([\d.]+)", found)
    if rotate is None or sure is None or float(sure.group(1)) < 2:
        return 0
    return int(rotate.group(1)) // 90 % 4


def _hocr_lines(hocr: bytes):
    """(box, baseline y, words) of each text line of Tesseract's hOCR."""
    if not hocr.strip():
        return
    tree = etree.fromstring(hocr, etree.HTMLParser())
    for line in tree.iter("span"):
        if line.get("class") not in _LINES:
            continue
        props = _props(line.get("title", ""))
        box = tuple(int(v) for v in props["bbox"].split())
        slope, offset = (float(v) for v in props.get("baseline", "0 0").split())
        baseline = box[3] + offset + slope * (box[2] - box[0]) / 2
        words = []
        for word in line.iter("span"):
            if word.get("class") == "ocrx_word":
                text = re.sub(r"\s+", "", "".join(word.itertext()))
                wp = _props(word.get("title", ""))
                if text:
                    words.append(OcrWord(text, float(wp.get("x_wconf", 0)),
                                         tuple(int(v) for v in wp["bbox"].split())))  # fmt: skip
        if words:
            yield box, round(baseline, 1), tuple(words)


def _props(title: str) -> dict[str, str]:
    return dict(p.strip().split(" ", 1) for p in title.split(";") if " " in p.strip())


def _read_marks(gray: np.ndarray, ink, marks: list[Box], dpi: int) -> list[OcrMark]:
    """The digits of each raised mark, from one digits-only OCR call over all of them."""
    if not marks:
        return []
    sheet, row = scanimage.mark_sheet(gray, ink, marks)
    # English's digits read small superscripts best (measured on the test scan: 79 of 82
    # right against 68 with the Vietnamese model); the numbering check fixes the rest
    lang = "eng" if "eng" in _langs() else LANG
    digits = ["-c", "tessedit_char_whitelist=0123456789"]
    tsv = _tesseract(sheet, ["-l", lang, "--psm", "6", "--dpi", str(dpi), *digits, "tsv"])
    tsv = tsv.decode("utf-8")
    read: dict[int, list[tuple[str, float]]] = {}
    for fields in (r.split("\t") for r in tsv.splitlines()[1:]):
        if len(fields) == 12 and fields[11].strip().isdigit():
            middle = int(fields[7]) + int(fields[9]) // 2
            read.setdefault(min(middle // row, len(marks) - 1), []).append(
                (fields[11].strip(), float(fields[10])))
    out = []
    for i, box in enumerate(marks):
        parts = read.get(i, [])
        label = "".join(t for t, _ in parts) or None
        conf = min((c for _, c in parts), default=0.0)
        out.append(OcrMark(label if label and len(label) <= 3 else None, conf, box))
    return out


def _env() -> dict[str, str]:
    # One OpenMP thread per tesseract: with several threads on busy cores they spin at every
    # barrier (measured: 10 s a page instead of 3).
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _tesseract(gray: np.ndarray, args: list[str]) -> bytes:
    pgm = b"P5 %d %d 255\n" % (gray.shape[1], gray.shape[0]) + np.ascontiguousarray(gray).tobytes()
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", *args], input=pgm,
                              capture_output=True, timeout=TIMEOUT, env=_env())  # fmt: skip
    except FileNotFoundError as exc:
        raise UnreadableFile(f"{UNAVAILABLE}: {INSTALL}") from exc
    except subprocess.TimeoutExpired as exc:
        raise UnreadableFile(f"OCR một trang quá {TIMEOUT} giây: trang quá lớn hoặc hỏng") from exc
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UnreadableFile(f"OCR thất bại ({why[-1] if why else done.returncode})")
    return done.stdout


def ocr_page(page: pymupdf.Page, cache: OcrCache) -> tuple[OcrPage, bool]:
    """The page recognised, from the cache when it was before; and whether it came from there."""
    key = page_key(page)
    found = cache.get(key)
    if found is not None:
        return found, True
    reason = unavailable()
    if reason:
        raise UnreadableFile(reason)
    gray, angle = render(page)
    result = recognise(gray, angle)
    cache.put(key, result)
    return result, False
