"""What a scanned page shows besides its words, read from the grey image with numpy: its tilt,
the raised footnote markers OCR misreads ("lên¹" comes out "lên'"), and the short rule above
the page-bottom footnotes. Pure functions over arrays; no OCR engine here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .ocrpage import Box


def skew_angle(gray: np.ndarray, limit: float = 3.0, step: float = 0.1) -> float:
    """Degrees to rotate the page by so its text lines run level (projection-profile search).

    The angle whose sheared row profile is the most peaked: text lines then fall into few rows.
    """
    ys, xs = np.nonzero(gray < ink_threshold(gray))
    if len(ys) < 100:
        return 0.0
    best, angle = -1.0, 0.0
    for candidate in np.arange(-limit, limit + step / 2, step):
        rows = np.round(ys + xs * np.tan(np.radians(candidate))).astype(np.int64)
        profile = np.bincount(rows - rows.min()).astype(np.float64)
        score = float(np.dot(profile, profile))
        if score > best:
            best, angle = score, float(candidate)
    return round(angle, 2)


def ink_threshold(gray: np.ndarray) -> int:
    """Otsu's grey level between paper and ink (a grey scan's paper is not white)."""
    counts = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    share = counts / max(counts.sum(), 1.0)
    below = np.cumsum(share)
    mean_below = np.cumsum(share * np.arange(256))
    spread = (mean_below[-1] * below - mean_below) ** 2 / (below * (1 - below) + 1e-12)
    return int(np.argmax(spread))


@dataclass(frozen=True)
class Ink:
    """The page's connected blobs of ink: boxes, pixel counts and the label image."""

    boxes: np.ndarray  # (n, 4) x0, y0, x1, y1
    areas: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, gray: np.ndarray) -> Ink:
        mask = gray < ink_threshold(gray)
        labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        slices = ndimage.find_objects(labels)
        boxes = np.array(
            [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in slices], dtype=np.int64
        ).reshape(-1, 4)
        areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
        return cls(boxes, areas, labels)


def raised_marks(ink: Ink, line: Box, baseline: float) -> tuple[float, list[Box]]:
    """The line's capital height and the boxes of its superscript numbers: ink sitting well
    above the baseline, the height of a small digit, beside (not over) the letters — a
    diacritic sits over its letter, a quotation mark is shorter than a digit."""
    x0, y0, x1, y1 = line
    b = ink.boxes
    near = (b[:, 0] >= x0 - 4) & (b[:, 2] <= x1 + 4) & (b[:, 1] >= y0 - 8) & (b[:, 3] <= y1 + 4)
    near &= ink.areas > 6  # specks of a scan
    boxes = b[near]
    on_base = boxes[:, 3] >= baseline - 6
    standing = boxes[on_base & (boxes[:, 3] <= baseline + 6)]
    if len(standing) < 2:
        return float(y1 - y0) * 0.6, []
    cap = float(np.percentile(standing[:, 3] - standing[:, 1], 90))
    letters = boxes[on_base]
    raised = [
        box for box in boxes[~on_base]
        if box[3] < baseline - 0.3 * cap
        and not np.any((letters[:, 0] < box[2] - 1) & (box[0] + 1 < letters[:, 2]))
    ]  # fmt: skip
    marks = []
    for group in _clusters(sorted(raised, key=lambda r: r[0]), gap=0.3 * cap):
        gx0, gy0, gx1, gy1 = group
        if 0.45 * cap <= gy1 - gy0 <= 0.85 * cap and 0.2 * cap <= gx1 - gx0 <= 1.8 * cap:
            marks.append(group)
    return cap, marks


def _clusters(boxes: list, gap: float) -> list[Box]:
    """Boxes merged left to right when closer than `gap` (a "2" broken in two, or "12")."""
    out: list[list[int]] = []
    for x0, y0, x1, y1 in (tuple(int(v) for v in box) for box in boxes):
        if out and x0 - out[-1][2] < gap:
            last = out[-1]
            out[-1] = [last[0], min(last[1], y0), max(last[2], x1), max(last[3], y1)]
        else:
            out.append([x0, y0, x1, y1])
    return [tuple(box) for box in out]


def footnote_rule(ink: Ink, width: int, height: int, left: float) -> Box | None:
    """The short horizontal rule that opens the footnotes: a thin bar starting at the text's
    left edge, a tenth to a half of the page wide (the lowest one when there are several)."""
    b = ink.boxes
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    bars = (w >= 0.1 * width) & (w <= 0.5 * width) & (h <= max(4, 0.004 * height))
    bars &= (np.abs(b[:, 0] - left) <= 0.02 * width) & (b[:, 1] > 0.15 * height)
    bars &= ink.areas >= 0.6 * w  # solid, not a row of dots
    found = b[bars]
    if not len(found):
        return None
    return tuple(int(v) for v in found[np.argmax(found[:, 1])])


def mark_sheet(gray: np.ndarray, ink: Ink, marks: list[Box]) -> tuple[np.ndarray, int]:
    """The marks' own ink (a neighbouring quotation mark masked out) stacked one per row on
    white, for one digits-only OCR call; returns (sheet, row height)."""
    pad = 8
    crops = []
    for x0, y0, x1, y1 in marks:
        region = ink.labels[y0:y1, x0:x1]
        ids = np.unique(region[region > 0])
        inside = ink.boxes[ids - 1]
        own = ids[(inside[:, 0] >= x0) & (inside[:, 1] >= y0) & (inside[:, 2] <= x1)
                  & (inside[:, 3] <= y1)]  # fmt: skip
        crops.append(np.where(np.isin(region, own), gray[y0:y1, x0:x1], 255).astype(np.uint8))
    row = max(c.shape[0] for c in crops) + 2 * pad
    sheet = np.full((row * len(crops), max(c.shape[1] for c in crops) + 4 * pad), 255, np.uint8)
    for i, crop in enumerate(crops):
        top = i * row + pad
        sheet[top : top + crop.shape[0], 2 * pad : 2 * pad + crop.shape[1]] = crop
    return sheet, row
