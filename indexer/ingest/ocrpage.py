"""What OCR makes of a page, as records (lines, words, raised footnote numbers, the footnote
rule, in pixels of the render) and as the cache files that keep them by page content."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1/y1 exclusive


@dataclass(frozen=True)
class OcrWord:
    text: str
    conf: float  # Tesseract's word confidence, 0–100
    box: Box


@dataclass(frozen=True)
class OcrMark:
    """A raised footnote number seen in the image; `label` None when its digits were unreadable."""

    label: str | None
    conf: float
    box: Box


@dataclass(frozen=True)
class OcrLine:
    box: Box
    baseline: float
    cap: float  # height of a capital or a digit, pixels
    words: tuple[OcrWord, ...]
    marks: tuple[OcrMark, ...] = ()


@dataclass(frozen=True)
class OcrPage:
    """One recognised page, in pixels of its `dpi` render (y grows downwards)."""

    width: int
    height: int
    dpi: int
    angle: float  # degrees the page was turned to level its lines
    lines: tuple[OcrLine, ...]
    rule: Box | None = None
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> OcrPage:
        data = json.loads(text)
        lines = tuple(
            OcrLine(tuple(ln["box"]), ln["baseline"], ln["cap"],
                    tuple(OcrWord(w["text"], w["conf"], tuple(w["box"])) for w in ln["words"]),
                    tuple(OcrMark(m["label"], m["conf"], tuple(m["box"])) for m in ln["marks"]))
            for ln in data["lines"]
        )  # fmt: skip
        rule = tuple(data["rule"]) if data["rule"] else None
        return cls(data["width"], data["height"], data["dpi"], data["angle"], lines, rule,
                   data.get("seconds", 0.0))  # fmt: skip


class OcrCache:
    """Recognised pages as JSON files by page key, in a folder (None: nothing is kept)."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None

    def _path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key}.json" if self.folder else None

    def get(self, key: str) -> OcrPage | None:
        path = self._path(key)
        try:
            return OcrPage.from_json(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: recognised again

    def put(self, key: str, page: OcrPage) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(page.to_json(), encoding="utf-8")
            os.replace(partial, path)
        except OSError:
            pass  # a cache that cannot be written only costs time at the next build
