"""vankien's library: build an index of văn kiện and query it.

>>> from indexer import Index, Settings, build_index

The pipeline's stages are sub-packages, each importing only those below it (the import-linter
contract in pyproject.toml): `vietnamese` (text as data), `ingest` (file → passages),
`storage` (the index folder and its backends), `build` and `query` (writing and reading an
index; neither imports the other), `present` (what users see).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .build import BuildReport, build_index
    from .config import Settings, get_settings
    from .embed import Embedder, load_embedder
    from .errors import VankienError
    from .model import Answer, DocInfo, Filters, Hit, Passage
    from .query import Index, SearchResult

# Imported when first named: `vankien search` through a running service needs none of the
# heavy libraries (FAISS, PyMuPDF, underthesea; ~2.5 s of imports) that building and querying do.
_HOMES = {"BuildReport": ".build", "build_index": ".build", "Settings": ".config",
          "get_settings": ".config", "Embedder": ".embed", "load_embedder": ".embed",
          "VankienError": ".errors", "Answer": ".model", "DocInfo": ".model",
          "Filters": ".model", "Hit": ".model", "Passage": ".model", "Index": ".query",
          "SearchResult": ".query"}  # fmt: skip


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Answer",
    "BuildReport",
    "DocInfo",
    "Embedder",
    "Filters",
    "Hit",
    "Index",
    "Passage",
    "SearchResult",
    "Settings",
    "VankienError",
    "build_index",
    "get_settings",
    "load_embedder",
]
